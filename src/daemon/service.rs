//! The service (`newshound run`): polls feeds as they fall due until SIGTERM or SIGINT, reloads
//! the configuration on SIGHUP, runs the notify step after each poll cycle and on a timer, tells
//! systemd when it is ready and pings its watchdog, and with `[daemon] listen` serves
//! `/healthz` and `/metrics`. On start and reload it backfills new and changed topics in the
//! background (`backfill`).
//!
//! At info it logs one line per poll cycle (see `cycle`) and what changes state; a routine
//! refresh is logged at debug.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::backfill;
use super::cycle::{Cycle, CycleSummary};
use super::in_flight::{Finished, InFlight, Running};
use super::{DaemonError, PRUNE_EVERY, context, job, open_store, prune_if_due, sync_feeds};
use crate::config::{self, Config, FeedSettings, NotifySettings};
use crate::metrics::{ErrorKind, Metrics};
use crate::monitor::{self, Endpoint};
use crate::notify::{self, NotifyReport, send::Due};
use crate::pipeline::{self, Context};
use crate::store::{StoreError, StoreHandle};
use crate::web::server::{self, ListenError, MONITOR_LIMITS, PageRuntime, WEB_LIMITS};
use crate::web::{Reader, Site, WebState};

/// In-flight work gets this long to finish after SIGTERM before the process exits anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// How often the daemon looks for due feeds.
const TICK: Duration = Duration::from_secs(1);

/// How often the service queues what is due (digests, alerts a cycle left, retries) and
/// delivers the outbox besides the step that follows every poll cycle.
const NOTIFY_EVERY: Duration = Duration::from_secs(15);

/// How often the service checks whether retention is due (it runs once a day).
const PRUNE_CHECK_EVERY: Duration = Duration::from_secs(3600);

/// The service: polls feeds as they fall due until SIGTERM or SIGINT; SIGHUP reloads the
/// configuration. Tells systemd when it is ready and pings its watchdog. With `[daemon]
/// listen` it also serves `/healthz` and `/metrics` (bound before READY=1, so a port in use
/// fails the start).
pub async fn run_daemon(config_path: PathBuf, config: Config) -> Result<(), DaemonError> {
    let cancel = CancellationToken::new();
    let store = open_store(&config).await?;
    let mut current = Loaded::new(config, store.clone(), cancel.clone()).await?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(DaemonError::Signal)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(DaemonError::Signal)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(DaemonError::Signal)?;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    let (cycles_tx, cycles_rx) = mpsc::unbounded_channel::<CycleSummary>();
    let metrics = Arc::new(Metrics::new());
    let mut scheduler = Scheduler::new(done_tx, cycles_tx, Arc::clone(&metrics));
    let mut tick = tokio::time::interval(TICK);
    let mut watchdog = tokio::time::interval(watchdog_period());
    let mut last_prune_check = Instant::now() - PRUNE_EVERY;
    let (notify_tx, notify_rx) = watch::channel(Arc::clone(&current.notify));
    let (feeds_tx, feeds_rx) = watch::channel(Arc::new(current.config.configured_feeds()));
    let endpoint = Endpoint::new(Arc::clone(&metrics), store.clone(), feeds_rx);
    let (site_tx, _pages) =
        serve_http(&current.config, endpoint, &scheduler.tracker, &cancel).await?;
    scheduler.tracker.spawn(notify_loop(
        store.clone(),
        notify_rx,
        cycles_rx,
        Arc::clone(&metrics),
        cancel.clone(),
    ));
    backfill::spawn(
        &scheduler.tracker,
        &current.config,
        Utc::now(),
        cancel.clone(),
    );
    systemd(&[sd_notify::NotifyState::Ready]);
    tracing::info!(feeds = current.config.feeds.len(), database = %current.config.daemon.database.display(), "newshound started");
    loop {
        tokio::select! {
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => {
                current = reload(&config_path, current, &store, &cancel).await;
                backfill::spawn(&scheduler.tracker, &current.config, Utc::now(), cancel.clone());
                notify_tx.send_replace(Arc::clone(&current.notify));
                feeds_tx.send_replace(Arc::new(current.config.configured_feeds()));
                site_tx.send_replace(Arc::new(Site::new(&current.config)));
            }
            Some(finished) = done_rx.recv() => {
                if scheduler.finished(&finished, &current) {
                    // Slots are free and due feeds wait: start them now, not at the next tick.
                    scheduler.pass(&current).await;
                }
            }
            _ = watchdog.tick() => systemd(&[sd_notify::NotifyState::Watchdog]),
            _ = tick.tick() => {
                // One scheduling pass: the "cycle" of /healthz and /metrics.
                let pass = Instant::now();
                let mut completed = scheduler.pass(&current).await;
                if last_prune_check.elapsed() >= PRUNE_CHECK_EVERY {
                    last_prune_check = Instant::now();
                    if let Err(e) = prune_if_due(&store, current.config.daemon.retention, Utc::now()).await {
                        completed = false;
                        metrics.error(ErrorKind::Database);
                        tracing::error!(error = %e, "retention failed");
                    }
                }
                if completed {
                    metrics.pass_completed(pass.elapsed());
                }
            }
        }
    }
    systemd(&[sd_notify::NotifyState::Stopping]);
    tracing::info!(in_flight = scheduler.running.count(), "shutting down");
    cancel.cancel();
    scheduler.tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, scheduler.tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("some refreshes did not finish in time; they will be redone after restart");
    }
    Ok(())
}

/// Starts the refreshes of due feeds and keeps track of them and of the poll cycle they make.
struct Scheduler {
    /// Refreshes running, and feeds held back.
    running: Running,
    /// The poll cycle so far.
    cycle: Cycle,
    /// The last pass left due feeds unstarted because enough refreshes ran.
    backlog: bool,
    /// Every refresh task, so shutdown can wait for them.
    tracker: TaskTracker,
    /// Where a refresh task says it ended.
    done: mpsc::UnboundedSender<Finished>,
    /// Where a finished cycle goes: to the notify loop, which sends its alerts and logs it.
    cycles: mpsc::UnboundedSender<CycleSummary>,
    /// The service's counters.
    metrics: Arc<Metrics>,
}

impl Scheduler {
    fn new(
        done: mpsc::UnboundedSender<Finished>,
        cycles: mpsc::UnboundedSender<CycleSummary>,
        metrics: Arc<Metrics>,
    ) -> Scheduler {
        Scheduler {
            running: Running::default(),
            cycle: Cycle::default(),
            backlog: false,
            tracker: TaskTracker::new(),
            done,
            cycles,
            metrics,
        }
    }

    /// A refresh ended. True when a pass should run now: due feeds wait and half the slots
    /// are free.
    fn finished(&mut self, finished: &Finished, loaded: &Loaded) -> bool {
        if let Some(report) = &finished.report {
            self.cycle.finished(report);
        }
        self.running.finish(finished);
        self.backlog && self.running.count() <= loaded.max_in_flight() / 2
    }

    /// One scheduling pass: starts the due feeds there is room for, and ends the poll cycle
    /// when nothing runs any more. False when the database could not say which feeds are due.
    async fn pass(&mut self, loaded: &Loaded) -> bool {
        let now = Instant::now();
        let started = match loaded.start_due(self).await {
            Ok(started) => started,
            Err(e) => {
                self.metrics.error(ErrorKind::Database);
                tracing::error!(error = %e, "cannot read due feeds");
                return false;
            }
        };
        if started > 0 {
            self.cycle.started(now);
        }
        let idle = self.running.count() == 0 && started == 0;
        if let Some(summary) = self.cycle.end_if_over(idle, Instant::now()) {
            // The notify loop sends the cycle's alerts, then logs its line.
            let _ = self.cycles.send(summary);
        }
        true
    }
}

/// The email side of the service: after every poll cycle, queues the alerts of the hits it
/// found and delivers them, then logs the cycle's line; every [`NOTIFY_EVERY`] also queues what
/// has come due (digests, retries). A reloaded config replaces the settings and the transport.
/// Runs until shutdown.
async fn notify_loop(
    store: StoreHandle,
    mut settings: watch::Receiver<Arc<NotifySettings>>,
    mut cycles: mpsc::UnboundedReceiver<CycleSummary>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) {
    let mut outlets = notify::outlets_or_log(&settings.borrow());
    let mut every = tokio::time::interval(NOTIFY_EVERY);
    loop {
        let finished_cycle = tokio::select! {
            () = cancel.cancelled() => return,
            changed = settings.changed() => {
                if changed.is_err() {
                    return;
                }
                outlets = notify::outlets_or_log(&settings.borrow_and_update());
                continue;
            }
            Some(summary) = cycles.recv() => Some(summary),
            _ = every.tick() => None,
        };
        let current = Arc::clone(&settings.borrow());
        let step = notify::notify_step(&store, &current, &outlets, Due::Now);
        let result = tokio::select! {
            result = step => result,
            () = cancel.cancelled() => return,
        };
        let report = match result {
            Ok(report) => {
                metrics.notified(&report);
                report
            }
            Err(e) => {
                metrics.error(ErrorKind::Database);
                tracing::error!(error = %e, "email step failed; it is retried");
                NotifyReport::default()
            }
        };
        match finished_cycle {
            Some(mut summary) => {
                summary.add_emails(&report);
                summary.log();
            }
            None if report.did_something() => log_emails(&report),
            None => {}
        }
    }
}

/// A timed notify step that queued or delivered something (a digest, a retry) says so.
fn log_emails(report: &NotifyReport) {
    tracing::info!(
        queued = report.queued,
        sent = report.delivered.sent,
        waiting = report.delivered.retrying,
        failed = report.delivered.failed,
        "emails"
    );
}

/// The running configuration and what was built from it, once per load.
struct Loaded {
    config: Config,
    /// What every refresh needs (clients, compiled topics, the store).
    ctx: Context,
    /// Each configured feed's settings by URL, for its refreshes.
    feeds: HashMap<String, FeedSettings>,
    /// The notify loop's settings.
    notify: Arc<NotifySettings>,
}

impl Loaded {
    async fn new(
        config: Config,
        store: StoreHandle,
        cancel: CancellationToken,
    ) -> Result<Loaded, DaemonError> {
        let ctx = context(&config, store.clone(), cancel)?;
        let window = config.daemon.story_window;
        store
            .call(move |s| {
                s.set_story_window(window);
                Ok(())
            })
            .await?;
        sync_feeds(&store, &config).await?;
        let feeds = config
            .feeds
            .iter()
            .map(|f| (f.url.to_string(), f.clone()))
            .collect();
        Ok(Loaded {
            notify: Arc::new(config.notify_settings()),
            config,
            ctx,
            feeds,
        })
    }

    /// At most this many refreshes run at once: twice the fetch concurrency, enough to keep
    /// fetching while others are parsed and stored; the rest start as these finish, so memory
    /// (and the query for due feeds) does not grow with the number of due feeds.
    fn max_in_flight(&self) -> usize {
        self.config.daemon.concurrency.max(1).saturating_mul(2)
    }

    /// Starts a refresh for every due feed that is not already being refreshed, as far as
    /// [`Loaded::max_in_flight`] allows; returns how many started, and notes in the scheduler
    /// whether due feeds were left waiting.
    async fn start_due(&self, scheduler: &mut Scheduler) -> Result<usize, StoreError> {
        let max_in_flight = self.max_in_flight();
        let now = Utc::now();
        // The feeds in flight are still due and come first, hence twice that many rows.
        let rows = max_in_flight.saturating_mul(2);
        let due = self.ctx.store.call(move |s| s.due_feeds(now, rows)).await?;
        let mut started = 0;
        scheduler.backlog = false;
        for state in due {
            if scheduler.running.count() >= max_in_flight {
                scheduler.backlog = true;
                break;
            }
            let Some(feed) = self.feeds.get(&state.config_url) else {
                continue;
            };
            if !scheduler.running.start(state.id, Instant::now()) {
                continue;
            }
            started += 1;
            let mut mark = InFlight::new(state.id, scheduler.done.clone());
            let job = job(state, feed, &self.config);
            let ctx = self.ctx.clone();
            let metrics = Arc::clone(&scheduler.metrics);
            scheduler.tracker.spawn(async move {
                let began = Instant::now();
                match pipeline::refresh_feed(&ctx, job).await {
                    Ok(report) => {
                        metrics.refreshed(&report, began.elapsed());
                        mark.recorded(report);
                    }
                    Err(e) => {
                        metrics.error(ErrorKind::Database);
                        if e.pauses_ingestion() {
                            mark.pause_all();
                        }
                        tracing::error!(error = %e, "feed refresh could not be recorded");
                    }
                }
                drop(mark);
            });
        }
        Ok(started)
    }
}

/// SIGHUP: re-read and validate the config; apply it when valid, otherwise keep the old one and
/// log every problem.
async fn reload(
    path: &Path,
    current: Loaded,
    store: &StoreHandle,
    cancel: &CancellationToken,
) -> Loaded {
    systemd(&[
        sd_notify::NotifyState::Reloading,
        sd_notify::NotifyState::monotonic_usec_now()
            .unwrap_or(sd_notify::NotifyState::MonotonicUsec(0)),
    ]);
    let path_owned = path.to_owned();
    let loaded = tokio::task::spawn_blocking(move || config::load(&path_owned)).await;
    let next = match loaded {
        Ok(Ok(config)) => match Loaded::new(config, store.clone(), cancel.clone()).await {
            Ok(next) => {
                tracing::info!(
                    feeds = next.config.feeds.len(),
                    topics = next.config.topics.len(),
                    "configuration reloaded"
                );
                next
            }
            Err(e) => {
                tracing::error!(error = %e, "reload failed; keeping the previous configuration");
                current
            }
        },
        Ok(Err(errors)) => {
            for e in &errors.errors {
                tracing::error!(config = %path.display(), problem = %e, "invalid configuration");
            }
            tracing::error!("reload failed; keeping the previous configuration");
            current
        }
        Err(e) => {
            tracing::error!(error = %e, "reload task failed; keeping the previous configuration");
            current
        }
    };
    systemd(&[sd_notify::NotifyState::Ready]);
    next
}

/// Half the watchdog period systemd asked for, or an hour when there is none (a no-op ping).
fn watchdog_period() -> Duration {
    sd_notify::watchdog_enabled()
        .map(|d| (d / 2).max(Duration::from_millis(100)))
        .unwrap_or(Duration::from_secs(3600))
}

/// Tells systemd about the service's state, when it runs under systemd.
fn systemd(states: &[sd_notify::NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(e) = sd_notify::notify(states)
    {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// Connections the web pages read the database through: pages are read this many at a time.
const WEB_READ_CONNECTIONS: usize = 4;

/// Binds `[daemon] listen` (the monitoring routes alone) and `[web] listen` (the pages with the
/// monitoring routes) and serves them until `cancel`; when both name one address it serves the
/// pages there. Binding happens before the service reports ready, so a port in use stops the
/// start. The pages run on a runtime of their own at a lower priority ([`PageRuntime`]).
/// Returns where to send the pages' part of a reloaded config, and that runtime, which must
/// live as long as the service.
async fn serve_http(
    config: &Config,
    endpoint: Endpoint,
    tracker: &tokio_util::task::TaskTracker,
    cancel: &CancellationToken,
) -> Result<(watch::Sender<Arc<Site>>, Option<PageRuntime>), DaemonError> {
    let (site_tx, site_rx) = watch::channel(Arc::new(Site::new(config)));
    let web = config.web.listen;
    if let Some(addr) = config.daemon.listen.filter(|addr| Some(*addr) != web) {
        let listener = monitor::bind(addr).await?;
        let router = crate::web::monitor_router(endpoint.clone());
        tracing::info!(%addr, "serving /healthz and /metrics");
        tracker.spawn(server::serve(
            listener,
            router,
            MONITOR_LIMITS,
            cancel.clone(),
        ));
    }
    let mut pages = None;
    if let Some(addr) = web {
        let runtime = PageRuntime::start().map_err(|cause| ListenError {
            addr,
            setting: "[web] listen",
            cause,
        })?;
        let listener = runtime.bind(addr, "[web] listen")?;
        let reader = Reader::open(&config.daemon.database, WEB_READ_CONNECTIONS)?;
        let state = WebState {
            reader,
            site: site_rx,
        };
        let router = crate::web::router(state, Some(endpoint));
        tracing::info!(%addr, "serving the web pages");
        let served = runtime.spawn(server::serve(listener, router, WEB_LIMITS, cancel.clone()));
        tracker.spawn(async move {
            let _ = served.await;
        });
        pages = Some(runtime);
    }
    Ok((site_tx, pages))
}
