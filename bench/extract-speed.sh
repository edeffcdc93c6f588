#!/usr/bin/env bash
# Article extraction speed (issue #16), same run: `feedspool extract --json` over every
# page of PAGES_DIR (folders holding source.html) in one process, against trafilatura's
# extract() over the same pages in one Python process (its import not counted), in
# alternating rounds; medians of CPU time, peak RSS, and the ratio (target: at most 0.1).
set -euo pipefail
PAGES=$1
ROUNDS=${ROUNDS:-5}
BIN=.build/release/feedspool
files=("$PAGES"/*/source.html)
if ! python3 -c 'import trafilatura' 2>/dev/null; then
  echo; echo "trafilatura is not installed (pip install trafilatura lxml_html_clean): speed comparison skipped"
  exit 0
fi
ours=(); peer=(); rss=()
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
for _ in $(seq "$ROUNDS"); do
  # Pages without an article make it exit 1: that is no failure of the measurement.
  /usr/bin/time -o "$stats" -f "%U %S %M" "$BIN" extract --json "${files[@]}" > /dev/null 2>&1 || true
  out=$(tail -1 "$stats")
  ours+=("$(echo "$out" | awk '{print $1 + $2}')"); rss+=("$(echo "$out" | awk '{print $3}')")
  peer+=("$(python3 bench/extract-peer.py "${files[@]}" | cut -f2)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
o=$(median "${ours[@]}"); p=$(median "${peer[@]}"); r=$(median "${rss[@]}")
n=${#files[@]}
echo
echo "| extraction over $n pages (median of $ROUNDS) | CPU | a page | peak RSS |"
echo "|---|---|---|---|"
awk -v o="$o" -v p="$p" -v n="$n" -v r="$r" 'BEGIN {
  printf "| feedspool extract (one process) | %.2f s | %.2f ms | %.1f MB |\n", o, o / n * 1000, r / 1024
  printf "| trafilatura extract() (one process) | %.2f s | %.2f ms | - |\n", p, p / n * 1000
  printf "| **ratio** (target <= 0.1) | **%.3f** | | |\n", o / p
}'
