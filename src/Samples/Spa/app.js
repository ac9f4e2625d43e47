// Sample SPA: sign in with code + PKCE and DPoP (oidc-client-ts), show claims, call the API, refresh, sign out.
"use strict";

const $ = (id) => document.getElementById(id);

async function main() {
  const config = await (await fetch("/config.json")).json();
  const here = window.location.origin;

  const manager = new oidc.UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: `${here}/callback`,
    post_logout_redirect_uri: `${here}/`,
    response_type: "code",
    scope: config.scope,
    // Session storage: tokens die with the tab and are not shared with other tabs; localStorage would keep them
    // readable by any script on this origin indefinitely.
    userStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new oidc.WebStorageStateStore({ store: window.sessionStorage }),
    // signinSilent uses the refresh token (rotated by the server on every use) instead of a hidden iframe.
    automaticSilentRenew: false,
    // DPoP (RFC 9449): a key pair made by WebCrypto, non-extractable, kept in IndexedDB. The code, the tokens and the
    // refresh token are bound to it, so a token copied out of this page is useless anywhere else (docs/spa.md).
    dpop: { bind_authorization_code: true, store: new oidc.IndexedDbDPoPStore() },
    // The ID token carries the profile; oidc-client-ts would ask userinfo with the bound token as a plain bearer token,
    // which the server refuses for a DPoP-bound token.
    loadUserInfo: false,
  });

  if (window.location.pathname === "/callback") {
    try {
      await manager.signinRedirectCallback();
    } catch (error) {
      show("status", `Sign-in failed: ${error.message}`, true);
    }
    window.history.replaceState({}, "", "/");
  }

  async function render() {
    const user = await manager.getUser();
    if (user && !user.expired) {
      show("status", `Signed in as ${user.profile.preferred_username ?? user.profile.name ?? user.profile.sub}`);
      $("claims").textContent = JSON.stringify(user.profile, null, 2);
    } else {
      show("status", "Not signed in");
      $("claims").textContent = "(not signed in)";
    }
  }

  $("login").addEventListener("click", () => manager.signinRedirect());

  $("refresh").addEventListener("click", async () => {
    try {
      const user = await manager.signinSilent();
      show("status", `Tokens refreshed; access token expires at ${new Date(user.expires_at * 1000).toLocaleTimeString()}`);
    } catch (error) {
      show("status", `Refresh failed: ${error.message}`, true);
    }
  });

  $("call-api").addEventListener("click", async () => {
    const user = await manager.getUser();
    if (!user) {
      $("api").textContent = "Sign in first.";
      return;
    }
    try {
      // A bound token goes with a fresh proof for this one call (method and URL), signed by the page's key.
      const proof = await manager.dpopProof(config.apiUrl, user, "GET");
      const headers = proof ? { Authorization: `DPoP ${user.access_token}`, DPoP: proof } : { Authorization: `Bearer ${user.access_token}` };
      const response = await fetch(config.apiUrl, { headers });
      $("api").textContent = `${response.status} ${response.statusText}\n${await response.text()}`;
    } catch {
      $("api").textContent = `The resource API at ${config.apiUrl} is not reachable. Start it, or set API_URL when starting this SPA.`;
    }
  });

  // RP-Initiated Logout 1.0 §2 allows a form POST: the id token travels in the body, not in a URL that proxies and
  // browser history keep. The server ends the session it names and revokes the refresh tokens issued in it.
  $("logout").addEventListener("click", async () => {
    const user = await manager.getUser();
    await manager.removeUser();
    const fields = { client_id: config.clientId, post_logout_redirect_uri: `${here}/` };
    if (user?.id_token) {
      fields.id_token_hint = user.id_token;
    }
    const form = document.createElement("form");
    form.method = "post";
    form.action = new URL("connect/logout", config.authority).href;
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  });

  $("password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = new URLSearchParams({
      grant_type: "password",
      client_id: config.clientId,
      username: $("pw-username").value,
      password: $("pw-password").value,
      scope: "openid offline_access api",
    });
    $("pw-password").value = "";
    try {
      const response = await fetch(new URL("connect/token", config.authority), { method: "POST", body });
      const json = await response.json();
      // Show what came back without the tokens themselves: they belong in memory, not on screen.
      $("password-result").textContent = response.ok
        ? `${response.status}: access token for ${json.expires_in} s, refresh token ${json.refresh_token ? "issued" : "not issued"}, scope "${json.scope}"`
        : `${response.status}: ${json.error} (${json.error_description ?? ""})`;
    } catch {
      $("password-result").textContent = `The server at ${config.authority} is not reachable.`;
    }
  });

  await render();
}

function show(id, text, isError = false) {
  $(id).textContent = text;
  $(id).classList.toggle("error", isError);
}

main().catch((error) => show("status", `The app could not start: ${error.message}`, true));
