#!/usr/bin/env bash
# The abuse-resistance numbers in docs/benchmarks.md ("Abuse: password guessing and floods"):
#   bash tests/AuthServer.LoadTests/bench-abuse.sh [seconds] [flood workers] [refusal rounds]
# Publishes Release (as deployed), starts the server on 127.0.0.1 with a fresh SQLite file (Development demo
# data, Warning logs) and measures (a) refresh with 16 chains, quiet; (b) the same beside a flood of wrong passwords
# for random unknown names; (c) restarted with the settings it needs, the latency of each sign-in refusal path.
# All load comes from loopback, so the per-source sign-in limit is raised to stand for many sources.
# PARTS="quiet flood refusals" picks parts; REPEAT=N runs the quiet/flood pair N times, alternating (default 2: on a
# busy machine the first pair still pays for tiered JIT, and the load drifts within minutes). Throttling__* variables
# set by the caller (e.g. ConcurrentPasswordHashes, QueuedPasswordHashes) reach the server; PORT (default 5000) if
# another engineer's server holds 5000. Loopback only; everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
flood=${2:-16}
rounds=${3:-40}
parts=${PARTS:-quiet flood refusals}
repeat=${REPEAT:-2}
base=http://127.0.0.1:${PORT:-5000}
# bench.sh warms up 45 s so tiered JIT settles; 20 s per run keeps this script near 5 minutes, and the second pair
# runs on a server that has had 140 s of load. The quiet and flood runs share one server.
warmup=${WARMUP:-20}
# The refusals run: every path but the backing-off account stays under the account's free failures (rounds + 5 warm-up).
account_free=$((rounds + 20))
# $work, $server, the published server and the load generator (PUBLISHED=<folder> reuses an earlier publish).
source tests/AuthServer.LoadTests/bench-setup.sh
load() { dotnet tests/AuthServer.LoadTests/bin/Release/net10.0/AuthServer.LoadTests.dll --server "$base" "$@"; }

start_server() {
  env ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning \
    Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
    Throttling__SignInsPerSourcePerMinute=100000 "$@" \
    dotnet "$work/publish/AuthServer.dll" --contentRoot "$PWD/src/AuthServer" --urls "$base" >"$work/server.log" 2>&1 &
  server=$!
  until curl -sf -o /dev/null "$base/connect/token" \
      -d grant_type=client_credentials -d client_id=ops -d client_secret=ops-demo-secret -d scope=ops; do
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.1
  done
}

stop_server() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); Throttling settings from the caller: $(env | grep '^Throttling__' | tr '\n' ' ')"
start_server
for ((pass = 1; pass <= repeat; pass++)); do
  if [[ " $parts " == *" quiet "* ]]; then
    echo "== (a) refresh, quiet (pass $pass, load average $(cut -d' ' -f1 /proc/loadavg))"
    load --scenario refresh --seconds "$seconds" --connections 16 --warmup "$warmup" --server-pid "$server"
  fi
  if [[ " $parts " == *" flood "* ]]; then
    echo "== (b) refresh beside a flood of $flood wrong-password workers (pass $pass, load average $(cut -d' ' -f1 /proc/loadavg))"
    load --scenario refresh --flood "$flood" --seconds "$seconds" --connections 16 --warmup "$warmup" --server-pid "$server"
  fi
done
stop_server

if [[ " $parts " == *" refusals "* ]]; then
  echo "== (c) refusal paths"
  # The pair (name, loopback) never backs off; the account does after $account_free failures from anywhere.
  start_server Throttling__FreeFailuresPerSource=1000 Throttling__FreeFailuresPerAccount="$account_free"
  load --scenario refusals --rounds "$rounds" --account-free-failures "$account_free"
  stop_server
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
