//! When each feed is polled next: the interval, the publisher's hints, and backoff after failures.
//!
//! Pure policy: every function takes `now` and a random `jitter` in `[0, 1)` as arguments, so the
//! rules are tested without clocks or randomness.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The longest a publisher's `<ttl>`, `Cache-Control: max-age` or `Retry-After` may push a poll.
pub const MAX_HINT: Duration = Duration::from_secs(24 * 60 * 60);

/// Jitter is at most this share of the interval, so polls of many feeds spread out.
const JITTER_SHARE: f64 = 0.1;

/// Jitter never exceeds this, so long intervals stay close to what the user asked for.
const MAX_JITTER: Duration = Duration::from_secs(15 * 60);

/// What the publisher said about polling again, read from the last response.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PublisherHints {
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
}

/// True when a feed should be polled at `now`.
pub fn is_due(next_poll_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    next_poll_at <= now
}

/// Next poll after a successful or not-modified poll: the feed's interval, or longer when the
/// publisher asks for it (capped at 24 hours), plus a positive jitter; never earlier than the
/// interval.
pub fn after_success(
    now: DateTime<Utc>,
    interval: Duration,
    hints: PublisherHints,
    jitter: f64,
) -> DateTime<Utc> {
    let hinted = [hints.ttl, hints.max_age]
        .into_iter()
        .flatten()
        .map(|d| d.min(MAX_HINT))
        .max()
        .unwrap_or_default();
    let wait = interval.max(hinted);
    add(now, wait + jitter_for(interval, jitter))
}

/// Next poll after a failure. A `Retry-After` from the server is honoured (capped at 24 hours,
/// never earlier than the interval); otherwise the wait doubles with each consecutive failure,
/// from the interval up to `max_backoff`, plus jitter.
pub fn after_failure(
    now: DateTime<Utc>,
    interval: Duration,
    consecutive_errors: u32,
    retry_after: Option<Duration>,
    max_backoff: Duration,
    jitter: f64,
) -> DateTime<Utc> {
    if let Some(retry_after) = retry_after {
        return add(now, retry_after.min(MAX_HINT).max(interval));
    }
    let doublings = consecutive_errors.saturating_sub(1).min(20);
    let backoff = interval
        .saturating_mul(1u32 << doublings)
        .min(max_backoff.max(interval));
    add(now, backoff + jitter_for(backoff, jitter))
}

fn jitter_for(base: Duration, jitter: f64) -> Duration {
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    base.mul_f64(JITTER_SHARE * jitter).min(MAX_JITTER)
}

fn add(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
    }
    const MIN: Duration = Duration::from_secs(60);

    /// The next poll is never earlier than the interval, whatever the jitter.
    #[test]
    fn success_waits_at_least_the_interval() {
        for jitter in [0.0, 0.5, 0.999] {
            let next = after_success(t0(), 15 * MIN, PublisherHints::default(), jitter);
            assert!(next >= t0() + chrono::Duration::minutes(15));
            assert!(next <= t0() + chrono::Duration::minutes(17));
        }
    }

    /// A publisher's ttl or max-age longer than the interval is honoured, capped at a day.
    #[test]
    fn publisher_hints_extend_the_wait_up_to_a_day() {
        let hints = PublisherHints {
            ttl: Some(60 * MIN),
            max_age: Some(10 * MIN),
        };
        assert_eq!(
            after_success(t0(), 15 * MIN, hints, 0.0),
            t0() + chrono::Duration::minutes(60)
        );
        let huge = PublisherHints {
            ttl: None,
            max_age: Some(Duration::from_secs(7 * 86400)),
        };
        assert_eq!(
            after_success(t0(), 15 * MIN, huge, 0.0),
            t0() + chrono::Duration::hours(24)
        );
    }

    /// Failures back off exponentially up to the cap.
    #[test]
    fn failures_back_off_exponentially_to_the_cap() {
        let cap = Duration::from_secs(3600);
        let waits: Vec<i64> = (1..=6)
            .map(|n| (after_failure(t0(), 10 * MIN, n, None, cap, 0.0) - t0()).num_minutes())
            .collect();
        assert_eq!(waits, vec![10, 20, 40, 60, 60, 60]);
    }

    /// Retry-After is honoured, but never shortens the interval.
    #[test]
    fn retry_after_is_honoured() {
        let cap = Duration::from_secs(3600);
        let next = after_failure(t0(), 10 * MIN, 1, Some(120 * MIN), cap, 0.7);
        assert_eq!(next, t0() + chrono::Duration::minutes(120));
        let short = after_failure(t0(), 10 * MIN, 1, Some(MIN), cap, 0.7);
        assert_eq!(short, t0() + chrono::Duration::minutes(10));
    }

    /// A feed is due exactly when its time has come.
    #[test]
    fn due_when_next_poll_has_passed() {
        assert!(is_due(t0(), t0()));
        assert!(!is_due(t0() + chrono::Duration::seconds(1), t0()));
    }
}
