//! The web pages of the demo in a real browser (headless Chromium from Debian, see
//! `support/browser.rs`), at 400 and 1,400 px wide: no console errors (a CSP violation, a
//! stylesheet that does not load, ...), no sideways scrolling on a phone, headings in order,
//! every link and control reachable with the Tab key, a hostile feed item shown as text that
//! runs nothing, and a screenshot of each page in `target/web-screenshots/` for a person to
//! look at. The tests skip with a message when Chromium or chromedriver is not installed.
//!
//! The demo is run once into a temporary copy with one more feed, `hostile-wire.xml`, whose item
//! has the title `<img src=x onerror=alert(1)>` and `javascript:` links and is an "Arms deals"
//! hit; `newshound web` serves that copy on a free loopback port.
//!
//! The first test proves the checks can fail: on pages made to break them, each one reports.

use serde_json::{Value, json};

use crate::support::browser::{Browser, missing_browser};
use crate::support::web::{Served, free_port, get};
use crate::support::{Reply, TestServer, demo_copy, json_lines, newshound, seed_hits};

/// The widths every page is checked at: a phone and a desktop window.
const WIDTHS: [u32; 2] = [400, 1400];

/// The title of the hostile feed item: markup that would run a script if it were not escaped.
const HOSTILE_TITLE: &str = "<img src=x onerror=alert(1)>";

/// One browser test at a time: each runs a Chromium, and the machine may have two cores.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The checks every page gets, as a small script run in the page: what a hostile value could
/// have slipped in (scripts, event handlers, `javascript:` addresses, inline styles), the
/// headings' levels in order, the page's width against the window's, and the document's
/// language.
const PAGE_FACTS: &str = r#"
const describe = e => e.outerHTML.slice(0, 160);
const all = [...document.querySelectorAll('*')];
const address = e => ['href', 'src', 'action', 'formaction', 'xlink:href']
    .map(name => e.getAttribute(name)).find(value => value !== null);
return {
    scripts: [...document.querySelectorAll('script')].map(describe),
    handlers: all.filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on')))
        .map(describe),
    script_addresses: all.filter(e => /^\s*(javascript|vbscript):/i.test(address(e) ?? ''))
        .map(describe),
    data_links: [...document.querySelectorAll('a[href], form[action], iframe, object, embed')]
        .filter(e => /^\s*data:/i.test(address(e) ?? '')).map(describe),
    inline_styles: [...document.querySelectorAll('[style]')].map(describe),
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
        .map(h => Number(h.tagName.substring(1))),
    scroll_width: document.documentElement.scrollWidth,
    client_width: document.documentElement.clientWidth,
    lang: document.documentElement.lang,
    stylesheets: document.styleSheets.length,
};
"#;

/// Marks every element a keyboard user should reach (links, controls, anything with a
/// tabindex of 0 or more, as shown at this width), says which of them cannot be reached by
/// their nature, and starts recording where the Tab key puts the focus. Returns how many there
/// are and the problems.
const KEYBOARD_START: &str = r#"
const describe = e => e.outerHTML.slice(0, 160);
const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
const wanted = [...document.querySelectorAll(
    'a, button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter(e => !e.matches('input[type=hidden]') && shown(e));
const problems = [];
wanted.forEach((e, i) => e.setAttribute('data-keyboard', String(i)));
for (const e of wanted) {
    if (e.matches('a') && !e.hasAttribute('href')) {
        problems.push('a link without href: ' + describe(e));
    } else if (e.tabIndex > 0) {
        problems.push('a tabindex above 0 changes the order: ' + describe(e));
    } else if (e.tabIndex < 0 && !e.disabled) {
        problems.push('taken out of the tab order: ' + describe(e));
    }
}
window.keyboardReached = [];
document.addEventListener('focusin',
    event => window.keyboardReached.push(event.target.getAttribute('data-keyboard')));
if (document.activeElement) { document.activeElement.blur(); }
return { count: wanted.length, problems };
"#;

/// After the Tab walk: the marked elements that should have had the focus and did not.
const KEYBOARD_MISSED: &str = r#"
const reached = new Set(window.keyboardReached);
return [...document.querySelectorAll('[data-keyboard]')]
    .filter(e => e.tabIndex >= 0 && !e.disabled && !(e.matches('a') && !e.hasAttribute('href')))
    .filter(e => !reached.has(e.getAttribute('data-keyboard')))
    .map(e => e.outerHTML.slice(0, 160));
"#;

/// The demo, run once with the hostile feed, served by `newshound web`, and a browser.
struct BrowserDemo {
    /// The browser; closed at the end of a test, killed with chromedriver when a test fails.
    browser: Browser,
    /// `newshound web` over the copy.
    served: Served,
    /// The id of the seed story (three copies, hit by both topics).
    seed_story: i64,
    /// The pages loaded that answer 404.
    missing_pages: std::sync::Mutex<Vec<String>>,
    /// The demo's copy, with its database.
    _dir: tempfile::TempDir,
    /// This test's turn with the browser; released last.
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl BrowserDemo {
    /// Everything ready, or `None` (with a message) when there is no browser.
    async fn start(test: &str) -> Option<BrowserDemo> {
        if let Some(why) = missing_browser() {
            eprintln!("{test}: skipped: {why}");
            return None;
        }
        let turn = TURN.lock().await;
        let dir = demo_copy();
        add_hostile_feed(&dir);
        let port = free_port();
        let config = dir.path().join("demo.toml");
        // The pages are served where their public address says, as behind a real proxy.
        let text = std::fs::read_to_string(&config).unwrap().replace(
            "public_url = \"http://127.0.0.1:8080/\"",
            &format!("public_url = \"http://127.0.0.1:{port}/\""),
        );
        std::fs::write(&config, text).unwrap();
        newshound(&config, &["run", "--once"]);
        let hits = json_lines(&newshound(&config, &["hits", "--json"]));
        let seed_story = seed_hits(&hits)
            .first()
            .and_then(|hit| hit["story_id"].as_i64())
            .expect("the demo's seed story is a hit");
        let served = Served::web(&config, port, &dir.path().join("web.log")).await;
        let browser = Browser::start(test).await?;
        Some(BrowserDemo {
            browser,
            served,
            seed_story,
            missing_pages: std::sync::Mutex::default(),
            _dir: dir,
            _turn: turn,
        })
    }

    /// Loads `path` at each width and fails the test with every problem the checks of every
    /// page find; a screenshot of each width is saved as `name-WIDTH.png`. The browser stays
    /// on the page at the last width, for the page's own checks.
    async fn check_page(&self, name: &str, path: &str, status: u16) {
        let url = self.served.url(path);
        let answer = get(&url).await;
        assert_eq!(answer.status, status, "GET {path}:\n{}", answer.body);
        assert!(
            answer.header("content-type").starts_with("text/html"),
            "GET {path}: {}",
            answer.header("content-type")
        );
        if status == 404 {
            self.missing_pages.lock().unwrap().push(url.clone());
        }
        let missing = self.missing_pages.lock().unwrap().clone();
        let mut problems = Vec::new();
        for width in WIDTHS {
            let found = page_problems(&self.browser, &url, width, &missing).await;
            let shot = self.browser.screenshot(name, width).await;
            eprintln!("{path} at {width} px: {}", shot.display());
            problems.extend(
                found
                    .into_iter()
                    .map(|p| format!("{path} at {width} px: {p}")),
            );
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Runs `body` in the page the browser is on.
    async fn script(&self, body: &str) -> Value {
        self.browser.script(body).await
    }

    /// How many elements of the page match the CSS `selector`.
    async fn count(&self, selector: &str) -> u64 {
        let body = format!(
            "return document.querySelectorAll({}).length",
            json!(selector)
        );
        self.script(&body).await.as_u64().unwrap_or(0)
    }

    /// The text a reader sees in the first element matching `selector`, `""` when none does.
    async fn text(&self, selector: &str) -> String {
        let body = format!(
            "const e = document.querySelector({}); return e ? e.innerText : ''",
            json!(selector)
        );
        self.script(&body)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn close(self) {
        self.browser.close().await;
    }
}

/// Writes the hostile feed into the demo copy and adds it to its config (before the topics).
fn add_hostile_feed(dir: &tempfile::TempDir) {
    let now = chrono::Utc::now().to_rfc2822();
    let feed = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Hostile &lt;b&gt;Wire&lt;/b&gt;</title>
<link>javascript:alert(1)</link>
<description>A feed that tries to run scripts in the pages.</description>
<language>en</language>
<item>
<title>&lt;img src=x onerror=alert(1)&gt;</title>
<link>javascript:alert(1)</link>
<guid isPermaLink="false">hostile-wire-1</guid>
<pubDate>{now}</pubDate>
<description>&lt;a href="javascript:alert(1)"&gt;Read more&lt;/a&gt; The government agreed an
arms deal on Tuesday: the sale of missiles and artillery to a neighbouring state, worth two
billion, was signed after months of talks about the export.</description>
</item>
</channel></rss>
"#
    );
    std::fs::write(dir.path().join("demo/feeds/hostile-wire.xml"), feed).unwrap();
    let config = dir.path().join("demo.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let block = "[[feeds]]\nurl = \"demo/feeds/hostile-wire.xml\"\nname = \"Hostile wire\"\n\n";
    let text = text.replacen("[[topics]]", &format!("{block}[[topics]]"), 1);
    std::fs::write(&config, text).unwrap();
}

/// What is wrong with the page at `url` at `width` px. `missing` are the pages loaded that
/// answer 404 (this one, maybe), whose failed loads the browser reports, sometimes late.
async fn page_problems(
    browser: &Browser,
    url: &str,
    width: u32,
    missing: &[String],
) -> Vec<String> {
    browser.set_width(width).await;
    browser.console().await;
    browser.open(url).await;
    browser.late_dialogs();
    let mut problems = Vec::new();
    if let Some(text) = browser.dialog().await {
        problems.push(format!("the page opened a dialog: {text:?}"));
    }
    let facts = browser.script(PAGE_FACTS).await;
    problems.extend(fact_problems(&facts, width));
    problems.extend(keyboard_problems(browser).await);
    // A dialog the page opened after the navigation returned, found by the scripts above.
    for said in browser.late_dialogs() {
        let text = said
            .split_once("Alert text : ")
            .map_or(said.as_str(), |(_, rest)| {
                rest.split('}').next().unwrap_or(rest)
            });
        problems.push(format!("the page opened a dialog: {text:?}"));
    }
    for entry in browser.console().await {
        let missing_page = entry.source == "network"
            && missing
                .iter()
                .any(|page| entry.message.starts_with(&format!("{page} ")));
        if entry.is_error() && !missing_page {
            problems.push(format!(
                "console error ({}): {}",
                entry.source, entry.message
            ));
        }
    }
    problems
}

/// The problems [`PAGE_FACTS`] shows.
fn fact_problems(facts: &Value, width: u32) -> Vec<String> {
    let mut problems = Vec::new();
    for (field, what) in [
        ("scripts", "a script element"),
        ("handlers", "an event handler attribute"),
        ("script_addresses", "a javascript: address"),
        ("data_links", "a data: link"),
        ("inline_styles", "an inline style (the CSP blocks it)"),
    ] {
        for element in facts[field].as_array().into_iter().flatten() {
            problems.push(format!("{what}: {element}"));
        }
    }
    let levels: Vec<u64> = facts["headings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    if let Some(problem) = heading_problem(&levels) {
        problems.push(problem);
    }
    let (scroll, client) = (&facts["scroll_width"], &facts["client_width"]);
    if width <= 400 && scroll.as_u64() > client.as_u64() {
        problems.push(format!(
            "scrolls sideways: the page is {scroll} px wide in a {client} px window"
        ));
    }
    if facts["lang"].as_str().is_none_or(str::is_empty) {
        problems.push("the document has no lang".into());
    }
    if facts["stylesheets"] != json!(1) {
        problems.push(format!("{} stylesheets, not one", facts["stylesheets"]));
    }
    problems
}

/// Headings must start with the one `h1` and go down one level at a time (h1, h2, h3, h2...).
fn heading_problem(levels: &[u64]) -> Option<String> {
    if levels.first() != Some(&1) || levels.iter().filter(|&&l| l == 1).count() != 1 {
        return Some(format!("headings {levels:?}: one h1 must come first"));
    }
    let skip = levels.windows(2).find(|pair| pair[1] > pair[0] + 1)?;
    Some(format!(
        "headings {levels:?}: h{} follows h{}, a level is skipped",
        skip[1], skip[0]
    ))
}

/// Walks the page with the Tab key: every link and control must get the focus.
async fn keyboard_problems(browser: &Browser) -> Vec<String> {
    let start = browser.script(KEYBOARD_START).await;
    let mut problems: Vec<String> = start["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p.as_str().unwrap_or_default().to_owned())
        .collect();
    let count = start["count"].as_u64().unwrap_or(0);
    browser.press_tab(usize::try_from(count).unwrap() + 1).await;
    let missed = browser.script(KEYBOARD_MISSED).await;
    for element in missed.as_array().into_iter().flatten() {
        problems.push(format!("the Tab key never reaches {element}"));
    }
    problems
}

/// The checks can fail: on a page that breaks each rule (a script the CSP blocks, an inline
/// style, a stylesheet that is not there, a skipped heading level, a link without an address,
/// a line too wide for a phone) each one reports, and a page without the CSP that opens an
/// alert is caught. Without this the other tests could pass by seeing nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_browser_checks_catch_what_they_look_for() {
    let test = "the_browser_checks_catch_what_they_look_for";
    let _turn = TURN.lock().await;
    let Some(browser) = Browser::start(test).await else {
        return;
    };
    let csp = newshound::web::security::CONTENT_SECURITY_POLICY;
    let broken = "<!DOCTYPE html><html lang=\"en\"><head><title>broken</title>\
        <link rel=\"stylesheet\" href=\"/missing.css\"><link rel=\"icon\" href=\"data:,\">\
        </head><body><h1>Broken</h1><h3>skipped a level</h3><p style=\"color: red\">red</p>\
        <a>nowhere</a><a href=\"/\" tabindex=\"-1\">hidden from Tab</a>\
        <pre>wide-wide-wide-wide-wide-wide-wide-wide-wide-wide-wide-wide-wide-wide-wide</pre>\
        <script>alert(1)</script></body></html>";
    let alerting = "<!DOCTYPE html><html lang=\"en\"><head><title>alert</title>\
        <link rel=\"icon\" href=\"data:,\"></head><body><h1>Alert</h1>\
        <script>alert('ran')</script></body></html>";
    let server = TestServer::start(move |request| match request.target.as_str() {
        "/broken" => Reply::ok("text/html; charset=utf-8", broken)
            .with_header("Content-Security-Policy", csp),
        "/alerting" => Reply::ok("text/html; charset=utf-8", alerting),
        _ => Reply::status(404, &[]),
    })
    .await;

    let problems = page_problems(&browser, &server.url("/broken"), 400, &[]).await;
    let all = problems.join("\n");
    for expected in [
        "Executing inline script violates the following Content Security Policy",
        "Applying inline style violates the following Content Security Policy",
        "missing.css - Failed to load resource: the server responded with a status of 404",
        "h3 follows h1, a level is skipped",
        "a link without href: <a data-keyboard",
        "taken out of the tab order",
        "scrolls sideways",
        "an inline style (the CSP blocks it)",
        "a script element",
    ] {
        assert!(all.contains(expected), "{expected:?} not reported:\n{all}");
    }
    let problems = page_problems(&browser, &server.url("/alerting"), 1400, &[]).await;
    assert!(
        problems.contains(&"the page opened a dialog: \"ran\"".to_owned()),
        "{problems:?}"
    );
    browser.close().await;
}

/// `/` lists both topics of the demo with their charts and passes every check at both widths.
/// Needs the overview page (the skeleton's is a stub without charts).
#[tokio::test(flavor = "multi_thread")]
async fn overview_in_a_real_browser() {
    let Some(demo) = BrowserDemo::start("overview_in_a_real_browser").await else {
        return;
    };
    demo.check_page("overview", "/", 200).await;
    let links = demo
        .script("return [...document.querySelectorAll('main a')].map(a => a.getAttribute('href'))")
        .await;
    for topic in ["/topics/Arms%20deals", "/topics/Summit%20meetings"] {
        assert!(
            links.as_array().unwrap().contains(&json!(topic)),
            "no link to {topic}: {links}"
        );
    }
    // One inline SVG chart per topic with hits.
    let charts = demo.count("main svg").await;
    assert!(charts >= 2, "{charts} charts");
    demo.close().await;
}

/// The topic page lists the demo's arms stories once each (the seed story's three copies folded
/// into one entry), shows the hostile title as literal text without running it, and its feed
/// link (`<link rel=alternate>`, and the one in `.feedlinks`) answers a parseable Atom feed.
/// Needs the topic page and its Atom feed.
#[tokio::test(flavor = "multi_thread")]
async fn topic_page_shows_the_hostile_title_as_text_and_links_its_feed() {
    let test = "topic_page_shows_the_hostile_title_as_text_and_links_its_feed";
    let Some(demo) = BrowserDemo::start(test).await else {
        return;
    };
    demo.check_page("topic-arms-deals", "/topics/Arms%20deals", 200)
        .await;
    let text = demo.text("main").await;
    assert!(
        text.contains(HOSTILE_TITLE),
        "the hostile title is not shown as text:\n{text}"
    );
    assert_eq!(demo.count("img").await, 0, "an image appeared from a title");
    assert!(demo.browser.dialog().await.is_none());

    let stories = demo.count(".stories > li.story").await;
    assert_eq!(
        stories, 3,
        "the seed, the air-defence sale, the hostile item"
    );
    let seed = format!("/stories/{}", demo.seed_story);
    let seed_entries = demo
        .script(&format!(
            "return [...document.querySelectorAll('.stories > li.story')]
                .filter(li => li.querySelector('a[href=\"{seed}\"]')).length"
        ))
        .await;
    assert_eq!(
        seed_entries,
        json!(1),
        "the seed story once, linking {seed}"
    );

    let feed_links = demo
        .script(
            "return [document.querySelector('link[rel=alternate][type=\"application/atom+xml\"]'),
                     document.querySelector('.feedlinks a[href$=\".atom\"]')]
                .map(e => e ? e.href : null)",
        )
        .await;
    let feed_links: Vec<&str> = feed_links
        .as_array()
        .unwrap()
        .iter()
        .map(|link| {
            link.as_str()
                .expect("an Atom link in the head and in .feedlinks")
        })
        .collect();
    assert_eq!(feed_links[0], feed_links[1]);
    assert_eq!(
        feed_links[0],
        demo.served.url("/topics/Arms%20deals.atom"),
        "the topic's Atom feed"
    );
    let atom = get(feed_links[0]).await;
    assert_eq!(atom.status, 200, "{}", atom.body);
    assert!(
        atom.header("content-type")
            .starts_with("application/atom+xml"),
        "{}",
        atom.header("content-type")
    );
    let parsed = feed_rs::parser::parse(atom.body.as_bytes()).expect("a valid Atom feed");
    let titles: Vec<String> = parsed
        .entries
        .iter()
        .filter_map(|entry| entry.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("Kim Jong-un")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains(HOSTILE_TITLE)),
        "the hostile title, escaped once: {titles:?}"
    );
    demo.close().await;
}

/// The seed story's page shows its three copies (one row each in the copies table), its text in
/// German with the matched words marked, and both topics that hit it. Needs the story page.
#[tokio::test(flavor = "multi_thread")]
async fn seed_story_page_lists_its_three_copies() {
    let Some(demo) = BrowserDemo::start("seed_story_page_lists_its_three_copies").await else {
        return;
    };
    let path = format!("/stories/{}", demo.seed_story);
    demo.check_page("story-seed", &path, 200).await;
    // The demo's copies are local files, which the pages show as text rather than links.
    assert_eq!(
        demo.count("table.copies-table tbody tr").await,
        3,
        "the seed story's copies"
    );
    assert!(
        demo.count("main mark").await >= 1,
        "no matched word is marked"
    );
    let german = demo.count("main [lang=\"de\"]").await;
    assert!(german >= 1, "the German text carries no lang=\"de\"");
    let text = demo.text("main").await;
    for topic in ["Arms deals", "Summit meetings"] {
        assert!(text.contains(topic), "{topic} is not named:\n{text}");
    }
    demo.close().await;
}

/// `/search?q=Putin` finds the seed story. Needs the search page.
#[tokio::test(flavor = "multi_thread")]
async fn search_page_in_a_real_browser() {
    let Some(demo) = BrowserDemo::start("search_page_in_a_real_browser").await else {
        return;
    };
    demo.check_page("search-putin", "/search?q=Putin", 200)
        .await;
    let seed = format!("/stories/{}", demo.seed_story);
    let found = demo.count(&format!("main a[href=\"{seed}\"]")).await;
    assert!(found >= 1, "no link to the seed story {seed}");
    demo.close().await;
}

/// `/feeds` names every configured feed, the hostile one too. Needs the feeds page.
#[tokio::test(flavor = "multi_thread")]
async fn feeds_page_in_a_real_browser() {
    let Some(demo) = BrowserDemo::start("feeds_page_in_a_real_browser").await else {
        return;
    };
    demo.check_page("feeds", "/feeds", 200).await;
    let text = demo.text("main").await;
    for (name, file) in [
        ("Rheinblick", "rheinblick.xml"),
        ("Elbe-Bote", "elbe-bote.json"),
        ("Harbour Ledger", "harbour-ledger.atom"),
        ("Nachrichten-Ticker", "nachrichten-ticker.xml"),
        ("Hostile", "hostile-wire.xml"),
    ] {
        assert!(
            text.contains(name) || text.contains(file),
            "{name} is not listed:\n{text}"
        );
    }
    demo.close().await;
}

/// `/outbox` shows the demo's alert email as sent. Needs the outbox page.
#[tokio::test(flavor = "multi_thread")]
async fn outbox_page_in_a_real_browser() {
    let Some(demo) = BrowserDemo::start("outbox_page_in_a_real_browser").await else {
        return;
    };
    demo.check_page("outbox", "/outbox", 200).await;
    let text = demo.text("main").await;
    assert!(text.contains("[newshound]"), "no email subject:\n{text}");
    assert!(text.contains("sent"), "no status:\n{text}");
    demo.close().await;
}

/// A story that does not exist and an unknown address show the error page, which passes every
/// check too (its own 404 aside).
#[tokio::test(flavor = "multi_thread")]
async fn error_pages_in_a_real_browser() {
    let Some(demo) = BrowserDemo::start("error_pages_in_a_real_browser").await else {
        return;
    };
    demo.check_page("not-found", "/no/such/page", 404).await;
    demo.check_page("story-not-found", "/stories/999999999", 404)
        .await;
    assert_eq!(demo.text("h1").await, "404 Not Found");
    demo.close().await;
}
