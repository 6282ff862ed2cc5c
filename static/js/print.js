/* Buttons marked data-print print the page (its print stylesheet decides what reaches the paper). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
