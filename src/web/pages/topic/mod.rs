//! `/topics/NAME`: a topic's stories, newest first, each once under its lead with its other
//! copies folded under it, filtered by language, period and backfill, a page at a time. The
//! next page starts after the last hit shown (keyset pagination through `hits_by_topic`), so an
//! old page costs what the first does.
//!
//! The same route carries the topic's feeds, `/topics/NAME.atom` and `/topics/NAME.json`.
//! `filters` reads the filters from the address and writes them back into the links and form.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use url::Url;

use crate::store::StoredHit;
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState, feeds};

mod filters;

use filters::{Filters, TopicQuery};

/// Stories on one page.
const PAGE_SIZE: usize = 50;

/// `/topics/{name}`: the topic's page, or one of its feeds by the name's ending.
pub(super) async fn page(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(query): Query<TopicQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = state.site();
    match feeds::feed_request(&site, &name) {
        Some((topic, format)) => feeds::topic_feed(&state, topic, format, &headers).await,
        None => topic_page(&state, name, &query, Utc::now(), PAGE_SIZE)
            .await
            .map(IntoResponse::into_response),
    }
}

/// The page of topic `name` at `now`, `page_size` stories long. A topic neither configured nor
/// with stored hits does not exist.
async fn topic_page(
    state: &WebState,
    name: String,
    query: &TopicQuery,
    now: DateTime<Utc>,
    page_size: usize,
) -> Result<Markup, WebError> {
    let site = state.site();
    let filters = Filters::parse(query)?;
    // One more than shown says whether an older page exists.
    let filter = filters.hit_filter(&name, now, page_size + 1);
    let configured = site.topics.topics().iter().any(|t| t.name == name);
    let topic = name.clone();
    let (mut hits, exists) = state
        .reader
        .read(move |store| {
            let hits = store.hits(&filter)?;
            let exists = configured || !hits.is_empty() || store.topic_has_hits(&topic)?;
            Ok((hits, exists))
        })
        .await?;
    if !exists {
        return Err(WebError::NotFound(format!("there is no topic {name:?}")));
    }
    let older = if hits.len() > page_size {
        hits.truncate(page_size);
        hits.last().map(|hit| (hit.created_at, hit.id))
    } else {
        None
    };
    let shown = Shown {
        name: &name,
        configured,
        filters: &filters,
        hits: &hits,
        older,
    };
    Ok(render(&site, &shown))
}

/// What one topic page shows.
struct Shown<'a> {
    name: &'a str,
    /// Whether the config has the topic (its stored hits outlive it).
    configured: bool,
    filters: &'a Filters,
    /// The page's hits, newest first.
    hits: &'a [StoredHit],
    /// The key of the last hit, when older hits follow.
    older: Option<(DateTime<Utc>, i64)>,
}

fn render(site: &Site, shown: &Shown<'_>) -> Markup {
    let atom = format!("{}.atom", layout::topic_path(shown.name));
    let json = format!("{}.json", layout::topic_path(shown.name));
    let head = html! {
        link rel="alternate" type="application/atom+xml" title=(format!("{} (Atom)", shown.name))
            href=(atom);
        link rel="alternate" type="application/feed+json"
            title=(format!("{} (JSON Feed)", shown.name)) href=(json);
    };
    let main = html! {
        @if !shown.configured {
            p.alert { "This topic is no longer configured; its stored hits are shown." }
        }
        p.feedlinks {
            "Follow this topic in a feed reader: "
            a href=(atom) { "Atom" } " · " a href=(json) { "JSON Feed" }
        }
        (filters::form(site, shown.name, shown.filters))
        h2 { "Stories" }
        @if shown.hits.is_empty() {
            p.muted { "No stories" @if shown.filters.before.is_some() { " older than these" } "." }
        } @else {
            ol.stories { @for hit in shown.hits { (story(site, hit)) } }
        }
        (pager(shown))
    };
    layout::page(site, shown.name, Nav::Topics, head, main)
}

/// One story: its lead's title (to the story page), site, feed, times, score, matched words,
/// the snippet of the copy the topic matched, and its other copies.
fn story(site: &Site, hit: &StoredHit) -> Markup {
    let title = hit.shown_title();
    let language = hit.language.as_deref();
    let others: Vec<&String> = hit
        .sources
        .iter()
        .filter(|source| Some(*source) != hit.url.as_ref())
        .collect();
    html! {
        li.story {
            h3 lang=[language] {
                @if let Some(story_id) = hit.story_id {
                    a href=(layout::story_path(story_id)) { (title) }
                } @else {
                    (title)
                }
            }
            p.meta {
                @if let Some(host) = hit.url.as_deref().and_then(host) { (host) " · " }
                (hit.feed)
                @if let Some(published) = hit.published_at {
                    " · published " (layout::time(site, published))
                }
                " · found " (layout::time(site, hit.created_at))
                " · score " (hit.score)
                @if hit.backfill { " · " span.backfill { "backfill" } }
            }
            @if !hit.snippet.text.is_empty() {
                p.snippet lang=[language] { (layout::snippet(&hit.snippet)) }
            }
            p.meta {
                "Matched: " (hit.matched.join(", "))
                @if let Some(url) = &hit.url {
                    " · " (layout::external_link(url, "original article"))
                }
            }
            @if !others.is_empty() {
                ul.copies aria-label="Other copies" {
                    @for source in others {
                        li { "also at " (layout::external_link(source, &site_of(source))) }
                    }
                }
            }
        }
    }
}

/// The host of `url`, the site a reader knows it by.
fn host(url: &str) -> Option<String> {
    Url::parse(url).ok()?.host_str().map(str::to_owned)
}

/// The host of `url`, else the whole URL.
fn site_of(url: &str) -> String {
    host(url).unwrap_or_else(|| url.to_owned())
}

/// Back to the newest stories, and on to older ones, keeping the filters.
fn pager(shown: &Shown<'_>) -> Markup {
    if shown.filters.before.is_none() && shown.older.is_none() {
        return html! {};
    }
    html! {
        nav.pager aria-label="Pages" {
            @if shown.filters.before.is_some() {
                a href=(shown.filters.address(shown.name, None)) { "Newest" }
            }
            @if let Some(older) = shown.older {
                a href=(shown.filters.address(shown.name, Some(older))) rel="next" { "Older" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::config::WebSettings;
    use crate::matcher::{Topic, TopicSet, parse_query};
    use crate::model::{Snippet, TopicHit};
    use crate::store::BackfillHit;
    use crate::store::test_support::{article_with_text, open_with_feed};
    use crate::web::Reader;

    /// A site whose one topic is `t`, over the database at `path`.
    fn state(path: &std::path::Path) -> WebState {
        let site = Site {
            settings: WebSettings {
                listen: None,
                public_url: None,
                password: None,
                password_source: None,
                timezone: chrono_tz::UTC,
            },
            topics: TopicSet::new(vec![Topic {
                name: "t".into(),
                query: parse_query("text").unwrap(),
                languages: Vec::new(),
            }]),
            configured_feeds: HashSet::new(),
        };
        WebState {
            reader: Reader::open(path, 1).unwrap(),
            site: tokio::sync::watch::channel(Arc::new(site)).1,
        }
    }

    /// The story links of a page, in order, and the address of its "Older" link.
    fn stories_and_older(page: &str) -> (Vec<String>, Option<String>) {
        let stories = page
            .match_indices("<a href=\"/stories/")
            .map(|(at, _)| {
                let rest = &page[at + "<a href=\"".len()..];
                rest[..rest.find('"').unwrap()].to_owned()
            })
            .collect();
        let older = page.find("rel=\"next\"").map(|end| {
            let start = page[..end].rfind("href=\"").unwrap() + "href=\"".len();
            let href = &page[start..end];
            href[..href.find('"').unwrap()].replace("&amp;", "&")
        });
        (stories, older)
    }

    /// Following "Older" from the first page, two stories a page, shows every story of the
    /// topic once, newest first (hits found at the same time ordered by id), keeping the
    /// filters in the link; the last page has no "Older".
    #[tokio::test]
    async fn older_links_walk_every_story_once() {
        let (dir, mut store, feed) = open_with_feed();
        let start = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let mut expected = Vec::new();
        for n in 0..5i64 {
            let guid = format!("s{n}");
            let id = article_with_text(&mut store, feed, &guid, &guid, "text", Some("en"), start);
            let hit = BackfillHit {
                article_id: id,
                story_id: id,
                hit: TopicHit {
                    topic: "t".into(),
                    score: 1,
                    matched: vec!["text".into()],
                    snippet: Snippet::default(),
                },
            };
            store
                .insert_backfill_hits(&[hit], start + Duration::minutes(n / 2))
                .unwrap();
            expected.push(layout::story_path(id));
        }
        expected.reverse();
        let state = state(&dir.path().join("t.db"));
        let now = start + Duration::hours(1);

        let mut query = TopicQuery {
            period: Some("24h".into()),
            ..TopicQuery::default()
        };
        let mut walked = Vec::new();
        let mut pages = 0;
        loop {
            let page = topic_page(&state, "t".into(), &query, now, 2)
                .await
                .unwrap();
            let (stories, older) = stories_and_older(&page.into_string());
            walked.extend(stories);
            pages += 1;
            let Some(older) = older else { break };
            let (_, params) = older.split_once('?').unwrap();
            assert!(params.contains("period=24h"), "{older}");
            query = query_of_link(params);
        }
        assert_eq!((walked, pages), (expected, 3));
    }

    /// The query of an "Older" link as the handler receives it.
    fn query_of_link(params: &str) -> TopicQuery {
        let mut query = TopicQuery::default();
        for (key, value) in url::form_urlencoded::parse(params.as_bytes()) {
            let value = Some(value.into_owned());
            match key.as_ref() {
                "language" => query.language = value,
                "period" => query.period = value,
                "backfill" => query.backfill = value,
                "before" => query.before = value,
                _ => {}
            }
        }
        query
    }
}
