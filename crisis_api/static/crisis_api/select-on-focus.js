// Selects the whole value of an input marked data-select-on-focus when it gets the focus
// (a script file, not an onfocus attribute: the Content-Security-Policy forbids inline script).
document.addEventListener("focusin", (event) => {
  if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
    event.target.select();
  }
});
