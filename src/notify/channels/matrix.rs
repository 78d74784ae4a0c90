//! The matrix channel's message: the content of an `m.room.message` event, an `m.notice` (so
//! bots do not answer it) with a plain `body` and an HTML `formatted_body` that read the same
//! way as the email: a summary line, the stories grouped by topic, "and N more stories". The
//! content stays within [`MAX_CONTENT`] bytes, leaving room in the homeserver's 64 KiB event
//! limit for the event's envelope (ids, signatures); the lowest-ranked stories go first.
//!
//! Values from feeds are cleaned on one line for the body and HTML-escaped for the formatted
//! body; only http(s) URLs become links. `m.mentions` is empty, so no title mentions anyone
//! (`@room` included).

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute, encode_text};
use serde::Serialize;

use super::view::{self, Shown, Stories, Target};
use super::{Notice, Payload};
use crate::notify::feed_health;
use crate::notify::render::sanitize::{one_line, one_line_within};
use crate::notify::render::{self, list};
use crate::notify::{Email, MoreLink, StoryItem};
use crate::store::FeedAlert;

/// Largest content, in bytes.
pub const MAX_CONTENT: usize = 60_000;

/// Longest story title, in characters.
const MAX_TITLE: usize = 300;

/// Longest snippet, in bytes.
const MAX_SNIPPET: usize = 600;

/// Renders `notice` as the body the matrix receiver takes.
pub fn render(notice: &Notice<'_>) -> Payload {
    match *notice {
        Notice::Stories { email, .. } => stories(email),
        Notice::Feed(alert) => feed(alert),
        Notice::Test { sent_at, origin } => {
            let message = view::test_message(sent_at, origin);
            Payload {
                subject: view::TEST_SUBJECT.to_owned(),
                body: view::json(&Content::new(
                    message.clone(),
                    format!("<p>{}</p>", esc(&message)),
                )),
            }
        }
    }
}

/// An `m.room.message` event's content.
#[derive(Serialize)]
struct Content {
    msgtype: &'static str,
    body: String,
    format: &'static str,
    formatted_body: String,
    /// Empty: the message mentions no one, whatever its text says.
    #[serde(rename = "m.mentions")]
    mentions: Mentions,
}

#[derive(Serialize)]
struct Mentions {}

impl Content {
    fn new(body: String, formatted_body: String) -> Content {
        Content {
            msgtype: "m.notice",
            body,
            format: "org.matrix.custom.html",
            formatted_body,
            mentions: Mentions {},
        }
    }
}

fn stories(email: &Email) -> Payload {
    let stories = Stories::new(email);
    let summary = one_line_within(&render::summary(email), 300);
    let body = stories.fit(
        usize::MAX,
        |shown| {
            view::json(&Content::new(
                plain(&stories, &summary, shown),
                html(&stories, &summary, shown),
            ))
        },
        |body| body.len() <= MAX_CONTENT,
    );
    Payload {
        subject: render::subject(email),
        body,
    }
}

/// The plain body: the summary, each topic with its stories, then the "more" part.
fn plain(stories: &Stories<'_>, summary: &str, shown: &Shown<'_>) -> String {
    let mut out = format!("{summary}\n");
    if shown.count == 0 && shown.more.is_none() {
        out.push_str(&format!("\n{}\n", view::NOTHING_MATCHED));
    }
    for (topic, members) in &shown.groups {
        out.push_str(&format!("\n{}\n", topic.as_deref().unwrap_or("Other stories")));
        if let Some(page) = stories.topic_page(topic.as_deref()) {
            out.push_str(&format!("{page}\n"));
        }
        for story in members {
            plain_story(&mut out, stories, story);
        }
    }
    if let Some(more) = &shown.more {
        let line = render::more_stories(more.count);
        if more.links.is_empty() {
            out.push_str(&format!("\n{line}.\n"));
        } else {
            out.push_str(&format!("\n{line}:\n"));
        }
        for link in more.links {
            let target = match view::target(link) {
                Target::Url(url) | Target::Command(url) => url,
            };
            out.push_str(&format!("- {}: {target}\n", one_line(&link.topic)));
        }
    }
    out
}

fn plain_story(out: &mut String, stories: &Stories<'_>, story: &StoryItem) {
    let title = one_line_within(&render::title(story), MAX_TITLE);
    let site = one_line_within(&story.source, 100);
    if site.is_empty() {
        let _ = writeln!(out, "- {title}");
    } else {
        let _ = writeln!(out, "- {title} · {site}");
    }
    if let Some(url) = stories
        .story_link(story)
        .or_else(|| stories.plain_address(story))
    {
        let _ = writeln!(out, "  {url}");
    }
    let matched = one_line_within(&list(&story.matched), 200);
    if !matched.is_empty() {
        let _ = writeln!(out, "  Matched: {matched}");
    }
    let snippet = view::snippet_within(&story.snippet, MAX_SNIPPET, "*", "*", str::to_owned);
    if !snippet.is_empty() {
        let _ = writeln!(out, "  {snippet}");
    }
}

/// The formatted body: the same as [`plain`], in the HTML subset Matrix clients render.
fn html(stories: &Stories<'_>, summary: &str, shown: &Shown<'_>) -> String {
    let mut out = format!("<p><strong>{}</strong></p>", esc(summary));
    if shown.count == 0 && shown.more.is_none() {
        let _ = write!(out, "<p>{}</p>", esc(view::NOTHING_MATCHED));
    }
    for (topic, members) in &shown.groups {
        let heading = esc(topic.as_deref().unwrap_or("Other stories"));
        let heading = anchor(&heading, stories.topic_page(topic.as_deref()));
        let _ = write!(out, "<h4>{heading}</h4><ul>");
        for story in members {
            html_story(&mut out, stories, story);
        }
        out.push_str("</ul>");
    }
    if let Some(more) = &shown.more {
        html_more(&mut out, more.count, more.links);
    }
    out
}

fn html_story(out: &mut String, stories: &Stories<'_>, story: &StoryItem) {
    let title = esc(&one_line_within(&render::title(story), MAX_TITLE));
    let _ = write!(out, "<li>{}", anchor(&title, stories.story_link(story)));
    let site = one_line_within(&story.source, 100);
    if !site.is_empty() {
        let _ = write!(out, " · {}", esc(&site));
    }
    if let Some(address) = stories.plain_address(story) {
        let _ = write!(out, "<br><code>{}</code>", esc(&address));
    }
    let matched = one_line_within(&list(&story.matched), 200);
    if !matched.is_empty() {
        let _ = write!(out, "<br><em>Matched: {}</em>", esc(&matched));
    }
    let snippet = view::snippet_within(&story.snippet, MAX_SNIPPET, "<strong>", "</strong>", |s| {
        encode_text(s).into_owned()
    });
    if !snippet.is_empty() {
        let _ = write!(out, "<br>{snippet}");
    }
    out.push_str("</li>");
}

fn html_more(out: &mut String, count: usize, links: &[MoreLink]) {
    let line = esc(&render::more_stories(count));
    if links.is_empty() {
        let _ = write!(out, "<p>{line}.</p>");
        return;
    }
    let _ = write!(out, "<p>{line}:</p><ul>");
    for link in links {
        let topic = esc(&link.topic);
        match view::target(link) {
            Target::Url(url) => {
                let _ = write!(out, "<li>{}</li>", anchor(&topic, Some(url)));
            }
            Target::Command(command) => {
                let _ = write!(out, "<li>{topic}: <code>{}</code></li>", esc(&command));
            }
        }
    }
    out.push_str("</ul>");
}

fn feed(alert: &FeedAlert) -> Payload {
    let title = view::feed_title(alert);
    let lead = feed_health::lead(alert.kind);
    let facts = feed_health::facts(alert);
    let mut body = format!("{title}\n\n{lead}\n");
    let mut formatted = format!(
        "<p><strong>{}</strong></p><p>{}</p><ul>",
        esc(&title),
        esc(lead)
    );
    for (label, value) in &facts {
        let _ = writeln!(body, "{label}: {value}");
        let _ = write!(
            formatted,
            "<li><strong>{}:</strong> {}</li>",
            esc(label),
            esc(value)
        );
    }
    formatted.push_str("</ul>");
    Payload {
        subject: feed_health::render(alert).subject,
        body: view::json(&Content::new(body, formatted)),
    }
}

/// Text content, cleaned and escaped.
fn esc(text: &str) -> String {
    encode_text(&one_line(text)).into_owned()
}

/// `<a>` around `label` (escaped) when there is an http(s) `url`, else `label` alone.
fn anchor(label: &str, url: Option<String>) -> String {
    match url {
        Some(url) => format!(
            r#"<a href="{}">{label}</a>"#,
            encode_double_quoted_attribute(&url)
        ),
        None => label.to_owned(),
    }
}
