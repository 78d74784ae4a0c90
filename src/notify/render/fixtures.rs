//! Stories and emails for the tests of the email and channel renderers: the demo's seed story
//! and its neighbours, so every renderer is tested on the same data.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::Snippet;
use crate::notify::{Email, Kind, Source, StoryItem};
use crate::store::{FeedAlert, FeedAlertKind};

/// `rfc3339` as a UTC time.
pub(crate) fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("test times are valid RFC 3339")
        .with_timezone(&Utc)
}

/// A snippet of `text` with the first occurrence of each of `words` marked.
pub(crate) fn snippet(text: &str, words: &[&str]) -> Snippet {
    let mut marks: Vec<(usize, usize)> = words
        .iter()
        .filter_map(|w| text.find(w).map(|start| (start, start + w.len())))
        .collect();
    marks.sort_unstable();
    marks.dedup_by(|b, a| b.0 < a.1);
    Snippet {
        text: text.to_owned(),
        marks,
    }
}

/// Owned copies of `items`.
pub(crate) fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The demo's seed story: one story with three copies, hitting both topics.
pub(crate) fn seed_story() -> StoryItem {
    StoryItem {
        story_id: 1,
        title: "Kim Jong-un und Putin treffen sich zu Waffengesprächen".to_owned(),
        url: Some("https://www.rheinblick.example/politik/kim-jong-un-und-putin-treffen-sich-zu-waffengespraechen".to_owned()),
        source: "Rheinblick".to_owned(),
        also: vec![
            Source {
                name: "Elbe-Bote".to_owned(),
                url: "https://elbe-bote.example/welt/kim-jong-un-will-mit-putin-ueber-waffenlieferungen-sprechen".to_owned(),
            },
            Source {
                name: "Mosel-Echo".to_owned(),
                url: "https://www.mosel-echo.example/nachrichten/bericht-kim-plant-reise-zu-putin".to_owned(),
            },
        ],
        published_at: Some(at("2023-09-05T06:12:00+02:00")),
        topics: strings(&["Arms deals", "Summit meetings"]),
        matched: strings(&["Waffengesprächen", "Putin", "treffen", "Waffen", "liefert"]),
        snippet: snippet(
            "…will noch in diesem Monat nach Russland reisen, um mit dem russischen \
             Präsidenten Wladimir Putin über die Möglichkeit zu sprechen, dass Pjöngjang \
             Moskau mehr Waffen für den Krieg in der Ukraine liefert, berichteten die \
             US-Zeitungen „New York Times“ und „Washington Post“ am Montag…",
            &["Putin", "Waffen", "liefert"],
        ),
        language: Some("de".to_owned()),
        score: 1,
        found_at: at("2023-09-05T06:12:00+02:00"),
        article_id: 1,
    }
}

/// An English story of one topic, without copies.
pub(crate) fn arms_sale_story() -> StoryItem {
    StoryItem {
        story_id: 2,
        title: "Government clears £3.4bn arms sale of air-defence systems to Baltic ally"
            .to_owned(),
        url: Some("https://harbour-ledger.example/world/2023/09/06/air-defence-sale".to_owned()),
        source: "The Harbour Ledger".to_owned(),
        also: vec![],
        published_at: Some(at("2023-09-06T16:45:00+01:00")),
        topics: strings(&["Arms deals"]),
        matched: strings(&["arms", "sale", "missiles"]),
        snippet: snippet(
            "The government has cleared the sale of medium-range air-defence systems and \
             interceptor missiles worth £3.4bn to a Baltic ally, the largest arms export \
             licence granted this year…",
            &["sale", "missiles", "arms"],
        ),
        language: Some("en".to_owned()),
        score: 1,
        found_at: at("2023-09-05T06:12:00+02:00"),
        article_id: 1,
    }
}

/// A story without a publication time, with one copy.
pub(crate) fn summit_story() -> StoryItem {
    StoryItem {
        story_id: 3,
        title: "Leaders agree climate fund at Port Alden summit after all-night talks".to_owned(),
        url: Some("https://harbour-ledger.example/world/2023/09/05/port-alden-summit".to_owned()),
        source: "The Harbour Ledger".to_owned(),
        also: vec![Source {
            name: "Rheinblick".to_owned(),
            url: "https://www.rheinblick.example/welt/gipfel-in-port-alden".to_owned(),
        }],
        published_at: None,
        topics: strings(&["Summit meetings"]),
        matched: strings(&["summit"]),
        snippet: snippet(
            "After talks that ran through the night, leaders at the Port Alden summit \
             agreed a climate fund for coastal towns…",
            &["summit"],
        ),
        language: Some("en".to_owned()),
        score: 1,
        found_at: at("2023-09-05T06:12:00+02:00"),
        article_id: 1,
    }
}

/// A story from the offline demo, whose pages are files.
pub(crate) fn eu_summit_story() -> StoryItem {
    StoryItem {
        story_id: 4,
        title: "EU-Gipfel ringt um Reformen vor der nächsten Erweiterung".to_owned(),
        url: Some(
            "file:///home/analyst/newshound/config/demo/articles/eu-gipfel-erweiterung.html"
                .to_owned(),
        ),
        source: "Rheinblick".to_owned(),
        also: vec![],
        published_at: Some(at("2023-09-06T20:30:00+02:00")),
        topics: strings(&["Summit meetings"]),
        matched: strings(&["Gipfel"]),
        snippet: snippet(
            "Die Staats- und Regierungschefs der EU haben beim Gipfel in Granada über \
             Reformen beraten, die vor der Aufnahme neuer Mitglieder nötig sind…",
            &["Gipfel"],
        ),
        language: Some("de".to_owned()),
        score: 1,
        found_at: at("2023-09-05T06:12:00+02:00"),
        article_id: 1,
    }
}

/// An email of `stories` without web links or a "more" part.
pub(crate) fn email(
    kind: Kind,
    stories: Vec<StoryItem>,
    timezone: Tz,
    generated_at: &str,
) -> Email {
    Email {
        kind,
        stories,
        timezone,
        generated_at: at(generated_at),
        public_url: None,
        more: None,
    }
}

/// The kind of the digest called `name`.
pub(crate) fn digest(name: &str) -> Kind {
    Kind::Digest {
        name: name.to_owned(),
    }
}

/// An immediate alert of a flood: `n` stories over three topics, each with a long title and
/// snippet full of characters every format escapes, scores rising and falling so that a cut
/// must choose, and `left_out` more stories the queue already left out.
pub(crate) fn flood(n: usize, left_out: usize) -> Email {
    let topics = strings(&["Arms deals", "Summit meetings", "Energy & <grid>"]);
    let stories = (0..n)
        .map(|i| {
            let text = format!("{} Putin & <b>allies</b> … ", "[note](x) *y* ".repeat(40));
            StoryItem {
                story_id: i as i64 + 1000,
                title: format!(
                    "Story {i}: {}",
                    "Breaking & <urgent> [news](https://x.example/) *update* ".repeat(20)
                ),
                url: Some(format!("https://news.example/{i}?a=1&b=(2)")),
                topics: vec![topics[i % 3].clone(), topics[(i + 1) % 3].clone()],
                score: ((i * 37) % 101) as u32,
                snippet: snippet(&text, &["Putin"]),
                ..arms_sale_story()
            }
        })
        .collect();
    Email {
        more: (left_out > 0).then(|| crate::notify::More {
            count: left_out,
            links: crate::notify::render::more_links(&topics, None),
        }),
        ..email(
            Kind::Immediate,
            stories,
            chrono_tz::UTC,
            "2023-09-06T16:50:00Z",
        )
    }
}

/// A story whose every value attacks some format: HTML, Markdown links, Slack's `<!here>`,
/// mentions, control characters, a `javascript:` URL and a `file:` copy.
pub(crate) fn hostile_story() -> StoryItem {
    StoryItem {
        story_id: 66,
        title: "<script>alert(1)</script> [click me](javascript:alert(1)) <!here> @channel \
                @room\r\nBcc: x@example.com\u{1b}[2J\u{202e}"
            .to_owned(),
        url: Some("javascript:alert(1)".to_owned()),
        source: "Evil <b>Site</b> [x](https://phish.example/)".to_owned(),
        also: vec![Source {
            name: "Local".to_owned(),
            url: "file:///etc/passwd".to_owned(),
        }],
        topics: strings(&["Arms <deals>"]),
        matched: strings(&["<img src=x>", "](javascript:"]),
        snippet: snippet(
            "Before <img src=x onerror=alert(1)> and [a](javascript:alert(1)) \u{7} after",
            &["<img"],
        ),
        ..arms_sale_story()
    }
}

/// An immediate alert of `stories`, in UTC.
pub(crate) fn alert(stories: Vec<StoryItem>) -> Email {
    email(
        Kind::Immediate,
        stories,
        chrono_tz::UTC,
        "2023-09-06T16:50:00Z",
    )
}

/// A report of a feed whose name and last error hold markup.
pub(crate) fn feed_alert(kind: FeedAlertKind) -> FeedAlert {
    FeedAlert {
        kind,
        feed_id: 1,
        config_url: "https://x.example/f".into(),
        url: "https://x.example/f?a=1".into(),
        name: "Harbour <Ledger> [x](https://phish.example/) <!channel>\r\nBcc: x".into(),
        failing_since: Some(at("2026-11-27T10:00:00Z")),
        last_error: Some("HTTP 500 <b>boom</b>".into()),
        failed_polls: 7,
        last_polled_at: Some(at("2026-11-28T21:06:40Z")),
        broken_reported_at: None,
    }
}
