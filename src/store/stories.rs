//! Stories: deciding which story an article's final text belongs to, inside the transaction that
//! stores the text, and the in-memory band index of recent fingerprints that makes the
//! near-duplicate lookup cheap. The index is a cache of the `fingerprint` column: it is built
//! from the database on first use and updated only after a commit, so it never holds what the
//! database does not.
//!
//! The lookups run cheapest first: the article already has a story (an updated entry stays in
//! its story); its page names a canonical URL that another article has; another article of the
//! window has exactly the same text; a near-duplicate fingerprint. Otherwise the article leads a
//! new story whose id is its own.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Store, StoreError};
use crate::dedup::fingerprint::Fingerprint;
use crate::dedup::index::StoryIndex;
use crate::model::TextIdentity;

/// The story of an article, and what to add to the index once the transaction is committed.
pub(super) struct StoryChoice {
    /// The story the article belongs to.
    pub story_id: i64,
    /// The fingerprint to index under the article, when it has one.
    pub fingerprint: Option<Fingerprint>,
}

impl Store {
    /// Builds the band index from the fingerprints of the story window, once.
    pub(super) fn load_story_index(&mut self, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.stories.is_some() {
            return Ok(());
        }
        let window = window_secs(self.story_window);
        let mut index = StoryIndex::new(window);
        let cutoff = now.timestamp() - window;
        let rows: Vec<(i64, i64, Vec<u8>, i64)> = self
            .conn
            .prepare(
                "SELECT id, story_id, fingerprint, first_seen_at FROM articles
                 WHERE fingerprint IS NOT NULL AND story_id IS NOT NULL AND first_seen_at >= ?1
                 ORDER BY first_seen_at",
            )
            .and_then(|mut st| {
                st.query_map([cutoff], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect()
            })
            .map_err(|e| self.sql(e))?;
        for (article_id, story_id, bytes, seen_at) in rows {
            if let Some(fingerprint) = Fingerprint::from_bytes(&bytes) {
                index.insert(article_id, story_id, fingerprint, seen_at);
            }
        }
        tracing::debug!(articles = index.len(), "story index loaded");
        self.stories = Some(index);
        Ok(())
    }

    /// Adds a committed article to the band index and drops what left the window.
    pub(super) fn index_story(&mut self, article_id: i64, choice: StoryChoice, now: DateTime<Utc>) {
        let (Some(index), Some(fingerprint)) = (self.stories.as_mut(), choice.fingerprint) else {
            return;
        };
        index.insert(article_id, choice.story_id, fingerprint, now.timestamp());
        index.prune(now.timestamp());
    }
}

fn window_secs(window: std::time::Duration) -> i64 {
    i64::try_from(window.as_secs()).unwrap_or(i64::MAX / 2)
}

/// Decides the story of `article_id` from its text's `identity`, writes the story row and the
/// article's keys, and returns the choice. Runs inside the caller's transaction.
pub(super) fn choose_story(
    tx: &Transaction<'_>,
    index: Option<&StoryIndex>,
    window: std::time::Duration,
    article_id: i64,
    identity: &TextIdentity,
    now: DateTime<Utc>,
) -> rusqlite::Result<StoryChoice> {
    let cutoff = now.timestamp() - window_secs(window);
    let story_id = match existing_story(tx, article_id)? {
        Some(story) => story,
        None => match same_page_or_text(tx, article_id, identity, cutoff)? {
            Some(story) => story,
            None => identity
                .fingerprint
                .as_ref()
                .and_then(|fp| index?.find(fp))
                .filter(|found| found.article_id != article_id)
                .map_or(article_id, |found| found.story_id),
        },
    };
    tx.prepare_cached(
        "INSERT INTO stories (id, lead_article_id, created_at) VALUES (?1, ?1, ?2)
         ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![story_id, now.timestamp()])?;
    tx.prepare_cached(
        "UPDATE articles SET story_id = ?2, text_hash = ?3, fingerprint = ?4 WHERE id = ?1",
    )?
    .execute(params![
        article_id,
        story_id,
        identity.text_hash,
        identity.fingerprint.as_ref().map(Fingerprint::to_bytes),
    ])?;
    Ok(StoryChoice {
        story_id,
        fingerprint: identity.fingerprint.clone(),
    })
}

/// An article keeps its story when its entry is updated (a correction, an added paragraph).
fn existing_story(tx: &Transaction<'_>, article_id: i64) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached("SELECT story_id FROM articles WHERE id = ?1")?
        .query_row([article_id], |r| r.get::<_, Option<i64>>(0))
        .optional()
        .map(Option::flatten)
}

/// The story of another article with the page's canonical URL, or (within the window) with
/// exactly the same text.
fn same_page_or_text(
    tx: &Transaction<'_>,
    article_id: i64,
    identity: &TextIdentity,
    cutoff: i64,
) -> rusqlite::Result<Option<i64>> {
    if let Some(url) = &identity.canonical_url {
        let story = tx
            .prepare_cached(
                "SELECT story_id FROM articles
                 WHERE url_key = ?1 AND id != ?2 AND story_id IS NOT NULL ORDER BY id LIMIT 1",
            )?
            .query_row(params![url, article_id], |r| r.get(0))
            .optional()?;
        if story.is_some() {
            return Ok(story);
        }
    }
    let Some(hash) = &identity.text_hash else {
        return Ok(None);
    };
    tx.prepare_cached(
        "SELECT story_id FROM articles
         WHERE text_hash = ?1 AND id != ?2 AND story_id IS NOT NULL AND first_seen_at >= ?3
         ORDER BY id LIMIT 1",
    )?
    .query_row(params![hash, article_id, cutoff], |r| r.get(0))
    .optional()
}
