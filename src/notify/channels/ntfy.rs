//! The ntfy channel's message: one JSON publish per alert (never one per story, which floods a
//! phone), with a title counting the new stories, the top stories as a Markdown list grouped
//! by topic, "and N more stories" with where to read them, and a click URL. The message stays
//! within ntfy's [`MAX_MESSAGE`] bytes (beyond them ntfy turns it into an attachment) by
//! leaving the lowest-ranked stories out.
//!
//! Titles, sites and words come from feeds: every Markdown-significant character in them is
//! escaped with a backslash, so a title can add no link, image, emphasis or HTML.

use serde::Serialize;

use super::view::{self, MorePart, Shown, Stories, Target};
use super::{Notice, Payload};
use crate::config::NtfyOptions;
use crate::notify::feed_health;
use crate::notify::render::sanitize::one_line_within;
use crate::notify::render::{self, list};
use crate::notify::{Email, StoryItem};
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
            click: first_link(&stories, shown),
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

/// What a tap opens: the first story's link (its page, else its lead article), passing over
/// stories that have no http(s) link (the offline demo's).
fn first_link(stories: &Stories<'_>, shown: &Shown<'_>) -> Option<String> {
    shown
        .groups
        .iter()
        .flat_map(|(_, members)| members.iter())
        .find_map(|story| stories.story_link(story))
}

/// The Markdown list: a bold heading per topic, a line per story, then the "more" line.
fn message(stories: &Stories<'_>, shown: &Shown<'_>) -> String {
    let mut blocks = Vec::new();
    for (topic, members) in &shown.groups {
        let heading = topic.as_deref().unwrap_or("Other stories");
        let heading = match stories.email.topic_page(topic.as_deref()) {
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
        blocks.push(more_line(more));
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
fn more_line(more: &MorePart<'_>) -> String {
    view::more_line(more, |topic, target| match target {
        Target::Url(url) => format!("[{}]({})", escape(topic), destination(&url)),
        Target::Command(command) => format!("{}: {}", escape(topic), code(&command)),
    })
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
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if longest > 0 {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use url::Url;

    use super::*;

    use crate::notify::channels::view::testing::{body_json, keys, rendered, test_notice};
    use crate::notify::render::fixtures::*;

    fn publish(email: &Email, options: &NtfyOptions) -> (Payload, Value) {
        rendered(email, options, |notice| render(notice, "news"))
    }

    fn message_of(json: &Value) -> &str {
        json["message"].as_str().expect("a message")
    }

    /// Stories shown (one list item each) and the N of "and N more stories".
    fn shown_and_more(message: &str) -> (usize, usize) {
        let shown = message.lines().filter(|l| l.starts_with("- ")).count();
        let more = message
            .split("and ")
            .last()
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        (shown, more)
    }

    /// One notification for the alert: title counting the stories, a Markdown list grouped by
    /// topic with titles linked to the story pages, the first story's page to click, and the
    /// topics' priority and tags.
    #[test]
    fn ntfy_alert_is_one_notification_with_the_stories_as_markdown() {
        let mut mail = alert(vec![seed_story(), summit_story(), arms_sale_story()]);
        mail.public_url = Some(Url::parse("https://news.example.org/").unwrap());
        let options = NtfyOptions {
            priority: Some(4),
            tags: strings(&["rotating_light"]),
        };
        let (payload, json) = publish(&mail, &options);
        assert_eq!(
            payload.subject,
            "[newshound] 3 new stories: Arms deals, Summit meetings"
        );
        assert_eq!(
            json,
            serde_json::json!({
                "topic": "news",
                "title": "3 new stories: Arms deals, Summit meetings",
                "message": "**[Arms deals](https://news.example.org/topics/Arms%20deals)**\n\
                    - [Kim Jong-un und Putin treffen sich zu Waffengesprächen](https://news.example.org/stories/1) · Rheinblick · _Waffengesprächen, Putin, treffen, Waffen, liefert_\n\
                    - [Government clears £3.4bn arms sale of air-defence systems to Baltic ally](https://news.example.org/stories/2) · The Harbour Ledger · _arms, sale, missiles_\n\
                    \n\
                    **[Summit meetings](https://news.example.org/topics/Summit%20meetings)**\n\
                    - [Leaders agree climate fund at Port Alden summit after all-night talks](https://news.example.org/stories/3) · The Harbour Ledger · _summit_",
                "markdown": true,
                "click": "https://news.example.org/stories/1",
                "priority": 4,
                "tags": ["rotating_light"]
            })
        );
    }

    /// Without `[web] public_url` the click URL is the lead article; a demo story's `file:`
    /// page is shown as code, not linked; no priority or tags unless configured.
    #[test]
    fn ntfy_without_public_url_clicks_the_lead_article_and_omits_unset_options() {
        let mail = alert(vec![eu_summit_story(), arms_sale_story()]);
        let (_, json) = publish(&mail, &NtfyOptions::default());
        let keys = keys(&json);
        assert_eq!(keys, ["click", "markdown", "message", "title", "topic"]);
        assert_eq!(
            json["click"], "https://harbour-ledger.example/world/2023/09/06/air-defence-sale",
            "the demo story's file: page is no click URL"
        );
        let message = message_of(&json);
        assert!(
            message.contains(
                "- EU-Gipfel ringt um Reformen vor der nächsten Erweiterung · \
             `file:///home/analyst/newshound/config/demo/articles/eu-gipfel-erweiterung.html` · \
             Rheinblick"
            ),
            "{message}"
        );
        assert!(!message.contains("](file:"), "{message}");
    }

    /// 500 stories with long titles: the message stays within 4,096 bytes, the title within
    /// 200 characters, and the stories shown plus N are every new story.
    #[test]
    fn ntfy_message_stays_within_4096_bytes_in_a_flood() {
        let (payload, json) = publish(&flood(500, 40), &NtfyOptions::default());
        let message = message_of(&json);
        assert!(message.len() <= MAX_MESSAGE, "{}", message.len());
        assert!(
            message.len() > MAX_MESSAGE - 1000,
            "filled: {}",
            message.len()
        );
        let (shown, more) = shown_and_more(message);
        assert!(shown > 0, "{message}");
        assert_eq!(shown + more, 540, "{message}");
        let title = json["title"].as_str().unwrap();
        assert!(title.starts_with("540 new stories: Arms deals"), "{title}");
        assert!(title.chars().count() <= MAX_TITLE);
        assert!(
            message
                .ends_with("Energy \\& \\<grid\\>: `newshound hits --topic \"Energy & <grid>\"`"),
            "{message}"
        );
        assert!(payload.body.len() < 2 * MAX_MESSAGE);
    }

    /// A title cannot add a link, HTML, emphasis or a mention-like markup: every
    /// Markdown-significant character is escaped, the `javascript:` URL links nothing and is
    /// no click URL.
    #[test]
    fn ntfy_hostile_title_cannot_inject_markdown() {
        let mail = alert(vec![hostile_story()]);
        let (_, json) = publish(&mail, &NtfyOptions::default());
        assert!(json.get("click").is_none(), "{json}");
        let message = message_of(&json);
        assert!(
            message.contains(
                r"\<script\>alert\(1\)\</script\> \[click me\]\(javascript:alert\(1\)\) \<\!here\>"
            ),
            "{message}"
        );
        assert!(
            message.contains(r"Evil \<b\>Site\</b\> \[x\]\(https://phish.example/\)"),
            "{message}"
        );
        let story = message.lines().find(|l| l.starts_with("- ")).unwrap();
        for (at, _) in story.match_indices(['[', ']', '(', ')', '<', '>', '*', '`', '!', '&']) {
            assert!(story[..at].ends_with('\\'), "unescaped at {at}: {story}");
        }
        assert!(
            !message.contains(['\r', '\u{1b}', '\u{7}', '\u{202e}']),
            "{message:?}"
        );
    }

    /// Feed reports: a short title, the facts, high priority for a broken feed only; the test
    /// message says where it came from.
    #[test]
    fn ntfy_feed_reports_and_tests_are_short_notifications() {
        let broken = FeedAlert {
            last_error: Some("x".repeat(5000)),
            ..feed_alert(FeedAlertKind::Broken)
        };
        let payload = render(&Notice::Feed(&broken), "admin");
        let json = body_json(&payload);
        let name = "Harbour <Ledger> [x](https://phish.example/) <!channel> Bcc: x";
        assert_eq!(json["title"], format!("Feed broken: {name}"));
        assert_eq!(json["priority"], 4);
        let message = message_of(&json);
        assert!(
            message.contains(
                r"**Feed:** Harbour \<Ledger\> \[x\]\(https://phish.example/\) \<\!channel\> Bcc: x"
            ),
            "{message}"
        );
        assert!(message.contains("**Failed polls:** 7"), "{message}");
        assert!(message.len() <= MAX_MESSAGE);
        let recovered = body_json(&render(
            &Notice::Feed(&feed_alert(FeedAlertKind::Recovered)),
            "admin",
        ));
        assert!(recovered.get("priority").is_none(), "{recovered}");
        assert_eq!(recovered["topic"], "admin");

        let test = body_json(&render(&test_notice(), "news"));
        assert_eq!(test["title"], "newshound test message");
        assert!(
            message_of(&test).contains("/etc/newshound/config.toml"),
            "{test}"
        );
    }

    /// The topic of a topic URL is its last path segment.
    #[test]
    fn topic_is_the_last_segment_of_the_url() {
        let url = Url::parse("https://ntfy.example/news-desk").unwrap();
        assert_eq!(topic_of(&url), "news-desk");
    }
}
