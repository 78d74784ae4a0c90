//! Delivers a stored channel message over HTTP and classifies the answer.
//!
//! # What may be shown
//! Answers and errors end up in the logs and in `newshound outbox`. A Slack, webhook or ntfy
//! URL is itself a credential (its path and query), and tokens and webhook secrets are sent
//! with every request, so no text made here contains them: reqwest errors are stripped of their
//! URL, a channel is named by its name and [`SecretUrl::redacted`], and an answer that echoes
//! the request (an error page saying "Cannot POST /services/T0/B0/XYZ") has every secret of the
//! channel replaced before it is kept.

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use reqwest::header::{self, HeaderMap};
use reqwest::{RequestBuilder, Response, StatusCode};
use url::{Position, Url};

use super::signature;
use crate::config::{ChannelKind, ChannelSettings, Secret, SecretUrl};
use crate::fetch::{error_chain, retry_after};
use crate::notify::render::sanitize::one_line_within;

/// How long connecting (TCP and TLS) may take, whatever the channel's own timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of an answer's body is read: enough for any error message worth recording.
const ANSWER_READ_LIMIT: usize = 4096;

/// How long a recorded answer may be, status included.
const ANSWER_MAX_CHARS: usize = 200;

/// The longest `Retry-After` honoured: a receiver asking for more is retried the next day.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// What replaces a secret found in an answer.
const REDACTED: &str = "<redacted>";

/// The one HTTP client of the channels: rustls, no redirects followed (a channel URL is
/// trusted, where it redirects to is not), each request bounded by its channel's timeout.
#[derive(Debug, Clone)]
pub struct ChannelSender {
    client: reqwest::Client,
}

/// What the receiver said when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDelivery {
    /// Status and the start of the answer's body, e.g. `200 OK {"event_id":"$abc"}`.
    pub answer: String,
}

/// Why a message was not delivered; the texts never contain a secret or a secret URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// 429, 5xx, a timeout or a connection error: try again later, not before `retry_after`
    /// when the receiver said so.
    #[error("temporary failure: {answer}")]
    Temporary {
        /// The status and answer, or the error.
        answer: String,
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Any other answer (4xx, a redirect): the message will never be accepted.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl ChannelSender {
    /// Builds the client.
    pub fn new() -> Result<ChannelSender, reqwest::Error> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("newshound/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()?;
        Ok(ChannelSender { client })
    }

    /// Sends the stored `body` of the outbox message `message_id` through `channel`.
    pub async fn send(
        &self,
        channel: &ChannelSettings,
        message_id: &str,
        body: &[u8],
    ) -> Result<ChannelDelivery, ChannelError> {
        let response = self
            .request(channel, message_id, body)?
            .send()
            .await
            .map_err(|err| transport_error(channel, err))?;
        classify(channel, response).await
    }

    /// The request of `channel`'s kind, with its headers, signature or token, and timeout.
    fn request(
        &self,
        channel: &ChannelSettings,
        message_id: &str,
        body: &[u8],
    ) -> Result<RequestBuilder, ChannelError> {
        let request = match &channel.kind {
            ChannelKind::Email { .. } => {
                return Err(ChannelError::Permanent(format!(
                    "channel \"{}\" is an email channel, not sent over HTTP",
                    channel.name
                )));
            }
            ChannelKind::Webhook { url, secret } => {
                let timestamp = Utc::now().timestamp();
                let signature = signature::sign(secret, message_id, timestamp, body)
                    .map_err(|err| permanent(channel, err.to_string()))?;
                self.client
                    .post(url.expose().clone())
                    .header("webhook-id", message_id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
            }
            ChannelKind::Ntfy { url, token } => {
                with_bearer(self.client.post(ntfy_root(url.expose())), token.as_ref())
            }
            ChannelKind::Slack { url } => self.client.post(url.expose().clone()),
            ChannelKind::Matrix {
                homeserver,
                room,
                token,
            } => {
                let url = matrix_send_url(homeserver, room, message_id).ok_or_else(|| {
                    permanent(channel, "the homeserver URL cannot take a path".into())
                })?;
                with_bearer(self.client.put(url), Some(token))
            }
        };
        Ok(request
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .timeout(channel.timeout))
    }
}

/// Where `channel` delivers, for logs and `newshound test-channel`: its kind and redacted
/// target, never a secret, e.g. `webhook to https://hooks.example.org/… (signed)`.
pub fn describe(channel: &ChannelSettings) -> String {
    match &channel.kind {
        ChannelKind::Email { to } => format!("email to {}", to.join(", ")),
        ChannelKind::Webhook { url, .. } => format!("webhook to {} (signed)", url.redacted()),
        ChannelKind::Ntfy { url, token } => {
            let auth = if token.is_some() { " (with token)" } else { "" };
            format!("ntfy to {}{auth}", url.redacted())
        }
        ChannelKind::Slack { url } => format!("slack to {}", url.redacted()),
        ChannelKind::Matrix {
            homeserver, room, ..
        } => format!("matrix room {room} on {homeserver}"),
    }
}

/// `Authorization: Bearer`, marked sensitive, when there is a token.
fn with_bearer(request: RequestBuilder, token: Option<&Secret>) -> RequestBuilder {
    match token {
        Some(token) => request.bearer_auth(token.expose()),
        None => request,
    }
}

/// The URL ntfy takes JSON publishes at: the topic URL without its last segment (the topic,
/// which the body names), keeping a path prefix of a server behind a reverse proxy.
fn ntfy_root(topic_url: &Url) -> Url {
    let mut root = topic_url.clone();
    root.set_fragment(None);
    if let Ok(mut segments) = root.path_segments_mut() {
        segments.pop_if_empty().pop().push("");
    }
    root
}

/// `{homeserver}/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn_id}`, the room and
/// transaction id percent-encoded as path segments; `None` for a URL that cannot have a path.
fn matrix_send_url(homeserver: &Url, room: &str, txn_id: &str) -> Option<Url> {
    let mut url = homeserver.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut().ok()?.pop_if_empty().extend([
        "_matrix",
        "client",
        "v3",
        "rooms",
        room,
        "send",
        "m.room.message",
        txn_id,
    ]);
    Some(url)
}

/// The receiver's status (and body) as a delivery or an error.
async fn classify(
    channel: &ChannelSettings,
    response: Response,
) -> Result<ChannelDelivery, ChannelError> {
    let status = response.status();
    if status.is_redirection() {
        return Err(ChannelError::Permanent(redirect_refused(status, &response)));
    }
    let wait = retry_after(response.headers(), SystemTime::now()).map(|d| d.min(MAX_RETRY_AFTER));
    let answer = answer_text(channel, status, &read_answer_start(response).await);
    if status.is_success() {
        Ok(ChannelDelivery { answer })
    } else if is_temporary(status) {
        Err(ChannelError::Temporary {
            answer,
            retry_after: wait,
        })
    } else {
        Err(ChannelError::Permanent(answer))
    }
}

/// 408, 429 and 5xx: the receiver may take the same message later.
fn is_temporary(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// The text of a redirect that was not followed, naming only the target's host (the path of a
/// redirect from a secret URL may be as secret as the URL).
fn redirect_refused(status: StatusCode, response: &Response) -> String {
    let target_host = location(response.headers(), response.url())
        .and_then(|target| target.host_str().map(str::to_owned));
    match target_host {
        Some(host) => format!("{status}: redirect to {host} not followed"),
        None => format!("{status}: redirect not followed"),
    }
}

/// The `Location` of a redirect, resolved against the URL that answered.
fn location(headers: &HeaderMap, base: &Url) -> Option<Url> {
    let value = headers.get(header::LOCATION)?.to_str().ok()?;
    base.join(value).ok()
}

/// The first [`ANSWER_READ_LIMIT`] bytes of the body, as text; what arrived before an error.
async fn read_answer_start(mut response: Response) -> String {
    let mut start = Vec::new();
    while start.len() < ANSWER_READ_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => start.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    start.truncate(ANSWER_READ_LIMIT);
    String::from_utf8_lossy(&start).into_owned()
}

/// `{status} {body start}` on one line, without the channel's secrets, cut to
/// [`ANSWER_MAX_CHARS`].
fn answer_text(channel: &ChannelSettings, status: StatusCode, body: &str) -> String {
    let line = format!("{status} {}", redact_secrets(channel, body));
    one_line_within(&line, ANSWER_MAX_CHARS)
}

/// A request that got no answer: a timeout, a refused connection, TLS or a broken exchange
/// (temporary), or a request that could not be built (permanent: an invalid token, say).
fn transport_error(channel: &ChannelSettings, err: reqwest::Error) -> ChannelError {
    let err = err.without_url();
    let message = if err.is_timeout() && err.is_connect() {
        format!("connect timed out after {CONNECT_TIMEOUT:?}")
    } else if err.is_timeout() {
        format!("timed out after {:?}", channel.timeout)
    } else {
        err.source().map_or_else(|| err.to_string(), error_chain)
    };
    if err.is_builder() {
        return permanent(channel, message);
    }
    ChannelError::Temporary {
        answer: named(channel, &message),
        retry_after: None,
    }
}

/// A permanent error that names the channel.
fn permanent(channel: &ChannelSettings, message: String) -> ChannelError {
    ChannelError::Permanent(named(channel, &message))
}

/// `channel "NAME" (target): message`, the message without the channel's secrets.
fn named(channel: &ChannelSettings, message: &str) -> String {
    let message = one_line_within(&redact_secrets(channel, message), ANSWER_MAX_CHARS);
    format!(
        "channel \"{}\" ({}): {message}",
        channel.name,
        target(channel)
    )
}

/// The server a channel talks to, as far as it may be shown.
fn target(channel: &ChannelSettings) -> String {
    match &channel.kind {
        ChannelKind::Email { .. } => "email".to_owned(),
        ChannelKind::Webhook { url, .. }
        | ChannelKind::Ntfy { url, .. }
        | ChannelKind::Slack { url } => url.redacted(),
        ChannelKind::Matrix { homeserver, .. } => homeserver.to_string(),
    }
}

/// `text` with every secret of `channel` replaced by [`REDACTED`], longest first so that a
/// whole URL goes before its path.
fn redact_secrets(channel: &ChannelSettings, text: &str) -> String {
    let mut secrets = channel_secrets(channel);
    secrets.retain(|s| s.len() > 1);
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.iter().fold(text.to_owned(), |text, secret| {
        text.replace(secret.as_str(), REDACTED)
    })
}

/// Every string of `channel` that must not be shown: secret URLs whole and their path and
/// query, an ntfy topic (whoever knows it can read and post), tokens, the webhook secret with
/// and without its prefix.
fn channel_secrets(channel: &ChannelSettings) -> Vec<String> {
    match &channel.kind {
        ChannelKind::Email { .. } => Vec::new(),
        ChannelKind::Webhook { url, secret } => {
            let mut secrets = url_secrets(url);
            let written = secret.expose().trim();
            secrets.push(written.to_owned());
            secrets.extend(written.strip_prefix("whsec_").map(str::to_owned));
            secrets
        }
        ChannelKind::Ntfy { url, token } => {
            let mut secrets = url_secrets(url);
            secrets.push(super::ntfy::topic_of(url.expose()));
            secrets.extend(token.iter().map(|t| t.expose().to_owned()));
            secrets
        }
        ChannelKind::Slack { url } => url_secrets(url),
        ChannelKind::Matrix { token, .. } => vec![token.expose().to_owned()],
    }
}

/// A secret URL whole, its path with and without the query, and its query.
fn url_secrets(url: &SecretUrl) -> Vec<String> {
    let url = url.expose();
    let mut secrets = vec![
        url.to_string(),
        url[Position::BeforePath..].to_owned(),
        url.path().to_owned(),
    ];
    secrets.extend(url.query().map(str::to_owned));
    // A receiver may echo one part alone (a Slack token segment, a `?key=` value); parts long
    // enough to be a credential are hidden one by one too.
    let parts = url
        .path_segments()
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .chain(url.query_pairs().map(|(_, value)| value.into_owned()));
    secrets.extend(parts.filter(|part| part.chars().count() >= SECRET_PART_MIN));
    secrets
}

/// Path segments and query values at least this long are hidden on their own: shorter ones
/// are words such as `hooks` or `services`, not credentials.
const SECRET_PART_MIN: usize = 8;

#[cfg(test)]
mod tests;
