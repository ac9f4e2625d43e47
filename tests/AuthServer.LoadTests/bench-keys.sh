#!/usr/bin/env bash
# One command for the key-change figures in docs/benchmarks.md ("Key changes at the APIs"):
#   bash tests/AuthServer.LoadTests/bench-keys.sh [rounds]
# Builds Release, starts the token server with automatic keys (127.0.0.1:5000, default Keys:PublicationDelay 5 s and
# RefreshInterval 2 s) and each sample API in turn (127.0.0.1:5080), and runs the load tool's `keys` scenario: [rounds]
# rotations and revocations (default 20) with the revocation feed on, with and without tokens of forged kids sent to the
# API all along, then with the feed off (forged kids on: what an API without the feed gets from its unknown-kid fetches).
# RUNS="JwtBearer:on:off JwtBearer:on:on …" (sample:feed:forged) chooses the steps. Loopback only; it stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-20}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
tool=(dotnet tests/AuthServer.LoadTests/bin/Release/net10.0/AuthServer.LoadTests.dll --server http://127.0.0.1:5000 --api http://127.0.0.1:5080)

for project in src/AuthServer src/Samples/ResourceApi.JwtBearer src/Samples/ResourceApi.OpenIddict tests/AuthServer.LoadTests; do
  dotnet build -c Release "$project" >/dev/null
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning Throttling__SignInsPerSourcePerMinute=100000 Keys__Automatic=true \
Database__ConnectionString="Data Source=$work/auth.db" \
  dotnet src/AuthServer/bin/Release/net10.0/AuthServer.dll --contentRoot "$PWD/src/AuthServer" --urls http://127.0.0.1:5000 >"$work/server.log" 2>&1 &
pids+=("$!")
until curl -sf -o /dev/null http://127.0.0.1:5000/health/ready; do sleep 0.2; done

for run in ${RUNS:-JwtBearer:on:off JwtBearer:on:on JwtBearer:off:on OpenIddict:on:off OpenIddict:on:on OpenIddict:off:on}; do
  IFS=: read -r sample feed forged <<<"$run"
  ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning \
  AuthServer__RevocationFeed__Enabled=$([ "$feed" = on ] && echo true || echo false) \
    dotnet "src/Samples/ResourceApi.$sample/bin/Release/net10.0/ResourceApi.$sample.dll" \
    --contentRoot "$PWD/src/Samples/ResourceApi.$sample" --urls http://127.0.0.1:5080 >"$work/$sample-$feed-$forged.log" 2>&1 &
  api=$!
  pids+=("$api")
  until curl -sf -o /dev/null http://127.0.0.1:5080/open; do sleep 0.2; done
  echo "== ResourceApi.$sample, revocation feed $feed"
  "${tool[@]}" --scenario keys --rounds "$rounds" --forged-kids "$forged" --revoke-timeout "$([ "$feed" = on ] && echo 30 || echo 10)"
  kill "$api"; wait "$api" 2>/dev/null || true
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
