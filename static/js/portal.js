// Enables "Authenticate" once six digits are typed. Without JavaScript the button stays enabled
// and the server checks the code, so the form works either way.
(function () {
  "use strict";

  function digitsIn(value) {
    return value.replace(/[\s-]/g, "");
  }

  function wire(form) {
    var input = form.querySelector("[data-code-input]");
    var button = form.querySelector("[data-code-submit]");
    if (!input || !button) {
      return;
    }
    function update() {
      button.disabled = !/^[0-9]{6}$/.test(digitsIn(input.value));
    }
    input.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-code-form]").forEach(wire);
  });
})();
