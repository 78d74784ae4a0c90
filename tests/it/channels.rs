//! Channels besides email (issue 16), end to end: the real binary over the offline demo sends
//! to real receivers on 127.0.0.1 started by the tests: a webhook receiver that verifies every
//! request with the Standard Webhooks reference implementation, ntfy and Slack-compatible
//! receivers that check the documented request shapes, and a Synapse homeserver.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::receiver::{Answer, Received, Receiver};
use crate::support::synapse::Synapse;
use crate::support::{db, demo_copy, newshound, newshound_output};

/// The Standard Webhooks specification's example secret.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The seed story's headline, as the lead copy gives it.
const SEED_TITLE: &str = "Kim Jong-un und Putin treffen sich zu Waffengesprächen";

/// A private demo whose two immediate topics also notify `notify`, with the `[[channels]]` of
/// `channels` appended and each (file, content) of `files` written beside the config.
fn demo_with(
    channels: &str,
    notify: &[&str],
    files: &[(&str, &str)],
) -> (tempfile::TempDir, PathBuf) {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    let names: Vec<String> = ["email"]
        .iter()
        .chain(notify)
        .map(|name| format!("{name:?}"))
        .collect();
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "alert = \"immediate\"\n",
        &format!("alert = \"immediate\"\nnotify = [{}]\n", names.join(", ")),
    );
    std::fs::write(&path, format!("{text}\n{channels}")).unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    (dir, path)
}

/// A webhook channel `name` posting to `url`, signed with [`SECRET`].
fn webhook(name: &str, url: &str, extra: &str) -> (String, Vec<(String, String)>) {
    let entry = format!(
        "[[channels]]\nname = \"{name}\"\nkind = \"webhook\"\nurl_file = \"{name}-url\"\n\
         secret_file = \"{name}-secret\"\n{extra}\n"
    );
    let files = vec![
        (format!("{name}-url"), format!("{url}\n")),
        (format!("{name}-secret"), format!("{SECRET}\n")),
    ];
    (entry, files)
}

fn borrowed(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect()
}

/// The stories of a webhook alert body, across its topics.
fn webhook_stories(json: &Value) -> Vec<&Value> {
    json["data"]["topics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|topic| topic["stories"].as_array().into_iter().flatten())
        .collect()
}

fn with_seed_title<'a>(stories: &[&'a Value]) -> Vec<&'a Value> {
    stories
        .iter()
        .copied()
        .filter(|story| story["title"].as_str() == Some(SEED_TITLE))
        .collect()
}

/// Outbox rows of `channel`: (id, status, message id, attempts, last error, answer).
type Row = (i64, String, String, i64, Option<String>, Option<String>);

fn outbox_rows(database: &Path, channel: &str) -> Vec<Row> {
    let conn = db(database);
    let mut statement = conn
        .prepare(
            "SELECT id, status, message_id, attempts, last_error, answer FROM outbox
             WHERE channel = ?1 ORDER BY id",
        )
        .unwrap();
    statement
        .query_map([channel], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn database_of(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("demo.db")
}

/// Acceptance: with a webhook channel pointed at a local receiver, `run --once` delivers one
/// signed message carrying the seed story (once, though it hits both topics, each listed),
/// and a second run delivers nothing.
#[test]
fn demo_webhook_gets_one_signed_alert_with_the_seed_story_once_and_nothing_after() {
    let receiver = Receiver::start(Some(SECRET));
    let (entry, files) = webhook("hook", &receiver.url("/webhook"), "");
    let (dir, config) = demo_with(&entry, &["hook"], &borrowed(&files));
    let summary = newshound(&config, &["run", "--once"]);
    let requests = receiver.wait_for(1, Duration::from_secs(10));
    assert_eq!(requests.len(), 1, "{summary}");
    let request = &requests[0];
    assert_eq!(request.verified, Some(true), "{request}");
    assert!(request.shape_ok, "{request}");
    let json = request.json.as_ref().unwrap();
    assert_eq!(json["type"], "alert");
    let stories = webhook_stories(json);
    let seed = with_seed_title(&stories);
    assert_eq!(seed.len(), 1, "the seed story once: {json:#}");
    let topics: Vec<&str> = seed[0]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(topics, ["Arms deals", "Summit meetings"]);
    for field in [
        "topic",
        "title",
        "url",
        "feed",
        "language",
        "score",
        "matched",
        "snippet",
        "published_at",
        "created_at",
        "article_id",
        "story_id",
        "sources",
        "backfill",
    ] {
        assert!(
            seed[0].get(field).is_some(),
            "{field} missing: {:#}",
            seed[0]
        );
    }
    assert_eq!(seed[0]["sources"].as_array().unwrap().len(), 3);
    let rows = outbox_rows(&database_of(&dir), "hook");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "sent");
    assert_eq!(request.header("webhook-id"), Some(rows[0].2.as_str()));

    newshound(&config, &["run", "--once"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(receiver.requests().len(), 1, "a second run sends nothing");
    let listing = newshound(&config, &["outbox"]);
    assert!(
        listing.contains("channel hook") && listing.contains("accepted: 200"),
        "{listing}"
    );
}

/// Each kind's answer shapes: the channel tells temporary failures (500, 429 honouring
/// Retry-After, a timeout) from permanent ones (400, recorded with the answer), and a channel
/// that fails holds up neither email nor the others. A retry carries the same webhook-id.
#[test]
fn failing_channels_retry_or_fail_on_their_own_and_email_still_goes() {
    let receiver = Receiver::start(Some(SECRET));
    let slow = Receiver::start(Some(SECRET));
    receiver.script("/webhook", &[Answer::status(500)]);
    receiver.script("/slack", &[Answer::status(400).body("invalid_payload")]);
    receiver.script("/", &[Answer::status(429).retry_after("120")]);
    slow.script(
        "/webhook",
        &[Answer::status(200).delay(Duration::from_secs(4))],
    );
    let (hook, mut files) = webhook("hook", &receiver.url("/webhook"), "");
    let (slow_hook, slow_files) = webhook("slow", &slow.url("/webhook"), "timeout = \"1s\"");
    files.extend(slow_files);
    files.push(("chat-url".into(), receiver.url("/slack")));
    files.push((
        "phone-url".into(),
        receiver.ntfy_topic_url("newshound-test"),
    ));
    let entries = format!(
        "{hook}{slow_hook}[[channels]]\nname = \"chat\"\nkind = \"slack\"\nurl_file = \"chat-url\"\n\n\
         [[channels]]\nname = \"phone\"\nkind = \"ntfy\"\nurl_file = \"phone-url\"\n"
    );
    let (dir, config) = demo_with(
        &entries,
        &["hook", "slow", "chat", "phone"],
        &borrowed(&files),
    );
    let database = database_of(&dir);
    newshound(&config, &["run", "--once"]);

    let first: Vec<Received> = receiver.wait_for(3, Duration::from_secs(10));
    let status = |channel: &str| outbox_rows(&database, channel)[0].clone();
    assert_eq!(
        status("email").1,
        "sent",
        "email goes whatever the channels do"
    );
    let hook_row = status("hook");
    assert_eq!(
        (hook_row.1.as_str(), hook_row.3),
        ("pending", 1),
        "{hook_row:?}"
    );
    assert!(
        hook_row.4.as_deref().unwrap_or_default().contains("500"),
        "{hook_row:?}"
    );
    let chat = status("chat");
    assert_eq!(chat.1, "failed", "{chat:?}");
    assert!(
        chat.4.as_deref().unwrap_or_default().contains("400"),
        "{chat:?}"
    );
    assert!(
        chat.4
            .as_deref()
            .unwrap_or_default()
            .contains("invalid_payload"),
        "{chat:?}"
    );
    let phone = status("phone");
    assert_eq!(phone.1, "pending", "{phone:?}");
    let next: i64 = db(&database)
        .query_row(
            "SELECT next_attempt_at - strftime('%s','now') FROM outbox WHERE channel = 'phone'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        (100..=125).contains(&next),
        "Retry-After: 120 honoured, next in {next} s"
    );
    let slow_row = status("slow");
    assert_eq!(slow_row.1, "pending", "{slow_row:?}");
    assert!(
        slow_row
            .4
            .as_deref()
            .unwrap_or_default()
            .contains("timed out"),
        "{slow_row:?}"
    );

    // A run is also a retry: the webhook now gets 200, with the id of the first attempt.
    newshound(&config, &["run", "--once"]);
    let hooks: Vec<Received> = receiver
        .wait_for(first.len() + 2, Duration::from_secs(10))
        .into_iter()
        .filter(|r| r.path == "/webhook")
        .collect();
    assert_eq!(hooks.len(), 2, "{hooks:?}");
    assert_eq!(hooks[0].header("webhook-id"), hooks[1].header("webhook-id"));
    assert!(hooks.iter().all(|h| h.verified == Some(true)));
    assert_eq!(
        hooks[0].body, hooks[1].body,
        "the same message, byte for byte"
    );
    assert_eq!(status("hook").1, "sent");
    assert_eq!(status("phone").1, "sent");
    assert_eq!(
        status("chat").1,
        "failed",
        "a permanent failure stays failed"
    );
    for request in receiver.requests() {
        assert!(request.shape_ok, "{request}");
    }
    let listing = newshound(&config, &["outbox"]);
    assert!(
        listing.contains("channel chat") && listing.contains("400"),
        "{listing}"
    );
}

/// `test-channel` sends one message through each kind and prints the receiver's answer; the
/// receivers find the documented shapes and a valid signature.
#[test]
fn test_channel_reaches_every_kind() {
    let receiver = Receiver::start(Some(SECRET));
    let synapse = Synapse::shared();
    let token = synapse.register("tester-kinds", "pw-kinds-1", false);
    let room = synapse.create_room(&token);
    let (hook, mut files) = webhook("hook", &receiver.url("/webhook"), "");
    files.push(("chat-url".into(), receiver.url("/slack")));
    files.push((
        "phone-url".into(),
        receiver.ntfy_topic_url("newshound-test"),
    ));
    files.push(("room-token".into(), token.clone()));
    let entries = format!(
        "{hook}[[channels]]\nname = \"chat\"\nkind = \"slack\"\nurl_file = \"chat-url\"\n\n\
         [[channels]]\nname = \"phone\"\nkind = \"ntfy\"\nurl_file = \"phone-url\"\n\n\
         [[channels]]\nname = \"room\"\nkind = \"matrix\"\nhomeserver = \"{}\"\n\
         room = \"{room}\"\ntoken_file = \"room-token\"\n",
        synapse.base_url()
    );
    let (_dir, config) = demo_with(&entries, &[], &borrowed(&files));
    for name in ["hook", "chat", "phone", "room"] {
        let out = newshound(&config, &["test-channel", name]);
        assert!(out.contains("accepted: 200"), "{name}: {out}");
    }
    let requests = receiver.wait_for(3, Duration::from_secs(10));
    let kinds: Vec<&str> = requests.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["webhook", "slack", "ntfy"]);
    assert!(requests.iter().all(|r| r.shape_ok), "{requests:?}");
    assert_eq!(requests[0].verified, Some(true));
    assert_eq!(requests[0].json.as_ref().unwrap()["type"], "test");
    let messages = synapse.messages(&token, &room);
    assert_eq!(messages.len(), 1, "{messages:?}");

    let unknown = newshound_output(&config, &["test-channel", "nowhere"]);
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("no channel named \"nowhere\"") && stderr.contains("hook"),
        "{stderr}"
    );
}

/// The demo's alert reaches a real Matrix room once; a forced re-send of the same outbox row
/// (as after a crash between the homeserver's answer and the mark) reuses its transaction id,
/// and the homeserver keeps one event.
#[test]
fn matrix_room_gets_the_seed_story_once_even_after_a_forced_resend() {
    let synapse = Synapse::shared();
    let token = synapse.register("poster-resend", "pw-resend-1", false);
    let room = synapse.create_room(&token);
    let entry = format!(
        "[[channels]]\nname = \"room\"\nkind = \"matrix\"\nhomeserver = \"{}\"\n\
         room = \"{room}\"\ntoken_file = \"room-token\"\n",
        synapse.base_url()
    );
    let (dir, config) = demo_with(&entry, &["room"], &[("room-token", &token)]);
    newshound(&config, &["run", "--once"]);
    let seed_events = |messages: &[Value]| {
        messages
            .iter()
            .filter(|m| {
                m["content"]["body"]
                    .as_str()
                    .is_some_and(|body| body.contains(SEED_TITLE))
            })
            .count()
    };
    let messages = synapse.messages(&token, &room);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(seed_events(&messages), 1);
    let content = &messages[0]["content"];
    assert_eq!(content["format"], "org.matrix.custom.html");
    assert!(
        content["formatted_body"]
            .as_str()
            .unwrap()
            .contains("<a href=")
    );
    assert_eq!(
        content["body"]
            .as_str()
            .unwrap()
            .matches(SEED_TITLE)
            .count(),
        1
    );

    let database = database_of(&dir);
    db(&database)
        .execute(
            "UPDATE outbox SET status = 'pending' WHERE channel = 'room'",
            [],
        )
        .unwrap();
    newshound(&config, &["run", "--once"]);
    assert_eq!(outbox_rows(&database, "room")[0].1, "sent");
    let messages = synapse.messages(&token, &room);
    assert_eq!(
        messages.len(),
        1,
        "the homeserver de-duplicated: {messages:#?}"
    );
}

/// No secret (a URL's path and query, a token, the webhook secret) appears in anything newshound
/// prints or records, even when receivers echo them back in their answers.
#[test]
fn no_secret_appears_in_any_output() {
    let receiver = Receiver::start(Some(SECRET));
    let url_secret = "hookpath-5ecret-Q1";
    let chat_secret = "T0000/B0000/chat-5ecret-Q2";
    let topic_secret = "topic-5ecret-Q3";
    let token_secret = "tk_5ecret-Q4";
    // Each receiver echoes what its channel sent it, as real ones do in error pages.
    receiver.script(
        "/webhook",
        &[Answer::status(404).body(&format!(
            "Cannot POST /webhook?key={url_secret}: {url_secret}"
        ))],
    );
    receiver.script(
        "/slack",
        &[Answer::status(500).body(&format!(
            "no_team /slack?path={chat_secret}: T0000 B0000 chat-5ecret-Q2"
        ))],
    );
    receiver.script(
        "/",
        &[Answer::status(403).body(&format!(
            "topic {topic_secret} needs a token, not {token_secret}"
        ))],
    );
    let hook_url = receiver.url(&format!("/webhook?key={url_secret}"));
    let (hook, mut files) = webhook("hook", &hook_url, "");
    files.push((
        "chat-url".into(),
        receiver.url(&format!("/slack?path={chat_secret}")),
    ));
    files.push(("phone-url".into(), receiver.ntfy_topic_url(topic_secret)));
    files.push(("phone-token".into(), token_secret.into()));
    let entries = format!(
        "{hook}[[channels]]\nname = \"chat\"\nkind = \"slack\"\nurl_file = \"chat-url\"\n\n\
         [[channels]]\nname = \"phone\"\nkind = \"ntfy\"\nurl_file = \"phone-url\"\n\
         token_file = \"phone-token\"\n"
    );
    let (dir, config) = demo_with(&entries, &["hook", "chat", "phone"], &borrowed(&files));
    let mut printed = String::new();
    for args in [
        &["check"][..],
        &["run", "--once"],
        &["run", "--once"],
        &["outbox"],
        &["test-channel", "hook"],
        &["test-channel", "chat"],
        &["test-channel", "phone"],
    ] {
        let output = crate::support::command(&config, args)
            .env("RUST_LOG", "debug")
            .output()
            .unwrap();
        printed.push_str(&String::from_utf8_lossy(&output.stdout));
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    assert!(receiver.requests().len() >= 6, "the receivers were reached");
    assert!(
        printed.contains("404") && printed.contains("403"),
        "{printed}"
    );
    let conn = db(&database_of(&dir));
    let recorded: Vec<String> = conn
        .prepare(
            "SELECT COALESCE(last_error, '') || ' ' || COALESCE(answer, '') || ' ' || subject
             FROM outbox",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let secret_key = SECRET.trim_start_matches("whsec_");
    for secret in [
        url_secret,
        chat_secret,
        topic_secret,
        token_secret,
        secret_key,
    ] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
        for row in &recorded {
            assert!(!row.contains(secret), "{secret} recorded: {row}");
        }
    }
}

/// Digests and feed reports take their channels too: `digest NAME --send` posts a `digest` to
/// the digest's `notify` channels beside its email, and a broken feed's report goes to every
/// `[daemon] admin_channels` entry once, beside the admin email. `test-channel email` sends a
/// test email.
#[test]
fn digests_and_feed_reports_reach_their_channels() {
    use chrono::{Duration as Days, Utc};
    use newshound::notify::queue::queue_due;
    use newshound::store::Store;

    let receiver = Receiver::start(Some(SECRET));
    let (entry, files) = webhook("hook", &receiver.url("/webhook"), "");
    let refused = "http://127.0.0.1:9/refused.xml";
    let extra = format!(
        "{entry}\n[[feeds]]\nurl = \"{refused}\"\nname = \"Refusing feed\"\nfetch_articles = false\n"
    );
    let (dir, config) = demo_with(&extra, &[], &borrowed(&files));
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text
        .replace(
            "[[digests]]\n",
            "[[digests]]\nnotify = [\"email\", \"hook\"]\n",
        )
        .replace(
            "[daemon]\n",
            "[daemon]\nadmin_channels = [\"email\", \"hook\"]\n",
        );
    std::fs::write(&config, text).unwrap();

    newshound(&config, &["digest", "Morning digest", "--send"]);
    let digest = receiver.wait_for(1, Duration::from_secs(10));
    assert_eq!(
        digest[0].json.as_ref().unwrap()["type"],
        "digest",
        "{}",
        digest[0]
    );
    assert_eq!(digest[0].verified, Some(true));

    newshound(&config, &["run", "--once", "--all"]);
    let settings = crate::support::load(&config).notify_settings();
    let later = Utc::now() + Days::days(3);
    {
        let mut store = Store::open(&database_of(&dir)).unwrap();
        assert_eq!(
            queue_due(&mut store, &settings, later).unwrap().feed_alerts,
            1
        );
        assert_eq!(
            queue_due(&mut store, &settings, later).unwrap().feed_alerts,
            0
        );
    }
    newshound(&config, &["run", "--once"]);
    let reports: Vec<Received> = receiver
        .wait_for(2, Duration::from_secs(10))
        .into_iter()
        .filter(|r| r.json.as_ref().is_some_and(|j| j["type"] == "feed_broken"))
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(
        reports[0].json.as_ref().unwrap()["data"]["name"],
        "Refusing feed"
    );
    let email_rows = outbox_rows(&database_of(&dir), "email");
    assert!(
        email_rows.iter().any(|row| row.1 == "sent"),
        "{email_rows:?}"
    );
    let kinds: Vec<String> = db(&database_of(&dir))
        .prepare("SELECT kind || ' ' || channel FROM outbox WHERE kind = 'feed_broken' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kinds, ["feed_broken email", "feed_broken hook"]);

    let out = newshound(&config, &["test-channel", "email"]);
    assert!(out.contains("accepted:"), "{out}");
}
