//! Puts what is due into the outbox: after each poll cycle, one immediate alert per recipient
//! with the new hits of the immediate topics (grouped by story, capped per hour), and every
//! digest whose slot has come. Runs on the store's thread (as a store call); rendering is pure.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::compose::{envelope_address, finish};
use super::digest;
use super::render::render;
use super::{Email, Kind, Source, StoryItem};
use crate::config::{DigestSettings, NotifySettings};
use crate::store::{AlertHit, NewMessage, Store, StoreError};

/// Hits older than this are never sent as immediate alerts: they predate the alerting (an
/// upgraded database) and would flood a mailbox.
const IMMEDIATE_LOOKBACK: Duration = Duration::days(7);

/// Stories in one immediate alert at most: a first run over a large watchlist finds thousands
/// of hits, and a single email carrying them all is unreadable and may exceed the mail
/// server's size limit. Further stories follow in the next alerts.
const MAX_STORIES_PER_ALERT: usize = 100;

/// What one pass queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queued {
    /// Immediate alert messages (one per recipient).
    pub alerts: usize,
    /// Digest messages (one per recipient).
    pub digests: usize,
    /// Recipients whose hits wait because the hourly cap is reached.
    pub capped: usize,
    /// "Feed broken" and "recovered" emails to the admin.
    pub feed_alerts: usize,
}

/// Queues every immediate alert, digest and feed health report due at `now`.
pub fn queue_due(
    store: &mut Store,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> Result<Queued, StoreError> {
    let mut queued = Queued::default();
    queue_immediate(store, settings, now, &mut queued)?;
    for digest in &settings.digests {
        queued.digests += queue_digest(store, settings, digest, now)?;
    }
    queued.feed_alerts = super::feed_health::queue_feed_alerts(store, settings, now)?;
    Ok(queued)
}

/// One recipient of an email.
struct Recipient<'a> {
    /// As configured (maybe with a display name), for the `To:` header.
    mailbox: &'a str,
    /// The bare address, under which the outbox records what the recipient was told, counts
    /// their alerts for the hourly cap and finds their time zone.
    address: String,
}

impl<'a> Recipient<'a> {
    fn new(mailbox: &'a str) -> Recipient<'a> {
        Recipient {
            mailbox,
            address: envelope_address(mailbox),
        }
    }
}

fn queue_immediate(
    store: &mut Store,
    settings: &NotifySettings,
    now: DateTime<Utc>,
    queued: &mut Queued,
) -> Result<(), StoreError> {
    let mut topics_of: Vec<(Recipient, Vec<String>)> = Vec::new();
    for topic in settings.immediate_topics() {
        for mailbox in &topic.recipients {
            let recipient = Recipient::new(mailbox);
            match topics_of
                .iter_mut()
                .find(|(r, _)| r.address == recipient.address)
            {
                Some((_, topics)) => topics.push(topic.name.clone()),
                None => topics_of.push((recipient, vec![topic.name.clone()])),
            }
        }
    }
    let cap = usize::try_from(settings.email.max_immediate_per_hour).unwrap_or(usize::MAX);
    for (recipient, topics) in topics_of {
        let since = now - IMMEDIATE_LOOKBACK;
        let address = recipient.address.as_str();
        let mut hits = store.undelivered_hits(&topics, address, since, MAX_STORIES_PER_ALERT)?;
        in_topic_order(&mut hits, &topics);
        if hits.is_empty() {
            continue;
        }
        if store.immediate_count_since(address, now - Duration::hours(1))? >= cap {
            tracing::info!(recipient = %address, cap, "hourly alert cap reached; hits wait for the next hour");
            queued.capped += 1;
            continue;
        }
        let email = Email {
            kind: Kind::Immediate,
            stories: stories(store, &hits)?,
            timezone: timezone_of(settings, address),
            generated_at: now,
            public_url: settings.public_url.clone(),
            more: None,
        };
        let hit_ids: Vec<i64> = hits.iter().map(|h| h.hit_id).collect();
        queue_email(
            store,
            settings,
            &email,
            std::slice::from_ref(&recipient),
            &hit_ids,
            None,
            now,
        )?;
        queued.alerts += 1;
    }
    Ok(())
}

/// Queues `digest` if a slot of it has come since the one it last covered; returns the number
/// of messages. The first time a digest is seen it starts from its latest slot, so a new digest
/// does not send everything ever found.
fn queue_digest(
    store: &mut Store,
    settings: &NotifySettings,
    digest: &DigestSettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(last) = store.digest_last_slot(&digest.name)? else {
        let start = digest::latest_slot(digest, now).unwrap_or(now);
        store.set_digest_last_slot(&digest.name, start)?;
        return Ok(0);
    };
    let Some(slot) = digest::due_slot(digest, last, now) else {
        return Ok(0);
    };
    let email = digest_email(store, settings, digest, last, slot)?;
    if email.stories.is_empty() && !digest.send_empty {
        store.set_digest_last_slot(&digest.name, slot)?;
        return Ok(0);
    }
    queue_digest_email(store, settings, digest, &email, slot, now)
}

/// What the digest covering `(after, until]` says.
pub fn digest_email(
    store: &Store,
    settings: &NotifySettings,
    digest: &DigestSettings,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Email, StoreError> {
    let topics = settings.digest_topics(&digest.name);
    let mut hits = store.hits_in_period(&topics, after, until)?;
    in_topic_order(&mut hits, &topics);
    Ok(Email {
        kind: Kind::Digest {
            name: digest.name.clone(),
        },
        stories: stories(store, &hits)?,
        timezone: digest.timezone,
        generated_at: until,
        public_url: settings.public_url.clone(),
        more: None,
    })
}

/// Where the content of `digest`'s next message starts: the slot it last covered, or a day
/// before `now` for a digest never sent (for `digest NAME`, its preview, and `--send`).
pub fn pending_digest_start(
    store: &Store,
    digest: &DigestSettings,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, StoreError> {
    Ok(store
        .digest_last_slot(&digest.name)?
        .unwrap_or(now - Duration::days(1)))
}

/// Queues `email` for `digest` now (for `newshound digest NAME --send`): it covers what the
/// next digest would, up to `now`, and moves the digest's slot to `now`.
pub fn queue_digest_now(
    store: &mut Store,
    settings: &NotifySettings,
    digest: &DigestSettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let after = pending_digest_start(store, digest, now)?;
    let email = digest_email(store, settings, digest, after, now)?;
    queue_digest_email(store, settings, digest, &email, now, now)
}

/// Queues `email` to every recipient of `digest`, recording `slot` as the one it covers up to;
/// returns the number of messages.
fn queue_digest_email(
    store: &mut Store,
    settings: &NotifySettings,
    digest: &DigestSettings,
    email: &Email,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let recipients: Vec<Recipient> = digest
        .to
        .iter()
        .map(|mailbox| Recipient::new(mailbox))
        .collect();
    queue_email(
        store,
        settings,
        email,
        &recipients,
        &[],
        Some((&digest.name, slot)),
        now,
    )?;
    Ok(recipients.len())
}

/// Renders `email` once and puts one message per recipient into the outbox, in one transaction.
fn queue_email(
    store: &mut Store,
    settings: &NotifySettings,
    email: &Email,
    recipients: &[Recipient],
    hit_ids: &[i64],
    digest_slot: Option<(&str, DateTime<Utc>)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rendered = render(email);
    let from = settings.email.sender();
    let envelope_from = envelope_address(&from);
    let topics = topics_in(email);
    let (kind, name) = match (&email.kind, digest_slot) {
        (Kind::Digest { .. }, Some((name, _))) => ("digest", Some(name)),
        _ => ("immediate", None),
    };
    let messages: Vec<NewMessage<'_>> = recipients
        .iter()
        .map(|recipient| NewMessage {
            kind,
            name,
            recipient: &recipient.address,
            sender: &envelope_from,
            subject: &rendered.subject,
            hit_ids,
            digest_slot: digest_slot.map(|(_, slot)| slot),
        })
        .collect();
    store.enqueue(&messages, now, |index, outbox_id| {
        let to = recipients[index].mailbox;
        finish(&rendered, &from, to, outbox_id, now, &topics)
    })?;
    Ok(())
}

/// The distinct topics of an email, in order.
fn topics_in(email: &Email) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    for topic in email.stories.iter().flat_map(|s| &s.topics) {
        if !topics.contains(topic) {
            topics.push(topic.clone());
        }
    }
    topics
}

/// Sorts hits by their topic's place in the config (then as found), so emails list topics in
/// the order the user wrote them, whatever order concurrent feeds found the hits in.
fn in_topic_order(hits: &mut [AlertHit], topics: &[String]) {
    hits.sort_by_key(|hit| {
        topics
            .iter()
            .position(|t| *t == hit.topic)
            .unwrap_or(usize::MAX)
    });
}

/// Groups hits by story, in the order stories were first hit: each story once, with all its
/// topics and matched words, its lead article (the story's earliest published copy, which the
/// store gives every hit of the story), and its other copies.
pub fn stories(store: &Store, hits: &[AlertHit]) -> Result<Vec<StoryItem>, StoreError> {
    let mut order: Vec<i64> = Vec::new();
    let mut by_story: HashMap<i64, Vec<&AlertHit>> = HashMap::new();
    for hit in hits {
        by_story
            .entry(hit.story_id)
            .or_insert_with(|| {
                order.push(hit.story_id);
                Vec::new()
            })
            .push(hit);
    }
    let mut items = Vec::with_capacity(order.len());
    for story_id in order {
        let hits = &by_story[&story_id];
        let lead = hits[0];
        let also = store
            .story_copies(story_id, lead.article_id)?
            .into_iter()
            .filter(|(_, url)| Some(url) != lead.url.as_ref())
            .map(|(name, url)| Source { name, url })
            .collect();
        items.push(StoryItem {
            story_id,
            title: lead.title.clone(),
            url: lead.url.clone(),
            source: lead.source.clone(),
            also,
            published_at: lead.published_at,
            topics: distinct(hits.iter().map(|h| &h.topic)),
            matched: distinct(hits.iter().flat_map(|h| &h.matched)),
            snippet: lead.snippet.clone(),
            language: lead.language.clone(),
            score: hits.iter().map(|h| h.score).max().unwrap_or(0),
            found_at: lead.created_at,
            article_id: lead.article_id,
        });
    }
    Ok(items)
}

fn distinct<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        if !out.contains(value) {
            out.push(value.clone());
        }
    }
    out
}

/// Times in an alert are shown in the recipient's digest time zone (the first digest that goes
/// to their `address`, however its recipients are written), else UTC.
fn timezone_of(settings: &NotifySettings, address: &str) -> Tz {
    settings
        .digests
        .iter()
        .find(|d| {
            d.to.iter()
                .any(|mailbox| envelope_address(mailbox) == address)
        })
        .map_or(Tz::UTC, |d| d.timezone)
}
