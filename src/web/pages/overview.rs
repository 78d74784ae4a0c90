//! `/`: every topic with its hits over the last day, week and in all, its last hit and a chart
//! of hits per day; broken feeds and failed emails flagged at the top.

use axum::extract::State;
use chrono::Utc;
use maud::{Markup, html};

use super::feeds::configured;
use crate::store::{FeedHealth, FeedReport, TopicActivity};
use crate::web::chart::bar_chart;
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState};

/// Days the chart of each topic covers, today (UTC) the last.
const CHART_DAYS: u16 = 30;

/// What the overview reads from the database.
struct Overview {
    /// The configured topics' hits, in config order.
    topics: Vec<TopicActivity>,
    /// The feeds that do not work, removed ones included.
    failing_feeds: Vec<FeedReport>,
    /// Emails that failed for good.
    failed_emails: i64,
    /// Articles stored.
    articles: i64,
}

/// The overview.
pub(super) async fn page(State(state): State<WebState>) -> Result<Markup, WebError> {
    let site = state.site();
    let topics: Vec<String> = site
        .topics
        .topics()
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let now = Utc::now();
    let overview = state
        .reader
        .read(move |store| {
            let names: Vec<&str> = topics.iter().map(String::as_str).collect();
            Ok(Overview {
                topics: store.topic_activity(&names, now, CHART_DAYS)?,
                failing_feeds: store.failing_feed_reports()?,
                failed_emails: store.failed_email_count()?,
                articles: store.stored_articles()?,
            })
        })
        .await?;
    let failing_feeds: Vec<FeedReport> = configured(&site, overview.failing_feeds).collect();
    let configured_count = site.configured_feeds.len() as i64;
    let activity = overview.topics;
    let main = html! {
        (problems(&failing_feeds, overview.failed_emails))
        p.muted.small {
            (counted(overview.articles, "article")) " stored; "
            (counted(configured_count, "feed")) " configured."
        }
        h2 { "Hits per topic" }
        @if activity.is_empty() {
            p { "No topics are configured." }
        } @else {
            (topic_table(&site, &activity))
            p.small.muted {
                "The last 24 hours and 7 days are counted to the second. The charts count per "
                "UTC day (midnight to midnight UTC, whatever the time zone of the times shown); "
                "the last bar is today's so far."
            }
        }
    };
    Ok(layout::page(&site, "Topics", Nav::Topics, html! {}, main))
}

/// The flags at the top: feeds that do not work and emails that failed, with links to the
/// pages that tell more; nothing when all is well.
fn problems(failing_feeds: &[FeedReport], failed_emails: i64) -> Markup {
    let count = |health: FeedHealth| {
        failing_feeds
            .iter()
            .filter(|f| f.health() == health)
            .count() as i64
    };
    let feed_problems: Vec<String> = [
        (FeedHealth::Broken, "broken"),
        (FeedHealth::Disabled, "gone (disabled)"),
        (FeedHealth::Failing, "failing"),
    ]
    .into_iter()
    .filter_map(|(health, label)| {
        let n = count(health);
        (n > 0).then(|| format!("{n} {label}"))
    })
    .collect();
    if feed_problems.is_empty() && failed_emails == 0 {
        return html! {};
    }
    html! {
        section.alert.problems aria-labelledby="problems" {
            h2 #problems { "Needs attention" }
            ul {
                @if !feed_problems.is_empty() {
                    li {
                        "Feeds: " (feed_problems.join(", ")) ". "
                        a href="/feeds?sort=status" { "See the feeds" }
                    }
                }
                @if failed_emails > 0 {
                    li {
                        (counted(failed_emails, "email")) " failed. "
                        a href="/outbox" { "See the outbox" }
                    }
                }
            }
        }
    }
}

/// One row per topic: its counts, last hit, and chart.
fn topic_table(site: &Site, activity: &[TopicActivity]) -> Markup {
    html! {
        div.table-wrap {
            table.listing {
                thead {
                    tr {
                        th scope="col" { "Topic" }
                        th.num scope="col" { "24 h" }
                        th.num scope="col" { "7 days" }
                        th.num scope="col" { "All" }
                        th.wide-only scope="col" { "Last hit" }
                        th scope="col" { "Per UTC day, " (CHART_DAYS) " days" }
                    }
                }
                tbody {
                    @for topic in activity {
                        tr {
                            th scope="row" {
                                a href=(layout::topic_path(&topic.topic)) { (topic.topic) }
                            }
                            td.num { (topic.last_day) }
                            td.num { (topic.last_week) }
                            td.num { (topic.total) }
                            td.wide-only {
                                @match topic.last_hit_at {
                                    Some(at) => (layout::time(site, at)),
                                    None => span.muted { "never" },
                                }
                            }
                            td.chart-cell { (chart(topic)) }
                        }
                    }
                }
            }
        }
    }
}

/// The topic's chart, named with what it shows for those who cannot see it.
fn chart(topic: &TopicActivity) -> Markup {
    let hits: Vec<i64> = topic.per_day.iter().map(|d| d.hits).collect();
    let total: i64 = hits.iter().sum();
    let most = hits.iter().copied().max().unwrap_or(0);
    let span = match (topic.per_day.first(), topic.per_day.last()) {
        (Some(first), Some(last)) => format!(" from {} to {}", first.date, last.date),
        _ => String::new(),
    };
    let description = if total == 0 {
        format!(
            "{}: no hits in the {} UTC days{span}",
            topic.topic,
            hits.len()
        )
    } else {
        format!(
            "{}: {} in the {} UTC days{span}, at most {most} in a day",
            topic.topic,
            counted(total, "hit"),
            hits.len(),
        )
    };
    bar_chart(&description, &hits)
}

/// "1 hit", "2 hits".
pub(super) fn counted(n: i64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
