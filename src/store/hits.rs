//! The `hits` table: one row per story and topic, written in the transaction that gives the
//! article its text, and read back newest first for `newshound hits`, each under its story's
//! lead.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::stories::{HITS_UNDER_LEAD, copies};
use super::{Store, StoreError, from_unix};
use crate::model::{Snippet, TopicHit};

/// Which hits to list.
#[derive(Debug, Clone, Default)]
pub struct HitFilter {
    /// Only this topic.
    pub topic: Option<String>,
    /// Only hits found at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// At most this many (the newest).
    pub limit: Option<usize>,
}

/// A stored hit with what a reader needs to judge it without opening the database. A story is
/// shown under its lead (its earliest published copy): the title, URL, feed, language and
/// publication time are the lead's, whichever copy the topic matched; the score, matched words
/// and snippet are the hit's, from the copy it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHit {
    /// Row id.
    pub id: i64,
    /// The topic's name.
    pub topic: String,
    /// The copy the topic matched (the one the score and snippet come from); it stays when
    /// another copy becomes the lead.
    pub article_id: i64,
    /// The story the article belongs to (its copies on other sites share it).
    pub story_id: Option<i64>,
    /// The story's lead, which the fields below describe.
    pub lead_article_id: i64,
    /// The canonical URLs of every copy of the story known so far: the lead's first, then the
    /// others in the order they were seen.
    pub sources: Vec<String>,
    /// The lead's entry title, else its page's.
    pub title: Option<String>,
    /// The lead's page, canonical (without tracking parameters).
    pub url: Option<String>,
    /// The configured name of the lead's feed.
    pub feed: String,
    /// ISO 639-1 code of the lead's language.
    pub language: Option<String>,
    /// See [`TopicHit::score`].
    pub score: u32,
    /// The matched words as written.
    pub matched: Vec<String>,
    /// The passage around the best match.
    pub snippet: Snippet,
    /// When the lead was published, if it says.
    pub published_at: Option<DateTime<Utc>>,
    /// When the hit was found.
    pub created_at: DateTime<Utc>,
}

/// Inserts the hits of one article of `story_id` and returns how many are new. A topic hits a
/// story once: a topic that already hit this article, or another copy of its story, keeps its
/// first hit (an updated article or a later copy is not a new hit).
pub(super) fn insert_hits(
    tx: &Transaction<'_>,
    article_id: i64,
    story_id: i64,
    hits: &[TopicHit],
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO hits (topic, article_id, story_id, created_at, score, matched, snippet,
             snippet_marks)
         VALUES (?1, ?2, ?8, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT DO NOTHING",
    )?;
    let mut new = 0;
    for hit in hits {
        new += insert.execute(params![
            hit.topic,
            article_id,
            now.timestamp(),
            hit.score,
            to_json(&hit.matched),
            hit.snippet.text,
            to_json(&hit.snippet.marks),
            story_id,
        ])?;
    }
    Ok(new)
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}

/// A JSON column written by [`insert_hits`]; a damaged value reads as empty rather than failing
/// the whole listing.
fn from_json<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

impl Store {
    /// Stored hits matching `filter`, newest first, each under its story's lead.
    pub fn hits(&self, filter: &HitFilter) -> Result<Vec<StoredHit>, StoreError> {
        let limit = filter
            .limit
            .and_then(|l| i64::try_from(l).ok())
            .unwrap_or(-1);
        self.db.read(|c| {
            let mut hits = c
                .prepare_cached(&format!(
                    "SELECT h.id, h.topic, h.article_id, COALESCE(a.title, a.page_title),
                            COALESCE(a.url_key, a.url), f.name,
                            a.language, h.score, h.matched, h.snippet, h.snippet_marks,
                            a.published_at, h.created_at, h.story_id, a.id
                     FROM {HITS_UNDER_LEAD}
                     WHERE (?1 IS NULL OR h.topic = ?1) AND (?2 IS NULL OR h.created_at >= ?2)
                     ORDER BY h.created_at DESC, h.id DESC LIMIT ?3"
                ))?
                .query_map(
                    params![filter.topic, filter.since.map(|t| t.timestamp()), limit],
                    stored_hit,
                )?
                .collect::<rusqlite::Result<Vec<StoredHit>>>()?;
            for hit in &mut hits {
                hit.sources = copies(c, hit.story_id, hit.lead_article_id)?
                    .into_iter()
                    .map(|copy| copy.url)
                    .collect();
            }
            Ok(hits)
        })
    }
}

/// A row of [`Store::hits`]; its `sources` are filled in afterwards.
fn stored_hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredHit> {
    Ok(StoredHit {
        id: r.get(0)?,
        topic: r.get(1)?,
        article_id: r.get(2)?,
        title: r.get(3)?,
        url: r.get(4)?,
        feed: r.get(5)?,
        language: r.get(6)?,
        score: r.get(7)?,
        matched: from_json(&r.get::<_, String>(8)?),
        snippet: Snippet {
            text: r.get(9)?,
            marks: from_json(&r.get::<_, String>(10)?),
        },
        published_at: r.get::<_, Option<i64>>(11)?.map(from_unix),
        created_at: from_unix(r.get(12)?),
        story_id: r.get(13)?,
        lead_article_id: r.get(14)?,
        sources: Vec::new(),
    })
}
