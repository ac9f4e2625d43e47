#!/usr/bin/env bash
# Bytes per refresh on SQLite (docs/sizing.md):
#   bash tests/AuthServer.LoadTests/bench-storage.sh [seconds] [chains]
# Publishes Release, starts the server on 127.0.0.1:5000 with a fresh SQLite file (Development demo data, pruning
# off so every row stays), runs the refresh scenario (each chain redeems the token its previous call returned: one
# new row and one redeemed row per refresh), stops the server and prints the pages of the token table and of each of
# its indexes per token row. Loopback only; everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
chains=${2:-16}
# $work, $server, the published server and the load generator (PUBLISHED=<folder> reuses an earlier publish).
source tests/AuthServer.LoadTests/bench-setup.sh
load() { dotnet run -c Release --no-build --project tests/AuthServer.LoadTests -- "$@"; }

ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning Pruning__Enabled=false \
Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
  dotnet "$work/publish/AuthServer.dll" --contentRoot "$PWD/src/AuthServer" --urls http://127.0.0.1:5000 >"$work/server.log" 2>&1 &
server=$!
until curl -sf -o /dev/null http://127.0.0.1:5000/.well-known/openid-configuration; do
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done

load --scenario refresh --seconds "$seconds" --connections "$chains" --warmup 0 --server-pid "$server"
kill "$server"; wait "$server" 2>/dev/null || true; server=""
echo
load --storage "$work/auth.db"
if command -v sqlite3 >/dev/null; then
  # Cross-check with SQLite's own count where the system sqlite3 has dbstat.
  echo
  sqlite3 "$work/auth.db" "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE '%OpenIddictTokens%' GROUP BY name ORDER BY name;" 2>/dev/null || true
fi
