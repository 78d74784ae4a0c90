//! `/topics/NAME`: a topic's stories, newest first, each once under its lead with its other
//! copies folded under it, filtered by language, period and backfill, a page at a time. The
//! next page starts after the last hit shown (keyset pagination through `hits_by_topic`), so an
//! old page costs what the first does.
//!
//! The same route carries the topic's feeds, `/topics/NAME.atom` and `/topics/NAME.json`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use url::Url;

use crate::store::{HitFilter, StoredHit};
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState};

/// Stories on one page.
const PAGE_SIZE: usize = 50;

/// The languages offered by the filter when the topic watches every language.
const COMMON_LANGUAGES: [&str; 8] = ["de", "en", "es", "fr", "it", "nl", "pl", "pt"];

/// The address's query, as given: every value is checked by [`Filters::parse`], so that a bad
/// one gets this site's error page rather than the framework's.
#[derive(Debug, Default, Deserialize)]
pub(super) struct TopicQuery {
    /// An ISO 639-1 code; empty or absent for every language.
    language: Option<String>,
    /// `24h`, `7d`, `30d` or `all` (the default).
    period: Option<String>,
    /// `all` (the default), `new` (found as the articles came in) or `backfill`.
    backfill: Option<String>,
    /// `SECONDS:ID`, the key of the last hit of the previous page.
    before: Option<String>,
}

/// A filter with a few named choices: parsed from the address, written back into it, and
/// offered as a `<select>`.
trait Choice: Copy + PartialEq + 'static {
    /// Its name in the address.
    const NAME: &'static str;
    /// Every choice, in the order offered.
    const ALL: &'static [Self];
    /// This choice's value in the address.
    fn value(self) -> &'static str;
    /// What the form shows for it.
    fn label(self) -> &'static str;
}

/// How far back the page looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Week,
    Month,
    All,
}

impl Choice for Period {
    const NAME: &'static str = "period";
    const ALL: &'static [Period] = &[Period::Day, Period::Week, Period::Month, Period::All];

    fn value(self) -> &'static str {
        match self {
            Period::Day => "24h",
            Period::Week => "7d",
            Period::Month => "30d",
            Period::All => "all",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Period::Day => "last 24 hours",
            Period::Week => "last 7 days",
            Period::Month => "last 30 days",
            Period::All => "all time",
        }
    }
}

impl Period {
    /// The earliest time a hit may have been found, from `now`.
    fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let back = match self {
            Period::Day => Duration::hours(24),
            Period::Week => Duration::days(7),
            Period::Month => Duration::days(30),
            Period::All => return None,
        };
        now.checked_sub_signed(back)
    }
}

/// Which hits by how they were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Any,
    AsTheyCameIn,
    Backfilled,
}

impl Choice for Found {
    const NAME: &'static str = "backfill";
    const ALL: &'static [Found] = &[Found::Any, Found::AsTheyCameIn, Found::Backfilled];

    fn value(self) -> &'static str {
        match self {
            Found::Any => "all",
            Found::AsTheyCameIn => "new",
            Found::Backfilled => "backfill",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Found::Any => "all",
            Found::AsTheyCameIn => "only new",
            Found::Backfilled => "only backfilled",
        }
    }
}

impl Found {
    /// The store's condition on `backfill`.
    fn backfill(self) -> Option<bool> {
        match self {
            Found::Any => None,
            Found::AsTheyCameIn => Some(false),
            Found::Backfilled => Some(true),
        }
    }
}

/// The page's filters and where it starts, checked.
#[derive(Debug, Clone, PartialEq)]
struct Filters {
    language: Option<String>,
    period: Period,
    found: Found,
    before: Option<(DateTime<Utc>, i64)>,
}

impl Filters {
    /// The filters of `query`; a value that is not one of the page's is refused, naming it.
    fn parse(query: &TopicQuery) -> Result<Filters, WebError> {
        let language = given(&query.language).map(language_code).transpose()?;
        let period: Option<Period> = choice(given(&query.period))?;
        let found: Option<Found> = choice(given(&query.backfill))?;
        let before = given(&query.before).map(parse_cursor).transpose()?;
        Ok(Filters {
            language,
            period: period.unwrap_or(Period::All),
            found: found.unwrap_or(Found::Any),
            before,
        })
    }

    /// What the store reads: at most `limit` hits of `topic`.
    fn hit_filter(&self, topic: &str, now: DateTime<Utc>, limit: usize) -> HitFilter {
        HitFilter {
            topic: Some(topic.to_owned()),
            since: self.period.since(now),
            limit: Some(limit),
            before: self.before,
            language: self.language.clone(),
            backfill: self.found.backfill(),
            story: None,
        }
    }

    /// The address of this topic's page with these filters, starting after `before`.
    fn address(&self, topic: &str, before: Option<(DateTime<Utc>, i64)>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(language) = &self.language {
            query.append_pair("language", language);
        }
        if self.period != Period::All {
            query.append_pair("period", self.period.value());
        }
        if self.found != Found::Any {
            query.append_pair("backfill", self.found.value());
        }
        if let Some((created_at, id)) = before {
            query.append_pair("before", &format!("{}:{id}", created_at.timestamp()));
        }
        let query = query.finish();
        let path = layout::topic_path(topic);
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }
}

/// A value of the address's query, unless it is empty (a form sends empty fields).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// An ISO 639 code of two or three letters, in lower case.
fn language_code(given: &str) -> Result<String, WebError> {
    let code = given.to_ascii_lowercase();
    if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(WebError::BadRequest(format!(
            "language {given:?} is not a language code"
        )))
    }
}

/// The choice whose address value is `given`, if one is given.
fn choice<T: Choice>(given: Option<&str>) -> Result<Option<T>, WebError> {
    let Some(given) = given else {
        return Ok(None);
    };
    T::ALL
        .iter()
        .copied()
        .find(|option| option.value() == given)
        .map(Some)
        .ok_or_else(|| {
            let known: Vec<&str> = T::ALL.iter().map(|o| o.value()).collect();
            WebError::BadRequest(format!(
                "{} {given:?} is not one of {}",
                T::NAME,
                known.join(", ")
            ))
        })
}

/// A `<select>` of every choice of `T`, `chosen` selected.
fn select<T: Choice>(label: &str, chosen: T) -> Markup {
    html! {
        label {
            (label)
            select name=(T::NAME) {
                @for &option in T::ALL {
                    option value=(option.value()) selected[option == chosen] { (option.label()) }
                }
            }
        }
    }
}

/// `SECONDS:ID`, the key of a hit in the newest-first order.
fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, i64), WebError> {
    let bad = || WebError::BadRequest(format!("before {cursor:?} is not SECONDS:ID"));
    let (seconds, id) = cursor.split_once(':').ok_or_else(bad)?;
    let seconds: i64 = seconds.parse().map_err(|_| bad())?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp(seconds, 0).ok_or_else(bad)?;
    Ok((at, id))
}

/// `/topics/{name}`: the topic's page, or one of its feeds by the name's ending.
pub(super) async fn page(
    State(state): State<WebState>,
    Path(name): Path<String>,
    Query(query): Query<TopicQuery>,
) -> Result<Response, WebError> {
    // helper C: feeds of hits (`crate::web::feeds::topic_atom` and `topic_json_feed`).
    match name.rsplit_once('.') {
        Some((topic, "atom")) => Err(WebError::NotFound(format!(
            "the Atom feed of {topic} is not served yet"
        ))),
        Some((topic, "json")) => Err(WebError::NotFound(format!(
            "the JSON feed of {topic} is not served yet"
        ))),
        _ => topic_page(&state, name, &query, Utc::now(), PAGE_SIZE)
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
        (filter_form(site, shown))
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

/// The filters as a GET form, which works without scripts; it starts again at the newest.
fn filter_form(site: &Site, shown: &Shown<'_>) -> Markup {
    let filters = shown.filters;
    let mut languages: Vec<String> = site
        .topics
        .topics()
        .iter()
        .find(|t| t.name == shown.name)
        .map(|t| t.languages.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| COMMON_LANGUAGES.map(str::to_owned).to_vec());
    if let Some(chosen) = &filters.language
        && !languages.contains(chosen)
    {
        languages.push(chosen.clone());
    }
    html! {
        form.filters method="get" action=(layout::topic_path(shown.name)) {
            label {
                "Language"
                select name="language" {
                    option value="" selected[filters.language.is_none()] { "any" }
                    @for code in &languages {
                        option value=(code) selected[filters.language.as_ref() == Some(code)] {
                            (code)
                        }
                    }
                }
            }
            (select("Period", filters.period))
            (select("Backfilled hits", filters.found))
            button type="submit" { "Show" }
        }
    }
}

/// One story: its lead's title (to the story page), site, feed, times, score, matched words,
/// the snippet of the copy the topic matched, and its other copies.
fn story(site: &Site, hit: &StoredHit) -> Markup {
    let title = hit.title.as_deref().unwrap_or("(untitled)");
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

    use chrono::TimeZone;

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

    /// The filters round-trip through the address, the default ones left out, and a value
    /// the page does not know is refused with its name.
    #[test]
    fn filters_round_trip_through_the_address() {
        let query = TopicQuery {
            language: Some("DE".into()),
            period: Some("7d".into()),
            backfill: Some("backfill".into()),
            before: None,
        };
        let filters = Filters::parse(&query).unwrap();
        let before = Some((Utc.timestamp_opt(1_700_000_000, 0).unwrap(), 42));
        assert_eq!(
            filters.address("Arms deals", before),
            "/topics/Arms%20deals?language=de&period=7d&backfill=backfill&before=1700000000%3A42"
        );
        assert_eq!(
            Filters::parse(&TopicQuery::default())
                .unwrap()
                .address("t", None),
            "/topics/t"
        );
        let bad = TopicQuery {
            period: Some("1y".into()),
            ..TopicQuery::default()
        };
        let error = Filters::parse(&bad).unwrap_err().to_string();
        assert_eq!(error, "period \"1y\" is not one of 24h, 7d, 30d, all");
        let bad = TopicQuery {
            before: Some("yesterday".into()),
            ..TopicQuery::default()
        };
        assert!(Filters::parse(&bad).is_err());
    }
}
