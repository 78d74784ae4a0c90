//! What a poll cycle did, in one summary: printed by `run --once`, and logged as the service's
//! one info line per cycle, so a journal shows the service's work without a line per feed.
//!
//! The service has no poll rounds of its own (feeds fall due one by one); its *poll cycle* is a
//! run of refreshes without a pause: it begins when a scheduling pass starts a refresh while none
//! is running and ends at the first pass that finds nothing running and nothing to start (or,
//! for a service that never pauses, after [`LONGEST_CYCLE`]).

use std::time::{Duration, Instant};

use crate::notify::NotifyReport;
use crate::pipeline::{FeedOutcome, FeedReport};

/// A service whose refreshes never pause still logs its summary this often.
pub const LONGEST_CYCLE: Duration = Duration::from_secs(300);

/// What one poll cycle did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CycleSummary {
    /// Feeds fetched and parsed.
    pub ok: usize,
    /// Feeds that answered 304.
    pub not_modified: usize,
    /// Feeds whose poll failed (recorded against each feed).
    pub failed: usize,
    /// Feeds skipped because their next poll time has not come.
    pub not_due: usize,
    /// Feeds disabled (gone).
    pub disabled: usize,
    /// Articles seen for the first time.
    pub new_articles: usize,
    /// Articles whose entry changed.
    pub updated_articles: usize,
    /// Article pages fetched and extracted.
    pub pages_ok: usize,
    /// Article pages that failed or were refused.
    pub pages_failed: usize,
    /// New topic hits.
    pub hits: usize,
    /// Alert and digest emails put into the outbox.
    pub emails_queued: usize,
    /// Emails the server accepted (or written to files).
    pub emails_sent: usize,
    /// Emails that failed temporarily and wait in the outbox.
    pub emails_waiting: usize,
    /// Emails refused for good.
    pub emails_failed: usize,
    /// Wall time of the cycle.
    pub seconds: f64,
}

impl CycleSummary {
    /// Counts one finished refresh.
    pub fn add(&mut self, report: &FeedReport) {
        match &report.outcome {
            FeedOutcome::Updated { new, updated } => {
                self.ok += 1;
                self.new_articles += new;
                self.updated_articles += updated;
            }
            FeedOutcome::NotModified => self.not_modified += 1,
            FeedOutcome::Failed(_) | FeedOutcome::Cancelled => self.failed += 1,
            FeedOutcome::Disabled(_) => self.disabled += 1,
        }
        self.pages_ok += report.pages_ok;
        self.pages_failed += report.pages_failed;
        self.hits += report.hits;
    }

    /// Counts what the email step after the cycle did.
    pub fn add_emails(&mut self, report: &NotifyReport) {
        self.emails_queued += report.queued;
        self.emails_sent += report.delivered.sent;
        self.emails_waiting += report.delivered.retrying;
        self.emails_failed += report.delivered.failed;
    }

    /// Feeds whose refresh ended, however it ended.
    pub fn polled(&self) -> usize {
        self.ok + self.not_modified + self.failed + self.disabled
    }

    /// The service's info line for the cycle.
    pub fn log(&self) {
        tracing::info!(
            feeds = self.polled(),
            not_modified = self.not_modified,
            failed = self.failed,
            new_articles = self.new_articles,
            pages = self.pages_ok,
            pages_failed = self.pages_failed,
            hits = self.hits,
            emails_queued = self.emails_queued,
            emails_sent = self.emails_sent,
            emails_waiting = self.emails_waiting,
            seconds = format_args!("{:.1}", self.seconds),
            "poll cycle finished"
        );
    }
}

impl std::fmt::Display for CycleSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "feeds: {} ok, {} not modified, {} failed, {} not due, {} disabled\n\
             articles: {} new, {} updated; pages: {} extracted, {} failed\n\
             hits: {} new; emails: {} queued, {} sent, {} waiting, {} failed\n\
             time: {:.2} s",
            self.ok,
            self.not_modified,
            self.failed,
            self.not_due,
            self.disabled,
            self.new_articles,
            self.updated_articles,
            self.pages_ok,
            self.pages_failed,
            self.hits,
            self.emails_queued,
            self.emails_sent,
            self.emails_waiting,
            self.emails_failed,
            self.seconds
        )
    }
}

/// The service's current poll cycle: when it began and what its refreshes did so far.
#[derive(Debug, Default)]
pub struct Cycle {
    began: Option<Instant>,
    summary: CycleSummary,
}

impl Cycle {
    /// A refresh started: the cycle begins unless it already has.
    pub fn started(&mut self, now: Instant) {
        self.began.get_or_insert(now);
    }

    /// A refresh finished and recorded its result.
    pub fn finished(&mut self, report: &FeedReport) {
        self.summary.add(report);
    }

    /// Ends the cycle when it is over (`idle`: nothing runs and nothing was started) or has
    /// lasted [`LONGEST_CYCLE`], returning its summary; a cycle in which nothing finished
    /// returns nothing.
    pub fn end_if_over(&mut self, idle: bool, now: Instant) -> Option<CycleSummary> {
        let began = self.began?;
        let long = now.saturating_duration_since(began) >= LONGEST_CYCLE;
        if !idle && !long {
            return None;
        }
        let mut summary = std::mem::take(&mut self.summary);
        self.began = if idle { None } else { Some(now) };
        summary.seconds = now.saturating_duration_since(began).as_secs_f64();
        (summary.polled() > 0).then_some(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcome: FeedOutcome, hits: usize) -> FeedReport {
        FeedReport {
            hits,
            ..FeedReport::from(outcome)
        }
    }

    /// A cycle gathers every refresh until the service is idle, then gives one summary and
    /// starts afresh.
    #[test]
    fn a_cycle_ends_when_nothing_runs_and_nothing_starts() {
        let mut cycle = Cycle::default();
        let t0 = Instant::now();
        assert_eq!(cycle.end_if_over(true, t0), None, "nothing began");
        cycle.started(t0);
        cycle.finished(&report(FeedOutcome::NotModified, 0));
        assert_eq!(cycle.end_if_over(false, t0), None, "refreshes still run");
        cycle.finished(&report(FeedOutcome::Updated { new: 3, updated: 0 }, 2));
        let summary = cycle
            .end_if_over(true, t0 + Duration::from_secs(2))
            .unwrap();
        assert_eq!((summary.polled(), summary.not_modified), (2, 1));
        assert_eq!((summary.new_articles, summary.hits), (3, 2));
        assert!((summary.seconds - 2.0).abs() < 1e-9);
        assert_eq!(cycle.end_if_over(true, t0 + Duration::from_secs(3)), None);
    }

    /// A service that never runs idle still reports, once per longest cycle.
    #[test]
    fn a_cycle_that_never_pauses_is_cut_at_the_longest_cycle() {
        let mut cycle = Cycle::default();
        let t0 = Instant::now();
        cycle.started(t0);
        cycle.finished(&report(FeedOutcome::NotModified, 0));
        assert_eq!(cycle.end_if_over(false, t0 + Duration::from_secs(1)), None);
        let later = t0 + LONGEST_CYCLE;
        assert_eq!(cycle.end_if_over(false, later).unwrap().polled(), 1);
        cycle.finished(&report(FeedOutcome::Failed("x".into()), 0));
        let summary = cycle.end_if_over(true, later + Duration::from_secs(5));
        assert_eq!(summary.map(|s| s.failed), Some(1));
    }
}
