//! Fixtures of the store's unit tests: a database with one feed, entries and their polls.

use chrono::{DateTime, Utc};

use super::{EntryRecord, FeedSpec, PollRecord, Store, SuccessfulPoll};
use crate::model::Entry;

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
pub(super) fn open_with_feed() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("t.db")).unwrap();
    let spec = FeedSpec {
        config_url: "http://example.com/feed".into(),
        name: "example".into(),
    };
    let states = store.sync_feeds(&[spec], Utc::now()).unwrap();
    (dir, store, states[0].id)
}
