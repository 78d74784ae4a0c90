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
        out.push_str(&format!(
            "\n{}\n",
            topic.as_deref().unwrap_or("Other stories")
        ));
        if let Some(page) = stories.email.topic_page(topic.as_deref()) {
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
        let heading = anchor(&heading, stories.email.topic_page(topic.as_deref()));
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

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};
    use serde_json::Value;
    use url::Url;

    use super::*;
    use crate::config::NtfyOptions;
    use crate::notify::channels::view::testing::{body_json, keys, rendered, test_notice};
    use crate::notify::render::fixtures::*;
    use crate::store::FeedAlertKind;

    fn content(email: &Email) -> (Payload, Value) {
        rendered(email, &NtfyOptions::default(), render)
    }

    fn formatted(json: &Value) -> Html {
        Html::parse_fragment(json["formatted_body"].as_str().expect("a formatted body"))
    }

    fn select<'a>(html: &'a Html, selector: &str) -> Vec<scraper::ElementRef<'a>> {
        html.select(&Selector::parse(selector).unwrap()).collect()
    }

    /// An `m.notice` with a plain body and HTML read the same way as the email: topics as
    /// headings linked to their pages, each story once with its page linked; no mentions.
    #[test]
    fn matrix_alert_is_a_notice_with_plain_and_html_bodies() {
        let mut mail = alert(vec![seed_story(), summit_story(), arms_sale_story()]);
        mail.public_url = Some(Url::parse("https://news.example.org/").unwrap());
        let (payload, json) = content(&mail);
        assert_eq!(
            payload.subject,
            "[newshound] 3 new stories: Arms deals, Summit meetings"
        );
        let keys = keys(&json);
        assert_eq!(
            keys,
            ["body", "format", "formatted_body", "m.mentions", "msgtype"]
        );
        assert_eq!(json["msgtype"], "m.notice");
        assert_eq!(json["format"], "org.matrix.custom.html");
        assert_eq!(json["m.mentions"], serde_json::json!({}));
        let body = json["body"].as_str().unwrap();
        assert!(
            body.starts_with(
                "3 new stories: Arms deals, Summit meetings\n\nArms deals\n\
             https://news.example.org/topics/Arms%20deals\n\
             - Kim Jong-un und Putin treffen sich zu Waffengesprächen · Rheinblick\n  \
             https://news.example.org/stories/1\n  \
             Matched: Waffengesprächen, Putin, treffen, Waffen, liefert\n  \
             …will noch"
            ),
            "{body}"
        );
        assert_eq!(body.matches("Kim Jong-un und Putin").count(), 1);
        let html = formatted(&json);
        let headings: Vec<String> = select(&html, "h4")
            .iter()
            .map(|h| h.text().collect())
            .collect();
        assert_eq!(headings, ["Arms deals", "Summit meetings"]);
        let links: Vec<&str> = select(&html, "a")
            .iter()
            .map(|a| a.value().attr("href").unwrap())
            .collect();
        assert_eq!(
            links,
            [
                "https://news.example.org/topics/Arms%20deals",
                "https://news.example.org/stories/1",
                "https://news.example.org/stories/2",
                "https://news.example.org/topics/Summit%20meetings",
                "https://news.example.org/stories/3",
            ]
        );
        assert_eq!(select(&html, "li").len(), 3);
        assert!(
            json["formatted_body"]
                .as_str()
                .unwrap()
                .contains("Wladimir <strong>Putin</strong> über")
        );
    }

    /// 500 stories with long titles: the content stays within 60,000 bytes and the stories
    /// shown plus "and N more stories" are every new story.
    #[test]
    fn matrix_flood_stays_within_the_event_limit() {
        let (payload, json) = content(&flood(500, 40));
        assert!(payload.body.len() <= MAX_CONTENT, "{}", payload.body.len());
        assert!(
            payload.body.len() > MAX_CONTENT - 5_000,
            "filled: {}",
            payload.body.len()
        );
        let html = formatted(&json);
        let shown = select(&html, "h4 + ul > li").len();
        let more_line: String = select(&html, "p").last().unwrap().text().collect();
        let more: usize = more_line
            .strip_prefix("and ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{more_line}"));
        assert_eq!(shown + more, 540, "{more_line}");
        assert!(
            json["body"]
                .as_str()
                .unwrap()
                .contains(&format!("\nand {more} more stories:\n"))
        );
        let commands: Vec<String> = select(&html, "p + ul code")
            .iter()
            .map(|c| c.text().collect())
            .collect();
        assert_eq!(commands[2], "newshound hits --topic \"Energy & <grid>\"");
    }

    /// Hostile values stay text: no element but ours, every link http(s), no control
    /// characters in the plain body; the `file:` copy is not linked.
    #[test]
    fn matrix_hostile_story_is_escaped_and_not_linked() {
        let mail = alert(vec![hostile_story(), eu_summit_story()]);
        let (_, json) = content(&mail);
        let html = formatted(&json);
        for tag in ["script", "img", "b"] {
            assert!(
                select(&html, tag).is_empty(),
                "<{tag}> in {}",
                json["formatted_body"]
            );
        }
        assert!(select(&html, "a").is_empty(), "{}", json["formatted_body"]);
        let text: String = html.root_element().text().collect();
        assert!(text.contains("<script>alert(1)</script> [click me](javascript:alert(1)) <!here>"));
        assert!(text.contains("file:///home/analyst/newshound/config/demo/articles/"));
        let body = json["body"].as_str().unwrap();
        assert!(
            !body.contains(['\r', '\u{1b}', '\u{7}', '\u{202e}']),
            "{body:?}"
        );
        assert!(!body.contains("javascript:alert(1)\n"), "{body}");
        assert_eq!(json["m.mentions"], serde_json::json!({}));
    }

    /// A feed report lists its facts; a test message says where it came from.
    #[test]
    fn matrix_feed_reports_and_tests_are_notices() {
        let payload = render(&Notice::Feed(&feed_alert(FeedAlertKind::Recovered)));
        let name = "Harbour <Ledger> [x](https://phish.example/) <!channel> Bcc: x";
        assert_eq!(
            payload.subject,
            format!("[newshound] Feed recovered: {name}")
        );
        let json = body_json(&payload);
        assert_eq!(json["msgtype"], "m.notice");
        assert!(json["body"].as_str().unwrap().starts_with(&format!(
            "Feed recovered: {name}\n\nThis feed, reported broken before, works again.\n"
        )));
        let html = formatted(&json);
        assert!(select(&html, "a").is_empty());
        assert_eq!(select(&html, "li").len(), 4);

        let test = body_json(&render(&test_notice()));
        assert!(
            test["body"]
                .as_str()
                .unwrap()
                .contains("(/etc/newshound/config.toml)")
        );
    }
}
