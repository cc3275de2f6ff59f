// "Copy" and "Print" on the recovery codes page. Both need JavaScript, so their buttons start
// hidden and are shown here; without it the codes stay selectable text and "Download" works.
(function () {
  "use strict";

  function codesIn(list) {
    return Array.prototype.map.call(list.querySelectorAll("code"), function (code) {
      return code.textContent.trim();
    });
  }

  function wireCopy(button) {
    var list = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!list || !status || !navigator.clipboard || !navigator.clipboard.writeText) {
      return;
    }
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(codesIn(list).join("\n")).then(
        function () {
          status.textContent = button.getAttribute("data-copied");
        },
        function () {
          status.textContent = button.getAttribute("data-copy-failed");
        }
      );
    });
    button.hidden = false;
  }

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
    document.querySelectorAll("button[data-copy-target]").forEach(wireCopy);
    document.querySelectorAll("button[data-print]").forEach(wirePrint);
  });
})();
