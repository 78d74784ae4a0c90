//! The email tables: hits waiting to be told, the outbox of rendered messages and their
//! delivery state, and the slot each digest last covered.
//!
//! A message enters the outbox in one transaction with the records of what it carries (the
//! hits, per recipient, or the digest's slot), so a hit is never told twice and never dropped: if
//! the transaction fails nothing is recorded and the next cycle tries again.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::stories::{HITS_UNDER_LEAD, STORY_OF_HIT};
use super::{Store, StoreError, from_unix};
use crate::model::Snippet;

/// A hit with what an email says about it. The email shows a story under its lead (its
/// earliest published copy), so the article fields describe the lead, whichever copy the
/// topic matched; the snippet and matched words are the hit's.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertHit {
    /// Row id of the hit.
    pub hit_id: i64,
    /// The topic's name.
    pub topic: String,
    /// The story the hit belongs to.
    pub story_id: i64,
    /// The story's lead article (see [`Store::story_copies`] for the others).
    pub article_id: i64,
    /// The lead's title: the page's own (an aggregator's feed may prefix its source), else the
    /// feed's.
    pub title: String,
    /// The lead's canonical URL.
    pub url: Option<String>,
    /// The lead's site name (`og:site_name`), else its feed's name.
    pub source: String,
    /// When the lead was published, if it says.
    pub published_at: Option<DateTime<Utc>>,
    /// ISO 639-1 code of the lead's language.
    pub language: Option<String>,
    /// The matched words as written.
    pub matched: Vec<String>,
    /// The passage around the best match, in the copy the topic matched.
    pub snippet: Snippet,
    /// When the hit was found.
    pub created_at: DateTime<Utc>,
    /// The hit's score (matched occurrences, title words weighing more).
    pub score: u32,
}

/// The content of the next immediate alert to one recipient or channel
/// ([`Store::pending_alert`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PendingAlert {
    /// The hits of the stories it shows, in the order they were found.
    pub hits: Vec<AlertHit>,
    /// Every hit it tells of, shown or not: all are recorded as told with it.
    pub hit_ids: Vec<i64>,
    /// How many stories those hits make, shown or not.
    pub stories: usize,
}

/// A message to put in the outbox, with what it carries.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// "immediate", "digest", "test", "feed_broken" or "feed_recovered".
    pub kind: &'a str,
    /// The channel it goes through: "email" for every email, else the channel's name.
    pub channel: &'a str,
    /// The digest's name, for digests.
    pub name: Option<&'a str>,
    /// The one recipient (one message per recipient, so one bad address cannot hold back the
    /// others); a channel message's is the channel's name.
    pub recipient: &'a str,
    /// The envelope sender.
    pub sender: &'a str,
    /// The subject, for `newshound outbox`.
    pub subject: &'a str,
    /// Hits this message tells the recipient about (immediate alerts).
    pub hit_ids: &'a [i64],
    /// The digest slot this message covers.
    pub digest_slot: Option<DateTime<Utc>>,
}

/// A message waiting in (or gone from) the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Row id; the Message-ID is derived from it.
    pub id: i64,
    /// "immediate", "digest", "test", "feed_broken" or "feed_recovered".
    pub kind: String,
    /// "email", or the name of the channel it goes through.
    pub channel: String,
    /// Recipient (the channel's name for a channel message).
    pub recipient: String,
    /// Envelope sender.
    pub sender: String,
    /// Subject line.
    pub subject: String,
    /// The Message-ID header's value, or the id a channel receiver de-duplicates on.
    pub message_id: String,
    /// The whole message (a channel's: the request body).
    pub message: Vec<u8>,
    /// When it was rendered.
    pub created_at: DateTime<Utc>,
    /// "pending", "sent" or "failed".
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When the next attempt is due.
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The server's answer when it accepted the message.
    pub answer: Option<String>,
    /// When it was accepted.
    pub sent_at: Option<DateTime<Utc>>,
}

/// The query of the hits matching `condition` as [`alert_hit`] reads them, each under its
/// story's lead, in the order they were found.
fn select_alert_hits(condition: &str) -> String {
    format!(
        "SELECT h.id, h.topic, a.id, COALESCE(a.page_title, a.title, ''),
             COALESCE(a.url_key, a.url), COALESCE(a.site_name, f.name), a.published_at,
             a.language, h.matched, h.snippet, h.snippet_marks, h.created_at, {STORY_OF_HIT}, h.score
         FROM {HITS_UNDER_LEAD} WHERE {condition} ORDER BY h.created_at, h.id"
    )
}

fn alert_hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertHit> {
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    Ok(AlertHit {
        hit_id: r.get(0)?,
        topic: r.get(1)?,
        article_id: r.get(2)?,
        title: r.get(3)?,
        url: r.get(4)?,
        source: r.get(5)?,
        published_at: r.get::<_, Option<i64>>(6)?.map(from_unix),
        language: r.get(7)?,
        matched: serde_json::from_str(&json(8)?).unwrap_or_default(),
        snippet: Snippet {
            text: r.get(9)?,
            marks: serde_json::from_str(&json(10)?).unwrap_or_default(),
        },
        created_at: from_unix(r.get(11)?),
        story_id: r.get(12)?,
        score: r.get(13)?,
    })
}

const OUTBOX_COLUMNS: &str = "id, kind, recipient, sender, subject, message_id, message,
     created_at, status, attempts, next_attempt_at, last_error, answer, sent_at, channel";

fn outbox_message(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get(0)?,
        kind: r.get(1)?,
        recipient: r.get(2)?,
        sender: r.get(3)?,
        subject: r.get(4)?,
        message_id: r.get(5)?,
        message: r.get(6)?,
        created_at: from_unix(r.get(7)?),
        status: r.get(8)?,
        attempts: r.get(9)?,
        next_attempt_at: from_unix(r.get(10)?),
        last_error: r.get(11)?,
        answer: r.get(12)?,
        sent_at: r.get::<_, Option<i64>>(13)?.map(from_unix),
        channel: r.get(14)?,
    })
}

/// A hit waiting to be told, as [`Store::pending_alert`] ranks it.
struct PendingHit {
    id: i64,
    story: i64,
    score: u32,
    /// `created_at`, Unix seconds.
    found: i64,
}

/// The `max` stories an alert shows: the highest best score first, then the newest, then the
/// one hit first.
fn best_stories(hits: &[PendingHit], max: usize) -> std::collections::HashSet<i64> {
    let mut by_story: std::collections::HashMap<i64, (u32, i64, i64)> = Default::default();
    for hit in hits {
        let entry = by_story
            .entry(hit.story)
            .or_insert((hit.score, hit.found, hit.id));
        *entry = (
            entry.0.max(hit.score),
            entry.1.max(hit.found),
            entry.2.min(hit.id),
        );
    }
    let mut ranked: Vec<(i64, (u32, i64, i64))> = by_story.into_iter().collect();
    ranked.sort_by_key(|&(_, (score, found, first))| {
        (std::cmp::Reverse(score), std::cmp::Reverse(found), first)
    });
    ranked
        .into_iter()
        .take(max)
        .map(|(story, _)| story)
        .collect()
}

fn topics_json(topics: &[String]) -> String {
    serde_json::to_string(topics).unwrap_or_else(|_| "[]".into())
}

impl Store {
    /// What the next immediate alert to `recipient` (an address, or a channel's name) says:
    /// of the hits of `topics` found since `since` that it has not been told about, those of
    /// the `max_stories` highest-scoring stories (a story scores its best hit; ties go to the
    /// newer), plus the ids of every such hit and how many stories they make. The alert records
    /// them all as told: a flood or the hourly cap never leaves a backlog that makes later
    /// alerts late; the stories left out are counted in the alert, and a digest still lists
    /// them. Backfilled hits are left out (they are news found late, for the topic's digest,
    /// not alerts). The pending hits are scanned once, as four numbers each; only the chosen
    /// stories' hits are then read whole, so a backlog of thousands is not loaded to show a
    /// hundred.
    pub fn pending_alert(
        &self,
        topics: &[String],
        recipient: &str,
        since: DateTime<Utc>,
        max_stories: usize,
    ) -> Result<PendingAlert, StoreError> {
        let pending = format!(
            "SELECT h.id, {STORY_OF_HIT}, h.score, h.created_at
             FROM hits h JOIN articles hit_article ON hit_article.id = h.article_id
             WHERE h.topic IN (SELECT value FROM json_each(?1)) AND h.created_at >= ?3
               AND h.backfill = 0
               AND NOT EXISTS (SELECT 1 FROM hit_deliveries d
                               WHERE d.hit_id = h.id AND d.recipient = ?2)"
        );
        let chosen = select_alert_hits("h.id IN (SELECT value FROM json_each(?1))");
        self.db.read(|c| {
            let rows: Vec<PendingHit> = c
                .prepare_cached(&pending)?
                .query_map(
                    params![topics_json(topics), recipient, since.timestamp()],
                    |r| {
                        Ok(PendingHit {
                            id: r.get(0)?,
                            story: r.get(1)?,
                            score: r.get(2)?,
                            found: r.get(3)?,
                        })
                    },
                )?
                .collect::<rusqlite::Result<_>>()?;
            let best = best_stories(&rows, max_stories);
            let shown: Vec<i64> = rows
                .iter()
                .filter(|hit| best.contains(&hit.story))
                .map(|hit| hit.id)
                .collect();
            let ids = serde_json::to_string(&shown).unwrap_or_else(|_| "[]".into());
            let hits = c
                .prepare_cached(&chosen)?
                .query_map([ids], alert_hit)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let stories: std::collections::HashSet<i64> = rows.iter().map(|h| h.story).collect();
            Ok(PendingAlert {
                hits,
                hit_ids: rows.iter().map(|hit| hit.id).collect(),
                stories: stories.len(),
            })
        })
    }

    /// Hits of `topics` found after `after` and up to `until`: a digest's content, backfilled
    /// hits included (they are found, and so fall into a period, when they are stored).
    pub fn hits_in_period(
        &self,
        topics: &[String],
        after: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<AlertHit>, StoreError> {
        let sql = select_alert_hits(
            "h.topic IN (SELECT value FROM json_each(?1)) AND h.created_at > ?2 AND h.created_at <= ?3",
        );
        self.db.read(|c| {
            c.prepare_cached(&sql)?
                .query_map(
                    params![topics_json(topics), after.timestamp(), until.timestamp()],
                    alert_hit,
                )?
                .collect()
        })
    }

    /// Immediate alerts rendered for `recipient` since `since`, for the hourly cap.
    pub fn immediate_count_since(
        &self,
        recipient: &str,
        since: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let count: i64 = self.db.read(|c| {
            c.prepare_cached(
                "SELECT count(*) FROM outbox
                 WHERE recipient = ?1 AND kind = 'immediate' AND created_at >= ?2",
            )?
            .query_row(params![recipient, since.timestamp()], |r| r.get(0))
        })?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The slot the digest `name` last covered, if it ever ran.
    pub fn digest_last_slot(&self, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let slot = self.db.read(|c| {
            c.query_row(
                "SELECT last_slot_at FROM digest_state WHERE name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .optional()
        })?;
        Ok(slot.map(from_unix))
    }

    /// Records that the digest `name` covered everything up to `slot` (without a message: a
    /// first start, or a digest with nothing to say and `send_empty` off).
    pub fn set_digest_last_slot(
        &mut self,
        name: &str,
        slot: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db.write(|tx| write_digest_slot(tx, name, slot))
    }

    /// Puts messages in the outbox, with what they carry, in one transaction (a digest's copies
    /// for all its recipients go in together with its new slot, so a crash cannot leave one
    /// recipient without it). `compose` gets each message's index and new row id and returns
    /// the Message-ID and the finished message, so the Message-ID is tied to the row: a
    /// repeated delivery of the row is recognisably the same message. Returns the row ids.
    pub fn enqueue(
        &mut self,
        messages: &[NewMessage<'_>],
        now: DateTime<Utc>,
        mut compose: impl FnMut(usize, i64) -> (String, Vec<u8>),
    ) -> Result<Vec<i64>, StoreError> {
        self.db.write(|tx| {
            let mut ids = Vec::with_capacity(messages.len());
            for (index, new) in messages.iter().enumerate() {
                ids.push(insert_message(tx, new, now, |id| compose(index, id))?);
            }
            Ok(ids)
        })
    }

    /// Pending messages after row `after` whose next attempt is due at `now` (all pending ones
    /// with `None`), oldest first: a delivery pass reads on from the last row it took, so rows
    /// it skips (a channel that is down) do not hide the ones behind them.
    pub fn due_messages(
        &self,
        now: Option<DateTime<Utc>>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox
             WHERE status = 'pending' AND (?1 IS NULL OR next_attempt_at <= ?1) AND id > ?2
             ORDER BY id LIMIT ?3"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|c| {
            c.prepare_cached(&sql)?
                .query_map(
                    params![now.map(|t| t.timestamp()), after, limit],
                    outbox_message,
                )?
                .collect()
        })
    }

    /// The newest messages of the outbox with their bodies (tests read what was sent);
    /// listings read [`Store::outbox_entries`], which leaves the bodies out.
    pub fn outbox(&self, limit: usize) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY id DESC LIMIT ?1");
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db.read(|c| {
            c.prepare_cached(&sql)?
                .query_map([limit], outbox_message)?
                .collect()
        })
    }

    /// The server accepted the message.
    pub fn mark_sent(
        &mut self,
        id: i64,
        answer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, answer = ?2,
                     sent_at = ?3, last_error = NULL
                 WHERE id = ?1",
                params![id, answer, now.timestamp()],
            )
        })?;
        Ok(())
    }

    /// A temporary failure: try again at `next_attempt_at`.
    pub fn mark_retry(
        &mut self,
        id: i64,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE id = ?1",
                params![id, error, next_attempt_at.timestamp()],
            )
        })?;
        Ok(())
    }

    /// A permanent failure (the server refused the message for good, or retries ran out).
    pub fn mark_failed(&mut self, id: i64, error: &str) -> Result<(), StoreError> {
        self.db.write(|tx| {
            tx.execute(
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?2
                 WHERE id = ?1",
                params![id, error],
            )
        })?;
        Ok(())
    }
}

/// Inserts one message (with what it carries) inside `tx`; returns its row id.
pub(super) fn insert_message(
    tx: &rusqlite::Transaction<'_>,
    new: &NewMessage<'_>,
    now: DateTime<Utc>,
    compose: impl FnOnce(i64) -> (String, Vec<u8>),
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO outbox (kind, name, recipient, sender, subject, message_id, message,
             created_at, next_attempt_at, channel)
         VALUES (?1, ?2, ?3, ?4, ?5, '', x'', ?6, ?6, ?7)",
        params![
            new.kind,
            new.name,
            new.recipient,
            new.sender,
            new.subject,
            now.timestamp(),
            new.channel
        ],
    )?;
    let id = tx.last_insert_rowid();
    let (message_id, message) = compose(id);
    tx.execute(
        "UPDATE outbox SET message_id = ?2, message = ?3 WHERE id = ?1",
        params![id, message_id, message],
    )?;
    let mut delivered = tx.prepare_cached(
        "INSERT INTO hit_deliveries (hit_id, recipient, outbox_id) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?;
    let mut notified =
        tx.prepare_cached("UPDATE hits SET notified_at = COALESCE(notified_at, ?2) WHERE id = ?1")?;
    for hit in new.hit_ids {
        delivered.execute(params![hit, new.recipient, id])?;
        notified.execute(params![hit, now.timestamp()])?;
    }
    if let (Some(name), Some(slot)) = (new.name, new.digest_slot) {
        write_digest_slot(tx, name, slot)?;
    }
    Ok(id)
}

/// Records that the digest `name` covered everything up to `slot`.
fn write_digest_slot(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    slot: DateTime<Utc>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO digest_state (name, last_slot_at) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET last_slot_at = excluded.last_slot_at",
        params![name, slot.timestamp()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::BackfillHit;
    use crate::store::test_support::{open_with_feed, settled_article, topic_hit};
    use chrono::TimeZone;

    /// A store with one feed and `stories` articles, each hit by topic `t` (ids 1..=stories,
    /// found in that order) and article 1 hit again, last, by topic `u`.
    fn store_with_hits(stories: i64) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hits.db")).unwrap();
        store
            .db
            .conn
            .execute_batch(
                "INSERT INTO feeds (id, config_url, url, name, created_at)
                 VALUES (1, 'https://f.example/', 'https://f.example/', 'F', 0);",
            )
            .unwrap();
        for id in 1..=stories {
            store
                .db
                .conn
                .execute(
                    "INSERT INTO articles (id, feed_id, entry_key, entry_hash, first_seen_at,
                                           changed_at)
                     VALUES (?1, 1, ?1, '', 0, 0)",
                    params![id],
                )
                .unwrap();
            store
                .db
                .conn
                .execute(
                    "INSERT INTO hits (topic, article_id, created_at) VALUES ('t', ?1, ?1)",
                    params![id],
                )
                .unwrap();
        }
        store
            .db
            .conn
            .execute(
                "INSERT INTO hits (topic, article_id, created_at) VALUES ('u', 1, ?1)",
                params![stories + 1],
            )
            .unwrap();
        (dir, store)
    }

    /// An alert takes whole stories, the highest-scoring first and then the newest: every hit
    /// of a kept story comes along (even one found after the limit's last story), and every
    /// pending hit is counted, shown or not.
    #[test]
    fn pending_alerts_take_the_best_stories_whole_and_count_the_rest() {
        let (_dir, store) = store_with_hits(5);
        store
            .db
            .conn
            .execute(
                "UPDATE hits SET score = 9 WHERE article_id = 2 AND topic = 't'",
                [],
            )
            .unwrap();
        let topics = ["t".to_string(), "u".to_string()];
        let since = Utc.timestamp_opt(0, 0).unwrap();
        let alert = store.pending_alert(&topics, "a@x", since, 2).unwrap();
        let found: Vec<(i64, &str)> = alert.hits.iter().map(|h| (h.story_id, &*h.topic)).collect();
        assert_eq!(
            found,
            [(1, "t"), (2, "t"), (1, "u")],
            "story 2 scores best, story 1 is newest"
        );
        assert_eq!((alert.hit_ids.len(), alert.stories), (6, 5));
        let all = store.pending_alert(&topics, "a@x", since, 100).unwrap();
        assert_eq!(all.hits.len(), 6);
    }

    /// A store with two stories of one feed seen at `seen`: "fresh", hit by topic `t` as it
    /// came in, and "old", which `t` hits only by a backfill at `backfilled`.
    fn store_with_fresh_and_backfilled_hit(
        seen: DateTime<Utc>,
        backfilled: DateTime<Utc>,
    ) -> (tempfile::TempDir, Store, i64) {
        let (dir, mut store, feed) = open_with_feed();
        settled_article(&mut store, feed, "fresh", "fresh text", &["t"], seen);
        let (article_id, story_id) =
            settled_article(&mut store, feed, "old", "old text", &[], seen);
        let found = BackfillHit {
            article_id,
            story_id,
            hit: topic_hit("t", "old"),
        };
        assert_eq!(store.insert_backfill_hits(&[found], backfilled).unwrap(), 1);
        (dir, store, story_id)
    }

    /// Issue 14: a backfilled hit of an immediate topic is never alerted, however recent, while
    /// the topic's hit found as its article came in is.
    #[test]
    fn backfilled_hits_are_left_out_of_immediate_alerts() {
        let seen = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let (_dir, store, backfilled_story) =
            store_with_fresh_and_backfilled_hit(seen, seen + chrono::Duration::minutes(5));
        let hits = store
            .pending_alert(&["t".to_string()], "a@x", seen, 100)
            .unwrap()
            .hits;
        let found: Vec<&str> = hits.iter().map(|h| h.matched[0].as_str()).collect();
        assert_eq!(found, ["fresh"]);
        assert!(hits.iter().all(|h| h.story_id != backfilled_story));
    }

    /// Issue 14: a backfilled hit is found when it is stored, so the digest period holding that
    /// moment carries it (the next digest after a backfill) and the period after does not:
    /// it is in one digest, once.
    #[test]
    fn a_backfilled_hit_is_in_the_next_digest_once() {
        let seen = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let last_slot = seen + chrono::Duration::hours(1);
        let backfilled = last_slot + chrono::Duration::minutes(10);
        let next_slot = last_slot + chrono::Duration::hours(6);
        let slot_after = next_slot + chrono::Duration::hours(6);
        let (_dir, store, backfilled_story) = store_with_fresh_and_backfilled_hit(seen, backfilled);
        let topics = ["t".to_string()];

        let next = store.hits_in_period(&topics, last_slot, next_slot).unwrap();
        let stories: Vec<i64> = next.iter().map(|h| h.story_id).collect();
        assert_eq!(
            stories,
            [backfilled_story],
            "only the backfill falls after the last slot"
        );
        let after = store
            .hits_in_period(&topics, next_slot, slot_after)
            .unwrap();
        assert!(after.is_empty(), "{after:?}");
        let covered = store
            .hits_in_period(&topics, seen - chrono::Duration::hours(6), last_slot)
            .unwrap();
        let words: Vec<&str> = covered.iter().map(|h| h.matched[0].as_str()).collect();
        assert_eq!(
            words,
            ["fresh"],
            "the digest before the backfill had the fresh hit alone"
        );
    }
}
