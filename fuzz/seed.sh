#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs (see README.md). Idempotent: files are named by
# content hash, so running it again adds nothing twice. The corpora are not committed.
#
#   fuzz/seed.sh [SHARED]     SHARED defaults to ../shared next to the repository (/work/shared)
set -euo pipefail

fuzz=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$fuzz")
shared=${1:-$(cd "$repo/.." && pwd)/shared}
[ -d "$shared/feeds" ] || shared=/work/shared
corpus=$fuzz/corpus
mkdir -p "$corpus"/{feed_parse,extract,query_match,canonical_url,config_load}

# Seeds larger than this slow every execution; the fuzzer finds size-related bugs by itself.
max_feed=131072
max_page=131072

add() { # add TARGET FILE: copy FILE into the corpus under its hash
    local target=$1 file=$2 hash
    hash=$(sha1sum "$file" | cut -c1-40)
    cp "$file" "$corpus/$target/$hash"
}

# feed_parse: every feed document of the shared corpora and the demo's feeds.
find "$shared/feeds" -type f \( -name '*.xml' -o -name '*.json' -o -name '*.rss' -o -name '*.atom' \
    -o -name '*.rdf' -o -name '*.opml' \) ! -name '*.serde.json' -size -${max_feed}c -print0 |
    while IFS= read -r -d '' f; do add feed_parse "$f"; done
for f in "$repo"/config/demo/feeds/* "$repo"/tests/fixtures/feeds/*; do
    [ -f "$f" ] && add feed_parse "$f"
done

# extract: the demo's article pages, the extraction sets' pages up to $max_page bytes.
for f in "$repo"/config/demo/articles/* "$repo"/tests/fixtures/extraction/*; do
    [ -f "$f" ] && add extract "$f"
done
find "$shared/extraction" -type f -name '*.html' -size -${max_page}c -print0 |
    while IFS= read -r -d '' f; do add extract "$f"; done

# config_load: the shipped configs and watchlists.
for f in "$repo"/config/*.toml "$repo"/config/watchlists.d/*.toml; do
    [ -f "$f" ] && add config_load "$f"
done

# query_match (`queries \0 title \0 body`) and canonical_url: built by Python from the configs'
# topics, the demo pages' text and the feeds' links.
python3 - "$repo" "$shared" "$corpus" <<'PY'
import hashlib, html, pathlib, re, sys, tomllib

repo, shared, corpus = map(pathlib.Path, sys.argv[1:])

def add(target, data: bytes):
    (corpus / target / hashlib.sha1(data).hexdigest()).write_bytes(data)

queries = []
for path in [*repo.glob("config/*.toml"), *repo.glob("config/watchlists.d/*.toml")]:
    try:
        doc = tomllib.loads(path.read_text())
    except Exception:
        continue
    for topic in doc.get("topics", []):
        if "query" in topic:
            queries.append(" ".join(topic["query"].split()))
        for term in topic.get("terms", []):
            queries.append("terms:" + term)
queries += [
    'nato AND (ukraine OR "air defence")', 'title:elbe NEAR/5 body:pegel', 'klima* AND NOT fussball',
    '"european union" OR eu', 'terms:Bundeswehr', 'terms:wind farm', 'ölpreis OR oelpreis',
]

def page_text(path):
    text = path.read_text(errors="replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S | re.I)
    body = html.unescape(re.sub(r"<[^>]+>", " ", body))
    body = " ".join(body.split())[:3000]
    return html.unescape(title.group(1).strip()) if title else "", body

pages = [page_text(p) for p in sorted((repo / "config/demo/articles").glob("*.html"))]
expected = sorted((shared / "extraction/readability-pages/expected").glob("*.txt"))[:20]
pages += [("", p.read_text(errors="replace")[:3000]) for p in expected]
for i, (title, body) in enumerate(pages):
    chosen = "\n".join(queries[j % len(queries)] for j in range(i, i + 3))
    add("query_match", f"{chosen}\0{title}\0{body}".encode())
for q in queries:
    add("query_match", q.encode())

urls = set()
sources = [*(repo / "config/demo/feeds").glob("*"), *(repo / "config/demo/articles").glob("*")]
sources += sorted((shared / "feeds").rglob("*.xml"))
for path in sources:
    urls.update(re.findall(r"""https?://[^\s"'<>\\]+""", path.read_text(errors="replace")))
urls.update([
    "https://www.Example.com:443/a/./b/../c/%7euser/?utm_source=x&b=2&a=1&fbclid=z#frag",
    "http://example.com/path%2fwith%2Fescapes?q=%41%42&q=",
    "https://xn--mnchen-3ya.de/stra%C3%9Fe?gclid=1", "//cdn.example.net/x.js", "../up/one?x=1#y",
    "mailto:news@example.org", "file:///etc/hosts", "https://[::1]:8080/a?b", "data:text/plain,hi",
])
# Config snippets written in the tests (raw strings that look like TOML tables).
for path in [repo / "tests/it/config.rs", *(repo / "src/config").glob("*.rs")]:
    for snippet in re.findall(r'r#"(.*?)"#', path.read_text(), re.S):
        if "[" in snippet and "=" in snippet:
            add("config_load", snippet.encode())

for url in sorted(urls)[::max(1, len(urls) // 2000)]:
    add("canonical_url", url.encode())
PY

for t in feed_parse extract query_match canonical_url config_load; do
    echo "$t: $(ls "$corpus/$t" | wc -l) files, $(du -sh "$corpus/$t" | cut -f1)"
done
