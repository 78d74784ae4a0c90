#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 660) on its corpus with its dictionary, logging to
# fuzz/logs/TARGET.log; crashes land in fuzz/artifacts/TARGET/. Run fuzz/seed.sh first.
#
#   fuzz/run.sh TARGET [SECONDS [LIBFUZZER OPTIONS...]]
set -euo pipefail
fuzz=$(cd "$(dirname "$0")" && pwd)
target=$1
seconds=${2:-660}
case $target in
    feed_parse) dict=xml.dict ;;
    extract) dict=html.dict ;;
    query_match) dict=query.dict ;;
    canonical_url) dict=url.dict ;;
    config_load) dict=toml.dict ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
esac
mkdir -p "$fuzz/logs" "$fuzz/corpus/$target"
cd "$fuzz/.."
exec cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -dict="fuzz/dicts/$dict" "${@:3}" >"$fuzz/logs/$target.log" 2>&1
