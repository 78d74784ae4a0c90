//! Plain data handed from one pipeline stage to the next.
//!
//! Nothing here does I/O or knows about SQL; the stages take and return these values so they can be
//! tested without a network or a database.

use chrono::{DateTime, Utc};
use url::Url;

/// One item of a feed as the parse stage hands it on: plain-text fields already unescaped and
/// whitespace-normalised, links absolute, times in UTC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// The feed's own identifier for the item (RSS `guid`, Atom `id`, JSON Feed `id`); the first
    /// choice for entry identity because publishers keep it when they edit an item.
    pub guid: Option<String>,
    /// The article page, resolved against the feed's final URL; falls back to a permalink GUID.
    pub link: Option<Url>,
    /// Plain-text title.
    pub title: Option<String>,
    /// Plain-text author name(s), comma-separated when there are several.
    pub author: Option<String>,
    /// Plain-text summary or description, for alerts when the page cannot be fetched.
    pub summary: Option<String>,
    /// The item's full HTML content when the feed carries it (`content:encoded`, Atom `content`).
    pub content_html: Option<String>,
    /// `content_html` as plain text: the article's text when its page cannot be used.
    pub content_text: Option<String>,
    /// When the item was first published, in UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// When the item was last changed, in UTC.
    pub updated_at: Option<DateTime<Utc>>,
    /// Language declared by the item or its feed (`xml:lang`, `<language>`), if any.
    pub language: Option<String>,
}

/// A whole feed document after parsing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title, shown by `newshound feeds` when the user gave no name.
    pub title: Option<String>,
    /// Language declared by the feed.
    pub language: Option<String>,
    /// RSS `<ttl>`: the publisher asks not to be polled more often than this.
    pub ttl: Option<std::time::Duration>,
    /// The items, in document order (the newest [`crate::parse::MAX_ENTRIES`] when the
    /// document holds more).
    pub entries: Vec<Entry>,
    /// Items of the document left out because it held more than [`crate::parse::MAX_ENTRIES`];
    /// logged, so an operator can tell why a huge feed's old items are missing.
    pub dropped_entries: usize,
    /// True when the first parse failed or came back hollow and the normalising pass was needed;
    /// logged so operators can tell publishers their feed is broken.
    pub repaired: bool,
}

/// What the extract stage found in an article page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    /// The article's title without the site suffix.
    pub title: Option<String>,
    /// Main text, paragraphs separated by a blank line.
    pub text: String,
    /// Author(s) named by the page.
    pub author: Option<String>,
    /// Publication time declared by the page, in UTC.
    pub published_at: Option<DateTime<Utc>>,
    /// Last modification time declared by the page, in UTC.
    pub modified_at: Option<DateTime<Utc>>,
    /// Language of the page: declared (`<html lang>`), else detected on the text; lower-case
    /// ISO 639-1 code.
    pub language: Option<String>,
    /// `<link rel=canonical>` or `og:url`, absolute.
    pub canonical_url: Option<Url>,
    /// Site name (`og:site_name`).
    pub site_name: Option<String>,
    /// Page description (`meta description` / `og:description`).
    pub description: Option<String>,
}

/// Where an article's stored text came from, so users can tell a full article from a feed's
/// teaser when they ask why something did or did not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    /// Extracted from the article page.
    Page,
    /// The full content the feed carries for the entry.
    FeedContent,
    /// The feed entry's summary or description.
    FeedSummary,
}

impl TextSource {
    /// The name stored in the database and printed by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Page => "page",
            TextSource::FeedContent => "feed_content",
            TextSource::FeedSummary => "feed_summary",
        }
    }

    /// The inverse of [`TextSource::as_str`], for values read back from the database.
    pub fn parse(name: &str) -> Option<TextSource> {
        [
            TextSource::Page,
            TextSource::FeedContent,
            TextSource::FeedSummary,
        ]
        .into_iter()
        .find(|source| source.as_str() == name)
    }
}

impl Entry {
    /// The best text the feed itself offers for this entry, and where it came from.
    pub fn feed_text(&self) -> Option<(&str, TextSource)> {
        let content = self.content_text.as_deref().filter(|t| !t.is_empty());
        let summary = self.summary.as_deref().filter(|t| !t.is_empty());
        match (content, summary) {
            (Some(c), Some(s)) if s.len() > c.len() => Some((s, TextSource::FeedSummary)),
            (Some(c), _) => Some((c, TextSource::FeedContent)),
            (None, Some(s)) => Some((s, TextSource::FeedSummary)),
            (None, None) => None,
        }
    }
}

/// Why an article matched one topic, as stored with the hit and shown in alerts and `hits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicHit {
    /// The topic's name.
    pub topic: String,
    /// TextAnalysis occurrences, a title word counting [`TITLE_WEIGHT`] times: more mentions, and
    /// mentions in the headline, mean the article is more about the topic.
    pub score: u32,
    /// The distinct words that matched, as written in the article, title first.
    pub matched: Vec<String>,
    /// The passage around the best match.
    pub snippet: Snippet,
}

/// How much more a matched word in the title counts than one in the body.
pub const TITLE_WEIGHT: u32 = 3;

/// About 200 characters of article text around the best match, with the matched words marked.
/// Kept as plain text plus ranges, so each output (terminal, JSON, HTML email) marks and escapes
/// in its own way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The passage, whitespace collapsed to single spaces, with `…` where it was cut.
    pub text: String,
    /// Byte ranges of `text` holding matched words, ascending and not overlapping.
    pub marks: Vec<(usize, usize)>,
}

impl Snippet {
    /// The text with every mark wrapped in `open` and `close` (e.g. `**` and `**`); `escape`
    /// is applied to the text between and inside marks, never to the markers.
    pub fn render(&self, open: &str, close: &str, escape: impl Fn(&str) -> String) -> String {
        let mut out = String::with_capacity(self.text.len() + self.marks.len() * 8);
        let mut at = 0;
        for &(start, end) in &self.marks {
            let (Some(before), Some(marked)) =
                (self.text.get(at..start), self.text.get(start..end))
            else {
                continue;
            };
            out.push_str(&escape(before));
            out.push_str(open);
            out.push_str(&escape(marked));
            out.push_str(close);
            at = end;
        }
        out.push_str(&escape(self.text.get(at..).unwrap_or_default()));
        out
    }

    /// The text with marked words between `**`, for terminals and JSON.
    pub fn marked(&self) -> String {
        self.render("**", "**", str::to_owned)
    }
}

/// What matching found in an article's final text: the language it was read in and the topics
/// it hit. Stored with the text it was computed from, in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextAnalysis {
    /// ISO 639-1 code of the article's language, when known.
    pub language: Option<String>,
    /// One hit per matching topic.
    pub hits: Vec<TopicHit>,
}
