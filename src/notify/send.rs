//! Delivers what waits in the outbox and records each answer: accepted messages are marked sent
//! only after the server took them, temporary failures wait with exponential backoff and jitter,
//! permanent ones are marked failed with the server's answer.

use chrono::{DateTime, Duration, Utc};

use super::transport::{Mailer, SendError};
use crate::store::{StoreError, StoreHandle};

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

/// Delivers pending messages until none is left for this pass.
pub async fn deliver(
    store: &StoreHandle,
    mailer: &Mailer,
    due: Due,
) -> Result<Delivered, StoreError> {
    let mut done = Delivered::default();
    let mut seen = std::collections::HashSet::new();
    loop {
        let now = Utc::now();
        let at = (due == Due::Now).then_some(now);
        let batch = store.call(move |s| s.due_messages(at, BATCH)).await?;
        let fresh: Vec<_> = batch.into_iter().filter(|m| seen.insert(m.id)).collect();
        if fresh.is_empty() {
            return Ok(done);
        }
        for message in fresh {
            let result = mailer
                .send(
                    &message.sender,
                    std::slice::from_ref(&message.recipient),
                    &message.message,
                )
                .await;
            let (id, created, attempts) = (message.id, message.created_at, message.attempts);
            match result {
                Ok(delivery) => {
                    tracing::info!(to = %message.recipient, subject = %message.subject, answer = %delivery.answer, "email sent");
                    // First in the store's queue: until this commits, a crash sends it again.
                    store
                        .call_first(move |s| s.mark_sent(id, &delivery.answer, Utc::now()))
                        .await?;
                    done.sent += 1;
                }
                Err(SendError::Temporary(error)) if Utc::now() - created < GIVE_UP_AFTER => {
                    let next = retry_at(Utc::now(), attempts, fastrand::f64());
                    tracing::warn!(to = %message.recipient, error = %error, next_attempt = %next, "email not delivered; will retry");
                    store.call(move |s| s.mark_retry(id, &error, next)).await?;
                    done.retrying += 1;
                }
                Err(SendError::Temporary(error) | SendError::Permanent(error)) => {
                    tracing::error!(to = %message.recipient, subject = %message.subject, error = %error, "email failed for good");
                    store.call(move |s| s.mark_failed(id, &error)).await?;
                    done.failed += 1;
                }
            }
        }
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
