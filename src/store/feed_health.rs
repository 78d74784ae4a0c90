//! Feed health and the daemon's gauges: which feeds are due a "feed broken" or "recovered"
//! email (and queueing it with the feed's new alert state in one transaction), a cheap query that
//! tells whether the database answers, and the counts `/metrics` reads at scrape time.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::outbox::insert_message;
use super::{NewMessage, Store, StoreError, from_unix};

/// Which of the two feed health emails is meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedAlertKind {
    /// The feed has been failing for longer than `feed_failure_alert_after`.
    Broken,
    /// A feed that was reported broken works again.
    Recovered,
}

impl FeedAlertKind {
    /// The outbox `kind` of the email, so `newshound outbox` tells them from topic alerts.
    pub fn outbox_kind(self) -> &'static str {
        match self {
            FeedAlertKind::Broken => "feed_broken",
            FeedAlertKind::Recovered => "feed_recovered",
        }
    }

    /// The condition on a feed's row under which this email is due: a failing feed not
    /// reported yet, or a reported feed that works again. Checked in the transaction that
    /// queues the email, so a report is never queued twice.
    fn state(self) -> &'static str {
        match self {
            FeedAlertKind::Broken => "broken_alert_outbox_id IS NULL AND failing_since IS NOT NULL",
            FeedAlertKind::Recovered => {
                "broken_alert_outbox_id IS NOT NULL AND failing_since IS NULL"
            }
        }
    }
}

/// A feed due a health email, with what the email says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedAlert {
    /// Broken or recovered.
    pub kind: FeedAlertKind,
    /// Row id of the feed.
    pub feed_id: i64,
    /// URL as written in the config, to find the feed in the config.
    pub config_url: String,
    /// Where the feed is fetched now.
    pub url: String,
    /// Display name.
    pub name: String,
    /// When the current run of failures began (broken feeds).
    pub failing_since: Option<DateTime<Utc>>,
    /// The last error (broken feeds).
    pub last_error: Option<String>,
    /// Failed polls in a row (broken feeds).
    pub failed_polls: u32,
    /// The last poll: the last failure of a broken feed, the first success of a recovered one.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// When the "feed broken" email was queued (recovered feeds).
    pub broken_reported_at: Option<DateTime<Utc>>,
}

/// Label values with their counts, e.g. `("ok", 12)`, sorted by label.
pub type CountsByLabel = Vec<(String, i64)>;

/// The gauges read from the database when `/metrics` is scraped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoreCounts {
    /// Configured feeds by the status of their last poll ("ok", "not_modified", "error",
    /// "disabled", or "never_polled").
    pub feeds_by_status: CountsByLabel,
    /// Configured feeds reported broken and not recovered yet.
    pub feeds_broken: i64,
    /// Articles stored.
    pub articles: i64,
    /// Stories stored.
    pub stories: i64,
    /// Hits stored, by topic.
    pub hits_by_topic: CountsByLabel,
    /// Outbox messages by status ("pending", "sent", "failed").
    pub emails_by_status: CountsByLabel,
}

const ALERT_COLUMNS: &str = "f.id, f.config_url, f.url, f.name, f.failing_since, f.last_error,
     f.consecutive_errors, f.last_polled_at, o.created_at";

impl Store {
    /// Enabled feeds whose current run of failures began at `began_before` or earlier and that
    /// were not reported yet.
    pub fn feeds_to_report_broken(
        &self,
        began_before: DateTime<Utc>,
    ) -> Result<Vec<FeedAlert>, StoreError> {
        self.feed_alerts(
            FeedAlertKind::Broken,
            "WHERE f.failing_since <= ?1 AND f.broken_alert_outbox_id IS NULL
                 AND f.disabled_reason IS NULL",
            [began_before.timestamp()],
        )
    }

    /// Feeds reported broken whose last poll succeeded.
    pub fn feeds_to_report_recovered(&self) -> Result<Vec<FeedAlert>, StoreError> {
        self.feed_alerts(
            FeedAlertKind::Recovered,
            "WHERE f.broken_alert_outbox_id IS NOT NULL AND f.failing_since IS NULL",
            [],
        )
    }

    fn feed_alerts(
        &self,
        kind: FeedAlertKind,
        condition: &str,
        parameters: impl rusqlite::Params,
    ) -> Result<Vec<FeedAlert>, StoreError> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM feeds f
             LEFT JOIN outbox o ON o.id = f.broken_alert_outbox_id {condition} ORDER BY f.id"
        );
        self.db.read(|c| {
            c.prepare_cached(&sql)?
                .query_map(parameters, |r| {
                    Ok(FeedAlert {
                        kind,
                        feed_id: r.get(0)?,
                        config_url: r.get(1)?,
                        url: r.get(2)?,
                        name: r.get(3)?,
                        failing_since: r.get::<_, Option<i64>>(4)?.map(from_unix),
                        last_error: r.get(5)?,
                        failed_polls: r.get(6)?,
                        last_polled_at: r.get::<_, Option<i64>>(7)?.map(from_unix),
                        broken_reported_at: r.get::<_, Option<i64>>(8)?.map(from_unix),
                    })
                })?
                .collect()
        })
    }

    /// Puts a feed health report into the outbox, one message per admin channel, and records
    /// it against the feed in the same transaction: a broken report sets the feed's
    /// `broken_alert_outbox_id` (the first message's row), a recovered report clears it.
    /// `compose` gets each message's index and row id. Returns `None`, with nothing written,
    /// when the feed is no longer in the state the alert was made for, so a report can never be
    /// queued twice.
    pub fn enqueue_feed_alert(
        &mut self,
        alert: &FeedAlert,
        messages: &[NewMessage<'_>],
        now: DateTime<Utc>,
        mut compose: impl FnMut(usize, i64) -> (String, Vec<u8>),
    ) -> Result<Option<i64>, StoreError> {
        let (id, state) = (alert.feed_id, alert.kind.state());
        self.db.write(|tx| {
            let still_due: bool = tx.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM feeds WHERE id = ?1 AND {state})"),
                [id],
                |r| r.get(0),
            )?;
            if !still_due {
                return Ok(None);
            }
            let mut first = None;
            for (index, message) in messages.iter().enumerate() {
                let id = insert_message(tx, message, now, |id| compose(index, id))?;
                first.get_or_insert(id);
            }
            let Some(outbox_id) = first else {
                return Ok(None);
            };
            // A broken report is recorded against the feed; a recovered one clears it.
            let reported = (alert.kind == FeedAlertKind::Broken).then_some(outbox_id);
            tx.execute(
                "UPDATE feeds SET broken_alert_outbox_id = ?2 WHERE id = ?1",
                params![id, reported],
            )?;
            Ok(Some(outbox_id))
        })
    }

    /// Takes and releases the write lock, writing nothing: the service cannot work without
    /// it, and it is what another process holding the database, a read-only file or a broken
    /// disk take away (a plain read such as `SELECT 1` answers in all those cases).
    pub fn ping(&mut self) -> Result<(), StoreError> {
        self.db.write(|_| Ok(()))
    }

    /// The gauges of `/metrics`. `is_configured` tells the feeds of the running config from
    /// rows that stay after a feed was removed from it.
    pub fn counts(&self, is_configured: impl Fn(&str) -> bool) -> Result<StoreCounts, StoreError> {
        let mut counts = StoreCounts::default();
        let mut feeds: std::collections::BTreeMap<String, i64> = Default::default();
        let rows: Vec<(String, String, bool)> = self.db.read(|c| {
            c.prepare_cached(
                "SELECT config_url,
                     CASE WHEN disabled_reason IS NOT NULL THEN 'disabled'
                          ELSE COALESCE(last_status, 'never_polled') END,
                     broken_alert_outbox_id IS NOT NULL
                 FROM feeds",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect()
        })?;
        for (config_url, status, broken) in rows {
            if is_configured(&config_url) {
                *feeds.entry(status).or_default() += 1;
                counts.feeds_broken += i64::from(broken);
            }
        }
        counts.feeds_by_status = feeds.into_iter().collect();
        counts.articles = self.count("SELECT count(*) FROM articles")?;
        counts.stories = self.count("SELECT count(*) FROM stories")?;
        // hit_topics is kept equal to the hits counted by topic (migration 0009), without
        // reading every hit at each scrape.
        counts.hits_by_topic =
            self.grouped("SELECT topic, hits FROM hit_topics WHERE hits > 0 ORDER BY topic")?;
        counts.emails_by_status =
            self.grouped("SELECT status, count(*) FROM outbox GROUP BY status ORDER BY status")?;
        Ok(counts)
    }

    fn count(&self, sql: &str) -> Result<i64, StoreError> {
        self.db.read(|c| c.query_row(sql, [], |r| r.get(0)))
    }

    fn grouped(&self, sql: &str) -> Result<CountsByLabel, StoreError> {
        self.db.read(|c| {
            c.prepare_cached(sql)?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FeedSpec, PollRecord};
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn poll(store: &mut Store, id: i64, secs: i64, failed: bool) {
        let record = PollRecord {
            polled_at: at(secs),
            next_poll_at: at(secs + 60),
            status: if failed { "error" } else { "not_modified" },
            http_status: None,
            error: failed.then(|| "connection refused".to_string()),
        };
        store.record_poll(id, &record).unwrap();
    }

    /// Version 6 counts a feed already failing at upgrade time from its last poll, so the
    /// upgrade itself does not report old failures at once; working feeds are not failing.
    #[test]
    fn migration_starts_existing_failure_runs_at_the_last_poll() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        let mut store = Store::with_connection(rusqlite::Connection::open(&path).unwrap(), &path);
        store.migrate_to(5).unwrap();
        store
            .db
            .conn
            .execute_batch(
                "INSERT INTO feeds (id, config_url, url, name, created_at, last_polled_at,
                     consecutive_errors) VALUES (1, 'a', 'a', 'a', 0, 500, 3);
                 INSERT INTO feeds (id, config_url, url, name, created_at, last_polled_at,
                     consecutive_errors) VALUES (2, 'b', 'b', 'b', 0, 500, 0);",
            )
            .unwrap();
        store.migrate().unwrap();
        let broken = store.feeds_to_report_broken(at(10_000)).unwrap();
        assert_eq!(broken.len(), 1);
        assert_eq!(
            (broken[0].feed_id, broken[0].failing_since),
            (1, Some(at(500)))
        );
    }

    fn message(kind: FeedAlertKind) -> NewMessage<'static> {
        NewMessage {
            kind: kind.outbox_kind(),
            channel: "email",
            name: None,
            recipient: "admin@example.org",
            sender: "newshound@example.org",
            subject: "s",
            hit_ids: &[],
            digest_slot: None,
        }
    }

    /// A run of failures starts at its first failed poll; it is reported once after the
    /// threshold, and its recovery once, with the state in the transaction of the email.
    #[test]
    fn a_failure_run_is_reported_once_and_its_recovery_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let spec = FeedSpec {
            config_url: "http://127.0.0.1:1/f.xml".into(),
            name: "F".into(),
        };
        let id = store.sync_feeds(&[spec], at(0)).unwrap()[0].id;
        poll(&mut store, id, 100, true);
        poll(&mut store, id, 200, true);
        assert!(store.feeds_to_report_broken(at(99)).unwrap().is_empty());
        let broken = store.feeds_to_report_broken(at(100)).unwrap();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].failing_since, Some(at(100)));
        assert_eq!(broken[0].failed_polls, 2);
        let queued = store
            .enqueue_feed_alert(
                &broken[0],
                &[message(FeedAlertKind::Broken)],
                at(300),
                |_, i| (format!("<{i}>"), b"m".to_vec()),
            )
            .unwrap();
        assert!(queued.is_some());
        let again = store
            .enqueue_feed_alert(
                &broken[0],
                &[message(FeedAlertKind::Broken)],
                at(301),
                |_, i| (format!("<{i}>"), b"m".to_vec()),
            )
            .unwrap();
        assert_eq!(again, None, "a second report of the same run is refused");
        assert!(store.feeds_to_report_broken(at(1000)).unwrap().is_empty());
        assert!(store.feeds_to_report_recovered().unwrap().is_empty());
        assert_eq!(store.counts(|_| true).unwrap().feeds_broken, 1);

        poll(&mut store, id, 400, false);
        let recovered = store.feeds_to_report_recovered().unwrap();
        assert_eq!(recovered.len(), 1);
        assert_eq!(recovered[0].broken_reported_at, Some(at(300)));
        let msg = message(FeedAlertKind::Recovered);
        assert!(
            store
                .enqueue_feed_alert(&recovered[0], &[msg], at(500), |_, i| (
                    format!("<{i}>"),
                    b"m".to_vec()
                ))
                .unwrap()
                .is_some()
        );
        assert!(store.feeds_to_report_recovered().unwrap().is_empty());
        assert_eq!(store.outbox(10).unwrap().len(), 2);
    }
}
