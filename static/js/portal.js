// The code forms' button. "Authenticate" is usable once six digits are typed, and after a wrong
// code it waits out the back-off the server gives in the field's data-wait-seconds, with a
// countdown beside its label. Without JavaScript the button stays enabled and the server checks
// the code and the back-off, so the form works either way; the countdown only saves a refusal.
(function () {
  "use strict";

  function digitsIn(value) {
    return value.replace(/[\s-]/g, "");
  }

  // Why a button is held back, by reason ("digits", "wait"): disabled while any holds.
  function holder(button) {
    var reasons = {};
    return function hold(reason, on) {
      reasons[reason] = on;
      button.disabled = Object.keys(reasons).some(function (name) {
        return reasons[name];
      });
    };
  }

  function clockText(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function waitOut(input, button, hold) {
    var seconds = parseInt(input.getAttribute("data-wait-seconds"), 10);
    if (!(seconds > 0)) {
      return;
    }
    var deadline = Date.now() + seconds * 1000;
    // Seen, not read out: the field's error says the wait in words.
    var countdown = document.createElement("span");
    countdown.className = "button__countdown";
    countdown.setAttribute("aria-hidden", "true");
    countdown.setAttribute("data-countdown", "");
    button.appendChild(countdown);
    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) {
        countdown.remove();
        hold("wait", false);
        return;
      }
      countdown.textContent = clockText(left);
      hold("wait", true);
      window.setTimeout(tick, Math.min(1000, deadline - Date.now()));
    }
    tick();
  }

  function wire(form) {
    var input = form.querySelector("input[data-code-input], input[data-wait-seconds]");
    var button = form.querySelector("[data-code-submit]") || form.querySelector("button[type=submit]");
    if (!input || !button) {
      return;
    }
    var hold = holder(button);
    if (input.hasAttribute("data-code-input")) {
      var update = function () {
        hold("digits", !/^[0-9]{6}$/.test(digitsIn(input.value)));
      };
      input.addEventListener("input", update);
      update();
    }
    waitOut(input, button, hold);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-code-form]").forEach(wire);
  });
})();
