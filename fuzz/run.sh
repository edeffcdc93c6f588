#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (fuzz/Package.swift) with coverage and
# AddressSanitizer, then runs each for SECONDS seconds (default 60) over its corpus.
#   - seeds: the repository's fixtures (feeds, configs) and fuzz/seeds/<target>/;
#   - the growing corpus lives in fuzz/corpus/<target>/ (not committed);
#   - a crash, leak or hang (-timeout=10 s per input, -rss_limit_mb=2048) is written to
#     fuzz/crashes/<target>/ and fails the run; a reproducer belongs in the tests.
# env: SECONDS_EACH (or SECONDS from make), TARGETS (default: all six), JOBS (default 1).
set -euo pipefail
cd "$(dirname "$0")"
SECS=${SECONDS_EACH:-60}
TARGETS=${TARGETS:-"fuzz-feed fuzz-html fuzz-date fuzz-config fuzz-control fuzz-page"}
FLAGS=(--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)

seed() {  # target → seed directories
  case $1 in
    fuzz-feed) echo ../Tests/FeedParserTests/Fixtures/seed ../Tests/FeedParserTests/Fixtures/ugly ../config/samples seeds/feed ;;
    fuzz-config) echo ../config ;;
    fuzz-page) echo ../Tests/FeedExtractTests/Fixtures/pages seeds/page ;;
    *) echo "seeds/${1#fuzz-}" ;;
  esac
}

for t in $TARGETS; do
  swift build --product "$t" "${FLAGS[@]}" 2>&1 | grep -E "error|Compiling|Build" | tail -1
done
BIN=$(swift build "${FLAGS[@]}" --show-bin-path)

status=0
for t in $TARGETS; do
  mkdir -p "corpus/$t" "crashes/$t"
  # Seeds are copied in flat (libFuzzer does not recurse), skipping expected outputs.
  for d in $(seed "$t"); do
    find "$d" -maxdepth 1 -type f ! -name '*.expected.*' -exec cp -n {} "corpus/$t/" \; 2>/dev/null || true
  done
  echo "== $t: ${SECS}s"
  if ! "$BIN/$t" "corpus/$t" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
      -print_final_stats=1 -artifact_prefix="crashes/$t/" 2>"crashes/$t/log.txt"; then
    status=1
    echo "$t: FAILED — see fuzz/crashes/$t/ (log.txt and the reproducer)"
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^stat::new_units_added" "crashes/$t/log.txt" | sed "s/^/  /" || true
  grep -E "Done [0-9]+ runs" "crashes/$t/log.txt" | tail -1 | sed "s/^/  /" || true
done
exit $status
