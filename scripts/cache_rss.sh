#!/usr/bin/env bash
# Memory of the map server under many distinct gap queries (issue 8): starts
# the release server on 127.0.0.1, reads its RSS, sends N distinct OA gap
# queries (indicator x category x method), reads the RSS again.
# Usage: scripts/cache_rss.sh [N=600] [extra serve options...]
set -euo pipefail
n=${1:-600}; shift || true
bin=${CARGO_TARGET_DIR:-target}/release/needmap
port=$((20000 + RANDOM % 20000))
"$bin" serve --addr 127.0.0.1:$port --prerender 0 "$@" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/api/meta" >/dev/null && break; sleep 0.5; done
rss() { awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$pid/status; }
before=$(rss)
meta=$(curl -sf "http://127.0.0.1:$port/api/meta")
cats=$(printf '%s' "$meta" | python3 -c 'import json,sys; m=json.load(sys.stdin); c=m["categories"]; print(" ".join(sorted(c if isinstance(c,dict) else [x["id"] for x in c])))')
inds=$(printf '%s' "$meta" | python3 -c 'import json,sys; m=json.load(sys.stdin); i=m["indicators"]; print(" ".join([x["id"] for x in (i if isinstance(i,list) else [dict(id=k,**v) for k,v in i.items()]) if x.get("kind") not in ("rank","decile")]))')
sent=0; ok=0; t0=$(date +%s.%N)
# Each indicator alone and with a decile column: distinct tables and documents.
sets=""; for ind in $inds; do sets="$sets $ind $ind,imd_decile"; done
for ind in $sets; do for cat in $cats; do for method in nearest 2sfca e2sfca; do
  [ $sent -ge $n ] && break 3
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/areas/oa.geojson?indicator=$ind&category=$cat&method=$method")
  sent=$((sent + 1)); [ "$code" = 200 ] && ok=$((ok + 1))
done; done; done
t1=$(date +%s.%N)
after=$(rss)
echo "queries: $sent distinct ($ok answered 200) in $(python3 -c "print(round($t1-$t0,1))") s; RSS before ${before} MiB, after ${after} MiB"
