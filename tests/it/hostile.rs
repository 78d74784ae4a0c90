//! Hostile servers (issue 8): the real `newshound run --once` binary against the loopback
//! [`HostileServer`], one behaviour per test, each beside a well-behaved feed in the same cycle.
//! Every test checks that the run ends in bounded time with bounded peak memory, that the good
//! feed's articles were stored, and that the hostile feed (or page) ends as it should: a clear
//! error recorded against it that names it, or, where the input can be handled safely (entities
//! left unexpanded, encodings repaired, deep nesting flattened, huge feeds cut down), its items
//! stored with bounded text.

use std::path::Path;
use std::time::{Duration, Instant};

use newshound::store::{FeedState, Store, StoredArticle};

use crate::support::hostile_server::{GOOD_TITLES, HostileServer};
use crate::support::{TestConfig, command, feed, newshound};

/// A run that takes longer than this is killed and fails its test.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Peak resident memory allowed to one run, in MiB (a run over two small feeds peaks at about
/// 30 MiB in a debug build).
const MEMORY_LIMIT_MIB: u64 = 300;

/// `[daemon]` lines shared by the tests: short timeouts, a 1 MiB body cap, no page fetches.
const FEEDS_ONLY: &str =
    "request_timeout = \"3s\"\nmax_body_bytes = \"1MiB\"\nfetch_articles = false";

/// How a `run --once` child ended.
struct Run {
    /// Its standard output (the cycle summary).
    stdout: String,
    /// Its standard error (warnings, logs).
    stderr: String,
    /// Wall time from spawn to exit.
    elapsed: Duration,
    /// Peak resident set size (`VmHWM`), in MiB.
    peak_mib: u64,
}

impl Run {
    /// The `feeds: N ok, M not modified, K failed` counts as (ok, failed).
    fn feeds(&self) -> (usize, usize) {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with("feeds: "))
            .unwrap_or_else(|| panic!("no summary line in:\n{}", self.stdout));
        let number_before = |word: &str| -> usize {
            let end = line.find(word).unwrap();
            let start = line[..end - 1].rfind(' ').unwrap() + 1;
            line[start..end - 1].parse().unwrap()
        };
        (number_before("ok"), number_before("failed"))
    }
}

/// Runs `newshound run --once --all` on `config`, polling the child's memory high-water mark
/// (`VmHWM`, which the kernel keeps, so only a peak in the last poll interval before exit could
/// be missed); fails the test when the run exceeds [`TIME_LIMIT`] or [`MEMORY_LIMIT_MIB`] or
/// exits unsuccessfully. (`ru_maxrss` from `wait4` cannot be used: a spawned child starts with
/// the test process's high-water mark, which other tests' servers drive up.)
async fn run_bounded(name: &str, config: &TestConfig) -> Run {
    let out_path = config.dir.path().join("stdout.txt");
    let err_path = config.dir.path().join("stderr.txt");
    let started = Instant::now();
    let mut child = command(&config.path(), &["run", "--once", "--all"])
        .env("RUST_LOG", "warn")
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let mut peak_kib = 0;
    let status = loop {
        peak_kib = peak_kib.max(high_water_kib(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{name}: run still going after {TIME_LIMIT:?}; killed");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let run = Run {
        stdout: std::fs::read_to_string(&out_path).unwrap(),
        stderr: std::fs::read_to_string(&err_path).unwrap(),
        elapsed: started.elapsed(),
        peak_mib: peak_kib / 1024,
    };
    eprintln!(
        "hostile {name}: {:.2} s, peak RSS {} MiB",
        run.elapsed.as_secs_f64(),
        run.peak_mib
    );
    assert!(
        status.success(),
        "{name}: run failed ({status}):\n{}",
        run.stderr
    );
    assert!(peak_kib > 0, "{name}: memory never measured");
    assert!(
        run.peak_mib < MEMORY_LIMIT_MIB,
        "{name}: peak RSS {} MiB",
        run.peak_mib
    );
    run
}

/// `VmHWM` of a running process, in KiB; `None` once it has exited.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The persisted state of the feed configured as `url`.
fn state(config: &TestConfig, url: &str) -> FeedState {
    Store::open(&config.database())
        .unwrap()
        .feed_state(url)
        .unwrap()
        .expect("feed row exists")
}

/// The error recorded against the feed configured as `url`; fails the test when its last poll
/// did not fail.
fn feed_error(config: &TestConfig, url: &str) -> String {
    let s = state(config, url);
    assert_eq!(s.last_status.as_deref(), Some("error"), "{url}: {s:?}");
    assert_eq!(s.consecutive_errors, 1);
    s.last_error.expect("a failed poll records its error")
}

/// Prints a feed's state and its articles' titles (shown with `--nocapture`).
fn show(config: &TestConfig, url: &str) {
    let s = state(config, url);
    eprintln!(
        "  {url}: status {:?}, items {}, error {:?}",
        s.last_status, s.item_count, s.last_error
    );
    for a in articles(config)
        .iter()
        .filter(|a| a.feed_url == url)
        .take(3)
    {
        let text: String = a
            .text
            .as_deref()
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect();
        eprintln!("    {:?} / {:?} / {text:?}", a.url, a.title);
    }
}

fn articles(config: &TestConfig) -> Vec<StoredArticle> {
    Store::open(&config.database()).unwrap().articles().unwrap()
}

/// The one article stored from the feed configured as `url`, which must have polled fine.
fn only_article(config: &TestConfig, url: &str) -> StoredArticle {
    show(config, url);
    let s = state(config, url);
    assert_eq!(s.last_status.as_deref(), Some("ok"), "{s:?}");
    let mut from_feed: Vec<StoredArticle> = articles(config)
        .into_iter()
        .filter(|a| a.feed_url == url)
        .collect();
    assert_eq!(from_feed.len(), 1, "{url}");
    from_feed.remove(0)
}

/// The good feed of the cycle was polled and all its items stored.
fn assert_good_feed_stored(config: &TestConfig, server: &HostileServer) {
    let good = state(config, &server.url("/good.xml"));
    assert_eq!(good.last_status.as_deref(), Some("ok"), "{good:?}");
    assert_eq!(good.item_count, GOOD_TITLES.len() as i64);
    let titles: Vec<String> = articles(config)
        .into_iter()
        .filter_map(|a| a.title)
        .collect();
    for title in GOOD_TITLES {
        assert!(
            titles.iter().any(|t| t == title),
            "{title} not in {titles:?}"
        );
    }
}

/// A config with the good feed and the given hostile feed paths.
fn config_with(server: &HostileServer, daemon: &str, hostile: &[&str]) -> TestConfig {
    let mut feeds = feed(&server.url("/good.xml"), "good");
    for (i, path) in hostile.iter().enumerate() {
        feeds.push_str(&feed(&server.url(path), &format!("hostile-{i}")));
    }
    TestConfig::new(daemon, &feeds)
}

/// Runs one cycle with the good feed and one hostile feed that must fail; returns its error
/// without the feed's URL (which it must name), so tests check the words, not the path.
async fn failing_feed(name: &str, daemon: &str, path: &str) -> (Run, String) {
    let server = HostileServer::start().await;
    let config = config_with(&server, daemon, &[path]);
    let run = run_bounded(name, &config).await;
    assert_eq!(run.feeds(), (1, 1), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    let error = feed_error(&config, &server.url(path));
    eprintln!("hostile {name}: recorded error: {error}");
    let url = server.url(path);
    assert!(
        error.contains(&url),
        "error does not name the feed: {error}"
    );
    // `newshound feeds` shows the operator the same error on the feed's line.
    let listing = newshound(&config.path(), &["feeds"]);
    let line = listing
        .lines()
        .find(|l| l.starts_with("hostile-0 "))
        .unwrap();
    assert!(line.ends_with(&error), "{line}");
    (run, error.replace(&url, ""))
}

/// Every byte of the database files (main file and WAL), to search for leaked content.
fn database_bytes(config: &TestConfig) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        let path = format!("{}{suffix}", config.database().display());
        if let Ok(content) = std::fs::read(Path::new(&path)) {
            bytes.extend(content);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A gzip body that inflates to gigabytes is cut off at `max_body_bytes` of decompressed data,
/// not buffered.
#[tokio::test]
async fn gzip_bomb_feed_is_cut_off_at_the_decompressed_limit() {
    let (_, error) = failing_feed("gzip bomb", FEEDS_ONLY, "/gzip-bomb.xml").await;
    assert!(error.contains("larger than 1048576 bytes"), "{error}");
}

/// A chunked body that never ends is cut off at the size limit.
#[tokio::test]
async fn endless_chunked_feed_is_cut_off_at_the_limit() {
    let (_, error) = failing_feed("endless chunked", FEEDS_ONLY, "/endless.xml").await;
    assert!(error.contains("larger than 1048576 bytes"), "{error}");
}

/// Slowloris: a server that sends one byte per second, in the body or in the headers, never
/// resets the clock: the whole fetch ends at `request_timeout`.
#[tokio::test]
async fn slowloris_feeds_time_out_at_the_request_timeout() {
    let server = HostileServer::start().await;
    let daemon = "request_timeout = \"2s\"\nfetch_articles = false";
    let slow = ["/slow-body.xml", "/slow-headers.xml"];
    let config = config_with(&server, daemon, &slow);
    let run = run_bounded("slowloris", &config).await;
    assert_eq!(run.feeds(), (1, 2), "{}", run.stdout);
    assert!(run.elapsed < Duration::from_secs(15), "{:?}", run.elapsed);
    assert_good_feed_stored(&config, &server);
    for path in slow {
        let error = feed_error(&config, &server.url(path));
        assert!(error.contains("timed out after 2s"), "{error}");
    }
}

/// A redirect chain that never ends stops after five hops.
#[tokio::test]
async fn redirect_loop_stops_after_five_hops() {
    let (_, error) = failing_feed("redirect loop", FEEDS_ONLY, "/redirect-loop.xml").await;
    assert!(error.contains("more than 5 redirects"), "{error}");
}

/// A feed's server must not send newshound to a private address another host owns (an
/// internal service, the cloud metadata endpoint, a name that resolves to loopback): the
/// redirect is refused before connecting, while redirects within the feed's own host still work.
#[tokio::test]
async fn redirect_to_a_private_address_is_refused() {
    let server = HostileServer::start().await;
    let hostile = [
        "/redirect-private.xml",
        "/redirect-metadata.xml",
        "/redirect-localhost.xml",
    ];
    let config = config_with(&server, FEEDS_ONLY, &hostile);
    let run = run_bounded("redirect to private", &config).await;
    assert_eq!(run.feeds(), (1, 3), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    let addresses = ["10.0.0.1", "169.254.169.254", "127.0.0.1"];
    for (path, address) in hostile.iter().zip(addresses) {
        let error = feed_error(&config, &server.url(path));
        eprintln!("hostile redirect to private: recorded error: {error}");
        let named = format!("{}: redirected to http://", server.url(path));
        assert!(error.starts_with(&named), "{error}");
        assert!(error.contains("refused"), "{error}");
        assert!(error.contains(address), "{error}");
    }
}

/// 10 MB of response headers are rejected by the HTTP client, not buffered.
#[tokio::test]
async fn ten_megabytes_of_headers_are_rejected() {
    let (_, error) = failing_feed("huge headers", FEEDS_ONLY, "/huge-headers.xml").await;
    assert!(error.contains("response headers too large"), "{error}");
}

/// Invalid UTF-8 and mislabelled encodings (windows-1252 and UTF-16 labelled UTF-8) are
/// repaired: each item is stored with valid text, the mislabelled ones with the right letters.
#[tokio::test]
async fn invalid_and_mislabelled_encodings_are_repaired() {
    let server = HostileServer::start().await;
    let hostile = [
        "/invalid-utf8.xml",
        "/mislabelled.xml",
        "/utf16-as-utf8.xml",
    ];
    let config = config_with(&server, FEEDS_ONLY, &hostile);
    let run = run_bounded("encodings", &config).await;
    assert_eq!(run.feeds(), (4, 0), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    // Invalid UTF-8 is taken for the single-byte encoding it most likely is: wrong letters,
    // but valid text (it reads back as a Rust String) and the rest of the item intact.
    let invalid = only_article(&config, &server.url("/invalid-utf8.xml"));
    assert!(invalid.title.unwrap().starts_with("Broken "));
    let mislabelled = only_article(&config, &server.url("/mislabelled.xml"));
    assert_eq!(mislabelled.title.as_deref(), Some("Café crème à Zürich"));
    assert_eq!(mislabelled.text.as_deref(), Some("“Quoted” – dash"));
    let wide = only_article(&config, &server.url("/utf16-as-utf8.xml"));
    assert_eq!(wide.title.as_deref(), Some("Wide title"));
}

/// Billion laughs: entity definitions in the DTD are not expanded (quick-xml leaves unknown
/// entity references as written), so the document costs what its bytes cost.
#[tokio::test]
async fn billion_laughs_is_not_expanded() {
    let server = HostileServer::start().await;
    let config = config_with(&server, FEEDS_ONLY, &["/billion-laughs.xml"]);
    let run = run_bounded("billion laughs", &config).await;
    assert_eq!(run.feeds(), (2, 0), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    let article = only_article(&config, &server.url("/billion-laughs.xml"));
    assert_eq!(article.title.as_deref(), Some("Laugh &lol9;"));
    assert!(!article.text.unwrap_or_default().contains("lollol"));
    assert!(database_bytes(&config).len() < 10_000_000);
}

/// An external entity pointing at a local file is never read: the reference stays as written,
/// and the file's marker appears nowhere in the database or the output.
#[tokio::test]
async fn external_entity_does_not_read_local_files() {
    let server = HostileServer::start().await;
    let secret_dir = tempfile::tempdir().unwrap();
    let secret = secret_dir.path().join("secret.txt");
    let marker = "MARKER-3f9a1c-local-file-content";
    std::fs::write(&secret, marker).unwrap();
    let path = format!("/external-entity.xml?path={}", secret.display());
    let config = config_with(&server, FEEDS_ONLY, &[&path]);
    let run = run_bounded("external entity", &config).await;
    assert_eq!(run.feeds(), (2, 0), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    let article = only_article(&config, &server.url(&path));
    assert_eq!(article.title.as_deref(), Some("Secret &xxe;"));
    assert!(!contains(&database_bytes(&config), marker));
    assert!(!run.stdout.contains(marker) && !run.stderr.contains(marker));
}

/// An item whose description nests 100,000 elements is stored as its text, without
/// overflowing a stack or stalling the cycle.
#[tokio::test]
async fn deeply_nested_description_is_stored_as_text() {
    let server = HostileServer::start().await;
    let daemon = "max_body_bytes = \"4MiB\"\nfetch_articles = false";
    let config = config_with(&server, daemon, &["/nested-description.xml"]);
    let run = run_bounded("nested description", &config).await;
    assert_eq!(run.feeds(), (2, 0), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    let article = only_article(&config, &server.url("/nested-description.xml"));
    assert_eq!(
        article.text.as_deref(),
        Some("Deep text at the bottom of the nesting.")
    );
}

/// A feed that nests 100,000 XML elements is refused by the XML reader's depth limit, as that
/// feed's error, instead of overflowing a stack.
#[tokio::test]
async fn deeply_nested_xml_is_a_clear_error() {
    let daemon = "max_body_bytes = \"4MiB\"\nfetch_articles = false";
    let (_, error) = failing_feed("nested xml", daemon, "/nested-xml.xml").await;
    assert!(error.contains("malformed xml"), "{error}");
    assert!(error.contains("deeper than the supported limit"), "{error}");
}

/// Article pages that bomb, nest 100,000 levels deep, trickle one byte per second or lie about
/// their encoding fail or extract on their own, each as the right outcome; the good pages of
/// the same cycle are extracted.
#[tokio::test]
async fn hostile_article_pages_fail_alone() {
    let server = HostileServer::start().await;
    let links =
        "/links.xml?to=/page/a,/gzip-bomb.html,/nested.html,/slow-body.html,/mislabelled.html";
    let daemon =
        "request_timeout = \"2s\"\nmax_body_bytes = \"2MiB\"\nallow_private_networks = true";
    let config = TestConfig::new(
        daemon,
        &(feed(&server.url("/good.xml"), "good") + &feed(&server.url(links), "links")),
    );
    let run = run_bounded("hostile pages", &config).await;
    assert_eq!(run.feeds(), (2, 0), "{}", run.stdout);
    let page = |suffix: &str| {
        articles(&config)
            .into_iter()
            .find(|a| a.url.as_deref().is_some_and(|u| u.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no article for {suffix}"))
    };
    for good in ["/page/0", "/page/1", "/page/2", "/page/a"] {
        let article = page(good);
        assert_eq!(article.text_source.as_deref(), Some("page"), "{good}");
    }
    // A bomb will be as large next time: the page is given up and the feed's text used.
    let bomb = page("/gzip-bomb.html");
    assert_eq!(bomb.page_status, "failed");
    assert_eq!(bomb.text_source.as_deref(), Some("feed_summary"));
    let error = bomb.page_error.unwrap_or_default();
    assert!(error.contains("larger than 2097152 bytes"), "{error}");
    // A timeout may pass: the page stays pending for the next refresh.
    let slow = page("/slow-body.html");
    assert_eq!(slow.page_status, "pending");
    let error = slow.page_error.unwrap_or_default();
    assert!(error.contains("timed out after 2s"), "{error}");
    let nested = page("/nested.html");
    assert_eq!(nested.page_status, "ok", "{:?}", nested.page_error);
    assert!(nested.text.is_some_and(|t| t.contains("Deep text")));
    // windows-1252 labelled UTF-8 keeps its letters.
    let mislabelled = page("/mislabelled.html");
    assert_eq!(mislabelled.text_source.as_deref(), Some("page"));
    let text = mislabelled.text.unwrap_or_default();
    assert!(text.contains("Story /Zürich: the council met"), "{text}");
}

/// A feed with 100,000 items is stored in bounded time and memory: its newest
/// [`newshound::parse::MAX_ENTRIES`] entries are taken (document order when undated) and the
/// rest are logged as dropped.
#[tokio::test]
async fn feed_with_a_hundred_thousand_items_is_bounded() {
    let server = HostileServer::start().await;
    let daemon = "request_timeout = \"20s\"\nmax_body_bytes = \"32MiB\"\nfetch_articles = false";
    let config = config_with(&server, daemon, &["/many-items.xml"]);
    let run = run_bounded("100,000 items", &config).await;
    assert_eq!(run.feeds(), (2, 0), "{}", run.stdout);
    assert_good_feed_stored(&config, &server);
    show(&config, &server.url("/many-items.xml"));
    let s = state(&config, &server.url("/many-items.xml"));
    assert_eq!(s.item_count, newshound::parse::MAX_ENTRIES as i64, "{s:?}");
    assert!(
        run.stderr.contains("only the newest are taken"),
        "{}",
        run.stderr
    );
}

/// One item with a 50 MB description: refused at a small body limit; parsed within the memory
/// limit when an operator raised `max_body_bytes` above it: the text run is cut before parsing
/// and the stored text to [`newshound::parse::MAX_TEXT_BYTES`].
#[tokio::test]
async fn fifty_megabyte_description_is_bounded() {
    let (_, error) = failing_feed("50 MB description", FEEDS_ONLY, "/huge-description.xml").await;
    assert!(error.contains("larger than 1048576 bytes"), "{error}");

    let server = HostileServer::start().await;
    let daemon = "request_timeout = \"20s\"\nmax_body_bytes = \"64MiB\"\nfetch_articles = false";
    let config = config_with(&server, daemon, &["/huge-description.xml"]);
    let run = run_bounded("50 MB description, 64 MiB limit", &config).await;
    assert_eq!(run.feeds(), (2, 0), "{}", run.stdout);
    // The body itself (64 MiB of buffer) and a little more: the run is cut before parsing.
    assert!(run.peak_mib < 160, "peak RSS {} MiB", run.peak_mib);
    assert_good_feed_stored(&config, &server);
    let article = only_article(&config, &server.url("/huge-description.xml"));
    let text = article.text.unwrap_or_default();
    assert!(
        text.starts_with("council budget harbour bridge"),
        "{text:.80}"
    );
    assert!(
        text.len() <= newshound::parse::MAX_TEXT_BYTES,
        "{}",
        text.len()
    );
}

/// A JSON Feed whose fields have the wrong types is that feed's clear error.
#[tokio::test]
async fn json_feed_with_wrong_types_is_a_clear_error() {
    let (_, error) = failing_feed("json wrong types", FEEDS_ONLY, "/wrong-types.json").await;
    assert!(error.contains("malformed json feed"), "{error}");
    assert!(error.contains("invalid type"), "{error}");
}
