//! The slack channel's message: the incoming-webhook format that Slack, Mattermost and
//! Rocket.Chat share, one message per alert. Its `text` is the one-line summary (what a
//! notification shows) with "and N more stories"; each story is an attachment with its title
//! linked, its site, matched words and snippet, and its topics in the footer, in the email's
//! order of topics. Within the limits of all three: at most [`MAX_ATTACHMENTS`] attachments,
//! each text at most [`MAX_TEXT`] characters, the whole body at most [`MAX_BODY`] bytes
//! (Mattermost's post limit); the lowest-ranked stories go first.
//!
//! Values from feeds are escaped for Slack's mrkdwn (`&`, `<`, `>`, so no `<!here>` and no
//! `<url|link>` comes from a title) and for the Markdown of Mattermost and Rocket.Chat (no
//! `[text](url)` link, no `@channel` mention).

use serde::Serialize;

use super::view::{self, Shown, Stories, Target};
use super::{Notice, Payload};
use crate::notify::feed_health;
use crate::notify::render::sanitize::{one_line, one_line_within};
use crate::notify::render::{self, list};
use crate::notify::{Email, MoreLink, StoryItem};
use crate::store::{FeedAlert, FeedAlertKind};

/// Most attachments in one message: Slack's recommended maximum.
pub const MAX_ATTACHMENTS: usize = 20;

/// Longest text of an attachment, in characters: Slack's limit of a text field.
pub const MAX_TEXT: usize = 3000;

/// Largest body, in bytes: under Mattermost's post limit, the smallest of the three.
pub const MAX_BODY: usize = 16_000;

/// Longest story title, in characters.
const MAX_TITLE: usize = 250;

/// Longest snippet, in bytes.
const MAX_SNIPPET: usize = 600;

/// The bar beside a story (the emails' link colour).
const STORY_COLOR: &str = "#0b57d0";

/// The bar beside a broken feed's report.
const BROKEN_COLOR: &str = "#d1242f";

/// The bar beside a recovered feed's report.
const RECOVERED_COLOR: &str = "#1a7f37";

/// Renders `notice` as the body the slack receiver takes.
pub fn render(notice: &Notice<'_>) -> Payload {
    match *notice {
        Notice::Stories { email, .. } => stories(email),
        Notice::Feed(alert) => feed(alert),
        Notice::Test { sent_at, origin } => Payload {
            subject: view::TEST_SUBJECT.to_owned(),
            body: view::json(&Message {
                text: escape(&view::test_message(sent_at, origin)),
                attachments: vec![],
            }),
        },
    }
}

/// An incoming webhook's message.
#[derive(Serialize)]
struct Message {
    text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
}

/// A legacy attachment: the one rich format all three chats render.
#[derive(Serialize)]
struct Attachment {
    /// Plain text for notifications and clients that cannot show attachments.
    fallback: String,
    title: String,
    /// Only an http(s) URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    title_link: Option<String>,
    text: String,
    footer: String,
    color: &'static str,
    /// Slack formats an attachment's text only when asked.
    mrkdwn_in: [&'static str; 1],
}

fn stories(email: &Email) -> Payload {
    let stories = Stories::new(email);
    let summary = escape(&one_line_within(&render::summary(email), 300));
    let body = stories.fit(
        MAX_ATTACHMENTS,
        |shown| {
            view::json(&Message {
                text: text(&summary, shown),
                attachments: attachments(&stories, shown),
            })
        },
        |body| body.len() <= MAX_BODY,
    );
    Payload {
        subject: render::subject(email),
        body,
    }
}

/// The summary, then "and N more stories" with where to read them, or that nothing matched.
fn text(summary: &str, shown: &Shown<'_>) -> String {
    match &shown.more {
        Some(more) => format!("{summary} · {}", more_part(more.count, more.links)),
        None if shown.count == 0 => format!("{summary} · {}", view::NOTHING_MATCHED),
        None => summary.to_owned(),
    }
}

fn more_part(count: usize, links: &[MoreLink]) -> String {
    let line = render::more_stories(count);
    let links: Vec<String> = links
        .iter()
        .map(|link| {
            let topic = escape(&one_line(&link.topic));
            match view::target(link) {
                Target::Url(url) => format!("<{}|{topic}>", entities(&url).replace('|', "%7C")),
                Target::Command(command) => format!("{topic}: `{}`", entities(&command)),
            }
        })
        .collect();
    if links.is_empty() {
        format!("{line}.")
    } else {
        format!("{line}: {}", links.join(", "))
    }
}

fn attachments(stories: &Stories<'_>, shown: &Shown<'_>) -> Vec<Attachment> {
    shown
        .groups
        .iter()
        .flat_map(|(_, members)| members.iter())
        .map(|story| attachment(stories, story))
        .collect()
}

/// One story: title linked, then site · matched words, the snippet, and its topics.
fn attachment(stories: &Stories<'_>, story: &StoryItem) -> Attachment {
    let title = one_line_within(&render::title(story), MAX_TITLE);
    let site = one_line_within(&story.source, 100);
    let mut byline = Vec::new();
    if !site.is_empty() {
        byline.push(escape(&site));
    }
    let matched = one_line_within(&list(&story.matched), 200);
    if !matched.is_empty() {
        byline.push(format!("Matched: {}", escape(&matched)));
    }
    if let Some(address) = stories.plain_address(story) {
        byline.push(format!("`{}`", entities(&address)));
    }
    let snippet = view::snippet_within(&story.snippet, MAX_SNIPPET, "*", "*", escape);
    let text = [byline.join(" · "), snippet]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let fallback = if site.is_empty() {
        title.clone()
    } else {
        format!("{title} · {site}")
    };
    Attachment {
        fallback: escape(&fallback),
        title: escape(&title),
        title_link: stories.story_link(story),
        text: cut_escaped(&text, MAX_TEXT),
        footer: escape(&one_line_within(&list(&story.topics), 300)),
        color: STORY_COLOR,
        mrkdwn_in: ["text"],
    }
}

fn feed(alert: &FeedAlert) -> Payload {
    let title = view::feed_title(alert);
    let mut text = escape(feed_health::lead(alert.kind));
    for (label, value) in feed_health::facts(alert) {
        text.push_str(&format!("\n*{}:* {}", escape(label), escape(&value)));
    }
    let color = match alert.kind {
        FeedAlertKind::Broken => BROKEN_COLOR,
        FeedAlertKind::Recovered => RECOVERED_COLOR,
    };
    let attachment = Attachment {
        fallback: escape(&title),
        title: escape(&title),
        title_link: view::web_link(Some(&alert.url)),
        text: cut_escaped(&text, MAX_TEXT),
        footer: "newshound feed health".to_owned(),
        color,
        mrkdwn_in: ["text"],
    };
    Payload {
        subject: feed_health::render(alert).subject,
        body: view::json(&Message {
            text: escape(&title),
            attachments: vec![attachment],
        }),
    }
}

/// `text` (cleaned) escaped for all three chats: `&`, `<` and `>` as Slack's entities; `](`
/// split so that Markdown sees no inline link; a word joiner after `@` before a letter, so
/// that no `@channel`, `@here` or `@all` mentions anyone.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            ']' if chars.peek() == Some(&'(') => out.push_str("] "),
            '@' if chars.peek().is_some_and(|next| next.is_alphanumeric()) => {
                out.push_str("@\u{2060}")
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` with only `&`, `<` and `>` escaped: for a URL or command line (operator's), which a
/// word joiner would break.
fn entities(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escaped `text` cut to at most `max` characters without splitting an entity (`&amp;`), ending
/// in `…` when cut.
fn cut_escaped(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(max.saturating_sub(1)).collect();
    if let Some(open) = kept.rfind('&') {
        if !kept[open..].contains(';') {
            kept.truncate(open);
        }
    }
    kept.push('…');
    kept
}
