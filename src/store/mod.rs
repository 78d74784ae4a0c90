//! The SQLite database: opening, pragmas, migrations and every SQL statement newshound runs.
//!
//! One [`Store`] owns one connection. The daemon moves it onto a thread of its own behind a
//! [`StoreHandle`]: its tasks send calls over a channel and await the answers, so no statement
//! runs on the async runtime's threads and the one connection needs no lock. Commands use a
//! `Store` directly. Uniqueness (one row per feed, one row per entry, one hit per topic and
//! story) is enforced by the schema, not by reads before writes.
//!
//! Every statement goes through `Database::write` (one `BEGIN IMMEDIATE` transaction) or
//! `Database::read`, which turn a failure into the [`StoreError`] naming the file, a full disk
//! and a held lock told apart, in one place.
//!
//! The statements are grouped by table: `feeds` holds the feed rows and their poll state,
//! `articles` the stored entries (one article however many feeds carry it) and retention,
//! `pages` the article pages still to fetch, their outcome and the one step that settles an
//! article's text, `hits` the topic hits written with each text and read back for listings,
//! `hit_feeds` a hit's JSON object (for `hits --json` and `/api/hits`) and when each story last
//! changed (for the feeds of hits),
//! `stories` which story a text belongs to, which copy leads it, the copies of a story and the
//! in-memory band index of recent fingerprints, `outbox` the email outbox, the hits each
//! recipient was told about and the digests' last slots, `feed_health` the feed health emails
//! and the gauges of `/metrics`, `topic_definitions` the fingerprint of each topic as last
//! applied to the stored articles, `search_index` the full-text index of the articles (its
//! build after migration, what triggers cannot keep, and the candidates of a search),
//! `overview` what the web overview, `/feeds` and `/outbox` read (hit counts per day, hour and
//! topic kept by triggers, feed reports, outbox entries without their bodies);
//! `handle` is the store's thread. This module opens the
//! database, migrates it and keeps the daemon's small persistent facts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

mod articles;
mod feed_health;
mod feeds;
mod handle;
mod hit_feeds;
mod hits;
mod outbox;
mod overview;
mod pages;
mod search_index;
mod stories;
#[cfg(test)]
pub(crate) mod test_support;
mod topic_definitions;

pub use articles::{EntryRecord, Pruned, StoredArticle, StoredEntries};
pub use feed_health::{CountsByLabel, FeedAlert, FeedAlertKind, StoreCounts};
pub use feeds::{FeedSpec, FeedState, PollRecord, SuccessfulPoll};
pub use handle::StoreHandle;
pub use hit_feeds::JsonHit;
pub use hits::{BackfillHit, HitFilter, StoredHit};
pub use outbox::{AlertHit, NewMessage, OutboxMessage, PendingAlert};
pub use overview::{DayHits, FeedHealth, FeedReport, OutboxEntry, TopicActivity};
pub use pages::{MAX_PAGE_ATTEMPTS, PageResult, PendingPage};
pub use search_index::{CandidateFilter, IndexQuery, StoredText, TextReader, language_word};
pub use stories::{StoryCopyDetails, StoryLead};

/// The bundled SQLite's version and whether it has FTS5, the full-text search the search index
/// is made with: `SQLite 3.51.3 with FTS5`.
pub fn sqlite_build() -> String {
    let fts5 = Connection::open_in_memory()
        .and_then(|c| {
            c.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
                r.get::<_, bool>(0)
            })
        })
        .unwrap_or(false);
    format!(
        "SQLite {} {} FTS5",
        rusqlite::version(),
        if fts5 { "with" } else { "without" }
    )
}

/// How the search index spells letters the matcher folds otherwise (see
/// `search_index/spelling.rs`), for the search plan.
pub(crate) fn search_index_spellings() -> &'static [(&'static str, char)] {
    search_index::spelling::INDEX_SPELLINGS
}

/// The reversed ends a term finds in the word ends index (see `search_index/ends.rs`), for the
/// search plan.
pub(crate) fn search_term_ends(word: &str, language: crate::matcher::Language) -> Vec<String> {
    search_index::ends::term_ends(word, language)
}

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
    (
        "0007_story_lead.sql",
        include_str!("../../migrations/0007_story_lead.sql"),
    ),
    (
        "0008_search.sql",
        include_str!("../../migrations/0008_search.sql"),
    ),
    (
        "0009_hit_days.sql",
        include_str!("../../migrations/0009_hit_days.sql"),
    ),
    (
        "0010_hits_by_topic.sql",
        include_str!("../../migrations/0010_hits_by_topic.sql"),
    ),
    (
        "0011_channels.sql",
        include_str!("../../migrations/0011_channels.sql"),
    ),
];

/// The schema version this build writes: the number of migrations it knows. A database with a
/// higher `user_version` comes from a newer release and is refused (downgrades are not
/// supported); tests of upgrades compare with it.
pub fn schema_migrations() -> usize {
    MIGRATIONS.len()
}

/// How much of the file a read-only connection maps into memory (SQLite caps it at its
/// compile-time limit); address space only, the file cache holds the pages.
const READ_ONLY_MMAP_BYTES: i64 = 1 << 31;

/// A read-only connection's page cache, in KiB (SQLite's negative `cache_size`).
const READ_ONLY_CACHE_KIB: i64 = -32 * 1024;

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
    /// A call on the store thread panicked, or the thread has stopped.
    #[error("database task failed: {0}")]
    Task(String),
}

/// Default of `[daemon] story_window`.
const DEFAULT_STORY_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// The open database.
pub struct Store {
    /// The connection, through which every statement runs.
    db: Database,
    /// Band index of the story window's fingerprints; built on first use (commands that only
    /// read never pay for it).
    stories: Option<crate::dedup::index::StoryIndex>,
    /// How far back articles are compared to find a story.
    story_window: Duration,
}

/// The connection with the file it opened, so that every failure names the file and is
/// classified (full, busy, other) by the one helper every statement goes through.
struct Database {
    /// The one connection; its transactions are `IMMEDIATE`.
    conn: Connection,
    /// The database file, named by every error.
    path: PathBuf,
}

impl Database {
    /// Runs `work` in one transaction and commits it; any failure rolls it back and comes back
    /// as a [`StoreError`]. The transaction is `IMMEDIATE` (set at open): it holds the write
    /// lock from its start.
    fn write<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = &self.path;
        transaction(&mut self.conn, work).map_err(|e| sql_err(path, e))
    }

    /// Runs the statements of `work`, which only read, outside a transaction (a transaction
    /// here would take the write lock), mapping a failure like [`Database::write`].
    fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        work(&self.conn).map_err(|e| sql_err(&self.path, e))
    }
}

/// Sets the busy timeout, the transaction behaviour and the pragmas of a new connection.
fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every transaction here writes. Taking the write lock at BEGIN makes a writer in another
    // process (a CLI command) a wait of up to the busy timeout; a deferred one that read first
    // would fail at once with SQLITE_BUSY if that writer committed meanwhile.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")
}

/// Begins a transaction on `conn` with its default behaviour, runs `work` and commits.
fn transaction<T>(
    conn: &mut Connection,
    work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let tx = conn.transaction()?;
    let value = work(&tx)?;
    tx.commit()?;
    Ok(value)
}

impl Store {
    /// Opens (creating if needed) the database at `path`, sets WAL, foreign keys and a busy
    /// timeout, and applies pending migrations.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // A full disk or a lock held too long says so even here (a new database's first
        // write is its journal mode).
        let open_err =
            |cause| classify(path, cause, |path, cause| StoreError::Open { path, cause });
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                open_err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!("cannot create folder {}: {e}", dir.display())),
                ))
            })?;
        }
        let conn = Connection::open(path)
            .and_then(|mut conn| configure(&mut conn).map(|()| conn))
            .map_err(open_err)?;
        let mut store = Store::with_connection(conn, path);
        store.migrate()?;
        store.build_search_index()?;
        Ok(store)
    }

    /// Opens the database at `path` for reading only, as the web pages do beside the daemon's
    /// writer: WAL lets it read while the daemon writes, and it can never take the write lock
    /// and hold up a poll. It neither creates nor migrates: a database whose schema is not
    /// this newshound's is refused (the daemon, or `newshound run --once`, migrates it).
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        use rusqlite::OpenFlags;
        let open_err =
            |cause| classify(path, cause, |path, cause| StoreError::Open { path, cause });
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .and_then(|conn| {
                conn.busy_timeout(BUSY_TIMEOUT)?;
                conn.pragma_update(None, "query_only", true)?;
                // Pages read rows scattered over the whole file (a hit's lead, its feed, its
                // copies): mapped, the file cache serves them without a system call per page,
                // and a larger cache keeps the indexes' upper levels.
                conn.pragma_update(None, "mmap_size", READ_ONLY_MMAP_BYTES)?;
                conn.pragma_update(None, "cache_size", READ_ONLY_CACHE_KIB)?;
                Ok(conn)
            })
            .map_err(open_err)?;
        let store = Store::with_connection(conn, path);
        let version = store.schema_version()?;
        if version > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        if version < MIGRATIONS.len() {
            return Err(StoreError::Open {
                path: path.to_owned(),
                cause: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some(format!(
                        "schema version {version} is older than this newshound's ({}); \
                         run `newshound run --once` to migrate it",
                        MIGRATIONS.len()
                    )),
                ),
            });
        }
        Ok(store)
    }

    /// A store on an open connection, before any migration (tests build old schemas with it).
    fn with_connection(conn: Connection, path: &Path) -> Store {
        Store {
            db: Database {
                conn,
                path: path.to_owned(),
            },
            stories: None,
            story_window: DEFAULT_STORY_WINDOW,
        }
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
        &self.db.path
    }

    /// Current schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        let v: i64 = self
            .db
            .read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    /// Applies the migrations that this database has not seen yet, each in its own transaction.
    pub fn migrate(&mut self) -> Result<(), StoreError> {
        self.migrate_to(MIGRATIONS.len())
    }

    /// Applies migrations up to `target` (exclusive count); tests use it to build old schemas.
    pub fn migrate_to(&mut self, target: usize) -> Result<(), StoreError> {
        let current = self.schema_version()?;
        let Database { conn, path } = &mut self.db;
        if current > MIGRATIONS.len() {
            return Err(StoreError::TooNew {
                path: path.clone(),
                found: current,
                known: MIGRATIONS.len(),
            });
        }
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate().take(target).skip(current) {
            let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
            transaction(conn, |tx| {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", version)
            })
            .map_err(|cause| {
                classify(path, cause, |path, cause| StoreError::Migration {
                    path,
                    migration: name,
                    cause,
                })
            })?;
            tracing::info!(database = %path.display(), migration = name, "applied migration");
        }
        Ok(())
    }

    /// Reads a small persistent fact of the daemon (e.g. when retention last ran).
    pub fn state_value(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.db.read(|c| {
            c.query_row(
                "SELECT value FROM daemon_state WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()
        })
    }

    /// Writes a small persistent fact of the daemon.
    pub fn set_state_value(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO daemon_state (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
        })?;
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
    classify(path, cause, |path, cause| StoreError::Sql { path, cause })
}

/// A full disk or a lock held too long as such; any other failure as `other` makes it (a plain
/// SQL error, or the open or migration error it happened in).
fn classify(
    path: &Path,
    cause: rusqlite::Error,
    other: impl FnOnce(PathBuf, rusqlite::Error) -> StoreError,
) -> StoreError {
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
        _ => other(path, cause),
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
        old.db.conn.pragma_update(None, "user_version", 0).unwrap();
        drop_all_tables(&old.db.conn);
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
        let mut store = Store::with_connection(Connection::open(&path).unwrap(), &path);
        store.migrate_to(3).unwrap();
        store.db.conn
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
        let one = |sql: &str| -> i64 { store.db.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
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
        // Views and virtual tables first: dropping an FTS5 table drops its shadow tables.
        let tables: Vec<(String, String)> = conn
            .prepare(
                "SELECT type, name FROM sqlite_master
                 WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'
                 ORDER BY type = 'table', sql NOT LIKE 'CREATE VIRTUAL%'",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (kind, name) in tables {
            conn.execute_batch(&format!("DROP {kind} IF EXISTS \"{name}\";"))
                .unwrap();
        }
        conn.pragma_update(None, "foreign_keys", "ON").unwrap();
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
        let tx = store.db.conn.transaction().unwrap();
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
        store
            .db
            .conn
            .pragma_update(None, "user_version", 99)
            .unwrap();
        drop(store);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }
}
