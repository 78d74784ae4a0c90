//! The `topic_definitions` table: the fingerprint of each topic as the service last applied it
//! to the stored articles ([`TopicSettings::fingerprint`](crate::config::TopicSettings::fingerprint)).
//! A topic missing here, or whose fingerprint differs, is new or changed and is backfilled; a
//! removed topic's row stays, so putting the topic back unchanged does not backfill it again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// Every topic's fingerprint as last backfilled, by topic name: what the service compares
    /// the configured topics with at start and reload.
    pub fn topic_fingerprints(&self) -> Result<HashMap<String, String>, StoreError> {
        self.db.read(|c| {
            c.prepare_cached("SELECT name, fingerprint FROM topic_definitions")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    /// Records that topic `name` was applied to the stored articles with the definition
    /// `fingerprint` at `at`, replacing what was recorded before. Write it once the topic's
    /// backfill has finished: a backfill cut short by a stop is then redone at the next start.
    pub fn set_topic_fingerprint(
        &mut self,
        name: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db.write(|tx| {
            tx.execute(
                "INSERT INTO topic_definitions (name, fingerprint, backfilled_at)
                 VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint,
                     backfilled_at = excluded.backfilled_at",
                params![name, fingerprint, at.timestamp()],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// A topic's fingerprint is recorded once per name, a later one replaces it (with its time),
    /// and the others stay; a reopened database still has them, as the service's next start
    /// needs.
    #[test]
    fn fingerprints_are_upserted_by_topic_name_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("topics.db");
        let mut store = Store::open(&path).unwrap();
        assert!(store.topic_fingerprints().unwrap().is_empty());
        let first = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let later = Utc.timestamp_opt(1_700_086_400, 0).unwrap();
        store.set_topic_fingerprint("arms", "aaaa", first).unwrap();
        store
            .set_topic_fingerprint("summits", "bbbb", first)
            .unwrap();
        store.set_topic_fingerprint("arms", "cccc", later).unwrap();
        drop(store);

        let store = Store::open(&path).unwrap();
        let expected = HashMap::from([
            ("arms".to_string(), "cccc".to_string()),
            ("summits".to_string(), "bbbb".to_string()),
        ]);
        assert_eq!(store.topic_fingerprints().unwrap(), expected);
        let backfilled_at: i64 = store
            .db
            .conn
            .query_row(
                "SELECT backfilled_at FROM topic_definitions WHERE name = 'arms'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(backfilled_at, later.timestamp());
    }
}
