//! A topic's feed as JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), serialised by serde.

use serde::Serialize;

use super::{FeedEntry, TopicFeed, timestamp};

/// The version URL every JSON Feed 1.1 document starts with.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// The top-level object.
#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    authors: [Author<'a>; 1],
    items: Vec<Item<'a>>,
}

/// One story.
#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    /// The lead article when it is on the web, else the story's page.
    url: &'a str,
    title: &'a str,
    summary: &'a str,
    /// The snippet, the matched words, every copy and the story's page.
    content_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

/// The whole document.
pub(super) fn document(feed: &TopicFeed) -> Vec<u8> {
    let document = Document {
        version: VERSION,
        title: &feed.title,
        home_page_url: feed.page.as_str(),
        feed_url: feed.own.as_str(),
        description: &feed.description,
        authors: [Author { name: "newshound" }],
        items: feed.entries.iter().map(item).collect(),
    };
    // Plain strings, numbers and lists always serialise.
    serde_json::to_vec(&document).unwrap_or_default()
}

fn item(entry: &FeedEntry) -> Item<'_> {
    let authors = if entry.source.trim().is_empty() {
        Vec::new()
    } else {
        vec![Author {
            name: &entry.source,
        }]
    };
    Item {
        id: &entry.id,
        url: entry.link().as_str(),
        title: &entry.title,
        summary: &entry.summary,
        content_text: &entry.content,
        date_published: entry.published.map(timestamp),
        date_modified: timestamp(entry.updated),
        authors,
        language: entry.language.as_deref(),
    }
}
