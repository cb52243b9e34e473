// Passkeys: the shop's one script. Every page works without it; where the
// browser has no passkeys, it shows nothing. Each ceremony is two requests
// (src/routes/passkeys.rs): the options, with a challenge the session keeps,
// then the authenticator's answer. The CSRF token goes in a header, taken
// from the page's forms.
"use strict";

(function () {
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  // WebAuthn speaks ArrayBuffers; the server speaks base64url.
  function fromBase64url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  }

  function toBase64url(buffer) {
    const bytes = String.fromCharCode(...new Uint8Array(buffer));
    return btoa(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // A list of credentials from the server, their ids as WebAuthn takes them.
  function withIds(credentials) {
    return (credentials || []).map((c) => ({ ...c, id: fromBase64url(c.id) }));
  }

  function csrfToken() {
    const field = document.querySelector("input[name='csrf_token']");
    return field ? field.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error("refused");
    }
    return response.json();
  }

  function fail(message) {
    const error = document.getElementById("passkey-error");
    error.textContent = message;
    error.hidden = false;
  }

  async function addPasskey(button) {
    const name = document.getElementById("passkey_name").value.trim();
    if (!name) {
      fail("Give the passkey a name first, such as the device that holds it.");
      return;
    }
    button.disabled = true;
    try {
      const options = (await post("/passkeys/register/options", {})).publicKey;
      options.challenge = fromBase64url(options.challenge);
      options.user.id = fromBase64url(options.user.id);
      options.excludeCredentials = withIds(options.excludeCredentials);
      const made = await navigator.credentials.create({ publicKey: options });
      const credential = {
        id: made.id,
        rawId: toBase64url(made.rawId),
        type: made.type,
        response: {
          attestationObject: toBase64url(made.response.attestationObject),
          clientDataJSON: toBase64url(made.response.clientDataJSON),
        },
        extensions: made.getClientExtensionResults(),
      };
      const done = await post("/passkeys/register", { name, credential });
      window.location.assign(done.redirect);
    } catch (e) {
      fail("The passkey was not added. Try again, or with another device.");
      button.disabled = false;
    }
  }

  // Signing in (no name asked: the device offers its passkeys for this
  // site), or confirming who you are for sudo mode (the account's passkeys).
  async function answerChallenge(button, path) {
    button.disabled = true;
    try {
      const options = (await post(path + "/options", {})).publicKey;
      options.challenge = fromBase64url(options.challenge);
      options.allowCredentials = withIds(options.allowCredentials);
      const used = await navigator.credentials.get({ publicKey: options });
      const answer = {
        id: used.id,
        rawId: toBase64url(used.rawId),
        type: used.type,
        response: {
          authenticatorData: toBase64url(used.response.authenticatorData),
          clientDataJSON: toBase64url(used.response.clientDataJSON),
          signature: toBase64url(used.response.signature),
          userHandle: used.response.userHandle ? toBase64url(used.response.userHandle) : null,
        },
        extensions: used.getClientExtensionResults(),
      };
      const next = encodeURIComponent(button.dataset.next || "/");
      const done = await post(path + "?next=" + next, answer);
      window.location.assign(done.redirect);
    } catch (e) {
      fail("That passkey could not be used here. Try again, or sign in with your password.");
      button.disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const add = document.getElementById("add-passkey");
    if (add) {
      add.closest(".passkey-add").hidden = false;
      add.addEventListener("click", () => addPasskey(add));
    }
    const login = document.getElementById("passkey-login");
    if (login) {
      login.closest(".passkey-login").hidden = false;
      login.addEventListener("click", () => answerChallenge(login, "/passkeys/login"));
    }
    const confirm = document.getElementById("passkey-confirm");
    if (confirm) {
      confirm.closest(".passkey-confirm").hidden = false;
      confirm.addEventListener("click", () => answerChallenge(confirm, "/passkeys/confirm"));
    }
  });
})();
