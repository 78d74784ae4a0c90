//! The full-text index of the stored articles (`article_search`, SQLite FTS5, see migration
//! 0008): building it for the articles stored before it existed, keeping the list of articles
//! it cannot be trusted on, and reading the candidates of a search.
//!
//! Triggers keep the index itself in step with `articles`. What they cannot work out in SQL
//! (whether the index spells an article's words the way the search plan expects, see
//! [`spelling`], and the ends of its compound words, see [`ends`]) the statements that give an
//! article its text write with [`refresh_search_extras`], in their transaction.

pub(crate) mod ends;
pub(crate) mod spelling;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use super::{BUSY_TIMEOUT, Store, StoreError, from_unix, sql_err};
use crate::matcher::Language;
use crate::progress::Progress;

/// `daemon_state` key: the highest article id indexed by the build after migration 0008;
/// absent once every article stored before it is indexed.
const BUILT_THROUGH: &str = "search_index_built_through";

/// Articles indexed per transaction of the build: large enough to amortise the commit, small
/// enough that a daemon waiting for the write lock is not held up for long.
const BUILD_BATCH: i64 = 2_000;

/// Records what the index cannot derive from the article's text itself: whether it can be
/// trusted on article `article_id`'s words (see [`spelling::indexable`]), and the ends of its
/// long words in a compounding language ([`ends`]). Called in the transaction that writes its
/// title or text.
pub(super) fn refresh_search_extras(tx: &Transaction<'_>, article_id: i64) -> rusqlite::Result<()> {
    let row: Option<(String, Option<String>, Option<String>)> = tx
        .prepare_cached(
            "SELECT COALESCE(title, page_title, ''), text, language FROM articles WHERE id = ?1",
        )?
        .query_row([article_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((title, text, language)) = row else {
        return Ok(());
    };
    let trusted = match &text {
        Some(text) => spelling::indexable(&title) && spelling::indexable(text),
        None => true,
    };
    if trusted {
        tx.prepare_cached("DELETE FROM search_unindexed WHERE article_id = ?1")?
            .execute([article_id])?;
    } else {
        tx.prepare_cached("INSERT OR IGNORE INTO search_unindexed (article_id) VALUES (?1)")?
            .execute([article_id])?;
    }
    tx.prepare_cached("DELETE FROM article_ends WHERE rowid = ?1")?
        .execute([article_id])?;
    if let Some(text) = &text {
        let code = language.as_deref().unwrap_or("");
        let ends = ends::article_ends(&title, text, Language::from_code(code));
        if !ends.is_empty() {
            let ends = format!("{ends} {}", language_word(code));
            tx.prepare_cached("INSERT INTO article_ends (rowid, ends) VALUES (?1, ?2)")?
                .execute(params![article_id, ends])?;
        }
    }
    Ok(())
}

/// The word both indexes hold for an article's language (stored as `code`), as the view
/// `article_search_content` writes it: `xlang` and the code in lower case.
pub fn language_word(code: &str) -> String {
    format!("xlang{}", code.trim_matches(' ').to_ascii_lowercase())
}

/// What narrows a search: FTS5 queries over the article words (`article_search`) and over the
/// reversed ends of compound words (`article_ends`), combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexQuery {
    /// Articles whose words match this FTS5 query.
    Words(String),
    /// Articles whose reversed word ends match this FTS5 query.
    Ends(String),
    /// Articles every part finds.
    All(Vec<IndexQuery>),
    /// Articles some part finds.
    Any(Vec<IndexQuery>),
}

impl IndexQuery {
    /// A `SELECT` of the ids this query finds, its FTS5 queries appended to `params`.
    fn sql(&self, params: &mut Vec<Value>) -> String {
        let mut compound = |parts: &[IndexQuery], op: &str| {
            let selects: Vec<String> = parts
                .iter()
                .map(|part| format!("SELECT id FROM ({})", part.sql(params)))
                .collect();
            selects.join(op)
        };
        match self {
            IndexQuery::Words(query) => {
                params.push(query.clone().into());
                format!(
                    "SELECT rowid AS id FROM article_search WHERE article_search MATCH ?{}",
                    params.len()
                )
            }
            IndexQuery::Ends(query) => {
                params.push(query.clone().into());
                format!(
                    "SELECT rowid AS id FROM article_ends WHERE article_ends MATCH ?{}",
                    params.len()
                )
            }
            IndexQuery::All(parts) => compound(parts, " INTERSECT "),
            // Duplicates are removed once, from the final list: cheaper than a temporary
            // b-tree per union.
            IndexQuery::Any(parts) => compound(parts, " UNION ALL "),
        }
    }
}

/// Which stored articles a search or rematch looks at, before the matcher decides.
#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    /// What every matching article satisfies (the search plan's narrowing); `None` when the
    /// query cannot be narrowed and every article is a candidate.
    pub index_query: Option<IndexQuery>,
    /// Only articles in these languages (ISO 639-1); empty for all.
    pub languages: Vec<String>,
    /// Only articles first seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only articles first seen before this time.
    pub until: Option<DateTime<Utc>>,
    /// Leave out articles whose story this topic already hit.
    pub unhit_by: Option<String>,
}

/// An article as the matcher needs it, with what a result line shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredText {
    /// Row id.
    pub id: i64,
    /// Its story.
    pub story_id: Option<i64>,
    /// The title it was matched on: the entry's, else the page's.
    pub title: String,
    /// Its final text.
    pub text: String,
    /// ISO 639-1 code, as stored.
    pub language: Option<String>,
    /// When it was published, else first seen.
    pub published_at: DateTime<Utc>,
    /// When newshound first saw it.
    pub first_seen_at: DateTime<Utc>,
}

/// What a search looks through, for an article `a`: those with a text, first seen in the window
/// (`?1` since, `?2` until, either `NULL`) and in the languages `?3` (a JSON array, `[]` for
/// all). Its candidates and its count of what was searched are the same articles.
const SEARCHED: &str = "a.text IS NOT NULL AND a.story_id IS NOT NULL
    AND (?1 IS NULL OR a.first_seen_at >= ?1) AND (?2 IS NULL OR a.first_seen_at < ?2)
    AND (?3 = '[]' OR a.language IN (SELECT value FROM json_each(?3)))";

impl CandidateFilter {
    /// The parameters `?1` .. `?4` of the search statements: since, until, languages, and the
    /// topic whose stories are left out.
    fn parameters(&self) -> Vec<Value> {
        let time = |t: Option<DateTime<Utc>>| t.map_or(Value::Null, |t| t.timestamp().into());
        let languages = serde_json::to_string(&self.languages).unwrap_or_else(|_| "[]".into());
        vec![
            time(self.since),
            time(self.until),
            languages.into(),
            self.unhit_by.clone().map_or(Value::Null, Value::Text),
        ]
    }
}

impl Store {
    /// Indexes the articles stored before the search index existed, in batches with progress;
    /// a build that was interrupted goes on where it stopped.
    pub(super) fn build_search_index(&mut self) -> Result<(), StoreError> {
        let Some(start) = self.built_through()? else {
            return Ok(());
        };
        let total: i64 = self.db.read(|c| {
            c.query_row(
                "SELECT count(*) FROM articles WHERE id > ?1 AND text IS NOT NULL",
                [start],
                |r| r.get(0),
            )
        })?;
        if total > 0 {
            tracing::info!(
                database = %self.db.path.display(),
                articles = total,
                "building the search index of the stored articles"
            );
        }
        let mut progress = Progress::new(
            "building the search index",
            u64::try_from(total).unwrap_or(0),
        );
        while let Some(indexed) = self.db.write(index_next_batch)? {
            progress.advance(indexed);
        }
        progress.finish();
        if total > 0 {
            tracing::info!(articles = total, "search index built");
        }
        Ok(())
    }

    fn built_through(&self) -> Result<Option<i64>, StoreError> {
        Ok(self
            .state_value(BUILT_THROUGH)?
            .map(|value| value.parse().unwrap_or(0)))
    }

    /// Ids of the candidate articles of `filter`, newest first.
    pub fn search_candidates(&self, filter: &CandidateFilter) -> Result<Vec<i64>, StoreError> {
        // ?1 .. ?4 are the filters; the index query's parameters follow.
        let mut params = filter.parameters();
        let sources = match &filter.index_query {
            Some(query) => format!(
                "{} UNION ALL SELECT article_id FROM search_unindexed",
                query.sql(&mut params)
            ),
            None => "SELECT id FROM articles WHERE text IS NOT NULL".to_owned(),
        };
        let unfiltered = filter.since.is_none()
            && filter.until.is_none()
            && filter.languages.is_empty()
            && filter.unhit_by.is_none();
        // Only articles with a text are indexed or listed (and each has a story): without a
        // filter, the candidates need no look-up.
        let sql = if unfiltered && filter.index_query.is_some() {
            format!("SELECT id FROM ({sources})")
        } else {
            format!(
                "SELECT a.id FROM ({sources}) c
                 CROSS JOIN articles a INDEXED BY articles_searchable
                 WHERE a.id = c.id AND {SEARCHED}
                   AND (?4 IS NULL OR NOT EXISTS (
                         SELECT 1 FROM hits h WHERE h.topic = ?4 AND h.story_id = a.story_id))"
            )
        };
        let mut ids: Vec<i64> = self.db.read(|c| {
            c.prepare(&sql)?
                .query_map(rusqlite::params_from_iter(&params), |r| r.get(0))?
                .collect()
        })?;
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        Ok(ids)
    }

    /// How many articles with text `filter`'s window and languages hold: what a search looked
    /// through, for its summary line.
    pub fn searchable_count(&self, filter: &CandidateFilter) -> Result<u64, StoreError> {
        let params = filter.parameters();
        self.db.read(|c| {
            c.query_row(
                &format!(
                    "SELECT count(*) FROM articles a INDEXED BY articles_searchable
                     WHERE {SEARCHED}"
                ),
                rusqlite::params_from_iter(&params[..3]),
                |r| r.get::<_, i64>(0),
            )
            .map(|n| u64::try_from(n).unwrap_or(0))
        })
    }
}

/// Indexes the next batch of the build; `None` when nothing was left (the build is done).
fn index_next_batch(tx: &Transaction<'_>) -> rusqlite::Result<Option<u64>> {
    let Some(start) = tx
        .query_row(
            "SELECT value FROM daemon_state WHERE key = ?1",
            [BUILT_THROUGH],
            |r| r.get::<_, String>(0),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let start: i64 = start.parse().unwrap_or(0);
    let ids: Vec<i64> = tx
        .prepare("SELECT id FROM articles WHERE id > ?1 AND text IS NOT NULL ORDER BY id LIMIT ?2")?
        .query_map(params![start, BUILD_BATCH], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let Some(&last) = ids.last() else {
        tx.execute("DELETE FROM daemon_state WHERE key = ?1", [BUILT_THROUGH])?;
        return Ok(None);
    };
    tx.execute(
        "INSERT INTO article_search (rowid, title, text, lang)
         SELECT id, title, text, lang FROM article_search_content WHERE id > ?1 AND id <= ?2",
        params![start, last],
    )?;
    for &id in &ids {
        refresh_search_extras(tx, id)?;
    }
    tx.execute(
        "UPDATE daemon_state SET value = ?2 WHERE key = ?1",
        params![BUILT_THROUGH, last.to_string()],
    )?;
    Ok(Some(ids.len() as u64))
}

/// A read-only connection for reading articles on a thread of its own: a search spreads the
/// matching of its candidates over the cores, each with its own connection.
pub struct TextReader {
    conn: Connection,
    path: std::path::PathBuf,
}

impl TextReader {
    /// Opens the database at `path` for reading only.
    pub fn open(path: &std::path::Path) -> Result<TextReader, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|conn| conn.busy_timeout(BUSY_TIMEOUT).map(|()| conn))
        .map_err(|cause| StoreError::Open {
            path: path.to_owned(),
            cause,
        })?;
        Ok(TextReader {
            conn,
            path: path.to_owned(),
        })
    }

    /// The article `id` as the matcher needs it; `None` if it is gone or has no text.
    pub fn text(&self, id: i64) -> Result<Option<StoredText>, StoreError> {
        stored_text(&self.conn, id).map_err(|e| sql_err(&self.path, e))
    }
}

impl Store {
    /// The article `id` as the matcher needs it (the story page matches its lead again to mark
    /// the words and say why); `None` if it is gone or has no text.
    pub fn stored_text(&self, id: i64) -> Result<Option<StoredText>, StoreError> {
        self.db.read(|c| stored_text(c, id))
    }
}

/// The article `id` with its text, for [`TextReader::text`] and [`Store::stored_text`].
fn stored_text(conn: &Connection, id: i64) -> rusqlite::Result<Option<StoredText>> {
    conn.prepare_cached(
        "SELECT id, story_id, COALESCE(title, page_title, ''), text, language,
                COALESCE(published_at, first_seen_at), first_seen_at
         FROM articles WHERE id = ?1 AND text IS NOT NULL",
    )?
    .query_row([id], |r| {
        Ok(StoredText {
            id: r.get(0)?,
            story_id: r.get(1)?,
            title: r.get(2)?,
            text: r.get(3)?,
            language: r.get(4)?,
            published_at: from_unix(r.get(5)?),
            first_seen_at: from_unix(r.get(6)?),
        })
    })
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FTS5's own check that the index holds exactly what the articles' titles and texts make.
    fn assert_index_intact(store: &Store) {
        store
            .db
            .conn
            .execute(
                "INSERT INTO article_search (article_search, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap();
    }

    /// An existing database gains a complete index: every article with a text stored before
    /// migration 0008 is indexed (FTS5's own integrity check compares the index with the
    /// articles), over several batches, and the ones with unpredictable spellings are listed.
    #[test]
    fn migration_indexes_every_article_an_existing_database_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v7.db");
        let mut store = Store::with_connection(Connection::open(&path).unwrap(), &path);
        store.migrate_to(7).unwrap();
        let articles = BUILD_BATCH * 2 + 17;
        store
            .db
            .write(|tx| {
                tx.execute(
                    "INSERT INTO feeds (id, config_url, url, name, created_at)
                     VALUES (1, 'f', 'f', 'f', 0)",
                    [],
                )?;
                let mut insert = tx.prepare(
                    "INSERT INTO articles (id, feed_id, entry_key, entry_hash, first_seen_at,
                         changed_at, title, text, story_id)
                     VALUES (?1, 1, ?1, 'h', 0, 0, ?2, ?3, NULL)",
                )?;
                for id in 1..=articles {
                    let text = if id % 1000 == 0 {
                        "a ﬁnance story".to_owned()
                    } else {
                        format!("Gipfeltreffen number {id}")
                    };
                    insert.execute(params![id, format!("title {id}"), text])?;
                }
                // One entry still waiting for its page has no text to index.
                tx.execute(
                    "INSERT INTO articles (id, feed_id, entry_key, entry_hash, first_seen_at,
                         changed_at) VALUES (?1, 1, 'pending', 'h', 0, 0)",
                    [articles + 1],
                )?;
                Ok(())
            })
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        let count = |sql: &str| -> i64 { store.db.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT count(*) FROM article_search WHERE article_search MATCH 'gipfeltreffen'"),
            articles - articles / 1000
        );
        assert_eq!(
            count("SELECT count(*) FROM search_unindexed"),
            articles / 1000
        );
        assert_index_intact(&store);
        assert_eq!(store.state_value(BUILT_THROUGH).unwrap(), None);
    }

    /// The index follows an article's text through changes and retention (the triggers).
    #[test]
    fn triggers_keep_the_index_in_step_with_the_articles() {
        let (_dir, mut store, feed) = crate::store::test_support::open_with_feed();
        let now = Utc::now();
        let id = crate::store::test_support::article_with_text(
            &mut store,
            feed,
            "a",
            "Gipfel",
            "Waffen",
            Some("de"),
            now,
        );
        let found = |store: &Store, word: &str| -> i64 {
            store
                .db
                .conn
                .query_row(
                    "SELECT count(*) FROM article_search WHERE article_search MATCH ?1",
                    [word],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(found(&store, "waffen"), 1);
        store
            .db
            .conn
            .execute("UPDATE articles SET text = 'Frieden' WHERE id = ?1", [id])
            .unwrap();
        assert_eq!(found(&store, "waffen"), 0);
        assert_eq!(found(&store, "frieden"), 1);
        store.prune(now + chrono::Duration::days(1)).unwrap();
        assert_eq!(found(&store, "frieden"), 0);
        assert_index_intact(&store);
    }
}
