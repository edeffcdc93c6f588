#!/usr/bin/env bash
# The fetch benchmark (issue #3), run by bench/run.sh: a corpus served by a local nginx on
# 127.0.0.1, fetched + parsed + normalized by `feedspool fetch` (32 in flight), against, in
# the same interleaved rounds:
#   - curl --parallel --parallel-max 32 over the same URLs (the transfer floor);
#   - feedspool parse over the same files from disk (the parse floor);
#   - feedspool fetch --no-parse (the engine alone: CPU per request vs curl's);
#   - sfeed_update with 16 jobs (a real peer's whole cycle), when installed.
# usage: bench/fetch.sh CORPUS_DIR TITLE        env: ROUNDS (3), PORT (8089)
set -euo pipefail
cd "$(dirname "$0")/.."
C=$(cd "$1" && pwd) TITLE=$2
ROUNDS=${ROUNDS:-3} PORT=${PORT:-8089}
BIN=$PWD/.build/release/feedspool
W=$PWD/bench/out/fetch-$(basename "$C")
rm -rf "$W"; mkdir -p "$W/ngx"
sed "s|@PREFIX@|$W/ngx|g; s|@CORPUS@|$C|; s|@PORT@|$PORT|" bench/nginx.conf.in > "$W/ngx/nginx.conf"
nginx -p "$W/ngx" -c "$W/ngx/nginx.conf" -e "$W/ngx/error.log"
trap 'kill -QUIT $(cat "$W/ngx/nginx.pid") 2>/dev/null || true' EXIT
BASE=http://127.0.0.1:$PORT
ls "$C" | grep -E '\.(xml|json)$' | sort | sed "s|^|$BASE/|" > "$W/urls"
N=$(wc -l < "$W/urls")
awk '{printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0}' "$W/urls" > "$W/curl.cfg"
BYTES=$(cat "$C"/*.xml | wc -c)
ITEMS=$(awk -F'\t' 'NR==1{for(i=1;i<=NF;i++) if($i=="items") col=i} NR>1{s+=$col}END{print s}' "$C/manifest.tsv")

# Every URL must answer 200 through our engine before anything is timed.
ok=$("$BIN" fetch --no-parse --allow-private-networks --per-host 32 --url-file "$W/urls" 2>&1 | grep -c ': OK 200' || true)
[ "$ok" = "$N" ] || { echo "only $ok of $N URLs answered 200" >&2; exit 1; }

{ echo "# sfeed_update configuration for the benchmark"; echo "sfeedpath=\"$W/sfeed/feeds\""; echo "maxjobs=16"; echo "feeds() {"
  sed 's|.*/\(.*\)|	feed "\1" "&"|' "$W/urls"; echo "}"; } > "$W/sfeedrc"
SFEED=()
if command -v sfeed_update >/dev/null; then
  SFEED=("sfeed_update-j16=rm -rf $W/sfeed; mkdir -p $W/sfeed/feeds; sfeed_update $W/sfeedrc")
fi

python3 bench/measure.py --rounds "$ROUNDS" --bytes "$BYTES" --items "$ITEMS" --ref curl-parallel-32 \
  --title "$TITLE: fetch, $N URLs from nginx on 127.0.0.1" --json "$W/medians.json" \
  "feedspool-fetch-32=$BIN fetch -q --allow-private-networks --concurrency 32 --per-host 32 --url-file $W/urls" \
  "curl-parallel-32=curl -s --parallel --parallel-max 32 -K $W/curl.cfg" \
  "feedspool-parse-disk=$BIN parse -q $C/*.xml" \
  "feedspool-fetch-no-parse=$BIN fetch -q --no-parse --allow-private-networks --concurrency 32 --per-host 32 --url-file $W/urls" \
  "${SFEED[@]}"

python3 - "$W/medians.json" "$N" <<'PY'
import json, sys
m, n = json.load(open(sys.argv[1])), int(sys.argv[2])
f, c, p, e = (m[k] for k in ("feedspool-fetch-32", "curl-parallel-32", "feedspool-parse-disk", "feedspool-fetch-no-parse"))
print("\n| figure | value | target |\n|---|---|---|")
print("| fetch cycle wall / (curl wall + parse wall) | %.2f / (%.2f + %.2f) = **%.2fx** | <= 1.2x |" % (f["wall"], c["wall"], p["wall"], f["wall"] / (c["wall"] + p["wall"])))
if "sfeed_update-j16" in m:
    s = m["sfeed_update-j16"]
    print("| sfeed_update -j16 wall / fetch cycle wall | %.2f / %.2f = **%.1fx** faster | >= 10x |" % (s["wall"], f["wall"], s["wall"] / f["wall"]))
print("| engine CPU per request (fetch --no-parse) vs curl | %.0f us vs %.0f us = **%.2fx** | <= 2x |" % (e["cpu"] / n * 1e6, c["cpu"] / n * 1e6, e["cpu"] / c["cpu"]))
print("| fetch cycle peak RSS | **%.1f MB** | <= 64 MB |" % f["rss"])
PY
