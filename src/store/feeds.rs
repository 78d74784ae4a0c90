//! The `feeds` table: one row per configured feed, with the state each poll reads and writes
//! (validators, next poll time, error counter, disabled reason).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError, from_unix};

/// A feed as the configuration describes it; [`Store::sync_feeds`] makes the database agree.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    /// URL as written in the config (file paths already turned into file: URLs).
    pub config_url: String,
    /// Display name.
    pub name: String,
}

/// A feed's persisted poll state, read before each poll.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedState {
    /// Row id, referenced by articles.
    pub id: i64,
    /// URL as written in the config.
    pub config_url: String,
    /// Where the feed is fetched now (differs from `config_url` after a permanent redirect).
    pub url: String,
    /// Display name.
    pub name: String,
    /// Validator for the next conditional request, exactly as the server sent it.
    pub etag: Option<String>,
    /// Validator for the next conditional request, exactly as the server sent it.
    pub last_modified: Option<String>,
    /// When the feed was last polled, whatever the result.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// The feed is not polled before this time; survives restarts.
    pub next_poll_at: DateTime<Utc>,
    /// "ok", "not_modified", "error" or "disabled".
    pub last_status: Option<String>,
    /// Last error message, shown by `newshound feeds`.
    pub last_error: Option<String>,
    /// Failures in a row; drives the backoff.
    pub consecutive_errors: u32,
    /// Set when the feed is gone (HTTP 410); a disabled feed is not polled.
    pub disabled_reason: Option<String>,
    /// Number of articles stored from this feed.
    pub item_count: i64,
}

/// The poll result written to a feed's row.
#[derive(Debug, Clone, Default)]
pub struct PollRecord {
    /// When the poll happened.
    pub polled_at: DateTime<Utc>,
    /// When to poll next.
    pub next_poll_at: DateTime<Utc>,
    /// "ok", "not_modified" or "error".
    pub status: &'static str,
    /// HTTP status of the final response, when there was one.
    pub http_status: Option<u16>,
    /// The error, for failed polls.
    pub error: Option<String>,
}

/// Everything a successful poll writes, borrowed from the pipeline.
#[derive(Debug)]
pub struct SuccessfulPoll<'a> {
    /// Poll time, status and next poll.
    pub record: PollRecord,
    /// The entries of the feed document.
    pub entries: &'a [super::EntryRecord],
    /// Validators to send next time, exactly as received.
    pub etag: Option<&'a str>,
    /// Validators to send next time, exactly as received.
    pub last_modified: Option<&'a str>,
    /// The new URL after a permanent redirect.
    pub moved_to: Option<&'a str>,
    /// The feed's own title.
    pub title: Option<&'a str>,
}

impl Store {
    /// Makes the feeds table hold a row for every configured feed (names updated), and returns
    /// the state of those feeds in config order. Feeds removed from the config keep their rows
    /// (their articles stay until retention removes them) but are no longer returned.
    pub fn sync_feeds(
        &mut self,
        specs: &[FeedSpec],
        now: DateTime<Utc>,
    ) -> Result<Vec<FeedState>, StoreError> {
        self.db.write(|tx| {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO feeds (config_url, url, name, created_at) VALUES (?1, ?1, ?2, ?3)
                 ON CONFLICT (config_url) DO UPDATE SET name = excluded.name",
            )?;
            for spec in specs {
                upsert.execute(params![spec.config_url, spec.name, now.timestamp()])?;
            }
            Ok(())
        })?;
        let mut states = Vec::with_capacity(specs.len());
        for spec in specs {
            if let Some(state) = self.feed_state(&spec.config_url)? {
                states.push(state);
            }
        }
        Ok(states)
    }

    /// The state of one feed, by the URL the config gives it.
    pub fn feed_state(&self, config_url: &str) -> Result<Option<FeedState>, StoreError> {
        self.db.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {FEED_COLUMNS} FROM feeds WHERE config_url = ?1"
            ))?
            .query_row([config_url], feed_from_row)
            .optional()
        })
    }

    /// Enabled feeds whose next poll time has come, most overdue first.
    pub fn due_feeds(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<FeedState>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {FEED_COLUMNS} FROM feeds
                 WHERE next_poll_at <= ?1 AND disabled_reason IS NULL ORDER BY next_poll_at
                 LIMIT ?2"
            ))?
            .query_map(params![now.timestamp(), limit], feed_from_row)?
            .collect()
        })
    }

    /// Records a poll that stored nothing (not modified, or failed): the poll time, the status,
    /// the error counter, when the current run of failures began (for the "feed broken" email)
    /// and the next poll time. A 304 costs this one write and nothing else.
    pub fn record_poll(&mut self, feed_id: i64, record: &PollRecord) -> Result<(), StoreError> {
        self.db.write(|tx| write_poll(tx, feed_id, record))
    }

    /// Marks a feed as gone (HTTP 410): it is not polled again until the user re-enables it by
    /// changing its URL; the reason is shown by `newshound feeds`.
    pub fn disable_feed(
        &mut self,
        feed_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE feeds SET disabled_reason = ?2, last_status = 'disabled', last_error = ?2,
                     last_polled_at = ?3 WHERE id = ?1",
                params![feed_id, reason, now.timestamp()],
            )
        })?;
        Ok(())
    }
}

pub(super) const FEED_COLUMNS: &str = "id, config_url, url, name, etag, last_modified, last_polled_at, \
     next_poll_at, last_status, last_error, consecutive_errors, disabled_reason, item_count";

pub(super) fn feed_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
    Ok(FeedState {
        id: r.get(0)?,
        config_url: r.get(1)?,
        url: r.get(2)?,
        name: r.get(3)?,
        etag: r.get(4)?,
        last_modified: r.get(5)?,
        last_polled_at: r.get::<_, Option<i64>>(6)?.map(from_unix),
        next_poll_at: from_unix(r.get(7)?),
        last_status: r.get(8)?,
        last_error: r.get(9)?,
        consecutive_errors: r.get(10)?,
        disabled_reason: r.get(11)?,
        item_count: r.get(12)?,
    })
}

/// Writes a poll's result to its feed's row: the poll time, the status, the error counter, when
/// the current run of failures began (for the "feed broken" email) and the next poll time.
fn write_poll(tx: &Transaction<'_>, feed_id: i64, record: &PollRecord) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE feeds SET last_polled_at = ?2, next_poll_at = ?3, last_status = ?4,
             last_http_status = ?5, last_error = ?6,
             consecutive_errors = CASE WHEN ?7 THEN consecutive_errors + 1 ELSE 0 END,
             failing_since = CASE WHEN ?7 THEN COALESCE(failing_since, ?2) ELSE NULL END
         WHERE id = ?1",
    )?
    .execute(params![
        feed_id,
        record.polled_at.timestamp(),
        record.next_poll_at.timestamp(),
        record.status,
        record.http_status,
        record.error,
        record.status == "error"
    ])?;
    Ok(())
}

/// Writes a successful poll to its feed's row: its result, the validators to send next time,
/// the new URL after a permanent redirect, the feed's title and its article count.
pub(super) fn write_success(
    tx: &Transaction<'_>,
    feed_id: i64,
    update: &SuccessfulPoll<'_>,
) -> rusqlite::Result<()> {
    write_poll(tx, feed_id, &update.record)?;
    tx.prepare_cached(
        "UPDATE feeds SET etag = ?2, last_modified = ?3, url = COALESCE(?4, url),
             title = COALESCE(?5, title),
             item_count = (SELECT count(*) FROM articles WHERE feed_id = ?1)
         WHERE id = ?1",
    )?
    .execute(params![
        feed_id,
        update.etag,
        update.last_modified,
        update.moved_to,
        update.title,
    ])?;
    Ok(())
}
