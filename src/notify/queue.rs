//! Puts what is due into the outbox: after each poll cycle, one immediate alert per email
//! recipient and per channel with the new hits of the immediate topics routed there (grouped
//! by story, the highest-scoring stories that fit, the rest counted; capped per hour), and every
//! digest whose slot has come, to each of its recipients and channels. Runs on the store's
//! thread (as a store call); rendering is pure.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::channels::{self, Notice, Payload};
use super::compose::{envelope_address, finish};
use super::digest;
use super::render::render;
use super::{Email, Kind, More, Source, StoryItem};
use crate::config::{ChannelSettings, DigestSettings, NotifySettings, NtfyOptions};
use crate::store::{AlertHit, NewMessage, Store, StoreError};

/// Hits older than this are never sent as immediate alerts: they predate the alerting (an
/// upgraded database) and would flood a mailbox.
const IMMEDIATE_LOOKBACK: Duration = Duration::days(7);

/// Stories in one immediate alert at most: a first run over a large watchlist or a flood of
/// news finds thousands, and a message carrying them all is unreadable and may exceed the
/// receiver's size limit. The alert shows the highest-scoring ones and counts the rest (each
/// channel's renderer may cut further to fit its limits).
const MAX_STORIES_PER_ALERT: usize = 100;

/// What one pass queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queued {
    /// Immediate alert messages (one per recipient or channel).
    pub alerts: usize,
    /// Digest messages (one per recipient or channel).
    pub digests: usize,
    /// Recipients and channels whose hits wait because the hourly cap is reached.
    pub capped: usize,
    /// "Feed broken" and "recovered" reports to the admin channels.
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
pub(super) struct Recipient<'a> {
    /// As configured (maybe with a display name), for the `To:` header.
    mailbox: &'a str,
    /// The bare address, under which the outbox records what the recipient was told, counts
    /// their alerts for the hourly cap and finds their time zone.
    address: String,
}

impl<'a> Recipient<'a> {
    pub(super) fn new(mailbox: &'a str) -> Recipient<'a> {
        Recipient {
            mailbox,
            address: envelope_address(mailbox),
        }
    }
}

/// Where one message goes: an email recipient, or a channel that is not email.
pub(super) enum Target<'a> {
    /// One email recipient (one message each, so one bad address holds back no one else).
    Email(Recipient<'a>),
    /// One channel.
    Channel(&'a ChannelSettings),
}

impl Target<'_> {
    /// The name the outbox records the target's messages and told hits under: the bare
    /// address, or the channel's name (which never holds an `@`).
    fn key(&self) -> &str {
        match self {
            Target::Email(recipient) => &recipient.address,
            Target::Channel(channel) => &channel.name,
        }
    }

    /// Immediate alerts allowed per hour.
    fn hourly_cap(&self, settings: &NotifySettings) -> usize {
        let cap = match self {
            Target::Email(_) => settings.email.max_immediate_per_hour,
            Target::Channel(channel) => channel.max_per_hour,
        };
        usize::try_from(cap).unwrap_or(usize::MAX)
    }
}

/// The targets of `recipients` (addresses) and `channels` (names of channels that are not
/// email), each once.
pub(super) fn targets<'a>(
    settings: &'a NotifySettings,
    recipients: &'a [String],
    channels: &[String],
) -> Vec<Target<'a>> {
    let mut targets: Vec<Target> = Vec::new();
    for mailbox in recipients {
        let recipient = Recipient::new(mailbox);
        if !targets.iter().any(|t| t.key() == recipient.address) {
            targets.push(Target::Email(recipient));
        }
    }
    for name in channels {
        if let Some(channel) = settings.channel(name)
            && !targets.iter().any(|t| t.key() == channel.name)
        {
            targets.push(Target::Channel(channel));
        }
    }
    targets
}

/// Every target of an immediate topic, with the immediate topics routed to it in config order.
fn immediate_targets(settings: &NotifySettings) -> Vec<(Target<'_>, Vec<String>)> {
    let mut routes: Vec<(Target, Vec<String>)> = Vec::new();
    for topic in settings.immediate_topics() {
        for target in targets(settings, &topic.recipients, &topic.channels) {
            match routes.iter_mut().find(|(t, _)| t.key() == target.key()) {
                Some((_, topics)) => topics.push(topic.name.clone()),
                None => routes.push((target, vec![topic.name.clone()])),
            }
        }
    }
    routes
}

fn queue_immediate(
    store: &mut Store,
    settings: &NotifySettings,
    now: DateTime<Utc>,
    queued: &mut Queued,
) -> Result<(), StoreError> {
    for (target, topics) in immediate_targets(settings) {
        let key = target.key();
        let cap = target.hourly_cap(settings);
        if store.immediate_count_since(key, now - Duration::hours(1))? >= cap {
            tracing::debug!(target = %key, cap, "hourly alert cap reached; the next alert summarises what comes meanwhile");
            queued.capped += 1;
            continue;
        }
        let pending = store.pending_alert(
            &topics,
            key,
            now - IMMEDIATE_LOOKBACK,
            MAX_STORIES_PER_ALERT,
        )?;
        if pending.hits.is_empty() {
            continue;
        }
        let mut hits = pending.hits;
        best_first_by_topic(&mut hits, &topics);
        let stories = stories(store, &hits)?;
        let left_out = pending.stories.saturating_sub(stories.len());
        let more = (left_out > 0).then(|| More {
            count: left_out,
            links: super::render::more_links(
                &distinct(stories.iter().flat_map(|s| &s.topics)),
                settings.public_url.as_ref(),
            ),
        });
        let email = Email {
            kind: Kind::Immediate,
            stories,
            timezone: timezone_of(settings, &target),
            generated_at: now,
            public_url: settings.public_url.clone(),
            more,
        };
        let ntfy = ntfy_options(settings, &topics);
        let message = Message {
            email: &email,
            ntfy: &ntfy,
            hit_ids: &pending.hit_ids,
            digest_slot: None,
        };
        queued.alerts += queue_message(store, settings, &message, &[target], now)?;
    }
    Ok(())
}

/// The ntfy priority (the highest) and tags (all) of `topics`.
fn ntfy_options(settings: &NotifySettings, topics: &[String]) -> NtfyOptions {
    let mut merged = NtfyOptions::default();
    for route in settings.topics.iter().filter(|t| topics.contains(&t.name)) {
        merged.priority = merged.priority.max(route.ntfy.priority);
        for tag in &route.ntfy.tags {
            if !merged.tags.contains(tag) {
                merged.tags.push(tag.clone());
            }
        }
    }
    merged
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

/// Queues `email` to every recipient and channel of `digest`, recording `slot` as the one it
/// covers up to, in one transaction; returns the number of messages.
fn queue_digest_email(
    store: &mut Store,
    settings: &NotifySettings,
    digest: &DigestSettings,
    email: &Email,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let targets = targets(settings, &digest.to, &digest.notify);
    if targets.is_empty() {
        store.set_digest_last_slot(&digest.name, slot)?;
        return Ok(0);
    }
    let ntfy = ntfy_options(settings, &settings.digest_topics(&digest.name));
    let message = Message {
        email,
        ntfy: &ntfy,
        hit_ids: &[],
        digest_slot: Some((&digest.name, slot)),
    };
    queue_message(store, settings, &message, &targets, now)
}

/// An alert or digest on its way into the outbox, with what it carries.
struct Message<'a> {
    /// What it says.
    email: &'a Email,
    /// The ntfy priority and tags of its topics.
    ntfy: &'a NtfyOptions,
    /// The hits it tells of (immediate alerts), recorded as told to each target.
    hit_ids: &'a [i64],
    /// The digest and the slot it covers up to (digests).
    digest_slot: Option<(&'a str, DateTime<Utc>)>,
}

/// Renders `message` once per kind of target (the email once, each channel's body once) and
/// puts one outbox row per target into the outbox, in one transaction; returns the number of
/// rows.
fn queue_message(
    store: &mut Store,
    settings: &NotifySettings,
    message: &Message<'_>,
    targets: &[Target<'_>],
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let email = message.email;
    let rendered = render(email);
    let from = settings.email.sender();
    let envelope_from = envelope_address(&from);
    let topics = topics_in(email);
    let notice = Notice::Stories {
        email,
        ntfy: message.ntfy,
    };
    let outgoing = outgoing(targets, &notice);
    let (kind, name) = match (&email.kind, message.digest_slot) {
        (Kind::Digest { .. }, Some((name, _))) => ("digest", Some(name)),
        _ => ("immediate", None),
    };
    let base = NewMessage {
        kind,
        channel: "",
        name,
        recipient: "",
        sender: "",
        subject: "",
        hit_ids: message.hit_ids,
        digest_slot: message.digest_slot.map(|(_, slot)| slot),
    };
    let rows: Vec<NewMessage<'_>> = outgoing
        .iter()
        .map(|out| out.row(&base, &envelope_from, &rendered.subject))
        .collect();
    store.enqueue(&rows, now, |index, outbox_id| {
        outgoing[index].finish(outbox_id, now, |mailbox| {
            finish(&rendered, &from, mailbox, outbox_id, now, &topics)
        })
    })?;
    Ok(rows.len())
}

/// One message on its way to one target: an email recipient (the email is rendered once for
/// all of them), or a channel with its own body.
pub(super) enum Outgoing<'t, 'a> {
    /// To this recipient.
    Email(&'t Recipient<'a>),
    /// Through this channel, with this body.
    Channel(&'t ChannelSettings, Payload),
}

/// Each target of `targets` with what it is sent of `notice` (a channel kind without a body of
/// its own is left out).
pub(super) fn outgoing<'t, 'a>(
    targets: &'t [Target<'a>],
    notice: &Notice<'_>,
) -> Vec<Outgoing<'t, 'a>> {
    targets
        .iter()
        .filter_map(|target| match target {
            Target::Email(recipient) => Some(Outgoing::Email(recipient)),
            Target::Channel(channel) => channels::render(&channel.kind, notice)
                .map(|payload| Outgoing::Channel(channel, payload)),
        })
        .collect()
}

impl Outgoing<'_, '_> {
    /// Its outbox row: `base` (kind, name, hits, slot) with this target's channel, recipient,
    /// sender and subject (an email's, or the channel's own).
    pub(super) fn row<'s>(
        &'s self,
        base: &NewMessage<'s>,
        envelope_from: &'s str,
        email_subject: &'s str,
    ) -> NewMessage<'s> {
        let (channel, recipient, sender, subject) = match self {
            Outgoing::Email(recipient) => (
                crate::config::EMAIL_CHANNEL,
                recipient.address.as_str(),
                envelope_from,
                email_subject,
            ),
            Outgoing::Channel(channel, payload) => (
                channel.name.as_str(),
                channel.name.as_str(),
                "",
                payload.subject.as_str(),
            ),
        };
        NewMessage {
            channel,
            recipient,
            sender,
            subject,
            ..base.clone()
        }
    }

    /// The message id and bytes of its outbox row `outbox_id`: the email `compose` makes for
    /// the recipient's mailbox, or the channel's body under the row's channel id.
    pub(super) fn finish(
        &self,
        outbox_id: i64,
        now: DateTime<Utc>,
        compose: impl FnOnce(&str) -> (String, Vec<u8>),
    ) -> (String, Vec<u8>) {
        match self {
            Outgoing::Email(recipient) => compose(recipient.mailbox),
            Outgoing::Channel(_, payload) => {
                (channels::message_id(outbox_id, now), payload.body.clone())
            }
        }
    }
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

/// Sorts an alert's hits by their topic's place in the config, then their story's best score
/// (highest first), then as found: where a channel must cut a long alert, it keeps the best.
fn best_first_by_topic(hits: &mut [AlertHit], topics: &[String]) {
    let mut best: HashMap<i64, u32> = HashMap::new();
    for hit in hits.iter() {
        let score = best.entry(hit.story_id).or_default();
        *score = (*score).max(hit.score);
    }
    hits.sort_by_key(|hit| {
        let topic = topics.iter().position(|t| *t == hit.topic);
        (
            topic.unwrap_or(usize::MAX),
            std::cmp::Reverse(best[&hit.story_id]),
        )
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

/// Times in an alert are shown in the time zone of the first digest that goes to the same
/// target (an email recipient's `address`, however its recipients are written, or a channel),
/// else UTC.
fn timezone_of(settings: &NotifySettings, target: &Target<'_>) -> Tz {
    settings
        .digests
        .iter()
        .find(|d| match target {
            Target::Email(recipient) => {
                d.to.iter()
                    .any(|mailbox| envelope_address(mailbox) == recipient.address)
            }
            Target::Channel(channel) => d.notify.contains(&channel.name),
        })
        .map_or(Tz::UTC, |d| d.timezone)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::*;
    use crate::store::test_support::{open_with_feed, settled_article, told_hit_times};

    /// Issue 16: a topic matching dozens of new stories every cycle, for an hour and a half
    /// (then quiet, with the notify step still running every cycle).
    /// Every alert carries only hits younger than one cycle plus the hourly cap's wait, shows at
    /// most a hundred stories and counts the rest, and nothing is left waiting at the end: the
    /// wait of an alert never grows with the flood.
    #[test]
    fn a_flood_never_makes_alerts_late() {
        let text = "[email]\nto = [\"desk@example.org\"]\n[email.file]\ndir = \"mail\"\n\
                    [[topics]]\nname = \"Broad\"\nquery = \"the\"\n";
        let config = crate::config::load_text(Path::new("/srv/flood/newshound.toml"), text.into())
            .unwrap_or_else(|errors| panic!("{errors}"));
        let settings = config.notify_settings();
        let (_dir, mut store, feed) = open_with_feed();
        let start = Utc.timestamp_opt(1_800_000_000, 0).unwrap();
        let cycle = Duration::minutes(1);
        let mut article = 0;
        for minute in 0..160 {
            let now = start + cycle * minute;
            for _ in 0..if minute < 90 { 40 } else { 0 } {
                let guid = format!("a{article}");
                settled_article(&mut store, feed, &guid, &guid, &["Broad"], now);
                article += 1;
            }
            queue_due(&mut store, &settings, now).unwrap();
        }

        let alerts: Vec<_> = store
            .outbox(1000)
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "immediate")
            .collect();
        assert!(alerts.len() >= 13, "{} alerts", alerts.len());
        let oldest_allowed = cycle + Duration::hours(1);
        let mut told = 0;
        for alert in &alerts {
            let times = told_hit_times(&store, alert.id);
            assert!(!times.is_empty());
            for found in &times {
                let age = alert.created_at - *found;
                assert!(
                    age >= Duration::zero() && age <= oldest_allowed,
                    "alert #{} at {} carries a hit found at {found}",
                    alert.id,
                    alert.created_at
                );
            }
            let text = String::from_utf8_lossy(&alert.message);
            if times.len() > MAX_STORIES_PER_ALERT {
                let more = times.len() - MAX_STORIES_PER_ALERT;
                assert!(
                    text.contains(&format!("{more} more")),
                    "#{}: {text}",
                    alert.id
                );
            }
            told += times.len();
        }
        assert_eq!(told, article, "every hit told once");
        let topics = ["Broad".to_string()];
        let left = store
            .pending_alert(&topics, "desk@example.org", start, 100)
            .unwrap();
        assert!(
            left.hit_ids.is_empty(),
            "{} hits still wait",
            left.hit_ids.len()
        );
    }
}
