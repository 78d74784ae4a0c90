//! Fixtures of the store's unit tests: a database with one feed, entries and their polls, and
//! articles with their text settled.

use chrono::{DateTime, Utc};

use super::{EntryRecord, FeedSpec, PageResult, PollRecord, Store, SuccessfulPoll};
use crate::dedup::TextIdentity;
use crate::model::{Entry, Extracted, Snippet, TextAnalysis, TextSource, TopicHit};

/// An entry with a GUID, a title and a link under example.com.
pub(super) fn entry(guid: &str, title: &str) -> EntryRecord {
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

/// A successful poll at `now` that brought `entries`.
pub(super) fn poll<'a>(entries: &'a [EntryRecord], now: DateTime<Utc>) -> SuccessfulPoll<'a> {
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

/// A new database in a temporary folder with one feed; returns the folder, the store and the
/// feed's id.
pub(crate) fn open_with_feed() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let spec = FeedSpec {
        config_url: "http://example.com/feed".into(),
        name: "example".into(),
    };
    let states = store.sync_feeds(&[spec], Utc::now()).unwrap();
    (dir, store, states[0].id)
}

/// A hit of `topic` whose matched word is `word`.
pub(super) fn topic_hit(topic: &str, word: &str) -> TopicHit {
    TopicHit {
        topic: topic.into(),
        score: 1,
        matched: vec![word.into()],
        snippet: Snippet::default(),
    }
}

/// Stores entry `guid` of `feed` at `now` and settles its page with a text identified by
/// `text_hash` (articles sharing it are copies of one story), hit by `topics` as the daemon
/// would. Returns the article's id and its story's id.
pub(crate) fn settled_article(
    store: &mut Store,
    feed: i64,
    guid: &str,
    text_hash: &str,
    topics: &[&str],
    now: DateTime<Utc>,
) -> (i64, i64) {
    store
        .store_poll(feed, &poll(&[entry(guid, guid)], now))
        .unwrap();
    let article_id = store
        .pending_pages(feed, 100)
        .unwrap()
        .into_iter()
        .find(|page| page.title.as_deref() == Some(guid))
        .expect("the entry just stored waits for its page")
        .article_id;
    let page = PageResult::Extracted {
        page: Box::new(Extracted {
            text: format!("The text of {text_hash}."),
            ..Extracted::default()
        }),
        source: TextSource::Page,
        analysis: TextAnalysis {
            language: Some("en".into()),
            hits: topics.iter().map(|topic| topic_hit(topic, guid)).collect(),
        },
        identity: TextIdentity {
            text_hash: Some(text_hash.into()),
            ..TextIdentity::default()
        },
    };
    store.record_page(article_id, &page, now).unwrap();
    let story_id = store
        .db
        .conn
        .query_row(
            "SELECT story_id FROM articles WHERE id = ?1",
            [article_id],
            |r| r.get(0),
        )
        .unwrap();
    (article_id, story_id)
}

/// Stores entry `guid` titled `title` at `now` and settles its page with `text` in `language`,
/// as its own story without hits: an article for searches to find. Returns its id.
pub(crate) fn article_with_text(
    store: &mut Store,
    feed: i64,
    guid: &str,
    title: &str,
    text: &str,
    language: Option<&str>,
    now: DateTime<Utc>,
) -> i64 {
    store
        .store_poll(feed, &poll(&[entry(guid, title)], now))
        .unwrap();
    let article_id = store
        .pending_pages(feed, 1000)
        .unwrap()
        .into_iter()
        .find(|page| page.url.as_deref() == Some(&format!("http://example.com/{guid}")))
        .expect("the entry just stored waits for its page")
        .article_id;
    let page = PageResult::Extracted {
        page: Box::new(Extracted {
            text: text.into(),
            ..Extracted::default()
        }),
        source: TextSource::Page,
        analysis: TextAnalysis {
            language: language.map(str::to_owned),
            hits: Vec::new(),
        },
        identity: TextIdentity {
            text_hash: Some(format!("hash of {guid}")),
            ..TextIdentity::default()
        },
    };
    store.record_page(article_id, &page, now).unwrap();
    article_id
}

/// When each hit an outbox row tells of was found, for tests of what alerts carry.
pub(crate) fn told_hit_times(store: &Store, outbox_id: i64) -> Vec<DateTime<Utc>> {
    let mut statement = store
        .db
        .conn
        .prepare(
            "SELECT h.created_at FROM hit_deliveries d JOIN hits h ON h.id = d.hit_id
             WHERE d.outbox_id = ?1",
        )
        .unwrap();
    statement
        .query_map([outbox_id], |r| r.get::<_, i64>(0))
        .unwrap()
        .map(|t| super::from_unix(t.unwrap()))
        .collect()
}
