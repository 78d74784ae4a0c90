//! The ntfy channel's message: one JSON publish per alert (never one per story, which floods a
//! phone), with a title counting the new stories, the top stories as a Markdown list grouped
//! by topic, "and N more stories" with where to read them, and a click URL. The message stays
//! within ntfy's [`MAX_MESSAGE`] bytes (beyond them ntfy turns it into an attachment) by
//! leaving the lowest-ranked stories out.
//!
//! Titles, sites and words come from feeds: every Markdown-significant character in them is
//! escaped with a backslash, so a title can add no link, image, emphasis or HTML.

use serde::Serialize;

use super::view::{self, Shown, Stories, Target};
use super::{Notice, Payload};
use crate::config::NtfyOptions;
use crate::notify::render::sanitize::{one_line, one_line_within};
use crate::notify::feed_health;
use crate::notify::render::{self, list};
use crate::notify::{Email, MoreLink, StoryItem};
use crate::store::{FeedAlert, FeedAlertKind};

/// Largest message, in bytes: ntfy's limit.
pub const MAX_MESSAGE: usize = 4096;

/// Longest title, in characters.
const MAX_TITLE: usize = 200;

/// Longest story title in the list, in characters.
const MAX_STORY_TITLE: usize = 160;

/// ntfy's "high" priority, for a broken feed.
const PRIORITY_HIGH: u8 = 4;

/// Renders `notice` as the body the ntfy receiver takes, for `topic`.
pub fn render(notice: &Notice<'_>, topic: &str) -> Payload {
    match *notice {
        Notice::Stories { email, ntfy } => stories(email, ntfy, topic),
        Notice::Feed(alert) => feed(alert, topic),
        Notice::Test { sent_at, origin } => Payload {
            subject: view::TEST_SUBJECT.to_owned(),
            body: view::json(&Publish {
                topic,
                title: view::TEST_TITLE.to_owned(),
                message: escape(&view::test_message(sent_at, origin)),
                markdown: true,
                click: None,
                priority: None,
                tags: &[],
            }),
        },
    }
}

/// The topic name of an ntfy topic URL (its last path segment).
pub fn topic_of(url: &url::Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_owned))
        .unwrap_or_default()
}

/// ntfy's JSON publish (docs.ntfy.sh/publish/#publish-as-json).
#[derive(Serialize)]
struct Publish<'a> {
    topic: &'a str,
    title: String,
    /// Markdown.
    message: String,
    markdown: bool,
    /// Opened when the notification is tapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    click: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<u8>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
}

fn stories(email: &Email, options: &NtfyOptions, topic: &str) -> Payload {
    let stories = Stories::new(email);
    let title = one_line_within(&render::summary(email), MAX_TITLE);
    let body = stories.fit(
        usize::MAX,
        |shown| Publish {
            topic,
            title: title.clone(),
            message: message(&stories, shown),
            markdown: true,
            click: first_story(shown).and_then(|story| stories.story_link(story)),
            priority: options.priority,
            tags: &options.tags,
        },
        |publish| publish.message.len() <= MAX_MESSAGE,
    );
    Payload {
        subject: render::subject(email),
        body: view::json(&body),
    }
}

fn first_story<'a>(shown: &Shown<'a>) -> Option<&'a StoryItem> {
    shown
        .groups
        .first()
        .and_then(|(_, members)| members.first().copied())
}

/// The Markdown list: a bold heading per topic, a line per story, then the "more" line.
fn message(stories: &Stories<'_>, shown: &Shown<'_>) -> String {
    let mut blocks = Vec::new();
    for (topic, members) in &shown.groups {
        let heading = topic.as_deref().unwrap_or("Other stories");
        let heading = match stories.topic_page(topic.as_deref()) {
            Some(page) => format!("**[{}]({})**", escape(heading), destination(&page)),
            None => format!("**{}**", escape(heading)),
        };
        let lines: Vec<String> = members
            .iter()
            .map(|story| story_line(stories, story))
            .collect();
        blocks.push(format!("{heading}\n{}", lines.join("\n")));
    }
    if let Some(more) = &shown.more {
        blocks.push(more_line(more.count, more.links));
    }
    if blocks.is_empty() {
        blocks.push(view::NOTHING_MATCHED.to_owned());
    }
    blocks.join("\n\n")
}

/// `- [Title](link) · Site · matched words`.
fn story_line(stories: &Stories<'_>, story: &StoryItem) -> String {
    let title = escape(&one_line_within(&render::title(story), MAX_STORY_TITLE));
    let mut parts = vec![match stories.story_link(story) {
        Some(url) => format!("[{title}]({})", destination(&url)),
        None => title,
    }];
    if let Some(address) = stories.plain_address(story) {
        parts.push(code(&address));
    }
    let site = one_line_within(&story.source, 80);
    if !site.is_empty() {
        parts.push(escape(&site));
    }
    let matched = one_line_within(&list(&story.matched), 120);
    if !matched.is_empty() {
        parts.push(format!("_{}_", escape(&matched)));
    }
    format!("- {}", parts.join(" · "))
}

/// "and N more stories: [Topic](page), Topic: `newshound hits --topic "Topic"`".
fn more_line(count: usize, links: &[MoreLink]) -> String {
    let line = render::more_stories(count);
    let links: Vec<String> = links
        .iter()
        .map(|link| {
            let topic = escape(&one_line(&link.topic));
            match view::target(link) {
                Target::Url(url) => format!("[{topic}]({})", destination(&url)),
                Target::Command(command) => format!("{topic}: {}", code(&command)),
            }
        })
        .collect();
    if links.is_empty() {
        format!("{line}.")
    } else {
        format!("{line}: {}", links.join(", "))
    }
}

fn feed(alert: &FeedAlert, topic: &str) -> Payload {
    let mut message = escape(feed_health::lead(alert.kind));
    message.push('\n');
    for (label, value) in feed_health::facts(alert) {
        message.push_str(&format!("\n**{}:** {}", escape(label), escape(&value)));
    }
    let priority = (alert.kind == FeedAlertKind::Broken).then_some(PRIORITY_HIGH);
    Payload {
        subject: feed_health::render(alert).subject,
        body: view::json(&Publish {
            topic,
            title: view::feed_title(alert),
            message: view::within_bytes(&message, MAX_MESSAGE),
            markdown: true,
            click: None,
            priority,
            tags: &[],
        }),
    }
}

/// `text` with every character that Markdown (CommonMark and its extensions) could read as
/// markup escaped by a backslash: no link, image, emphasis, code, HTML or table can come from it.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '<'
                | '>'
                | '#'
                | '+'
                | '!'
                | '|'
                | '~'
                | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A link's destination: `url` (an http(s) URL as `Url` writes it, without spaces or angle
/// brackets) with its parentheses percent-encoded, so it cannot end the link early.
fn destination(url: &str) -> String {
    url.replace('(', "%28").replace(')', "%29")
}

/// `text` as a code span, fenced by more backticks than it holds in a row.
fn code(text: &str) -> String {
    let longest = text
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}
