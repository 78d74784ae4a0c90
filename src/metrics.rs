//! What the service counts about itself, for `/metrics` and `/healthz`.
//!
//! [`Metrics`] holds counters the service updates as it works (polls by result, errors by kind,
//! new articles and hits, emails delivered, and the durations of scheduling passes and feed
//! refreshes) in atomics, shared through an `Arc`. The database's own figures (feeds by status,
//! articles, stories, hits by topic, emails by status) are not mirrored here: they are read at
//! scrape time ([`crate::store::StoreCounts`]), so they are right after a restart too.
//!
//! The exposition is Prometheus' text format, written by hand: about twenty families, half of
//! them read from SQLite at scrape time, are less code than the registry and collector types of
//! a client library, and no dependency is added.
//!
//! # What a "cycle" is
//! The service has no poll rounds: every second a *scheduling pass* reads the feeds that are due,
//! starts their refreshes (which then run on their own) and runs retention when it is due. That
//! pass is the cycle of `newshound_cycle_duration_seconds` and
//! `newshound_last_successful_cycle_timestamp_seconds`, and `/healthz` wants one to have
//! completed recently: it proves that the scheduler runs and reaches the database.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::notify::NotifyReport;
use crate::pipeline::{FeedOutcome, FeedReport};
use crate::store::{CountsByLabel, StoreCounts};

/// `/healthz` fails when no scheduling pass completed for this long: passes run every second,
/// but one may wait behind a long write of the store thread.
pub const PASS_STALE_AFTER: Duration = Duration::from_secs(60);

/// Poll results, the `result` label of `newshound_polls_total`.
const POLL_RESULTS: [&str; 5] = ["ok", "not_modified", "failed", "disabled", "cancelled"];

/// Kinds of error, the `kind` label of `newshound_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A feed poll failed: connection, HTTP status, body or parse.
    FeedPoll = 0,
    /// An article page could not be fetched or extracted.
    ArticlePage = 1,
    /// A database call failed (a refresh not recorded, a pass or email step that failed).
    Database = 2,
    /// An email was not accepted (temporary or permanent failure).
    EmailDelivery = 3,
}

const ERROR_KINDS: [&str; 4] = ["feed_poll", "article_page", "database", "email_delivery"];

/// Buckets of the scheduling pass, in seconds: normally a few milliseconds, seconds only when
/// it waits behind the store thread.
const PASS_BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0];

/// Buckets of one feed refresh, in seconds: a 304 takes milliseconds, a feed with new pages up
/// to the request timeout per page.
const REFRESH_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0];

/// The service's counters, updated as it works and read by `/metrics`.
#[derive(Debug)]
pub struct Metrics {
    /// When the service started; pass times are stored as offsets from it.
    started: Instant,
    /// Polls by result, in the order of [`POLL_RESULTS`].
    polls: [AtomicU64; 5],
    /// Errors by kind, in the order of [`ERROR_KINDS`].
    errors: [AtomicU64; 4],
    /// Articles seen for the first time.
    articles_new: AtomicU64,
    /// Article pages fetched and extracted.
    pages_extracted: AtomicU64,
    /// Topic hits found.
    hits_new: AtomicU64,
    /// Emails put into the outbox.
    emails_queued: AtomicU64,
    /// Emails accepted by the server (or written to files).
    emails_sent: AtomicU64,
    /// Durations of scheduling passes.
    pass_seconds: Histogram<10>,
    /// Durations of feed refreshes (poll and article pages).
    refresh_seconds: Histogram<10>,
    /// Milliseconds after `started` at which the last pass completed, plus one; 0 = none yet.
    last_pass_offset_ms: AtomicU64,
    /// Wall-clock time of the last completed pass, in Unix milliseconds; 0 = none yet.
    last_pass_unix_ms: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// All counters at zero, no pass yet.
    pub fn new() -> Metrics {
        Metrics {
            started: Instant::now(),
            polls: Default::default(),
            errors: Default::default(),
            articles_new: AtomicU64::new(0),
            pages_extracted: AtomicU64::new(0),
            hits_new: AtomicU64::new(0),
            emails_queued: AtomicU64::new(0),
            emails_sent: AtomicU64::new(0),
            pass_seconds: Histogram::new(PASS_BUCKETS),
            refresh_seconds: Histogram::new(REFRESH_BUCKETS),
            last_pass_offset_ms: AtomicU64::new(0),
            last_pass_unix_ms: AtomicU64::new(0),
        }
    }

    /// Counts one error of `kind`.
    pub fn error(&self, kind: ErrorKind) {
        self.errors[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a finished feed refresh that took `took`.
    pub fn refreshed(&self, report: &FeedReport, took: Duration) {
        let result = match &report.outcome {
            FeedOutcome::Updated { new, .. } => {
                add(&self.articles_new, *new);
                0
            }
            FeedOutcome::NotModified => 1,
            FeedOutcome::Failed(_) => {
                self.error(ErrorKind::FeedPoll);
                2
            }
            FeedOutcome::Disabled(_) => 3,
            FeedOutcome::Cancelled => 4,
        };
        self.polls[result].fetch_add(1, Ordering::Relaxed);
        add(&self.pages_extracted, report.pages_ok);
        add(&self.hits_new, report.hits);
        add(
            &self.errors[ErrorKind::ArticlePage as usize],
            report.pages_failed,
        );
        self.refresh_seconds.observe(took);
    }

    /// Counts what an email step did.
    pub fn notified(&self, report: &NotifyReport) {
        add(&self.emails_queued, report.queued);
        add(&self.emails_sent, report.delivered.sent);
        add(
            &self.errors[ErrorKind::EmailDelivery as usize],
            report.delivered.retrying + report.delivered.failed,
        );
    }

    /// Records a scheduling pass that completed (it read the due feeds) after `took`.
    pub fn pass_completed(&self, took: Duration) {
        self.pass_seconds.observe(took);
        let offset = millis(self.started.elapsed()).saturating_add(1);
        self.last_pass_offset_ms.store(offset, Ordering::Relaxed);
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, millis);
        self.last_pass_unix_ms.store(unix, Ordering::Relaxed);
    }

    /// Whether the scheduler is alive: `Err` with the reason when no pass completed yet or the
    /// last one is older than [`PASS_STALE_AFTER`].
    pub fn scheduler_health(&self) -> Result<(), String> {
        let offset = self.last_pass_offset_ms.load(Ordering::Relaxed);
        if offset == 0 {
            return Err("no scheduling pass has completed yet".into());
        }
        let now = millis(self.started.elapsed()).saturating_add(1);
        let age = Duration::from_millis(now.saturating_sub(offset));
        if age > PASS_STALE_AFTER {
            return Err(format!(
                "the last scheduling pass completed {} s ago",
                age.as_secs()
            ));
        }
        Ok(())
    }

    /// The Prometheus text exposition: the counters, and the database's gauges when they could
    /// be read (`newshound_database_up` says whether they could).
    pub fn render(&self, counts: Option<&StoreCounts>) -> String {
        let mut out = String::with_capacity(4096);
        let polls: Vec<(&str, u64)> = POLL_RESULTS
            .iter()
            .zip(&self.polls)
            .map(|(label, n)| (*label, n.load(Ordering::Relaxed)))
            .collect();
        family(&mut out, "polls_total", "counter", "Feed polls by result.");
        for (label, n) in polls {
            sample(&mut out, "polls_total", &[("result", label)], n as f64);
        }
        family(&mut out, "errors_total", "counter", "Errors by kind.");
        for (label, n) in ERROR_KINDS.iter().zip(&self.errors) {
            let n = n.load(Ordering::Relaxed) as f64;
            sample(&mut out, "errors_total", &[("kind", label)], n);
        }
        for (name, help, counter) in [
            (
                "articles_new_total",
                "Articles seen for the first time.",
                &self.articles_new,
            ),
            (
                "pages_extracted_total",
                "Article pages fetched and extracted.",
                &self.pages_extracted,
            ),
            ("hits_new_total", "Topic hits found.", &self.hits_new),
            (
                "emails_queued_total",
                "Emails put into the outbox.",
                &self.emails_queued,
            ),
            (
                "emails_sent_total",
                "Emails accepted by the server or written to files.",
                &self.emails_sent,
            ),
        ] {
            family(&mut out, name, "counter", help);
            sample(&mut out, name, &[], counter.load(Ordering::Relaxed) as f64);
        }
        self.pass_seconds.render(
            &mut out,
            "cycle_duration_seconds",
            "Duration of scheduling passes (read due feeds, start their refreshes, retention).",
        );
        self.refresh_seconds.render(
            &mut out,
            "feed_refresh_duration_seconds",
            "Duration of one feed refresh, article pages included.",
        );
        let last = self.last_pass_unix_ms.load(Ordering::Relaxed) as f64 / 1000.0;
        let name = "last_successful_cycle_timestamp_seconds";
        let help = "Unix time of the last completed scheduling pass (0: none yet).";
        family(&mut out, name, "gauge", help);
        sample(&mut out, name, &[], last);
        family(
            &mut out,
            "database_up",
            "gauge",
            "Whether the database answered this scrape.",
        );
        sample(&mut out, "database_up", &[], f64::from(counts.is_some()));
        if let Some(counts) = counts {
            render_counts(&mut out, counts);
        }
        out
    }
}

/// The gauges read from the database.
fn render_counts(out: &mut String, counts: &StoreCounts) {
    let labelled = |out: &mut String, name: &str, help: &str, label: &str, rows: &CountsByLabel| {
        family(out, name, "gauge", help);
        for (value, n) in rows {
            sample(out, name, &[(label, value)], *n as f64);
        }
    };
    labelled(
        out,
        "feeds",
        "Configured feeds by the status of their last poll.",
        "status",
        &counts.feeds_by_status,
    );
    family(
        out,
        "feeds_broken",
        "gauge",
        "Feeds reported broken by email and not recovered yet.",
    );
    sample(out, "feeds_broken", &[], counts.feeds_broken as f64);
    family(out, "articles", "gauge", "Articles stored.");
    sample(out, "articles", &[], counts.articles as f64);
    family(out, "stories", "gauge", "Stories stored.");
    sample(out, "stories", &[], counts.stories as f64);
    labelled(
        out,
        "hits",
        "Topic hits stored, by topic.",
        "topic",
        &counts.hits_by_topic,
    );
    labelled(
        out,
        "emails",
        "Outbox messages by status (pending, sent, failed).",
        "status",
        &counts.emails_by_status,
    );
}

/// A histogram with `N` fixed upper bounds (plus +Inf), in atomics.
#[derive(Debug)]
struct Histogram<const N: usize> {
    /// Upper bounds in seconds, ascending.
    bounds: [f64; N],
    /// Observations per bucket (not cumulative); the last one is above every bound.
    buckets: [AtomicU64; N],
    /// Observations above the last bound.
    above: AtomicU64,
    /// Sum of all observations, in microseconds.
    sum_micros: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    fn new(bounds: [f64; N]) -> Self {
        Histogram {
            bounds,
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            above: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }
    }

    fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        match self.bounds.iter().position(|bound| seconds <= *bound) {
            Some(index) => self.buckets[index].fetch_add(1, Ordering::Relaxed),
            None => self.above.fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        family(out, name, "histogram", help);
        let bucket = format!("{name}_bucket");
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let le = bound.to_string();
            sample(out, &bucket, &[("le", &le)], cumulative as f64);
        }
        cumulative += self.above.load(Ordering::Relaxed);
        sample(out, &bucket, &[("le", "+Inf")], cumulative as f64);
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        sample(out, &format!("{name}_sum"), &[], sum);
        sample(out, &format!("{name}_count"), &[], cumulative as f64);
    }
}

/// `# HELP` and `# TYPE` lines of `newshound_<name>`.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP newshound_{name} {help}");
    let _ = writeln!(out, "# TYPE newshound_{name} {kind}");
}

/// One sample line of `newshound_<name>`, label values escaped as the format requires.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    let _ = write!(out, "newshound_{name}");
    if !labels.is_empty() {
        out.push('{');
        for (index, (label, value)) in labels.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"{}\"", escape_label(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value with `\`, `"` and newlines escaped (topic names are free text).
fn escape_label(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    escaped
}

fn add(counter: &AtomicU64, n: usize) {
    counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scheduler is unhealthy until a pass completes, then healthy.
    #[test]
    fn health_needs_a_completed_pass() {
        let metrics = Metrics::new();
        let reason = metrics.scheduler_health().unwrap_err();
        assert!(reason.contains("no scheduling pass"), "{reason}");
        metrics.pass_completed(Duration::from_millis(3));
        assert_eq!(metrics.scheduler_health(), Ok(()));
    }

    /// Histogram buckets are cumulative and end in +Inf = count; label values are escaped.
    #[test]
    fn exposition_has_cumulative_buckets_and_escaped_labels() {
        let metrics = Metrics::new();
        metrics.pass_completed(Duration::from_millis(3));
        metrics.pass_completed(Duration::from_secs(100));
        let counts = StoreCounts {
            hits_by_topic: vec![("Arms \"deals\"\n\\".into(), 2)],
            ..StoreCounts::default()
        };
        let text = metrics.render(Some(&counts));
        assert!(text.contains("newshound_cycle_duration_seconds_bucket{le=\"0.001\"} 0\n"));
        assert!(text.contains("newshound_cycle_duration_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("newshound_cycle_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("newshound_cycle_duration_seconds_count 2\n"));
        assert!(text.contains("newshound_hits{topic=\"Arms \\\"deals\\\"\\n\\\\\"} 2\n"));
        assert!(text.contains("newshound_database_up 1\n"));
    }
}
