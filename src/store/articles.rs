//! The `articles` table: storing a poll's entries, the article pages still to fetch and their
//! outcome, retention, and reading articles back.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::feeds::write_success;
use super::hits::insert_hits;
use super::stories::{StoryChoice, choose_story};
use super::{Store, StoreError, SuccessfulPoll, from_unix, sql_err};
use crate::model::{Entry, Extracted, TextAnalysis, TextSource};

/// An article whose text is still to be settled: its page is to be fetched, or it gets the
/// feed's own text. Carries what matching needs besides the text.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingPage {
    /// Row id.
    pub article_id: i64,
    /// The page to fetch; `None` for entries without a link.
    pub url: Option<String>,
    /// The entry's title from the feed.
    pub title: Option<String>,
    /// The language the entry or its feed declares.
    pub language: Option<String>,
    /// The feed's own text of the entry, to stand in for a page that yields too little.
    pub feed_text: Option<(String, TextSource)>,
    /// Page fetches tried so far.
    pub attempts: i64,
}

/// One entry of a poll with its identities: its key within the feed (GUID, link or hash) and
/// the canonical form of its link, which makes the same page in several feeds one article.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRecord {
    /// Identity within the feed.
    pub key: String,
    /// Canonical link (tracking parameters and fragment removed), when the entry has a link.
    pub url_key: Option<String>,
    /// The entry.
    pub entry: Entry,
}

/// What storing one feed's entries did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredEntries {
    /// Entries seen for the first time.
    pub new: usize,
    /// Entries seen before whose content changed.
    pub updated: usize,
    /// Entries seen for the first time in this feed whose article came through another feed
    /// first: recorded as another source of that article.
    pub known_elsewhere: usize,
}

/// What one retention run removed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pruned {
    /// Articles older than the retention period.
    pub articles: usize,
    /// Stories left without any article.
    pub stories: usize,
}

/// The result of fetching one article page, written to its row with the topic hits of the text
/// the article ends up with.
#[derive(Debug, Clone)]
pub enum PageResult {
    /// The page was fetched and extracted; `page.text` is the article's text, which came from
    /// `source` (the feed's text replaces a page that yielded too little).
    Extracted {
        /// Text and metadata of the page.
        page: Box<Extracted>,
        /// Where `page.text` came from.
        source: TextSource,
        /// Language, topic hits and identity of `page.text`.
        analysis: TextAnalysis,
    },
    /// The page could not be fetched, was refused, or is not HTML. With `give_up` no more
    /// attempts are made and the feed's own text becomes the article's text, with `analysis`
    /// its language, hits and identity; otherwise the page stays pending and `analysis` is
    /// ignored.
    Failed {
        /// Why, for the operator.
        error: String,
        /// This was the last attempt (refused, gone, or [`MAX_PAGE_ATTEMPTS`] reached).
        give_up: bool,
        /// Language, hits and identity of the feed's text, used with `give_up`.
        analysis: TextAnalysis,
    },
}

/// Page fetches are tried up to this many times, on successive polls, before the feed's own
/// text is used instead.
pub const MAX_PAGE_ATTEMPTS: i64 = 3;

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
    /// Where `text` came from: "page", "feed_content" or "feed_summary".
    pub text_source: Option<String>,
}

impl Store {
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
        self.select_pending(
            "WHERE feed_id = ?1 AND page_status = 'pending' AND url IS NOT NULL
             ORDER BY id LIMIT ?2",
            params![feed_id, limit],
        )
    }

    /// The pending articles that will get no page: all of them when the feed has
    /// fetch_articles off (`all`), else those without a link. They get the feed's text through
    /// [`Store::record_feed_texts`].
    pub fn articles_without_page(
        &self,
        feed_id: i64,
        all: bool,
    ) -> Result<Vec<PendingPage>, StoreError> {
        self.select_pending(
            "WHERE feed_id = ?1 AND page_status = 'pending' AND (?2 OR url IS NULL) ORDER BY id",
            params![feed_id, all],
        )
    }

    fn select_pending(
        &self,
        condition: &str,
        values: impl rusqlite::Params,
    ) -> Result<Vec<PendingPage>, StoreError> {
        let sql = format!(
            "SELECT id, url, title, language, feed_text, feed_text_source, page_attempts
             FROM articles {condition}"
        );
        self.conn
            .prepare_cached(&sql)
            .and_then(|mut st| {
                st.query_map(values, |r| {
                    let text: Option<String> = r.get(4)?;
                    let source: Option<String> = r.get(5)?;
                    Ok(PendingPage {
                        article_id: r.get(0)?,
                        url: r.get(1)?,
                        title: r.get(2)?,
                        language: r.get(3)?,
                        feed_text: text.zip(source.as_deref().and_then(TextSource::parse)),
                        attempts: r.get(6)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.sql(e))
    }

    /// Gives articles that get no page their feed's text, with its language, story and topic
    /// hits, in one transaction. Returns the number of new hits.
    pub fn record_feed_texts(
        &mut self,
        texts: &[(i64, TextAnalysis)],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.load_story_index(now)?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_err(&path, e))?;
        let mut new_hits = 0;
        let mut chosen = Vec::with_capacity(texts.len());
        for (article_id, analysis) in texts {
            let mut settle = || -> rusqlite::Result<StoryChoice> {
                tx.prepare_cached(
                    "UPDATE articles SET page_status = 'skipped', text = feed_text,
                         text_source = feed_text_source, language = COALESCE(?2, language)
                     WHERE id = ?1",
                )?
                .execute(params![article_id, analysis.language])?;
                let choice = choose_story(
                    &tx,
                    self.stories.as_ref(),
                    self.story_window,
                    *article_id,
                    &analysis.identity,
                    now,
                )?;
                new_hits += insert_hits(&tx, *article_id, choice.story_id, &analysis.hits, now)?;
                Ok(choice)
            };
            chosen.push((*article_id, settle().map_err(|e| sql_err(&path, e))?));
        }
        tx.commit().map_err(|e| sql_err(&path, e))?;
        for (article_id, choice) in chosen {
            self.index_story(article_id, choice, now);
        }
        Ok(new_hits)
    }

    /// Writes the outcome of one page fetch to its article and, when the article's text is
    /// settled (extracted, or the feed's text after the last attempt), its story and the hits
    /// of that text, in one transaction. Returns the number of new hits: none for a topic that
    /// already hit the story through another copy.
    pub fn record_page(
        &mut self,
        article_id: i64,
        result: &PageResult,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.load_story_index(now)?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_err(&path, e))?;
        let settled = match result {
            PageResult::Extracted {
                page,
                source,
                analysis,
            } => {
                write_extracted(&tx, article_id, page, *source, analysis, now)
                    .map_err(|e| sql_err(&path, e))?;
                Some(analysis)
            }
            PageResult::Failed {
                error,
                give_up,
                analysis,
            } => {
                write_failure(&tx, article_id, error, *give_up, analysis, now)
                    .map_err(|e| sql_err(&path, e))?;
                give_up.then_some(analysis)
            }
        };
        let mut outcome = None;
        if let Some(analysis) = settled {
            let settle = || -> rusqlite::Result<(StoryChoice, usize)> {
                let choice = choose_story(
                    &tx,
                    self.stories.as_ref(),
                    self.story_window,
                    article_id,
                    &analysis.identity,
                    now,
                )?;
                let new_hits = insert_hits(&tx, article_id, choice.story_id, &analysis.hits, now)?;
                Ok((choice, new_hits))
            };
            outcome = Some(settle().map_err(|e| sql_err(&path, e))?);
        }
        tx.commit().map_err(|e| sql_err(&path, e))?;
        Ok(match outcome {
            Some((choice, new_hits)) => {
                self.index_story(article_id, choice, now);
                new_hits
            }
            None => 0,
        })
    }

    /// Deletes articles first seen before `cutoff`, their hits (by cascade), the stories no
    /// article points to any more, and delivered or failed emails older than `cutoff`. Returns
    /// what was removed.
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
            "DELETE FROM outbox WHERE created_at < ?1 AND status != 'pending'",
            [cutoff.timestamp()],
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
                        a.page_error, a.published_at, a.language, a.text_source
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
                        text_source: r.get(10)?,
                    })
                })?
                .collect()
            })
            .map_err(|e| self.sql(e))
    }
}

fn write_extracted(
    tx: &Transaction<'_>,
    article_id: i64,
    page: &Extracted,
    source: TextSource,
    analysis: &TextAnalysis,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "UPDATE articles SET page_status = 'ok', page_attempts = page_attempts + 1,
             page_error = NULL, fetched_at = ?2, page_title = ?3, text = ?4,
             canonical_url = ?5, site_name = ?6,
             language = COALESCE(?7, language), author = COALESCE(author, ?8),
             published_at = COALESCE(published_at, ?9), text_source = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        article_id,
        now.timestamp(),
        page.title,
        page.text,
        page.canonical_url.as_ref().map(|u| u.as_str()),
        page.site_name,
        analysis.language.as_deref().or(page.language.as_deref()),
        page.author,
        page.published_at.map(|t| t.timestamp()),
        source.as_str(),
    ])
}

fn write_failure(
    tx: &Transaction<'_>,
    article_id: i64,
    error: &str,
    give_up: bool,
    analysis: &TextAnalysis,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "UPDATE articles SET page_attempts = page_attempts + 1, page_error = ?2, fetched_at = ?3,
             page_status = CASE WHEN ?4 THEN 'failed' ELSE 'pending' END,
             text = CASE WHEN ?4 THEN feed_text ELSE text END,
             text_source = CASE WHEN ?4 THEN feed_text_source ELSE text_source END,
             language = CASE WHEN ?4 THEN COALESCE(?5, language) ELSE language END
         WHERE id = ?1",
    )?
    .execute(params![
        article_id,
        error,
        now.timestamp(),
        give_up,
        analysis.language
    ])
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

/// Stores a poll's entries. An entry is known by its source row (feed, entry key); a new entry
/// whose canonical link is already an article (seen through another feed) becomes another
/// source of that article; otherwise it is a new article. Only the feed that brought an article
/// first updates it, so two feeds carrying one page do not overwrite each other's version.
fn upsert_entries(
    tx: &Transaction<'_>,
    feed_id: i64,
    entries: &[EntryRecord],
    now: DateTime<Utc>,
) -> rusqlite::Result<StoredEntries> {
    let mut known = tx.prepare_cached(
        "SELECT a.id, a.entry_hash, a.feed_id = s.feed_id AND a.entry_key = s.entry_key
         FROM article_sources s JOIN articles a ON a.id = s.article_id
         WHERE s.feed_id = ?1 AND s.entry_key = ?2",
    )?;
    let mut by_url =
        tx.prepare_cached("SELECT id FROM articles WHERE url_key = ?1 ORDER BY id LIMIT 1")?;
    let mut add_source = tx.prepare_cached(
        "INSERT INTO article_sources (feed_id, entry_key, article_id, url, first_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO articles (feed_id, entry_key, guid, url, title, author, summary, content_html,
             entry_hash, language, published_at, updated_at, first_seen_at, changed_at,
             feed_text, feed_text_source, url_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16)",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE articles SET guid = ?3, url = ?4, title = ?5, author = ?6, summary = ?7,
             content_html = ?8, entry_hash = ?9, language = COALESCE(?10, language),
             published_at = COALESCE(?11, published_at), updated_at = ?12, changed_at = ?13,
             feed_text = ?14, feed_text_source = ?15, url_key = ?16, page_status = 'pending',
             page_attempts = 0
         WHERE id = ?17 AND feed_id = ?1 AND entry_key = ?2",
    )?;
    let mut stored = StoredEntries::default();
    for record in entries {
        let (key, entry) = (&record.key, &record.entry);
        let hash = entry_hash(entry);
        let feed_text = entry.feed_text();
        let link = entry.link.as_ref().map(|u| u.as_str());
        let previous: Option<(i64, String, bool)> = known
            .query_row(params![feed_id, key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let values = params![
            feed_id,
            key,
            entry.guid,
            link,
            entry.title,
            entry.author,
            entry.summary,
            entry.content_html,
            hash,
            entry.language,
            entry.published_at.map(|t| t.timestamp()),
            entry.updated_at.map(|t| t.timestamp()),
            now.timestamp(),
            feed_text.map(|(text, _)| text),
            feed_text.map(|(_, source)| source.as_str()),
            record.url_key,
        ];
        match previous {
            Some((id, old, owner)) if owner && old != hash => {
                let mut with_id = values.to_vec();
                with_id.push(&id);
                update.execute(with_id.as_slice())?;
                stored.updated += 1;
            }
            Some(_) => {}
            None => {
                let elsewhere: Option<i64> = match &record.url_key {
                    Some(url_key) => by_url.query_row([url_key], |r| r.get(0)).optional()?,
                    None => None,
                };
                let article_id = match elsewhere {
                    Some(id) => {
                        stored.known_elsewhere += 1;
                        id
                    }
                    None => {
                        insert.execute(values)?;
                        stored.new += 1;
                        tx.last_insert_rowid()
                    }
                };
                add_source.execute(params![feed_id, key, article_id, link, now.timestamp()])?;
            }
        }
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FeedSpec, PollRecord};

    fn entry(guid: &str, title: &str) -> EntryRecord {
        let link = format!("http://example.com/{guid}");
        EntryRecord {
            key: format!("guid:{guid}"),
            url_key: Some(link.clone()),
            entry: Entry {
                guid: Some(guid.into()),
                title: Some(title.into()),
                link: Some(url::Url::parse(&link).unwrap()),
                ..Entry::default()
            },
        }
    }

    fn poll<'a>(entries: &'a [EntryRecord], now: DateTime<Utc>) -> SuccessfulPoll<'a> {
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
        assert_eq!(same, StoredEntries::default());
        let changed = [entry("a", "Title, corrected")];
        let result = store.store_poll(feed, &poll(&changed, now)).unwrap();
        assert_eq!((result.new, result.updated), (0, 1));
        let articles = store.articles().unwrap();
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].title.as_deref(), Some("Title, corrected"));
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

    /// A page that fails is retried until the caller gives up, then left alone.
    #[test]
    fn failed_pages_are_retried_then_given_up() {
        let (_dir, mut store, feed) = open_with_feed();
        store
            .store_poll(feed, &poll(&[entry("a", "A")], Utc::now()))
            .unwrap();
        for attempt in 0..MAX_PAGE_ATTEMPTS {
            let pending = store.pending_pages(feed, 10).unwrap();
            assert_eq!(pending.len(), 1);
            assert_eq!(pending[0].attempts, attempt);
            let failure = PageResult::Failed {
                error: "boom".into(),
                give_up: attempt + 1 >= MAX_PAGE_ATTEMPTS,
                analysis: TextAnalysis::default(),
            };
            store
                .record_page(pending[0].article_id, &failure, Utc::now())
                .unwrap();
        }
        assert!(store.pending_pages(feed, 10).unwrap().is_empty());
    }
}
