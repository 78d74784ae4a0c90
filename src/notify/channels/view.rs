//! What every channel's message is made of, whatever its format: the stories of an alert or
//! digest merged and grouped by topic as in the email, the order in which they are kept when a
//! message must be cut, the links a story may carry, "and N more stories", and the search for
//! the largest message within a channel's limit. Each channel escapes these values for its own
//! format; here they are only cleaned ([`one_line`]) and the links checked.
//!
//! A message is cut by whole stories: the lowest-ranked (score, then the email's order) go
//! first and are counted in "and N more stories" with the stories the queue left out, so the
//! stories shown plus N are always every new story of the message.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::Snippet;
use crate::notify::render::sanitize::{one_line, one_line_within, strip_controls};
use crate::notify::render::{self, group_by_topic, merge_duplicates, message_topics};
use crate::notify::{Email, MoreLink, StoryItem};
use crate::store::FeedAlert;

/// The stories of one message, ready to be cut to a channel's size.
pub(super) struct Stories<'a> {
    /// The message as queued.
    pub email: &'a Email,
    /// Each story once, with the topics and words of all its hits, in the email's order.
    stories: Vec<StoryItem>,
    /// Each story's place when stories must be left out (0 is kept longest), by story id.
    rank: HashMap<i64, usize>,
    /// The message's topics, cleaned, in first-seen order: the order of the groups.
    topics: Vec<String>,
    /// Where to read what was left out: the queue's links, else one per topic of the message.
    links: Vec<MoreLink>,
}

/// How much of a message is kept: its best `stories`, and the first `links` of the "more" part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cut {
    /// Stories shown.
    pub stories: usize,
    /// Links of "and N more stories" shown.
    pub links: usize,
}

/// A message cut to size: what a channel renders.
pub(super) struct Shown<'a> {
    /// Each topic (`None`: stories without one) with the stories shown under it, in the
    /// email's order; empty groups left out.
    pub groups: Vec<(Option<String>, Vec<&'a StoryItem>)>,
    /// Stories shown.
    pub count: usize,
    /// The new stories not shown, `None` when there are none.
    pub more: Option<MorePart<'a>>,
}

/// "and N more stories" and where to read them.
pub(super) struct MorePart<'a> {
    /// Stories left out, by the queue and by the cut.
    pub count: usize,
    /// Where to read them, per topic.
    pub links: &'a [MoreLink],
}

/// Where a "more" link leads, once checked.
pub(super) enum Target {
    /// The topic's page: an http(s) URL, fit for a link.
    Url(String),
    /// A command line to run (cleaned), shown as code.
    Command(String),
}

impl<'a> Stories<'a> {
    /// Merges, ranks and groups the stories of `email`.
    pub fn new(email: &'a Email) -> Stories<'a> {
        let stories = merge_duplicates(&email.stories);
        let topics = message_topics(&stories, email.more.as_ref());
        let mut ranked: Vec<&StoryItem> = stories.iter().collect();
        ranked.sort_by_key(|story| std::cmp::Reverse(story.score));
        let rank = ranked
            .iter()
            .enumerate()
            .map(|(place, story)| (story.story_id, place))
            .collect();
        let links = match &email.more {
            Some(more) if !more.links.is_empty() => more.links.clone(),
            _ => render::more_links(&topics, email.public_url.as_ref()),
        };
        Stories {
            email,
            stories,
            rank,
            topics,
            links,
        }
    }

    /// The message with its best `cut.stories` stories and the first `cut.links` links.
    pub fn shown(&self, cut: Cut) -> Shown<'_> {
        let kept = |story: &&StoryItem| {
            self.rank
                .get(&story.story_id)
                .is_some_and(|&place| place < cut.stories)
        };
        let groups: Vec<_> = group_by_topic(&self.stories, &self.topics)
            .into_iter()
            .map(|(topic, members)| (topic, members.into_iter().filter(kept).collect::<Vec<_>>()))
            .filter(|(_, members)| !members.is_empty())
            .collect();
        let count = groups.iter().map(|(_, members)| members.len()).sum();
        let left_out = self.stories.len() - count + self.email.more.as_ref().map_or(0, |m| m.count);
        let more = (left_out > 0).then(|| MorePart {
            count: left_out,
            links: &self.links[..cut.links.min(self.links.len())],
        });
        Shown {
            groups,
            count,
            more,
        }
    }

    /// The rendering of the largest message that `fits`, with at most `max_stories` stories:
    /// first as many "more" links as fit without any story, then as many stories as fit with
    /// them. Never fails: with nothing left to cut, the smallest message is returned.
    pub fn fit<T>(
        &self,
        max_stories: usize,
        render: impl Fn(&Shown<'_>) -> T,
        fits: impl Fn(&T) -> bool,
    ) -> T {
        let stories = self.stories.len().min(max_stories);
        let links = self.links.len();
        let at = |cut: Cut| render(&self.shown(cut));
        let whole = at(Cut { stories, links });
        if fits(&whole) {
            return whole;
        }
        let links = largest(links, |links| fits(&at(Cut { stories: 0, links })));
        let stories = largest(stories, |stories| fits(&at(Cut { stories, links })));
        at(Cut { stories, links })
    }

    /// Where a story's title links: its page with `[web] public_url`, else its lead article;
    /// only an http(s) URL.
    pub fn story_link(&self, story: &StoryItem) -> Option<String> {
        self.email
            .story_page(story.story_id)
            .or_else(|| web_link(story.url.as_deref()))
    }

    /// A story's address shown as text when its title cannot link: the `file:` page of the
    /// offline demo.
    pub fn plain_address(&self, story: &StoryItem) -> Option<String> {
        if self.story_link(story).is_some() {
            return None;
        }
        render::link(story.url.as_deref())
    }
}

/// The largest `n` in `0..=max` for which `fits(n)` holds, when it holds up to some `n` and
/// not beyond (more stories, longer message); 0 when it never holds.
fn largest(max: usize, fits: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, max);
    while low < high {
        let middle = low + (high - low).div_ceil(2);
        if fits(middle) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    low
}

/// `url` as a link target when it is an absolute http(s) URL (as [`url::Url`] writes it): no
/// `javascript:`, `data:` or `file:` link reaches a chat.
pub(super) fn web_link(url: Option<&str>) -> Option<String> {
    render::link(url).filter(|u| u.starts_with("http://") || u.starts_with("https://"))
}

/// Where a "more" link leads, checked: an http(s) URL, else the (cleaned) command line.
pub(super) fn target(more: &MoreLink) -> Target {
    match web_link(Some(&more.target)) {
        Some(url) => Target::Url(url),
        None => Target::Command(one_line(&more.target)),
    }
}

/// "and N more stories: A, B" with each link written by `item` (from the cleaned topic and the
/// checked target), or "and N more stories." without links: the one-line form of the chats.
pub(super) fn more_line(more: &MorePart<'_>, item: impl Fn(&str, Target) -> String) -> String {
    let line = render::more_stories(more.count);
    let links: Vec<String> = more
        .links
        .iter()
        .map(|link| item(&one_line(&link.topic), target(link)))
        .collect();
    if links.is_empty() {
        format!("{line}.")
    } else {
        format!("{line}: {}", links.join(", "))
    }
}

/// `snippet` with its text cut to at most `max` bytes (at a character boundary, ending in `…`)
/// and the marks beyond dropped, its controls replaced by spaces; then `render` puts `open` and
/// `close` around the marks and `escape`s the rest.
pub(super) fn snippet_within(
    snippet: &Snippet,
    max: usize,
    open: &str,
    close: &str,
    escape: impl Fn(&str) -> String,
) -> String {
    let cut = if snippet.text.len() <= max {
        snippet.clone()
    } else {
        let mut end = max.saturating_sub('…'.len_utf8());
        while !snippet.text.is_char_boundary(end) {
            end -= 1;
        }
        Snippet {
            text: format!("{}…", &snippet.text[..end]),
            marks: snippet
                .marks
                .iter()
                .copied()
                .filter(|&(_, mark_end)| mark_end <= end)
                .collect(),
        }
    };
    let rendered = cut.render(open, close, |s| escape(&strip_controls(s)));
    rendered.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut to at most `max` bytes at a character boundary, ending in `…` when cut: the last
/// guard of a field whose limit is in bytes.
pub(super) fn within_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// `at` in RFC 3339, UTC, whole seconds: the Standard Webhooks `timestamp`.
pub(super) fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The title of a feed report without the `[newshound]` tag ("Feed broken: NAME").
pub(super) fn feed_title(alert: &FeedAlert) -> String {
    let subject = crate::notify::feed_health::render(alert).subject;
    subject
        .strip_prefix("[newshound] ")
        .map_or_else(|| subject.clone(), str::to_owned)
}

/// The subject of a test message, as `newshound test-email` writes it.
pub(super) const TEST_SUBJECT: &str = "[newshound] test message";

/// The title of a test message.
pub(super) const TEST_TITLE: &str = "newshound test message";

/// What a test message says: which newshound sent it, and when.
pub(super) fn test_message(sent_at: DateTime<Utc>, origin: &str) -> String {
    format!(
        "This is a test message from newshound ({}), sent at {}. If you read this, alerts will \
         reach you here.",
        one_line_within(origin, 500),
        rfc3339(sent_at)
    )
}

/// What a digest with no story says.
pub(super) const NOTHING_MATCHED: &str = "No stories matched your watch topics this time.";

/// `value` as JSON bytes.
pub(super) fn json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("the channels' messages have string keys and plain values")
}

/// What the channels' tests share: rendering stories and reading the JSON, the other notices.
#[cfg(test)]
pub(super) mod testing {
    use chrono::DateTime;

    use crate::config::NtfyOptions;
    use crate::notify::Email;
    use crate::notify::channels::{Notice, Payload};

    /// `email` rendered by `render` with `options`, and its body read as JSON.
    pub fn rendered(
        email: &Email,
        options: &NtfyOptions,
        render: impl Fn(&Notice<'_>) -> Payload,
    ) -> (Payload, serde_json::Value) {
        let payload = render(&Notice::Stories {
            email,
            ntfy: options,
        });
        let json = serde_json::from_slice(&payload.body).expect("the body is JSON");
        (payload, json)
    }

    /// The body of `payload` as JSON.
    pub fn body_json(payload: &Payload) -> serde_json::Value {
        serde_json::from_slice(&payload.body).expect("the body is JSON")
    }

    /// The keys of the JSON object `value`, sorted.
    pub fn keys(value: &serde_json::Value) -> Vec<&str> {
        let object = value.as_object().expect("a JSON object");
        object.keys().map(String::as_str).collect()
    }

    /// `newshound test-channel` from the usual config file.
    pub fn test_notice() -> Notice<'static> {
        Notice::Test {
            sent_at: DateTime::from_timestamp(1_795_900_000, 0).expect("a valid time"),
            origin: "/etc/newshound/config.toml",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::render::fixtures::{
        arms_sale_story, email, flood, seed_story, summit_story,
    };
    use crate::notify::{Kind, More};

    fn shown_ids(shown: &Shown<'_>) -> Vec<i64> {
        shown
            .groups
            .iter()
            .flat_map(|(_, members)| members.iter().map(|s| s.story_id))
            .collect()
    }

    /// A cut keeps the highest-scoring stories (the earlier on a tie), still shown in the
    /// email's order under their first topic, and counts the rest with the queue's.
    #[test]
    fn a_cut_keeps_the_best_stories_in_the_emails_order() {
        let mut message = email(
            Kind::Immediate,
            vec![
                StoryItem {
                    score: 1,
                    ..seed_story()
                },
                StoryItem {
                    score: 5,
                    ..summit_story()
                },
                StoryItem {
                    score: 5,
                    ..arms_sale_story()
                },
            ],
            chrono_tz::UTC,
            "2023-09-06T16:50:00Z",
        );
        message.more = Some(More {
            count: 7,
            links: vec![],
        });
        let stories = Stories::new(&message);
        let one = stories.shown(Cut {
            stories: 1,
            links: 0,
        });
        assert_eq!(shown_ids(&one), [3]);
        assert_eq!(one.more.as_ref().map(|m| m.count), Some(9));
        let two = stories.shown(Cut {
            stories: 2,
            links: 9,
        });
        assert_eq!(shown_ids(&two), [2, 3], "arms deals first, as in the email");
        assert_eq!(two.groups[0].0.as_deref(), Some("Arms deals"));
        let more = two.more.expect("8 left out");
        assert_eq!(more.count, 8);
        assert_eq!(
            more.links.len(),
            2,
            "no links from the queue: one per topic of the message"
        );
        assert_eq!(
            more.links[0].target,
            r#"newshound hits --topic "Arms deals""#
        );
    }

    /// The search for the largest fitting message finds the boundary, and 0 when nothing fits.
    #[test]
    fn largest_finds_the_last_size_that_fits() {
        for limit in [0, 1, 7, 499, 500] {
            assert_eq!(largest(500, |n| n <= limit), limit);
        }
        assert_eq!(largest(500, |_| false), 0);
        assert_eq!(largest(0, |_| true), 0);
    }

    /// `fit` never shows more stories than it may, and a message that fits whole is whole.
    #[test]
    fn fit_takes_the_whole_message_when_it_fits() {
        let message = flood(30, 0);
        let stories = Stories::new(&message);
        let whole = stories.fit(usize::MAX, |shown| shown.count, |_| true);
        assert_eq!(whole, 30);
        let capped = stories.fit(20, |shown| shown.count, |_| true);
        assert_eq!(capped, 20);
        let tight = stories.fit(usize::MAX, |shown| shown.count, |&count| count <= 12);
        assert_eq!(tight, 12);
    }

    /// A snippet cut to a byte budget keeps whole characters and only the marks inside it;
    /// its controls become spaces.
    #[test]
    fn a_cut_snippet_keeps_whole_characters_and_its_marks() {
        let snippet = Snippet {
            text: "äääää Putin\u{7} ööööö Waffen".to_owned(),
            marks: vec![(11, 16), (29, 35)],
        };
        let short = snippet_within(&snippet, 20, "*", "*", str::to_owned);
        assert_eq!(short, "äääää *Putin* …");
        let whole = snippet_within(&snippet, 100, "*", "*", str::to_owned);
        assert_eq!(whole, "äääää *Putin* ööööö *Waffen*");
        assert_eq!(within_bytes("äää", 5), "ä…");
        assert_eq!(within_bytes("ääää", 7), "ää…");
        assert_eq!(within_bytes("ää", 4), "ää");
    }

    /// Only http(s) URLs become links; `file:` addresses are shown as text instead.
    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(
            web_link(Some("https://a.example/x y")).as_deref(),
            Some("https://a.example/x%20y")
        );
        for url in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,x",
            "/relative",
        ] {
            assert_eq!(web_link(Some(url)), None, "{url}");
        }
        let demo = email(
            Kind::Immediate,
            vec![crate::notify::render::fixtures::eu_summit_story()],
            chrono_tz::UTC,
            "2023-09-06T16:50:00Z",
        );
        let stories = Stories::new(&demo);
        let story = &demo.stories[0];
        assert_eq!(stories.story_link(story), None);
        assert!(
            stories
                .plain_address(story)
                .is_some_and(|a| a.starts_with("file:///"))
        );
    }
}
