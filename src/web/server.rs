//! The accept loop both listeners share (`[web] listen` and `[daemon] listen`): axum's router
//! as the service, under limits that keep a slow or greedy client from tying the process up.
//! axum's own `serve` has no header timeout, head size cap or connection cap, so the loop is
//! kept here, with hyper's HTTP/1.1 connection builder.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// The request head must arrive within this time (on a kept-alive connection, the next
/// request's head too).
const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest request head read (hyper's minimum buffer is 8 KiB).
const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How long a connection asked to close (shutdown, or its lifetime reached) may finish the
/// response it is writing.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How much one listener serves at once, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once; more are closed at once.
    pub max_connections: usize,
    /// A connection is asked to close after this long, whatever it is doing.
    pub connection_lifetime: Duration,
    /// Whether a connection may carry several requests (browsers and feed readers reuse them).
    pub keep_alive: bool,
}

/// The monitoring endpoint's limits: a scraper needs one connection, one request at a time.
pub const MONITOR_LIMITS: Limits = Limits {
    max_connections: 16,
    connection_lifetime: Duration::from_secs(30),
    keep_alive: false,
};

/// The web pages' limits: a few readers with browsers that open several connections each,
/// and feed readers.
pub const WEB_LIMITS: Limits = Limits {
    max_connections: 256,
    connection_lifetime: Duration::from_secs(120),
    keep_alive: true,
};

/// Why a listener could not start. The OS's words are part of the message, not `source()`
/// too, so a chain printed with `{:#}` says them once.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr} ({setting}): {cause}")]
pub struct ListenError {
    /// The address from the config.
    pub addr: SocketAddr,
    /// The setting that named it, `[web] listen` or `[daemon] listen`.
    pub setting: &'static str,
    /// What the OS said (address in use, permission denied, ...).
    pub cause: std::io::Error,
}

/// Binds `addr`; done before the service reports ready, so that a port in use stops the start
/// with an error naming `setting`.
pub async fn bind(addr: SocketAddr, setting: &'static str) -> Result<TcpListener, ListenError> {
    TcpListener::bind(addr).await.map_err(|cause| ListenError {
        addr,
        setting,
        cause,
    })
}

/// The web pages' own runtime inside `newshound run`: its threads (and those of the pages'
/// database reads, see [`super::Reader`]) run at a lower priority than the daemon's, so a
/// crowd of readers slows the pages, not the polls. Dropped with
/// [`shutdown_background`](tokio::runtime::Runtime::shutdown_background), since the service
/// drops it on its own runtime.
pub struct PageRuntime(Option<tokio::runtime::Runtime>);

/// Threads of the page runtime: the pages are rendered there while reads run on the reader's.
const PAGE_RUNTIME_THREADS: usize = 2;

impl PageRuntime {
    /// Starts the runtime.
    pub fn start() -> std::io::Result<PageRuntime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(PAGE_RUNTIME_THREADS)
            .thread_name("newshound-pages")
            .on_thread_start(lower_priority)
            .enable_all()
            .build()
            .map(|runtime| PageRuntime(Some(runtime)))
    }

    /// Binds `addr` for this runtime (`setting` names it in the error).
    pub fn bind(
        &self,
        addr: SocketAddr,
        setting: &'static str,
    ) -> Result<TcpListener, ListenError> {
        let error = |cause| ListenError {
            addr,
            setting,
            cause,
        };
        let runtime = self.0.as_ref().expect("the runtime lives until dropped");
        let _entered = runtime.enter();
        let listener = std::net::TcpListener::bind(addr).map_err(error)?;
        listener.set_nonblocking(true).map_err(error)?;
        TcpListener::from_std(listener).map_err(error)
    }

    /// Runs `task` on the runtime; the handle says when it ended.
    pub fn spawn(
        &self,
        task: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        self.0
            .as_ref()
            .expect("the runtime lives until dropped")
            .spawn(task)
    }
}

impl Drop for PageRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// The nice value of the pages' threads: below the daemon's (0), so that it wins the processor.
const PAGE_THREAD_NICENESS: libc::c_int = 10;

/// Sets this thread's nice value to the pages' (Linux keeps one per thread; threads it starts
/// inherit it).
pub(super) fn lower_priority() {
    // SAFETY: setpriority only reads its arguments; `who` is this thread's id.
    let failed = unsafe {
        let tid = libc::gettid();
        libc::setpriority(
            libc::PRIO_PROCESS,
            libc::id_t::try_from(tid).unwrap_or(0),
            PAGE_THREAD_NICENESS,
        ) != 0
    };
    if failed {
        tracing::debug!("cannot lower the priority of a web thread");
    }
}

/// Serves `router` on `listener` until `cancel`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    cancel: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a little instead of spinning.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (router, cancel) = (router.clone(), cancel.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let service = TowerToHyperService::new(router);
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .keep_alive(limits.keep_alive);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                () = cancel.cancelled() => {}
                () = tokio::time::sleep(limits.connection_lifetime) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(CLOSE_GRACE, connection).await;
        });
    }
}
