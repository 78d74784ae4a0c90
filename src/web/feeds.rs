//! The feeds of hits: a topic's newest stories as Atom 1.0 (RFC 4287, `/topics/NAME.atom`) and
//! as JSON Feed 1.1 (`/topics/NAME.json`), so that hits can be followed in any feed reader.
//!
//! An entry is a story, under its lead, as the topic page and the emails show it. Its id is the
//! story's for good (`tag:newshound,2026:story/ID`, the same at whatever address the pages are
//! reached), and it is updated when the story last changed: when the topic hit it, or later when
//! a copy was added, so a reader shows it again. Links are absolute: under `[web] public_url`,
//! else under the address the request came to.
//!
//! `atom` and `json_feed` write the two formats from one [`TopicFeed`]; every value is escaped
//! by the XML writer or the JSON serialiser.

mod atom;
mod json_feed;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use std::collections::HashMap;
use url::Url;

use super::layout::{encode_segment, language_tag, page_under, story_path, topic_path};
use super::{Site, WebError, WebState};
use crate::config::WebSettings;
use crate::store::{HitFilter, StoredHit};

/// Stories in a feed: the newest, as feed readers keep what they saw before.
pub const FEED_STORIES: usize = 50;

/// The prefix of every id in the feeds: a tag URI (RFC 4151), which names the entry without
/// depending on where the pages are served.
const TAG: &str = "tag:newshound,2026:";

/// The two formats a topic's hits are served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedFormat {
    /// Atom 1.0, RFC 4287.
    Atom,
    /// JSON Feed 1.1.
    JsonFeed,
}

impl FeedFormat {
    const ALL: [FeedFormat; 2] = [FeedFormat::Atom, FeedFormat::JsonFeed];

    /// What the topic page's address ends in to ask for this format.
    pub fn extension(self) -> &'static str {
        match self {
            FeedFormat::Atom => ".atom",
            FeedFormat::JsonFeed => ".json",
        }
    }

    /// The media type, which feed readers go by.
    pub fn content_type(self) -> &'static str {
        match self {
            FeedFormat::Atom => "application/atom+xml; charset=utf-8",
            FeedFormat::JsonFeed => "application/feed+json; charset=utf-8",
        }
    }
}

/// The site's address of `topic`'s feed in `format`, for links to it.
pub fn feed_path(topic: &str, format: FeedFormat) -> String {
    format!("{}{}", topic_path(topic), format.extension())
}

/// The feed the last segment of a `/topics/...` address (decoded) asks for: the topic and the
/// format when it ends in `.atom` or `.json`. `None` when it names a topic page, including a
/// topic whose own name ends so.
pub fn feed_request<'a>(site: &Site, segment: &'a str) -> Option<(&'a str, FeedFormat)> {
    if is_topic(site, segment) {
        return None;
    }
    FeedFormat::ALL
        .into_iter()
        .find_map(|format| Some((segment.strip_suffix(format.extension())?, format)))
}

/// The newest stories of the configured topic `topic` in `format`; 404 for a topic the config
/// does not have. `headers` give the address links are made under when `[web] public_url` is
/// not set.
pub async fn topic_feed(
    state: &WebState,
    topic: &str,
    format: FeedFormat,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    if !is_topic(&site, topic) {
        return Err(WebError::NotFound(format!("no topic named {topic:?}")));
    }
    let base = site_base(&site.settings, headers)?;
    let filter = HitFilter {
        topic: Some(topic.to_owned()),
        since: None,
        limit: Some(FEED_STORIES),
        ..HitFilter::default()
    };
    let (hits, last_seen) = state
        .reader
        .read(move |store| {
            let hits = store.hits(&filter)?;
            let stories: Vec<i64> = hits.iter().map(StoredHit::story).collect();
            let last_seen = store.stories_last_seen(&stories)?;
            Ok((hits, last_seen))
        })
        .await?;
    let feed = TopicFeed::new(topic, format, &base, &hits, &last_seen, Utc::now());
    let body = match format {
        FeedFormat::Atom => atom::document(&feed),
        FeedFormat::JsonFeed => json_feed::document(&feed),
    };
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    Ok(response)
}

fn is_topic(site: &Site, name: &str) -> bool {
    site.topics.topics().iter().any(|t| t.name == name)
}

/// The story a hit belongs to; a hit stored before stories existed stands for its article's.
/// Where links in a feed point: `[web] public_url`, else the address the request came to
/// (`http://` and its `Host`), which must be a bare host and port.
fn site_base(settings: &WebSettings, headers: &HeaderMap) -> Result<Url, WebError> {
    if let Some(public) = &settings.public_url {
        return Ok(public.clone());
    }
    let no_host = || {
        WebError::BadRequest(
            "the request names no valid Host, and [web] public_url is not set to make the \
             feed's links with"
                .into(),
        )
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(no_host)?;
    let base = Url::parse(&format!("http://{host}/")).map_err(|_| no_host())?;
    let bare = base.path() == "/"
        && base.query().is_none()
        && base.fragment().is_none()
        && base.username().is_empty()
        && base.password().is_none();
    if bare { Ok(base) } else { Err(no_host()) }
}

/// A topic's feed, ready to be written in either format.
struct TopicFeed {
    /// The feed's id, from the topic's name.
    id: String,
    /// The feed's title.
    title: String,
    /// What the feed is, for JSON Feed's description and Atom's subtitle.
    description: String,
    /// The topic's page.
    page: Url,
    /// This feed's own address.
    own: Url,
    /// When the newest entry changed (now for a feed without entries).
    updated: DateTime<Utc>,
    /// The stories, newest hit first.
    entries: Vec<FeedEntry>,
}

/// One story of a topic's feed.
struct FeedEntry {
    /// The story's id, as a tag URI.
    id: String,
    /// The lead's title.
    title: String,
    /// The lead article, when it is on the web (an `http(s)` URL): what a reader opens.
    article: Option<Url>,
    /// The story's page: why it matched, every copy.
    story_page: Url,
    /// The lead's feed name, as the entry's author.
    source: String,
    /// The lead's language, when it is a usable tag.
    language: Option<String>,
    /// When the lead was published, if it says.
    published: Option<DateTime<Utc>>,
    /// When the story last changed: its hit, or a copy added since.
    updated: DateTime<Utc>,
    /// The passage around the best match, plain.
    summary: String,
    /// The summary, the matched words, every copy and the story page, as plain text.
    content: String,
}

impl TopicFeed {
    fn new(
        topic: &str,
        format: FeedFormat,
        base: &Url,
        hits: &[StoredHit],
        last_seen: &HashMap<i64, DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> TopicFeed {
        let entries: Vec<FeedEntry> = hits
            .iter()
            .map(|hit| FeedEntry::new(hit, base, last_seen))
            .collect();
        TopicFeed {
            id: format!("{TAG}topic/{}", encode_segment(topic)),
            title: format!("{topic} · newshound"),
            description: format!("Stories matching the watch topic {topic}, newest first."),
            page: under(base, &topic_path(topic)),
            own: under(base, &feed_path(topic, format)),
            updated: entries.iter().map(|e| e.updated).max().unwrap_or(now),
            entries,
        }
    }
}

impl FeedEntry {
    fn new(hit: &StoredHit, base: &Url, last_seen: &HashMap<i64, DateTime<Utc>>) -> FeedEntry {
        let story = hit.story();
        let story_page = under(base, &story_path(story));
        let updated = last_seen
            .get(&story)
            .map_or(hit.created_at, |&seen| seen.max(hit.created_at));
        FeedEntry {
            id: format!("{TAG}story/{story}"),
            title: hit.shown_title().to_owned(),
            article: hit.url.as_deref().and_then(web_url),
            source: hit.feed.clone(),
            language: language_tag(hit.language.as_deref()).map(str::to_owned),
            published: hit.published_at,
            updated,
            summary: hit.snippet.text.clone(),
            content: content(hit, &story_page),
            story_page,
        }
    }

    /// Where the entry leads: the article when it is on the web, else the story's page.
    fn link(&self) -> &Url {
        self.article.as_ref().unwrap_or(&self.story_page)
    }
}

/// An entry's text: the snippet, the matched words, every copy on the web, and the story page.
fn content(hit: &StoredHit, story_page: &Url) -> String {
    let mut parts = Vec::new();
    if !hit.snippet.text.trim().is_empty() {
        parts.push(hit.snippet.text.clone());
    }
    let mut details = Vec::new();
    if !hit.matched.is_empty() {
        details.push(format!("Matched: {}", hit.matched.join(", ")));
    }
    let sources: Vec<&str> = hit
        .sources
        .iter()
        .filter(|url| web_url(url).is_some())
        .map(String::as_str)
        .collect();
    if !sources.is_empty() {
        details.push(format!("Sources: {}", sources.join(", ")));
    }
    details.push(format!("Why it matched · all copies: {story_page}"));
    parts.push(details.join("\n"));
    parts.join("\n\n")
}

/// `path` under `base`, or `base` itself should the join fail.
fn under(base: &Url, path: &str) -> Url {
    page_under(base, path).unwrap_or_else(|| base.clone())
}

/// `url` when it is an absolute `http` or `https` URL: only those become links in a feed.
fn web_url(url: &str) -> Option<Url> {
    Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// A time as both formats write it: RFC 3339 in UTC, to the second.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
