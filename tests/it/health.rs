//! The service's monitoring endpoint (`[daemon] listen`: `/healthz`, `/metrics`) against the
//! real binary on 127.0.0.1, and the "feed broken" / "recovered" emails to the admin address
//! through the outbox and the file transport.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{
    Reply, TestConfig, TestServer, demo_copy, feed, newshound, newshound_output, rss,
    start_service, stop,
};

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The demo config in a temporary folder, with `listen` on a free port.
fn demo_listening() -> (tempfile::TempDir, PathBuf, u16) {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    let port = free_port();
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replacen(
        "[daemon]\n",
        &format!("[daemon]\nlisten = \"127.0.0.1:{port}\"\n"),
        1,
    );
    std::fs::write(&config, text).unwrap();
    (dir, config, port)
}

/// One HTTP/1.1 request; the status code and the body, or `None` when nothing answers.
fn http(port: u16, method: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .ok()?;
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

/// Asks `path` every 100 ms until `check` accepts the answer, at most `limit`; the answer.
fn wait_for(
    port: u16,
    path: &str,
    limit: Duration,
    log: &Path,
    check: impl Fn(u16, &str) -> bool,
) -> (u16, String) {
    let deadline = Instant::now() + limit;
    loop {
        let answer = http(port, "GET", path);
        if let Some((status, body)) = &answer
            && check(*status, body)
        {
            return (*status, body.clone());
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("GET {path}: last answer {answer:?}\nservice log:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Every sample of a Prometheus text exposition as (name, labels, value); fails on any line
/// that is neither a comment nor `name{labels} value`.
fn parse_exposition(text: &str) -> Vec<(String, String, f64)> {
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let labels = rest.strip_suffix('}').unwrap_or_else(|| panic!("{line:?}"));
                (name, labels)
            }
            None => (series, ""),
        };
        assert!(
            name.starts_with("newshound_")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad metric name in {line:?}"
        );
        if !labels.is_empty() {
            for pair in split_labels(labels) {
                let (label, quoted) = pair.split_once('=').unwrap_or_else(|| panic!("{line:?}"));
                assert!(label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
                assert!(
                    quoted.len() >= 2 && quoted.starts_with('"') && quoted.ends_with('"'),
                    "{line:?}"
                );
            }
        }
        samples.push((name.to_owned(), labels.to_owned(), value));
    }
    samples
}

/// `a="x",b="y"` split at the commas outside quotes.
fn split_labels(labels: &str) -> Vec<&str> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in labels.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&labels[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&labels[start..]);
    parts
}

/// The value of one sample; labels as written, e.g. `result="ok"`.
fn value(samples: &[(String, String, f64)], name: &str, labels: &str) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| n == name && l == labels)
        .map(|(_, _, v)| *v)
}

/// After the demo's first polls, /healthz is 200 and /metrics is valid Prometheus text with
/// every family the issue lists and plausible values; other paths are 404, other methods 405.
#[test]
fn healthz_and_metrics_after_the_demo_cycle() {
    let (dir, config, port) = demo_listening();
    let log = dir.path().join("service.log");
    let child = start_service(&config, Some(&log));
    let limit = Duration::from_secs(60);
    let (_, body) = wait_for(port, "/healthz", limit, &log, |status, _| status == 200);
    assert_eq!(body, "ok\n");
    // The demo has four feeds; the email step runs every 15 s and sends the demo's alert.
    let (_, text) = wait_for(port, "/metrics", limit, &log, |_, body| {
        let samples = parse_exposition(body);
        value(&samples, "newshound_polls_total", "result=\"ok\"").unwrap_or(0.0) >= 4.0
            && value(&samples, "newshound_emails", "status=\"sent\"").unwrap_or(0.0) >= 1.0
    });
    let samples = parse_exposition(&text);
    let families = [
        "newshound_feeds",
        "newshound_feeds_broken",
        "newshound_polls_total",
        "newshound_errors_total",
        "newshound_articles",
        "newshound_articles_new_total",
        "newshound_stories",
        "newshound_hits",
        "newshound_hits_new_total",
        "newshound_emails",
        "newshound_emails_sent_total",
        "newshound_cycle_duration_seconds_bucket",
        "newshound_cycle_duration_seconds_count",
        "newshound_cycle_duration_seconds_sum",
        "newshound_last_successful_cycle_timestamp_seconds",
        "newshound_database_up",
    ];
    for family in families {
        assert!(
            samples.iter().any(|(n, _, _)| n == family),
            "{family} missing:\n{text}"
        );
        assert!(
            text.contains(&format!("# TYPE {} ", family.trim_end_matches("_bucket")))
                || family.ends_with("_count")
                || family.ends_with("_sum"),
            "{family} has no TYPE line"
        );
    }
    assert_eq!(
        value(&samples, "newshound_feeds", "status=\"ok\""),
        Some(4.0)
    );
    assert_eq!(value(&samples, "newshound_database_up", ""), Some(1.0));
    let articles = value(&samples, "newshound_articles", "").unwrap();
    let stories = value(&samples, "newshound_stories", "").unwrap();
    assert!(
        articles >= 10.0 && stories >= 1.0 && stories <= articles,
        "{text}"
    );
    assert!(
        value(&samples, "newshound_hits", "topic=\"Arms deals\"").unwrap_or(0.0) >= 1.0,
        "{text}"
    );
    assert!(value(&samples, "newshound_articles_new_total", "").unwrap() >= articles);
    assert!(value(&samples, "newshound_emails_sent_total", "").unwrap() >= 1.0);
    let passes = value(&samples, "newshound_cycle_duration_seconds_count", "").unwrap();
    let inf = value(
        &samples,
        "newshound_cycle_duration_seconds_bucket",
        "le=\"+Inf\"",
    );
    assert!(passes >= 1.0 && inf == Some(passes), "{text}");
    let last = value(
        &samples,
        "newshound_last_successful_cycle_timestamp_seconds",
        "",
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - last).abs() < 120.0, "last pass at {last}, now {now}");
    assert_eq!(
        value(&samples, "newshound_errors_total", "kind=\"feed_poll\""),
        Some(0.0)
    );

    assert_eq!(http(port, "GET", "/").map(|a| a.0), Some(404));
    assert_eq!(http(port, "GET", "/metricsx").map(|a| a.0), Some(404));
    assert_eq!(http(port, "POST", "/metrics").map(|a| a.0), Some(405));
    // An oversized request head is refused without harm.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let huge = format!(
        "GET /metrics HTTP/1.1\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let _ = stream.write_all(huge.as_bytes());
    drop(stream);
    assert_eq!(http(port, "GET", "/healthz").map(|a| a.0), Some(200));
    stop(child);
}

/// While another process holds the database's write lock, /healthz answers 503 naming the
/// database (within seconds, not hanging), and 200 again once the lock is released.
#[test]
fn healthz_is_503_while_the_database_is_locked() {
    let (dir, config, port) = demo_listening();
    let log = dir.path().join("service.log");
    let child = start_service(&config, Some(&log));
    let limit = Duration::from_secs(60);
    wait_for(port, "/healthz", limit, &log, |status, _| status == 200);

    let locker = rusqlite::Connection::open(dir.path().join("demo.db")).unwrap();
    locker.busy_timeout(Duration::from_secs(10)).unwrap();
    locker
        .execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO daemon_state (key, value) VALUES ('health-test', 'locked');",
        )
        .unwrap();
    let asked = Instant::now();
    let (status, body) = http(port, "GET", "/healthz").expect("an answer");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database"), "{body}");
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
    // Probes meanwhile answer at once rather than queue behind the waiting check.
    for _ in 0..3 {
        let asked = Instant::now();
        assert_eq!(http(port, "GET", "/healthz").map(|a| a.0), Some(503));
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "{:?}",
            asked.elapsed()
        );
    }

    locker.execute_batch("COMMIT;").unwrap();
    drop(locker);
    wait_for(port, "/healthz", limit, &log, |status, _| status == 200);
    stop(child);
}

/// An address that is not IP:port is reported with the file, line and key by `check`.
#[test]
fn invalid_listen_address_is_a_config_error_with_its_position() {
    let config = TestConfig::new("listen = \"localhost:http\"", "");
    let output = newshound_output(&config.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = format!(
        "{}:5:10: daemon.listen: invalid listen address",
        config.path().display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
}

/// A port already in use stops the service at start with an error naming the address.
#[test]
fn port_in_use_stops_the_start_with_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let config = TestConfig::new(&format!("listen = \"127.0.0.1:{port}\""), "");
    let output = newshound_output(&config.path(), &["run"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

/// The `.eml` files of the outbox folder, oldest first, as text.
fn emails(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect()
}

/// A feed refused for longer than `feed_failure_alert_after` yields exactly one "feed broken"
/// email to the admin, however often it is checked; once the feed answers again, exactly one
/// "recovered" email; then nothing more. The clock is moved at the queue level.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_feed_is_reported_once_and_its_recovery_once() {
    use chrono::{Duration as Days, Utc};
    use newshound::notify::queue::queue_due;
    use newshound::store::Store;

    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/f.xml");
    let body = format!(
        "{}\n[email]\nto = [\"desk@localhost\"]\nadmin = \"admin@localhost\"\n",
        feed(&url, "Refusing <Feed>")
    );
    let test = TestConfig::new("fetch_articles = false", &body);
    let config_path = test.path();
    let outbox = test.dir.path().join("outbox");
    let once = |all: bool| {
        let args: &[&str] = if all {
            &["run", "--once", "--all"]
        } else {
            &["run", "--once"]
        };
        newshound(&config_path, args)
    };

    // Two refused polls: failing, but not for two days yet.
    assert!(once(true).contains("1 failed"));
    assert!(once(true).contains("1 failed"));
    assert!(emails(&outbox).is_empty());

    let config = test.load();
    let database = config.daemon.database.clone();
    // Notify takes its slice of the config.
    let config = config.notify_settings();
    let later = Utc::now() + Days::days(3);
    {
        let mut store = Store::open(&database).unwrap();
        assert_eq!(
            queue_due(&mut store, &config, later).unwrap().feed_alerts,
            1
        );
        assert_eq!(
            queue_due(&mut store, &config, later).unwrap().feed_alerts,
            0
        );
        let later_still = later + Days::days(3);
        assert_eq!(
            queue_due(&mut store, &config, later_still)
                .unwrap()
                .feed_alerts,
            0
        );
    }
    // Delivered by the next run, which fails to poll again and queues nothing new.
    assert!(once(true).contains("1 failed"));
    let sent = emails(&outbox);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let broken = &sent[0];
    assert!(
        broken.contains("Subject: [newshound] Feed broken: Refusing <Feed>"),
        "{broken}"
    );
    assert!(broken.contains("To: admin@localhost"), "{broken}");
    assert!(broken.contains("Failed polls: 2"), "{broken}");
    assert!(broken.contains(&url), "{broken}");
    assert!(
        broken.contains("Refusing &lt;Feed&gt;"),
        "HTML part escapes: {broken}"
    );

    // The feed answers again: one "recovered" email, queued and sent by that run.
    let _server = TestServer::start_on(port, |_| {
        Reply::ok(
            "application/rss+xml",
            rss(&[("Back", "http://127.0.0.1/back")]),
        )
    })
    .await;
    let summary = once(true);
    assert!(summary.contains("1 ok"), "{summary}");
    let sent = emails(&outbox);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent[1].contains("Subject: [newshound] Feed recovered: Refusing <Feed>"),
        "{}",
        sent[1]
    );

    // Nothing more, now or days later.
    once(true);
    once(false);
    let mut store = Store::open(&database).unwrap();
    let queued = queue_due(&mut store, &config, Utc::now() + Days::days(10)).unwrap();
    assert_eq!(queued.feed_alerts, 0);
    drop(store);
    once(false);
    assert_eq!(emails(&outbox).len(), 2);
}
