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

use super::view::{self, MorePart, Shown, Stories, Target};
use super::{Notice, Payload};
use crate::notify::feed_health;
use crate::notify::render::sanitize::one_line_within;
use crate::notify::render::{self, list};
use crate::notify::{Email, StoryItem};
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
        Some(more) => format!("{summary} · {}", more_part(more)),
        None if shown.count == 0 => format!("{summary} · {}", view::NOTHING_MATCHED),
        None => summary.to_owned(),
    }
}

/// "and N more stories: <page|Topic>, Topic: `newshound hits --topic "Topic"`".
fn more_part(more: &MorePart<'_>) -> String {
    view::more_line(more, |topic, target| match target {
        Target::Url(url) => format!("<{}|{}>", entities(&url).replace('|', "%7C"), escape(topic)),
        Target::Command(command) => format!("{}: `{}`", escape(topic), entities(&command)),
    })
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::config::NtfyOptions;
    use crate::notify::channels::view::testing::{body_json, rendered, test_notice};
    use crate::notify::render::fixtures::*;

    fn post(email: &Email) -> (Payload, Value) {
        rendered(email, &NtfyOptions::default(), render)
    }

    fn attachments_of(json: &Value) -> &Vec<Value> {
        json["attachments"].as_array().expect("attachments")
    }

    /// One message per alert: the summary as text, one attachment per story (each once) with
    /// its title linked, site, matched words and snippet, and its topics in the footer.
    #[test]
    fn slack_alert_is_one_message_with_an_attachment_per_story() {
        let mail = alert(vec![seed_story(), summit_story(), arms_sale_story()]);
        let (payload, json) = post(&mail);
        assert_eq!(
            payload.subject,
            "[newshound] 3 new stories: Arms deals, Summit meetings"
        );
        assert_eq!(json["text"], "3 new stories: Arms deals, Summit meetings");
        let attachments = attachments_of(&json);
        let titles: Vec<&str> = attachments
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Kim Jong-un und Putin treffen sich zu Waffengesprächen",
                "Government clears £3.4bn arms sale of air-defence systems to Baltic ally",
                "Leaders agree climate fund at Port Alden summit after all-night talks",
            ],
            "grouped by first topic as in the email"
        );
        assert_eq!(
            attachments[0],
            serde_json::json!({
                "fallback": "Kim Jong-un und Putin treffen sich zu Waffengesprächen · Rheinblick",
                "title": "Kim Jong-un und Putin treffen sich zu Waffengesprächen",
                "title_link": "https://www.rheinblick.example/politik/kim-jong-un-und-putin-treffen-sich-zu-waffengespraechen",
                "text": "Rheinblick · Matched: Waffengesprächen, Putin, treffen, Waffen, liefert\n\
                    …will noch in diesem Monat nach Russland reisen, um mit dem russischen \
                    Präsidenten Wladimir *Putin* über die Möglichkeit zu sprechen, dass Pjöngjang \
                    Moskau mehr *Waffen* für den Krieg in der Ukraine *liefert*, berichteten die \
                    US-Zeitungen „New York Times“ und „Washington Post“ am Montag…",
                "footer": "Arms deals, Summit meetings",
                "color": "#0b57d0",
                "mrkdwn_in": ["text"]
            })
        );
    }

    /// A demo story's `file:` page is no title link; it is shown as code.
    #[test]
    fn slack_links_only_web_urls() {
        let mail = alert(vec![eu_summit_story()]);
        let (_, json) = post(&mail);
        let attachment = &attachments_of(&json)[0];
        assert!(attachment.get("title_link").is_none(), "{attachment}");
        assert!(attachment["text"].as_str().unwrap().contains(
            "`file:///home/analyst/newshound/config/demo/articles/eu-gipfel-erweiterung.html`"
        ));
    }

    /// 500 stories with long titles: at most 20 attachments, each text within 3,000
    /// characters, the body within 16,000 bytes, and "and N more stories" counts the rest.
    #[test]
    fn slack_flood_stays_within_the_limits_of_all_three_chats() {
        let (payload, json) = post(&flood(500, 40));
        assert!(payload.body.len() <= MAX_BODY, "{}", payload.body.len());
        let attachments = attachments_of(&json);
        assert!(!attachments.is_empty() && attachments.len() <= MAX_ATTACHMENTS);
        for attachment in attachments {
            assert!(attachment["text"].as_str().unwrap().chars().count() <= MAX_TEXT);
        }
        let text = json["text"].as_str().unwrap();
        assert!(text.starts_with("540 new stories: "), "{text}");
        let more: usize = text
            .split(" · and ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no more part: {text}"));
        assert_eq!(attachments.len() + more, 540, "{text}");
        assert!(
            text.ends_with(
                "Energy &amp; &lt;grid&gt;: `newshound hits --topic \"Energy &amp; &lt;grid&gt;\"`"
            ),
            "{text}"
        );
    }

    /// Short stories beyond the 20 attachments are counted in "and N more stories".
    #[test]
    fn slack_counts_stories_beyond_twenty_attachments() {
        let stories = (0..25)
            .map(|i| StoryItem {
                story_id: i,
                ..arms_sale_story()
            })
            .collect();
        let mail = alert(stories);
        let (payload, json) = post(&mail);
        assert!(payload.body.len() <= MAX_BODY);
        assert_eq!(attachments_of(&json).len(), MAX_ATTACHMENTS);
        assert_eq!(
            json["text"],
            "25 new stories: Arms deals · and 5 more stories: Arms deals: \
             `newshound hits --topic \"Arms deals\"`"
        );
    }

    /// An attachment's text is cut within 3,000 characters without splitting an entity.
    #[test]
    fn slack_attachment_text_is_cut_between_entities() {
        let mut story = arms_sale_story();
        story.matched = vec!["&".repeat(190)];
        story.snippet.text = "<&>".repeat(200);
        story.snippet.marks = vec![];
        let mail = alert(vec![story]);
        let (_, json) = post(&mail);
        let text = attachments_of(&json)[0]["text"].as_str().unwrap();
        assert!(text.chars().count() <= MAX_TEXT, "{}", text.chars().count());
        assert!(text.ends_with(";…"), "{text}");
    }

    /// Nothing in a title becomes Slack markup (`<!here>`, `<url|text>`), a Markdown link
    /// (Mattermost, Rocket.Chat) or a mention; the `javascript:` URL links nothing.
    #[test]
    fn slack_hostile_title_is_escaped() {
        let mail = alert(vec![hostile_story()]);
        let (payload, json) = post(&mail);
        let body = String::from_utf8(payload.body).unwrap();
        assert!(
            !body.contains("<!here>") && !body.contains("<script"),
            "{body}"
        );
        assert!(!body.contains("javascript:alert(1)\""), "{body}");
        let attachment = &attachments_of(&json)[0];
        assert!(attachment.get("title_link").is_none());
        let title = attachment["title"].as_str().unwrap();
        assert!(title.starts_with(
            "&lt;script&gt;alert(1)&lt;/script&gt; [click me] (javascript:alert(1)) &lt;!here&gt; \
             @\u{2060}channel @\u{2060}room Bcc: x@\u{2060}example.com [2J"
        ), "{title}");
        for field in ["fallback", "title", "text", "footer"] {
            let value = attachment[field].as_str().unwrap();
            assert!(
                !value.contains(['<', '>', '\r', '\u{1b}', '\u{7}']),
                "{field}: {value:?}"
            );
            assert!(!value.contains("]("), "{field}: {value}");
        }
        assert_eq!(attachment["footer"], "Arms &lt;deals&gt;");
    }

    /// A broken feed's report is one attachment with its facts; a test message is text only.
    #[test]
    fn slack_feed_reports_and_tests_are_short_messages() {
        let payload = render(&Notice::Feed(&feed_alert(FeedAlertKind::Broken)));
        let json = body_json(&payload);
        assert_eq!(
            json["text"],
            "Feed broken: Harbour &lt;Ledger&gt; [x] (https://phish.example/) &lt;!channel&gt; Bcc: x"
        );
        let attachment = &attachments_of(&json)[0];
        assert_eq!(attachment["color"], "#d1242f");
        assert_eq!(attachment["title_link"], "https://x.example/f?a=1");
        assert!(
            attachment["text"]
                .as_str()
                .unwrap()
                .contains("\n*Failed polls:* 7")
        );

        let test = body_json(&render(&test_notice()));
        assert!(test.get("attachments").is_none());
        assert!(
            test["text"]
                .as_str()
                .unwrap()
                .contains("(/etc/newshound/config.toml)")
        );
    }
}
