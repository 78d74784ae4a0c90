//! Delivers a stored channel message over HTTP and classifies the answer.

use std::time::Duration;

use crate::config::ChannelSettings;

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
        todo!()
    }

    /// Sends the stored `body` of the outbox message `message_id` through `channel`.
    pub async fn send(
        &self,
        channel: &ChannelSettings,
        message_id: &str,
        body: &[u8],
    ) -> Result<ChannelDelivery, ChannelError> {
        let _ = (channel, message_id, body, &self.client);
        todo!()
    }
}
