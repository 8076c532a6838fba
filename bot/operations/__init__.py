"""Running an installation: checking it (doctor), connecting it to LINE (setup-line), and
running web and clock as one process on one disk (serve)."""
