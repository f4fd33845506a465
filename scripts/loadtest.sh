#!/usr/bin/env bash
# Load test of `needmap serve` with wrk (Debian package `wrk`), on 127.0.0.1 only.
#
# Usage: scripts/loadtest.sh [seconds-per-url] [connections]
# Starts the release binary on a local port, warms the caches, then runs wrk
# against a mid-zoom tile, district-wide tiles, the ward GeoJSON (plain and
# gzip) and /api/meta, printing requests/s, p50, p90, p99 and errors for each.
# On a 2-core machine the server gets one worker thread and wrk one thread, so
# each has a core (NEEDMAP_THREADS and WRK_THREADS change that).
set -euo pipefail

DURATION="${1:-10}"
CONNECTIONS="${2:-64}"
THREADS="${WRK_THREADS:-1}"
SERVER_THREADS="${NEEDMAP_THREADS:-1}"
PORT="${NEEDMAP_LOADTEST_PORT:-18787}"
HOST="127.0.0.1"
BIN="${NEEDMAP_BIN:-${CARGO_TARGET_DIR:-target}/release/needmap}"
BASE="http://$HOST:$PORT"

command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk (or run make loadtest)"; exit 1; }
[ -x "$BIN" ] || { echo "no $BIN: run cargo build --release first"; exit 1; }

LOG="$(mktemp)"
NEEDMAP_LOG="needmap=warn" "$BIN" serve --threads "$SERVER_THREADS" --addr "$HOST:$PORT" >"$LOG" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -f "$LOG"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -sf -o /dev/null "$BASE/api/meta" && break
  kill -0 "$SERVER" 2>/dev/null || { echo "server failed to start:"; cat "$LOG"; exit 1; }
  sleep 0.2
done

# name|path|Accept-Encoding ("" for none)
TARGETS=(
  "mid-zoom tile (lsoa z12, Bradford centre)|/tiles/lsoa/12/2028/1318.mvt|"
  "mid-zoom tile, gzip|/tiles/lsoa/12/2028/1318.mvt|gzip"
  "district-wide tile (lsoa z8)|/tiles/lsoa/8/126/82.mvt|"
  "district-wide tile (oa z8)|/tiles/oa/8/126/82.mvt|"
  "district-wide tile (oa z8), gzip|/tiles/oa/8/126/82.mvt|gzip"
  "ward GeoJSON|/api/areas/ward.geojson|"
  "ward GeoJSON, gzip|/api/areas/ward.geojson|gzip"
  "meta|/api/meta|"
)

printf '%s\n' "wrk ${THREADS} thread(s), ${CONNECTIONS} connections, ${DURATION}s per URL; server $BASE with ${SERVER_THREADS} worker thread(s); $(nproc) cores shared by both"
printf '%-44s %10s %9s %9s %9s %8s\n' "target" "req/s" "p50" "p90" "p99" "errors"
for t in "${TARGETS[@]}"; do
  IFS='|' read -r name path encoding <<<"$t"
  args=(-t"$THREADS" -c"$CONNECTIONS")
  [ -n "$encoding" ] && args+=(-H "Accept-Encoding: $encoding")
  got=$(curl -s -o /dev/null -w '%{http_code} %header{content-encoding}' ${encoding:+-H "Accept-Encoding: $encoding"} "$BASE$path")
  [ "$got" = "200 $encoding" ] || { echo "$path answers '$got', expected '200 $encoding'"; exit 1; }
  wrk "${args[@]}" -d1s "$BASE$path" >/dev/null # warm-up
  out=$(wrk "${args[@]}" -d"${DURATION}s" --latency "$BASE$path")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p90=$(awk '$1=="90%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  sockerr=$(awk '/Socket errors/ {s=0; for (i=1;i<=NF;i++) if ($i ~ /^[0-9]+,?$/) s+=$i; print s}' <<<"$out")
  errors=$(( ${non2xx:-0} + ${sockerr:-0} ))
  printf '%-44s %10s %9s %9s %9s %8s\n' "$name" "$rps" "$p50" "$p90" "$p99" "$errors"
done
