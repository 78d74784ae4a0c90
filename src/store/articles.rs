//! The `articles` table: storing a poll's entries (one article however many feeds carry it),
//! retention, and reading articles back. What becomes of an article's page and text is in
//! `pages`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::feeds::write_success;
use super::search_index::refresh_search_extras;
use super::stories::replace_removed_leads;
use super::{Store, StoreError, SuccessfulPoll, from_unix};
use crate::model::Entry;

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
        self.db.write(|tx| {
            let stored = upsert_entries(tx, feed_id, update.entries, update.record.polled_at)?;
            write_success(tx, feed_id, update)?;
            Ok(stored)
        })
    }

    /// Deletes articles first seen before `cutoff`, their hits (by cascade), the stories no
    /// article points to any more, and delivered or failed emails older than `cutoff`; a story
    /// that lost its lead gets the earliest published copy left. Returns what was removed.
    pub fn prune(&mut self, cutoff: DateTime<Utc>) -> Result<Pruned, StoreError> {
        let cutoff = cutoff.timestamp();
        self.db.write(|tx| {
            let articles = tx.execute("DELETE FROM articles WHERE first_seen_at < ?1", [cutoff])?;
            let stories = tx.execute(
                "DELETE FROM stories WHERE NOT EXISTS
                     (SELECT 1 FROM articles WHERE articles.story_id = stories.id)",
                [],
            )?;
            replace_removed_leads(tx)?;
            tx.execute(
                "DELETE FROM outbox WHERE created_at < ?1 AND status != 'pending'",
                [cutoff],
            )?;
            tx.execute(
                "UPDATE feeds SET item_count =
                     (SELECT count(*) FROM articles WHERE feed_id = feeds.id)",
                [],
            )?;
            Ok(Pruned { articles, stories })
        })
    }

    /// Number of stored articles, for summaries and tests.
    pub fn article_count(&self) -> Result<i64, StoreError> {
        self.db
            .read(|c| c.query_row("SELECT count(*) FROM articles", [], |r| r.get(0)))
    }

    /// Every stored article in id order, for `newshound` subcommands and tests.
    pub fn articles(&self) -> Result<Vec<StoredArticle>, StoreError> {
        self.db.read(|c| {
            c.prepare(
                "SELECT a.id, f.config_url, a.entry_key, a.url, a.title, a.text, a.page_status,
                        a.page_error, a.published_at, a.language, a.text_source
                 FROM articles a JOIN feeds f ON f.id = a.feed_id ORDER BY a.id",
            )?
            .query_map([], |r| {
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
                refresh_search_extras(tx, id)?;
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
    use crate::store::test_support::{entry, open_with_feed, poll};

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
        store.db.conn.execute_batch(
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
            .db
            .conn
            .query_row("SELECT count(*) FROM hits", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 1);
        assert_eq!(store.articles().unwrap()[0].title.as_deref(), Some("New"));
    }
}
