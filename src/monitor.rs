//! The monitoring endpoint of the service (`[daemon] listen`): `GET /healthz` and
//! `GET /metrics` over HTTP/1.1, nothing else.
//!
//! `/healthz` answers 200 `ok` when a scheduling pass completed within
//! [`PASS_STALE_AFTER`](crate::metrics::PASS_STALE_AFTER) and the database answers a read within
//! [`DATABASE_ANSWER_WITHIN`]; otherwise 503 with the reason as plain text. `/metrics` is the
//! Prometheus text exposition of [`Metrics`] plus the database's gauges read at scrape time.
//!
//! It is meant for a scraper on the same machine or network, so it is small: request bodies are
//! never read, headers must arrive within a few seconds and fit in 16 KiB, one request per
//! connection, and at most [`MAX_CONNECTIONS`] connections at once (more are closed at once).

use std::collections::HashSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, header};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

use crate::metrics::{ErrorKind, Metrics};
use crate::store::{StoreCounts, StoreHandle};

/// `/healthz` fails when the database does not answer a read within this time (a lock held by
/// another process, a hung disk).
pub const DATABASE_ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// `/metrics` gives up on the database's gauges after this long and serves the counters alone.
const COUNTS_WITHIN: Duration = Duration::from_secs(10);

/// Connections served at once; a scraper needs one.
pub const MAX_CONNECTIONS: usize = 16;

/// The request head must arrive within this time.
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection is closed after this long, whatever it is doing.
const CONNECTION_LIMIT: Duration = Duration::from_secs(30);

/// Largest request head read (hyper's minimum buffer is 8 KiB).
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Why the endpoint could not start. The OS's words are part of the message, not `source()`
/// too, so a chain printed with `{:#}` says them once.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} ([daemon] listen): {cause}")]
pub struct ListenError {
    /// The address from the config.
    pub addr: SocketAddr,
    /// What the OS said (address in use, permission denied, ...).
    pub cause: std::io::Error,
}

/// Binds the endpoint's address; done before the service reports ready, so that a port in
/// use stops the start with a clear error.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ListenError> {
    TcpListener::bind(addr)
        .await
        .map_err(|cause| ListenError { addr, cause })
}

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
    /// Set while a database check of `/healthz` runs. A check that timed out still waits in
    /// the store's queue (up to its busy timeout); probes arriving meanwhile answer 503 at
    /// once instead of queueing more, so a locked database cannot make the queue grow.
    pub checking: Arc<AtomicBool>,
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
            checking: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// Serves `listener` until `cancel`.
pub async fn serve(listener: TcpListener, endpoint: Endpoint, cancel: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz and /metrics");
    }
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(error = %e, "monitoring endpoint cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            continue;
        };
        let (endpoint, cancel) = (endpoint.clone(), cancel.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let service = service_fn(move |request| {
                let endpoint = endpoint.clone();
                async move { Ok::<_, Infallible>(endpoint.respond(&request).await) }
            });
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .keep_alive(false);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                () = cancel.cancelled() => {}
                () = tokio::time::sleep(CONNECTION_LIMIT) => {}
            }
        });
    }
}

impl Endpoint {
    async fn respond(&self, request: &Request<Incoming>) -> Response<Full<Bytes>> {
        let path = request.uri().path();
        if path != "/healthz" && path != "/metrics" {
            return text(StatusCode::NOT_FOUND, "not found\n".into());
        }
        if request.method() != Method::GET {
            let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".into());
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET"));
            return response;
        }
        if path == "/healthz" {
            match self.health().await {
                Ok(()) => text(StatusCode::OK, "ok\n".into()),
                Err(reason) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
            }
        } else {
            let body = self.metrics.render(self.counts().await.as_ref());
            let mut response = text(StatusCode::OK, body);
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            response
        }
    }

    /// `Ok` when the scheduler runs and the database answers in time; else why not.
    async fn health(&self) -> Result<(), String> {
        self.metrics.scheduler_health()?;
        let slow = || {
            format!(
                "the database did not answer within {} s",
                DATABASE_ANSWER_WITHIN.as_secs()
            )
        };
        if self.checking.swap(true, Ordering::AcqRel) {
            return Err(slow());
        }
        let (store, checking) = (self.store.clone(), Arc::clone(&self.checking));
        let ping = tokio::spawn(async move {
            let _done = ClearOnDrop(checking);
            store.call(|s| s.ping()).await
        });
        match tokio::time::timeout(DATABASE_ANSWER_WITHIN, ping).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(format!("database error: {e}")),
            Ok(Err(e)) => Err(format!("database check failed: {e}")),
            Err(_) => Err(slow()),
        }
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

/// Clears the flag when dropped, however the check ends.
struct ClearOnDrop(Arc<AtomicBool>);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
