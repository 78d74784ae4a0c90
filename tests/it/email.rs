//! Alerts end to end: hits become one email per recipient and cycle, written to the outbox in
//! the transaction that records them, delivered once through the file transport or a real SMTP
//! server, and never again.

use std::path::Path;

use crate::support::{SmtpOptions, SmtpServer, demo_copy, json_lines, newshound, unqp};

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
    // Notify takes its slice of the config.
    let config = config.notify_settings();
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

/// Issue 14: hits marked backfill (as `rematch` and the service's backfill of a new or changed
/// topic store them) show `"backfill": true` in `hits --json` and send no immediate alert, while
/// the other immediate topic's hits of the same cycle do; once their topic goes to a digest, they
/// are in its next digest, and not in the one after.
#[test]
fn backfilled_hits_send_no_alert_and_go_into_the_next_digest_once() {
    use chrono::{Duration, Utc};
    use newshound::notify::queue::queue_due;
    use newshound::store::Store;

    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    let every_six_hours = std::fs::read_to_string(&path).unwrap().replace(
        "at = [\"07:30\"]",
        "at = [\"00:00\", \"06:00\", \"12:00\", \"18:00\"]",
    );
    // Arms deals is the demo's first immediate topic.
    let arms_to_digest =
        |toml: &str| toml.replacen("alert = \"immediate\"", "alert = \"Morning digest\"", 1);
    // A first cycle stores the hits with both topics in the digest, so nothing is alerted yet.
    std::fs::write(&path, arms_to_digest(&arms_to_digest(&every_six_hours))).unwrap();
    let now = Utc::now();
    let first = newshound(&path, &["run", "--once"]);
    assert!(first.contains("emails: 0 queued"), "{first}");
    let database = crate::support::load(&path).daemon.database;
    let backfilled = rusqlite::Connection::open(&database)
        .unwrap()
        .execute(
            "UPDATE hits SET backfill = 1 WHERE topic = 'Arms deals'",
            [],
        )
        .unwrap();
    assert!(backfilled > 0, "the demo has Arms deals hits");

    // Both topics immediate again: only Summit meetings' hits are alerted.
    std::fs::write(&path, &every_six_hours).unwrap();
    let second = newshound(&path, &["run", "--once"]);
    assert!(second.contains("emails: 1 queued"), "{second}");
    let files = eml_files(&dir.path().join("outbox"));
    assert_eq!(files.len(), 1, "{files:?}");
    let alert = String::from_utf8_lossy(&std::fs::read(&files[0]).unwrap()).into_owned();
    let subject = alert.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert!(
        subject.ends_with(" new stories: Summit meetings"),
        "{subject}"
    );
    let hits = json_lines(&newshound(&path, &["hits", "--json"]));
    for hit in &hits {
        let expected = hit["topic"] == "Arms deals";
        assert_eq!(hit["backfill"], expected, "{hit}");
    }
    let listing = newshound(&path, &["hits", "--topic", "Arms deals"]);
    assert_eq!(
        listing.matches(", backfill)").count(),
        backfilled,
        "{listing}"
    );

    // Arms deals in the digest: its next slot carries the backfilled stories, the one after
    // does not (nothing new, and empty digests are not sent).
    std::fs::write(&path, arms_to_digest(&every_six_hours)).unwrap();
    let settings = crate::support::load(&path).notify_settings();
    let mut store = Store::open(&database).unwrap();
    let next = now + Duration::hours(7);
    assert_eq!(queue_due(&mut store, &settings, next).unwrap().digests, 1);
    let after = next + Duration::hours(6);
    assert_eq!(queue_due(&mut store, &settings, after).unwrap().digests, 0);
    let digests: Vec<String> = store
        .outbox(100)
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "digest")
        .map(|m| m.subject)
        .collect();
    let expected = format!("[newshound] Morning digest: {backfilled} stories");
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert!(digests[0].starts_with(&expected), "{digests:?}");
}

/// The demo's config with `[email] from` and `to` replaced.
fn demo_with_addresses(dir: &Path, from: &str, to: &[&str]) {
    let path = dir.join("demo.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    let to: Vec<String> = to.iter().map(|t| format!("'{t}'")).collect();
    let replaced = toml.replace(
        "from = \"newshound@localhost\"\nto = [\"analyst@localhost\"]",
        &format!("from = '{from}'\nto = [{}]", to.join(", ")),
    );
    assert_ne!(replaced, toml, "the demo config has [email] from and to");
    std::fs::write(&path, replaced).unwrap();
}

/// The header section of a message, unfolded, one header per line.
fn header_lines(message: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(message).replace("\r\n", "\n");
    let head = text.split("\n\n").next().unwrap_or_default();
    let mut lines: Vec<String> = Vec::new();
    for line in head.lines() {
        match lines.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

/// `From:` and `To:` show `Desk <desk@example.org>` and `"Doe, Jane" <jane@example.org>` as
/// configured: the plain name as it is, the name with a comma quoted (not RFC 2047-encoded).
fn assert_from_desk_to_jane(headers: &[String]) {
    for expected in [
        "From: Desk <desk@example.org>",
        "To: \"Doe, Jane\" <jane@example.org>",
    ] {
        assert!(
            headers.iter().any(|h| h == expected),
            "{expected}: {headers:#?}"
        );
    }
}

/// Issue 13, papercut 1: the demo's alert from `Desk <desk@example.org>` to
/// `"Doe, Jane" <jane@example.org>` carries both as written (the comma quoted, not encoded),
/// takes its Message-ID's domain from the address, and the outbox lists the bare recipient.
#[test]
fn demo_alert_shows_display_names_as_written() {
    let dir = demo_copy();
    demo_with_addresses(
        dir.path(),
        "Desk <desk@example.org>",
        &["\"Doe, Jane\" <jane@example.org>"],
    );
    let config = dir.path().join("demo.toml");
    let summary = newshound(&config, &["run", "--once"]);
    assert!(summary.contains("emails: 1 queued, 1 sent"), "{summary}");
    let files = eml_files(&dir.path().join("outbox"));
    assert_eq!(files.len(), 1, "{files:?}");
    let headers = header_lines(&std::fs::read(&files[0]).unwrap());
    assert_from_desk_to_jane(&headers);
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("Message-ID: <outbox-1.") && h.ends_with("@example.org>")),
        "{headers:#?}"
    );
    let listing = newshound(&config, &["outbox"]);
    assert!(listing.contains("  jane@example.org  "), "{listing}");
}

/// A display name beyond ASCII is RFC 2047-encoded in the header (raw headers are ASCII) and
/// decodes back to the name as configured.
#[test]
fn demo_alert_encodes_a_non_ascii_display_name() {
    let dir = demo_copy();
    demo_with_addresses(
        dir.path(),
        "newshound@localhost",
        &["Jürgen Weiß <jw@example.org>"],
    );
    let summary = newshound(&dir.path().join("demo.toml"), &["run", "--once"]);
    assert!(summary.contains("emails: 1 queued, 1 sent"), "{summary}");
    let files = eml_files(&dir.path().join("outbox"));
    let raw = std::fs::read(&files[0]).unwrap();
    let headers = header_lines(&raw);
    let to = headers
        .iter()
        .find_map(|h| h.strip_prefix("To: "))
        .expect("a To header");
    assert!(to.is_ascii(), "{to}");
    let name = to
        .strip_suffix(" <jw@example.org>")
        .unwrap_or_else(|| panic!("the bare address follows the name: {to}"));
    assert!(name.starts_with("=?utf-8?"), "{name}");
    assert_eq!(decode_encoded_words(name), "Jürgen Weiß");
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`, base64, as lettre writes them; several
/// separated by spaces are one text).
fn decode_encoded_words(text: &str) -> String {
    let mut bytes = Vec::new();
    for word in text.split_whitespace() {
        let inner = word
            .strip_prefix("=?")
            .and_then(|w| w.strip_suffix("?="))
            .unwrap_or_else(|| panic!("not an encoded word: {word}"));
        let mut parts = inner.splitn(3, '?');
        let (charset, encoding, data) = (parts.next(), parts.next(), parts.next());
        assert_eq!(
            charset.map(str::to_ascii_lowercase).as_deref(),
            Some("utf-8")
        );
        assert_eq!(encoding.map(str::to_ascii_lowercase).as_deref(), Some("b"));
        bytes.extend(base64_decode(data.expect("encoded text")));
    }
    String::from_utf8(bytes).expect("the decoded name is UTF-8")
}

/// Standard base64 with padding, enough for encoded words.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0);
    for byte in text.bytes().filter(|&b| b != b'=') {
        let value = ALPHABET
            .iter()
            .position(|&a| a == byte)
            .unwrap_or_else(|| panic!("not base64: {text}"));
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

/// Over SMTP the envelope carries bare addresses: the server refuses `jw@example.org` at RCPT TO
/// (it compares bare addresses), accepts `jane@example.org`, and the one message it stores
/// shows the display names in its headers.
#[test]
fn smtp_envelope_has_bare_addresses() {
    let server = SmtpServer::start(SmtpOptions::plain().fail_rcpt("jw@example.org", 550));
    let dir = demo_with_smtp(server.port);
    demo_with_addresses(
        dir.path(),
        "Desk <desk@example.org>",
        &[
            "\"Doe, Jane\" <jane@example.org>",
            "Jürgen Weiß <jw@example.org>",
        ],
    );
    let summary = newshound(&dir.path().join("demo.toml"), &["run", "--once"]);
    assert!(
        summary.contains("emails: 2 queued, 1 sent, 0 waiting, 1 failed"),
        "{summary}"
    );
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "{}", server.log());
    assert_from_desk_to_jane(&header_lines(&messages[0]));
}
