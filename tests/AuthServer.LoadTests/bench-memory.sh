#!/usr/bin/env bash
# The runtime settings table of docs/benchmarks.md ("Memory"): RSS and throughput of the published build (ReadyToRun,
# as the Dockerfile builds it) under each garbage-collector and JIT setting, one fresh server per setting:
#   bash tests/AuthServer.LoadTests/bench-memory.sh [seconds]
# Each setting: refresh with 16 chains (WARMUP s, 20 by default, then the measured seconds), then client credentials.
# Default Information logs to a file, Development demo data, a fresh SQLite file; loopback only; it stops what it starts.
# PICK (a regular expression) keeps the settings whose name matches; ROUNDS=N runs them N times, alternating.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
warmup=${WARMUP:-20}
base=http://127.0.0.1:${PORT:-5000}
# $work, $server, the published server and the load generator (PUBLISHED=<folder> reuses an earlier publish).
source tests/AuthServer.LoadTests/bench-setup.sh
load() { dotnet tests/AuthServer.LoadTests/bin/Release/net10.0/AuthServer.LoadTests.dll --server "$base" "$@"; }

settings=(
  "default (workstation, non-concurrent GC)|"
  "server GC (DATAS on, .NET 10's default for it)|DOTNET_gcServer=1"
  "server GC without DATAS|DOTNET_gcServer=1 DOTNET_GCDynamicAdaptationMode=0"
  "concurrent workstation GC|DOTNET_gcConcurrent=1"
  "tiered PGO off|DOTNET_TieredPGO=0"
  "tiered compilation off|DOTNET_TieredCompilation=0"
)
for ((round = 1; round <= ${ROUNDS:-1}; round++)); do
for entry in "${settings[@]}"; do
  name=${entry%%|*}
  [[ "$name" =~ ${PICK:-.} ]] || continue
  read -ra variables <<<"${entry#*|}"
  rm -rf "$work/auth.db"* "$work/keys"
  env ASPNETCORE_ENVIRONMENT=Development Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
    "${variables[@]}" dotnet "$work/publish/AuthServer.dll" --contentRoot "$PWD/src/AuthServer" --urls "$base" >"$work/server.log" 2>&1 &
  server=$!
  until curl -sf -o /dev/null "$base/health/ready"; do
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.2
  done
  echo "== $name ${variables[*]:-}"
  load --scenario refresh --seconds "$seconds" --connections 16 --warmup "$warmup" --server-pid "$server" | tail -2
  load --scenario client-credentials --seconds 10 --connections 16 --warmup 3 --server-pid "$server" | tail -1
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
done
