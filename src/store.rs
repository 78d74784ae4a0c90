//! The SQLite database: opening, pragmas, migrations and every SQL statement newshound runs.
//!
//! One [`Store`] wraps one connection. The daemon keeps it behind a mutex in a [`StoreHandle`]
//! and uses it from `spawn_blocking`, so no statement ever runs on the async runtime's threads and
//! the lock is never held across an `.await`. Uniqueness (one row per feed, one row per entry) is
//! enforced by the schema, not by reads before writes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use crate::model::{Entry, Extracted};

/// The schema, as numbered plain-SQL files applied in order; `PRAGMA user_version` records how
/// many have been applied, so an older database is brought up to date when it is opened.
const MIGRATIONS: &[(&str, &str)] =
    &[("0001_init.sql", include_str!("../migrations/0001_init.sql"))];

/// How long a writer waits for another process holding the database lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors of the database layer; each names the database file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or configured.
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// A migration file failed to apply.
    #[error("database {path}: migration {migration} failed: {source}")]
    Migration {
        path: PathBuf,
        migration: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer newshound than this one.
    #[error(
        "database {path} has schema version {found}, newer than this newshound knows ({known})"
    )]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
    },
    /// Any statement failing after the database was open.
    #[error("database {path}: {source}")]
    Sql {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The blocking task running a statement panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

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

/// An article row whose page still has to be fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPage {
    /// Row id.
    pub article_id: i64,
    /// The page to fetch.
    pub url: String,
}

/// What storing one feed's entries did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredEntries {
    /// Entries seen for the first time.
    pub new: usize,
    /// Entries seen before whose content changed.
    pub updated: usize,
}

/// What one retention run removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pruned {
    /// Articles older than the retention period.
    pub articles: usize,
    /// Stories left without any article.
    pub stories: usize,
}

/// The result of fetching one article page, written to its row.
#[derive(Debug, Clone)]
pub enum PageResult {
    /// The page was fetched and its text extracted.
    Extracted(Box<Extracted>),
    /// The page could not be fetched or was refused; `final_attempt` stops further tries.
    Failed {
        /// Why, for the operator.
        error: String,
        /// No more attempts will be made (e.g. refused by the address guard).
        final_attempt: bool,
    },
}

/// Page fetches are retried on later polls up to this many attempts.
const MAX_PAGE_ATTEMPTS: i64 = 3;

/// The open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets WAL, foreign keys and a busy
    /// timeout, and applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                open_err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot create folder {}: {e}", dir.display())),
                ))
            })?;
        }
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
        };
        store.migrate()?;
        Ok(store)
    }

    /// The database file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    /// Applies the migrations that this database has not seen yet, each in its own transaction.
    pub fn migrate(&mut self) -> Result<(), StoreError> {
        self.migrate_to(MIGRATIONS.len())
    }

    /// Applies migrations up to `target` (exclusive count); tests use it to build old schemas.
    pub fn migrate_to(&mut self, target: usize) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        if current > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: current,
                known: MIGRATIONS.len(),
            });
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
            let fail = |source| StoreError::Migration {
                path: self.path.clone(),
                migration: name,
                source,
            };
            let tx = self.conn.transaction().map_err(fail)?;
            tx.execute_batch(sql).map_err(fail)?;
            tx.pragma_update(
                None,
                "user_version",
                i64::try_from(index + 1).unwrap_or(i64::MAX),
            )
            .map_err(fail)?;
            tx.commit().map_err(fail)?;
            tracing::info!(database = %self.path.display(), migration = name, "applied migration");
        }
        Ok(())
    }

    fn sql(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            path: self.path.clone(),
            source,
        }
    }

    /// Makes the feeds table hold a row for every configured feed (names updated), and returns
    /// the state of those feeds in config order. Feeds removed from the config keep their rows
    /// (their articles stay until retention removes them) but are no longer returned.
    pub fn sync_feeds(
        &mut self,
        specs: &[FeedSpec],
        now: DateTime<Utc>,
    ) -> Result<Vec<FeedState>, StoreError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sql_err(&self.path, e))?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO feeds (config_url, url, name, created_at) VALUES (?1, ?1, ?2, ?3)
                     ON CONFLICT (config_url) DO UPDATE SET name = excluded.name",
                )
                .map_err(|e| sql_err(&self.path, e))?;
            for spec in specs {
                upsert
                    .execute(params![spec.config_url, spec.name, now.timestamp()])
                    .map_err(|e| sql_err(&self.path, e))?;
            }
        }
        tx.commit().map_err(|e| sql_err(&self.path, e))?;
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
        self.conn
            .prepare_cached(&format!(
                "SELECT {FEED_COLUMNS} FROM feeds WHERE config_url = ?1"
            ))
            .and_then(|mut st| st.query_row([config_url], feed_from_row).optional())
            .map_err(|e| self.sql(e))
    }

    /// Enabled feeds whose next poll time has come, most overdue first.
    pub fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<FeedState>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {FEED_COLUMNS} FROM feeds
                 WHERE next_poll_at <= ?1 AND disabled_reason IS NULL ORDER BY next_poll_at"
            ))
            .and_then(|mut st| st.query_map([now.timestamp()], feed_from_row)?.collect())
            .map_err(|e| self.sql(e))
    }

    /// Records a poll that stored nothing (not modified, or failed): the poll time, the status,
    /// the error counter and the next poll time. A 304 costs this one write and nothing else.
    pub fn record_poll(&mut self, feed_id: i64, record: &PollRecord) -> Result<(), StoreError> {
        let failed = record.status == "error";
        self.conn
            .prepare_cached(
                "UPDATE feeds SET last_polled_at = ?2, next_poll_at = ?3, last_status = ?4,
                     last_http_status = ?5, last_error = ?6,
                     consecutive_errors = CASE WHEN ?7 THEN consecutive_errors + 1 ELSE 0 END
                 WHERE id = ?1",
            )
            .and_then(|mut st| {
                st.execute(params![
                    feed_id,
                    record.polled_at.timestamp(),
                    record.next_poll_at.timestamp(),
                    record.status,
                    record.http_status,
                    record.error,
                    failed
                ])
            })
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Marks a feed as gone (HTTP 410): it is not polled again until the user re-enables it by
    /// changing its URL; the reason is shown by `newshound feeds`.
    pub fn disable_feed(
        &mut self,
        feed_id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE feeds SET disabled_reason = ?2, last_status = 'disabled', last_error = ?2,
                     last_polled_at = ?3 WHERE id = ?1",
                params![feed_id, reason, now.timestamp()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Stores one successful poll: the new and changed entries, the feed's validators and its
    /// next poll time, in one transaction, so a crash leaves either all of it or none.
    pub fn store_poll(
        &mut self,
        feed_id: i64,
        update: &SuccessfulPoll<'_>,
    ) -> Result<StoredEntries, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_err(&path, e))?;
        let stored = upsert_entries(&tx, feed_id, update.entries, update.record.polled_at)
            .map_err(|e| sql_err(&path, e))?;
        write_success(&tx, feed_id, update).map_err(|e| sql_err(&path, e))?;
        tx.commit().map_err(|e| sql_err(&path, e))?;
        Ok(stored)
    }

    /// Articles of a feed whose page has not been fetched yet (new ones, and ones a crash or an
    /// earlier failure left behind), oldest first.
    pub fn pending_pages(
        &self,
        feed_id: i64,
        limit: usize,
    ) -> Result<Vec<PendingPage>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.conn
            .prepare_cached(
                "SELECT id, url FROM articles
                 WHERE feed_id = ?1 AND page_status = 'pending' AND url IS NOT NULL
                 ORDER BY id LIMIT ?2",
            )
            .and_then(|mut st| {
                st.query_map(params![feed_id, limit], |r| {
                    Ok(PendingPage {
                        article_id: r.get(0)?,
                        url: r.get(1)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.sql(e))
    }

    /// Marks every pending page of a feed as not wanted (the feed has fetch_articles off).
    pub fn skip_pending_pages(&mut self, feed_id: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE articles SET page_status = 'skipped' WHERE feed_id = ?1 AND page_status = 'pending'",
                [feed_id],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Writes the outcome of one page fetch to its article.
    pub fn record_page(
        &mut self,
        article_id: i64,
        result: &PageResult,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let outcome = match result {
            PageResult::Extracted(page) => self.conn.execute(
                "UPDATE articles SET page_status = 'ok', page_attempts = page_attempts + 1,
                     page_error = NULL, fetched_at = ?2, page_title = ?3, text = ?4,
                     canonical_url = ?5, site_name = ?6,
                     language = COALESCE(?7, language), author = COALESCE(author, ?8),
                     published_at = COALESCE(published_at, ?9)
                 WHERE id = ?1",
                params![
                    article_id,
                    now.timestamp(),
                    page.title,
                    page.text,
                    page.canonical_url.as_ref().map(|u| u.as_str()),
                    page.site_name,
                    page.language,
                    page.author,
                    page.published_at.map(|t| t.timestamp()),
                ],
            ),
            PageResult::Failed {
                error,
                final_attempt,
            } => self.conn.execute(
                "UPDATE articles SET page_attempts = page_attempts + 1, page_error = ?2,
                     fetched_at = ?3,
                     page_status = CASE WHEN ?4 OR page_attempts + 1 >= ?5 THEN 'failed'
                                        ELSE 'pending' END
                 WHERE id = ?1",
                params![
                    article_id,
                    error,
                    now.timestamp(),
                    final_attempt,
                    MAX_PAGE_ATTEMPTS
                ],
            ),
        };
        outcome.map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Deletes articles first seen before `cutoff`, their hits (by cascade) and the stories no
    /// article points to any more. Returns what was removed.
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_err(&path, e))?;
        let articles = tx
            .execute(
                "DELETE FROM articles WHERE first_seen_at < ?1",
                [cutoff.timestamp()],
            )
            .map_err(|e| sql_err(&path, e))?;
        let stories = tx
            .execute(
                "DELETE FROM stories WHERE NOT EXISTS
                     (SELECT 1 FROM articles WHERE articles.story_id = stories.id)",
                [],
            )
            .map_err(|e| sql_err(&path, e))?;
        tx.execute(
            "UPDATE feeds SET item_count = (SELECT count(*) FROM articles WHERE feed_id = feeds.id)",
            [],
        )
        .map_err(|e| sql_err(&path, e))?;
        tx.commit().map_err(|e| sql_err(&path, e))?;
        Ok(Pruned { articles, stories })
    }

    /// Reads a small persistent fact of the daemon (e.g. when retention last ran).
    pub fn state_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM daemon_state WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Writes a small persistent fact of the daemon.
    pub fn set_state_value(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO daemon_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Number of stored articles, for summaries and tests.
    pub fn article_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }

    /// Every stored article in id order, for `newshound` subcommands and tests.
    pub fn articles(&self) -> Result<Vec<StoredArticle>, StoreError> {
        self.conn
            .prepare(
                "SELECT a.id, f.config_url, a.entry_key, a.url, a.title, a.text, a.page_status,
                        a.page_error, a.published_at, a.language
                 FROM articles a JOIN feeds f ON f.id = a.feed_id ORDER BY a.id",
            )
            .and_then(|mut st| {
                st.query_map([], |r| {
                    Ok(StoredArticle {
                        id: r.get(0)?,
                        feed_url: r.get(1)?,
                        entry_key: r.get(2)?,
                        url: r.get(3)?,
                        title: r.get(4)?,
                        text: r.get(5)?,
                        page_status: r.get(6)?,
                        page_error: r.get(7)?,
                        published_at: r.get::<_, Option<i64>>(8)?.map(from_unix),
                        language: r.get(9)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.sql(e))
    }
}

/// An article as stored, for listings and tests.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredArticle {
    /// Row id.
    pub id: i64,
    /// The feed it came from, as configured.
    pub feed_url: String,
    /// Its identity within the feed.
    pub entry_key: String,
    /// The article page.
    pub url: Option<String>,
    /// Title from the feed.
    pub title: Option<String>,
    /// Extracted main text, once the page was fetched.
    pub text: Option<String>,
    /// "pending", "ok", "failed" or "skipped".
    pub page_status: String,
    /// Why the page fetch failed.
    pub page_error: Option<String>,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Declared or detected language.
    pub language: Option<String>,
}

/// Everything a successful poll writes, borrowed from the pipeline.
#[derive(Debug)]
pub struct SuccessfulPoll<'a> {
    /// Poll time, status and next poll.
    pub record: PollRecord,
    /// The entries of the feed document.
    pub entries: &'a [(String, Entry)],
    /// Validators to send next time, exactly as received.
    pub etag: Option<&'a str>,
    /// Validators to send next time, exactly as received.
    pub last_modified: Option<&'a str>,
    /// The new URL after a permanent redirect.
    pub moved_to: Option<&'a str>,
    /// The feed's own title.
    pub title: Option<&'a str>,
}

const FEED_COLUMNS: &str = "id, config_url, url, name, etag, last_modified, last_polled_at, \
     next_poll_at, last_status, last_error, consecutive_errors, disabled_reason, item_count";

fn feed_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
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

fn from_unix(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn sql_err(path: &Path, source: rusqlite::Error) -> StoreError {
    StoreError::Sql {
        path: path.to_owned(),
        source,
    }
}

/// Hash of what an entry says, to tell a changed entry from a repeated one.
fn entry_hash(entry: &Entry) -> String {
    let mut hasher = Sha256::new();
    for part in [
        &entry.title,
        &entry.summary,
        &entry.content_html,
        &entry.author,
    ] {
        hasher.update(part.as_deref().unwrap_or("").as_bytes());
        hasher.update([0u8]);
    }
    hasher.update(
        entry
            .link
            .as_ref()
            .map(|u| u.as_str())
            .unwrap_or("")
            .as_bytes(),
    );
    hex::encode(hasher.finalize())
}

fn upsert_entries(
    tx: &Transaction<'_>,
    feed_id: i64,
    entries: &[(String, Entry)],
    now: DateTime<Utc>,
) -> rusqlite::Result<StoredEntries> {
    let mut known =
        tx.prepare_cached("SELECT entry_hash FROM articles WHERE feed_id = ?1 AND entry_key = ?2")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO articles (feed_id, entry_key, guid, url, title, author, summary, content_html,
             entry_hash, language, published_at, updated_at, first_seen_at, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE articles SET guid = ?3, url = ?4, title = ?5, author = ?6, summary = ?7,
             content_html = ?8, entry_hash = ?9, language = COALESCE(?10, language),
             published_at = COALESCE(?11, published_at), updated_at = ?12, changed_at = ?13,
             page_status = CASE WHEN page_status = 'skipped' THEN 'skipped' ELSE 'pending' END,
             page_attempts = 0
         WHERE feed_id = ?1 AND entry_key = ?2",
    )?;
    let mut stored = StoredEntries::default();
    for (key, entry) in entries {
        let hash = entry_hash(entry);
        let previous: Option<String> = known
            .query_row(params![feed_id, key], |r| r.get(0))
            .optional()?;
        let values = params![
            feed_id,
            key,
            entry.guid,
            entry.link.as_ref().map(|u| u.as_str()),
            entry.title,
            entry.author,
            entry.summary,
            entry.content_html,
            hash,
            entry.language,
            entry.published_at.map(|t| t.timestamp()),
            entry.updated_at.map(|t| t.timestamp()),
            now.timestamp(),
        ];
        match previous {
            None => {
                insert.execute(values)?;
                stored.new += 1;
            }
            Some(old) if old != hash => {
                update.execute(values)?;
                stored.updated += 1;
            }
            Some(_) => {}
        }
    }
    Ok(stored)
}

fn write_success(
    tx: &Transaction<'_>,
    feed_id: i64,
    update: &SuccessfulPoll<'_>,
) -> rusqlite::Result<()> {
    let record = &update.record;
    tx.prepare_cached(
        "UPDATE feeds SET last_polled_at = ?2, next_poll_at = ?3, last_status = ?4,
             last_http_status = ?5, last_error = NULL, consecutive_errors = 0,
             etag = ?6, last_modified = ?7, url = COALESCE(?8, url), title = COALESCE(?9, title),
             item_count = (SELECT count(*) FROM articles WHERE feed_id = ?1)
         WHERE id = ?1",
    )?
    .execute(params![
        feed_id,
        record.polled_at.timestamp(),
        record.next_poll_at.timestamp(),
        record.status,
        record.http_status,
        update.etag,
        update.last_modified,
        update.moved_to,
        update.title,
    ])?;
    Ok(())
}

/// The store shared by the daemon's tasks: one connection behind a mutex, used only from
/// `spawn_blocking` so SQLite never blocks the async runtime.
#[derive(Clone)]
pub struct StoreHandle {
    inner: Arc<Mutex<Store>>,
}

impl StoreHandle {
    /// Wraps an open store.
    pub fn new(store: Store) -> StoreHandle {
        StoreHandle {
            inner: Arc::new(Mutex::new(store)),
        }
    }

    /// Runs `f` with the store on the blocking pool. The lock is taken inside the blocking task
    /// and released before the result comes back, so it is never held across an `.await`.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still usable
            // because every write is a transaction that rolled back.
            let mut store = inner.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(guid: &str, title: &str) -> (String, Entry) {
        let e = Entry {
            guid: Some(guid.into()),
            title: Some(title.into()),
            link: Some(url::Url::parse(&format!("http://example.com/{guid}")).unwrap()),
            ..Entry::default()
        };
        (format!("guid:{guid}"), e)
    }

    fn poll<'a>(entries: &'a [(String, Entry)], now: DateTime<Utc>) -> SuccessfulPoll<'a> {
        SuccessfulPoll {
            record: PollRecord {
                polled_at: now,
                next_poll_at: now,
                status: "ok",
                http_status: Some(200),
                error: None,
            },
            entries,
            etag: None,
            last_modified: None,
            moved_to: None,
            title: None,
        }
    }

    fn open_with_feed() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("t.db")).unwrap();
        let spec = FeedSpec {
            config_url: "http://example.com/feed".into(),
            name: "example".into(),
        };
        let states = store.sync_feeds(&[spec], Utc::now()).unwrap();
        (dir, store, states[0].id)
    }

    /// An entry seen again is not stored twice; a changed one updates its row.
    #[test]
    fn repeated_entry_is_stored_once_and_changes_update_it() {
        let (_dir, mut store, feed) = open_with_feed();
        let now = Utc::now();
        let first = [entry("a", "Title"), entry("b", "Other")];
        assert_eq!(store.store_poll(feed, &poll(&first, now)).unwrap().new, 2);
        let same = store.store_poll(feed, &poll(&first, now)).unwrap();
        assert_eq!(same, StoredEntries { new: 0, updated: 0 });
        let changed = [entry("a", "Title, corrected")];
        let result = store.store_poll(feed, &poll(&changed, now)).unwrap();
        assert_eq!(result, StoredEntries { new: 0, updated: 1 });
        let articles = store.articles().unwrap();
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].title.as_deref(), Some("Title, corrected"));
    }

    /// Opening an existing database keeps its data and does not re-apply migrations; a database
    /// at an older version is brought up to date.
    #[test]
    fn reopening_migrates_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let old = Store::open(&path).unwrap();
        old.conn.pragma_update(None, "user_version", 0).unwrap();
        old.conn.execute_batch("DROP TABLE daemon_state; DROP TABLE hits; DROP TABLE articles; DROP TABLE stories; DROP TABLE feeds;").unwrap();
        drop(old);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        store.set_state_value("k", "v").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.state_value("k").unwrap().as_deref(), Some("v"));
    }

    /// A database from a newer newshound is refused rather than misread.
    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let store = Store::open(&path).unwrap();
        store.conn.pragma_update(None, "user_version", 99).unwrap();
        drop(store);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    /// Retention removes old articles, their hits, and stories left empty; newer ones stay.
    #[test]
    fn prune_removes_old_articles_hits_and_orphan_stories() {
        let (_dir, mut store, feed) = open_with_feed();
        let old_time = Utc::now() - chrono::Duration::days(200);
        let now = Utc::now();
        store
            .store_poll(feed, &poll(&[entry("old", "Old")], old_time))
            .unwrap();
        store
            .store_poll(feed, &poll(&[entry("new", "New")], now))
            .unwrap();
        store.conn.execute_batch(
            "INSERT INTO stories (id, lead_article_id, created_at) VALUES (1, 1, 0), (2, 2, 0);
             UPDATE articles SET story_id = id;
             INSERT INTO hits (topic, article_id, story_id, created_at) SELECT 't', id, id, 0 FROM articles;",
        ).unwrap();
        let pruned = store.prune(now - chrono::Duration::days(180)).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                articles: 1,
                stories: 1
            }
        );
        let left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM hits", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1);
        assert_eq!(store.articles().unwrap()[0].title.as_deref(), Some("New"));
    }

    /// A page that fails is retried a limited number of times, then left alone.
    #[test]
    fn failed_pages_are_retried_then_given_up() {
        let (_dir, mut store, feed) = open_with_feed();
        store
            .store_poll(feed, &poll(&[entry("a", "A")], Utc::now()))
            .unwrap();
        let failure = PageResult::Failed {
            error: "boom".into(),
            final_attempt: false,
        };
        for _ in 0..MAX_PAGE_ATTEMPTS {
            let pending = store.pending_pages(feed, 10).unwrap();
            assert_eq!(pending.len(), 1);
            store
                .record_page(pending[0].article_id, &failure, Utc::now())
                .unwrap();
        }
        assert!(store.pending_pages(feed, 10).unwrap().is_empty());
    }
}
