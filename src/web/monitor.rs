//! The monitoring routes of the service: `GET /healthz` and `GET /metrics`, on `[daemon]
//! listen` alone and on the web pages' router beside the pages.
//!
//! `/healthz` answers 200 `ok` when a scheduling pass completed within
//! [`PASS_STALE_AFTER`](crate::metrics::PASS_STALE_AFTER) and the database answers a read within
//! [`DATABASE_ANSWER_WITHIN`]; otherwise 503 with the reason as plain text. `/metrics` is the
//! Prometheus text exposition of [`Metrics`] plus the database's gauges read at scrape time.
//!
//! On `[daemon] listen` it is meant for a scraper on the same machine or network, so that
//! listener is small ([`MONITOR_LIMITS`](super::server::MONITOR_LIMITS)): request bodies are
//! never read, headers must arrive within a few seconds and fit in 16 KiB, one request per
//! connection, and a few connections at once (more are closed at once).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

use crate::metrics::{ErrorKind, Metrics};
use crate::store::{StoreCounts, StoreHandle};

/// `/healthz` fails when the database does not answer a read within this time (a lock held by
/// another process, a hung disk).
pub const DATABASE_ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// `/metrics` gives up on the database's gauges after this long and serves the counters alone.
const COUNTS_WITHIN: Duration = Duration::from_secs(10);

/// What the handlers read: the counters, the database, and which feeds are configured (the
/// database also holds feeds removed from the config, which are not reported).
#[derive(Clone)]
pub struct Endpoint {
    /// The service's counters.
    pub metrics: Arc<Metrics>,
    /// The database.
    pub store: StoreHandle,
    /// The URLs of the configured feeds, as the config writes them; replaced on reload.
    pub feeds: watch::Receiver<Arc<HashSet<String>>>,
    /// The database check of `/healthz`, shared by the probes that arrive while it runs.
    check: Arc<DatabaseCheck>,
}

/// One database check at a time, whatever the number of probes: probes arriving while one runs
/// wait for its answer (until its deadline) instead of queueing more calls on the store thread.
/// A check that timed out still waits in the store's queue (up to its busy timeout); probes
/// arriving meanwhile answer 503 at once, so a locked database cannot make the queue grow.
struct DatabaseCheck {
    /// When the check in flight started; `None` when none runs.
    started: Mutex<Option<Instant>>,
    /// The last check's answer and when it came.
    answer: watch::Sender<Option<(Instant, Result<(), String>)>>,
}

impl Endpoint {
    /// The endpoint over these parts.
    pub fn new(
        metrics: Arc<Metrics>,
        store: StoreHandle,
        feeds: watch::Receiver<Arc<HashSet<String>>>,
    ) -> Endpoint {
        Endpoint {
            metrics,
            store,
            feeds,
            check: Arc::new(DatabaseCheck {
                started: Mutex::new(None),
                answer: watch::Sender::new(None),
            }),
        }
    }
}

pub use super::server::ListenError;

/// Binds `[daemon] listen`, before the service reports ready, so that a port in use stops the
/// start with a clear error.
pub async fn bind(addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener, ListenError> {
    super::server::bind(addr, "[daemon] listen").await
}

/// `/healthz` and `/metrics` over `endpoint`.
pub fn routes(endpoint: Endpoint) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(endpoint)
}

/// 200 `ok`, or 503 with the reason.
async fn healthz(State(endpoint): State<Endpoint>) -> Response {
    match endpoint.health().await {
        Ok(()) => text(StatusCode::OK, "ok\n".into()),
        Err(reason) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
    }
}

/// The Prometheus exposition.
async fn metrics(State(endpoint): State<Endpoint>) -> Response {
    let body = endpoint.metrics.render(endpoint.counts().await.as_ref());
    let mut response = text(StatusCode::OK, body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

impl Endpoint {
    /// `Ok` when the scheduler runs and the database answers in time; else why not.
    async fn health(&self) -> Result<(), String> {
        self.metrics.scheduler_health()?;
        let slow = || {
            format!(
                "the database did not answer within {} s",
                DATABASE_ANSWER_WITHIN.as_secs()
            )
        };
        let started = self.start_or_join_check();
        let mut answers = self.check.answer.subscribe();
        let deadline = tokio::time::Instant::from_std(started + DATABASE_ANSWER_WITHIN);
        let answered =
            answers.wait_for(|answer| answer.as_ref().is_some_and(|(at, _)| *at >= started));
        match tokio::time::timeout_at(deadline, answered).await {
            Ok(Ok(answer)) => answer
                .as_ref()
                .map_or_else(|| Err(slow()), |(_, r)| r.clone()),
            _ => Err(slow()),
        }
    }

    /// When the check this probe waits for started: the one in flight, else a new one.
    fn start_or_join_check(&self) -> Instant {
        let mut started = self
            .check
            .started
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = *started {
            return at;
        }
        let now = Instant::now();
        *started = Some(now);
        let (store, check) = (self.store.clone(), Arc::clone(&self.check));
        tokio::spawn(async move {
            let answer = match store.call(|s| s.ping()).await {
                Ok(()) => Ok(()),
                Err(e) => Err(format!("database error: {e}")),
            };
            // Cleared before the answer goes out, so a probe that sees the answer and asks
            // again starts a new check.
            *check
                .started
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            check.answer.send_replace(Some((Instant::now(), answer)));
        });
        now
    }

    /// The database's gauges, or `None` (counted as a database error) when it does not answer.
    async fn counts(&self) -> Option<StoreCounts> {
        let configured = Arc::clone(&self.feeds.borrow());
        let call = self
            .store
            .call(move |s| s.counts(|url| configured.contains(url)));
        match tokio::time::timeout(COUNTS_WITHIN, call).await {
            Ok(Ok(counts)) => Some(counts),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "metrics: cannot read the database's figures");
                self.metrics.error(ErrorKind::Database);
                None
            }
            Err(_) => {
                tracing::warn!("metrics: the database did not answer in time");
                None
            }
        }
    }
}

/// A plain-text answer that no cache keeps.
pub(super) fn text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
