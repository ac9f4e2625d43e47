#!/usr/bin/env bash
# One command for the revocation-feed figures in docs/benchmarks.md ("Revocation feed"):
#   bash tests/AuthServer.LoadTests/bench-revocation.sh [rounds] [seconds] [samples...]
# Builds Release, starts the token server (127.0.0.1:5000) and each sample API in turn (127.0.0.1:5080), and measures:
# idle-poll bytes and server CPU per poll; each API at rest with its poller (CPU ms/s); propagation from the revoking
# call to the API's first 401 over [rounds] revocations (default 100) at the default 1 s interval; /open vs /api/me
# throughput with the feed on, then again with it off; and CPU per poll on both sides, with the API polling 20 times a
# second (at one poll a second the poller's code is still being re-compiled by tiered JIT minutes after start, and its
# cost disappears in the noise of a shared machine). Loopback only; it stops what it starts.
# FEEDS="on off fast" (default) and POLL=yes (default) choose the steps, e.g. FEEDS=fast POLL=no for the per-poll CPU alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-100}
seconds=${2:-10}
shift $(( $# > 2 ? 2 : $# )) || true
samples=("${@:-JwtBearer OpenIddict}")
read -r -a samples <<<"${samples[*]}"
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
tool=(dotnet tests/AuthServer.LoadTests/bin/Release/net10.0/AuthServer.LoadTests.dll --server http://127.0.0.1:5000 --api http://127.0.0.1:5080)

for project in src/AuthServer src/Samples/ResourceApi.JwtBearer src/Samples/ResourceApi.OpenIddict tests/AuthServer.LoadTests; do
  dotnet build -c Release "$project" >/dev/null
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning Throttling__SignInsPerSourcePerMinute=100000 \
Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
  dotnet src/AuthServer/bin/Release/net10.0/AuthServer.dll --contentRoot "$PWD/src/AuthServer" --urls http://127.0.0.1:5000 >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
until curl -sf -o /dev/null http://127.0.0.1:5000/health/ready; do sleep 0.2; done

if [ "${POLL:-yes}" = yes ]; then
  echo "== the server, one receiver polling back to back"
  "${tool[@]}" --server-pid "$server" --scenario poll --seconds "$seconds" --warmup 15
fi

start_api() { # sample, feed on|off|fast
  ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning AuthServer__RevocationFeed__Enabled=$([ "$2" = off ] && echo false || echo true) \
    AuthServer__RevocationFeed__PollInterval=$([ "$2" = fast ] && echo 00:00:00.050 || echo 00:00:01) \
    dotnet "src/Samples/ResourceApi.$1/bin/Release/net10.0/ResourceApi.$1.dll" \
    --contentRoot "$PWD/src/Samples/ResourceApi.$1" --urls http://127.0.0.1:5080 >"$work/$1-$2.log" 2>&1 &
  api=$!
  pids+=("$api")
  until curl -sf -o /dev/null http://127.0.0.1:5080/open; do sleep 0.2; done
}

for sample in "${samples[@]}"; do
  for feed in ${FEEDS:-on off fast}; do
    start_api "$sample" "$feed"
    echo "== ResourceApi.$sample, revocation feed $feed"
    # At rest after 40 s (start-up and the poller's first, unoptimised calls behind it), for 30 s.
    sleep 40
    "${tool[@]}" --server-pid "$server" --api-pid "$api" --scenario idle --seconds 30
    if [ "$feed" = on ]; then
      "${tool[@]}" --scenario revocation --rounds "$rounds" --secret ops-demo-secret
    fi
    if [ "$feed" != fast ]; then
      "${tool[@]}" --api-pid "$api" --scenario open --scenario api --seconds "$seconds" --warmup 10 --connections 16
    fi
    kill "$api"; wait "$api" 2>/dev/null || true
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
