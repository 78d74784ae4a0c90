//! What the readers of hits outside the store are given: one hit as the JSON object that
//! `hits --json`, `search --json` and `/api/hits` all print (one definition, so the three never
//! drift apart), and when each story last changed, for the feeds of hits.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;

use super::{Store, StoreError, StoredHit, from_unix};

/// One hit as `hits --json` prints it. Field names are a contract with users' scripts. A story
/// is shown under its lead (its earliest published copy): `title`, `url`, `feed`, `language`,
/// `published_at` and `sources` describe the lead; the other fields are the hit's.
#[derive(Debug, Serialize)]
pub struct JsonHit<'a> {
    topic: &'a str,
    title: Option<&'a str>,
    url: Option<&'a str>,
    feed: &'a str,
    language: Option<&'a str>,
    score: u32,
    matched: &'a [String],
    /// The snippet with matched words between `**`.
    snippet: String,
    published_at: Option<String>,
    created_at: String,
    /// The copy the topic matched (the score and snippet are its); it stays when a copy
    /// published earlier becomes the lead.
    article_id: i64,
    story_id: Option<i64>,
    /// Every copy of the story: the lead's URL first.
    sources: &'a [String],
    /// Found by applying the topic to stored articles (`rematch`, or the service backfilling a
    /// new or changed topic): such a hit sends no immediate alert.
    backfill: bool,
}

impl<'a> From<&'a StoredHit> for JsonHit<'a> {
    fn from(hit: &'a StoredHit) -> JsonHit<'a> {
        JsonHit {
            topic: &hit.topic,
            title: hit.title.as_deref(),
            url: hit.url.as_deref(),
            feed: &hit.feed,
            language: hit.language.as_deref(),
            score: hit.score,
            matched: &hit.matched,
            snippet: hit.snippet.marked(),
            published_at: hit.published_at.map(|t| t.to_rfc3339()),
            created_at: hit.created_at.to_rfc3339(),
            article_id: hit.article_id,
            story_id: hit.story_id,
            sources: &hit.sources,
            backfill: hit.backfill,
        }
    }
}

impl StoredHit {
    /// This hit as one line of `hits --json` (without the line end).
    pub fn json_line(&self) -> String {
        serde_json::to_string(&JsonHit::from(self)).unwrap_or_default()
    }
}

impl Store {
    /// When each of `story_ids` last gained a copy: the newest first-seen time of its articles.
    /// A feed entry is updated when a copy is added, so a feed reader shows the story again;
    /// stories without an article left are not in the map.
    pub fn stories_last_seen(
        &self,
        story_ids: &[i64],
    ) -> Result<HashMap<i64, DateTime<Utc>>, StoreError> {
        let ids = serde_json::to_string(story_ids).unwrap_or_else(|_| "[]".into());
        self.db.read(|c| {
            c.prepare_cached(
                "SELECT story_id, max(first_seen_at) FROM articles
                 WHERE story_id IN (SELECT value FROM json_each(?1)) GROUP BY story_id",
            )?
            .query_map(params![ids], |r| Ok((r.get(0)?, from_unix(r.get(1)?))))?
            .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::store::HitFilter;
    use crate::store::test_support::{open_with_feed, settled_article};

    /// A story's last change is its newest copy's first sighting, so adding a copy moves it;
    /// a story with one copy is as new as that copy, and an unknown story is left out.
    #[test]
    fn a_story_is_last_seen_when_its_newest_copy_was_first_seen() {
        let (_dir, mut store, feed) = open_with_feed();
        let first = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let later = first + chrono::Duration::hours(5);
        let (_, wire) = settled_article(&mut store, feed, "original", "wire", &["t"], first);
        let (_, alone) = settled_article(&mut store, feed, "alone", "own", &["t"], first);
        let before = store.stories_last_seen(&[wire, alone, 999]).unwrap();
        assert_eq!(before, HashMap::from([(wire, first), (alone, first)]));

        settled_article(&mut store, feed, "copy", "wire", &[], later);
        let after = store.stories_last_seen(&[wire, alone]).unwrap();
        assert_eq!(after, HashMap::from([(wire, later), (alone, first)]));
    }

    /// The JSON object keeps the field names and order scripts read, times in RFC 3339 and the
    /// snippet's marks as `**`.
    #[test]
    fn a_hit_as_json_keeps_its_field_names_and_order() {
        let (_dir, mut store, feed) = open_with_feed();
        let seen = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        settled_article(&mut store, feed, "original", "wire", &["t"], seen);
        let hit = &store.hits(&HitFilter::default()).unwrap()[0];
        let line = hit.json_line();
        let keys: Vec<String> = serde_json::from_str::<serde_json::Value>(&line)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut in_order = keys.clone();
        in_order.sort_by_key(|key| line.find(&format!("\"{key}\":")));
        assert_eq!(
            in_order,
            [
                "topic",
                "title",
                "url",
                "feed",
                "language",
                "score",
                "matched",
                "snippet",
                "published_at",
                "created_at",
                "article_id",
                "story_id",
                "sources",
                "backfill"
            ]
        );
        assert!(
            line.contains(r#""created_at":"2023-11-14T22:13:20+00:00""#),
            "{line}"
        );
    }
}
