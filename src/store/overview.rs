//! What the web overview, the feeds page and the outbox page read: each topic's hits over the
//! last day, week and in all with its hits per day (from `hit_topics`, `hit_days` and
//! `hit_hours`, which triggers keep beside `hits`, so no page reads more than an hour of hits),
//! every feed's health, and the outbox's newest emails without their messages.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;

use super::feeds::{FEED_COLUMNS, feed_from_row};
use super::{FeedState, Store, StoreError, from_unix};

/// Seconds in an hour and in a day: `hit_hours` and `hit_days` bucket a hit's `created_at` by
/// integer division by these.
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// A topic's hits as the overview shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicActivity {
    /// The topic's name.
    pub topic: String,
    /// Hits found in the 24 hours before `now` (and any stamped later).
    pub last_day: i64,
    /// Hits found in the 7 × 24 hours before `now` (and any stamped later).
    pub last_week: i64,
    /// Hits stored (retention removes those of old articles).
    pub total: i64,
    /// When the newest hit was found.
    pub last_hit_at: Option<DateTime<Utc>>,
    /// Hits per UTC day, oldest first, the last entry being `now`'s day (so far).
    pub per_day: Vec<DayHits>,
}

/// The hits of one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayHits {
    /// The UTC date.
    pub date: NaiveDate,
    /// Hits found that day.
    pub hits: i64,
}

/// How a feed is doing, worst first (the feeds page sorts by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FeedHealth {
    /// Failing for longer than `feed_failure_alert_after`: the "feed broken" email went out.
    Broken,
    /// The server said it is gone (HTTP 410); it is not polled any more.
    Disabled,
    /// Its last poll failed, not yet for long enough to be reported broken.
    Failing,
    /// Not polled yet.
    NotPolled,
    /// Its last poll succeeded (new items, or not modified).
    Working,
}

impl FeedHealth {
    /// Whether a reader should look at the feed: it does not work and is not new.
    pub fn needs_attention(self) -> bool {
        matches!(
            self,
            FeedHealth::Broken | FeedHealth::Disabled | FeedHealth::Failing
        )
    }
}

/// A feed's row with what tells its health.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedReport {
    /// The poll state `newshound feeds` shows.
    pub state: FeedState,
    /// When the current run of failed polls began; `None` while the feed works.
    pub failing_since: Option<DateTime<Utc>>,
    /// The "feed broken" email of the current run went out (and no "recovered" one yet).
    pub reported_broken: bool,
}

impl FeedReport {
    /// The feed's health, from the same columns the feed health emails decide by.
    pub fn health(&self) -> FeedHealth {
        let state = &self.state;
        if state.disabled_reason.is_some() {
            FeedHealth::Disabled
        } else if self.failing_since.is_some() && self.reported_broken {
            FeedHealth::Broken
        } else if self.failing_since.is_some() {
            FeedHealth::Failing
        } else if state.last_polled_at.is_none() {
            FeedHealth::NotPolled
        } else {
            FeedHealth::Working
        }
    }
}

/// A message of the outbox (an email or a channel's) as the outbox page and `newshound
/// outbox` list it: what happened to it, without the message itself (a digest can be large,
/// and the page shows a hundred).
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Row id.
    pub id: i64,
    /// "immediate", "digest", "test", "feed_broken" or "feed_recovered".
    pub kind: String,
    /// "email", or the channel's name.
    pub channel: String,
    /// Recipient (the channel's name for a channel message).
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// When it was rendered.
    pub created_at: DateTime<Utc>,
    /// "pending", "sent" or "failed".
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When the next attempt is due (pending emails).
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The server's answer when it accepted the message.
    pub answer: Option<String>,
}

/// The start of a window ending now, cut into what each table counts exactly: whole UTC days
/// from `hit_days`, whole hours before the first whole day from `hit_hours`, and the seconds
/// before the first whole hour from `hits` itself (at most an hour of rows, through
/// `hits_created_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Window {
    /// The first second counted.
    from: i64,
    /// The first whole hour (an hour number, `created_at / 3600`).
    first_hour: i64,
    /// The first whole day (a day number, `created_at / 86400`).
    first_day: i64,
}

impl Window {
    /// The window from `from` on.
    fn from(from: i64) -> Window {
        Window {
            from,
            first_hour: ceil_div(from, HOUR),
            first_day: ceil_div(from, DAY),
        }
    }
}

/// `a / b` rounded up, for `b > 0`.
fn ceil_div(a: i64, b: i64) -> i64 {
    a.div_euclid(b) + i64::from(a.rem_euclid(b) != 0)
}

/// The date of a day number.
fn date_of(day: i64) -> NaiveDate {
    from_unix(day.saturating_mul(DAY)).date_naive()
}

/// The overview's counts of each topic as they are gathered from the tables.
struct Tally<'a> {
    /// Where each topic's counts are in `activity`.
    index: HashMap<&'a str, usize>,
    /// The counts, in the order of the topics asked for.
    activity: Vec<TopicActivity>,
    /// The windows: the last 24 hours and the last 7 days.
    windows: [Window; 2],
    /// The day of the chart's first entry.
    chart_from: i64,
}

impl Tally<'_> {
    /// The window counts of the topic at `i`, in the order of `windows`.
    fn window_counts(&mut self, i: usize) -> [&mut i64; 2] {
        let a = &mut self.activity[i];
        [&mut a.last_day, &mut a.last_week]
    }

    /// Runs `sql` with `params` and hands every row whose first column is a topic asked for
    /// to `each`, with the topic's place; rows of other topics (removed from the config) are
    /// passed over without being copied.
    fn each_row(
        &mut self,
        c: &Connection,
        sql: &str,
        params: impl rusqlite::Params,
        mut each: impl FnMut(&mut Self, usize, &rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let mut statement = c.prepare_cached(sql)?;
        let mut rows = statement.query(params)?;
        while let Some(row) = rows.next()? {
            let place = row
                .get_ref(0)?
                .as_str()
                .ok()
                .and_then(|topic| self.index.get(topic).copied());
            if let Some(i) = place {
                each(self, i, row)?;
            }
        }
        Ok(())
    }

    /// Each topic's hits in all and newest hit.
    fn totals(&mut self, c: &Connection) -> rusqlite::Result<()> {
        self.each_row(
            c,
            "SELECT topic, hits, last_at FROM hit_topics",
            [],
            |t, i, r| {
                t.activity[i].total = r.get(1)?;
                t.activity[i].last_hit_at = Some(from_unix(r.get(2)?));
                Ok(())
            },
        )
    }

    /// The hits in each window's hours and seconds before its first whole day.
    fn window_edges(&mut self, c: &Connection) -> rusqlite::Result<()> {
        for (w, window) in self.windows.into_iter().enumerate() {
            let hours = [window.first_hour, window.first_day * (DAY / HOUR)];
            self.each_row(
                c,
                "SELECT topic, hits FROM hit_hours WHERE hour >= ?1 AND hour < ?2",
                hours,
                |t, i, r| {
                    *t.window_counts(i)[w] += r.get::<_, i64>(1)?;
                    Ok(())
                },
            )?;
            // INDEXED BY: any other plan reads every hit; were the index renamed, the
            // statement fails instead of turning slow.
            let seconds = [window.from, window.first_hour * HOUR];
            self.each_row(
                c,
                "SELECT topic FROM hits INDEXED BY hits_created_at
                 WHERE created_at >= ?1 AND created_at < ?2",
                seconds,
                |t, i, _| {
                    *t.window_counts(i)[w] += 1;
                    Ok(())
                },
            )?;
        }
        Ok(())
    }

    /// Each topic's whole days: its chart, and the whole days of each window.
    fn days(&mut self, c: &Connection, topics: &[&str]) -> rusqlite::Result<()> {
        // Whole days back to the earliest either the chart or a window needs.
        let from = self
            .windows
            .iter()
            .map(|w| w.first_day)
            .fold(self.chart_from, i64::min);
        let topics = serde_json::to_string(topics).unwrap_or_else(|_| "[]".into());
        self.each_row(
            c,
            "SELECT d.topic, d.day, d.hits
             FROM json_each(?1) t JOIN hit_days d ON d.topic = t.value AND d.day >= ?2",
            rusqlite::params![topics, from],
            |t, i, r| {
                let (day, hits): (i64, i64) = (r.get(1)?, r.get(2)?);
                for (w, window) in t.windows.into_iter().enumerate() {
                    if day >= window.first_day {
                        *t.window_counts(i)[w] += hits;
                    }
                }
                let slot = usize::try_from(day - t.chart_from).ok();
                if let Some(entry) = slot.and_then(|k| t.activity[i].per_day.get_mut(k)) {
                    entry.hits = hits;
                }
                Ok(())
            },
        )
    }
}

impl Store {
    /// The hits of each of `topics` (unique names, in that order; a topic without hits has
    /// zeros): in the last 24 hours and 7 days before `now`, exactly to the second; in all;
    /// and per UTC day over the `chart_days` days ending with `now`'s day. It reads a row per
    /// topic, a row per topic and day of the chart, a row per topic and hour at the windows'
    /// edges, and at most an hour of hits per window.
    pub fn topic_activity(
        &self,
        topics: &[&str],
        now: DateTime<Utc>,
        chart_days: u16,
    ) -> Result<Vec<TopicActivity>, StoreError> {
        let now = now.timestamp();
        let today = now.div_euclid(DAY);
        let chart_from = today - i64::from(chart_days) + 1;
        let empty_chart: Vec<DayHits> = (chart_from..=today)
            .map(|day| DayHits {
                date: date_of(day),
                hits: 0,
            })
            .collect();
        let mut tally = Tally {
            index: topics.iter().enumerate().map(|(i, &t)| (t, i)).collect(),
            activity: topics
                .iter()
                .map(|&topic| TopicActivity {
                    topic: topic.to_owned(),
                    last_day: 0,
                    last_week: 0,
                    total: 0,
                    last_hit_at: None,
                    per_day: empty_chart.clone(),
                })
                .collect(),
            windows: [Window::from(now - DAY), Window::from(now - 7 * DAY)],
            chart_from,
        };
        self.db.read(|c| {
            tally.totals(c)?;
            tally.window_edges(c)?;
            tally.days(c, topics)
        })?;
        Ok(tally.activity)
    }

    /// Every feed row with its health, the removed feeds' too (the caller keeps the
    /// configured ones), in no particular order.
    pub fn feed_reports(&self) -> Result<Vec<FeedReport>, StoreError> {
        self.feed_reports_where("TRUE")
    }

    /// The feed rows that do not work (failing, broken or disabled), the removed feeds' too,
    /// in no particular order: the few the overview flags, without reading every feed.
    pub fn failing_feed_reports(&self) -> Result<Vec<FeedReport>, StoreError> {
        self.feed_reports_where("failing_since IS NOT NULL OR disabled_reason IS NOT NULL")
    }

    fn feed_reports_where(&self, condition: &str) -> Result<Vec<FeedReport>, StoreError> {
        self.db.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {FEED_COLUMNS}, failing_since, broken_alert_outbox_id IS NOT NULL
                 FROM feeds WHERE {condition}"
            ))?
            .query_map([], |r| {
                Ok(FeedReport {
                    state: feed_from_row(r)?,
                    failing_since: r.get::<_, Option<i64>>(13)?.map(from_unix),
                    reported_broken: r.get(14)?,
                })
            })?
            .collect()
        })
    }

    /// How many articles are stored: the sum of the feeds' item counts (each article counts
    /// in the feed that first brought it; every poll and retention keep them), which, unlike
    /// counting the articles, reads one row per feed.
    pub fn stored_articles(&self) -> Result<i64, StoreError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT COALESCE(sum(item_count), 0) FROM feeds")?
                .query_row([], |r| r.get(0))
        })
    }

    /// The newest `limit` emails of the outbox, newest first, without their messages.
    pub fn outbox_entries(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|c| {
            c.prepare_cached(
                "SELECT id, kind, recipient, subject, created_at, status, attempts,
                     next_attempt_at, last_error, answer, channel
                 FROM outbox ORDER BY id DESC LIMIT ?1",
            )?
            .query_map([limit], |r| {
                Ok(OutboxEntry {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    recipient: r.get(2)?,
                    subject: r.get(3)?,
                    created_at: from_unix(r.get(4)?),
                    status: r.get(5)?,
                    attempts: r.get(6)?,
                    next_attempt_at: from_unix(r.get(7)?),
                    last_error: r.get(8)?,
                    answer: r.get(9)?,
                    channel: r.get(10)?,
                })
            })?
            .collect()
        })
    }

    /// How many emails of the outbox failed for good.
    pub fn failed_email_count(&self) -> Result<i64, StoreError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT count(*) FROM outbox WHERE status = 'failed'")?
                .query_row([], |r| r.get(0))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{open_with_feed, settled_article};
    use crate::store::{BackfillHit, PollRecord};
    use chrono::TimeZone;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    /// Rows of four integers and a topic, in the order `sql` gives them.
    fn rows(store: &Store, sql: &str) -> Vec<(String, i64, i64, i64)> {
        store
            .db
            .conn
            .prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The per-topic, per-day and per-hour counts as kept, and as counted from `hits` now.
    type Counts = [Vec<(String, i64, i64, i64)>; 3];

    fn kept_counts(store: &Store) -> Counts {
        [
            rows(
                store,
                "SELECT topic, 0, hits, last_at FROM hit_topics ORDER BY 1",
            ),
            rows(
                store,
                "SELECT topic, day, hits, last_at FROM hit_days ORDER BY 1, 2",
            ),
            rows(
                store,
                "SELECT topic, hour, hits, 0 FROM hit_hours ORDER BY 1, 2",
            ),
        ]
    }

    fn true_counts(store: &Store) -> Counts {
        [
            rows(
                store,
                "SELECT topic, 0, count(*), max(created_at) FROM hits GROUP BY 1 ORDER BY 1",
            ),
            rows(
                store,
                "SELECT topic, created_at / 86400, count(*), max(created_at) FROM hits
                 GROUP BY 1, 2 ORDER BY 1, 2",
            ),
            rows(
                store,
                "SELECT topic, created_at / 3600, count(*), 0 FROM hits GROUP BY 1, 2 ORDER BY 1, 2",
            ),
        ]
    }

    fn assert_counts_match(store: &Store) {
        let truth = true_counts(store);
        assert!(!truth[0].is_empty(), "the test stores hits");
        assert_eq!(kept_counts(store), truth);
    }

    /// Hits written as articles come in, backfilled hits and retention's deletions (a cascade
    /// from articles and stories) all keep the per-day and per-hour counts equal to counting
    /// the hits themselves, the day's newest time included.
    #[test]
    fn triggers_keep_the_counts_equal_to_the_hits() {
        let (_dir, mut store, feed) = open_with_feed();
        let base = 1_800_000_000;
        for (i, topics) in [&["a", "b"][..], &["a"], &["b"], &["a"]].iter().enumerate() {
            let i = i64::try_from(i).unwrap();
            let when = at(base + i * 5 * HOUR);
            settled_article(
                &mut store,
                feed,
                &format!("g{i}"),
                &format!("h{i}"),
                topics,
                when,
            );
        }
        assert_counts_match(&store);

        let old = settled_article(&mut store, feed, "old", "h-old", &[], at(base - 400 * DAY)).0;
        let backfill = BackfillHit {
            article_id: old,
            story_id: old,
            hit: crate::store::test_support::topic_hit("b", "word"),
        };
        assert_eq!(
            store
                .insert_backfill_hits(&[backfill], at(base + DAY))
                .unwrap(),
            1
        );
        assert_counts_match(&store);

        // Retention takes the old article with its backfilled hit, then the older half.
        store.prune(at(base - 100 * DAY)).unwrap();
        assert_counts_match(&store);
        store.prune(at(base + 11 * HOUR)).unwrap();
        assert_counts_match(&store);
        store.prune(at(base + 100 * DAY)).unwrap();
        assert_eq!(kept_counts(&store), [vec![], vec![], vec![]]);
    }

    /// Deleting the newest hit of a day leaves the day's time at the newest hit left.
    #[test]
    fn deleting_a_days_newest_hit_moves_its_time_back() {
        let (_dir, mut store, feed) = open_with_feed();
        let base = 1_800_000_000 / DAY * DAY;
        let first = settled_article(&mut store, feed, "a", "ha", &["t"], at(base + 10)).0;
        let second = settled_article(&mut store, feed, "b", "hb", &["t"], at(base + 20)).0;
        store
            .db
            .conn
            .execute("DELETE FROM hits WHERE article_id = ?1", [second])
            .unwrap();
        assert_counts_match(&store);
        let activity = store.topic_activity(&["t"], at(base + 30), 1).unwrap();
        assert_eq!(activity[0].last_hit_at, Some(at(base + 10)));
        store
            .db
            .conn
            .execute("DELETE FROM hits WHERE article_id = ?1", [first])
            .unwrap();
        let activity = store.topic_activity(&["t"], at(base + 30), 1).unwrap();
        assert_eq!((activity[0].total, activity[0].last_hit_at), (0, None));
    }

    /// The migration fills the counts from the hits already stored.
    #[test]
    fn migration_counts_the_existing_hits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v8.db");
        let mut store = Store::with_connection(Connection::open(&path).unwrap(), &path);
        store.migrate_to(8).unwrap();
        store
            .db
            .conn
            .execute_batch(
                "INSERT INTO feeds (id, config_url, url, name, created_at) VALUES (1, 'f', 'f', 'f', 0);
                 INSERT INTO articles (id, feed_id, entry_key, entry_hash, first_seen_at, changed_at)
                     VALUES (1, 1, 'a', 'h', 0, 0), (2, 1, 'b', 'h', 0, 0), (3, 1, 'c', 'h', 0, 0);
                 INSERT INTO hits (topic, article_id, created_at) VALUES
                     ('t', 1, 1800000000), ('t', 2, 1800000100), ('u', 3, 1800090000);",
            )
            .unwrap();
        store.migrate().unwrap();
        assert_counts_match(&store);
        let activity = store
            .topic_activity(&["t", "u"], at(1_800_090_000), 2)
            .unwrap();
        assert_eq!(activity[0].total, 2);
        assert_eq!(activity[0].last_hit_at, Some(at(1_800_000_100)));
        assert_eq!(activity[1].total, 1);
    }

    /// The last 24 hours and 7 days are counted to the second, whichever table each part of
    /// the window comes from; the chart has one entry per UTC day, zeros included.
    #[test]
    fn windows_are_exact_to_the_second_and_the_chart_has_every_day() {
        let (_dir, mut store, feed) = open_with_feed();
        // now is 10:30:15 UTC; hits just inside and just outside each window, and in whole
        // hours and days.
        let now = 1_800_000_000 / DAY * DAY + 10 * HOUR + 30 * 60 + 15;
        let times = [
            now - DAY - 1,     // outside 24 h
            now - DAY,         // inside 24 h, in the edge seconds
            now - DAY + HOUR,  // inside 24 h, a whole hour
            now - 2 * HOUR,    // today
            now - 7 * DAY - 1, // outside 7 d
            now - 7 * DAY,     // inside 7 d
            now - 6 * DAY,     // a whole day inside 7 d
            now - 40 * DAY,    // before the chart
        ];
        for (i, &t) in times.iter().enumerate() {
            settled_article(
                &mut store,
                feed,
                &format!("g{i}"),
                &format!("h{i}"),
                &["t"],
                at(t),
            );
        }
        let activity = &store.topic_activity(&["t", "quiet"], at(now), 30).unwrap();
        let truth = |from: i64| times.iter().filter(|&&t| t >= from).count() as i64;
        assert_eq!(activity[0].last_day, truth(now - DAY));
        assert_eq!(activity[0].last_week, truth(now - 7 * DAY));
        assert_eq!((activity[0].last_day, activity[0].last_week), (3, 6));
        assert_eq!(activity[0].total, 8);
        assert_eq!(activity[0].last_hit_at, Some(at(now - 2 * HOUR)));
        let chart = &activity[0].per_day;
        assert_eq!(chart.len(), 30);
        assert_eq!(chart[29].date, at(now).date_naive());
        assert_eq!(chart.iter().map(|d| d.hits).sum::<i64>(), 7);
        assert_eq!(chart[29].hits, 1);
        let quiet = &activity[1];
        assert_eq!((quiet.last_day, quiet.last_week, quiet.total), (0, 0, 0));
        assert_eq!(quiet.per_day.len(), 30);
    }

    /// A feed is broken once reported, failing before that, disabled when gone; a reported
    /// feed that works again is working. Only those that do not work are failing reports.
    #[test]
    fn feed_health_follows_the_feed_health_columns() {
        let (_dir, mut store, feed) = open_with_feed();
        let health = |store: &Store| store.feed_reports().unwrap()[0].health();
        assert_eq!(health(&store), FeedHealth::NotPolled);
        let failed = PollRecord {
            polled_at: at(100),
            next_poll_at: at(200),
            status: "error",
            http_status: Some(500),
            error: Some("server error".into()),
        };
        assert!(store.failing_feed_reports().unwrap().is_empty());
        store.record_poll(feed, &failed).unwrap();
        assert_eq!(health(&store), FeedHealth::Failing);
        assert!(health(&store).needs_attention());
        assert_eq!(store.failing_feed_reports().unwrap().len(), 1);
        store
            .db
            .conn
            .execute("UPDATE feeds SET broken_alert_outbox_id = 1", [])
            .unwrap();
        assert_eq!(health(&store), FeedHealth::Broken);
        let ok = PollRecord {
            status: "ok",
            error: None,
            ..failed.clone()
        };
        store.record_poll(feed, &ok).unwrap();
        assert_eq!(health(&store), FeedHealth::Working);
        assert!(store.failing_feed_reports().unwrap().is_empty());
        store
            .disable_feed(feed, "gone (HTTP 410)", at(300))
            .unwrap();
        assert_eq!(health(&store), FeedHealth::Disabled);
        assert_eq!(store.failed_email_count().unwrap(), 0);
    }

    /// Window edges: a window starting on a whole hour or day reads nothing from the finer
    /// table.
    #[test]
    fn a_window_is_cut_into_days_hours_and_seconds() {
        let w = Window::from(2 * DAY + 3 * HOUR + 5);
        assert_eq!((w.first_hour, w.first_day), (2 * 24 + 4, 3));
        let w = Window::from(2 * DAY);
        assert_eq!((w.first_hour, w.first_day), (2 * 24, 2));
    }

    /// The outbox page's entries are the outbox's newest emails, newest first, as
    /// `newshound outbox` reads them, less the messages; a failed one is counted.
    #[test]
    fn outbox_entries_are_the_newest_emails_without_their_messages() {
        let (_dir, mut store, _feed) = open_with_feed();
        for subject in ["first", "second"] {
            let message = crate::store::NewMessage {
                kind: "test",
                channel: "email",
                name: None,
                recipient: "a@example.org",
                sender: "n@example.org",
                subject,
                hit_ids: &[],
                digest_slot: None,
            };
            store
                .enqueue(&[message], at(100), |_, id| {
                    (format!("<{id}>"), b"m".to_vec())
                })
                .unwrap();
        }
        let full = store.outbox(1).unwrap();
        store.mark_failed(full[0].id, "550 no such user").unwrap();
        let entries = store.outbox_entries(1).unwrap();
        assert_eq!(entries.len(), 1);
        let (entry, message) = (&entries[0], &store.outbox(1).unwrap()[0]);
        assert_eq!((entry.id, entry.subject.as_str()), (message.id, "second"));
        assert_eq!(
            (entry.status.as_str(), entry.last_error.as_deref()),
            ("failed", Some("550 no such user"))
        );
        assert_eq!(store.failed_email_count().unwrap(), 1);
    }
}
