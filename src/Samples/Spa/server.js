// A tiny static server for the sample SPA: no framework, only the files the app needs.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 5173);
const host = process.env.HOST ?? "localhost";

// Where the SPA finds the server and the API; overridable so tests and other machines need no code change.
const config = {
  authority: process.env.AUTHORITY ?? "http://localhost:5000/",
  clientId: process.env.CLIENT_ID ?? "spa",
  scope: process.env.SCOPE ?? "openid profile email roles offline_access api",
  apiUrl: process.env.API_URL ?? "http://localhost:5080/api/me",
};

const files = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/callback": ["index.html", "text/html; charset=utf-8"],
  "/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/oidc-client-ts.min.js": ["node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js", "text/javascript; charset=utf-8"],
};

const origin = (url) => new URL(url).origin;
const securityHeaders = {
  // Scripts only from this origin; network calls only to the server and the API.
  "Content-Security-Policy": `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ${origin(config.authority)} ${origin(config.apiUrl)}; frame-ancestors 'none'`,
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

createServer(async (request, response) => {
  const path = new URL(request.url ?? "/", `http://${host}`).pathname;
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { Allow: "GET, HEAD" }).end();
    return;
  }

  if (path === "/config.json") {
    response.writeHead(200, { ...securityHeaders, "Content-Type": "application/json" }).end(JSON.stringify(config));
    return;
  }

  const file = files[path];
  if (!file) {
    response.writeHead(404, { "Content-Type": "text/plain" }).end("Not found");
    return;
  }

  try {
    const body = await readFile(join(root, file[0]));
    response.writeHead(200, { ...securityHeaders, "Content-Type": file[1] }).end(request.method === "HEAD" ? undefined : body);
  } catch {
    response.writeHead(500, { "Content-Type": "text/plain" }).end("Run `npm install` in src/Samples/Spa first.");
  }
}).listen(port, host, () => console.log(`Sample SPA on http://${host}:${port} (authority ${config.authority})`));
