#!/usr/bin/env bash
# One command for the resource-API numbers in docs/benchmarks.md:
#   bash tests/AuthServer.LoadTests/bench-api.sh [seconds] [connections]
# Builds Release, starts the token server (127.0.0.1:5000, the samples' Development authority http://localhost:5000/)
# and each sample API in turn (127.0.0.1:5080), and measures the
# unprotected /open endpoint against the protected /api/me in the same minute. Loopback only; it stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
connections=${2:-16}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

for project in src/AuthServer src/Samples/ResourceApi.JwtBearer src/Samples/ResourceApi.OpenIddict tests/AuthServer.LoadTests; do
  dotnet build -c Release "$project" >/dev/null
done

ASPNETCORE_ENVIRONMENT=Development Serilog__MinimumLevel__Default=Warning \
Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
  dotnet src/AuthServer/bin/Release/net10.0/AuthServer.dll --contentRoot "$PWD/src/AuthServer" --urls http://127.0.0.1:5000 >"$work/server.log" 2>&1 &
pids+=($!)
until curl -sf -o /dev/null http://127.0.0.1:5000/health/ready; do sleep 0.2; done

for sample in JwtBearer OpenIddict; do
  ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning \
    dotnet "src/Samples/ResourceApi.$sample/bin/Release/net10.0/ResourceApi.$sample.dll" \
    --contentRoot "$PWD/src/Samples/ResourceApi.$sample" --urls http://127.0.0.1:5080 >"$work/$sample.log" 2>&1 &
  api=$!
  pids+=("$api")
  until curl -sf -o /dev/null http://127.0.0.1:5080/open; do sleep 0.2; done
  echo "== ResourceApi.$sample"
  dotnet tests/AuthServer.LoadTests/bin/Release/net10.0/AuthServer.LoadTests.dll --server http://127.0.0.1:5000 \
    --api http://127.0.0.1:5080 --api-pid "$api" --scenario open --scenario api --seconds "$seconds" --warmup 15 --connections "$connections"
  kill "$api"; wait "$api" 2>/dev/null || true
done
