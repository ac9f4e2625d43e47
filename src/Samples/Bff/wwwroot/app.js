// Sample SPA behind its BFF: no token code at all. Every call goes to this origin with the anti-forgery header.
"use strict";

const $ = (id) => document.getElementById(id);

// The BFF refuses any call without it: a cross-site form or link cannot send a custom header.
const bff = (path, init = {}) => fetch(path, { ...init, headers: { ...init.headers, "X-CSRF": "1" } });

async function render() {
  const response = await bff("/bff/user");
  if (response.ok) {
    const claims = await response.json();
    const claim = (type) => claims.find((c) => c.type === type)?.value;
    show("status", `Signed in as ${claim("preferred_username") ?? claim("name") ?? claim("sub")}`);
    $("claims").textContent = JSON.stringify(claims, null, 2);
  } else {
    show("status", "Not signed in");
    $("claims").textContent = "(not signed in)";
  }
}

$("login").addEventListener("click", () => {
  window.location.assign(`/bff/login?returnUrl=${encodeURIComponent("/")}`);
});

$("call-api").addEventListener("click", async () => {
  try {
    const response = await bff("/api/me");
    const body = await response.text();
    $("api").textContent = `${response.status} ${response.statusText}\n${body}`;
    if (response.status === 401) {
      await render();
    }
  } catch {
    $("api").textContent = "The BFF is not reachable.";
  }
});

// The BFF revokes the refresh token and drops the session; the navigation then ends the server's session too.
$("logout").addEventListener("click", async () => {
  const response = await bff("/bff/logout", { method: "POST" });
  if (response.ok) {
    window.location.assign((await response.json()).location);
  } else {
    await render();
  }
});

function show(id, text, isError = false) {
  $(id).textContent = text;
  $(id).classList.toggle("error", isError);
}

render().catch((error) => show("status", `The app could not start: ${error.message}`, true));
