// "Copy" buttons (data-copy-target): the recovery codes, one per line, or the setup wizard's key
// without the spaces between its groups (data-copy-as="key"), to the clipboard; the button's
// data-copied or data-copy-failed is said in its data-copy-status element. It needs JavaScript
// and the Clipboard API, so the button starts hidden and is shown here; without them the text
// stays selectable.
(function () {
  "use strict";

  function textOf(target, as) {
    if (as === "key") {
      return target.textContent.replace(/\s+/g, "");
    }
    return Array.prototype.map
      .call(target.querySelectorAll("code"), function (code) {
        return code.textContent.trim();
      })
      .join("\n");
  }

  function wire(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!target || !status || !navigator.clipboard || !navigator.clipboard.writeText) {
      return;
    }
    button.addEventListener("click", function () {
      status.textContent = "";
      var text = textOf(target, button.getAttribute("data-copy-as"));
      navigator.clipboard.writeText(text).then(
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy-target]").forEach(wire);
  });
})();
