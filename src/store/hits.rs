//! The `hits` table: one row per story and topic, written in the transaction that gives the
//! article its text (or later, backfilled, when a topic is applied to stored articles), and
//! read back newest first for `newshound hits`, each under its story's lead.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Transaction, params, params_from_iter};

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
    /// Only hits listed after the hit with this (found at, id) in the newest-first order: the
    /// key of the last hit on the previous page (keyset pagination: a page costs the same
    /// however deep it is, where an OFFSET would read every hit before it).
    pub before: Option<(DateTime<Utc>, i64)>,
    /// Only stories whose lead is in this language (ISO 639-1): the language the reader sees.
    pub language: Option<String>,
    /// Only backfilled hits (`Some(true)`) or only hits found as the articles came in
    /// (`Some(false)`).
    pub backfill: Option<bool>,
    /// Only the hits of this story (one per topic that hit it).
    pub story: Option<i64>,
}

impl HitFilter {
    /// The conditions on `h` (the hit) and `a` (its story's lead) that this filter sets, and
    /// their parameters in order. Only the conditions set are written, so that SQLite sees a
    /// plain `h.topic = ?` and reads one topic through `hits_by_topic` (a condition written as
    /// `? IS NULL OR h.topic = ?` cannot use an index).
    fn conditions(&self) -> (String, Vec<Value>) {
        let mut conditions: Vec<&str> = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        if let Some(topic) = &self.topic {
            conditions.push("h.topic = ?");
            values.push(topic.clone().into());
        }
        if let Some(story) = self.story {
            conditions.push("h.story_id = ?");
            values.push(story.into());
        }
        if let Some(since) = self.since {
            conditions.push("h.created_at >= ?");
            values.push(since.timestamp().into());
        }
        if let Some((created_at, id)) = self.before {
            conditions.push("(h.created_at, h.id) < (?, ?)");
            values.extend([created_at.timestamp().into(), id.into()]);
        }
        if let Some(backfill) = self.backfill {
            conditions.push("h.backfill = ?");
            values.push(i64::from(backfill).into());
        }
        if let Some(language) = &self.language {
            conditions.push("a.language = ?");
            values.push(language.clone().into());
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        (clause, values)
    }
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
    /// Found by applying the topic to articles stored before (`rematch`, or the service
    /// backfilling a new or changed topic) rather than when the article came in: such a hit
    /// sends no immediate alert.
    pub backfill: bool,
}

impl StoredHit {
    /// The story the hit belongs to (the article's own id for one without a story): what the
    /// pages and feeds link and key it by.
    pub fn story(&self) -> i64 {
        self.story_id.unwrap_or(self.article_id)
    }

    /// The lead's title as the pages show it: `(untitled)` when there is none or it is blank.
    pub fn shown_title(&self) -> &str {
        self.title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("(untitled)")
    }
}

/// A hit found by applying a topic to a stored article, to be stored marked as backfilled: it
/// never sends an immediate alert, only goes into the topic's next digest.
#[derive(Debug, Clone, PartialEq)]
pub struct BackfillHit {
    /// The article the topic matched.
    pub article_id: i64,
    /// The story the article belongs to, which the topic then hits (once).
    pub story_id: i64,
    /// What the matcher found in it.
    pub hit: TopicHit,
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
    let mut new = 0;
    for hit in hits {
        new += insert_hit(tx, article_id, story_id, hit, false, now)?;
    }
    Ok(new)
}

/// Inserts one hit found at `now`, `backfill` or not; returns 1 when it is new, 0 when the
/// topic already hit this article or its story (the row is then left as it was).
fn insert_hit(
    tx: &Transaction<'_>,
    article_id: i64,
    story_id: i64,
    hit: &TopicHit,
    backfill: bool,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "INSERT INTO hits (topic, article_id, story_id, created_at, score, matched, snippet,
             snippet_marks, backfill)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        hit.topic,
        article_id,
        story_id,
        now.timestamp(),
        hit.score,
        to_json(&hit.matched),
        hit.snippet.text,
        to_json(&hit.snippet.marks),
        backfill,
    ])
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
    /// Stores hits found by applying topics to stored articles, marked as backfilled and found
    /// at `now` (so they fall into each topic's next digest), in one transaction; returns how
    /// many were added. A topic hits a story once: where it already hit the story (or that
    /// article), the hit is left out and the existing one stays as it was.
    pub fn insert_backfill_hits(
        &mut self,
        hits: &[BackfillHit],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.db.write(|tx| {
            let mut added = 0;
            for found in hits {
                added += insert_hit(tx, found.article_id, found.story_id, &found.hit, true, now)?;
            }
            Ok(added)
        })
    }

    /// Stored hits matching `filter`, newest first (by when they were found, then by id, so
    /// that the order is total and a page's last hit is a key for the next), each under its
    /// story's lead. With a topic, SQLite walks `hits_by_topic` backwards from `before` and
    /// stops after `limit` rows; a language condition is checked on each row on the way (the
    /// language is the lead's, in another table), so a rare language reads further.
    pub fn hits(&self, filter: &HitFilter) -> Result<Vec<StoredHit>, StoreError> {
        let limit = filter
            .limit
            .and_then(|l| i64::try_from(l).ok())
            .unwrap_or(-1);
        let (conditions, mut values) = filter.conditions();
        values.push(limit.into());
        self.db.read(|c| {
            let mut hits = c
                .prepare_cached(&format!(
                    "SELECT h.id, h.topic, h.article_id, COALESCE(a.title, a.page_title),
                            COALESCE(a.url_key, a.url), f.name,
                            a.language, h.score, h.matched, h.snippet, h.snippet_marks,
                            a.published_at, h.created_at, h.story_id, a.id, h.backfill
                     FROM {HITS_UNDER_LEAD}
                     {conditions}
                     ORDER BY h.created_at DESC, h.id DESC LIMIT ?"
                ))?
                .query_map(params_from_iter(values), stored_hit)?
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

    /// Whether `topic` has any stored hit: a topic no longer configured still has a page while
    /// its hits are kept.
    pub fn topic_has_hits(&self, topic: &str) -> Result<bool, StoreError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT EXISTS (SELECT 1 FROM hits WHERE topic = ?1)")?
                .query_row([topic], |r| r.get(0))
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
        backfill: r.get(15)?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::test_support::{
        article_with_text, open_with_feed, settled_article, topic_hit,
    };

    /// Backfilled hits are stored marked as such and found at the time given; a topic that
    /// already hit the story (through this article or another copy) keeps its hit as it was,
    /// so applying the same topics again adds nothing.
    #[test]
    fn backfill_adds_only_stories_the_topic_has_not_hit_and_marks_them() {
        let (_dir, mut store, feed) = open_with_feed();
        let seen = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let (hit_before, wire) =
            settled_article(&mut store, feed, "original", "wire", &["t"], seen);
        let (copy, copy_story) = settled_article(&mut store, feed, "copy", "wire", &[], seen);
        assert_eq!(copy_story, wire, "the copy joins the original's story");
        let (other, story) = settled_article(&mut store, feed, "other", "own", &[], seen);
        let backfill = |article_id, story_id, topic| BackfillHit {
            article_id,
            story_id,
            hit: topic_hit(topic, "backfilled"),
        };
        let found = [
            backfill(hit_before, wire, "t"),
            backfill(copy, wire, "t"),
            backfill(other, story, "t"),
            backfill(copy, wire, "u"),
        ];
        let now = seen + chrono::Duration::days(3);
        assert_eq!(store.insert_backfill_hits(&found, now).unwrap(), 2);
        assert_eq!(store.insert_backfill_hits(&found, now).unwrap(), 0);

        let mut hits = store.hits(&HitFilter::default()).unwrap();
        hits.sort_by_key(|h| (h.topic.clone(), h.article_id));
        let summary: Vec<(&str, i64, bool, &str, DateTime<Utc>)> = hits
            .iter()
            .map(|h| {
                let word = h.matched[0].as_str();
                (
                    h.topic.as_str(),
                    h.article_id,
                    h.backfill,
                    word,
                    h.created_at,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("t", hit_before, false, "original", seen),
                ("t", other, true, "backfilled", now),
                ("u", copy, true, "backfilled", now),
            ]
        );
    }

    /// Stores `count` articles of their own stories (`language` by turns "en" and "de"), each
    /// hit by topic `t`, two by two at the same time (so that the id breaks ties), every third
    /// one backfilled; returns the store and the hits' ids, newest first.
    fn topic_with_hits(count: usize) -> (tempfile::TempDir, Store, Vec<i64>) {
        let (dir, mut store, feed) = open_with_feed();
        let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        for n in 0..count {
            let language = if n % 2 == 0 { "en" } else { "de" };
            let guid = format!("a{n}");
            let article = article_with_text(
                &mut store,
                feed,
                &guid,
                &guid,
                "text",
                Some(language),
                start,
            );
            let hit = topic_hit("t", &guid);
            let at = start + chrono::Duration::minutes((n / 2) as i64);
            let backfill = n % 3 == 0;
            store
                .db
                .write(|tx| insert_hit(tx, article, article, &hit, backfill, at))
                .unwrap();
        }
        let ids = store
            .hits(&HitFilter::default())
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        (dir, store, ids)
    }

    /// Following the key of each page's last hit walks every hit of a topic once, newest
    /// first, with ties of time broken by id, however small the pages.
    #[test]
    fn pages_after_the_last_key_walk_every_hit_once() {
        let (_dir, store, newest_first) = topic_with_hits(7);
        let mut walked = Vec::new();
        let mut before = None;
        loop {
            let page = store
                .hits(&HitFilter {
                    topic: Some("t".into()),
                    limit: Some(2),
                    before,
                    ..HitFilter::default()
                })
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some((last.created_at, last.id));
            walked.extend(page.iter().map(|h| h.id));
        }
        assert_eq!(walked, newest_first);
    }

    /// The language is the lead's and the backfill flag the hit's; the filters combine.
    #[test]
    fn language_and_backfill_filters_combine() {
        let (_dir, store, _) = topic_with_hits(6);
        let titles = |language: Option<&str>, backfill: Option<bool>| -> Vec<String> {
            let mut titles: Vec<String> = store
                .hits(&HitFilter {
                    topic: Some("t".into()),
                    language: language.map(str::to_owned),
                    backfill,
                    ..HitFilter::default()
                })
                .unwrap()
                .into_iter()
                .filter_map(|h| h.title)
                .collect();
            titles.sort();
            titles
        };
        assert_eq!(titles(Some("en"), None), ["a0", "a2", "a4"]);
        assert_eq!(titles(None, Some(true)), ["a0", "a3"]);
        assert_eq!(titles(Some("de"), Some(false)), ["a1", "a5"]);
        assert_eq!(titles(Some("fr"), None), Vec::<String>::new());
    }

    /// A topic page reads the topic's hits through `hits_by_topic`, in its order (no sort of
    /// the topic's hits), with every filter set; the language is checked on each row read.
    #[test]
    fn a_topic_page_reads_the_topic_index_without_sorting() {
        let (_dir, store, _) = topic_with_hits(1);
        let filter = HitFilter {
            topic: Some("t".into()),
            since: Some(Utc.timestamp_opt(1_600_000_000, 0).unwrap()),
            limit: Some(51),
            before: Some((Utc.timestamp_opt(1_800_000_000, 0).unwrap(), 9)),
            language: Some("de".into()),
            backfill: Some(false),
            story: None,
        };
        let (conditions, mut values) = filter.conditions();
        values.push(51.into());
        let plan: Vec<String> = store
            .db
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN SELECT h.id FROM {HITS_UNDER_LEAD} {conditions}
                 ORDER BY h.created_at DESC, h.id DESC LIMIT ?"
            ))
            .unwrap()
            .query_map(params_from_iter(values), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan[0].starts_with("SEARCH h USING INDEX hits_by_topic (topic=? AND created_at>?"),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }
}
