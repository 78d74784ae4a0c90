//! Alerts end to end: hits become one email per recipient and cycle, written to the outbox in
//! the transaction that records them, delivered once through the file transport or a real SMTP
//! server, and never again.

use std::path::Path;

use crate::support::{SmtpOptions, SmtpServer, demo_copy, newshound, unqp};

fn eml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
}

/// The demo writes one alert (.eml) with every story of the cycle; the seed story is in it once,
/// under both its topics, listing its three copies; a second run writes nothing new.
#[test]
fn demo_writes_one_alert_listing_the_seed_story_once_with_three_sources() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    let summary = newshound(&config, &["run", "--once"]);
    assert!(
        summary.contains("emails: 1 queued, 1 sent, 0 waiting, 0 failed"),
        "{summary}"
    );
    let outbox = dir.path().join("outbox");
    let files = eml_files(&outbox);
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read(&files[0]).unwrap();
    let text = String::from_utf8_lossy(&raw);
    for header in [
        "Message-ID: <outbox-1.",
        "Auto-Submitted: auto-generated",
        "List-Id: ",
        "multipart/alternative",
        "text/plain",
        "text/html",
    ] {
        assert!(text.contains(header), "{header} missing:\n{text}");
    }
    assert!(
        text.contains("Subject: [newshound] 4 new stories: Arms deals, Summit meetings"),
        "{text}"
    );
    let decoded = unqp(&text);
    let (plain, html) = decoded
        .split_once("Content-Type: text/html")
        .expect("an HTML part");
    for copy in [
        "kim-putin.html",
        "kim-putin-wladiwostok.html",
        "kim-putin-mosel-echo.html",
    ] {
        let link = format!("/{copy}");
        assert!(
            plain.contains(&link) && html.contains(&link),
            "{copy} missing:\n{decoded}"
        );
    }
    assert_eq!(
        plain
            .matches("\n   Topics: Arms deals, Summit meetings")
            .count(),
        1,
        "{plain}"
    );

    let again = newshound(&config, &["run", "--once", "--all"]);
    assert!(again.contains("emails: 0 queued, 0 sent"), "{again}");
    assert_eq!(eml_files(&outbox).len(), 1);
    let listing = newshound(&config, &["outbox"]);
    assert!(
        listing.contains("sent") && listing.contains("analyst@localhost"),
        "{listing}"
    );
}

/// The demo's config with its file transport replaced by SMTP to `port` on 127.0.0.1.
fn demo_with_smtp(port: u16) -> tempfile::TempDir {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let smtp = format!("[email.smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n");
    let replaced = toml.replace("[email.file]\ndir = \"outbox\"\n", &smtp);
    assert_ne!(
        replaced, toml,
        "the demo config has an [email.file] section"
    );
    std::fs::write(&path, replaced).unwrap();
    dir
}

/// With a real SMTP server: the demo's alert is rendered while the server is down (nothing is
/// lost: it waits in the outbox), a later run after the server is back delivers it exactly
/// once, with both parts, its Message-ID and all three copies of the seed story, and a third
/// run sends nothing. The newshound process between render and send is a new one, as after a
/// restart.
#[test]
fn smtp_outage_loses_nothing_and_duplicates_nothing() {
    let mut server = SmtpServer::start(SmtpOptions::plain());
    let dir = demo_with_smtp(server.port);
    let config = dir.path().join("demo.toml");
    server.stop();
    let first = newshound(&config, &["run", "--once"]);
    assert!(
        first.contains("emails: 1 queued, 0 sent, 1 waiting, 0 failed"),
        "{first}"
    );
    let listing = newshound(&config, &["outbox"]);
    assert!(
        listing.contains("pending") && listing.contains("error:"),
        "{listing}"
    );

    server.restart();
    let second = newshound(&config, &["run", "--once"]);
    assert!(
        second.contains("emails: 0 queued, 1 sent, 0 waiting, 0 failed"),
        "{second}"
    );
    let third = newshound(&config, &["run", "--once", "--all"]);
    assert!(third.contains("emails: 0 queued, 0 sent"), "{third}");

    let messages = server.messages();
    assert_eq!(messages.len(), 1, "{}", server.log());
    let text = String::from_utf8_lossy(&messages[0]).into_owned();
    assert!(text.contains("Message-ID: <outbox-1."), "{text}");
    assert!(text.contains("multipart/alternative"), "{text}");
    let decoded = unqp(&text);
    for copy in [
        "kim-putin.html",
        "kim-putin-wladiwostok.html",
        "kim-putin-mosel-echo.html",
    ] {
        assert!(decoded.contains(&format!("/{copy}")), "{copy} missing");
    }
    let listing = newshound(&config, &["outbox"]);
    assert!(
        listing.contains("sent") && listing.contains("accepted: 250"),
        "{listing}"
    );
}

/// A 4xx answer keeps the message for another attempt, a 5xx answer marks it failed with the
/// server's words, and the recipient whose server accepted gets the alert once.
#[test]
fn temporary_answers_retry_and_permanent_answers_fail() {
    let server = SmtpServer::start(
        SmtpOptions::plain()
            .fail_rcpt("busy@example.com", 451)
            .fail_rcpt("nobody@example.com", 550),
    );
    let dir = demo_with_smtp(server.port);
    let path = dir.path().join("demo.toml");
    let toml = std::fs::read_to_string(&path).unwrap().replace(
        "to = [\"analyst@localhost\"]",
        "to = [\"busy@example.com\", \"nobody@example.com\", \"analyst@example.com\"]",
    );
    std::fs::write(&path, toml).unwrap();
    let first = newshound(&path, &["run", "--once"]);
    assert!(
        first.contains("emails: 3 queued, 1 sent, 1 waiting, 1 failed"),
        "{first}"
    );
    let listing = newshound(&path, &["outbox"]);
    assert!(
        listing.contains("failed") && listing.contains("550"),
        "{listing}"
    );
    assert!(
        listing.contains("pending") && listing.contains("451"),
        "{listing}"
    );
    let again = newshound(&path, &["run", "--once"]);
    assert!(
        again.contains("emails: 0 queued, 0 sent, 1 waiting, 0 failed"),
        "{again}"
    );
    assert_eq!(server.messages().len(), 1, "{}", server.log());
}

/// `test-email` sends one message through the configured server and prints its answer.
#[test]
fn test_email_reports_the_server_answer() {
    let server = SmtpServer::start(SmtpOptions::plain());
    let dir = demo_with_smtp(server.port);
    let out = newshound(
        &dir.path().join("demo.toml"),
        &["test-email", "--to", "someone@example.com"],
    );
    assert!(out.contains("accepted: 250"), "{out}");
    assert_eq!(server.messages().len(), 1);
}

/// Digests in virtual time: a new digest starts from its latest slot, the next slot brings one
/// message per recipient with every hit since, the same slot never twice, and after days of
/// downtime one digest covers all missed slots.
#[test]
fn digests_are_sent_once_per_due_slot_and_once_after_downtime() {
    use chrono::{Duration, Utc};
    use newshound::notify::queue::queue_due;
    use newshound::store::Store;

    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    let toml = std::fs::read_to_string(&path)
        .unwrap()
        .replacen(
            "alert = \"immediate\"\n\n# Nothing",
            "alert = \"Morning digest\"\n\n# Nothing",
            1,
        )
        .replace(
            "at = [\"07:30\"]",
            "at = [\"00:00\", \"06:00\", \"12:00\", \"18:00\"]\nsend_empty = true",
        );
    std::fs::write(&path, &toml).unwrap();
    let config = crate::support::load(&path);
    assert!(
        config.topics.iter().any(|t| t.name == "Summit meetings"
            && t.alert == newshound::config::Alert::Digest("Morning digest".into())),
        "the test turns Summit meetings into a digest topic"
    );
    // The first run finds the hits and first sees the digest: it starts from its latest slot,
    // sending nothing.
    let now = Utc::now();
    let first = newshound(&path, &["run", "--once"]);
    assert!(
        first.contains("emails: 1 queued"),
        "only the immediate alert: {first}"
    );
    let mut store = Store::open(&config.daemon.database).unwrap();
    let digests = |store: &Store| {
        store
            .outbox(100)
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "digest")
            .collect::<Vec<_>>()
    };
    // Within the day the next slot comes: one digest with the summit stories found now.
    let later = now + Duration::hours(7);
    let queued = queue_due(&mut store, &config, later).unwrap();
    assert_eq!(queued.digests, 1);
    let sent = digests(&store);
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]
            .subject
            .starts_with("[newshound] Morning digest: 3 stories"),
        "{}",
        sent[0].subject
    );
    // The same slot is never sent twice.
    assert_eq!(
        queue_due(&mut store, &config, later + Duration::minutes(5))
            .unwrap()
            .digests,
        0
    );
    // Three days down: twelve slots passed, one digest (empty, as send_empty asks).
    let back = later + Duration::days(3);
    assert_eq!(queue_due(&mut store, &config, back).unwrap().digests, 1);
    let all = digests(&store);
    assert_eq!(all.len(), 2);
    assert!(all[0].subject.contains("0 stories"), "{}", all[0].subject);
}
