//! `/outbox`: the newest messages (emails and channel messages) with their status, attempts
//! and the answer or the last error, as `newshound outbox` shows them.

use axum::extract::State;
use maud::{Markup, html};

use super::overview::counted;
use crate::store::OutboxEntry;
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState};

/// How many of the newest messages the page shows.
const SHOWN: usize = 100;

/// The outbox page.
pub(super) async fn page(State(state): State<WebState>) -> Result<Markup, WebError> {
    let site = state.site();
    let messages = state
        .reader
        .read(|store| store.outbox_entries(SHOWN))
        .await?;
    let main = html! {
        @if messages.is_empty() {
            p { "The outbox is empty." }
        } @else {
            p {
                (counted(messages.len() as i64, "message")) ", newest first."
                @if messages.len() == SHOWN { " Older ones are not shown." }
            }
            (message_table(&site, &messages))
        }
    };
    Ok(layout::page(&site, "Outbox", Nav::Outbox, html! {}, main))
}

fn message_table(site: &Site, messages: &[OutboxEntry]) -> Markup {
    html! {
        div.table-wrap {
            table.listing {
                thead {
                    tr {
                        th scope="col" { "Created" }
                        th.wide-only scope="col" { "Kind" }
                        th scope="col" { "Recipient or channel" }
                        th scope="col" { "Subject" }
                        th scope="col" { "Status" }
                        th.num.wide-only scope="col" { "Attempts" }
                        th.wide-only scope="col" { "Next attempt" }
                        th scope="col" { "Answer or last error" }
                    }
                }
                tbody {
                    @for message in messages {
                        (message_row(site, message))
                    }
                }
            }
        }
    }
}

fn message_row(site: &Site, m: &OutboxEntry) -> Markup {
    html! {
        tr {
            td { (layout::time(site, m.created_at)) }
            td.wide-only { (kind(&m.kind)) }
            td {
                @if m.channel == crate::config::EMAIL_CHANNEL {
                    (m.recipient)
                } @else {
                    "channel " (m.channel)
                }
            }
            td { (m.subject) }
            td {
                @match m.status.as_str() {
                    "sent" => span.good { "sent" },
                    "failed" => span.bad { "failed" },
                    other => (other),
                }
            }
            td.num.wide-only { (m.attempts) }
            td.wide-only {
                @if m.status == "pending" { (layout::time(site, m.next_attempt_at)) }
            }
            td.small {
                @if m.status == "sent" {
                    @if let Some(answer) = &m.answer { "accepted: " (answer) }
                } @else if let Some(error) = &m.last_error {
                    (error)
                }
            }
        }
    }
}

/// The outbox's kind in words.
fn kind(kind: &str) -> &str {
    match kind {
        "immediate" => "alert",
        "feed_broken" => "feed broken",
        "feed_recovered" => "feed recovered",
        other => other,
    }
}
