//! Delivers what waits in the outbox, emails and channel messages alike, and records each
//! answer: accepted messages are marked sent only after the server took them (a 2xx for a
//! channel), temporary failures wait with exponential backoff and jitter,
//! permanent ones are marked failed with the server's answer.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};

use super::channels::{ChannelError, ChannelSender};
use super::transport::{Mailer, SendError};
use crate::config::{ChannelKind, ChannelSettings, EMAIL_CHANNEL, NotifySettings};
use crate::store::{OutboxMessage, StoreError, StoreHandle};

/// First wait after a temporary failure; it doubles with each attempt.
const FIRST_RETRY: Duration = Duration::minutes(1);
/// Longest wait between attempts.
const MAX_RETRY: Duration = Duration::hours(1);
/// A message still not accepted this long after it was rendered is given up.
const GIVE_UP_AFTER: Duration = Duration::days(3);
/// Messages taken from the outbox per database read.
const BATCH: usize = 50;

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Accepted by the server (or written to a file).
    pub sent: usize,
    /// Failed temporarily; they wait for another attempt.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
}

/// Which pending messages a pass takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Those whose next attempt has come (the daemon).
    Now,
    /// All pending ones (`run --once` and `test-email`, which a user runs to retry now).
    All,
}

/// Every way out a delivery pass uses, built once per config: the email transport, the
/// channels' HTTP client and settings, and when each channel that failed may be tried again
/// (so a channel that is down costs one attempt per retry, not one per waiting message, and
/// holds up no other).
pub struct Outlets {
    /// The email transport; `None` when it cannot be built (emails then wait in the outbox).
    mailer: Option<Mailer>,
    /// The channels' HTTP client; `None` without channels, or when it cannot be built
    /// (logged; messages wait).
    sender: Option<ChannelSender>,
    /// Every channel, by name.
    channels: Vec<ChannelSettings>,
    /// Channels that failed temporarily, and when they may be tried again.
    resting: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Outlets {
    /// The outlets of `settings`, with `mailer` for email (see [`super::mailer_or_log`]).
    pub fn new(settings: &NotifySettings, mailer: Option<Mailer>) -> Outlets {
        // The HTTP client loads the system's root certificates: only made when a channel needs
        // it, so an email-only service starts (and queues its first alert) without that wait.
        let needs_http = settings
            .channels
            .iter()
            .any(|c| !matches!(c.kind, ChannelKind::Email { .. }));
        let sender = needs_http
            .then(|| {
                ChannelSender::new()
                    .map_err(|e| {
                        tracing::error!(error = %e, "cannot set up channel delivery; messages wait in the outbox");
                    })
                    .ok()
            })
            .flatten();
        Outlets {
            mailer,
            sender,
            channels: settings.channels.clone(),
            resting: Mutex::new(HashMap::new()),
        }
    }

    /// The email transport, if it could be built.
    pub fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    /// When `channel` may be tried again, if it is resting after a failure.
    fn resting_until(&self, channel: &str) -> Option<DateTime<Utc>> {
        self.resting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(channel)
            .copied()
    }

    fn rest(&self, channel: &str, until: Option<DateTime<Utc>>) {
        let mut resting = self.resting.lock().unwrap_or_else(PoisonError::into_inner);
        match until {
            Some(until) => resting.insert(channel.to_owned(), until),
            None => resting.remove(channel),
        };
    }
}

/// What one attempt came to.
enum Outcome {
    /// Accepted, with the answer.
    Sent(String),
    /// Try again, not before the receiver's `Retry-After` when it gave one.
    Temporary(String, Option<std::time::Duration>),
    /// Never to be accepted.
    Permanent(String),
    /// Not attempted: the way out is missing (logged when it was built) or resting.
    Skipped,
}

/// Delivers pending messages until none is left for this pass. Each channel's messages go in
/// order, the channels (email among them) side by side, so a slow or failing channel delays
/// no other.
pub async fn deliver(
    store: &StoreHandle,
    outlets: &Outlets,
    due: Due,
) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    let mut after = 0;
    loop {
        let at = (due == Due::Now).then_some(Utc::now());
        let batch = store
            .call(move |s| s.due_messages(at, after, BATCH))
            .await?;
        let Some(last) = batch.last() else {
            return Ok(done);
        };
        after = last.id;
        let passes = by_channel(batch)
            .into_iter()
            .map(|messages| deliver_in_order(store, outlets, messages, due));
        for pass in futures_util::future::join_all(passes).await {
            done.add(&pass?);
        }
    }
}

/// `messages` grouped by channel, each group in outbox order.
fn by_channel(messages: Vec<OutboxMessage>) -> Vec<Vec<OutboxMessage>> {
    let mut groups: Vec<Vec<OutboxMessage>> = Vec::new();
    for message in messages {
        match groups.iter_mut().find(|g| g[0].channel == message.channel) {
            Some(group) => group.push(message),
            None => groups.push(vec![message]),
        }
    }
    groups
}

/// Delivers one channel's messages in order; after a temporary failure of a channel that is not
/// email, its other messages wait for the channel's next attempt (an email failure may be one
/// recipient's, so the others still go).
async fn deliver_in_order(
    store: &StoreHandle,
    outlets: &Outlets,
    messages: Vec<OutboxMessage>,
    due: Due,
) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    for message in messages {
        let channel = message.channel.clone();
        let is_email = channel == EMAIL_CHANNEL;
        let resting = outlets.resting_until(&channel);
        // A pass over everything (`run --once`) has fresh outlets: a channel rests only after
        // failing in this very pass.
        if resting.is_some_and(|until| due == Due::All || until > Utc::now()) {
            continue;
        }
        let outcome = attempt(outlets, &message).await;
        let next = record(store, &message, outcome, &mut done).await?;
        if !is_email {
            outlets.rest(&channel, next);
            if next.is_some() {
                break;
            }
        }
    }
    Ok(done)
}

/// One delivery attempt of `message` through its channel.
async fn attempt(outlets: &Outlets, message: &OutboxMessage) -> Outcome {
    if message.channel == EMAIL_CHANNEL {
        let Some(mailer) = outlets.mailer.as_ref() else {
            return Outcome::Skipped;
        };
        let result = mailer
            .send(
                &message.sender,
                std::slice::from_ref(&message.recipient),
                &message.message,
            )
            .await;
        return match result {
            Ok(delivery) => Outcome::Sent(delivery.answer),
            Err(SendError::Temporary(error)) => Outcome::Temporary(error, None),
            Err(SendError::Permanent(error)) => Outcome::Permanent(error),
        };
    }
    let Some(sender) = outlets.sender.as_ref() else {
        return Outcome::Skipped;
    };
    let Some(channel) = outlets.channels.iter().find(|c| c.name == message.channel) else {
        let error = format!("channel {:?} is not in the config", message.channel);
        return Outcome::Temporary(error, None);
    };
    match sender
        .send(channel, &message.message_id, &message.message)
        .await
    {
        Ok(delivery) => Outcome::Sent(delivery.answer),
        Err(ChannelError::Temporary {
            answer,
            retry_after,
        }) => Outcome::Temporary(answer, retry_after),
        Err(ChannelError::Permanent(answer)) => Outcome::Permanent(answer),
    }
}

/// Records what an attempt came to; returns when the message is tried next after a temporary
/// failure.
async fn record(
    store: &StoreHandle,
    message: &OutboxMessage,
    outcome: Outcome,
    done: &mut Delivered,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let (id, created, attempts) = (message.id, message.created_at, message.attempts);
    let (to, channel, subject) = (&message.recipient, &message.channel, &message.subject);
    match outcome {
        Outcome::Skipped => Ok(None),
        Outcome::Sent(answer) => {
            if channel == EMAIL_CHANNEL {
                tracing::info!(to = %to, subject = %subject, answer = %answer, "email sent");
            } else {
                tracing::info!(channel = %channel, subject = %subject, answer = %answer, "channel message sent");
            }
            // First in the store's queue: until this commits, a crash sends it again.
            store
                .call_first(move |s| s.mark_sent(id, &answer, Utc::now()))
                .await?;
            done.sent += 1;
            Ok(None)
        }
        Outcome::Temporary(error, retry_after) if Utc::now() - created < GIVE_UP_AFTER => {
            let now = Utc::now();
            let next = match retry_after.and_then(|wait| Duration::from_std(wait).ok()) {
                Some(wait) => now + wait,
                None => retry_at(now, attempts, fastrand::f64()),
            };
            tracing::warn!(channel = %channel, to = %to, error = %error, next_attempt = %next, "message not delivered; will retry");
            store.call(move |s| s.mark_retry(id, &error, next)).await?;
            done.retrying += 1;
            Ok(Some(next))
        }
        Outcome::Temporary(error, _) | Outcome::Permanent(error) => {
            tracing::error!(channel = %channel, to = %to, subject = %subject, error = %error, "message failed for good");
            store.call(move |s| s.mark_failed(id, &error)).await?;
            done.failed += 1;
            Ok(None)
        }
    }
}

impl Delivered {
    fn add(&mut self, other: &Delivered) {
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.failed += other.failed;
    }
}

/// When to try again after `attempts` earlier attempts: 1, 2, 4, ... minutes up to an hour,
/// plus up to a fifth more (`jitter` in 0..1) so that many messages do not retry at once.
pub fn retry_at(now: DateTime<Utc>, attempts: i64, jitter: f64) -> DateTime<Utc> {
    let doublings = u32::try_from(attempts.clamp(0, 16)).unwrap_or(16);
    let wait = FIRST_RETRY
        .checked_mul(2_i32.saturating_pow(doublings))
        .unwrap_or(MAX_RETRY)
        .min(MAX_RETRY);
    let extra_ms = (wait.num_milliseconds() as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as i64;
    now + wait + Duration::milliseconds(extra_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits double from a minute and stop at an hour; jitter adds at most a fifth.
    #[test]
    fn retries_back_off_exponentially_with_bounded_jitter() {
        let now = Utc::now();
        assert_eq!(retry_at(now, 0, 0.0) - now, Duration::minutes(1));
        assert_eq!(retry_at(now, 3, 0.0) - now, Duration::minutes(8));
        assert_eq!(retry_at(now, 10, 0.0) - now, Duration::hours(1));
        assert_eq!(retry_at(now, 10_000, 0.0) - now, Duration::hours(1));
        assert_eq!(retry_at(now, 0, 1.0) - now, Duration::seconds(72));
    }
}
