#!/usr/bin/env bash
# What DPoP costs the refresh path (docs/benchmarks.md, "DPoP"): refresh with 16 chains, without and with a DPoP proof
# on every token request (the proof's signature check and its one-use row), on one published server, alternating:
#   bash tests/AuthServer.LoadTests/bench-dpop.sh [seconds] [rounds]
# Default Information logs to a file, Development demo data, a fresh SQLite file; loopback only; it stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
rounds=${2:-2}
base=http://127.0.0.1:${PORT:-5000}
# $work, $server, the published server and the load generator (PUBLISHED=<folder> reuses an earlier publish).
source tests/AuthServer.LoadTests/bench-setup.sh
load() { dotnet tests/AuthServer.LoadTests/bin/Release/net10.0/AuthServer.LoadTests.dll --server "$base" "$@"; }

ASPNETCORE_ENVIRONMENT=Development Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
  Throttling__SignInsPerSourcePerMinute=100000 dotnet "$work/publish/AuthServer.dll" --contentRoot "$PWD/src/AuthServer" --urls "$base" >"$work/server.log" 2>&1 &
server=$!
until curl -sf -o /dev/null "$base/health/ready"; do
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done

for ((round = 1; round <= rounds; round++)); do
  for dpop in off on; do
    echo "== round $round, DPoP $dpop"
    load --scenario refresh --dpop "$dpop" --seconds "$seconds" --connections 16 --warmup "${WARMUP:-20}" --server-pid "$server" | tail -1
  done
done
