#!/usr/bin/env bash
# Speed of `newshound search` and `newshound rematch` on a large database (issue 14, point 5).
#
#     bash benches/search.sh                    # 500,000 articles (generated once: 10-15 min on 2 cores)
#     bash benches/search.sh --articles 20000   # a quick check of the script
#
# Generates (once, with `feedsim searchdb`, examples/feedsim/searchdb.rs) a newshound database
# of N of the simulator's articles (German, English and French in equal shares, a quarter of
# them about a country and a subject, 5% wire copies) first seen over the last 90 days, stored
# through the library's store as the daemon stores fetched pages, and a config with the
# simulator's 100 topics. It is kept in target/searchbench/ and reused by later runs (--fresh
# makes a new one). Then, with the release binary:
#   - each search query kind RUNS times (default 7; 3 when a run takes over 5 s, 1 over 30 s):
#     median, min and max wall ms of the whole process, and its CPU ms;
#   - `rematch --topic T --since 30d --dry-run` for two topics (one the index narrows to few
#     candidates, one whose German compound parts make it read every German article), RUNS
#     times: articles in the window / wall s;
#   - a real rematch of the broad topic into a copy of the database, twice (the second adds
#     nothing);
#   - the database size with the search index and without it (both copies vacuumed).
# Prints one Markdown table with the targets of the issue beside the figures (they are meant
# for 500,000 articles), and how much CPU other processes took meanwhile (the figures only
# hold on an otherwise idle machine).
#
# Options: --articles N (500000), --days D (90), --runs N (7), --seed S (42), --cache DIR
# (target/searchbench), --fresh. SQL (the window count, the size without the index) runs
# through `feedsim sql`, newshound's own SQLite. NEWSHOUND=PATH measures another binary.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=500000
DAYS=90
RUNS=7
SEED=42
CACHE=target/searchbench
FRESH=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --articles) ARTICLES=$2; shift 2 ;;
    --days) DAYS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

started=$(date +%s)
echo "== building (release): newshound and examples/feedsim" >&2
cargo build --release --quiet --bin newshound --example feedsim
NH=${NEWSHOUND:-$PWD/target/release/newshound}
SIM=$PWD/target/release/examples/feedsim

# The broad topic reads every German article (the index cannot find compound parts such as
# "Waffe" in "Waffenlieferungen"); the narrow one is found through the index.
TOPIC_BROAD="Arms deals"
TOPIC_NARROW="sanctions (all)"
# Query kinds, label|query; every word comes from examples/feedsim/words.rs.
QUERIES=(
    "common word|Minister"
    "rare word|Urananreicherung"
    "German word, also a compound part|Streik"
    "phrase|\"summit talks\""
    "prefix|Sanktion*"
    "NEAR|Waffe* NEAR/10 Russland"
    "NOT|sanctions NOT Russia"
)

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
DATA=$CACHE/a$ARTICLES-d$DAYS-s$SEED
DB=$DATA/search.db
CONFIG=$DATA/search.toml
if [[ $FRESH == 1 || ! -f $DATA/complete ]]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    echo "== generating $ARTICLES articles over $DAYS days into $DATA (once; later runs reuse it)" >&2
    gen_started=$(date +%s)
    "$SIM" searchdb --articles "$ARTICLES" --days "$DAYS" --seed "$SEED" --db "$DB" --config-out "$CONFIG"
    echo "$(($(date +%s) - gen_started))" >"$DATA/complete"
fi
GEN_SECS=$(cat "$DATA/complete")
AGE_DAYS=$(( ($(date +%s) - $(stat -c %Y "$DATA/complete")) / 86400 ))
if ((AGE_DAYS > 0)); then
    echo "  note: the database was generated $AGE_DAYS days ago: its newest articles are that old" >&2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/newshound-searchbench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

TICK=$(getconf CLK_TCK)
calc() { awk "BEGIN { printf \"%s\", ($1) }"; }
# CPU seconds the whole machine has been busy (all cores), from /proc/stat.
machine_busy() {
    awk -v t="$TICK" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / t }' /proc/stat
}
OTHER_CPU=0

# timed LABEL ARGS...: runs newshound once; sets T_MS (wall ms) and T_CPU_MS (user + system);
# its stdout and stderr stay in $WORK/LABEL.out and .err.
timed() {
    local label=$1
    shift
    local busy_before t0 t1
    busy_before=$(machine_busy)
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%U %S' -o "$WORK/$label.time" "$NH" --config "$CONFIG" "$@" \
        >"$WORK/$label.out" 2>"$WORK/$label.err"; then
        echo "newshound $* failed; its stderr:" >&2
        tail -20 "$WORK/$label.err" >&2
        exit 1
    fi
    t1=$(date +%s%N)
    T_MS=$(calc "($t1 - $t0) / 1e6")
    T_CPU_MS=$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$WORK/$label.time")
    local other
    other=$(calc "$(machine_busy) - $busy_before - $T_CPU_MS / 1000")
    OTHER_CPU=$(calc "$OTHER_CPU + ($other > 0 ? $other : 0)")
}

# stats VALUES...: "median min max" of the numbers.
stats() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.0f %.0f %.0f", m, v[1], v[NR] }'
}

# verdict VALUE OP LIMIT: "ok" or "MISS".
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l; print ok ? "ok" : "MISS" }'; }

# The summary of a search (its last line on stderr) or a rematch (its last line on stdout).
summary() {
    local file=$WORK/$1.err
    [[ -s $file ]] || file=$WORK/$1.out
    grep -v '^\s*$' "$file" | tail -1
}

# measure LABEL ARGS...: runs newshound up to RUNS times (3 when the first run takes over
# 5 s, 1 when it takes over 30 s, so that a slow case does not hold the script up for long);
# sets M_MEDIAN, M_MIN, M_MAX (wall ms), M_CPU (median CPU ms) and M_RUNS; the last run's
# output stays in $WORK/LABEL.out and .err.
measure() {
    local label=$1
    shift
    local walls=() cpus=() runs=$RUNS
    for ((run = 1; run <= runs; run++)); do
        timed "$label" "$@"
        walls+=("$T_MS")
        cpus+=("$T_CPU_MS")
        if ((run == 1)); then
            if [[ $(calc "$T_MS > 30000") == 1 ]]; then
                runs=1
            elif [[ $(calc "$T_MS > 5000") == 1 && $runs -gt 3 ]]; then
                runs=3
            fi
        fi
    done
    read -r M_MEDIAN M_MIN M_MAX <<<"$(stats "${walls[@]}")"
    read -r M_CPU _ <<<"$(stats "${cpus[@]}")"
    M_RUNS=$runs
}

TOTAL=$("$SIM" sql "$DB" "SELECT count(*) FROM articles WHERE text IS NOT NULL")
WINDOW=$("$SIM" sql "$DB" "SELECT count(*) FROM articles WHERE text IS NOT NULL
    AND first_seen_at >= CAST(strftime('%s', 'now') AS INTEGER) - 30 * 86400")

declare -a ROWS SUMMARIES
echo "== search: ${#QUERIES[@]} queries x $RUNS runs over $TOTAL articles" >&2
timed warmup search "${QUERIES[0]#*|}" # the first read of the file pulls it into the page cache
for entry in "${QUERIES[@]}"; do
    label=${entry%%|*}
    query=${entry#*|}
    measure search search "$query"
    if [[ ! -s $WORK/search.out ]]; then
        echo "  note: search '$query' found nothing" >&2
    fi
    echo "   $label: $M_MEDIAN ms median ($M_MIN-$M_MAX, $M_RUNS runs), $M_CPU CPU ms; $(summary search)" >&2
    ROWS+=("search, $label|\`$query\`|$M_RUNS|$M_MEDIAN|$M_MIN–$M_MAX|$M_CPU|≤ 200 ms median|$(verdict "$M_MEDIAN" "<=" 200)")
    SUMMARIES+=("\`search '$query'\`: $(summary search)")
done

echo "== rematch --since 30d --dry-run: $WINDOW articles in the window, $RUNS runs per topic" >&2
for topic in "$TOPIC_NARROW" "$TOPIC_BROAD"; do
    measure dry rematch --topic "$topic" --since 30d --dry-run
    rate=$(calc "int($WINDOW / ($M_MEDIAN / 1000))")
    echo "   $topic: $M_MEDIAN ms median ($M_MIN-$M_MAX, $M_RUNS runs), $M_CPU CPU ms, $rate articles/s; $(summary dry)" >&2
    ROWS+=("rematch 30d --dry-run, topic \"$topic\"|$WINDOW articles|$M_RUNS|$M_MEDIAN|$M_MIN–$M_MAX|$M_CPU|≥ 20,000 articles/s: $rate|$(verdict "$rate" ">=" 20000)")
    SUMMARIES+=("\`rematch --topic '$topic' --since 30d --dry-run\`: $(summary dry)")
done

echo "== rematch --since 30d into a copy of the database, twice" >&2
COPY=$WORK/copy.db
"$SIM" sql "$DB" "VACUUM INTO '$COPY'"
cp "$CONFIG" "$WORK/copy.toml"
sed -i "s|^database = .*|database = \"$COPY\"|" "$WORK/copy.toml"
for pass in 1 2; do
    CONFIG_SAVED=$CONFIG
    CONFIG=$WORK/copy.toml
    timed "real$pass" rematch --topic "$TOPIC_BROAD" --since 30d
    CONFIG=$CONFIG_SAVED
    rate=$(calc "int($WINDOW / ($T_MS / 1000))")
    echo "   pass $pass: $T_MS ms, $T_CPU_MS CPU ms, $rate articles/s; $(summary "real$pass")" >&2
    ROWS+=("rematch 30d (stores hits), pass $pass, \"$TOPIC_BROAD\"|$WINDOW articles|1|$(calc "int($T_MS + 0.5)")|–|$T_CPU_MS|≥ 20,000 articles/s: $rate|$(verdict "$rate" ">=" 20000)")
    SUMMARIES+=("\`rematch --topic '$TOPIC_BROAD' --since 30d\` (pass $pass): $(summary "real$pass")")
done
HITS=$("$SIM" sql "$COPY" "SELECT count(*) FROM hits WHERE backfill = 1" 2>/dev/null || echo "?")

echo "== database size with and without the search index" >&2
# The copy, vacuumed when it was made, holds the hits of the real rematch; size a fresh one.
rm -f "$COPY"*
"$SIM" sql "$DB" "VACUUM INTO '$COPY'"
WITH=$(stat -c %s "$COPY")
"$SIM" sql "$COPY" "DROP TABLE article_search; DROP TABLE article_ends; DROP TABLE search_unindexed;
    DROP INDEX articles_searchable; VACUUM;"
WITHOUT=$(stat -c %s "$COPY")
GENERATED=$(stat -c %s "$DB")
mb() { calc "int($1 / 1e6 + 0.5)"; }
INDEX_SHARE=$(calc "int(100 * ($WITH - $WITHOUT) / $WITH + 0.5)")

cores=$(nproc)
cpu_model=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    commit="$commit+changes"
fi
echo
echo "newshound search and rematch at $commit: $TOTAL articles over $DAYS days (seed $SEED, generated in $GEN_SECS s), $WINDOW in the last 30 days; $cores cores ($cpu_model); release build; wall ms of the whole process, up to $RUNS runs (fewer when one takes over 5 s)"
echo
echo "| measurement | query or window | runs | median ms | min–max ms | CPU ms | target | |"
echo "|---|---|---|---|---|---|---|---|"
for row in "${ROWS[@]}"; do
    echo "| ${row//|/ | } |"
done
echo "| database size with the search index | vacuumed copy | | $(mb "$WITH") MB | | | | |"
echo "| database size without it | search tables and index dropped, vacuumed | | $(mb "$WITHOUT") MB | | | the index is $INDEX_SHARE % | |"
echo
echo "(The targets are for 500,000 articles. The generated file is $(mb "$GENERATED") MB before vacuuming; the real rematch stored $HITS backfilled hits.)"
echo
echo "Summary lines (stderr of the last run of each):"
for line in "${SUMMARIES[@]}"; do
    echo "- $line"
done
echo
echo "Other processes used $OTHER_CPU CPU s during the measured runs."
echo "search.sh took $(($(date +%s) - started)) s"
