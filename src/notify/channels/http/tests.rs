//! The sender against receivers on 127.0.0.1 that record each request and answer as the test
//! scripts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use tokio::net::TcpListener;
use url::Url;

use super::*;
use crate::config::{ChannelKind, ChannelSettings, Secret, SecretUrl};
use crate::notify::channels::verify;

/// The webhook secret of the tests (the specification's example secret).
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// The path of the secret URLs: whoever knows it can post.
const SECRET_PATH: &str = "/services/T0SECRETPATH/B1";
/// The query of the secret URLs.
const SECRET_QUERY: &str = "key=QUERYSECRET42";
/// The ntfy and Matrix access token.
const TOKEN: &str = "syt_TOKENSECRET_abcdef";
/// The ntfy topic.
const TOPIC: &str = "alerts-TOPICSECRET";
const MESSAGE_ID: &str = "msg_newshound_7_1700000000";
const BODY: &[u8] = br#"{"type":"alert","stories":[]}"#;

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    /// Path and query, as sent.
    target: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the receiver answers: status, headers and body, made from the request.
type Script = dyn Fn(&Recorded) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync;

#[derive(Clone)]
struct ReceiverState {
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Script>,
}

/// A receiver on 127.0.0.1 that records requests and answers as scripted.
struct Receiver {
    base: Url,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Receiver {
    async fn start(
        script: impl Fn(&Recorded) -> (u16, Vec<(&'static str, String)>, String) + Send + Sync + 'static,
    ) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let state = ReceiverState {
            requests: Arc::default(),
            script: Arc::new(script),
        };
        let requests = state.requests.clone();
        let app = Router::new().fallback(record).with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { base, requests }
    }

    /// A receiver that answers every request with `status`, `headers` and `body`.
    async fn answering(status: u16, headers: &[(&'static str, &str)], body: &str) -> Receiver {
        let headers: Vec<(&'static str, String)> =
            headers.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        let body = body.to_owned();
        Receiver::start(move |_| (status, headers.clone(), body.clone())).await
    }

    /// The receiver's URL with the secret path and query.
    fn secret_url(&self) -> SecretUrl {
        let mut url = self.base.join(SECRET_PATH).unwrap();
        url.set_query(Some(SECRET_QUERY));
        SecretUrl::new(url)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "{requests:?}");
        requests[0].clone()
    }
}

async fn record(
    State(state): State<ReceiverState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Recorded {
        method,
        target: uri
            .path_and_query()
            .map(ToString::to_string)
            .unwrap_or_default(),
        headers,
        body,
    };
    let (status, headers, body) = (state.script)(&request);
    state.requests.lock().unwrap().push(request);
    let mut response = Response::builder().status(status);
    for (name, value) in headers {
        response = response.header(name, value);
    }
    response.body(Body::from(body)).unwrap()
}

fn channel(kind: ChannelKind) -> ChannelSettings {
    ChannelSettings {
        name: "desk".to_owned(),
        kind,
        timeout: Duration::from_secs(5),
        max_per_hour: 60,
        secret_files: Vec::new(),
    }
}

fn webhook(url: SecretUrl) -> ChannelSettings {
    channel(ChannelKind::Webhook {
        url,
        secret: Secret::new(WEBHOOK_SECRET.to_owned()),
    })
}

fn matrix(homeserver: &Url) -> ChannelSettings {
    channel(ChannelKind::Matrix {
        homeserver: homeserver.clone(),
        room: "!room:example.org".to_owned(),
        token: Secret::new(TOKEN.to_owned()),
    })
}

async fn send(channel: &ChannelSettings) -> Result<ChannelDelivery, ChannelError> {
    ChannelSender::new()
        .unwrap()
        .send(channel, MESSAGE_ID, BODY)
        .await
}

/// Neither the error's text nor its Debug shows a secret of the test channels.
fn assert_no_secrets(err: &ChannelError) {
    let shown = format!("{err} {err:?}");
    let webhook_key = WEBHOOK_SECRET.trim_start_matches("whsec_");
    for secret in [
        webhook_key,
        "T0SECRETPATH",
        "QUERYSECRET42",
        "TOKENSECRET",
        "TOPICSECRET",
    ] {
        assert!(!shown.contains(secret), "{secret} shown in {shown}");
    }
}

fn temporary_wait(result: Result<ChannelDelivery, ChannelError>) -> Option<Duration> {
    match result {
        Err(err @ ChannelError::Temporary { .. }) => {
            assert_no_secrets(&err);
            let ChannelError::Temporary { retry_after, .. } = err else {
                unreachable!()
            };
            retry_after
        }
        other => panic!("expected a temporary failure, got {other:?}"),
    }
}

fn permanent_text(result: Result<ChannelDelivery, ChannelError>) -> String {
    match result {
        Err(err @ ChannelError::Permanent(_)) => {
            assert_no_secrets(&err);
            err.to_string()
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

/// A webhook carries the Standard Webhooks headers, and its signature verifies with the
/// channel's secret over exactly the bytes that arrived.
#[tokio::test]
async fn webhook_is_signed_with_the_standard_headers() {
    let receiver = Receiver::answering(200, &[], "ok").await;
    let channel = webhook(receiver.secret_url());
    let before = Utc::now().timestamp();
    send(&channel).await.unwrap();
    let request = receiver.only_request();
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.target, format!("{SECRET_PATH}?{SECRET_QUERY}"));
    assert_eq!(request.header("webhook-id"), Some(MESSAGE_ID));
    assert_eq!(request.header("content-type"), Some("application/json"));
    let user_agent = request.header("user-agent").unwrap();
    assert_eq!(user_agent, concat!("newshound/", env!("CARGO_PKG_VERSION")));
    let timestamp: i64 = request
        .header("webhook-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((before..=Utc::now().timestamp()).contains(&timestamp));
    assert_eq!(request.body.as_ref(), BODY);
    let signature = request.header("webhook-signature").unwrap();
    assert!(signature.starts_with("v1,"));
    let secret = Secret::new(WEBHOOK_SECRET.to_owned());
    assert!(verify(&secret, MESSAGE_ID, timestamp, &request.body, signature).unwrap());
    let wrong = Secret::new("whsec_c2VjcmV0LW9mLWFub3RoZXItc2VuZGVy".to_owned());
    assert!(!verify(&wrong, MESSAGE_ID, timestamp, &request.body, signature).unwrap());
}

/// A 200 is a delivery whose answer is the status and the body's start on one line, cut.
#[tokio::test]
async fn ok_answer_is_sent_with_status_and_body_start_on_one_line() {
    let long_body = format!("{{\"event_id\":\"$abc\"}}\n\u{1b}[31m{}", "x".repeat(5000));
    let receiver = Receiver::answering(200, &[], &long_body).await;
    let delivery = send(&webhook(receiver.secret_url())).await.unwrap();
    assert!(
        delivery
            .answer
            .starts_with("200 OK {\"event_id\":\"$abc\"} [31mxxx"),
        "{}",
        delivery.answer
    );
    assert!(!delivery.answer.contains(['\n', '\u{1b}']));
    assert_eq!(delivery.answer.chars().count(), ANSWER_MAX_CHARS);
}

/// A 204 is a delivery too; its answer is the status alone.
#[tokio::test]
async fn no_content_answer_is_sent() {
    let receiver = Receiver::answering(204, &[], "").await;
    let delivery = send(&webhook(receiver.secret_url())).await.unwrap();
    assert_eq!(delivery.answer, "204 No Content");
}

/// A redirect is not followed (its target is never asked) and fails for good, naming only the
/// target's host.
#[tokio::test]
async fn redirect_is_permanent_and_not_followed() {
    let target = Receiver::answering(200, &[], "ok").await;
    let location = target
        .base
        .join("/elsewhere/TARGETPATH")
        .unwrap()
        .to_string();
    let receiver = Receiver::answering(301, &[("location", &location)], "").await;
    let text = permanent_text(send(&webhook(receiver.secret_url())).await);
    assert!(target.requests().is_empty());
    assert_eq!(receiver.requests().len(), 1);
    assert!(text.contains("301 Moved Permanently"), "{text}");
    assert!(
        text.contains("redirect to 127.0.0.1 not followed"),
        "{text}"
    );
    assert!(!text.contains("TARGETPATH"), "{text}");
}

/// A 400 fails for good with the receiver's explanation recorded.
#[tokio::test]
async fn bad_request_is_permanent_with_the_answer() {
    let receiver = Receiver::answering(400, &[], "invalid_payload: no text").await;
    let text = permanent_text(send(&webhook(receiver.secret_url())).await);
    assert_eq!(
        text,
        "permanent failure: 400 Bad Request invalid_payload: no text"
    );
}

/// A 404 page that repeats the request's path and query (as many frameworks' do) fails for
/// good without showing the secret URL.
#[tokio::test]
async fn not_found_is_permanent_and_hides_the_echoed_secret_url() {
    let receiver = Receiver::start(|request| {
        let echo = format!("Cannot POST {}", request.target);
        (404, Vec::new(), echo)
    })
    .await;
    let text = permanent_text(send(&webhook(receiver.secret_url())).await);
    assert_eq!(
        text,
        "permanent failure: 404 Not Found Cannot POST <redacted>"
    );
}

/// 429 asks to come back later, after the seconds its `Retry-After` says.
#[tokio::test]
async fn too_many_requests_is_temporary_with_retry_after_seconds() {
    let receiver = Receiver::answering(429, &[("retry-after", "7")], "slow down").await;
    let wait = temporary_wait(send(&webhook(receiver.secret_url())).await);
    assert_eq!(wait, Some(Duration::from_secs(7)));
}

/// A `Retry-After` date is turned into the wait until then; one beyond a day is capped.
#[tokio::test]
async fn unavailable_is_temporary_with_retry_after_date() {
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    let receiver = Receiver::answering(503, &[("retry-after", &at)], "maintenance").await;
    let wait = temporary_wait(send(&webhook(receiver.secret_url())).await).unwrap();
    assert!(
        (Duration::from_secs(110)..=Duration::from_secs(120)).contains(&wait),
        "{wait:?}"
    );
    let receiver = Receiver::answering(502, &[("retry-after", "9999999")], "").await;
    let wait = temporary_wait(send(&webhook(receiver.secret_url())).await);
    assert_eq!(wait, Some(MAX_RETRY_AFTER));
}

/// 408 and 500 without `Retry-After` are temporary with no wait of their own.
#[tokio::test]
async fn request_timeout_and_server_error_are_temporary() {
    for status in [408, 500] {
        let receiver = Receiver::answering(status, &[], "try later").await;
        let result = send(&webhook(receiver.secret_url())).await;
        assert_eq!(temporary_wait(result), None, "status {status}");
    }
}

/// A receiver that takes the request and never answers is given up after the channel's
/// timeout, as a temporary failure naming the channel.
#[tokio::test]
async fn silent_receiver_times_out_as_temporary() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let url = Url::parse(&format!("http://{address}{SECRET_PATH}?{SECRET_QUERY}")).unwrap();
    let mut channel = webhook(SecretUrl::new(url));
    channel.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let result = send(&channel).await;
    let elapsed = started.elapsed();
    let text = result.as_ref().unwrap_err().to_string();
    assert_eq!(temporary_wait(result), None);
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let expected = format!("channel \"desk\" (http://{address}/…): timed out after 300ms");
    assert!(text.ends_with(&expected), "{text}");
}

/// A refused connection is temporary and names the channel and its redacted URL.
#[tokio::test]
async fn refused_connection_is_temporary() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let url = Url::parse(&format!("http://{address}{SECRET_PATH}?{SECRET_QUERY}")).unwrap();
    let channel = webhook(SecretUrl::new(url));
    let result = send(&channel).await;
    let text = result.as_ref().unwrap_err().to_string();
    assert_eq!(temporary_wait(result), None);
    let named = format!("channel \"desk\" (http://{address}/…): ");
    assert!(text.contains(&named), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
}

/// Matrix gets a PUT to the room's send path with the message id as transaction id (the same
/// on a re-send, so the homeserver keeps one event) and the token as Bearer.
#[tokio::test]
async fn matrix_puts_to_the_room_with_the_transaction_id_and_token() {
    let receiver = Receiver::answering(200, &[], r#"{"event_id":"$e1"}"#).await;
    let homeserver = receiver.base.join("/matrix-prefix/").unwrap();
    let channel = matrix(&homeserver);
    let delivery = send(&channel).await.unwrap();
    assert_eq!(delivery.answer, r#"200 OK {"event_id":"$e1"}"#);
    send(&channel).await.unwrap();
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request.method, Method::PUT);
        assert_eq!(
            request.target,
            format!(
                "/matrix-prefix/_matrix/client/v3/rooms/!room:example.org/send/m.room.message/{MESSAGE_ID}"
            )
        );
        let bearer = format!("Bearer {TOKEN}");
        assert_eq!(request.header("authorization"), Some(bearer.as_str()));
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.body.as_ref(), BODY);
    }
}

/// A homeserver refusing the token (and quoting it back) fails for good without the token.
#[tokio::test]
async fn matrix_refusal_hides_the_token() {
    let receiver = Receiver::start(|request| {
        let quoted = request
            .header("authorization")
            .unwrap_or_default()
            .to_owned();
        (401, Vec::new(), format!("M_UNKNOWN_TOKEN: {quoted}"))
    })
    .await;
    let text = permanent_text(send(&matrix(&receiver.base)).await);
    assert!(text.contains("401 Unauthorized M_UNKNOWN_TOKEN"), "{text}");
}

/// The room and transaction id are path segments: characters that would end a segment or the
/// path are percent-encoded.
#[test]
fn matrix_path_segments_are_percent_encoded() {
    let homeserver = Url::parse("https://matrix.example.org").unwrap();
    let url = matrix_send_url(&homeserver, "#odd/room?:example.org", "txn 1").unwrap();
    assert_eq!(
        url.as_str(),
        "https://matrix.example.org/_matrix/client/v3/rooms/%23odd%2Froom%3F:example.org/send/m.room.message/txn%201"
    );
}

/// ntfy takes JSON publishes at the server's root, below any path prefix of a reverse proxy.
#[test]
fn ntfy_root_drops_the_topic_and_keeps_a_prefix() {
    let root = |topic: &str| ntfy_root(&Url::parse(topic).unwrap()).to_string();
    assert_eq!(root("https://ntfy.sh/mytopic"), "https://ntfy.sh/");
    assert_eq!(
        root("https://example.org/ntfy/mytopic"),
        "https://example.org/ntfy/"
    );
    assert_eq!(root("https://ntfy.sh/mytopic/"), "https://ntfy.sh/");
}

/// ntfy gets the JSON at the root with the token as Bearer; an error echoing the topic does
/// not show it.
#[tokio::test]
async fn ntfy_posts_to_the_root_with_bearer_token() {
    let receiver = Receiver::answering(200, &[], "{}").await;
    let topic_url = receiver.base.join(TOPIC).unwrap();
    let ntfy = channel(ChannelKind::Ntfy {
        url: SecretUrl::new(topic_url),
        token: Some(Secret::new(TOKEN.to_owned())),
    });
    send(&ntfy).await.unwrap();
    let request = receiver.only_request();
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.target, "/");
    let bearer = format!("Bearer {TOKEN}");
    assert_eq!(request.header("authorization"), Some(bearer.as_str()));
    assert_eq!(request.body.as_ref(), BODY);

    let refusing = Receiver::answering(403, &[], &format!("forbidden: topic {TOPIC}")).await;
    let ntfy = channel(ChannelKind::Ntfy {
        url: SecretUrl::new(refusing.base.join(TOPIC).unwrap()),
        token: Some(Secret::new(TOKEN.to_owned())),
    });
    let text = permanent_text(send(&ntfy).await);
    assert_eq!(
        text,
        "permanent failure: 403 Forbidden forbidden: topic <redacted>"
    );
}

/// Slack-compatible webhooks get a plain JSON POST to their URL, without authorization.
#[tokio::test]
async fn slack_posts_to_its_url() {
    let receiver = Receiver::answering(200, &[], "ok").await;
    let slack = channel(ChannelKind::Slack {
        url: receiver.secret_url(),
    });
    let delivery = send(&slack).await.unwrap();
    assert_eq!(delivery.answer, "200 OK ok");
    let request = receiver.only_request();
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.target, format!("{SECRET_PATH}?{SECRET_QUERY}"));
    assert_eq!(request.header("authorization"), None);
}

/// Email is not sent over HTTP: asking is a permanent error, not a panic.
#[tokio::test]
async fn email_channel_is_refused() {
    let email = channel(ChannelKind::Email {
        to: vec!["desk@example.org".to_owned()],
    });
    let text = permanent_text(send(&email).await);
    assert!(text.contains("email channel"), "{text}");
}

/// describe names the kind and the server, never the secret path, query or token.
#[test]
fn describe_shows_no_secret() {
    let url = Url::parse(&format!(
        "https://hooks.example.org{SECRET_PATH}?{SECRET_QUERY}"
    ))
    .unwrap();
    let described = describe(&webhook(SecretUrl::new(url)));
    assert_eq!(described, "webhook to https://hooks.example.org/… (signed)");
    let homeserver = Url::parse("https://matrix.example.org").unwrap();
    let described = describe(&matrix(&homeserver));
    assert_eq!(
        described,
        "matrix room !room:example.org on https://matrix.example.org/"
    );
}
