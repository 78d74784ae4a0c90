//! Issue 15: the feeds of hits (`/topics/NAME.atom`, `/topics/NAME.json`), `/api/hits`, the
//! search page, and the links from emails to the pages, over the offline demo's database. The
//! router is called without a socket.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;

use crate::support::web::router_over;
use crate::support::{crate_root, demo_copy, json_lines, load, newshound, seed_hits, unqp};

/// The seed story's title (its lead may add its site's name before it).
const SEED: &str = "Kim Jong-un und Putin treffen sich zu Waffengesprächen";

/// The demo's other arms story.
const AIR_DEFENCE: &str =
    "Government clears £3.4bn arms sale of air-defence systems to Baltic ally";

/// The title a hostile feed may give an article.
const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// The demo after one `run --once`, its config changed by `edit` first, and its router.
struct Demo {
    dir: tempfile::TempDir,
    router: Router,
}

impl Demo {
    fn new(edit: impl Fn(String) -> String) -> Demo {
        let dir = demo_copy();
        let path = dir.path().join("demo.toml");
        let toml = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(toml)).unwrap();
        newshound(&path, &["run", "--once"]);
        let router = demo_router(&path);
        Demo { dir, router }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("demo.toml")
    }

    fn database(&self) -> PathBuf {
        load(&self.config()).daemon.database
    }

    /// A GET of `uri` as a browser on 127.0.0.1:18103 sends it: status, content type, body.
    async fn get(&self, uri: &str) -> (StatusCode, String, String) {
        let request = Request::get(uri)
            .header(header::HOST, "127.0.0.1:18103")
            .body(Body::empty())
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    /// `url` (a link of the lead) and the title of the seed story's lead made hostile, as a
    /// feed could have written them.
    fn make_seed_hostile(&self, url: &str) {
        let seed = self.seed_story();
        rusqlite::Connection::open(self.database())
            .unwrap()
            .execute(
                "UPDATE articles SET title = ?1, url = ?2, url_key = ?2
                 WHERE id = (SELECT lead_article_id FROM stories WHERE id = ?3)",
                rusqlite::params![HOSTILE, url, seed],
            )
            .unwrap();
    }

    /// The seed story's id.
    fn seed_story(&self) -> i64 {
        let hits = json_lines(&newshound(&self.config(), &["hits", "--json"]));
        seed_hits(&hits)[0]["story_id"].as_i64().unwrap()
    }
}

fn demo_router(config: &Path) -> Router {
    router_over(&load(config))
}

fn parse_feed(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}:\n{body}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

/// Acceptance: the demo's arms topic as Atom and as JSON Feed parses with feed-rs, with the
/// elements both specifications require, one entry per story (the seed story once for its
/// three copies) whose id is the story's, and links under `[web] public_url`.
#[tokio::test]
async fn topic_feeds_list_the_demos_arms_stories_once_each() {
    let demo = Demo::new(|toml| toml);
    let seed = demo.seed_story();
    for (path, content_type) in [
        (
            "/topics/Arms%20deals.atom",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/topics/Arms%20deals.json",
            "application/feed+json; charset=utf-8",
        ),
    ] {
        let (status, got_type, body) = demo.get(path).await;
        assert_eq!((status, got_type.as_str()), (StatusCode::OK, content_type));
        let feed = parse_feed(&body);
        assert_eq!(
            feed.title.as_ref().unwrap().content,
            "Arms deals · newshound"
        );
        let is_atom = path.ends_with(".atom");
        assert_eq!(
            feed.updated.is_some(),
            is_atom,
            "Atom's feed has a time: {body}"
        );
        let titles = titles(&feed);
        assert_eq!(titles.len(), 2, "{path}: {titles:?}");
        assert!(
            titles.contains(&AIR_DEFENCE.to_owned()),
            "{path}: {titles:?}"
        );
        let seed_entry = feed
            .entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content.contains(SEED))
            .unwrap_or_else(|| panic!("{path}: {titles:?}"));
        assert_eq!(seed_entry.id, format!("tag:newshound,2026:story/{seed}"));
        assert!(seed_entry.updated.is_some(), "{path}");
        let links: Vec<&str> = seed_entry.links.iter().map(|l| l.href.as_str()).collect();
        assert!(
            links.contains(&format!("http://127.0.0.1:8080/stories/{seed}").as_str()),
            "the demo's public_url: {links:?}"
        );
    }
    let (_, _, atom) = demo.get("/topics/Arms%20deals.atom").await;
    assert!(atom.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom">"#));
    assert!(atom.contains(
        r#"<link rel="self" type="application/atom+xml" href="http://127.0.0.1:8080/topics/Arms%20deals.atom"/>"#
    ));
    let (_, _, json) = demo.get("/topics/Arms%20deals.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert!(
        json["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"].is_string())
    );
}

/// A topic of the config without hits has an empty feed; a name the config does not have, or
/// an address that is neither feed, is not found.
#[tokio::test]
async fn feeds_exist_for_configured_topics_only() {
    let demo = Demo::new(|toml| toml);
    let (status, _, body) = demo.get("/topics/Football%20transfers.atom").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parse_feed(&body).entries.len(), 0);
    for missing in [
        "/topics/Nothing.atom",
        "/topics/Nothing.json",
        "/topics/Arms%20deals.rss",
    ] {
        assert_eq!(
            demo.get(missing).await.0,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

/// Without `[web] public_url` the links are made under the address the request came to; an
/// entry is updated when a copy of its story is first seen later, and keeps its id.
#[tokio::test]
async fn entries_are_updated_when_a_copy_is_added_and_link_to_the_requests_host() {
    let demo = Demo::new(|toml| toml.replace("public_url = \"http://127.0.0.1:8080/\"\n", ""));
    let seed = demo.seed_story();
    let entry = |feed: &feed_rs::model::Feed| {
        feed.entries
            .iter()
            .find(|e| e.id == format!("tag:newshound,2026:story/{seed}"))
            .cloned()
            .unwrap()
    };
    let (_, _, before) = demo.get("/topics/Arms%20deals.atom").await;
    let before = entry(&parse_feed(&before));
    let links: Vec<&str> = before.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(links, [format!("http://127.0.0.1:18103/stories/{seed}")]);

    let later = before.updated.unwrap() + chrono::Duration::hours(3);
    rusqlite::Connection::open(demo.database())
        .unwrap()
        .execute(
            "UPDATE articles SET first_seen_at = ?1
             WHERE id = (SELECT max(id) FROM articles WHERE story_id = ?2)",
            rusqlite::params![later.timestamp(), seed],
        )
        .unwrap();
    let (_, _, after) = demo.get("/topics/Arms%20deals.atom").await;
    let after = entry(&parse_feed(&after));
    assert_eq!(after.updated, Some(later));
    let (_, _, json) = demo.get("/topics/Arms%20deals.json").await;
    assert!(
        json.contains(&format!(
            "\"date_modified\":\"{}\"",
            later.format("%Y-%m-%dT%H:%M:%SZ")
        )),
        "{json}"
    );
}

/// A hostile title comes out of both feeds as the same text, never markup, and a `javascript:`
/// link of the lead is no link; on the search page the title is escaped.
#[tokio::test]
async fn hostile_title_and_link_stay_text_in_the_feeds_and_the_search_page() {
    let demo = Demo::new(|toml| toml);
    demo.make_seed_hostile("javascript:alert(1)");
    for path in ["/topics/Arms%20deals.atom", "/topics/Arms%20deals.json"] {
        let (status, _, body) = demo.get(path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("javascript:"), "{body}");
        assert!(
            titles(&parse_feed(&body)).contains(&HOSTILE.to_owned()),
            "{body}"
        );
    }
    let (_, _, atom) = demo.get("/topics/Arms%20deals.atom").await;
    assert!(!atom.contains("<img"), "{atom}");
    let (status, _, page) = demo.get("/search?q=Putin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(!page.contains("<img"), "{page}");
    assert!(!page.contains("javascript:"), "{page}");
}

/// `/api/hits` answers with the objects `hits --json` prints, byte for byte, in one array;
/// `topic`, `since` and `limit` narrow it, and a bad value is a 400 naming the parameter.
#[tokio::test]
async fn api_hits_returns_the_objects_of_hits_json() {
    let demo = Demo::new(|toml| toml);
    let lines = newshound(&demo.config(), &["hits", "--json"]);
    let (status, content_type, body) = demo.get("/api/hits").await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "application/json")
    );
    assert_eq!(
        body,
        format!("[{}]", lines.lines().collect::<Vec<_>>().join(","))
    );

    let arms = newshound(&demo.config(), &["hits", "--json", "--topic", "Arms deals"]);
    let newest = arms.lines().next().unwrap();
    let (_, _, one) = demo
        .get("/api/hits?topic=Arms%20deals&since=1h&limit=1")
        .await;
    assert_eq!(one, format!("[{newest}]"));
    let (_, _, old) = demo.get("/api/hits?since=2000-01-01T00:00:00Z").await;
    assert_eq!(old, body);
    let (_, _, future) = demo
        .get("/api/hits?since=2999-01-01T00:00:00%2B01:00")
        .await;
    assert_eq!(future, "[]");

    for (bad, named) in [
        ("/api/hits?limit=5000", "limit"),
        ("/api/hits?limit=-1", "limit"),
        ("/api/hits?since=last%20week", "since"),
    ] {
        let (status, content_type, body) = demo.get(bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(content_type, "application/json", "{bad}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["error"].as_str().unwrap().starts_with(named),
            "{bad}: {body}"
        );
    }
}

/// The search page: the form alone without a query; for a query, one entry per story linking
/// to its page with the matched words marked and the summary line; a query error shown with a
/// caret under its place.
#[tokio::test]
async fn search_page_lists_stories_and_shows_a_query_error_at_its_place() {
    let demo = Demo::new(|toml| toml);
    let seed = demo.seed_story();
    let (status, _, empty) = demo.get("/search").await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains(r#"<form class="search" method="get" action="/search""#));
    assert!(empty.contains(r#"<input type="search" name="q""#));
    assert!(!empty.contains("<h2>Results</h2>"), "{empty}");

    let (_, _, found) = demo.get("/search?q=Putin%20AND%20Waffe*&language=de").await;
    assert!(found.contains("<h2>Results</h2>"), "{found}");
    assert!(
        found.contains("3 articles in 1 story matched, of "),
        "the seed story's three copies: {found}"
    );
    assert_eq!(
        found.matches(&format!("href=\"/stories/{seed}\"")).count(),
        1,
        "{found}"
    );
    assert!(found.contains("<mark>Putin</mark>"), "{found}");
    assert!(found.contains(r#"<option value="de" selected>"#), "{found}");

    let (status, _, error) = demo.get("/search?q=Putin%20AND%20(Waffe%20OR").await;
    assert_eq!(status, StatusCode::OK);
    let pre = error
        .split_once(r#"<pre class="query-error">"#)
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(pre, _)| pre)
        .unwrap_or_else(|| panic!("no query error shown: {error}"));
    let (query, caret) = pre.split_once('\n').unwrap();
    assert_eq!(query, "Putin AND (Waffe OR");
    assert!(caret.ends_with('^') && caret.trim() == "^", "{pre}");
    assert!(
        error.contains("The query is not valid at column"),
        "{error}"
    );
}

/// Acceptance: a demo email links the seed story to its page, in both parts, and the topic
/// headings to the topics' pages (the demo sets `public_url`).
#[test]
fn demo_email_links_to_the_seed_story_page() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    newshound(&config, &["run", "--once"]);
    let hits = json_lines(&newshound(&config, &["hits", "--json"]));
    let seed = seed_hits(&hits)[0]["story_id"].as_i64().unwrap();
    let outbox = dir.path().join("outbox");
    let eml = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .expect("the demo writes an alert");
    let decoded =
        unqp(&String::from_utf8_lossy(&std::fs::read(eml).unwrap())).replace("\r\n", "\n");
    let (plain, html) = decoded.split_once("Content-Type: text/html").unwrap();
    let page = format!("http://127.0.0.1:8080/stories/{seed}");
    assert!(
        plain.contains(&format!("Why it matched · all copies:\n   {page}\n")),
        "{plain}"
    );
    assert!(html.contains(&format!("href=\"{page}\"")), "{html}");
    for part in [plain, html] {
        assert!(
            part.contains("http://127.0.0.1:8080/topics/Arms%20deals"),
            "{part}"
        );
    }
}

/// A Python that imports feedparser: the test venv's (`.ci/test` installs feedparser beside
/// aiosmtpd), found as the SMTP tests find theirs.
fn feedparser_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("NEWSHOUND_SMTP_PYTHON").map(PathBuf::from),
        Some(crate_root().join("target/smtp-venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import feedparser"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Acceptance: Python's feedparser reads the Atom feed as well-formed Atom 1.0 with the demo's
/// arms stories. Skipped, saying so, when no test Python has feedparser.
#[tokio::test]
async fn feedparser_reads_the_topic_atom_feed() {
    let Some(python) = feedparser_python() else {
        eprintln!(
            "skipped: no Python with feedparser (run `bash .ci/test`, which installs it in \
             target/smtp-venv, or set NEWSHOUND_SMTP_PYTHON)"
        );
        return;
    };
    let demo = Demo::new(|toml| toml);
    let (_, _, atom) = demo.get("/topics/Arms%20deals.atom").await;
    let feed_file = demo.dir.path().join("arms.atom");
    std::fs::write(&feed_file, &atom).unwrap();
    let script = "import feedparser, json, sys\n\
                  d = feedparser.parse(sys.argv[1])\n\
                  print(json.dumps({'bozo': bool(d.bozo), 'version': d.version, \
                  'title': d.feed.title, 'ids': [e.id for e in d.entries], \
                  'titles': sorted(e.title for e in d.entries), \
                  'updated': [bool(e.updated_parsed) for e in d.entries]}))";
    let output = Command::new(&python)
        .args(["-c", script])
        .arg(&feed_file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(parsed["bozo"], false, "well-formed: {parsed}");
    assert_eq!(parsed["version"], "atom10", "{parsed}");
    assert_eq!(parsed["title"], "Arms deals · newshound");
    let titles = parsed["titles"].as_array().unwrap();
    assert_eq!(titles.len(), 2, "{parsed}");
    assert_eq!(titles[0], AIR_DEFENCE, "{parsed}");
    assert!(titles[1].as_str().unwrap().contains(SEED), "{parsed}");
    assert_eq!(parsed["updated"], serde_json::json!([true, true]));
    assert!(
        parsed["ids"].as_array().unwrap().iter().all(|id| id
            .as_str()
            .unwrap()
            .starts_with("tag:newshound,2026:story/")),
        "{parsed}"
    );
}
