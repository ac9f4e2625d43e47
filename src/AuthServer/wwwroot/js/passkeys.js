// The passkey ceremonies of the login and account pages. A form marked data-passkey="sign-in" or "register" carries the
// server's WebAuthn options (data-passkey-options) and a sealed state; this script asks the browser for a credential and
// posts it in the form's hidden field. A file, never inline: the pages' CSP allows no inline script. No library.
(() => {
  'use strict';

  const toBase64Url = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
    .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const fromBase64Url = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
  };
  const withIds = (list) => (list || []).map((c) => ({ ...c, id: fromBase64Url(c.id) }));

  // The JSON forms of WebAuthn Level 3 where the browser has them, the same conversion by hand where it does not.
  const requestOptions = (json) => {
    const options = JSON.parse(json);
    return PublicKeyCredential.parseRequestOptionsFromJSON
      ? PublicKeyCredential.parseRequestOptionsFromJSON(options)
      : { ...options, challenge: fromBase64Url(options.challenge), allowCredentials: withIds(options.allowCredentials) };
  };
  const creationOptions = (json) => {
    const options = JSON.parse(json);
    return PublicKeyCredential.parseCreationOptionsFromJSON
      ? PublicKeyCredential.parseCreationOptionsFromJSON(options)
      : {
          ...options,
          challenge: fromBase64Url(options.challenge),
          user: { ...options.user, id: fromBase64Url(options.user.id) },
          excludeCredentials: withIds(options.excludeCredentials),
        };
  };
  const credentialJson = (credential) => {
    if (typeof credential.toJSON === 'function') {
      return JSON.stringify(credential.toJSON());
    }
    const r = credential.response;
    const response = { clientDataJSON: toBase64Url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64Url(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64Url(r.authenticatorData);
      response.signature = toBase64Url(r.signature);
      if (r.userHandle) {
        response.userHandle = toBase64Url(r.userHandle);
      }
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toBase64Url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment,
      clientExtensionResults: credential.getClientExtensionResults(),
      response,
    });
  };

  const showError = (form, message) => {
    const error = form.querySelector('[data-passkey-error]');
    if (error) {
      error.textContent = message;
      error.hidden = false;
    }
  };
  const explain = (error) => error && error.name === 'NotAllowedError'
    ? 'The passkey prompt was closed or timed out. Try again.'
    : error && error.name === 'InvalidStateError'
      ? 'This authenticator already holds a passkey for your account.'
      : 'This browser could not use a passkey here.';
  const post = (form, credential) => {
    form.querySelector('[data-passkey-credential]').value = credentialJson(credential);
    form.submit();
  };
  const reveal = (scope) => document.querySelectorAll(scope).forEach((element) => { element.hidden = false; });

  if (!window.PublicKeyCredential || !navigator.credentials) {
    return; // No WebAuthn: the password form is the page.
  }

  const signIn = document.querySelector('form[data-passkey="sign-in"]');
  if (signIn) {
    reveal('[data-passkey-start]');
    let conditional = null;

    // Autofill: the name field offers this site's passkeys; choosing one signs in without a click on the button.
    if (typeof PublicKeyCredential.isConditionalMediationAvailable === 'function') {
      PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
        if (!available) {
          return;
        }
        conditional = new AbortController();
        navigator.credentials.get({ publicKey: requestOptions(signIn.dataset.passkeyOptions), mediation: 'conditional', signal: conditional.signal })
          .then((credential) => credential && post(signIn, credential))
          .catch(() => {}); // Aborted by the button, or dismissed: the button and the password remain.
      });
    }

    signIn.querySelector('#passkey-button').addEventListener('click', () => {
      if (conditional) {
        conditional.abort();
        conditional = null;
      }
      navigator.credentials.get({ publicKey: requestOptions(signIn.dataset.passkeyOptions) })
        .then((credential) => credential && post(signIn, credential))
        .catch((error) => showError(signIn, explain(error)));
    });
  }

  const register = document.querySelector('form[data-passkey="register"]');
  if (register) {
    reveal('[data-passkey-register]');
    register.addEventListener('submit', (event) => {
      const field = register.querySelector('[data-passkey-credential]');
      if (field.value) {
        return; // The credential is in: this is the real post.
      }
      event.preventDefault();
      navigator.credentials.create({ publicKey: creationOptions(register.dataset.passkeyOptions) })
        .then((credential) => post(register, credential))
        .catch((error) => showError(register, explain(error)));
    });
  }
})();
