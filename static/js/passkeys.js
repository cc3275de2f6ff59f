// Passkeys and security keys: the browser's WebAuthn prompt for the buttons of
// templates/twofactor/_passkey.html. Each button asks the server for a challenge (begin), hands
// it to the browser, sends the browser's answer back (complete) and follows the page the server
// names. A closed prompt or a refused answer is said in the page, and the code field next to
// the button stays usable. Without JavaScript (or WebAuthn) the button stays hidden.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return { publicKey: options };
  }

  function answer(credential) {
    var response = credential.response;
    var body = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      body.response.attestationObject = toBase64url(response.attestationObject);
      body.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      body.response.authenticatorData = toBase64url(response.authenticatorData);
      body.response.signature = toBase64url(response.signature);
      if (response.userHandle) {
        body.response.userHandle = toBase64url(response.userHandle);
      }
    }
    return body;
  }

  function post(url, csrfToken, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          // A redirect followed (a session that ended) is no answer of the ceremony either.
          if (!response.ok || response.redirected) {
            var error = new Error(data.detail || "");
            error.server = true;
            throw error;
          }
          return data;
        });
    });
  }

  function wire(box) {
    var button = box.querySelector("[data-passkey-start]");
    var status = box.querySelector("[data-passkey-status]");
    var csrf = box.querySelector("input[name=csrfmiddlewaretoken]");
    if (!button || !status || !csrf) {
      return;
    }
    if (!window.PublicKeyCredential || !navigator.credentials) {
      status.textContent = box.dataset.unsupported;
      return;
    }
    button.hidden = false;
    var creating = box.dataset.ceremony === "create";

    function say(message) {
      status.textContent = message;
      button.disabled = false;
      var field = document.querySelector("[data-code-input]");
      if (field) {
        field.focus();
      }
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "";
      post(box.dataset.beginUrl, csrf.value)
        .then(function (options) {
          return creating
            ? navigator.credentials.create(creationOptions(options))
            : navigator.credentials.get(requestOptions(options));
        })
        .then(function (credential) {
          return post(box.dataset.completeUrl, csrf.value, answer(credential));
        })
        .then(function (data) {
          if (!data.redirect_url) {
            throw Object.assign(new Error(""), { server: true });
          }
          window.location.assign(data.redirect_url);
        })
        .catch(function (error) {
          if (error && error.server) {
            say(error.message || box.dataset.failed);
          } else if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
            say(box.dataset.cancelled);
          } else if (error && error.name === "InvalidStateError") {
            say(box.dataset.duplicate || box.dataset.failed);
          } else {
            say(box.dataset.failed);
          }
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-passkey]").forEach(wire);
  });
})();
