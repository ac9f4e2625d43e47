#!/usr/bin/env bash
# One command for the server-side numbers in docs/benchmarks.md:
#   bash tests/AuthServer.LoadTests/bench.sh [seconds] [connections] [seed-tokens]
# Publishes Release (ReadyToRun, as deployed), starts the server on 127.0.0.1:5000 with a fresh SQLite file (Development demo data, Warning logs),
# measures cold start to the first token, runs every token scenario, then (if seed-tokens > 0) fills the token
# table and runs refresh again. Loopback only; everything it starts, it stops.
# SCENARIOS="refresh" runs only those scenarios before seeding (the flat-under-size check needs refresh alone).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
connections=${2:-16}
seed=${3:-0}
# Tiered JIT needs ~40 s of load on 2 busy cores to finish re-compiling the hot paths; measure after it.
warmup=${WARMUP:-45}
# $work, $server, the published server and the load generator (PUBLISHED=<folder> reuses an earlier publish).
source tests/AuthServer.LoadTests/bench-setup.sh
load() { dotnet run -c Release --no-build --project tests/AuthServer.LoadTests -- "$@"; }

start_server() {
  ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning \
  Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
    dotnet "$work/publish/AuthServer.dll" --contentRoot "$PWD/src/AuthServer" --urls http://127.0.0.1:5000 >"$work/server.log" 2>&1 &
  server=$!
}

first_token_ms() {
  local started=$1
  until curl -sf -o /dev/null http://127.0.0.1:5000/connect/token \
      -d grant_type=client_credentials -d client_id=ops -d client_secret=ops-demo-secret -d scope=ops; do
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - started) / 1000000 ))
}

# The first start creates the schema and demo users; the second is the cold start an operator sees.
start_server; first_token_ms "$(date +%s%N)" >/dev/null; kill "$server"; wait "$server" 2>/dev/null || true
started=$(date +%s%N); start_server
echo "cold start to first token: $(first_token_ms "$started") ms"

scenarios=${SCENARIOS:-password hasher refresh client-credentials mixed}
# shellcheck disable=SC2046
load $(printf -- '--scenario %s ' $scenarios) \
  --seconds "$seconds" --connections "$connections" --warmup "$warmup" --server-pid "$server"

if [ "$seed" -gt 0 ]; then
  kill "$server"; wait "$server" 2>/dev/null || true
  load --seed-tokens "$seed" --database "$work/auth.db"
  start_server; first_token_ms "$(date +%s%N)" >/dev/null
  load --scenario refresh --seconds "$seconds" --connections "$connections" --warmup "$warmup" --server-pid "$server"
fi
