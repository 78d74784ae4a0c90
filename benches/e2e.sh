#!/usr/bin/env bash
# End-to-end speed of newshound against the loopback feed simulator (examples/feedsim.rs).
#
#     bash benches/e2e.sh            # about 5 minutes on 2 cores, plus the release build
#
# For each scale it starts `feedsim serve` (feeds and ~100 KB article pages on 127.0.0.1-32),
# runs `newshound run --once` on a new database under /usr/bin/time -v (every feed and page
# new), then `run --once --all` (every feed answers 304: the idle cycle), and at the end
# `feedsim floor` (scraper's parse of the same pages, the floor of the work). The idle cycle is
# also measured at 100,000 feeds of 1 item, filled with `fetch_articles = false` (it measures
# 304 handling, not pages), with the feeds in 100 included files of 1,000, the way a large
# watchlist is kept. Prints one table with
# the targets beside the figures, and how much CPU other processes took meanwhile (the figures
# are only good on an otherwise idle machine). The simulator is killed and the temp dir
# removed on any exit. Environment: SEED (default 42), KEEP=1 keeps the temp dir (configs,
# databases, logs) and prints where it is.
set -euo pipefail
cd "$(dirname "$0")/.."

SEED=${SEED:-42}
started=$(date +%s)

echo "== building (release): newshound and examples/feedsim" >&2
cargo build --release --quiet --bin newshound --example feedsim
NH=$PWD/target/release/newshound
SIM=$PWD/target/release/examples/feedsim

WORK=$(mktemp -d "${TMPDIR:-/tmp}/newshound-e2e.XXXXXX")
SIM_PID=""
stop_sim() {
    if [[ -n $SIM_PID ]]; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
        SIM_PID=""
    fi
}
cleanup() {
    stop_sim
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

TICK=$(getconf CLK_TCK)

# calc EXPR: floating-point arithmetic with awk.
calc() { awk "BEGIN { printf \"%s\", ($1) }"; }

# start_sim DIR ARGS...: starts the simulator with its config in DIR/config.toml.
start_sim() {
    local dir=$1
    shift
    mkdir -p "$dir"
    "$SIM" serve --seed "$SEED" --db "$dir/newshound.db" --outbox "$dir/outbox" \
        --config-out "$dir/config.toml" "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
    SIM_PID=$!
    for _ in $(seq 600); do
        if grep -q '^ready' "$dir/sim.out" 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$SIM_PID" 2>/dev/null; then
            echo "feedsim exited:" >&2
            cat "$dir/sim.err" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "feedsim did not get ready in 60 s" >&2
    exit 1
}

# CPU seconds (user + sys) the simulator has used so far.
sim_cpu() {
    awk -v t="$TICK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$SIM_PID/stat"
}
sim_rss_mb() {
    awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$SIM_PID/status"
}

# CPU seconds the whole machine has been busy (all cores), from /proc/stat.
machine_busy() {
    awk -v t="$TICK" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat
}

# CPU seconds other processes (not newshound, not the simulator) used during measured runs.
OTHER_CPU=0

# run_nh DIR LABEL ARGS...: runs newshound under /usr/bin/time -v and sets R_* variables.
run_nh() {
    local dir=$1 label=$2
    shift 2
    local sim_before busy_before
    sim_before=$(sim_cpu)
    busy_before=$(machine_busy)
    if ! /usr/bin/time -v -o "$dir/$label.time" "$NH" -c "$dir/config.toml" run --once "$@" \
        >"$dir/$label.out" 2>"$dir/$label.log"; then
        echo "newshound failed ($label); the end of its log:" >&2
        tail -20 "$dir/$label.log" >&2
        exit 1
    fi
    local busy
    busy=$(calc "$(machine_busy) - $busy_before")
    R_SIM_CPU=$(calc "$(sim_cpu) - $sim_before")
    R_WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' \
        "$dir/$label.time")
    R_CPU=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$dir/$label.time")
    R_RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$dir/$label.time")
    R_OK=$(sed -n 's/^feeds: \([0-9]*\) ok, \([0-9]*\) not modified, \([0-9]*\) failed.*/\1/p' "$dir/$label.out")
    R_304=$(sed -n 's/^feeds: \([0-9]*\) ok, \([0-9]*\) not modified, \([0-9]*\) failed.*/\2/p' "$dir/$label.out")
    R_FAILED=$(sed -n 's/^feeds: \([0-9]*\) ok, \([0-9]*\) not modified, \([0-9]*\) failed.*/\3/p' "$dir/$label.out")
    R_NEW=$(sed -n 's/^articles: \([0-9]*\) new.*/\1/p' "$dir/$label.out")
    R_PAGES_FAILED=$(sed -n 's/.*pages: [0-9]* extracted, \([0-9]*\) failed.*/\1/p' "$dir/$label.out")
    R_HITS=$(sed -n 's/^hits: \([0-9]*\) new.*/\1/p' "$dir/$label.out")
    R_CYCLE=$(sed -n 's/^time: \([0-9.]*\) s.*/\1/p' "$dir/$label.out")
    local other
    other=$(calc "$busy - $R_CPU - $R_SIM_CPU")
    OTHER_CPU=$(calc "$OTHER_CPU + ($other > 0 ? $other : 0)")
    if [[ $(calc "$other > 0.1 * $R_WALL + 0.5") == 1 ]]; then
        echo "  note: other processes used $other CPU s during this run; its figures are disturbed" >&2
    fi
    local warnings
    warnings=$(grep -c -E ' (WARN|ERROR) ' "$dir/$label.log" || true)
    if [[ $R_FAILED != 0 || ${R_PAGES_FAILED:-0} != 0 || $warnings != 0 ]]; then
        echo "  note: $R_FAILED feeds failed, ${R_PAGES_FAILED:-0} pages failed, $warnings warnings/errors in the log; first ones:" >&2
        grep -E ' (WARN|ERROR) ' "$dir/$label.log" | head -5 >&2 || true
    fi
}

db_mb() {
    local dir=$1
    du -cb "$dir"/newshound.db* | awk 'END { printf "%.1f", $1 / 1e6 }'
}

# Results, one row per scale.
declare -A FIRST IDLE FLOOR SIMCOST

# scale NAME FEEDS ITEMS: both runs at one scale, with pages.
scale() {
    local name=$1 feeds=$2 items=$3
    local dir=$WORK/$name
    echo "== $name: $feeds feeds x $items items" >&2
    start_sim "$dir" --feeds "$feeds" --items "$items"
    run_nh "$dir" first
    echo "   first run: $R_NEW new articles, $R_HITS hits, ${R_WALL} s wall, ${R_CPU} CPU s, ${R_RSS} MB" >&2
    local per_s cpu_ms
    per_s=$(calc "$R_NEW / $R_WALL")
    cpu_ms=$(calc "1000 * $R_CPU / ($R_NEW > 0 ? $R_NEW : 1)")
    FIRST[$name]="$feeds $R_NEW $R_WALL $per_s $R_CPU $cpu_ms $R_RSS $(db_mb "$dir") $R_SIM_CPU"
    run_nh "$dir" idle --all
    echo "   idle run: $R_304 not modified, ${R_WALL} s wall, ${R_CPU} CPU s" >&2
    if [[ $R_304 != "$feeds" ]]; then
        echo "  note: only $R_304 of $feeds feeds answered 304 in the idle run" >&2
    fi
    IDLE[$name]="$feeds $R_304 $R_WALL $R_CPU $(calc "$feeds / $R_WALL") $R_RSS $R_CYCLE"
    SIMCOST[$name]="$(sim_cpu) $(sim_rss_mb)"
    stop_sim
}

scale 1k 1000 20
scale 10k 10000 5

echo "== 100k: 100000 feeds x 1 item, fetch_articles = false, feeds in 100 included files (idle cycle only)" >&2
dir=$WORK/100k
start_sim "$dir" --feeds 100000 --items 1 --no-fetch-articles --split-config 1000
run_nh "$dir" fill
FILL100K="$R_NEW $R_WALL $R_CPU $R_RSS"
echo "   fill run: $R_NEW new articles, ${R_WALL} s wall, ${R_CPU} CPU s" >&2
run_nh "$dir" idle --all
echo "   idle run: $R_304 not modified, ${R_WALL} s wall, ${R_CPU} CPU s" >&2
IDLE[100k]="100000 $R_304 $R_WALL $R_CPU $(calc "100000 / $R_WALL") $R_RSS $R_CYCLE"
SIMCOST[100k]="$(sim_cpu) $(sim_rss_mb)"
stop_sim

for name in 1k 10k; do
    read -r feeds _ <<<"${FIRST[$name]}"
    items=$([[ $name == 1k ]] && echo 20 || echo 5)
    echo "== floor $name: scraper::Html::parse_document over the same pages (2 threads)" >&2
    line=$("$SIM" floor --seed "$SEED" --feeds "$feeds" --items "$items" --threads 2 | grep '^pages=')
    FLOOR[$name]=$(echo "$line" | sed -n 's/.*bytes=\([0-9]*\) parse_cpu_s=\([0-9.]*\) parse_us_per_page=\([0-9.]*\).*/\1 \2 \3/p')
done

# verdict VALUE OP LIMIT: "ok" or "MISS".
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print ok ? "ok" : "MISS" }'; }

cores=$(nproc)
cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit="$commit+changes"
fi
echo "newshound end-to-end at $commit, seed $SEED; $cores cores ($cpu_model); release build; simulator on the same machine"
echo
echo "First run (new database: every feed fetched and parsed, every page fetched, extracted, deduplicated, matched against 100 topics, stored):"
printf '%-9s %7s %9s %7s %11s %7s %12s %8s %7s %10s %9s\n' \
    scale feeds articles "wall s" articles/s "CPU s" "CPU ms/art" "RSS MB" "DB MB" "floor ms" overhead
for name in 1k 10k; do
    read -r feeds new wall per_s cpu cpu_ms rss db _ <<<"${FIRST[$name]}"
    read -r _ parse_s parse_us <<<"${FLOOR[$name]}"
    ratio=$(calc "$cpu_ms / ($parse_us / 1000)")
    printf '%-9s %7s %9s %7s %11.0f %7s %12.2f %8s %7s %10.2f %9.2f\n' \
        "$name" "$feeds" "$new" "$wall" "$per_s" "$cpu" "$cpu_ms" "$rss" "$db" "$(calc "$parse_us / 1000")" "$ratio"
done
echo
echo "Idle cycle (run --once --all on the filled database; every feed answers 304):"
printf '%-9s %7s %9s %7s %7s %9s %8s %8s\n' scale feeds "304s" "wall s" "CPU s" feeds/s "RSS MB" "cycle s"
for name in 1k 10k 100k; do
    read -r feeds n304 wall cpu fps rss cycle <<<"${IDLE[$name]}"
    printf '%-9s %7s %9s %7s %7s %9.0f %8s %8s\n' "$name" "$feeds" "$n304" "$wall" "$cpu" "$fps" "$rss" "$cycle"
done
echo "(wall and CPU: the whole process, config loading included; cycle s: the run's own \"time:\" line, polling only)"
read -r fill_new fill_wall fill_cpu fill_rss <<<"$FILL100K"
echo "(100k: feeds in 100 included files of 1,000; filled first with fetch_articles = false: $fill_new articles from feed texts in $fill_wall s wall, $fill_cpu CPU s, $fill_rss MB)"
echo
echo "Floor (scraper::Html::parse_document of every page once, thread CPU time):"
for name in 1k 10k; do
    read -r bytes parse_s parse_us <<<"${FLOOR[$name]}"
    echo "  $name: $(calc "$bytes / 1e6") MB of pages, $parse_s CPU s, $parse_us us/page"
done
echo
echo "Simulator's own cost per scale (both runs; CPU s, peak RSS MB):"
for name in 1k 10k 100k; do
    read -r cpu rss <<<"${SIMCOST[$name]}"
    echo "  $name: $cpu CPU s, $rss MB"
done
echo
read -r _ _ _ _ _ cpu_ms_1k _ <<<"${FIRST[1k]}"
read -r _ _ _ per_s_10k _ cpu_ms_10k rss_10k _ <<<"${FIRST[10k]}"
read -r _ _ _ per_s_1k _ _ _ _ <<<"${FIRST[1k]}"
read -r _ _ idle_wall_10k idle_cpu_10k _ <<<"${IDLE[10k]}"
read -r _ _ parse_us_1k <<<"${FLOOR[1k]}"
read -r _ _ parse_us_10k <<<"${FLOOR[10k]}"
ratio_1k=$(calc "$cpu_ms_1k / ($parse_us_1k / 1000)")
ratio_10k=$(calc "$cpu_ms_10k / ($parse_us_10k / 1000)")
growth=$(calc "$cpu_ms_10k / $cpu_ms_1k")
echo "Targets:"
printf '  %-46s %8s  %s\n' \
    "articles/s end-to-end >= 850, 1k" "$(calc "int($per_s_1k + 0.5)")" "$(verdict "$per_s_1k" ">=" 850)" \
    "articles/s end-to-end >= 850, 10k" "$(calc "int($per_s_10k + 0.5)")" "$(verdict "$per_s_10k" ">=" 850)" \
    "overhead (CPU/article / floor/page) <= 2.5, 1k" "$(calc "int($ratio_1k * 100 + 0.5) / 100")" "$(verdict "$ratio_1k" "<=" 2.5)" \
    "overhead <= 2.5, 10k" "$(calc "int($ratio_10k * 100 + 0.5) / 100")" "$(verdict "$ratio_10k" "<=" 2.5)" \
    "idle cycle at 10k feeds: wall s <= 5" "$idle_wall_10k" "$(verdict "$idle_wall_10k" "<=" 5)" \
    "idle cycle at 10k feeds: CPU s <= 2" "$idle_cpu_10k" "$(verdict "$idle_cpu_10k" "<=" 2)" \
    "peak RSS at 10k feeds: MB <= 150" "$rss_10k" "$(verdict "$rss_10k" "<=" 150)" \
    "CPU per article, 10k / 1k <= 1.5" "$(calc "int($growth * 100 + 0.5) / 100")" "$(verdict "$growth" "<=" 1.5)"
echo
echo "Other processes used $OTHER_CPU CPU s during the measured runs (beside newshound and the simulator)."
echo "e2e.sh took $(($(date +%s) - started)) s"
