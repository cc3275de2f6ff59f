// "Copy key" on the setup wizard's QR step: the key of "Set up manually", without the spaces
// between its groups, to paste into the authenticator app. It needs JavaScript and the Clipboard
// API, so the button starts hidden and is shown here; without them the key stays selectable text.
(function () {
  "use strict";

  function wire(button) {
    var key = document.getElementById(button.getAttribute("data-copy-key"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!key || !status || !navigator.clipboard || !navigator.clipboard.writeText) {
      return;
    }
    button.addEventListener("click", function () {
      status.textContent = "";
      navigator.clipboard.writeText(key.textContent.replace(/\s+/g, "")).then(
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
    document.querySelectorAll("button[data-copy-key]").forEach(wire);
  });
})();
