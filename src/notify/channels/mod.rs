//! The channels besides email: each renders a message into the JSON body its receiver takes
//! (pure, so the body goes into the outbox with the hits it carries), and [`ChannelSender`]
//! delivers a stored body over HTTP, signed or authorised as the channel needs.
//!
//! # Files
//! - `webhook`: Standard Webhooks: the body (stories with the fields of `hits --json`, grouped
//!   as in the email) and the `webhook-*` headers with the HMAC-SHA256 signature.
//! - `ntfy`: one notification per alert: title, Markdown list of the top stories, click URL,
//!   priority and tags; the message within ntfy's 4,096 bytes.
//! - `slack`: one message per alert with attachments (title links, sites, matched words), the
//!   format Slack, Mattermost and Rocket.Chat share, within their limits.
//! - `matrix`: an `m.room.message` with a plain `body` and HTML `formatted_body` within the
//!   64 KiB event limit.
//! - `http`: the one HTTP client (rustls, no redirects), the request of each kind, and the
//!   answer classified as sent, temporary (retry, honouring `Retry-After`) or permanent.
//! - `signature`: the Standard Webhooks signature, `v1,` + HMAC-SHA256 with the `whsec_` key.
//! - `view`: what every renderer shares: the stories merged and ranked, the cut that keeps
//!   the best ones within a size, links (http(s) only) and the "and N more" line.
//!
//! Every message too long for its channel is cut by whole stories, ending in "and N more
//! stories" with a link, never refused.

mod http;
pub mod matrix;
pub mod ntfy;
mod signature;
pub mod slack;
mod view;
pub mod webhook;

use chrono::{DateTime, Utc};

pub use http::{ChannelDelivery, ChannelError, ChannelSender, describe};
pub use signature::{SignatureError, sign, verify};

use super::Email;
use crate::config::{ChannelKind, NtfyOptions};
use crate::store::FeedAlert;

/// What one channel message tells.
#[derive(Debug, Clone, Copy)]
pub enum Notice<'a> {
    /// An immediate alert or a digest, with the ntfy options of its topics merged.
    Stories {
        /// The stories, and what was left out.
        email: &'a Email,
        /// Highest priority and every tag of the topics in it.
        ntfy: &'a NtfyOptions,
    },
    /// A feed broken or recovered.
    Feed(&'a FeedAlert),
    /// `newshound test-channel`.
    Test {
        /// When it was sent.
        sent_at: DateTime<Utc>,
        /// The config file, to say which newshound sent it.
        origin: &'a str,
    },
}

impl Notice<'_> {
    /// The webhook `type` and the outbox `kind` family: `alert`, `digest`, `feed_broken`,
    /// `feed_recovered` or `test`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Notice::Stories { email, .. } => match email.kind {
                super::Kind::Immediate => "alert",
                super::Kind::Digest { .. } => "digest",
            },
            Notice::Feed(alert) => alert.kind.outbox_kind(),
            Notice::Test { .. } => "test",
        }
    }
}

/// A rendered channel message: what the outbox stores and the sender posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// One line saying what it is, for `newshound outbox` and the logs (like an email subject).
    pub subject: String,
    /// The request body, JSON.
    pub body: Vec<u8>,
}

/// Renders `notice` for a channel of `kind`; `None` for email, which has its own renderer.
pub fn render(kind: &ChannelKind, notice: &Notice<'_>) -> Option<Payload> {
    match kind {
        ChannelKind::Email { .. } => None,
        ChannelKind::Webhook { .. } => Some(webhook::render(notice)),
        ChannelKind::Ntfy { url, .. } => Some(ntfy::render(notice, &ntfy::topic_of(url.expose()))),
        ChannelKind::Slack { .. } => Some(slack::render(notice)),
        ChannelKind::Matrix { .. } => Some(matrix::render(notice)),
    }
}

/// The id of an outbox row as a channel sends it: the Standard Webhooks `webhook-id` and the
/// Matrix transaction id. The same row always gives the same id, so a receiver (or the
/// homeserver) recognises a repeat after a crash; the creation time keeps ids of two
/// databases apart.
pub fn message_id(outbox_id: i64, created_at: DateTime<Utc>) -> String {
    format!("msg_newshound_{outbox_id}_{}", created_at.timestamp())
}
