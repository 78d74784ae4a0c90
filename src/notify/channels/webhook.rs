//! The webhook channel's message: a Standard Webhooks payload, `{"type", "timestamp", "data"}`,
//! whose `data` a script can read without knowing newshound's other outputs: an alert's or
//! digest's stories carry the field names of `hits --json` (plus their topics and page),
//! grouped by topic as in the email, and "more" says how many were left out and where they are.
//! The body stays within [`MAX_BODY`] bytes by leaving the lowest-ranked stories out.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::view::{self, Shown, Stories, Target};
use super::{Notice, Payload};
use crate::notify::render::sanitize::{one_line, one_line_within};
use crate::notify::render::{self, lang_tag, link};
use crate::notify::{Email, Kind, StoryItem};
use crate::store::FeedAlert;

/// Largest body: receivers commonly refuse more, and no script needs more at once.
pub const MAX_BODY: usize = 256 * 1024;

/// Longest title of a story, in characters.
const MAX_TITLE: usize = 1000;

/// Longest snippet, in bytes.
const MAX_SNIPPET: usize = 2000;

/// Renders `notice` as the body the webhook receiver takes.
pub fn render(notice: &Notice<'_>) -> Payload {
    let kind = notice.type_name();
    match *notice {
        Notice::Stories { email, .. } => stories(kind, email),
        Notice::Feed(alert) => feed(kind, alert),
        Notice::Test { sent_at, origin } => Payload {
            subject: view::TEST_SUBJECT.to_owned(),
            body: view::json(&Envelope {
                kind,
                timestamp: view::rfc3339(sent_at),
                data: TestData {
                    message: view::test_message(sent_at, origin),
                    origin: one_line_within(origin, 500),
                },
            }),
        },
    }
}

/// The Standard Webhooks payload.
#[derive(Serialize)]
struct Envelope<D> {
    /// `alert`, `digest`, `feed_broken`, `feed_recovered` or `test`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// When the event happened (the message was made, the feed last polled).
    timestamp: String,
    data: D,
}

/// An alert's or digest's `data`.
#[derive(Serialize)]
struct StoriesData<'a> {
    /// The email's subject line.
    title: &'a str,
    /// The digest's name; absent for alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<String>,
    /// Stories in `topics`.
    story_count: usize,
    /// The new stories left out, or `null`.
    more: Option<MoreData>,
    topics: Vec<TopicData>,
}

#[derive(Serialize)]
struct MoreData {
    count: usize,
    links: Vec<LinkData>,
}

/// Where to read one topic's hits: its page, or the command line that lists them.
#[derive(Serialize)]
#[serde(untagged)]
enum LinkData {
    Url { topic: String, url: String },
    Command { topic: String, command: String },
}

#[derive(Serialize)]
struct TopicData {
    /// `null` for the stories without a topic.
    topic: Option<String>,
    /// The topic's page with `[web] public_url`.
    page: Option<String>,
    stories: Vec<StoryData>,
}

/// One story: the fields of `hits --json` (`JsonHit`), then its topics and page.
#[derive(Serialize)]
struct StoryData {
    /// The topic it is listed under (its first).
    topic: Option<String>,
    title: Option<String>,
    url: Option<String>,
    /// The lead article's site or feed name.
    feed: String,
    language: Option<String>,
    score: u32,
    matched: Vec<String>,
    /// Matched words between `**`.
    snippet: String,
    published_at: Option<String>,
    /// When its first hit in this message was found.
    created_at: String,
    article_id: i64,
    story_id: i64,
    /// The lead's URL first, then the copies'.
    sources: Vec<String>,
    backfill: bool,
    topics: Vec<String>,
    page: Option<String>,
}

/// A feed report's `data`: the facts of the email, as values.
#[derive(Serialize)]
struct FeedData {
    title: String,
    name: String,
    url: String,
    failing_since: Option<String>,
    failed_polls: u32,
    last_polled_at: Option<String>,
    last_error: Option<String>,
    broken_reported_at: Option<String>,
}

#[derive(Serialize)]
struct TestData {
    message: String,
    origin: String,
}

fn stories(kind: &'static str, email: &Email) -> Payload {
    let subject = render::subject(email);
    let stories = Stories::new(email);
    let digest = match &email.kind {
        Kind::Digest { name } => Some(one_line(name)),
        Kind::Immediate => None,
    };
    let body = stories.fit(
        usize::MAX,
        |shown| {
            view::json(&Envelope {
                kind,
                timestamp: view::rfc3339(email.generated_at),
                data: StoriesData {
                    title: &subject,
                    digest: digest.clone(),
                    story_count: shown.count,
                    more: more(shown),
                    topics: topics(&stories, shown),
                },
            })
        },
        |body| body.len() <= MAX_BODY,
    );
    Payload { subject, body }
}

fn more(shown: &Shown<'_>) -> Option<MoreData> {
    let more = shown.more.as_ref()?;
    let links = more
        .links
        .iter()
        .map(|link| {
            let topic = one_line(&link.topic);
            match view::target(link) {
                Target::Url(url) => LinkData::Url { topic, url },
                Target::Command(command) => LinkData::Command { topic, command },
            }
        })
        .collect();
    Some(MoreData {
        count: more.count,
        links,
    })
}

fn topics(stories: &Stories<'_>, shown: &Shown<'_>) -> Vec<TopicData> {
    shown
        .groups
        .iter()
        .map(|(topic, members)| TopicData {
            topic: topic.clone(),
            page: stories.email.topic_page(topic.as_deref()),
            stories: members
                .iter()
                .map(|story| story_data(stories, topic, story))
                .collect(),
        })
        .collect()
}

fn story_data(stories: &Stories<'_>, topic: &Option<String>, story: &StoryItem) -> StoryData {
    let title = one_line_within(&story.title, MAX_TITLE);
    let url = link(story.url.as_deref());
    let copies = story.also.iter().filter_map(|copy| link(Some(&copy.url)));
    StoryData {
        topic: topic.clone(),
        title: (!title.is_empty()).then_some(title),
        url: url.clone(),
        feed: one_line_within(&story.source, 200),
        language: lang_tag(story.language.as_deref()).map(str::to_owned),
        score: story.score,
        matched: cleaned(&story.matched),
        snippet: view::snippet_within(&story.snippet, MAX_SNIPPET, "**", "**", str::to_owned),
        published_at: story.published_at.map(|t| t.to_rfc3339()),
        created_at: story.found_at.to_rfc3339(),
        article_id: story.article_id,
        story_id: story.story_id,
        sources: url.into_iter().chain(copies).collect(),
        backfill: false,
        topics: cleaned(&story.topics),
        page: stories.email.story_page(story.story_id),
    }
}

/// The non-empty values of `items`, each on one line.
fn cleaned(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|item| one_line_within(item, 200))
        .filter(|item| !item.is_empty())
        .collect()
}

fn feed(kind: &'static str, alert: &FeedAlert) -> Payload {
    let subject = crate::notify::feed_health::render(alert).subject;
    let time = |at: Option<DateTime<Utc>>| at.map(view::rfc3339);
    // The report has no time of its own: the poll that decided it, else when the run began.
    let happened = alert
        .last_polled_at
        .or(alert.failing_since)
        .or(alert.broken_reported_at)
        .unwrap_or_default();
    let data = FeedData {
        title: view::feed_title(alert),
        name: one_line_within(&alert.name, 200),
        url: one_line_within(&alert.url, 2000),
        failing_since: time(alert.failing_since),
        failed_polls: alert.failed_polls,
        last_polled_at: time(alert.last_polled_at),
        last_error: alert.last_error.as_deref().map(|e| one_line_within(e, 500)),
        broken_reported_at: time(alert.broken_reported_at),
    };
    Payload {
        subject,
        body: view::json(&Envelope {
            kind,
            timestamp: view::rfc3339(happened),
            data,
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use url::Url;

    use super::*;
    use crate::config::NtfyOptions;
    use crate::notify::channels::view::testing::{body_json, rendered, test_notice};
    use crate::notify::render::fixtures::*;
    use crate::store::FeedAlertKind;

    fn render_email(email: &Email) -> (Payload, Value) {
        rendered(email, &NtfyOptions::default(), render)
    }

    /// Asserts that `value` has exactly `keys` and that they come in that order in `body`
    /// after `from` (a JSON value's keys are sorted, the body's are as written).
    fn assert_keys(body: &[u8], from: &str, value: &Value, keys: &[&str]) {
        let mut have: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = keys.to_vec();
        have.sort_unstable();
        want.sort_unstable();
        assert_eq!(have, want);
        let body = std::str::from_utf8(body).unwrap();
        let start = body
            .find(from)
            .unwrap_or_else(|| panic!("{from} in {body}"));
        let at: Vec<usize> = keys
            .iter()
            .map(|key| body[start..].find(&format!("\"{key}\":")).unwrap())
            .collect();
        assert!(
            at.is_sorted(),
            "{keys:?} in that order after {from}: {body}"
        );
    }

    /// Every story of `data`, whatever its group.
    fn stories_of(data: &Value) -> Vec<&Value> {
        data["topics"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|topic| topic["stories"].as_array().unwrap())
            .collect()
    }

    /// The demo's alert: the Standard Webhooks envelope, the stories grouped by topic with the
    /// field names of `hits --json` in their order (then `topics` and `page`), each story once,
    /// links to the pages under `[web] public_url`.
    #[test]
    fn webhook_alert_carries_the_stories_with_the_fields_of_hits_json() {
        let mut mail = alert(vec![seed_story(), summit_story(), arms_sale_story()]);
        mail.public_url = Some(Url::parse("https://news.example.org/newshound/").unwrap());
        let (payload, json) = render_email(&mail);
        assert_eq!(
            payload.subject,
            "[newshound] 3 new stories: Arms deals, Summit meetings"
        );
        let body = String::from_utf8(payload.body.clone()).unwrap();
        assert!(
            body.starts_with(r#"{"type":"alert","timestamp":"2023-09-06T16:50:00Z","data":{"#),
            "{body}"
        );
        let data = &json["data"];
        assert_keys(
            &payload.body,
            r#""data":"#,
            data,
            &["title", "story_count", "more", "topics"],
        );
        assert_eq!(data["title"], payload.subject.as_str());
        assert_eq!(data["story_count"], 3);
        assert!(data["more"].is_null());
        let groups: Vec<&str> = data["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["topic"].as_str().unwrap())
            .collect();
        assert_eq!(groups, ["Arms deals", "Summit meetings"]);
        assert_eq!(
            data["topics"][0]["page"],
            "https://news.example.org/newshound/topics/Arms%20deals"
        );
        let stories = stories_of(data);
        let ids: Vec<i64> = stories
            .iter()
            .map(|s| s["story_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [1, 2, 3], "the seed story once, under its first topic");
        let seed = stories[0];
        assert_keys(
            &payload.body,
            r#""stories":[{"#,
            seed,
            &[
                "topic",
                "title",
                "url",
                "feed",
                "language",
                "score",
                "matched",
                "snippet",
                "published_at",
                "created_at",
                "article_id",
                "story_id",
                "sources",
                "backfill",
                "topics",
                "page",
            ],
        );
        assert_eq!(seed["topic"], "Arms deals");
        assert_eq!(seed["feed"], "Rheinblick");
        assert_eq!(seed["language"], "de");
        assert_eq!(seed["published_at"], "2023-09-05T04:12:00+00:00");
        assert_eq!(seed["created_at"], "2023-09-05T04:12:00+00:00");
        assert_eq!(seed["backfill"], false);
        assert_eq!(
            seed["topics"],
            serde_json::json!(["Arms deals", "Summit meetings"])
        );
        assert_eq!(seed["page"], "https://news.example.org/newshound/stories/1");
        assert!(
            seed["snippet"]
                .as_str()
                .unwrap()
                .contains("Wladimir **Putin** über")
        );
        let sources = seed["sources"].as_array().unwrap();
        assert_eq!(sources.len(), 3);
        assert_eq!(sources[0], seed["url"]);
        assert!(stories[2]["published_at"].is_null());
    }

    /// A digest names itself; its stories may have no topic (`null` group).
    #[test]
    fn webhook_digest_names_its_digest() {
        let untopical = StoryItem {
            topics: vec![],
            ..eu_summit_story()
        };
        let morning = email(
            digest("Morning digest"),
            vec![arms_sale_story(), untopical],
            chrono_tz::Europe::Berlin,
            "2023-09-07T05:00:00Z",
        );
        let (payload, json) = render_email(&morning);
        assert_eq!(json["type"], "digest");
        assert_eq!(json["timestamp"], "2023-09-07T05:00:00Z");
        assert_eq!(payload.subject, "[newshound] Morning digest: 2 stories");
        let data = &json["data"];
        assert_keys(
            &payload.body,
            r#""data":"#,
            data,
            &["title", "digest", "story_count", "more", "topics"],
        );
        assert_eq!(data["digest"], "Morning digest");
        assert!(data["topics"][1]["topic"].is_null());
        assert!(data["topics"][1]["page"].is_null());
        assert!(stories_of(data)[1]["topic"].is_null());
    }

    /// A flood of 500 stories with long titles stays within 256 KiB: the best stories are
    /// kept, and those shown plus "more" are every new story, the queue's left-out ones too.
    #[test]
    fn webhook_flood_stays_within_256_kib_and_counts_every_story() {
        let mail = flood(500, 40);
        let (payload, json) = render_email(&mail);
        assert!(payload.body.len() <= MAX_BODY, "{}", payload.body.len());
        let data = &json["data"];
        let shown = stories_of(data);
        let count = data["story_count"].as_u64().unwrap() as usize;
        assert_eq!(count, shown.len());
        assert!(count > 50 && count < 500, "{count}");
        assert_eq!(
            count + data["more"]["count"].as_u64().unwrap() as usize,
            540
        );
        assert_eq!(
            data["more"]["links"][2],
            serde_json::json!({"topic": "Energy & <grid>", "command": "newshound hits --topic \"Energy & <grid>\""})
        );
        let lowest_shown = shown.iter().map(|s| s["score"].as_u64().unwrap()).min();
        let shown_ids: Vec<i64> = shown
            .iter()
            .map(|s| s["story_id"].as_i64().unwrap())
            .collect();
        let highest_left = mail
            .stories
            .iter()
            .filter(|s| !shown_ids.contains(&s.story_id))
            .map(|s| u64::from(s.score))
            .max();
        assert!(
            lowest_shown >= highest_left,
            "{lowest_shown:?} {highest_left:?}"
        );
        assert!(payload.subject.starts_with("[newshound] 540 new stories: "));
    }

    /// Hostile values arrive as data: one line without controls, no `javascript:` URL (a
    /// `file:` copy is kept as the address it is).
    #[test]
    fn webhook_hostile_story_has_no_controls_and_no_script_url() {
        let mail = alert(vec![hostile_story()]);
        let (payload, json) = render_email(&mail);
        let body = String::from_utf8(payload.body).unwrap();
        assert!(!body.contains("javascript:alert(1)\""), "{body}");
        let story = stories_of(&json["data"])[0];
        assert!(story["url"].is_null());
        assert_eq!(story["sources"], serde_json::json!(["file:///etc/passwd"]));
        assert!(story["page"].is_null());
        let title = story["title"].as_str().unwrap();
        assert!(
            !title.contains(['\r', '\n', '\u{1b}', '\u{202e}']),
            "{title:?}"
        );
        assert!(title.starts_with("<script>alert(1)</script> [click me]"));
        assert!(!story["snippet"].as_str().unwrap().contains('\u{7}'));
        assert!(
            !payload.subject.contains(['\r', '\n']),
            "{}",
            payload.subject
        );
    }

    /// A feed report carries its facts as values; a test message says where it came from.
    #[test]
    fn webhook_feed_and_test_notices_carry_their_facts() {
        let broken = feed_alert(FeedAlertKind::Broken);
        let payload = render(&Notice::Feed(&broken));
        assert_eq!(
            payload.subject,
            "[newshound] Feed broken: Harbour <Ledger> [x](https://phish.example/) <!channel> Bcc: x"
        );
        let json = body_json(&payload);
        assert_keys(&payload.body, "{", &json, &["type", "timestamp", "data"]);
        assert_eq!(json["type"], "feed_broken");
        assert_eq!(json["timestamp"], "2026-11-28T21:06:40Z");
        assert_eq!(
            json["data"],
            serde_json::json!({
                "title": "Feed broken: Harbour <Ledger> [x](https://phish.example/) <!channel> Bcc: x",
                "name": "Harbour <Ledger> [x](https://phish.example/) <!channel> Bcc: x",
                "url": "https://x.example/f?a=1",
                "failing_since": "2026-11-27T10:00:00Z",
                "failed_polls": 7,
                "last_polled_at": "2026-11-28T21:06:40Z",
                "last_error": "HTTP 500 <b>boom</b>",
                "broken_reported_at": null
            })
        );
        let recovered = render(&Notice::Feed(&feed_alert(FeedAlertKind::Recovered)));
        assert_eq!(body_json(&recovered)["type"], "feed_recovered");

        let test = render(&test_notice());
        assert_eq!(test.subject, "[newshound] test message");
        let json = body_json(&test);
        assert_eq!(json["type"], "test");
        assert_eq!(json["timestamp"], "2026-11-28T21:06:40Z");
        assert_keys(
            &test.body,
            r#""data":"#,
            &json["data"],
            &["message", "origin"],
        );
        assert_eq!(json["data"]["origin"], "/etc/newshound/config.toml");
        assert!(
            json["data"]["message"]
                .as_str()
                .unwrap()
                .contains("(/etc/newshound/config.toml)")
        );
    }
}
