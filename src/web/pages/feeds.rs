//! `/feeds`: every configured feed with its status, last and next poll, items stored, failed
//! polls in a row and last error, as `newshound feeds` shows them; by name, or worst first
//! with `?sort=status`.

use std::collections::HashSet;

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use super::overview::counted;
use crate::store::{FeedHealth, FeedReport};
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState};

/// A feed of the config with its row, which the database lacks until the service (or
/// `run --once`) first syncs the config.
struct ConfiguredFeed {
    /// The URL as the config writes it.
    config_url: String,
    /// Its row with its poll state.
    report: Option<FeedReport>,
}

impl ConfiguredFeed {
    /// The name the config gives it, else (no row yet) its URL.
    fn name(&self) -> &str {
        self.report
            .as_ref()
            .map_or(&self.config_url, |r| &r.state.name)
    }

    /// How it is doing; a feed without a row has not been polled.
    fn health(&self) -> FeedHealth {
        self.report
            .as_ref()
            .map_or(FeedHealth::NotPolled, FeedReport::health)
    }
}

/// The reports of configured feeds among `reports`: the database keeps the rows of feeds
/// removed from the config.
pub(super) fn configured(
    site: &Site,
    reports: Vec<FeedReport>,
) -> impl Iterator<Item = FeedReport> {
    reports
        .into_iter()
        .filter(|r| site.configured_feeds.contains(&r.state.config_url))
}

/// Every configured feed with its report, those the database has no row for yet too, by name.
fn configured_feeds(site: &Site, reports: Vec<FeedReport>) -> Vec<ConfiguredFeed> {
    let mut feeds: Vec<ConfiguredFeed> = configured(site, reports)
        .map(|r| ConfiguredFeed {
            config_url: r.state.config_url.clone(),
            report: Some(r),
        })
        .collect();
    let present: HashSet<&str> = feeds.iter().map(|f| f.config_url.as_str()).collect();
    let missing: Vec<ConfiguredFeed> = site
        .configured_feeds
        .iter()
        .filter(|url| !present.contains(url.as_str()))
        .map(|url| ConfiguredFeed {
            config_url: url.clone(),
            report: None,
        })
        .collect();
    feeds.extend(missing);
    feeds.sort_by_cached_key(|f| (f.name().to_lowercase(), f.config_url.clone()));
    feeds
}

/// The page's parameters.
#[derive(Debug, Deserialize)]
pub(super) struct Params {
    /// "name" (the default) or "status": worst first.
    sort: Option<String>,
}

/// The order of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    /// By name.
    Name,
    /// Broken first, working last, by name within each.
    Status,
}

/// The feeds page.
pub(super) async fn page(
    State(state): State<WebState>,
    Query(params): Query<Params>,
) -> Result<Markup, WebError> {
    let sort = match params.sort.as_deref() {
        None | Some("name") => Sort::Name,
        Some("status") => Sort::Status,
        Some(other) => {
            return Err(WebError::BadRequest(format!(
                "cannot sort the feeds by {other:?}: by name or status"
            )));
        }
    };
    let site = state.site();
    let reports = state.reader.read(|store| store.feed_reports()).await?;
    let mut feeds = configured_feeds(&site, reports);
    if sort == Sort::Status {
        // Stable: by name within each status.
        feeds.sort_by_key(ConfiguredFeed::health);
    }
    let attention = feeds
        .iter()
        .filter(|f| f.health().needs_attention())
        .count();
    let main = html! {
        p {
            (counted(feeds.len() as i64, "feed")) " configured"
            @if attention > 0 {
                ", " span.bad { (attention) " not working" }
            }
            "."
        }
        @if !feeds.is_empty() {
            (feed_table(&site, &feeds, sort))
        }
    };
    Ok(layout::page(&site, "Feeds", Nav::Feeds, html! {}, main))
}

fn feed_table(site: &Site, feeds: &[ConfiguredFeed], sort: Sort) -> Markup {
    html! {
        div.table-wrap {
            table.listing.feeds {
                thead {
                    tr {
                        (sort_header("Name", "/feeds", sort == Sort::Name))
                        (sort_header("Status", "/feeds?sort=status", sort == Sort::Status))
                        th scope="col" { "Last poll" }
                        th.num.wide-only scope="col" { "Items" }
                        th.num scope="col" { "Errors in a row" }
                        th.wide-only scope="col" { "Next poll" }
                        th scope="col" { "Last error" }
                    }
                }
                tbody {
                    @for feed in feeds {
                        (feed_row(site, feed))
                    }
                }
            }
        }
    }
}

/// A column header that sorts the table by its column; the current one says so.
fn sort_header(label: &str, href: &str, current: bool) -> Markup {
    html! {
        @if current {
            th scope="col" aria-sort="ascending" { (label) }
        } @else {
            th scope="col" { a href=(href) { (label) } }
        }
    }
}

fn feed_row(site: &Site, feed: &ConfiguredFeed) -> Markup {
    let Some(report) = &feed.report else {
        return html! {
            tr {
                th.url scope="row" { (layout::external_link(&feed.config_url, &feed.config_url)) }
                td { "not polled yet" }
                td { "never" } td.num.wide-only { "0" } td.num { "0" } td.wide-only { "now" } td {}
            }
        };
    };
    let state = &report.state;
    html! {
        tr {
            th scope="row" {
                span.name { (state.name) }
                br;
                span.small.url { (layout::external_link(&state.url, &state.url)) }
            }
            td { (status(site, report)) }
            td {
                @match state.last_polled_at {
                    Some(at) => (layout::time(site, at)),
                    None => "never",
                }
            }
            td.num.wide-only { (state.item_count) }
            td.num { (state.consecutive_errors) }
            td.wide-only {
                @if state.disabled_reason.is_some() {
                    "never"
                } @else if state.next_poll_at.timestamp() <= 0 {
                    "now"
                } @else {
                    (layout::time(site, state.next_poll_at))
                }
            }
            td.small {
                (state.disabled_reason.as_deref().or(state.last_error.as_deref()).unwrap_or(""))
            }
        }
    }
}

/// The feed's health in words, marked bad when it needs attention, with since when it fails.
fn status(site: &Site, report: &FeedReport) -> Markup {
    let since = report.failing_since.map(|at| layout::time(site, at));
    match report.health() {
        FeedHealth::Broken => html! { span.bad { "broken" } " since " (since.unwrap_or_default()) },
        FeedHealth::Failing => {
            html! { span.bad { "failing" } " since " (since.unwrap_or_default()) }
        }
        FeedHealth::Disabled => html! { span.bad { "gone (disabled)" } },
        FeedHealth::NotPolled => html! { "not polled yet" },
        FeedHealth::Working => match report.state.last_status.as_deref() {
            Some("not_modified") => html! { span.good { "ok" } " (not modified)" },
            _ => html! { span.good { "ok" } },
        },
    }
}
