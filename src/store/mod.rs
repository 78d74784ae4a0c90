//! The SQLite database: opening, pragmas, migrations and every SQL statement newshound runs.
//!
//! One [`Store`] wraps one connection. The daemon keeps it behind a mutex in a [`StoreHandle`]
//! and uses it from `spawn_blocking`, so no statement ever runs on the async runtime's threads and
//! the lock is never held across an `.await`. Uniqueness (one row per feed, one row per entry) is
//! enforced by the schema, not by reads before writes.
//!
//! The statements are grouped by table: `feeds` holds the feed rows and their poll state,
//! `articles` the stored entries, their pages and retention, `hits` the topic hits written with
//! each article's text and read back for listings, `stories` which story a text belongs to (with
//! the in-memory band index of recent fingerprints), `outbox` the email outbox, the
//! hits each recipient was told about and the digests' last slots; this module opens the database,
//! migrates it and keeps the daemon's small persistent facts.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

mod articles;
mod feed_health;
mod feeds;
mod hits;
mod outbox;
mod stories;

pub use articles::{
    EntryRecord, MAX_PAGE_ATTEMPTS, PageResult, PendingPage, Pruned, StoredArticle, StoredEntries,
};
pub use feed_health::{CountsByLabel, FeedAlert, FeedAlertKind, StoreCounts};
pub use feeds::{FeedSpec, FeedState, PollRecord, SuccessfulPoll};
pub use hits::{HitFilter, StoredHit};
pub use outbox::{AlertHit, NewMessage, OutboxMessage};

/// The schema, as numbered plain-SQL files applied in order; `PRAGMA user_version` records how
/// many have been applied, so an older database is brought up to date when it is opened.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init.sql",
        include_str!("../../migrations/0001_init.sql"),
    ),
    (
        "0002_text_source.sql",
        include_str!("../../migrations/0002_text_source.sql"),
    ),
    (
        "0003_hit_details.sql",
        include_str!("../../migrations/0003_hit_details.sql"),
    ),
    (
        "0004_stories.sql",
        include_str!("../../migrations/0004_stories.sql"),
    ),
    (
        "0005_outbox.sql",
        include_str!("../../migrations/0005_outbox.sql"),
    ),
    (
        "0006_feed_health.sql",
        include_str!("../../migrations/0006_feed_health.sql"),
    ),
];

/// How long a writer waits for another process holding the database lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Errors of the database layer; each names the database file it concerns. SQLite's error is
/// part of each message and kept as `cause`, not returned by `source()` too, so that a chain
/// printed with `{:#}` says it once.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or configured.
    #[error("cannot open database {path}: {cause}")]
    Open {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    /// A migration file failed to apply.
    #[error("database {path}: migration {migration} failed: {cause}")]
    Migration {
        path: PathBuf,
        migration: &'static str,
        cause: rusqlite::Error,
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
    #[error("database {path}: {cause}")]
    Sql {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    /// A write failed for lack of space: the disk is full, or the process's file size limit
    /// (`RLIMIT_FSIZE`, systemd's `LimitFSIZE=`) is reached. The transaction was rolled back;
    /// ingestion waits and resumes once space is freed.
    #[error(
        "database {path}: disk full or file size limit reached; the change was rolled back and \
         is redone once space is freed ({cause})"
    )]
    Full {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    /// Another process held the database's write lock for longer than the busy timeout.
    #[error(
        "database {path} is locked by another process: gave up after waiting {}s ({cause})",
        BUSY_TIMEOUT.as_secs()
    )]
    Busy {
        path: PathBuf,
        cause: rusqlite::Error,
    },
    /// The blocking task running a statement panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// Default of `[daemon] story_window`.
const DEFAULT_STORY_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// The open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Band index of the story window's fingerprints; built on first use (commands that only
    /// read never pay for it).
    stories: Option<crate::dedup::index::StoryIndex>,
    /// How far back articles are compared to find a story.
    story_window: Duration,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets WAL, foreign keys and a busy
    /// timeout, and applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // A full disk or a lock held too long says so even here (a new database's first
        // write is its journal mode).
        let open_err = |cause| match sql_err(path, cause) {
            StoreError::Sql { cause, .. } => StoreError::Open {
                path: path.to_owned(),
                cause,
            },
            full_or_busy => full_or_busy,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                open_err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot create folder {}: {e}", dir.display())),
                ))
            })?;
        }
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        // Every transaction here writes. Taking the write lock at BEGIN makes a writer in
        // another process (a CLI command) a wait of up to the busy timeout; a deferred one that
        // read first would fail at once with SQLITE_BUSY if that writer committed meanwhile.
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        let mut store = Store {
            conn,
            path: path.to_owned(),
            stories: None,
            story_window: DEFAULT_STORY_WINDOW,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Sets how far back a new article is compared to find its story (`[daemon] story_window`).
    pub fn set_story_window(&mut self, window: Duration) {
        if window != self.story_window {
            self.story_window = window;
            self.stories = None;
        }
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
            let fail = |cause| match sql_err(&self.path, cause) {
                StoreError::Sql { cause, .. } => StoreError::Migration {
                    path: self.path.clone(),
                    migration: name,
                    cause,
                },
                full_or_busy => full_or_busy,
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
        sql_err(&self.path, source)
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
}

fn from_unix(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The error of a failed statement, told apart by what the operator can do about it: free
/// space, stop the other process holding the lock, or read the SQL error.
fn sql_err(path: &Path, cause: rusqlite::Error) -> StoreError {
    let path = path.to_owned();
    match cause.sqlite_error() {
        Some(e) if is_full(e) => StoreError::Full { path, cause },
        Some(e)
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Busy { path, cause }
        }
        _ => StoreError::Sql { path, cause },
    }
}

/// SQLite reports a full disk as `SQLITE_FULL` when a write comes up short, but a write refused
/// outright (`EFBIG` past the file size limit, `ENOSPC` on the first byte) or a file that
/// cannot grow comes back as an I/O error of that write or truncation.
fn is_full(error: &rusqlite::ffi::Error) -> bool {
    error.code == rusqlite::ErrorCode::DiskFull
        || matches!(
            error.extended_code,
            rusqlite::ffi::SQLITE_IOERR_WRITE
                | rusqlite::ffi::SQLITE_IOERR_TRUNCATE
                | rusqlite::ffi::SQLITE_IOERR_SHMSIZE
        )
}

impl StoreError {
    /// The database cannot take writes for now (full, or locked by another process): every
    /// refresh would fail the same way, so ingestion pauses instead of fetching feeds whose
    /// results cannot be kept.
    pub fn pauses_ingestion(&self) -> bool {
        matches!(self, StoreError::Full { .. } | StoreError::Busy { .. })
    }
}

/// The store shared by the daemon's tasks: one connection owned by one thread, which runs the
/// calls sent to it in order. SQLite allows one writer at a time anyway; a thread per waiting
/// call (the blocking pool behind a mutex) only added threads (50 at 1,000 feeds), context
/// switches and per-thread allocator arenas.
///
/// Calls sent with [`StoreHandle::call_first`] run before the queued ones: recording that the
/// mail server accepted a message must not wait behind a cycle's page writes, because until it
/// commits, a crash makes the message go out again.
#[derive(Clone)]
pub struct StoreHandle {
    calls: mpsc::UnboundedSender<StoreCall>,
    urgent: mpsc::UnboundedSender<StoreCall>,
}

/// A call queued for the store thread.
type StoreCall = Box<dyn FnOnce(&mut Store) + Send>;

impl StoreHandle {
    /// Moves `store` onto its own thread, which ends (closing the connection) when the last
    /// handle is dropped.
    pub fn new(mut store: Store) -> StoreHandle {
        let (calls, mut queue) = mpsc::unbounded_channel::<StoreCall>();
        let (urgent, mut first) = mpsc::unbounded_channel::<StoreCall>();
        std::thread::Builder::new()
            .name("newshound-store".into())
            .spawn(move || {
                // Every urgent call also queues a no-op wake-up, so the thread never sleeps
                // while one waits.
                while let Some(call) = queue.blocking_recv() {
                    while let Ok(urgent) = first.try_recv() {
                        urgent(&mut store);
                    }
                    call(&mut store);
                }
            })
            .expect("the OS refused to start the store thread");
        StoreHandle { calls, urgent }
    }

    /// Runs `f` on the store thread and waits for its result without blocking the runtime. A
    /// panic in `f` ends that call only, as an error: every write is a transaction, which rolls
    /// back when it unwinds, so the connection stays usable.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.submit(f, false).await
    }

    /// [`StoreHandle::call`], run before every call already queued (after the one running).
    /// For short writes whose delay widens a crash window, such as marking a message sent.
    pub async fn call_first<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.submit(f, true).await
    }

    async fn submit<T, F>(&self, f: F, urgent: bool) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.enqueue(f, urgent)?.await.map_err(|_| stopped())?
    }

    /// Queues `f` and returns where its result will arrive.
    fn enqueue<T, F>(
        &self,
        f: F,
        urgent: bool,
    ) -> Result<oneshot::Receiver<Result<T, StoreError>>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let call: StoreCall = Box::new(move |store| {
            let outcome = catch_unwind(AssertUnwindSafe(|| f(store)))
                .unwrap_or_else(|panic| Err(StoreError::Task(panic_message(&panic))));
            // The caller may have given up waiting (shutdown); the result is then not needed.
            let _ = reply.send(outcome);
        });
        if urgent {
            self.urgent.send(call).map_err(|_| stopped())?;
            self.calls.send(Box::new(|_| {})).map_err(|_| stopped())?;
        } else {
            self.calls.send(call).map_err(|_| stopped())?;
        }
        Ok(result)
    }
}

fn stopped() -> StoreError {
    StoreError::Task("the store thread has stopped".into())
}

/// The text of a panic payload, for the error that replaces the call's result.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown cause");
    format!("database call panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opening an existing database keeps its data and does not re-apply migrations; a database
    /// at an older version is brought up to date.
    #[test]
    fn reopening_migrates_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let old = Store::open(&path).unwrap();
        old.conn.pragma_update(None, "user_version", 0).unwrap();
        drop_all_tables(&old.conn);
        drop(old);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len());
        store.set_state_value("k", "v").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.state_value("k").unwrap().as_deref(), Some("v"));
    }

    /// Version 4 moves entry identity to `article_sources` and gives every article with a text
    /// its own story, which its hits then point to.
    #[test]
    fn stories_migration_backfills_sources_stories_and_hits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        let conn = Connection::open(&path).unwrap();
        let mut store = Store {
            conn,
            path: path.clone(),
            stories: None,
            story_window: DEFAULT_STORY_WINDOW,
        };
        store.migrate_to(3).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO feeds (id, config_url, url, name, created_at) VALUES (1, 'f', 'f', 'f', 0);
                 INSERT INTO articles (id, feed_id, entry_key, url, entry_hash, first_seen_at,
                     changed_at, text) VALUES (7, 1, 'k', 'http://a.example/x', 'h', 0, 0, 'text');
                 INSERT INTO articles (id, feed_id, entry_key, entry_hash, first_seen_at, changed_at)
                     VALUES (8, 1, 'k2', 'h', 0, 0);
                 INSERT INTO hits (topic, article_id, created_at) VALUES ('t', 7, 0);",
            )
            .unwrap();
        store.migrate().unwrap();
        let one = |sql: &str| -> i64 { store.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(one("SELECT count(*) FROM article_sources"), 2);
        assert_eq!(one("SELECT story_id FROM articles WHERE id = 7"), 7);
        assert_eq!(one("SELECT lead_article_id FROM stories WHERE id = 7"), 7);
        assert_eq!(
            one("SELECT count(*) FROM articles WHERE id = 8 AND story_id IS NULL"),
            1
        );
        assert_eq!(one("SELECT story_id FROM hits WHERE article_id = 7"), 7);
    }

    /// Empties a database of every table, as a database from before the first migration.
    fn drop_all_tables(conn: &Connection) {
        conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for table in tables {
            conn.execute_batch(&format!("DROP TABLE \"{table}\";"))
                .unwrap();
        }
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    }

    /// An urgent call (marking a message sent) runs before calls queued earlier, right after
    /// the one running; the others keep their order.
    #[test]
    fn urgent_calls_overtake_queued_ones() {
        let dir = tempfile::tempdir().unwrap();
        let handle = StoreHandle::new(Store::open(&dir.path().join("q.db")).unwrap());
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let log = |name: &'static str| {
            let order = std::sync::Arc::clone(&order);
            move |_: &mut Store| {
                order.lock().unwrap().push(name);
                Ok(())
            }
        };
        let running = handle
            .enqueue(
                move |_: &mut Store| {
                    wait.recv().unwrap();
                    Ok(())
                },
                false,
            )
            .unwrap();
        let results = [
            handle.enqueue(log("queued 1"), false).unwrap(),
            handle.enqueue(log("queued 2"), false).unwrap(),
            handle.enqueue(log("urgent"), true).unwrap(),
        ];
        release.send(()).unwrap();
        running.blocking_recv().unwrap().unwrap();
        for result in results {
            result.blocking_recv().unwrap().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["urgent", "queued 1", "queued 2"]);
    }

    /// A store transaction holds the write lock from its start, so another process's writer
    /// waits for it (busy timeout) instead of racing it into an immediate SQLITE_BUSY.
    #[test]
    fn transactions_take_the_write_lock_at_begin() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.db");
        let mut store = Store::open(&path).unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(Duration::ZERO).unwrap();
        let tx = store.conn.transaction().unwrap();
        let refused = other.execute_batch("BEGIN IMMEDIATE").unwrap_err();
        assert_eq!(
            refused.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy)
        );
        drop(tx);
        other.execute_batch("BEGIN IMMEDIATE; COMMIT").unwrap();
    }

    /// A full disk and a lock held too long are errors of their own, which pause ingestion and
    /// say what happened; other SQL errors stay as they were.
    #[test]
    fn full_and_busy_errors_are_told_apart() {
        let failure =
            |code: i32| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        let path = Path::new("/var/lib/newshound/newshound.db");
        let full = sql_err(path, failure(rusqlite::ffi::SQLITE_IOERR_WRITE));
        assert!(matches!(full, StoreError::Full { .. }) && full.pauses_ingestion());
        assert!(full.to_string().contains("disk full"), "{full}");
        let full = sql_err(path, failure(rusqlite::ffi::SQLITE_FULL));
        assert!(matches!(full, StoreError::Full { .. }));
        let busy = sql_err(path, failure(rusqlite::ffi::SQLITE_BUSY));
        assert!(matches!(busy, StoreError::Busy { .. }) && busy.pauses_ingestion());
        assert!(
            busy.to_string().contains(&path.display().to_string()),
            "{busy}"
        );
        let other = sql_err(path, failure(rusqlite::ffi::SQLITE_CONSTRAINT));
        assert!(matches!(other, StoreError::Sql { .. }) && !other.pauses_ingestion());
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
}
