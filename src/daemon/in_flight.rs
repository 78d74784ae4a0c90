//! Which feeds the service is refreshing, and which it holds back: a feed is refreshed once at
//! a time, a refresh whose result could not be recorded holds its feed back for a while, and a
//! full or locked database pauses every refresh.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::pipeline::FeedReport;

/// A feed whose refresh could not be recorded is not retried before this.
pub const HOLD_BACK_AFTER_FAILURE: Duration = Duration::from_secs(300);

/// After a refresh found the database full or locked by another process, no refresh starts
/// for this long: the others would fetch their feeds only to fail at the same write.
pub const PAUSE_AFTER_STORAGE_FAILURE: Duration = Duration::from_secs(60);

/// Which feeds are being refreshed, and which are held back after a refresh that could not
/// record its result.
#[derive(Default)]
pub struct Running {
    in_flight: HashSet<i64>,
    held_back: HashMap<i64, Instant>,
    /// No refresh starts before this: the database was full or locked.
    paused_until: Option<Instant>,
}

impl Running {
    /// Marks a feed as in flight; false when it already is, or is still held back.
    pub fn start(&mut self, feed_id: i64, now: Instant) -> bool {
        if self.paused_until.is_some_and(|until| until > now) {
            return false;
        }
        if self
            .held_back
            .get(&feed_id)
            .is_some_and(|until| *until > now)
        {
            return false;
        }
        self.held_back.remove(&feed_id);
        self.in_flight.insert(feed_id)
    }

    /// How many refreshes run now.
    pub fn count(&self) -> usize {
        self.in_flight.len()
    }

    /// A refresh ended. One whose result was not recorded (database failure, panic) left its
    /// feed due: hold it back, so a full disk does not turn into polling a server every second.
    pub fn finish(&mut self, finished: &Finished) {
        self.in_flight.remove(&finished.feed_id);
        if finished.pause {
            // The feed is not at fault: it waits with the others, not longer.
            let until = Instant::now() + PAUSE_AFTER_STORAGE_FAILURE;
            if self.paused_until.is_none_or(|old| old < Instant::now()) {
                tracing::error!(
                    seconds = PAUSE_AFTER_STORAGE_FAILURE.as_secs(),
                    "the database cannot take writes; ingestion is paused and then retried"
                );
            }
            self.paused_until = Some(until);
        } else if finished.report.is_none() {
            let until = Instant::now() + HOLD_BACK_AFTER_FAILURE;
            self.held_back.insert(finished.feed_id, until);
        }
    }
}

/// Sent when a refresh task ends, however it ends.
pub struct Finished {
    /// The feed refreshed.
    pub feed_id: i64,
    /// What the refresh did, when its result was recorded.
    pub report: Option<FeedReport>,
    /// The database was full or locked: pause all refreshes.
    pub pause: bool,
}

/// Reports a feed's refresh as finished when dropped, so that a refresh that panics or is
/// cancelled does not leave its feed marked as in flight (and never polled again).
pub struct InFlight {
    /// What is sent on drop.
    pub finished: Option<Finished>,
    /// Where the daemon's loop hears of it.
    pub done: mpsc::UnboundedSender<Finished>,
}

impl InFlight {
    /// A refresh of `feed_id` begins; unless told otherwise it ends unrecorded.
    pub fn new(feed_id: i64, done: mpsc::UnboundedSender<Finished>) -> InFlight {
        InFlight {
            finished: Some(Finished {
                feed_id,
                report: None,
                pause: false,
            }),
            done,
        }
    }

    /// The refresh recorded its result.
    pub fn recorded(&mut self, report: FeedReport) {
        if let Some(finished) = &mut self.finished {
            finished.report = Some(report);
        }
    }

    /// The refresh could not be recorded because the database is full or locked.
    pub fn pause_all(&mut self) {
        if let Some(finished) = &mut self.finished {
            finished.pause = true;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(finished) = self.finished.take() {
            // The receiver only goes away when the daemon stops; nothing is left to tell then.
            let _ = self.done.send(finished);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::FeedOutcome;

    fn finished(feed_id: i64, recorded: bool, pause: bool) -> Finished {
        Finished {
            feed_id,
            report: recorded.then(|| FeedReport::from(FeedOutcome::NotModified)),
            pause,
        }
    }

    /// A feed is refreshed once at a time, and held back after a refresh that could not record
    /// its result, instead of being polled again at the next tick.
    #[test]
    fn unrecorded_refresh_holds_the_feed_back() {
        let mut running = Running::default();
        let now = Instant::now();
        assert!(running.start(1, now));
        assert!(!running.start(1, now), "already in flight");
        running.finish(&finished(1, true, false));
        assert!(running.start(1, now));
        running.finish(&finished(1, false, false));
        assert!(!running.start(1, Instant::now()));
        assert!(running.start(
            1,
            Instant::now() + HOLD_BACK_AFTER_FAILURE + Duration::from_secs(1)
        ));
    }

    /// A full or locked database pauses every refresh, not just the feed that found it, and
    /// only for the pause: that feed is not held back longer than the others.
    #[test]
    fn full_database_pauses_every_feed_for_a_while() {
        let mut running = Running::default();
        assert!(running.start(1, Instant::now()));
        running.finish(&finished(1, false, true));
        assert!(!running.start(2, Instant::now()), "other feeds wait too");
        let later = Instant::now() + PAUSE_AFTER_STORAGE_FAILURE + Duration::from_secs(1);
        assert!(running.start(1, later));
        assert!(running.start(2, later));
    }

    /// A refresh task that ends without a word (a panic, a cancellation) still frees its feed.
    #[test]
    fn a_dropped_refresh_reports_itself_unrecorded() {
        let (done, mut heard) = mpsc::unbounded_channel();
        drop(InFlight::new(7, done));
        let finished = heard.try_recv().unwrap();
        assert_eq!(finished.feed_id, 7);
        assert!(finished.report.is_none() && !finished.pause);
    }
}
