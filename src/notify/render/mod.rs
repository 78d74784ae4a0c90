//! Renders an [`Email`] into its subject, plain-text part and HTML part; pure (the only time
//! it shows is [`Email::generated_at`]), so the output is stable enough for snapshots.
//!
//! Both parts read the same way: a header saying what the email is, one section per topic in
//! the order the topics first appear, each story once under its first topic with all its topics
//! listed, and a footer saying why the reader gets the email and when it was made. With
//! `[web] public_url`, each story ends with a link to its web page (why it matched, every copy)
//! and each topic heading links to the topic's page; without it the parts have no such links.
//!
//! Every value from a feed or page is untrusted. [`sanitize`] drops control characters (and
//! bidi overrides) so that a title can add no header line and no terminal escape; HTML text
//! goes through [`encode_safe`](html_escape::encode_safe) and attributes through
//! [`encode_double_quoted_attribute`](html_escape::encode_double_quoted_attribute); only
//! `http`, `https` and `file` URLs (the offline demo's) become links, in the form [`Url`]
//! serialises them, so a `javascript:` or `data:` URL never reaches an `href`.
//!
//! A message that could not carry every new story ([`Email::more`]) ends its story list with
//! "and N more stories" and where to read them (each topic's page, or the `newshound hits`
//! command line); its subject and headline count every new story, shown or not.
//!
//! # Files
//! This file holds the view both parts are made from (stories merged and grouped by topic, the
//! header and footer lines, the values shown) and the subject; [`sanitize`] the cleaning of
//! untrusted text, `text` the plain-text part, `html` the HTML part, `tests` their snapshots
//! (in `tests/fixtures/email/`), `fixtures` the stories they (and the channels' tests) use.
//! The channels' renderers reuse the view's pieces: the merging and grouping of stories, the
//! subject, the links that may be made.

#[cfg(test)]
pub(crate) mod fixtures;
mod html;
pub mod sanitize;
#[cfg(test)]
mod tests;
mod text;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use url::Url;

use super::{Email, Kind, More, MoreLink, StoryItem};
use sanitize::{one_line, one_line_within};

/// The finished parts of one email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line of at most [`SUBJECT_MAX`] characters, without control characters.
    pub subject: String,
    /// The `text/plain` part: `\n` line ends, lines of at most [`WIDTH`] characters unless one
    /// word (a URL) is longer.
    pub text: String,
    /// The `text/html` part: a complete document with inline styles, no scripts, no remote
    /// resources.
    pub html: String,
}

/// Longest subject in characters; longer ones are cut and end in `…`.
pub const SUBJECT_MAX: usize = 200;

/// Line width of the plain-text part, so it reads in an 80-column terminal.
pub const WIDTH: usize = 78;

/// The label of the link from a story to its web page (with `[web] public_url`).
const STORY_PAGE_LABEL: &str = "Why it matched · all copies";

/// Schemes that may become links.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "file"];

/// Renders an alert or digest.
pub fn render(email: &Email) -> Rendered {
    let stories = merge_duplicates(&email.stories);
    let topics = message_topics(&stories, email.more.as_ref());
    let view = View {
        email,
        groups: group_by_topic(&stories, &topics),
        count: stories.len(),
        topics,
    };
    Rendered {
        subject: subject_line(email, &stories, &view.topics),
        text: text::text(&view),
        html: html::html(&view),
    }
}

/// The subject [`render`] gives `email`, without rendering its parts: the channels' messages
/// are listed in `newshound outbox` and the logs under the same line as the email.
pub fn subject(email: &Email) -> String {
    let stories = merge_duplicates(&email.stories);
    let topics = message_topics(&stories, email.more.as_ref());
    subject_line(email, &stories, &topics)
}

/// What `email` tells, in a few words and without the `[newshound]` tag ("3 new stories: Arms
/// deals, Summit meetings", "Morning digest: 3 stories"): the title of a chat message or push
/// notification, whose app already says who sent it. Counts every new story, shown or not.
pub fn summary(email: &Email) -> String {
    let stories = merge_duplicates(&email.stories);
    let topics = message_topics(&stories, email.more.as_ref());
    summary_line(
        &email.kind,
        stories.len() + left_out(email),
        &topics.join(", "),
    )
}

/// Per topic, where to read all its hits: its web page under `public_url`, else the command
/// line that lists them. What a message says about the stories it left out, when the queue
/// did not say it (a channel that cut stories to fit its size limit).
pub fn more_links(topics: &[String], public_url: Option<&Url>) -> Vec<MoreLink> {
    topics
        .iter()
        .map(|topic| MoreLink {
            topic: topic.clone(),
            target: web_page(public_url, &crate::web::layout::topic_path(topic))
                .unwrap_or_else(|| hits_command(topic)),
        })
        .collect()
}

/// The site's `path` under `[web] public_url` (which may itself have a path, behind a reverse
/// proxy, so the path is joined relative to it), as a link; `None` without a public URL.
fn web_page(public_url: Option<&Url>, path: &str) -> Option<String> {
    let page = crate::web::layout::page_under(public_url?, path)?;
    link(Some(page.as_str()))
}

impl Email {
    /// The web page of the story `story_id`, which says why it matched and lists every copy,
    /// when `[web] public_url` is set: where emails and channel messages link a story.
    pub fn story_page(&self, story_id: i64) -> Option<String> {
        web_page(
            self.public_url.as_ref(),
            &crate::web::layout::story_path(story_id),
        )
    }

    /// The web page of `topic` (a heading's topic), when `[web] public_url` is set.
    pub fn topic_page(&self, topic: Option<&str>) -> Option<String> {
        web_page(
            self.public_url.as_ref(),
            &crate::web::layout::topic_path(topic?),
        )
    }
}

/// `newshound hits --topic "TOPIC"`, with the name quoted for a POSIX shell (inside double
/// quotes only `\`, `"`, `$` and `` ` `` are special).
pub fn hits_command(topic: &str) -> String {
    let mut quoted = String::with_capacity(topic.len() + 2);
    for c in one_line(topic).chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    format!("newshound hits --topic \"{quoted}\"")
}

/// Stories the queue left out of `email`.
fn left_out(email: &Email) -> usize {
    email.more.as_ref().map_or(0, |more| more.count)
}

/// What both parts are made from.
struct View<'a> {
    email: &'a Email,
    /// Topic names, cleaned, in first-seen order.
    topics: Vec<String>,
    /// Each topic with the stories shown under it; `None` collects stories without a topic.
    groups: Vec<(Option<String>, Vec<&'a StoryItem>)>,
    /// Number of distinct stories.
    count: usize,
}

impl View<'_> {
    fn time(&self, at: DateTime<Utc>) -> String {
        local_time(at, self.email.timezone)
    }

    /// The header line: what this email is, counting the stories left out too.
    fn headline(&self) -> String {
        let total = self.count + left_out(self.email);
        match &self.email.kind {
            Kind::Immediate => format!("{} for your watch topics", new_stories(total)),
            Kind::Digest { name } => format!("{}: {}", one_line(name), stories(total)),
        }
    }

    /// The stories left out, as "and N more stories", with where to read them.
    fn more(&self) -> Option<(String, &[MoreLink])> {
        let more = self.email.more.as_ref().filter(|more| more.count > 0)?;
        Some((more_stories(more.count), &more.links))
    }

    /// The line under the headline, for digests: the time the digest covers up to.
    fn period(&self) -> Option<String> {
        match self.email.kind {
            Kind::Immediate => None,
            Kind::Digest { .. } => Some(format!("as of {}", self.time(self.email.generated_at))),
        }
    }

    /// Why the reader gets this email.
    fn why(&self) -> String {
        let topics = self.topics.join(", ");
        match (&self.email.kind, topics.is_empty()) {
            (Kind::Immediate, false) => format!(
                "You get this email because newshound watches these topics for you and alerts \
                 you as soon as they appear: {topics}."
            ),
            (Kind::Immediate, true) => {
                "You get this email because newshound watches topics for you.".to_owned()
            }
            (Kind::Digest { name }, false) => format!(
                "You get this email because newshound sends you the {} for your watch \
                 topics: {topics}.",
                one_line(name)
            ),
            (Kind::Digest { name }, true) => format!(
                "You get this email because newshound sends you the {} even when no story \
                 matched your watch topics.",
                one_line(name)
            ),
        }
    }

    fn generated(&self) -> String {
        format!(
            "Generated by newshound on {}.",
            self.time(self.email.generated_at)
        )
    }
}

/// One item per story id, in first-seen order: a caller that passed a story once per topic
/// gets it once, with the topics, matched words and copies of all its items.
pub(crate) fn merge_duplicates(items: &[StoryItem]) -> Vec<StoryItem> {
    let mut merged: Vec<StoryItem> = Vec::with_capacity(items.len());
    for item in items {
        let Some(seen) = merged.iter_mut().find(|s| s.story_id == item.story_id) else {
            merged.push(item.clone());
            continue;
        };
        for topic in &item.topics {
            if !seen.topics.contains(topic) {
                seen.topics.push(topic.clone());
            }
        }
        for word in &item.matched {
            if !seen.matched.contains(word) {
                seen.matched.push(word.clone());
            }
        }
        for copy in &item.also {
            if !seen.also.contains(copy) {
                seen.also.push(copy.clone());
            }
        }
    }
    merged
}

/// The message's topics, cleaned, distinct, in first-seen order: the stories' and then those
/// of the stories left out (`more`'s links), so a topic whose stories were all left out is
/// still named.
pub(crate) fn message_topics(stories: &[StoryItem], more: Option<&More>) -> Vec<String> {
    let mut seen = HashSet::new();
    let left_out = more
        .into_iter()
        .flat_map(|m| m.links.iter().map(|l| &l.topic));
    stories
        .iter()
        .flat_map(|s| s.topics.iter())
        .chain(left_out)
        .map(|t| one_line(t))
        .filter(|t| !t.is_empty() && seen.insert(t.clone()))
        .collect()
}

/// The stories under their first topic, topics in `topics` order, empty groups left out.
pub(crate) fn group_by_topic<'a>(
    stories: &'a [StoryItem],
    topics: &[String],
) -> Vec<(Option<String>, Vec<&'a StoryItem>)> {
    let first = |s: &StoryItem| s.topics.iter().map(|t| one_line(t)).find(|t| !t.is_empty());
    let mut groups: Vec<(Option<String>, Vec<&StoryItem>)> = topics
        .iter()
        .map(|topic| {
            let members = stories
                .iter()
                .filter(|s| first(s).as_ref() == Some(topic))
                .collect();
            (Some(topic.clone()), members)
        })
        .collect();
    groups.push((
        None,
        stories.iter().filter(|s| first(s).is_none()).collect(),
    ));
    groups.retain(|(_, members)| !members.is_empty());
    groups
}

/// The subject line: the one new story's title, or how many stories of which topics, or the
/// digest's name.
fn subject_line(email: &Email, items: &[StoryItem], topics: &[String]) -> String {
    let topics = topics.join(", ");
    let total = items.len() + left_out(email);
    let body = match (&email.kind, items) {
        (Kind::Immediate, [story]) if total == 1 && topics.is_empty() => title(story),
        (Kind::Immediate, [story]) if total == 1 => format!("{topics}: {}", title(story)),
        (kind, _) => summary_line(kind, total, &topics),
    };
    one_line_within(&format!("[newshound] {body}"), SUBJECT_MAX)
}

/// How many stories of which topics, or the digest's name and how many stories.
fn summary_line(kind: &Kind, total: usize, topics: &str) -> String {
    match kind {
        Kind::Digest { name } => format!("{}: {}", one_line(name), stories(total)),
        Kind::Immediate if topics.is_empty() => new_stories(total),
        Kind::Immediate => format!("{}: {topics}", new_stories(total)),
    }
}

// ---------------------------------------------------------------------------------------------
// Values shared by both parts

/// The story's title on one line, or "(untitled)".
pub(crate) fn title(story: &StoryItem) -> String {
    let title = one_line(&story.title);
    if title.is_empty() {
        "(untitled)".to_owned()
    } else {
        title
    }
}

/// `url` as a link target: its serialisation when it parses as an absolute `http`, `https` or
/// `file` URL, else `None` (the title is then shown without a link).
pub(crate) fn link(url: Option<&str>) -> Option<String> {
    let url = Url::parse(url?.trim()).ok()?;
    LINK_SCHEMES
        .contains(&url.scheme())
        .then(|| url.as_str().to_owned())
}

/// A language code fit for a `lang` attribute (letters, digits and hyphens), if it is one.
pub(crate) fn lang_tag(language: Option<&str>) -> Option<&str> {
    language.map(str::trim).filter(|l| {
        !l.is_empty() && l.len() <= 35 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// `at` in `tz` as `Tue 5 Sep 2023, 08:12 CEST`.
fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

fn published(story: &StoryItem, tz: Tz) -> String {
    story.published_at.map_or_else(
        || "publication time unknown".to_owned(),
        |at| local_time(at, tz),
    )
}

fn stories(n: usize) -> String {
    if n == 1 {
        "1 story".to_owned()
    } else {
        format!("{n} stories")
    }
}

fn new_stories(n: usize) -> String {
    if n == 1 {
        "1 new story".to_owned()
    } else {
        format!("{n} new stories")
    }
}

/// "and N more stories": how every message names the new stories it left out.
pub(crate) fn more_stories(n: usize) -> String {
    if n == 1 {
        "and 1 more story".to_owned()
    } else {
        format!("and {n} more stories")
    }
}

/// The cleaned, non-empty values of `items`, joined with `, `.
pub(crate) fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| one_line(i))
        .filter(|i| !i.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
