//! Stories: deciding which story an article's final text belongs to and which of its copies
//! leads it, inside the transaction that stores the text; the copies of a story, for listings
//! and emails; and the in-memory band index of recent fingerprints that makes the
//! near-duplicate lookup cheap. The index is a cache of the `fingerprint` column: it is built
//! from the database on first use and updated only after a commit, so it never holds what the
//! database does not.
//!
//! The lookups run cheapest first: the article already has a story (an updated entry stays in
//! its story); its page names a canonical URL that another article has; another article of the
//! window has exactly the same text; a near-duplicate fingerprint. Otherwise the article starts
//! a new story whose id is its own.
//!
//! A story's lead is the copy shown for it (by `hits` and in emails): its earliest published
//! copy, so the original and not a later edit or rewrite gives the story its headline. The lead
//! is chosen again whenever a copy settles, so it moves when an earlier copy arrives late; the
//! story's id, and so its hits and what each recipient was told, stay.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{Store, StoreError, from_unix};
use crate::dedup::TextIdentity;
use crate::dedup::fingerprint::Fingerprint;
use crate::dedup::index::StoryIndex;

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
        let rows: Vec<(i64, i64, Vec<u8>, i64)> = self.db.read(|c| {
            c.prepare(
                "SELECT id, story_id, fingerprint, first_seen_at FROM articles
                 WHERE fingerprint IS NOT NULL AND story_id IS NOT NULL AND first_seen_at >= ?1
                 ORDER BY first_seen_at",
            )?
            .query_map([cutoff], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect()
        })?;
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

/// What a new text is compared against to find its story: the band index of recent
/// fingerprints, and how far back the comparison reaches (`[daemon] story_window`).
#[derive(Clone, Copy)]
pub(super) struct RecentStories<'a> {
    /// The index, when it is loaded.
    pub index: Option<&'a StoryIndex>,
    /// How far back articles are compared.
    pub window: std::time::Duration,
}

/// Decides the story of `article_id` from its text's `identity`, writes the story row, the
/// article's keys and the story's lead, and returns the choice. Runs inside the caller's
/// transaction.
pub(super) fn choose_story(
    tx: &Transaction<'_>,
    recent: RecentStories<'_>,
    article_id: i64,
    identity: &TextIdentity,
    now: DateTime<Utc>,
) -> rusqlite::Result<StoryChoice> {
    let cutoff = now.timestamp() - window_secs(recent.window);
    let story_id = match existing_story(tx, article_id)? {
        Some(story) => story,
        None => match same_page_or_text(tx, article_id, identity, cutoff)? {
            Some(story) => story,
            None => identity
                .fingerprint
                .as_ref()
                .and_then(|fp| recent.index?.find(fp))
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
    choose_lead(tx, story_id)?;
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

/// The rule for a story's lead, as a subquery on a row of `stories`: the copy published first,
/// ties going to the copy seen first. A copy without a publication time counts as published
/// when newshound first saw it, and so does one claiming a later time (a wrong clock or time
/// zone, or a feed that gives the time of its last edit): no copy was published after it was
/// seen. `migrations/0007_story_lead.sql` applies the same rule to the stories stored before it.
const EARLIEST_PUBLISHED_COPY: &str = "SELECT id FROM articles WHERE story_id = stories.id
     ORDER BY min(COALESCE(published_at, first_seen_at), first_seen_at), first_seen_at, id
     LIMIT 1";

/// Makes the earliest published copy of `story_id` its lead (an earlier copy arriving late takes
/// over). The story keeps its id, so its hits and their deliveries are untouched.
fn choose_lead(tx: &Transaction<'_>, story_id: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "UPDATE stories SET lead_article_id = ({EARLIEST_PUBLISHED_COPY}) WHERE id = ?1"
    ))?
    .execute([story_id])?;
    Ok(())
}

/// Gives the stories whose lead was removed (by retention) the earliest published copy left.
pub(super) fn replace_removed_leads(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute(
        &format!(
            "UPDATE stories SET lead_article_id = ({EARLIEST_PUBLISHED_COPY})
             WHERE NOT EXISTS (SELECT 1 FROM articles WHERE articles.id = stories.lead_article_id)"
        ),
        [],
    )?;
    Ok(())
}

/// The story of hit `h` whose article is `hit_article`: a hit stored before stories existed
/// counts as the story of its article.
pub(super) const STORY_OF_HIT: &str = "COALESCE(h.story_id, hit_article.story_id, hit_article.id)";

/// The `FROM` clause that shows each hit `h` under its story's lead: `hit_article` is the copy
/// the topic matched, `a` the story's lead (else the hit's own article) and `f` the lead's
/// feed. Listings and emails read hits through it, so both show a story by the same copy.
pub(super) const HITS_UNDER_LEAD: &str = "hits h
     JOIN articles hit_article ON hit_article.id = h.article_id
     LEFT JOIN stories s ON s.id = COALESCE(h.story_id, hit_article.story_id)
     LEFT JOIN articles lead_article ON lead_article.id = s.lead_article_id
     JOIN articles a ON a.id = COALESCE(lead_article.id, hit_article.id)
     JOIN feeds f ON f.id = a.feed_id";

/// One copy of a story, as the lists of a story's copies show it.
pub(super) struct StoryCopy {
    /// Its article.
    pub article_id: i64,
    /// Its site's name (`og:site_name`), else its feed's name.
    pub source: String,
    /// Its canonical URL.
    pub url: String,
}

/// The copies of `story_id` that have a URL, `lead_article_id` first and the others in the order
/// they were seen, each URL once. Without a story, the lead alone.
pub(super) fn copies(
    conn: &Connection,
    story_id: Option<i64>,
    lead_article_id: i64,
) -> rusqlite::Result<Vec<StoryCopy>> {
    let mut seen = std::collections::HashSet::new();
    Ok(story_articles(conn, story_id, lead_article_id)?
        .into_iter()
        .filter_map(|copy| {
            let url = copy.url?;
            seen.insert(url.clone()).then_some(StoryCopy {
                article_id: copy.article_id,
                source: copy.site,
                url,
            })
        })
        .collect())
}

/// Every article of `story_id`, `lead_article_id` first and the others in the order they were
/// seen (without a story, the lead alone); their `feeds` are left empty.
fn story_articles(
    conn: &Connection,
    story_id: Option<i64>,
    lead_article_id: i64,
) -> rusqlite::Result<Vec<StoryCopyDetails>> {
    conn.prepare_cached(
        "SELECT a.id, COALESCE(a.title, a.page_title), COALESCE(a.site_name, f.name),
                COALESCE(a.url_key, a.url), a.language, a.published_at, a.first_seen_at
         FROM articles a JOIN feeds f ON f.id = a.feed_id
         WHERE a.story_id = ?1 OR a.id = ?2
         ORDER BY a.id != ?2, a.first_seen_at, a.id",
    )?
    .query_map(params![story_id, lead_article_id], |r| {
        Ok(StoryCopyDetails {
            article_id: r.get(0)?,
            title: r.get(1)?,
            site: r.get(2)?,
            feeds: Vec::new(),
            url: r.get(3)?,
            language: r.get(4)?,
            published_at: r.get::<_, Option<i64>>(5)?.map(from_unix),
            first_seen_at: from_unix(r.get(6)?),
        })
    })?
    .collect()
}

/// How a listing shows a story: by its lead (its earliest published copy), with every copy.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryLead {
    /// The lead's article.
    pub lead_article_id: i64,
    /// The lead's entry title, else its page's.
    pub title: Option<String>,
    /// The lead's canonical URL.
    pub url: Option<String>,
    /// The configured name of the lead's feed.
    pub feed: String,
    /// ISO 639-1 code of the lead's language.
    pub language: Option<String>,
    /// When the lead was published, if it says.
    pub published_at: Option<DateTime<Utc>>,
    /// Every copy's canonical URL, the lead's first.
    pub sources: Vec<String>,
}

impl Store {
    /// The lead of `story_id` as listings show it; `None` if the story is gone.
    pub fn story_lead(&self, story_id: i64) -> Result<Option<StoryLead>, StoreError> {
        self.db.read(|c| {
            let lead = c
                .prepare_cached(
                    "SELECT a.id, COALESCE(a.title, a.page_title), COALESCE(a.url_key, a.url),
                            f.name, a.language, a.published_at
                     FROM stories s JOIN articles a ON a.id = s.lead_article_id
                     JOIN feeds f ON f.id = a.feed_id WHERE s.id = ?1",
                )?
                .query_row([story_id], |r| {
                    Ok(StoryLead {
                        lead_article_id: r.get(0)?,
                        title: r.get(1)?,
                        url: r.get(2)?,
                        feed: r.get(3)?,
                        language: r.get(4)?,
                        published_at: r.get::<_, Option<i64>>(5)?.map(from_unix),
                        sources: Vec::new(),
                    })
                })
                .optional()?;
            let Some(mut lead) = lead else {
                return Ok(None);
            };
            lead.sources = copies(c, Some(story_id), lead.lead_article_id)?
                .into_iter()
                .map(|copy| copy.url)
                .collect();
            Ok(Some(lead))
        })
    }

    /// The copies of a story other than its lead, for an email's "also reported by": (site or
    /// feed name, canonical URL), in the order seen, each URL once and none the lead's.
    pub fn story_copies(
        &self,
        story_id: i64,
        lead_article_id: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let copies = self
            .db
            .read(|c| copies(c, Some(story_id), lead_article_id))?;
        Ok(copies
            .into_iter()
            .filter(|copy| copy.article_id != lead_article_id)
            .map(|copy| (copy.source, copy.url))
            .collect())
    }
}

/// One copy of a story as the story page lists it: every article of the story, with or without
/// a URL, and every feed that carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryCopyDetails {
    /// Its article.
    pub article_id: i64,
    /// Its entry title, else its page's.
    pub title: Option<String>,
    /// Its site's name (`og:site_name`), else its first feed's name.
    pub site: String,
    /// The configured names of the feeds that carried it, the first first: the same page in
    /// an aggregator and on its own site's feed is one article.
    pub feeds: Vec<String>,
    /// Its canonical URL.
    pub url: Option<String>,
    /// ISO 639-1 code of its language.
    pub language: Option<String>,
    /// When it was published, if it says.
    pub published_at: Option<DateTime<Utc>>,
    /// When newshound first saw it.
    pub first_seen_at: DateTime<Utc>,
}

impl Store {
    /// Every copy of `story_id`, `lead_article_id` first and the others in the order they were
    /// seen, each with the feeds that carried it.
    pub fn story_copy_details(
        &self,
        story_id: i64,
        lead_article_id: i64,
    ) -> Result<Vec<StoryCopyDetails>, StoreError> {
        self.db.read(|c| {
            let mut copies = story_articles(c, Some(story_id), lead_article_id)?;
            for copy in &mut copies {
                copy.feeds = feeds_of_article(c, copy.article_id)?;
            }
            Ok(copies)
        })
    }
}

/// The names of the feeds that carried `article_id`, in the order they brought it.
fn feeds_of_article(conn: &Connection, article_id: i64) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT f.name FROM article_sources s JOIN feeds f ON f.id = s.feed_id
         WHERE s.article_id = ?1 ORDER BY s.first_seen_at, f.id",
    )?
    .query_map([article_id], |r| r.get(0))?
    .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{Extracted, Snippet, TextAnalysis, TopicHit};
    use crate::store::test_support::{entry, open_with_feed, poll};
    use crate::store::{HitFilter, PageResult};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2023, 9, 5, hour, 0, 0).unwrap()
    }

    /// Stores one entry published at `published` (seen at `seen`) and settles its page: a copy
    /// of the one text every article here shares, hitting topic `t`. Returns the article's id
    /// and the new hits.
    fn store_copy(
        store: &mut Store,
        feed: i64,
        guid: &str,
        published: Option<DateTime<Utc>>,
        seen: DateTime<Utc>,
    ) -> (i64, usize) {
        let mut record = entry(guid, &format!("{guid} (feed title)"));
        record.entry.published_at = published;
        store.store_poll(feed, &poll(&[record], seen)).unwrap();
        let article_id = store.pending_pages(feed, 10).unwrap()[0].article_id;
        let page = PageResult::Extracted {
            page: Box::new(Extracted {
                title: Some(format!("{guid} (page title)")),
                text: "The same wire story.".into(),
                ..Extracted::default()
            }),
            source: crate::model::TextSource::Page,
            analysis: TextAnalysis {
                language: Some("en".into()),
                hits: vec![TopicHit {
                    topic: "t".into(),
                    score: 1,
                    matched: vec![guid.into()],
                    snippet: Snippet::default(),
                }],
            },
            identity: TextIdentity {
                text_hash: Some("same text".into()),
                ..TextIdentity::default()
            },
        };
        let new_hits = store.record_page(article_id, &page, seen).unwrap();
        (article_id, new_hits)
    }

    /// Papercut 2 of issue 13: when the original, published before an edited copy, arrives
    /// after it, the original becomes the story's lead, which `hits` and the emails show; the
    /// hit stays the one found in the edit, and nothing is new to tell.
    #[test]
    fn an_earlier_published_copy_arriving_later_becomes_the_lead_without_a_new_hit() {
        let (_dir, mut store, feed) = open_with_feed();
        let (edit, first) = store_copy(&mut store, feed, "edit", Some(at(9)), at(10));
        let (original, second) = store_copy(&mut store, feed, "original", Some(at(6)), at(11));
        assert_eq!((first, second), (1, 0), "one hit for the story");

        let hits = store.hits(&HitFilter::default()).unwrap();
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!((hit.article_id, hit.lead_article_id), (edit, original));
        assert_eq!(hit.title.as_deref(), Some("original (feed title)"));
        assert_eq!(hit.published_at, Some(at(6)));
        assert_eq!(hit.matched, ["edit"], "the hit's own words");
        assert_eq!(
            hit.sources,
            ["http://example.com/original", "http://example.com/edit"]
        );

        let alerts = store
            .pending_alert(&["t".to_string()], "a@example.org", at(0), 10)
            .unwrap()
            .hits;
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (alerts[0].article_id, alerts[0].title.as_str()),
            (original, "original (page title)")
        );
        let also = store.story_copies(alerts[0].story_id, original).unwrap();
        assert_eq!(
            also,
            [("example".to_string(), "http://example.com/edit".to_string())]
        );
    }

    /// A copy claiming to be published after it was seen counts as published when seen; so
    /// does a copy without a publication time, and a tie goes to the copy seen first.
    #[test]
    fn copies_without_or_with_a_later_publication_time_count_as_published_when_seen() {
        let lead_title =
            |store: &Store| store.hits(&HitFilter::default()).unwrap()[0].title.clone();
        let (_dir, mut store, feed) = open_with_feed();
        store_copy(&mut store, feed, "future", Some(at(23)), at(7));
        store_copy(&mut store, feed, "dated", Some(at(8)), at(9));
        assert_eq!(lead_title(&store).as_deref(), Some("future (feed title)"));

        let (_dir, mut store, feed) = open_with_feed();
        store_copy(&mut store, feed, "undated", None, at(8));
        store_copy(&mut store, feed, "tie", Some(at(8)), at(9));
        assert_eq!(lead_title(&store).as_deref(), Some("undated (feed title)"));
    }

    /// Version 7 applies the lead rule to the stories stored before it: the earliest published
    /// copy leads (an undated copy counts from when it was seen, a tie goes to the one seen
    /// first); hits stay as they were.
    #[test]
    fn story_lead_migration_makes_the_earliest_published_copy_lead() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v6.db");
        let mut store = Store::with_connection(Connection::open(&path).unwrap(), &path);
        store.migrate_to(6).unwrap();
        store
            .db
            .conn
            .execute_batch(
                "INSERT INTO feeds (id, config_url, url, name, created_at) VALUES (1, 'f', 'f', 'f', 0);
                 INSERT INTO stories (id, lead_article_id, created_at) VALUES (1, 1, 0), (4, 4, 0);
                 INSERT INTO articles (id, feed_id, entry_key, entry_hash, first_seen_at,
                     changed_at, published_at, story_id) VALUES
                     (1, 1, 'a', '', 100, 100, 90, 1),
                     (2, 1, 'b', '', 200, 200, 50, 1),
                     (3, 1, 'c', '', 300, 300, NULL, 1),
                     (4, 1, 'd', '', 400, 400, 400, 4),
                     (5, 1, 'e', '', 300, 300, 9999, 4),
                     (6, 1, 'f', '', 500, 500, NULL, 4);
                 INSERT INTO hits (topic, article_id, story_id, created_at) VALUES ('t', 1, 1, 0);",
            )
            .unwrap();
        store.migrate().unwrap();
        let leads: Vec<(i64, i64)> = store
            .db
            .conn
            .prepare("SELECT id, lead_article_id FROM stories ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(leads, [(1, 2), (4, 5)]);
        let hits = store.hits(&HitFilter::default()).unwrap();
        assert_eq!(
            (hits.len(), hits[0].article_id, hits[0].lead_article_id),
            (1, 1, 2)
        );
    }

    /// Retention may remove a story's lead while later copies stay: the earliest published copy
    /// left takes over, so the story is still shown by one of its own copies.
    #[test]
    fn retention_hands_a_removed_lead_to_the_earliest_published_copy_left() {
        let (_dir, mut store, feed) = open_with_feed();
        let (original, _) = store_copy(&mut store, feed, "original", Some(at(1)), at(2));
        store_copy(&mut store, feed, "late", Some(at(5)), at(12));
        let (copy, _) = store_copy(&mut store, feed, "copy", Some(at(3)), at(13));
        let before = store.hits(&HitFilter::default()).unwrap();
        assert_eq!(before[0].lead_article_id, original);
        store.prune(at(10)).unwrap();
        let lead: i64 = store
            .db
            .conn
            .query_row("SELECT lead_article_id FROM stories", [], |r| r.get(0))
            .unwrap();
        assert_eq!(lead, copy);
    }

    /// The story page lists every copy, the lead (the earliest published) first, each with
    /// the feeds that carried it and its own title and times.
    #[test]
    fn story_copy_details_list_every_copy_lead_first() {
        let (_dir, mut store, feed) = open_with_feed();
        let (edit, _) = store_copy(&mut store, feed, "edit", Some(at(9)), at(10));
        let (original, _) = store_copy(&mut store, feed, "original", None, at(8));
        let story = store.hits(&HitFilter::default()).unwrap()[0]
            .story_id
            .unwrap();
        let copies = store.story_copy_details(story, original).unwrap();
        let shown: Vec<(i64, Option<&str>, Option<i64>)> = copies
            .iter()
            .map(|c| {
                let published = c.published_at.map(|t| t.timestamp());
                (c.article_id, c.title.as_deref(), published)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (original, Some("original (feed title)"), None),
                (edit, Some("edit (feed title)"), Some(at(9).timestamp())),
            ]
        );
        assert!(copies.iter().all(|c| c.feeds == ["example"]), "{copies:?}");
        assert_eq!(copies[0].first_seen_at, at(8));
    }
}
