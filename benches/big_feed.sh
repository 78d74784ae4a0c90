#!/usr/bin/env bash
# Peak memory of `newshound run --once` over one feed of 100,000 items (issue 18: the cap of
# parse::MAX_ENTRIES must hold while parsing, not after feed-rs has built every entry).
#
#     bash benches/big_feed.sh                       # release build, then under a minute
#     BASE=/tmp/nh-base bash benches/big_feed.sh     # also an older binary, in the same run
#
# Two feeds, each served from 127.0.0.1 and polled with `fetch_articles = false` (so only the
# feed is measured) and `max_body_bytes = "128MiB"` (the default 5 MiB would refuse both):
#   - feedsim: `feedsim serve --feeds 1 --items 100000`, news items with a lead paragraph and a
#     date each (about 49 MB);
#   - minimal: the shape of tests/it/hostile.rs's /many-items.xml, undated items of a title, a
#     link and a GUID (about 10 MB), served by `python3 -u -m http.server`.
# Each binary runs on a new database under /usr/bin/time -v; the table gives peak RSS, wall
# and CPU time, and the entries kept and dropped. Environment: ITEMS (default 100000), BASE
# (another newshound binary to run beside this one), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS=${ITEMS:-100000}

echo "== building (release): newshound and examples/feedsim" >&2
cargo build --release --quiet --bin newshound --example feedsim
NH=$PWD/target/release/newshound
SIM=$PWD/target/release/examples/feedsim

WORK=$(mktemp -d "${TMPDIR:-/tmp}/newshound-big-feed.XXXXXX")
PIDS=()
# cleanup: stops the servers, then removes the temp dir unless KEEP=1.
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE PATTERN PID: waits (up to 60 s) until FILE holds PATTERN, a server's ready line.
wait_for() {
    local deadline=$((SECONDS + 60))
    until grep -q "$2" "$1" 2>/dev/null; do
        if ! kill -0 "$3" 2>/dev/null || ((SECONDS > deadline)); then
            echo "server not ready:" >&2
            cat "$1" >&2
            exit 1
        fi
        sleep 0.1
    done
}

# The [daemon] lines both configs share.
DAEMON_LINES='allow_private_networks = true
fetch_articles = false
max_body_bytes = "128MiB"
request_timeout = "120s"'

echo "== feedsim: 1 feed x $ITEMS items" >&2
mkdir -p "$WORK/feedsim"
"$SIM" serve --feeds 1 --items "$ITEMS" --hosts 1 --no-fetch-articles \
    --config-out "$WORK/feedsim/sim.toml" >"$WORK/feedsim/sim.out" 2>"$WORK/feedsim/sim.err" &
PIDS+=($!)
wait_for "$WORK/feedsim/sim.out" '^ready' "${PIDS[-1]}"
FEEDSIM_URL=$(sed -n 's/^url = "\(.*\)"$/\1/p' "$WORK/feedsim/sim.toml" | head -1)

echo "== minimal: $ITEMS undated items" >&2
mkdir -p "$WORK/minimal/www"
awk -v n="$ITEMS" 'BEGIN {
    printf "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title><link>http://example.com/</link>"
    for (i = 0; i < n; i++)
        printf "<item><title>Item %d</title><link>http://example.com/many/%d</link><guid>many-%d</guid></item>", i, i, i
    printf "</channel></rss>"
}' >"$WORK/minimal/www/many.xml"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WORK/minimal/www" \
    >"$WORK/minimal/http.log" 2>&1 &
PIDS+=($!)
wait_for "$WORK/minimal/http.log" 'Serving HTTP' "${PIDS[-1]}"
PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$WORK/minimal/http.log" | head -1)
MINIMAL_URL="http://127.0.0.1:$PORT/many.xml"

# run_one FEED NAME BINARY URL: one `run --once` of BINARY over the feed at URL; prints a table
# row.
run_one() {
    local feed=$1 name=$2 bin=$3 url=$4
    local dir="$WORK/run-$feed-$name"
    mkdir -p "$dir"
    printf '[daemon]\ndatabase = "%s"\n%s\n\n[[feeds]]\nurl = "%s"\nname = "big"\n' \
        "$dir/newshound.db" "$DAEMON_LINES" "$url" >"$dir/config.toml"
    local bytes
    bytes=$(curl -s -o /dev/null -w '%{size_download}' "$url")
    if ! /usr/bin/time -v -o "$dir/time" "$bin" -c "$dir/config.toml" run --once \
        >"$dir/out" 2>"$dir/log"; then
        echo "newshound failed ($feed, $name); the end of its log:" >&2
        tail -20 "$dir/log" >&2
        exit 1
    fi
    local rss wall cpu kept dropped
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$dir/time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' \
        "$dir/time")
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$dir/time")
    kept=$(sed -n 's/^articles: \([0-9]*\) new.*/\1/p' "$dir/out")
    dropped=$(sed -n 's/.*dropped=\([0-9]*\).*/\1/p' "$dir/log" | head -1)
    printf '| %-22s | %8.1f | %9d | %8d | %7d | %6s | %6s |\n' \
        "$feed, $name" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$rss" "$kept" "${dropped:-0}" "$wall" "$cpu"
}

BINARIES=()
if [[ -n ${BASE:-} ]]; then
    BINARIES+=("base=$BASE")
fi
BINARIES+=("this=$NH")

echo
echo "| feed, binary           | body, MB | peak, MiB | entries | dropped | wall s |  CPU s |"
echo "|------------------------|---------:|----------:|--------:|--------:|-------:|-------:|"
for feed in feedsim minimal; do
    url=$FEEDSIM_URL
    [[ $feed == minimal ]] && url=$MINIMAL_URL
    for entry in "${BINARIES[@]}"; do
        run_one "$feed" "${entry%%=*}" "${entry#*=}" "$url"
    done
done
