#!/usr/bin/env bash
# Speed of the web pages under 32 clients while the service polls (issue 15, point 7).
#
#     bash benches/web.sh                       # 500,000 articles, 1,000,000 hits: about 5 min,
#                                               # plus the database once (see below)
#     bash benches/web.sh --articles 20000 --hits 40000 --seconds 3 --idle 10   # a quick check
#
# The bench database is made once and kept in target/webbench/ (--fresh makes a new one):
#   1. `feedsim searchdb` articles: the database benches/search.sh keeps in target/searchbench/
#      (generated there when absent: 10-15 min on 2 cores), or --searchdb DIR, such a directory
#      elsewhere (another worktree's); it is copied, never changed;
#   2. `feedsim webdb` (examples/feedsim/webdb.rs) migrates the copy with this newshound and adds
#      HITS hits (default 2 per article) of 100 topics `topic-000` … (shares falling with the
#      rank, one hit per topic and story, 1% backfilled), 1,000 outbox rows, and the topics'
#      queries (the simulator's) as topics.toml;
#   3. `newshound run --once` against `feedsim serve` on loopback primes FEEDS feeds (10 items
#      each, their pages fetched, extracted and matched), plus 10 feeds that answer 404 and 2
#      that refuse connections (the broken feeds of /feeds and the overview); the hits it finds
#      count as told about, as after a day of alerts (no backlog of alerts). The simulator's
#      port is part of the cache (the feeds' URLs are stored with it): --sim-port only counts
#      when the database is made.
# Then, with the release binaries:
#   - `feedsim serve` and `newshound run` (the service) on the database, with `[web] listen`,
#     polling every feed every minute (they answer 304; their next polls are first spread over
#     a minute, as in a service that has run for a while), and a short warm-up that reads every
#     kind of page;
#   - idle: `webload --probe-only` for IDLE s (30): `/healthz` of `[daemon] listen` (port P+2,
#     the monitoring endpoint; the pages run at a lower priority) every 100 ms on its own
#     keep-alive connection, and the service's scheduling passes, feed refreshes and polls
#     (from two scrapes of /metrics);
#   - load: `webload` (examples/webload.rs) with CLIENTS (32) keep-alive clients, each page kind
#     in turn for SECONDS s (15), then MIXED s (30) of random kinds, the same probe beside it;
#   - the intervals between two polls of a feed as the simulator saw them (60 s plus up to 10%
#     jitter when nothing is held up), idle and under load.
# Prints one Markdown table of p50/p99 per page kind against the 50 ms target, one of the
# service idle and under the load, and how much CPU other processes took meanwhile (the
# figures only hold on an otherwise idle machine). Pages not written yet answer 404: they are
# counted as errors and the run goes on.
#
# Options: --articles N (500000), --days D (90), --seed S (42), --hits N (2 x articles),
# --feeds N (1000), --clients N (32), --seconds S per kind (15), --mixed S (30), --idle S (30),
# --port P of [web] listen (18088), --sim-port P (18089), --searchdb DIR, --cache DIR
# (target/webbench), --fresh. Environment: NEWSHOUND=PATH measures another binary; KEEP=1 keeps
# the temp dir (config, logs, raw results) and prints where it is.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=500000
DAYS=90
SEED=42
HITS=""
TOPICS=100
FEEDS=1000
ITEMS=10
CLIENTS=32
SECONDS_PER_KIND=15
MIXED=30
IDLE=30
PORT=18088
SIM_PORT=18089
SEARCHDB=""
CACHE=target/webbench
FRESH=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --articles) ARTICLES=$2; shift 2 ;;
    --days) DAYS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --hits) HITS=$2; shift 2 ;;
    --feeds) FEEDS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --seconds) SECONDS_PER_KIND=$2; shift 2 ;;
    --mixed) MIXED=$2; shift 2 ;;
    --idle) IDLE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --sim-port) SIM_PORT=$2; shift 2 ;;
    --searchdb) SEARCHDB=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
MON_PORT=$((PORT + 2))
HITS=${HITS:-$((2 * ARTICLES))}

started=$(date +%s)
echo "== building (release): newshound, examples/feedsim and examples/webload" >&2
cargo build --release --quiet --bin newshound --example feedsim --example webload
NH=${NEWSHOUND:-$PWD/target/release/newshound}
SIM=$PWD/target/release/examples/feedsim
LOAD=$PWD/target/release/examples/webload

WORK=$(mktemp -d "${TMPDIR:-/tmp}/newshound-webbench.XXXXXX")
SIM_PID=""
NH_PID=""
# stop PID: SIGTERM, then wait for it to exit.
stop() {
    if [[ -n $1 ]]; then
        kill "$1" 2>/dev/null || true
        wait "$1" 2>/dev/null || true
    fi
}
cleanup() {
    stop "$NH_PID"
    stop "$SIM_PID"
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TICK=$(getconf CLK_TCK)
calc() { awk "BEGIN { printf \"%s\", ($1) }"; }
now_ms() { date +%s%3N; }
# CPU seconds the whole machine has been busy (all cores), from /proc/stat.
machine_busy() {
    awk -v t="$TICK" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat
}
# CPU seconds (user + sys) process PID has used so far.
proc_cpu() {
    awk -v t="$TICK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0
}
# verdict VALUE OP LIMIT: "ok" or "MISS".
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print ok ? "ok" : "MISS" }'; }

# start_sim DIR ARGS...: starts the simulator on SIM_PORT with its feeds in DIR/sim.toml.d/.
start_sim() {
    local dir=$1
    shift
    "$SIM" serve --seed "$SEED" --feeds "$FEEDS" --items "$ITEMS" --port "$SIM_PORT" \
        --config-out "$dir/sim.toml" --split-config 1000000 "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
    SIM_PID=$!
    for _ in $(seq 600); do
        if grep -q '^ready' "$dir/sim.out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$SIM_PID" 2>/dev/null; then
            echo "feedsim serve exited (is port $SIM_PORT taken on 127.0.0.1-32?):" >&2
            cat "$dir/sim.err" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "feedsim did not get ready in 60 s" >&2
    exit 1
}

# write_config DIR DB: the bench's newshound config, DIR/web.toml: the simulator's feeds (from
# DIR/sim.toml.d/), the broken feeds, the cached topics, [web] listen on PORT.
write_config() {
    local dir=$1 db=$2
    {
        for n in $(seq 0 9); do
            printf '[[feeds]]\nurl = "http://127.0.0.1:%s/missing/%s/feed.xml"\nname = "broken: answers 404 #%s"\n\n' "$SIM_PORT" "$n" "$n"
        done
        for n in 0 1; do
            printf '[[feeds]]\nurl = "http://127.0.0.%s:1/feed.xml"\nname = "broken: refuses connections #%s"\n\n' "$((n + 1))" "$n"
        done
    } >"$dir/broken.toml"
    cat >"$dir/web.toml" <<EOF
# newshound config written by benches/web.sh: the simulator's $FEEDS feeds on port $SIM_PORT
# polled every minute, 12 broken feeds, the $TOPICS topics of the bench database's hits.
include = ["$dir/sim.toml.d/*.toml", "$dir/broken.toml", "$DATA/topics.toml"]

[daemon]
database = "$db"
allow_private_networks = true
poll_interval = "1m"
concurrency = 64
per_host_concurrency = 8
story_window = "7d"
fetch_articles = true
log_level = "info"
# The topics' hits are generated, not found: applying them to 500,000 articles at the start
# would measure rematch, not the pages.
backfill = "0s"
feed_failure_alert_after = "5m"
# The monitoring endpoint, where the probe asks: the pages' own /healthz is served at the
# pages' lower priority.
listen = "127.0.0.1:$MON_PORT"

[web]
listen = "127.0.0.1:$PORT"

[email]
from = "newshound@localhost"
to = ["desk@localhost"]

[email.file]
dir = "$dir/outbox"

[[digests]]
name = "morning"
at = ["07:30"]
timezone = "Europe/Berlin"
EOF
}

# --- the bench database -------------------------------------------------------------------
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
DATA=$CACHE/a$ARTICLES-d$DAYS-s$SEED-h$HITS-f$FEEDS
DB=$DATA/web.db
if [[ $FRESH == 1 || ! -f $DATA/complete ]]; then
    SEARCH_DATA=${SEARCHDB:-target/searchbench/a$ARTICLES-d$DAYS-s$SEED}
    if [[ ! -f $SEARCH_DATA/complete ]]; then
        if [[ -n $SEARCHDB ]]; then
            echo "--searchdb $SEARCHDB: no complete searchdb there" >&2
            exit 1
        fi
        echo "== generating the articles with benches/search.sh's generator into $SEARCH_DATA (once)" >&2
        rm -rf "$SEARCH_DATA"
        mkdir -p "$SEARCH_DATA"
        gen_started=$(date +%s)
        "$SIM" searchdb --articles "$ARTICLES" --days "$DAYS" --seed "$SEED" \
            --db "$SEARCH_DATA/search.db" --config-out "$SEARCH_DATA/search.toml"
        echo "$(($(date +%s) - gen_started))" >"$SEARCH_DATA/complete"
    fi
    rm -rf "$DATA"
    mkdir -p "$DATA"
    gen_started=$(date +%s)
    echo "== copying $SEARCH_DATA/search.db ($(du -h "$SEARCH_DATA/search.db" | cut -f1)) to $DB" >&2
    cp "$SEARCH_DATA/search.db" "$DB"
    if [[ -f $SEARCH_DATA/search.db-wal ]]; then # not checkpointed yet: the copy needs it
        cp "$SEARCH_DATA/search.db-wal" "$DB-wal"
    fi
    echo "== adding $HITS hits of $TOPICS topics and 1,000 outbox rows (feedsim webdb)" >&2
    "$SIM" webdb --db "$DB" --hits "$HITS" --topics "$TOPICS" --seed "$SEED" \
        --topics-out "$DATA/topics.toml"
    echo "== priming $FEEDS loopback feeds x $ITEMS items (newshound run --once)" >&2
    mkdir -p "$WORK/prime"
    start_sim "$WORK/prime"
    write_config "$WORK/prime" "$DB"
    if ! "$NH" -c "$WORK/prime/web.toml" run --once >"$WORK/prime/run.out" 2>"$WORK/prime/run.log"; then
        echo "newshound run --once failed; the end of its log:" >&2
        tail -20 "$WORK/prime/run.log" >&2
        exit 1
    fi
    grep -E '^(feeds|articles|hits|time):' "$WORK/prime/run.out" | sed 's/^/   /' >&2 || true
    stop "$SIM_PID"
    SIM_PID=""
    # The primed hits count as told about, as after a day of alerts: a backlog of them (the
    # first run sends 100 stories and waits, capped at 12 alerts an hour) would have the
    # service look for undelivered hits at every pass of the bench.
    "$SIM" sql "$DB" "INSERT OR IGNORE INTO hit_deliveries (hit_id, recipient, outbox_id)
        SELECT id, 'desk@localhost', (SELECT max(id) FROM outbox) FROM hits
        WHERE backfill = 0 AND notified_at IS NULL;
        UPDATE hits SET notified_at = created_at WHERE backfill = 0 AND notified_at IS NULL"
    # Stories that topics hit, for the story pages: every 200th hit's.
    "$SIM" sql "$DB" "SELECT DISTINCT story_id FROM hits WHERE id % 200 = 0 AND story_id IS NOT NULL LIMIT 5000" >"$DATA/stories.txt"
    echo "$SIM_PORT" >"$DATA/sim-port"
    echo "$(($(date +%s) - gen_started))" >"$DATA/complete"
fi
GEN_SECS=$(cat "$DATA/complete")
SIM_PORT=$(cat "$DATA/sim-port")
AGE_DAYS=$((($(date +%s) - $(stat -c %Y "$DATA/complete")) / 86400))
if ((AGE_DAYS > 0)); then
    echo "  note: the database was made $AGE_DAYS days ago: its newest hits are that old (the overview's 24 h and 7 d columns thin out)" >&2
fi
for n in $(seq 0 $((TOPICS - 1))); do printf 'topic-%03d\n' "$n"; done >"$WORK/topics.txt"

# --- the service ---------------------------------------------------------------------------
echo "== starting feedsim serve (port $SIM_PORT) and newshound run ([web] listen 127.0.0.1:$PORT)" >&2
start_sim "$WORK" --poll-log "$WORK/polls.log"
write_config "$WORK" "$DB"
# The working feeds were last polled when the database was made, so all are overdue: spread
# their next polls over the coming minute, as a service that has run for a while has them,
# rather than measuring one burst of every feed at the start.
"$SIM" sql "$DB" "UPDATE feeds SET next_poll_at = CAST(strftime('%s', 'now') AS INTEGER) + 5 + abs(random() % 60)
    WHERE config_url LIKE 'http://127.0.0.%' AND consecutive_errors = 0"
total_feeds=$((FEEDS + 12))
BASE=http://127.0.0.1:$PORT
"$NH" -c "$WORK/web.toml" run >"$WORK/service.out" 2>"$WORK/service.log" &
NH_PID=$!
service_started=$(date +%s)
# The first start of a new binary may migrate the database (minutes at this size).
until curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null; do
    if ! kill -0 "$NH_PID" 2>/dev/null; then
        echo "newshound run exited; the end of its log:" >&2
        tail -20 "$WORK/service.log" >&2
        exit 1
    fi
    if (($(date +%s) - service_started > 900)); then
        echo "newshound did not answer /healthz in 15 min; the end of its log:" >&2
        tail -20 "$WORK/service.log" >&2
        exit 1
    fi
    sleep 0.5
done
echo "   healthy after $(($(date +%s) - service_started)) s" >&2


LOAD_ARGS=(--base "$BASE" --topics "$WORK/topics.txt" --stories "$DATA/stories.txt" --seed "$SEED"
    --probe "http://127.0.0.1:$MON_PORT/healthz")
echo "== warm-up: every kind of page for 2 s with 4 clients (its figures are not kept)" >&2
"$LOAD" "${LOAD_ARGS[@]}" --clients 4 --seconds 2 2>"$WORK/warmup.err" || {
    cat "$WORK/warmup.err" >&2
    exit 1
}

# measure NAME ARGS...: runs webload; records the window, the CPU of the service and the
# simulator, and the machine's in NAME_* variables.
declare -A WIN_START WIN_END NH_CPU SIM_CPU BUSY
measure() {
    local name=$1
    shift
    local nh0 sim0 busy0
    nh0=$(proc_cpu "$NH_PID")
    sim0=$(proc_cpu "$SIM_PID")
    busy0=$(machine_busy)
    WIN_START[$name]=$(now_ms)
    if ! "$LOAD" "${LOAD_ARGS[@]}" "$@" --out "$WORK/$name.tsv" 2>"$WORK/$name.err"; then
        echo "webload failed:" >&2
        cat "$WORK/$name.err" >&2
        exit 1
    fi
    WIN_END[$name]=$(now_ms)
    NH_CPU[$name]=$(calc "$(proc_cpu "$NH_PID") - $nh0")
    SIM_CPU[$name]=$(calc "$(proc_cpu "$SIM_PID") - $sim0")
    BUSY[$name]=$(calc "$(machine_busy) - $busy0")
    sed 's/^/   /' "$WORK/$name.err" >&2
}

# The poll intervals need a previous poll of each feed in the simulator's log: every feed is
# polled once in the first 65 s.
settle=$((service_started + 75 - $(date +%s)))
if ((settle > 0)); then
    echo "== waiting $settle s for every feed's first poll" >&2
    sleep "$settle"
fi
echo "== idle: /healthz every 100 ms for $IDLE s, no other load" >&2
measure idle --probe-only "$IDLE"
echo "== load: $CLIENTS clients, each page kind for $SECONDS_PER_KIND s, then $MIXED s mixed; /healthz probe beside" >&2
measure load --clients "$CLIENTS" --seconds "$SECONDS_PER_KIND" --mixed "$MIXED"

# The broken feeds' warnings are expected.
if grep -E ' (WARN|ERROR) ' "$WORK/service.log" | grep -qv 'feed=broken'; then
    echo "  note: warnings or errors in the service's log; the first ones:" >&2
    grep -E ' (WARN|ERROR) ' "$WORK/service.log" | grep -v 'feed=broken' | head -5 >&2 || true
fi
stop "$NH_PID"
NH_PID=""
stop "$SIM_PID" # writes the poll log
SIM_PID=""

# --- the tables ----------------------------------------------------------------------------
# metric NAME FILE: a figure webload wrote.
metric() { awk -F'\t' -v n="$1" '$1 == "metric" && $2 == n { print $3 }' "$WORK/$2.tsv"; }
# row KIND FILE: "requests errors p50 p99 max per_s" of a kind.
row() { awk -F'\t' -v k="$1" '$1 == "row" && $2 == k { print $3, $4, $5, $6, $7, $8 }' "$WORK/$2.tsv"; }
# row_probe KIND FILE: the /healthz probe's p99 while the kind ran, and its failures if any.
row_probe() {
    awk -F'\t' -v k="$1" '$1 == "row" && $2 == k { print $10 ($11 > 0 ? " (" $11 " failed)" : "") }' "$WORK/$2.tsv"
}
# row_errors KIND FILE: what went wrong with the kind's failed requests (`404×12, …`).
row_errors() { awk -F'\t' -v k="$1" '$1 == "row" && $2 == k { print $9 }' "$WORK/$2.tsv"; }
# gaps NAME: "p50 p99 max count" of the intervals (s) between two polls of one feed, for the
# polls within the window NAME.
gaps() {
    sort -k2,2n -k1,1n "$WORK/polls.log" | awk -v from="${WIN_START[$1]}" -v to="${WIN_END[$1]}" '
        NR > 1 && $2 == feed && $1 >= from && $1 <= to { printf "%.3f\n", ($1 - last) / 1000 }
        { feed = $2; last = $1 }' | sort -g | awk '
        { g[++n] = $1 }
        END {
            if (n == 0) { print "- - - 0"; exit }
            p50 = g[int(n * 0.5 + 0.999999)]; p99 = g[int(n * 0.99 + 0.999999)]
            printf "%.1f %.1f %.1f %d", p50, p99, g[n], n }'
}

example_address() {
    case $1 in
    overview) echo "/" ;;
    topic) echo "/topics/topic-NNN" ;;
    topic-older) echo "/topics/topic-NNN?before=… (Older links)" ;;
    story) echo "/stories/ID" ;;
    search) echo "/search?q=… (6 queries)" ;;
    feeds) echo "/feeds" ;;
    outbox) echo "/outbox" ;;
    atom) echo "/topics/topic-NNN.atom" ;;
    json) echo "/topics/topic-NNN.json" ;;
    api) echo "/api/hits?topic=topic-NNN&limit=50" ;;
    healthz) echo "/healthz" ;;
    mixed) echo "every kind at random" ;;
    esac
}

cores=$(nproc)
cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit="$commit+changes"
fi
articles=$("$SIM" sql "$DB" "SELECT count(*) FROM articles")
hits=$("$SIM" sql "$DB" "SELECT count(*) FROM hits")
echo
echo "newshound web pages at $commit: $articles articles, $hits hits over $TOPICS topics (made in $GEN_SECS s); the service polling $total_feeds feeds every minute; $cores cores ($cpu_model); release build; $CLIENTS keep-alive clients on loopback, each page kind in turn for $SECONDS_PER_KIND s, then $MIXED s of random kinds; a request counts until the end of its body"
echo
echo "| page kind | address | requests | errors | p50 ms | p99 ms | max ms | per s | /healthz p99 ms meanwhile | target | |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
misses=0
for kind in overview topic topic-older story search feeds outbox atom json api healthz mixed; do
    read -r requests errors p50 p99 max per_s <<<"$(row "$kind" load)"
    if [[ -z ${requests:-} ]]; then
        continue
    fi
    if ((requests == errors)); then # no answer to time
        p50=-; p99=-; max=-
    fi
    if ((requests == 0)); then
        v="$(row_errors "$kind" load)"
        misses=$((misses + 1))
    elif ((errors > 0)); then
        v="ERRORS: $(row_errors "$kind" load)"
        misses=$((misses + 1))
    else
        v=$(verdict "$p99" "<=" 50)
        [[ $v == ok ]] || misses=$((misses + 1))
    fi
    probe=$(row_probe "$kind" load)
    ((requests > 0)) || probe=-
    echo "| $kind | \`$(example_address "$kind")\` | $requests | $errors | $p50 | $p99 | $max | $per_s | $probe | p99 ≤ 50 ms | $v |"
done
echo
read -r _ _ idle_p50 idle_p99 idle_max _ <<<"$(row "probe /healthz" idle)"
read -r _ probe_errors load_p50 load_p99 load_max _ <<<"$(row "probe /healthz" load)"
read -r gap_idle_p50 gap_idle_p99 gap_idle_max gap_idle_n <<<"$(gaps idle)"
read -r gap_load_p50 gap_load_p99 gap_load_max gap_load_n <<<"$(gaps load)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.1f", a / b; else print "-" }'; }
idle_s=$(metric window_s idle)
load_s=$(metric window_s load)
echo "The service idle ($idle_s s) and under the load ($load_s s):"
echo
echo "| measurement | idle | under load | load / idle | target | |"
echo "|---|---|---|---|---|---|"
echo "| /healthz p50 ms (probe every 100 ms, own connection) | $idle_p50 | $load_p50 | $(ratio "$load_p50" "$idle_p50") | | |"
echo "| /healthz p99 ms | $idle_p99 | $load_p99 | $(ratio "$load_p99" "$idle_p99") | ≤ 50 ms under load | $(verdict "$load_p99" "<=" 50) |"
echo "| /healthz max ms | $idle_max | $load_max | | | |"
echo "| scheduling passes (cycles): count | $(metric pass_count idle) | $(metric pass_count load) | | | |"
echo "| cycle mean ms | $(metric pass_mean_ms idle) | $(metric pass_mean_ms load) | $(ratio "$(metric pass_mean_ms load)" "$(metric pass_mean_ms idle)") | | |"
echo "| cycle p50 / p99 ms (histogram bucket bound) | ≤ $(metric pass_p50_le_ms idle) / ≤ $(metric pass_p99_le_ms idle) | ≤ $(metric pass_p50_le_ms load) / ≤ $(metric pass_p99_le_ms load) | | | |"
echo "| cycles over 0.1 s | $(metric pass_over_0.1s idle) | $(metric pass_over_0.1s load) | | | |"
echo "| polls: count (ok, not modified, failed) | $(metric refresh_count idle) ($(metric polls_ok idle), $(metric polls_not_modified idle), $(metric polls_failed idle)) | $(metric refresh_count load) ($(metric polls_ok load), $(metric polls_not_modified load), $(metric polls_failed load)) | | | |"
echo "| polls per minute | $(metric polls_per_min idle) | $(metric polls_per_min load) | $(ratio "$(metric polls_per_min load)" "$(metric polls_per_min idle)") | | |"
echo "| poll (feed refresh) mean ms | $(metric refresh_mean_ms idle) | $(metric refresh_mean_ms load) | $(ratio "$(metric refresh_mean_ms load)" "$(metric refresh_mean_ms idle)") | | |"
echo "| poll p50 / p99 ms (histogram bucket bound) | ≤ $(metric refresh_p50_le_ms idle) / ≤ $(metric refresh_p99_le_ms idle) | ≤ $(metric refresh_p50_le_ms load) / ≤ $(metric refresh_p99_le_ms load) | | | |"
echo "| polls over 1 s | $(metric refresh_over_1s idle) | $(metric refresh_over_1s load) | | | |"
echo "| interval between two polls of a feed, p50 / p99 / max s (seen by the feeds; $gap_idle_n and $gap_load_n intervals) | $gap_idle_p50 / $gap_idle_p99 / $gap_idle_max | $gap_load_p50 / $gap_load_p99 / $gap_load_max | | p99 ≤ 67 s (1 min, 10% jitter, 1 s passes) | $(verdict "${gap_load_p99/-/0}" "<=" 67) |"
echo
nh_cpu_load=${NH_CPU[load]}
webload_cpu=$(metric webload_cpu_s load)
other=$(calc "${BUSY[load]} - $nh_cpu_load - ${SIM_CPU[load]} - $webload_cpu")
echo "CPU under the load: newshound $nh_cpu_load s, the simulator ${SIM_CPU[load]} s, webload $webload_cpu s, other processes $(calc "$other > 0 ? $other : 0") s, over $load_s s on $cores cores. Idle: newshound ${NH_CPU[idle]} s over $idle_s s."
if ((probe_errors > 0)); then
    echo "The /healthz probe failed $probe_errors times under the load ($(row_errors "probe /healthz" load)); the service log in the kept folder (KEEP=1) says why."
fi
echo "/metrics took up to $(metric metrics_scrape_ms idle) ms idle and $(metric metrics_scrape_ms load) ms under the load; it counts the database's rows on the service's store thread, so polls wait meanwhile. The cycle and poll figures come from a scrape before each window (followed by 3 s for the store to catch up, counted in the window) and one after it; the /healthz figures leave the scrapes out."

echo "$misses page kinds missed the target or had errors."
echo "web.sh took $(($(date +%s) - started)) s"
