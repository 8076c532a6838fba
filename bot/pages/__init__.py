"""Public web pages outside the console: fonts and assets, the privacy notice, and the
simulator (chat with the bot without a LINE channel; `make run`'s app factory)."""
