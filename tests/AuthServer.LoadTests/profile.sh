#!/usr/bin/env bash
# Where a refresh's CPU goes, by component (the profile table of docs/benchmarks.md, "Refresh path"):
#   bash tests/AuthServer.LoadTests/profile.sh [seconds-recorded] [scenario]
# Runs the Release build on 127.0.0.1:5000 with a fresh SQLite file (as ../shared/peer/compare.sh does), warms up for
# WARMUP seconds (45) under 16 connections, then records the server with `perf record -g` and charges each sample to the
# component that owns it (profile-owners.py); PERF_TEXT=<file> keeps the samples as text for a closer look;
# LOAD_ARGS adds options of the load tool (`--dpop on`). For the profile only, the JIT writes a perf map and W^X is off (perf cannot
# name code it finds in the double-mapped region); production keeps W^X on. Needs `perf` (apt: linux-perf) and root.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-12}
scenario=${2:-refresh}
warmup=${WARMUP:-45}
work=$(mktemp -d)
server=""
trap 'if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)"; exit 2; }

dotnet build -c Release src/AuthServer >/dev/null
dotnet build -c Release tests/AuthServer.LoadTests >/dev/null
DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 ASPNETCORE_ENVIRONMENT=Development \
  Database__ConnectionString="Data Source=$work/auth.db" Keys__DevelopmentKeyFolder="$work/keys" \
  dotnet src/AuthServer/bin/Release/net10.0/AuthServer.dll --contentRoot "$PWD/src/AuthServer" --urls http://127.0.0.1:5000 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 60); do curl -s -o /dev/null http://127.0.0.1:5000/.well-known/openid-configuration && break; sleep 1; done

dotnet run -c Release --no-build --project tests/AuthServer.LoadTests -- --scenario "$scenario" --connections 16 \
  --seconds $((seconds + 10)) --warmup "$warmup" --server-pid "$server" ${LOAD_ARGS:-} >"$work/load.txt" &
load=$!
sleep $((warmup + 5))
perf record -F 999 -g -p "$server" -o "$work/perf.data" -- sleep "$seconds" >/dev/null 2>&1
wait $load
tail -4 "$work/load.txt"
perf script -i "$work/perf.data" 2>/dev/null > "$work/perf.txt"
if [ -n "${PERF_TEXT:-}" ]; then cp "$work/perf.txt" "$PERF_TEXT"; fi
python3 tests/AuthServer.LoadTests/profile-owners.py < "$work/perf.txt"
echo "--- EF Core, by caller"
python3 tests/AuthServer.LoadTests/profile-owners.py --by "EF Core" --top 8 < "$work/perf.txt"
