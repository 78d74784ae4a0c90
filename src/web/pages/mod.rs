//! One file per page; this one puts them on their addresses.

use axum::Router;
use axum::routing::get;

use super::WebState;

mod feeds;
mod outbox;
mod overview;
mod search;
mod story;
mod topic;

/// Every page's route.
pub(super) fn routes() -> Router<WebState> {
    Router::new()
        .route("/", get(overview::page))
        .route("/search", get(search::page))
        .route("/topics/{name}", get(topic::page))
        .route("/stories/{id}", get(story::page))
        .route("/feeds", get(feeds::page))
        .route("/outbox", get(outbox::page))
}
