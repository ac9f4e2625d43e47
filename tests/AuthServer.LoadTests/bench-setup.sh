# Sourced by the bench scripts, from the repository's root. A scratch folder ($work) removed on exit together with the
# server the script started ($server); the server published as it ships (deploy/server.Dockerfile: ReadyToRun code) into
# $work/publish, or PUBLISHED=<folder> to reuse an earlier `dotnet publish` of the same code; the load generator built.
work=$(mktemp -d)
server=""
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

if [ -n "${PUBLISHED:-}" ]; then cp -r "$PUBLISHED" "$work/publish"; else
  dotnet publish src/AuthServer -c Release -o "$work/publish" -p:UseAppHost=false >/dev/null
fi
dotnet build -c Release tests/AuthServer.LoadTests >/dev/null
