//! Turns stored hits into emails and delivers them: immediate alerts after each poll cycle,
//! scheduled digests, an outbox in SQLite so that nothing is lost or sent twice, and the
//! transports (SMTP through lettre, or `.eml` files).
//!
//! # Layout
//! - [`digest`] says when each digest is due, across time zones and daylight saving; pure.
//! - [`render`] builds the subject, plain-text and HTML parts of an alert or digest from plain
//!   data ([`Email`]); pure. Its [`sanitize`](render::sanitize) is the one cleaning of text
//!   from the network that every email uses.
//! - [`compose`] makes the RFC 5322 message of an outbox row for every kind of email: both
//!   parts, sender and recipient headers, Message-ID from the row, List-Id per topic,
//!   Auto-Submitted.
//! - [`queue`] puts due alerts and digests into the outbox (grouped by story, capped per hour),
//!   then asks [`feed_health`] for its reports.
//! - [`feed_health`] reports feeds failing for too long, and their recovery, to the admin.
//! - [`send`] delivers the outbox with retries and records every answer.
//! - `step` is what the daemon runs after each poll cycle and on a timer: queue what is due,
//!   then deliver ([`notify_step`]).
//! - [`channels`] renders and delivers the messages of the other channels (signed webhooks,
//!   ntfy, Slack-compatible chats, Matrix): one JSON body per message, put into the outbox like
//!   an email, sent over HTTP without following redirects.
//! - [`transport`] delivers a finished message through SMTP or into a folder, and tells
//!   temporary failures (retry) from permanent ones (give up) with the server's answer.

pub mod channels;
pub mod compose;
pub mod digest;
pub mod feed_health;
pub mod queue;
pub mod render;
pub mod send;
mod step;
pub mod transport;

pub use send::Outlets;
pub use step::{NotifyReport, notify_step, outlets_or_log};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use crate::model::Snippet;

/// One copy of a story on another site, for "also reported by".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The site's name (the page's `og:site_name`, else the feed's name).
    pub name: String,
    /// The copy's canonical URL.
    pub url: String,
}

/// One story in an email: its lead article, the other copies, and why it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryItem {
    /// The story's id, stable across emails.
    pub story_id: i64,
    /// The lead article's title.
    pub title: String,
    /// The lead article's URL; the title links to it.
    pub url: Option<String>,
    /// The lead article's site or feed name.
    pub source: String,
    /// The other copies of the story known when the email was rendered.
    pub also: Vec<Source>,
    /// When the lead article was published, if it says.
    pub published_at: Option<DateTime<Utc>>,
    /// The topics this story hit (in this email).
    pub topics: Vec<String>,
    /// The matched words, as written in the article.
    pub matched: Vec<String>,
    /// The passage around the best match, with the matched words marked.
    pub snippet: Snippet,
    /// ISO 639-1 code of the article's language.
    pub language: Option<String>,
    /// The best score among its hits in this message (the order of a flood's cut).
    pub score: u32,
    /// When its first hit in this message was found.
    pub found_at: DateTime<Utc>,
    /// The copy its first hit matched (for the webhook's `article_id`).
    pub article_id: i64,
}

/// What kind of email it is; decides the subject line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Sent after a poll cycle with that cycle's new hits of immediate topics.
    Immediate,
    /// A scheduled digest, by its `[[digests]]` name.
    Digest {
        /// The digest's name, e.g. "Morning digest".
        name: String,
    },
}

/// Everything an email says, before it is rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    /// Alert or digest.
    pub kind: Kind,
    /// The stories, in the order they are shown (each once, with all its topics).
    pub stories: Vec<StoryItem>,
    /// Time zone in which times are shown (the digest's; UTC for immediate alerts unless the
    /// recipient's digest says otherwise).
    pub timezone: Tz,
    /// When the email was made, shown in its footer.
    pub generated_at: DateTime<Utc>,
    /// Where the web pages are (`[web] public_url`, ending in `/`): each story then links to
    /// its page and each topic heading to its topic's page; `None` leaves the links out.
    pub public_url: Option<Url>,
    /// The new stories left out of this message (a flood, or the hourly cap): how many, and
    /// where to read them. They count as told on this channel; a digest still lists them.
    pub more: Option<More>,
}

/// What a message that could not carry every new story says about the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct More {
    /// Stories left out.
    pub count: usize,
    /// Per topic of the message, where to read all its hits: the topic's web page with
    /// `[web] public_url`, else the `newshound hits --topic` command line.
    pub links: Vec<MoreLink>,
}

/// Where to read one topic's hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoreLink {
    /// The topic.
    pub topic: String,
    /// An http(s) URL (the topic's page) or a command line to run.
    pub target: String,
}

impl MoreLink {
    /// Whether `target` is a URL (else a command line).
    pub fn is_url(&self) -> bool {
        self.target.starts_with("http://") || self.target.starts_with("https://")
    }
}
