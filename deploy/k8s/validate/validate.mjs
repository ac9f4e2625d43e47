// Checks every Kubernetes object in deploy/k8s against the OpenAPI schema of its apiVersion/kind, as shipped
// (compiled) in the kubernetes-models package: types, required fields, enums. Unknown fields are not reported
// by these schemas; tests/AuthServer.SqlServer.Tests/DeploymentFilesTests.cs checks the fields we rely on.
// Usage: npm ci && node validate.mjs [file.yaml ...]   (default: every *.yaml beside this folder)
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const folder = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(folder).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").map((f) => join(folder, f));

let failures = 0;
for (const file of files) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      console.log(`FAIL ${file}: ${document.errors.map((e) => e.message).join("; ")}`);
      failures++;
      continue;
    }

    const object = document.toJS();
    if (object === null) {
      continue;
    }

    const { apiVersion, kind } = object;
    // Core objects live at kubernetes-models/v1/Kind, the others at kubernetes-models/<group>/<version>/Kind.
    const module = `kubernetes-models/${apiVersion}/${kind}`;
    let Model;
    try {
      Model = (await import(module))[kind];
    } catch {
      console.log(`FAIL ${file}: no schema for ${apiVersion} ${kind}`);
      failures++;
      continue;
    }

    try {
      new Model(object).validate();
      console.log(`ok   ${file}: ${kind}/${object.metadata?.name}`);
    } catch (error) {
      console.log(`FAIL ${file}: ${kind}/${object.metadata?.name}: ${error.message}`);
      failures++;
    }
  }
}

console.log(failures === 0 ? "all manifests valid" : `${failures} invalid`);
process.exit(failures === 0 ? 0 : 1);
