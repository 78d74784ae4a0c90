//! The read-only web pages over what is stored: the topics and their hits, each story with
//! every copy and why it matched, search, the feeds' health and the outbox; the topics' hits as
//! Atom and JSON feeds, and `/api/hits`. They only read, through their own read-only
//! connections ([`Reader`]), so a page never holds up a poll.
//!
//! Served inside `newshound run` on `[web] listen` (beside `/healthz` and `/metrics`, which
//! `[daemon] listen` serves alone), or by `newshound web` over an existing database.
//! Pages are rendered on the server with maud (compile-time checked, every value escaped) and
//! work without JavaScript; the one stylesheet is embedded in the binary.
//!
//! # Files
//! `server` is the accept loop and its limits; `security` the password, the methods served
//! and the headers every answer carries; `reader` the read-only connections; `layout` the
//! frame of every page, times and links; `monitor` `/healthz` and `/metrics`; `pages/` one file
//! per page; `chart` the overview's SVG bar charts; `feeds` the Atom and JSON feeds of hits;
//! `api` `/api/hits`.

pub mod api;
mod chart;
pub mod feeds;
pub mod layout;
pub mod monitor;
mod pages;
pub mod reader;
pub mod security;
pub mod server;

use std::collections::HashSet;
use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

use crate::config::{Config, WebSettings};
use crate::matcher::TopicSet;
use crate::store::StoreError;
pub use reader::Reader;

/// What the pages take from the config; the service replaces it on reload.
pub struct Site {
    /// `[web]`.
    pub settings: WebSettings,
    /// The topics, compiled, to say why a story did or did not match each.
    pub topics: TopicSet,
    /// The URLs of the configured feeds: the database keeps feeds removed from the config,
    /// which the pages leave out.
    pub configured_feeds: HashSet<String>,
}

impl Site {
    /// The parts of `config` the pages show.
    pub fn new(config: &Config) -> Site {
        Site {
            settings: config.web.clone(),
            topics: config.topic_set(),
            configured_feeds: config.configured_feeds(),
        }
    }
}

/// What every handler reads: the database and the current config's part.
#[derive(Clone)]
pub struct WebState {
    /// The read-only connections.
    pub reader: Reader,
    /// The config's part, replaced on reload.
    pub site: watch::Receiver<Arc<Site>>,
}

impl WebState {
    /// The config's part as it is now.
    pub fn site(&self) -> Arc<Site> {
        Arc::clone(&self.site.borrow())
    }
}

/// The whole router of `[web] listen`: the pages, the feeds of hits, the stylesheet, and
/// `monitor`'s `/healthz` and `/metrics` when the service runs them. Every answer carries
/// the security headers; everything but `/healthz` asks for the password when one is set.
pub fn router(state: WebState, monitor: Option<monitor::Endpoint>) -> Router {
    let mut router = pages::routes()
        .route("/api/hits", get(api::hits))
        .route("/static/style.css", get(stylesheet))
        .fallback(not_found)
        .with_state(state.clone());
    if let Some(endpoint) = monitor {
        router = router.merge(monitor::routes(endpoint));
    }
    security::wrap(router, state.site)
}

/// The router of `[daemon] listen`: `/healthz` and `/metrics` alone, as plain text.
pub fn monitor_router(endpoint: monitor::Endpoint) -> Router {
    monitor::routes(endpoint)
        .fallback(|| async { monitor::text(StatusCode::NOT_FOUND, "not found\n".into()) })
        .layer(axum::middleware::from_fn(security::only_get_and_head))
}

/// The stylesheet; it changes only with the binary, so readers may keep it an hour.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("style.css"),
    )
}

async fn not_found() -> WebError {
    WebError::NotFound("no such page".into())
}

/// Why a page cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// What the address names does not exist (a topic, a story, a page).
    #[error("{0}")]
    NotFound(String),
    /// A parameter of the address is not understood.
    #[error("{0}")]
    BadRequest(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else on the server's side.
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Store(_) | WebError::Internal(_) => {
                tracing::warn!(error = %self, "web page failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let shown = match &self {
            WebError::Store(_) | WebError::Internal(_) => {
                "the server failed to read the database; its log says why".to_owned()
            }
            other => other.to_string(),
        };
        (status, layout::error_page(status, &shown)).into_response()
    }
}
