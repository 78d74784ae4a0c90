#!/usr/bin/env bash
# Extraction quality on the four development sets, newshound beside trafilatura in the same run:
# the table issue 18 reports before and after every change.
#
#     bash benches/extraction_quality.sh              # about 2 minutes on 2 cores, plus builds
#     SETS="fundus-news wcxb-articles-dev" bash benches/extraction_quality.sh
#     TRAFILATURA=0 bash benches/extraction_quality.sh    # newshound only
#
# newshound extracts each whole set in one process (`newshound extract --output-dir`, release
# build); trafilatura 2.3.1 (default settings, in a venv made under target/ once, from PyPI, with
# lxml_html_clean, which lxml 6 no longer bundles)
# extracts it in one Python process; ../shared/tools/score_extraction.py scores both: 4-gram
# shingle P/R/F1 for the full-text sets, snippet P/R/F1 for trafilatura-eval-dev. Needs the
# shared development data (../shared, or $NEWSHOUND_SHARED_DIR); without it, it says so and
# exits 0. KEEP=1 keeps the extracted texts and prints where.
set -euo pipefail
cd "$(dirname "$0")/.."

SHARED=${NEWSHOUND_SHARED_DIR:-$PWD/../shared}
SETS=${SETS:-readability-pages trafilatura-eval-dev fundus-news wcxb-articles-dev}
SCORER=$SHARED/tools/score_extraction.py
if [[ ! -f $SCORER ]]; then
    echo "no shared development data at $SHARED (set NEWSHOUND_SHARED_DIR); nothing to measure"
    exit 0
fi

echo "== building (release): newshound" >&2
cargo build --release --quiet --bin newshound
NH=$PWD/target/release/newshound

VENV=target/trafilatura-venv
if [[ ${TRAFILATURA:-1} == 1 ]] && ! "$VENV/bin/python" -c 'import trafilatura' 2>/dev/null; then
    echo "== making $VENV with trafilatura==2.3.1 from PyPI" >&2
    rm -rf "$VENV.tmp"
    python3 -m venv "$VENV.tmp"
    "$VENV.tmp/bin/python" -m pip install -q --disable-pip-version-check trafilatura==2.3.1 lxml_html_clean
    rm -rf "$VENV"
    mv -T "$VENV.tmp" "$VENV"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/newshound-quality.XXXXXX")
cleanup() {
    if [[ ${KEEP:-0} == 1 ]]; then
        echo "kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# One Python process extracts every page of a set: DIR/<html file name>.txt, as the scorer reads.
cat >"$WORK/trafilatura_all.py" <<'PY'
import sys, pathlib, time
import trafilatura
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
started = time.monotonic()
pages = sys.argv[2:]
for path in pages:
    html = pathlib.Path(path).read_bytes()
    text = trafilatura.extract(html) or ""
    (out / (pathlib.Path(path).name + ".txt")).write_text(text, encoding="utf-8")
print(f"{len(pages) / (time.monotonic() - started):.0f}", file=sys.stderr)
PY

# score SET NAME DIR: "P R F1" of the texts in DIR.
score() {
    python3 "$SCORER" "$SHARED/extraction/$1" -o "$2=$3" --json "$WORK/$1-$2.json" >/dev/null
    python3 - "$WORK/$1-$2.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f'{r["p"]:.3f} / {r["r"]:.3f} / {r["f1"]:.3f}')
PY
}

rows=()
for set in $SETS; do
    pages=("$SHARED/extraction/$set"/html/*.html)
    echo "== $set: ${#pages[@]} pages" >&2
    t0=$(date +%s.%N)
    "$NH" extract --output-dir "$WORK/newshound/$set" "${pages[@]}" >/dev/null 2>"$WORK/$set-nh.err"
    t1=$(date +%s.%N)
    nh_rate=$(python3 -c "print(f'{${#pages[@]} / ($t1 - $t0):.0f}')")
    nh=$(score "$set" newshound "$WORK/newshound/$set")
    tf="-"
    tf_rate="-"
    if [[ ${TRAFILATURA:-1} == 1 ]]; then
        tf_rate=$("$VENV/bin/python" "$WORK/trafilatura_all.py" "$WORK/trafilatura/$set" "${pages[@]}" 2>&1 >/dev/null | tail -1)
        tf=$(score "$set" trafilatura "$WORK/trafilatura/$set")
    fi
    rows+=("| $set | $nh | $nh_rate | $tf | $tf_rate |")
done

echo
echo "| set | newshound P / R / F1 | pages/s | trafilatura 2.3.1 P / R / F1 | pages/s |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
