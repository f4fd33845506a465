#!/usr/bin/env bash
# Download the open data behind a needmap dataset into DIR (default geodata/bradford),
# from the official sources listed in DIR/downloads.tsv.
#
# Files marked byte-for-byte are used as they are. The others are raw sources
# saved under DIR/raw/: the Bradford pack was filtered to LAD E08000032 and its
# columns renamed as SOURCES.md describes; that reshaping is not automated yet.
# Development machines have no internet: they use ../shared/geodata/bradford.
set -euo pipefail
dir=${1:-geodata/bradford}
list="$dir/downloads.tsv"
[ -f "$list" ] || { echo "no $list: nothing to download" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install curl)" >&2; exit 2; }
mkdir -p "$dir/raw"
failed=0
while IFS=$'\t' read -r file url how; do
  case "$file" in ''|'#'*) continue ;; esac
  if [ -s "$dir/$file" ]; then echo "have $file"; continue; fi
  case "$how" in manual:*) echo "page $file: download from $url (${how#manual: })"; continue ;; esac
  echo "get  $file  <- $url"
  if ! curl -fL --retry 2 -o "$dir/$file.part" "$url"; then
    echo "  failed: $url" >&2; rm -f "$dir/$file.part"; failed=$((failed + 1)); continue
  fi
  mv "$dir/$file.part" "$dir/$file"
  [ "$how" = byte-for-byte ] || echo "  raw source; pack file made by: $how"
done < "$list"
echo "done ($failed failed). Boundaries are ready; see downloads.tsv for the raw sources still to reshape."
[ "$failed" -eq 0 ]
