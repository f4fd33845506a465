#!/usr/bin/env bash
# Open needmap's OGC API Features, vector tiles (from the TileJSON) and GeoJSON
# URL in QGIS 3.22 (PyQGIS, headless) for several levels; each layer must be
# valid with the right feature count, CRS and extent (tests/qgis/qgis_layers.py);
# then the partners' register GeoPackage and the squares of where people live
# (tests/qgis/qgis_register.py).
# Usage: tests/qgis/run.sh NEEDMAP_BINARY   (run by `make qgis-test`)
set -euo pipefail
bin=${1:?usage: run.sh NEEDMAP_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
levels=${QGIS_TEST_LEVELS:-constituency locality ward lsoa}
export QT_QPA_PLATFORM=offscreen
# QGIS writes its profile under HOME: keep it out of the user's.
export HOME=$(mktemp -d)
log=$(mktemp)
"$bin" serve --addr 127.0.0.1:0 --prerender 0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$HOME" "$log"' EXIT
for _ in $(seq 1 120); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$log" | head -1 || true)
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "needmap serve exited"; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { cat "$log"; echo "needmap serve did not start"; exit 1; }
base=${url%/}
# Expected figures from the command line, not from the server: the number of
# rows of `needmap report` and the extent `needmap check` prints (4 decimals).
check=$("$bin" check)
status=0
for level in $levels; do
  count=$(( $("$bin" report --level "$level" --format csv | wc -l) - 1 ))
  extent=$(printf '%s\n' "$check" | awk -v l="$level" '$1 == l { sub(/.*extent \[/, ""); sub(/\].*/, ""); gsub(/,/, ""); print; exit }')
  [ -n "$extent" ] || { echo "no extent for $level in needmap check"; exit 1; }
  echo "QGIS: $level ($count areas, extent $extent)"
  # shellcheck disable=SC2086
  if ! /usr/bin/python3 "$here/qgis_layers.py" "$base" "$level" "$count" $extent; then
    status=1
  fi
done
# The register: a GeoPackage made by `needmap register init` (services as many as `needmap check` loads).
gpkg="$HOME/register.gpkg"
"$bin" register init --out "$gpkg" >/dev/null 2>&1 || { echo "needmap register init failed"; exit 1; }
services=$(printf '%s\n' "$check" | awk '$1 == "services:" && $3 == "loaded" { print $2; exit }')
[ -n "$services" ] || { echo "no service count in needmap check"; exit 1; }
echo "QGIS: register ($services services) and squares"
if ! /usr/bin/python3 "$here/qgis_register.py" "$gpkg" "$services" "$base"; then
  status=1
fi
exit $status
