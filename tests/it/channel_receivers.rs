//! The channel test receivers themselves (issue 16): the webhook receiver verifies with the
//! reference implementation, scripted answers come back as scripted, the ntfy and Slack shape
//! checks catch what they should, and Synapse de-duplicates by transaction id. The requests are
//! made here, not by newshound, so these tests show the receivers can be trusted.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::receiver::{Answer, Received, Receiver, exchange};
use crate::support::synapse::{SERVER_NAME, Synapse};
use crate::support::web::client;

/// The receiver's webhook secret (Standard Webhooks form: `whsec_` + base64 of the key).
const SECRET: &str = "whsec_bmV3c2hvdW5kIHRlc3Qgd2ViaG9vayBrZXkh";

/// Another valid secret, which the receiver does not know.
const OTHER_SECRET: &str = "whsec_c29tZWJvZHkgZWxzZSdzIHdlYmhvb2sga2V5IQ==";

/// How long a test waits for requests that were already answered.
const WAIT: Duration = Duration::from_secs(10);

/// The Standard Webhooks signature of a message, computed as the specification says:
/// `v1,` + base64 of HMAC-SHA256 of `id.timestamp.body`, keyed by the secret's decoded bytes.
fn signature(secret: &str, id: &str, timestamp: u64, body: &str) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A webhook body of the kind newshound sends.
fn alert_body() -> String {
    json!({"type": "alert", "stories": [{"title": "Seed story"}]}).to_string()
}

/// POSTs [`alert_body`] signed with `secret` and returns the status of the answer.
async fn post_signed_webhook(receiver: &Receiver, secret: &str, id: &str) -> u16 {
    let body = alert_body();
    let timestamp = now();
    client()
        .post(receiver.url("/webhook"))
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature(secret, id, timestamp, &body))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// POSTs `body` as JSON to `path` and returns the status of the answer.
async fn post_json(receiver: &Receiver, path: &str, body: &Value) -> u16 {
    client()
        .post(receiver.url(path))
        .header("content-type", "application/json")
        .bearer_auth("tk_ntfytesttoken")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The one request the receiver got, after a single POST.
fn only_request(receiver: &Receiver) -> Received {
    let mut requests = receiver.wait_for(1, WAIT);
    assert_eq!(requests.len(), 1, "one request expected");
    requests.remove(0)
}

/// Fails unless the request is flagged, with a problem containing each of `expected`.
fn assert_flagged(request: &Received, expected: &[&str]) {
    assert!(!request.shape_ok, "{request}");
    for words in expected {
        assert!(
            request
                .problems
                .iter()
                .any(|problem| problem.contains(words)),
            "no problem says {words:?}: {request}"
        );
    }
}

/// A message signed with the receiver's secret passes the reference implementation's check,
/// and the headers a newshound test compares (the webhook-id) are recorded.
#[tokio::test]
async fn webhook_signed_with_the_right_secret_is_verified_by_the_reference_implementation() {
    let receiver = Receiver::start(Some(SECRET));
    let status = post_signed_webhook(&receiver, SECRET, "msg_outbox_1").await;
    let request = only_request(&receiver);
    assert_eq!(status, 200);
    assert_eq!(request.verified, Some(true), "{request}");
    assert_eq!(request.verify_error, None);
    assert!(request.shape_ok, "{request}");
    assert_eq!(request.kind, "webhook");
    assert_eq!(request.header("Webhook-Id"), Some("msg_outbox_1"));
    assert!(
        request
            .header("webhook-signature")
            .unwrap()
            .starts_with("v1,")
    );
    assert_eq!(
        request.body,
        alert_body(),
        "the signed bytes arrive unchanged"
    );
    assert_eq!(request.json.unwrap()["type"], "alert");
}

/// A message signed with another secret fails verification, and says why.
#[tokio::test]
async fn webhook_signed_with_another_secret_fails_verification() {
    let receiver = Receiver::start(Some(SECRET));
    post_signed_webhook(&receiver, OTHER_SECRET, "msg_outbox_2").await;
    let request = only_request(&receiver);
    assert_eq!(request.verified, Some(false), "{request}");
    assert!(
        request
            .verify_error
            .as_deref()
            .unwrap()
            .contains("No matching signature"),
        "{request}"
    );
    // The shape is fine; only the signature is wrong.
    assert!(request.shape_ok, "{request}");
}

/// Scripted answers are given in order, with their Retry-After and body, then 200 again.
#[tokio::test]
async fn scripted_answers_come_back_in_order() {
    let receiver = Receiver::start(Some(SECRET));
    receiver.script(
        "/webhook",
        &[
            Answer::status(500),
            Answer::status(429).retry_after("2"),
            Answer::status(400).body(r#"{"error": "invalid_payload"}"#),
        ],
    );
    let mut answers = Vec::new();
    for _ in 0..4 {
        let response = client()
            .post(receiver.url("/webhook"))
            .body("{}")
            .send()
            .await
            .unwrap();
        let retry_after = response.headers().get("retry-after").cloned();
        answers.push((
            response.status().as_u16(),
            retry_after,
            response.text().await.unwrap(),
        ));
    }
    let statuses: Vec<u16> = answers.iter().map(|answer| answer.0).collect();
    assert_eq!(statuses, [500, 429, 400, 200]);
    assert_eq!(answers[1].1.as_ref().unwrap(), "2");
    assert_eq!(answers[2].2, r#"{"error": "invalid_payload"}"#);
    let requests = receiver.wait_for(4, WAIT);
    let recorded: Vec<(u64, u16)> = requests.iter().map(|r| (r.seq, r.status)).collect();
    assert_eq!(recorded, [(1, 500), (2, 429), (3, 400), (4, 200)]);
    assert_eq!(requests[1].retry_after.as_deref(), Some("2"));
}

/// A request held longer than the client's timeout times out, while another request to the same
/// path is answered at once: the receiver serves each connection on its own thread.
#[tokio::test]
async fn a_scripted_hang_outlasts_the_client_timeout_while_another_request_is_answered() {
    let receiver = Receiver::start(None);
    let hang = Duration::from_secs(5);
    receiver.script("/slack", &[Answer::status(200).delay(hang)]);
    let impatient = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    let message = json!({"text": "hello"}).to_string();
    let first = impatient
        .post(receiver.url("/slack"))
        .body(message.clone())
        .send()
        .await;
    let started = Instant::now();
    let second = client()
        .post(receiver.url("/slack"))
        .body(message)
        .send()
        .await;
    assert!(first.unwrap_err().is_timeout());
    assert_eq!(second.unwrap().status(), 200);
    assert!(
        started.elapsed() < hang,
        "the second request waited for the first"
    );
    let requests = receiver.wait_for(2, WAIT);
    assert!(requests[1].received_at - requests[0].received_at < hang.as_secs_f64());
    assert_eq!(requests[0].delay, Some(5.0), "{}", requests[0]);
    assert_eq!(requests[1].delay, None, "{}", requests[1]);
}

/// The documented shape of ntfy's JSON publish, with every field the renderer may send.
fn good_ntfy() -> Value {
    json!({
        "topic": "newshound-alerts",
        "title": "2 new stories: drones",
        "message": "**[Seed story](https://news.example/seed)** (Example News)",
        "markdown": true,
        "click": "https://news.example/seed",
        "priority": 4,
        "tags": ["newspaper", "drones"],
    })
}

/// A publish of the documented shape passes, posted to the root as ntfy wants, with the token.
#[tokio::test]
async fn ntfy_publish_of_the_documented_shape_passes() {
    let receiver = Receiver::start(None);
    assert_eq!(
        receiver.ntfy_topic_url("newshound-alerts"),
        receiver.url("/newshound-alerts")
    );
    post_json(&receiver, "/", &good_ntfy()).await;
    let request = only_request(&receiver);
    assert!(request.shape_ok, "{request}");
    assert_eq!(request.kind, "ntfy");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer tk_ntfytesttoken")
    );
}

/// A message over ntfy's 4,096 bytes, a `javascript:` click, a priority out of range and an
/// unknown field are each flagged; and JSON sent to the topic URL is not an ntfy JSON publish.
#[tokio::test]
async fn ntfy_shape_check_flags_oversized_messages_and_script_links() {
    let receiver = Receiver::start(None);
    let mut bad = good_ntfy();
    bad["message"] = json!("é".repeat(2049));
    bad["click"] = json!("javascript:alert(1)");
    bad["priority"] = json!(6);
    bad["sound"] = json!("loud");
    post_json(&receiver, "/", &bad).await;
    post_json(&receiver, "/newshound-alerts", &good_ntfy()).await;
    let requests = receiver.wait_for(2, WAIT);
    assert_flagged(
        &requests[0],
        &[
            "message is 4098 bytes, over 4096",
            "click is not an http(s) URL",
            "priority 6 is not 1-5",
            "unknown field sound",
        ],
    );
    assert_eq!(requests[1].kind, "unknown", "{}", requests[1]);
    assert!(!requests[1].shape_ok);
}

/// A Slack-compatible message with text and an attachment of the shared format passes.
#[tokio::test]
async fn slack_message_of_the_shared_format_passes() {
    let receiver = Receiver::start(None);
    let message = json!({
        "text": "2 new stories: drones",
        "attachments": [{
            "fallback": "Seed story",
            "color": "#1f6feb",
            "title": "Seed story",
            "title_link": "https://news.example/seed",
            "text": "matched: *drone*",
            "footer": "Example News",
        }],
    });
    post_json(&receiver, "/slack", &message).await;
    let request = only_request(&receiver);
    assert!(request.shape_ok, "{request}");
    assert_eq!(request.kind, "slack");
}

/// A `javascript:` title link, a non-string title and a body over 16,000 bytes are flagged.
#[tokio::test]
async fn slack_shape_check_flags_script_links_and_oversized_bodies() {
    let receiver = Receiver::start(None);
    let message = json!({
        "text": "x".repeat(16_000),
        "attachments": [{"title": 7, "title_link": "javascript:alert(1)"}],
    });
    post_json(&receiver, "/slack", &message).await;
    assert_flagged(
        &only_request(&receiver),
        &[
            "attachments[0].title_link is not an http(s) URL",
            "attachments[0].title is not a string",
            "bytes, over 16000",
        ],
    );
}

/// Synapse keeps one event per transaction id, as a re-sent Matrix alert relies on: the same
/// txnId twice is one event (the same event id), a new txnId is a second event.
#[test]
fn synapse_keeps_one_event_per_transaction_id() {
    let synapse = Synapse::shared();
    eprintln!("synapse answered after {:?}", synapse.startup_time());
    let token = synapse.register("txn_test", "correct horse battery", false);
    let room = synapse.create_room(&token);
    // Room version 12, Synapse's default, makes room ids without a server part.
    assert!(room.starts_with('!'), "{room}");
    let content = json!({
        "msgtype": "m.text",
        "body": "Seed story",
        "format": "org.matrix.custom.html",
        "formatted_body": "<a href=\"https://news.example/seed\">Seed story</a>",
    });
    let first = synapse.send_message(&token, &room, "nh-outbox-1", &content);
    let again = synapse.send_message(&token, &room, "nh-outbox-1", &content);
    assert_eq!(first, again, "the same txnId must be the same event");
    assert_eq!(synapse.messages(&token, &room).len(), 1);
    synapse.send_message(&token, &room, "nh-outbox-2", &content);
    let messages = synapse.messages(&token, &room);
    let ids: Vec<&str> = messages
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{messages:?}\nlog:\n{}", synapse.log());
    assert_eq!(ids[0], first, "oldest first");
    assert_eq!(
        messages[1]["content"]["formatted_body"],
        content["formatted_body"]
    );
    assert_eq!(messages[1]["sender"], format!("@txn_test:{SERVER_NAME}"));
    // The URL a Matrix channel is configured with reaches the client API.
    let versions = format!("{}/_matrix/client/versions", synapse.base_url());
    let (status, body) = exchange(reqwest::Method::GET, &versions, None, None).unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"versions\""), "{body}");
}
