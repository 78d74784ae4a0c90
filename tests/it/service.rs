//! The `newshound` binary as systemd runs it: readiness and watchdog notifications, SIGHUP
//! reload, SIGTERM shutdown; plus the CLI commands a user types.

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use crate::support::{
    Reply, TestConfig, TestServer, bare_command, feed, newshound_output, rss, signal,
    start_notifying, start_service, wait_exit,
};

/// Polls `check` every 50 ms for at most `limit`.
async fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Under systemd the service reports READY=1 once the database is open, pings the watchdog,
/// and exits 0 promptly on SIGTERM.
#[tokio::test(flavor = "multi_thread")]
async fn service_notifies_systemd_and_stops_on_sigterm() {
    let server = TestServer::start(|_| Reply::ok("application/rss+xml", rss(&[]))).await;
    let config = TestConfig::new("fetch_articles = false", &feed(&server.url("/f.xml"), "f"));
    let socket_path = config.dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut child = start_notifying(&config.path(), &socket_path);

    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    while !(seen.iter().any(|m| m == "READY=1") && seen.iter().any(|m| m == "WATCHDOG=1")) {
        let n = socket.recv(&mut buf).expect("a notification within 10 s");
        seen.extend(
            String::from_utf8_lossy(&buf[..n])
                .lines()
                .map(str::to_owned),
        );
    }
    assert!(
        config.database().exists(),
        "READY=1 comes after the database is open"
    );

    let stopping = Instant::now();
    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(10));
    assert!(status.success(), "{status}");
    assert!(stopping.elapsed() < Duration::from_secs(10));
}

/// SIGTERM while a fetch hangs: the daemon abandons the fetch and exits 0 within 10 seconds.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_during_a_hanging_fetch_exits_promptly() {
    let server = TestServer::start(|_| Reply::Hang).await;
    let config = TestConfig::new(
        "request_timeout = \"60s\"",
        &feed(&server.url("/slow.xml"), "slow"),
    );
    let mut child = start_service(&config.path(), None);
    eventually(Duration::from_secs(10), "the fetch to start", || {
        !server.requests().is_empty()
    })
    .await;
    let stopping = Instant::now();
    signal(&child, "TERM");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
    assert!(stopping.elapsed() < Duration::from_secs(10));
}

/// SIGHUP applies a valid new config (a new feed gets polled) and keeps running on the old one
/// when the new one is invalid.
#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_a_valid_config_and_survives_an_invalid_one() {
    let server = TestServer::start(|_| Reply::ok("application/rss+xml", rss(&[]))).await;
    let first = feed(&server.url("/first.xml"), "first");
    let config = TestConfig::new("fetch_articles = false", &first);
    let mut child = start_service(&config.path(), None);
    eventually(Duration::from_secs(10), "first poll", || {
        !server.requests_to("/first.xml").is_empty()
    })
    .await;

    let text = std::fs::read_to_string(config.path()).unwrap();
    std::fs::write(config.path(), format!("{text}\nnot_a_key = 1\n")).unwrap();
    signal(&child, "HUP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "an invalid config must not stop the daemon"
    );

    let second = feed(&server.url("/second.xml"), "second");
    std::fs::write(config.path(), format!("{text}\n{second}")).unwrap();
    signal(&child, "HUP");
    eventually(Duration::from_secs(10), "the new feed to be polled", || {
        !server.requests_to("/second.xml").is_empty()
    })
    .await;
    signal(&child, "TERM");
    assert!(wait_exit(&mut child, Duration::from_secs(10)).success());
}

/// `check` reports every mistake as FILE:LINE:COLUMN and exits 1.
#[test]
fn check_reports_every_mistake_with_its_position() {
    let config = TestConfig::new(
        "colour = \"blue\"",
        "[[feeds]]\nurl = \"htp:/nowhere\"\n\n[[topics]]\nname = \"Arms\"\nquery = \"arms\"\nalert = \"Evening digest\"\n",
    );
    let output = newshound_output(&config.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let path = config.path().display().to_string();
    let located: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with(&format!("{path}:")))
        .collect();
    assert_eq!(located.len(), 3, "{stderr}");
    assert!(
        located[0].starts_with(&format!("{path}:5:1: daemon.colour")),
        "{stderr}"
    );
    assert!(
        located[1].starts_with(&format!("{path}:8:7: feeds[0].url")),
        "{stderr}"
    );
    assert!(
        located[2].starts_with(&format!("{path}:13:9: topics[0].alert")),
        "{stderr}"
    );
}

/// `import-opml` prints a [[feeds]] block for every outline with an xmlUrl.
#[test]
fn import_opml_prints_feeds_toml() {
    let dir = tempfile::tempdir().unwrap();
    let opml = dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
           <outline text="World"><outline text="BBC" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/></outline>
           <outline text="Heise" xmlUrl="https://www.heise.de/rss/heise.rdf"/></body></opml>"#,
    )
    .unwrap();
    let output = bare_command(&["import-opml", opml.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let parsed: toml::Table = toml::from_str(&text).unwrap();
    let feeds = parsed["feeds"].as_array().unwrap();
    assert_eq!(feeds.len(), 2);
    assert_eq!(
        feeds[0]["url"].as_str(),
        Some("https://feeds.bbci.co.uk/news/world/rss.xml")
    );
    assert_eq!(
        feeds[0]["tags"].as_array().unwrap()[0].as_str(),
        Some("World")
    );
}

/// At info the service writes one line per poll cycle instead of one per feed: 1,000 feeds
/// polled in one cycle (one of them failing, one item hitting a topic) give exactly one
/// "poll cycle finished" line with the cycle's figures, sent after the cycle's alert went out;
/// the failing feed's error and the email still show, and no routine per-feed line does.
#[tokio::test(flavor = "multi_thread")]
async fn service_logs_one_line_per_cycle_of_a_thousand_feeds() {
    const FEEDS: usize = 1000;
    let server = TestServer::start(|request| {
        if request.target == "/broken.xml" {
            return Reply::status(500, &[]);
        }
        let n = request
            .target
            .trim_start_matches("/f")
            .trim_end_matches(".xml");
        let title = if n == "7" {
            "Harbour authority signs arms deal"
        } else {
            "Council meets"
        };
        let link = format!("http://127.0.0.1/{n}/a");
        Reply::ok("application/rss+xml", rss(&[(title, link.as_str())]))
    })
    .await;
    let mut body = String::new();
    for n in 0..FEEDS - 1 {
        body.push_str(&feed(&server.url(&format!("/f{n}.xml")), &format!("f{n}")));
    }
    body.push_str(&feed(&server.url("/broken.xml"), "broken"));
    body.push_str(
        "[[topics]]\nname = \"Arms\"\nquery = \"arms\"\nalert = \"immediate\"\n\n\
         [email]\nto = [\"desk@example.org\"]\n[email.file]\ndir = \"outbox\"\n",
    );
    let config = TestConfig::new("fetch_articles = false\nconcurrency = 8", &body);
    let log = config.dir.path().join("service.log");
    let child = start_service(&config.path(), Some(&log));
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    eventually(Duration::from_secs(240), "the cycle's line", || {
        read_log().contains("poll cycle finished")
    })
    .await;
    // Nothing more is due: the next seconds add no cycle line.
    tokio::time::sleep(Duration::from_secs(3)).await;
    crate::support::stop(child);
    let text = read_log();
    let lines: Vec<&str> = text.lines().collect();
    let cycles: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("poll cycle finished"))
        .collect();
    assert_eq!(cycles.len(), 1, "one line per cycle:\n{text}");
    for figure in [
        "feeds=1000",
        "failed=1",
        "new_articles=999",
        "hits=1",
        "emails_queued=1",
        "emails_sent=1",
    ] {
        assert!(cycles[0].contains(figure), "{figure} in {}", cycles[0]);
    }
    assert!(
        lines.iter().any(|l| l.contains("WARN")
            && l.contains("feed refresh failed")
            && l.contains("broken")),
        "the failing feed is logged:\n{text}"
    );
    assert!(lines.iter().any(|l| l.contains("email sent")), "{text}");
    for routine in ["feed refreshed", "not modified"] {
        assert!(!text.contains(routine), "{routine:?} at info:\n{text}");
    }
    assert!(
        lines.len() < 20,
        "{} lines for one cycle:\n{text}",
        lines.len()
    );
}
