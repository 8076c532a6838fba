// The page's print button: a script file, because the Content-Security-Policy refuses inline handlers.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false; // shown only where the script runs: without it the button could do nothing
  button.addEventListener("click", () => window.print());
});
