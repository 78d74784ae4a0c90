//! Feed fetching end to end through `run --once`: conditional requests, status handling,
//! limits, politeness and the address guard, against a real HTTP server on 127.0.0.1.

use chrono::Utc;
use newshound::daemon::run_once;
use newshound::store::Store;

use crate::support::{Reply, TestConfig, TestServer, article_page, feed, rss};

const RSS: &str = "application/rss+xml";

fn state(config: &TestConfig, url: &str) -> newshound::store::FeedState {
    Store::open(&config.database())
        .unwrap()
        .feed_state(url)
        .unwrap()
        .expect("feed row exists")
}

/// The second poll must be conditional, echo the validators exactly, and a 304 must store
/// nothing new.
#[tokio::test]
async fn second_poll_is_conditional_and_not_modified_stores_nothing() {
    let server = TestServer::start(|req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            return Reply::status(304, &[("ETag", "\"v1\"")]);
        }
        Reply::ok(RSS, rss(&[("One", "http://example.com/1")]))
            .with_header("ETag", "\"v1\"")
            .with_header("Last-Modified", "Wed, 21 Oct 2026 07:28:00 GMT")
    })
    .await;
    let url = server.url("/feed.xml");
    let config = TestConfig::new("fetch_articles = false", &feed(&url, "test"));
    let first = run_once(&config.load(), true).await.unwrap();
    assert_eq!((first.ok, first.new_articles), (1, 1));
    let second = run_once(&config.load(), true).await.unwrap();
    assert_eq!((second.not_modified, second.new_articles), (1, 0));

    let requests = server.requests_to("/feed.xml");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("if-none-match"), None);
    assert_eq!(requests[0].header("if-modified-since"), None);
    assert_eq!(requests[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(
        requests[1].header("if-modified-since"),
        Some("Wed, 21 Oct 2026 07:28:00 GMT")
    );
    let store = Store::open(&config.database()).unwrap();
    assert_eq!(store.article_count().unwrap(), 1);
    assert_eq!(
        state(&config, &url).last_status.as_deref(),
        Some("not_modified")
    );
}

/// A 429 with Retry-After pushes the next poll at least that far, and a due-only run leaves
/// the feed alone meanwhile.
#[tokio::test]
async fn retry_after_is_respected() {
    let server = TestServer::start(|_| Reply::status(429, &[("Retry-After", "7200")])).await;
    let url = server.url("/feed.xml");
    let config = TestConfig::new("", &feed(&url, "busy"));
    let before = Utc::now();
    let summary = run_once(&config.load(), false).await.unwrap();
    assert_eq!(summary.failed, 1);
    let s = state(&config, &url);
    // Times are stored in whole seconds.
    assert!(s.next_poll_at.timestamp() >= before.timestamp() + 7200);
    assert!(s.last_error.unwrap().contains("429"));
    let again = run_once(&config.load(), false).await.unwrap();
    assert_eq!(again.not_due, 1);
    assert_eq!(server.requests().len(), 1);
}

/// A 301 updates the stored feed URL; the next poll goes straight to the new place, without a
/// Referer.
#[tokio::test]
async fn permanent_redirect_updates_the_feed_url() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/old.xml" => Reply::status(301, &[("Location", "/new.xml")]),
        _ => Reply::ok(RSS, rss(&[("One", "http://example.com/1")])),
    })
    .await;
    let old = server.url("/old.xml");
    let config = TestConfig::new("fetch_articles = false", &feed(&old, "moving"));
    run_once(&config.load(), true).await.unwrap();
    assert_eq!(state(&config, &old).url, server.url("/new.xml"));
    run_once(&config.load(), true).await.unwrap();
    assert_eq!(server.requests_to("/old.xml").len(), 1);
    let new_requests = server.requests_to("/new.xml");
    assert_eq!(new_requests.len(), 2);
    assert!(new_requests.iter().all(|r| r.header("referer").is_none()));
}

/// 410 Gone disables the feed with a reason, and it is not polled again.
#[tokio::test]
async fn gone_feed_is_disabled() {
    let server = TestServer::start(|_| Reply::status(410, &[])).await;
    let url = server.url("/gone.xml");
    let config = TestConfig::new("", &feed(&url, "gone"));
    let first = run_once(&config.load(), true).await.unwrap();
    assert_eq!(first.disabled, 1);
    assert!(
        state(&config, &url)
            .disabled_reason
            .unwrap()
            .contains("410")
    );
    let second = run_once(&config.load(), true).await.unwrap();
    assert_eq!(second.disabled, 1);
    assert_eq!(server.requests().len(), 1);
}

/// A body over the limit, announced or endless, is cut off and recorded as the feed's error.
#[tokio::test]
async fn oversize_and_endless_bodies_are_cut_off() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/big.xml" => Reply::ok(RSS, vec![b' '; 200_000]),
        _ => Reply::Endless,
    })
    .await;
    let (big, endless) = (server.url("/big.xml"), server.url("/endless.xml"));
    let config = TestConfig::new(
        "max_body_bytes = \"64KiB\"",
        &(feed(&big, "big") + &feed(&endless, "endless")),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(summary.failed, 2);
    for url in [&big, &endless] {
        let error = state(&config, url).last_error.unwrap();
        assert!(error.contains("larger than 65536 bytes"), "{error}");
    }
}

/// A server that never answers times out, while the other feeds of the cycle complete.
#[tokio::test]
async fn silent_server_times_out_and_others_complete() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/hang.xml" => Reply::Hang,
        _ => Reply::ok(RSS, rss(&[("One", "http://example.com/1")])),
    })
    .await;
    let (hang, good) = (server.url("/hang.xml"), server.url("/good.xml"));
    let config = TestConfig::new(
        "fetch_articles = false",
        &(feed(&hang, "hang") + &feed(&good, "good")),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(
        (summary.ok, summary.failed, summary.new_articles),
        (1, 1, 1)
    );
    assert!(
        state(&config, &hang)
            .last_error
            .unwrap()
            .contains("timed out")
    );
    assert_eq!(state(&config, &good).last_status.as_deref(), Some("ok"));
}

/// Malformed XML is that feed's recorded error, never an empty success.
#[tokio::test]
async fn malformed_xml_is_recorded_as_the_feeds_error() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/broken.xml" => Reply::ok(RSS, "<rss version=\"2.0\"><channel><item><title>x</ti"),
        _ => Reply::ok(RSS, rss(&[("One", "http://example.com/1")])),
    })
    .await;
    let (broken, good) = (server.url("/broken.xml"), server.url("/good.xml"));
    let config = TestConfig::new(
        "fetch_articles = false",
        &(feed(&broken, "broken") + &feed(&good, "good")),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!((summary.ok, summary.failed), (1, 1));
    let s = state(&config, &broken);
    assert_eq!(s.last_status.as_deref(), Some("error"));
    assert!(s.last_error.is_some_and(|e| !e.is_empty()));
    assert_eq!(s.consecutive_errors, 1);
}

/// Relative item links resolve against the feed's URL, and the page text is stored.
#[tokio::test]
async fn relative_item_links_resolve_against_the_feed() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/feeds/news.xml" => Reply::ok(RSS, rss(&[("Budget", "../articles/budget.html")])),
        _ => Reply::ok("text/html; charset=utf-8", article_page("Budget")),
    })
    .await;
    let config = TestConfig::new(
        "allow_private_networks = true",
        &feed(&server.url("/feeds/news.xml"), "news"),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!((summary.new_articles, summary.pages_ok), (1, 1));
    let articles = Store::open(&config.database()).unwrap().articles().unwrap();
    assert_eq!(
        articles[0].url.as_deref(),
        Some(server.url("/articles/budget.html").as_str())
    );
    assert!(
        articles[0]
            .text
            .as_deref()
            .unwrap_or_default()
            .contains("the council met")
    );
}

/// Article links come from the network: one pointing to a private address (by IP or by a name
/// that resolves there) is refused and recorded unless allow_private_networks is set.
#[tokio::test]
async fn article_link_to_private_address_is_refused_unless_allowed() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/feed.xml" => {
            let host = req.header("host").unwrap_or_default();
            let port = host.rsplit(':').next().unwrap_or_default();
            let by_ip = format!("http://{host}/private-a");
            let by_name = format!("http://localhost:{port}/private-b");
            Reply::ok(RSS, rss(&[("By IP", &by_ip), ("By name", &by_name)]))
        }
        _ => Reply::ok("text/html", article_page("Secret")),
    })
    .await;
    let feed_block = feed(&server.url("/feed.xml"), "internal");

    let guarded = TestConfig::new("", &feed_block);
    let summary = run_once(&guarded.load(), true).await.unwrap();
    assert_eq!((summary.new_articles, summary.pages_failed), (2, 2));
    assert!(server.requests_to("/private-a").is_empty());
    assert!(server.requests_to("/private-b").is_empty());
    for article in Store::open(&guarded.database())
        .unwrap()
        .articles()
        .unwrap()
    {
        assert_eq!(article.page_status, "failed");
        assert!(article.page_error.unwrap().contains("refused"));
    }

    let allowed = TestConfig::new("allow_private_networks = true", &feed_block);
    let summary = run_once(&allowed.load(), true).await.unwrap();
    assert_eq!(summary.pages_ok, 2);
    assert_eq!(server.requests_to("/private-a").len(), 1);
}

/// next_poll_at is persisted: a new process continues the schedule instead of polling at once.
#[tokio::test]
async fn next_poll_survives_a_restart() {
    let server =
        TestServer::start(|_| Reply::ok(RSS, rss(&[("One", "http://example.com/1")]))).await;
    let url = server.url("/feed.xml");
    let config = TestConfig::new("fetch_articles = false", &feed(&url, "steady"));
    run_once(&config.load(), false).await.unwrap();
    let scheduled = state(&config, &url).next_poll_at;
    assert!(scheduled > Utc::now() + chrono::Duration::minutes(14));
    let after_restart = run_once(&config.load(), false).await.unwrap();
    assert_eq!((after_restart.not_due, after_restart.ok), (1, 0));
    assert_eq!(state(&config, &url).next_poll_at, scheduled);
    assert_eq!(server.requests().len(), 1);
}

/// Politeness as publishers score feed readers: compression, an informative User-Agent with a
/// contact URL, no cookies, no Referer, no added query parameters.
#[tokio::test]
async fn requests_are_polite() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/feed.xml?id=7" => Reply::status(
            302,
            &[("Location", "/real.xml?id=7"), ("Set-Cookie", "track=1")],
        ),
        _ => Reply::ok(RSS, rss(&[("One", "http://example.com/1")]))
            .with_header("Set-Cookie", "track=2"),
    })
    .await;
    let config = TestConfig::new(
        "fetch_articles = false",
        &feed(&server.url("/feed.xml?id=7"), "polite"),
    );
    run_once(&config.load(), true).await.unwrap();
    run_once(&config.load(), true).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert!(
            r.target == "/feed.xml?id=7" || r.target == "/real.xml?id=7",
            "{}",
            r.target
        );
        assert!(r.header("accept-encoding").unwrap().contains("gzip"));
        let agent = r.header("user-agent").unwrap();
        assert!(
            agent.starts_with("newshound/") && agent.contains("http"),
            "{agent}"
        );
        assert!(r.header("cookie").is_none());
        assert!(r.header("referer").is_none());
    }
}

/// A redirect loop ends after five hops as that feed's error.
#[tokio::test]
async fn redirect_loop_is_cut_after_five_hops() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/a.xml" => Reply::status(302, &[("Location", "/b.xml")]),
        _ => Reply::status(302, &[("Location", "/a.xml")]),
    })
    .await;
    let url = server.url("/a.xml");
    let config = TestConfig::new("", &feed(&url, "loop"));
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(summary.failed, 1);
    assert!(
        state(&config, &url)
            .last_error
            .unwrap()
            .contains("more than 5 redirects")
    );
    assert_eq!(server.requests().len(), 6);
}

/// Cache-Control: max-age longer than the interval delays the next poll accordingly.
#[tokio::test]
async fn cache_max_age_delays_the_next_poll() {
    let server = TestServer::start(|_| {
        Reply::ok(RSS, rss(&[("One", "http://example.com/1")]))
            .with_header("Cache-Control", "public, max-age=7200")
    })
    .await;
    let url = server.url("/feed.xml");
    let config = TestConfig::new("fetch_articles = false", &feed(&url, "cached"));
    let before = Utc::now();
    run_once(&config.load(), true).await.unwrap();
    let next = state(&config, &url).next_poll_at;
    assert!(next.timestamp() >= before.timestamp() + 7200);
    assert!(next.timestamp() <= before.timestamp() + 7200 + 15 * 60 + 5);
}

/// A gzip-compressed feed (what most servers send to `Accept-Encoding: gzip`) is decompressed
/// before parsing, and the size limit applies to the decompressed body.
#[tokio::test]
async fn gzip_feed_is_decompressed() {
    use std::io::Write;
    let compress = |text: String| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap()
    };
    let feed_body = compress(rss(&[
        ("One", "http://example.com/1"),
        ("Two", "http://example.com/2"),
    ]));
    let bomb = compress(" ".repeat(2_000_000));
    let server = TestServer::start(move |req| {
        let body = if req.target == "/bomb.xml" {
            bomb.clone()
        } else {
            feed_body.clone()
        };
        Reply::ok(RSS, body).with_header("Content-Encoding", "gzip")
    })
    .await;
    let (good, bomb_url) = (server.url("/feed.xml"), server.url("/bomb.xml"));
    let config = TestConfig::new(
        "fetch_articles = false\nmax_body_bytes = \"1MiB\"",
        &(feed(&good, "gzip") + &feed(&bomb_url, "bomb")),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(
        (summary.ok, summary.new_articles, summary.failed),
        (1, 2, 1)
    );
    let error = state(&config, &bomb_url).last_error.unwrap();
    assert!(error.contains("larger than 1048576 bytes"), "{error}");
}

/// Issue 13: a feed on a host that does not resolve (`.invalid` never does, RFC 6761; the
/// local resolver answers at once, no network needed) records an error that names the host
/// and says the DNS part once, not "dns error: error resolving DNS: ...".
#[tokio::test]
async fn unresolvable_host_is_recorded_with_its_dns_cause_once() {
    let url = "http://news.example.invalid/feed.xml";
    let config = TestConfig::new("fetch_articles = false", &feed(url, "nowhere"));
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(summary.failed, 1);
    let error = state(&config, url).last_error.unwrap();
    let lower = error.to_lowercase();
    assert!(lower.starts_with(url), "{error}");
    assert_eq!(lower.matches("dns").count(), 1, "{error}");
    assert!(!lower.contains("error sending request"), "{error}");
}
