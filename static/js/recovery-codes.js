// "Print" on the recovery codes page (its "Copy" is static/js/copy.js). It needs JavaScript, so
// its button starts hidden and is shown here; without it the codes stay selectable text and
// "Download" works.
(function () {
  "use strict";

  function wirePrint(button) {
    if (typeof window.print !== "function") {
      return;
    }
    button.addEventListener("click", function () {
      window.print();
    });
    button.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-print]").forEach(wirePrint);
  });
})();
