//! Lifecycle: opening the store, running poll cycles (once, or forever as a service), signals,
//! configuration reload, retention, the systemd notification protocol, and (in the service) the
//! monitoring endpoint with the counters it reports.
//!
//! Shutdown uses one root [`CancellationToken`]: SIGTERM or SIGINT cancels it, refreshes stop at
//! their next unit of work (a write already started finishes), and the process exits 0 within
//! [`SHUTDOWN_GRACE`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{self, Config, ConfigErrors, DaemonSettings, FeedSettings};
use crate::fetch::{FetchSettings, Fetcher};
use crate::matcher::{Topic, TopicSet};
use crate::metrics::{ErrorKind, Metrics};
use crate::monitor::{self, Endpoint, ListenError};
use crate::notify::queue;
use crate::notify::send::{self, Delivered, Due};
use crate::notify::transport::Mailer;
use crate::pipeline::{self, Context, FeedJob, FeedOutcome, FeedReport};
use crate::schedule;
use crate::store::{FeedSpec, FeedState, Store, StoreError, StoreHandle};

/// In-flight work gets this long to finish after SIGTERM before the process exits anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(8);

/// How often the daemon looks for due feeds.
const TICK: Duration = Duration::from_secs(1);

/// How often the service queues alerts for new hits and delivers the outbox: alerts go out
/// within this time of a poll cycle that found something.
const NOTIFY_EVERY: Duration = Duration::from_secs(15);

/// A feed whose refresh could not be recorded is not retried before this.
const HOLD_BACK_AFTER_FAILURE: Duration = Duration::from_secs(300);

/// After a refresh found the database full or locked by another process, no refresh starts
/// for this long: the others would fetch their feeds only to fail at the same write.
const PAUSE_AFTER_STORAGE_FAILURE: Duration = Duration::from_secs(60);

/// How often retention runs.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Key in `daemon_state` holding the time of the last retention run (Unix seconds).
const LAST_PRUNE_KEY: &str = "last_prune_at";

/// Failures that stop a run: the configuration or the database, never a single feed.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The database could not be opened or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configuration is invalid.
    #[error("{0}")]
    Config(#[from] ConfigErrors),
    /// The HTTP client could not be built (TLS backend).
    #[error("cannot start the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    /// Installing a signal handler failed.
    #[error("cannot install signal handlers: {0}")]
    Signal(#[from] std::io::Error),
    /// The monitoring endpoint (`[daemon] listen`) could not bind its address.
    #[error(transparent)]
    Listen(#[from] ListenError),
}

/// What one poll cycle did, printed by `run --once`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CycleSummary {
    /// Feeds fetched and parsed.
    pub ok: usize,
    /// Feeds that answered 304.
    pub not_modified: usize,
    /// Feeds whose poll failed (recorded against each feed).
    pub failed: usize,
    /// Feeds skipped because their next poll time has not come.
    pub not_due: usize,
    /// Feeds disabled (gone).
    pub disabled: usize,
    /// Articles seen for the first time.
    pub new_articles: usize,
    /// Articles whose entry changed.
    pub updated_articles: usize,
    /// Article pages fetched and extracted.
    pub pages_ok: usize,
    /// Article pages that failed or were refused.
    pub pages_failed: usize,
    /// New topic hits.
    pub hits: usize,
    /// Alert and digest emails put into the outbox.
    pub emails_queued: usize,
    /// Emails the server accepted (or written to files).
    pub emails_sent: usize,
    /// Emails that failed temporarily and wait in the outbox.
    pub emails_waiting: usize,
    /// Emails refused for good.
    pub emails_failed: usize,
    /// Wall time of the cycle.
    pub seconds: f64,
}

impl CycleSummary {
    fn add(&mut self, report: &FeedReport) {
        match &report.outcome {
            FeedOutcome::Updated { new, updated } => {
                self.ok += 1;
                self.new_articles += new;
                self.updated_articles += updated;
            }
            FeedOutcome::NotModified => self.not_modified += 1,
            FeedOutcome::Failed(_) | FeedOutcome::Cancelled => self.failed += 1,
            FeedOutcome::Disabled(_) => self.disabled += 1,
        }
        self.pages_ok += report.pages_ok;
        self.pages_failed += report.pages_failed;
        self.hits += report.hits;
    }
}

impl std::fmt::Display for CycleSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "feeds: {} ok, {} not modified, {} failed, {} not due, {} disabled\n\
             articles: {} new, {} updated; pages: {} extracted, {} failed\n\
             hits: {} new; emails: {} queued, {} sent, {} waiting, {} failed\n\
             time: {:.2} s",
            self.ok,
            self.not_modified,
            self.failed,
            self.not_due,
            self.disabled,
            self.new_articles,
            self.updated_articles,
            self.pages_ok,
            self.pages_failed,
            self.hits,
            self.emails_queued,
            self.emails_sent,
            self.emails_waiting,
            self.emails_failed,
            self.seconds
        )
    }
}

/// Opens the database named by the config, creating and migrating it as needed.
pub async fn open_store(config: &Config) -> Result<StoreHandle, DaemonError> {
    let path = config.daemon.database.clone();
    let mut store = tokio::task::spawn_blocking(move || Store::open(&path))
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
    store.set_story_window(config.daemon.story_window);
    Ok(StoreHandle::new(store))
}

/// The fetch settings slice of the config.
pub fn fetch_settings(config: &Config) -> FetchSettings {
    fetch_settings_of(&config.daemon)
}

/// The fetch settings slice of `[daemon]`.
pub fn fetch_settings_of(d: &DaemonSettings) -> FetchSettings {
    FetchSettings {
        user_agent: d.user_agent.clone(),
        request_timeout: d.request_timeout,
        connect_timeout: d.connect_timeout,
        max_body_bytes: d.max_body_bytes,
        concurrency: d.concurrency,
        per_host_concurrency: d.per_host_concurrency,
        allow_private_networks: d.allow_private_networks,
    }
}

fn context(
    config: &Config,
    store: StoreHandle,
    cancel: CancellationToken,
) -> Result<Context, DaemonError> {
    Ok(Context {
        fetcher: Arc::new(Fetcher::new(fetch_settings(config))?),
        store,
        topics: Arc::new(compile_topics(config)),
        cpu: Arc::new(Semaphore::new(pipeline::cpu_permits())),
        pages: Arc::new(Semaphore::new(pipeline::pages_in_hand(
            config.daemon.concurrency,
        ))),
        cancel,
    })
}

/// The config's topics compiled into one matcher; done on start and on every reload.
pub fn compile_topics(config: &Config) -> TopicSet {
    TopicSet::new(
        config
            .topics
            .iter()
            .map(|t| Topic {
                name: t.name.clone(),
                query: t.parsed.clone(),
                languages: t.languages.clone(),
            })
            .collect(),
    )
}

fn feed_specs(config: &Config) -> Vec<FeedSpec> {
    config
        .feeds
        .iter()
        .map(|f| FeedSpec {
            config_url: f.url.to_string(),
            name: f.name.clone(),
        })
        .collect()
}

/// Registers the config's feeds in the database and returns their states.
async fn sync_feeds(store: &StoreHandle, config: &Config) -> Result<Vec<FeedState>, DaemonError> {
    let specs = feed_specs(config);
    Ok(store
        .call(move |s| s.sync_feeds(&specs, Utc::now()))
        .await?)
}

fn job(state: FeedState, feed: &FeedSettings, config: &Config) -> FeedJob {
    FeedJob {
        state,
        interval: feed.interval,
        fetch_articles: feed.fetch_articles,
        max_backoff: config.daemon.max_backoff,
    }
}

/// One cycle for `run --once`: polls every due feed (every feed with `all`), waits for all of
/// them, runs retention when it is due, and returns the summary. Feed failures are in the
/// summary; only configuration and database failures are errors.
pub async fn run_once(config: &Config, all: bool) -> Result<CycleSummary, DaemonError> {
    let started = Instant::now();
    let store = open_store(config).await?;
    let ctx = context(config, store.clone(), CancellationToken::new())?;
    let states = sync_feeds(&store, config).await?;
    let settings: HashMap<String, &FeedSettings> = config
        .feeds
        .iter()
        .map(|f| (f.url.to_string(), f))
        .collect();
    let now = Utc::now();
    let limit = Arc::new(Semaphore::new(config.daemon.concurrency.max(1)));
    let mut summary = CycleSummary::default();
    let mut tasks = tokio::task::JoinSet::new();
    for state in states {
        let Some(feed) = settings.get(&state.config_url) else {
            continue;
        };
        if state.disabled_reason.is_some() {
            summary.disabled += 1;
        } else if !all && !schedule::is_due(state.next_poll_at, now) {
            summary.not_due += 1;
        } else {
            // A task is spawned only when a slot is free, so 100,000 feeds are never 100,000
            // waiting tasks in memory; finished ones are counted as the loop goes.
            let slot = Arc::clone(&limit)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            while let Some(joined) = tasks.try_join_next() {
                count_refresh(&mut summary, joined)?;
            }
            let (ctx, job) = (ctx.clone(), job(state, feed, config));
            tasks.spawn(async move {
                let _slot = slot;
                pipeline::refresh_feed(&ctx, job).await
            });
        }
    }
    while let Some(joined) = tasks.join_next().await {
        count_refresh(&mut summary, joined)?;
    }
    prune_if_due(&store, config.daemon.retention, Utc::now()).await?;
    let mailer = mailer_or_log(config);
    let emails = notify_step(&store, config, mailer.as_ref(), Due::All).await?;
    summary.emails_queued = emails.queued;
    summary.emails_sent = emails.delivered.sent;
    summary.emails_waiting = emails.delivered.retrying;
    summary.emails_failed = emails.delivered.failed;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Adds one finished refresh to the summary; a database failure ends the cycle.
fn count_refresh(
    summary: &mut CycleSummary,
    joined: Result<Result<FeedReport, StoreError>, tokio::task::JoinError>,
) -> Result<(), DaemonError> {
    match joined {
        Ok(outcome) => summary.add(&outcome?),
        Err(e) => {
            tracing::error!(error = %e, "feed refresh task crashed");
            summary.failed += 1;
        }
    }
    Ok(())
}

/// What one notify step did.
#[derive(Debug, Clone, Default)]
pub struct NotifyReport {
    /// Messages put into the outbox.
    pub queued: usize,
    /// Delivery results.
    pub delivered: Delivered,
}

/// The transport for the config, or `None` (logged) when it cannot be built: messages then
/// wait in the outbox until it can.
pub fn mailer_or_log(config: &Config) -> Option<Mailer> {
    match Mailer::new(&config.email, None) {
        Ok(mailer) => Some(mailer),
        Err(e) => {
            tracing::error!(error = %e, "cannot set up email delivery; messages wait in the outbox");
            None
        }
    }
}

/// Puts due alerts and digests into the outbox, then delivers what is pending (`due`).
pub async fn notify_step(
    store: &StoreHandle,
    config: &Config,
    mailer: Option<&Mailer>,
    due: Due,
) -> Result<NotifyReport, StoreError> {
    let shared = Arc::new(config.clone());
    let queued = store
        .call(move |s| queue::queue_due(s, &shared, Utc::now()))
        .await?;
    let delivered = match mailer {
        Some(mailer) => send::deliver(store, mailer, due).await?,
        None => Delivered::default(),
    };
    Ok(NotifyReport {
        queued: queued.alerts + queued.digests + queued.feed_alerts,
        delivered,
    })
}

/// Deletes articles older than the retention period, at most once a day (the time of the last
/// run is persisted, so restarts do not repeat it).
pub async fn prune_if_due(
    store: &StoreHandle,
    retention: Duration,
    now: DateTime<Utc>,
) -> Result<(), DaemonError> {
    let pruned = store
        .call(move |s| {
            let last = s
                .state_value(LAST_PRUNE_KEY)?
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            let every = i64::try_from(PRUNE_EVERY.as_secs()).unwrap_or(i64::MAX);
            if now.timestamp().saturating_sub(last) < every {
                return Ok(None);
            }
            let cutoff =
                now - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::MAX);
            let pruned = s.prune(cutoff)?;
            s.set_state_value(LAST_PRUNE_KEY, &now.timestamp().to_string())?;
            Ok(Some(pruned))
        })
        .await?;
    if let Some(p) = pruned.filter(|p| p.articles > 0 || p.stories > 0) {
        tracing::info!(
            articles = p.articles,
            stories = p.stories,
            "retention pruned old articles"
        );
    }
    Ok(())
}

/// The service: polls feeds as they fall due until SIGTERM or SIGINT; SIGHUP reloads the
/// configuration. Tells systemd when it is ready and pings its watchdog. With `[daemon]
/// listen` it also serves `/healthz` and `/metrics` (bound before READY=1, so a port in use
/// fails the start).
pub async fn run_daemon(config_path: PathBuf, config: Config) -> Result<(), DaemonError> {
    let cancel = CancellationToken::new();
    let store = open_store(&config).await?;
    let mut current = Loaded::new(config, store.clone(), cancel.clone()).await?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let tracker = TaskTracker::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
    let mut running = Running::default();
    let mut tick = tokio::time::interval(TICK);
    let mut watchdog = tokio::time::interval(watchdog_period());
    let mut last_prune_check = Instant::now() - PRUNE_EVERY;
    let (config_tx, config_rx) = watch::channel(Arc::clone(&current.config));
    let metrics = Arc::new(Metrics::new());
    if let Some(addr) = current.config.daemon.listen {
        let listener = monitor::bind(addr).await?;
        let endpoint = Endpoint::new(Arc::clone(&metrics), store.clone(), config_rx.clone());
        tracker.spawn(monitor::serve(listener, endpoint, cancel.clone()));
    }
    let notify_metrics = Arc::clone(&metrics);
    tracker.spawn(notify_loop(
        store.clone(),
        config_rx,
        notify_metrics,
        cancel.clone(),
    ));
    notify(&[sd_notify::NotifyState::Ready]);
    tracing::info!(feeds = current.config.feeds.len(), database = %current.config.daemon.database.display(), "newshound started");
    loop {
        tokio::select! {
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
            _ = sighup.recv() => {
                current = reload(&config_path, current, &store, &cancel).await;
                config_tx.send_replace(Arc::clone(&current.config));
            }
            Some(finished) = done_rx.recv() => running.finish(finished),
            _ = watchdog.tick() => notify(&[sd_notify::NotifyState::Watchdog]),
            _ = tick.tick() => {
                // One scheduling pass: the "cycle" of /healthz and /metrics.
                let pass = Instant::now();
                let started = current.start_due(&tracker, &mut running, &done_tx, &metrics).await;
                let mut completed = started.is_ok();
                if let Err(e) = started {
                    metrics.error(ErrorKind::Database);
                    tracing::error!(error = %e, "cannot read due feeds");
                }
                if last_prune_check.elapsed() >= Duration::from_secs(3600) {
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
    notify(&[sd_notify::NotifyState::Stopping]);
    tracing::info!(in_flight = running.in_flight.len(), "shutting down");
    cancel.cancel();
    tracker.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("some refreshes did not finish in time; they will be redone after restart");
    }
    Ok(())
}

/// The email side of the service: every [`NOTIFY_EVERY`], queues the alerts of the hits found
/// since (and digests that are due) and delivers what the outbox holds, until shutdown. A
/// reloaded config replaces the transport.
async fn notify_loop(
    store: StoreHandle,
    mut config: watch::Receiver<Arc<Config>>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) {
    let mut mailer = mailer_or_log(&config.borrow());
    let mut every = tokio::time::interval(NOTIFY_EVERY);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            changed = config.changed() => {
                if changed.is_err() {
                    return;
                }
                mailer = mailer_or_log(&config.borrow_and_update());
            }
            _ = every.tick() => {
                let current = Arc::clone(&config.borrow());
                let step = notify_step(&store, &current, mailer.as_ref(), Due::Now);
                let result = tokio::select! {
                    result = step => result,
                    () = cancel.cancelled() => return,
                };
                match result {
                    Ok(report) => metrics.notified(&report),
                    Err(e) => {
                        metrics.error(ErrorKind::Database);
                        tracing::error!(error = %e, "email step failed; it is retried");
                    }
                }
            }
        }
    }
}

/// The running configuration and what was built from it.
struct Loaded {
    config: Arc<Config>,
    ctx: Context,
    feeds: HashMap<String, FeedSettings>,
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
            config: Arc::new(config),
            ctx,
            feeds,
        })
    }

    /// Starts a refresh for every due feed that is not already being refreshed.
    async fn start_due(
        &self,
        tracker: &TaskTracker,
        running: &mut Running,
        done: &mpsc::UnboundedSender<Finished>,
        metrics: &Arc<Metrics>,
    ) -> Result<(), StoreError> {
        // At most twice the fetch concurrency in flight: enough to keep fetching while others
        // are parsed and stored; the rest start on later ticks, so memory (and this query) does
        // not grow with the number of due feeds. The feeds in flight are still due and come
        // first, hence twice that many rows.
        let max_in_flight = self.config.daemon.concurrency.max(1).saturating_mul(2);
        let now = Utc::now();
        let rows = max_in_flight.saturating_mul(2);
        let due = self.ctx.store.call(move |s| s.due_feeds(now, rows)).await?;
        for state in due {
            if running.in_flight.len() >= max_in_flight {
                break;
            }
            let Some(feed) = self.feeds.get(&state.config_url) else {
                continue;
            };
            if !running.start(state.id, Instant::now()) {
                continue;
            }
            let mut mark = InFlight {
                feed_id: state.id,
                recorded: false,
                pause: false,
                done: done.clone(),
            };
            let job = job(state, feed, &self.config);
            let ctx = self.ctx.clone();
            let metrics = Arc::clone(metrics);
            tracker.spawn(async move {
                let began = Instant::now();
                match pipeline::refresh_feed(&ctx, job).await {
                    Ok(report) => {
                        metrics.refreshed(&report, began.elapsed());
                        mark.recorded = true;
                    }
                    Err(e) => {
                        metrics.error(ErrorKind::Database);
                        mark.pause = e.pauses_ingestion();
                        tracing::error!(error = %e, "feed refresh could not be recorded");
                    }
                }
                drop(mark);
            });
        }
        Ok(())
    }
}

/// Which feeds are being refreshed, and which are held back after a refresh that could not
/// record its result.
#[derive(Default)]
struct Running {
    in_flight: HashSet<i64>,
    held_back: HashMap<i64, Instant>,
    /// No refresh starts before this: the database was full or locked.
    paused_until: Option<Instant>,
}

impl Running {
    /// Marks a feed as in flight; false when it already is, or is still held back.
    fn start(&mut self, feed_id: i64, now: Instant) -> bool {
        if self.paused_until.is_some_and(|until| until > now) {
            return false;
        }
        if self
            .held_back
            .get(&feed_id)
            .is_some_and(|until| *until > now)
        {
            return false;
        }
        self.held_back.remove(&feed_id);
        self.in_flight.insert(feed_id)
    }

    /// A refresh ended. One whose result was not recorded (database failure, panic) left its
    /// feed due: hold it back, so a full disk does not turn into polling a server every second.
    fn finish(&mut self, finished: Finished) {
        self.in_flight.remove(&finished.feed_id);
        if finished.pause {
            // The feed is not at fault: it waits with the others, not longer.
            let until = Instant::now() + PAUSE_AFTER_STORAGE_FAILURE;
            if self.paused_until.is_none_or(|old| old < Instant::now()) {
                tracing::error!(
                    seconds = PAUSE_AFTER_STORAGE_FAILURE.as_secs(),
                    "the database cannot take writes; ingestion is paused and then retried"
                );
            }
            self.paused_until = Some(until);
        } else if !finished.recorded {
            let until = Instant::now() + HOLD_BACK_AFTER_FAILURE;
            self.held_back.insert(finished.feed_id, until);
        }
    }
}

/// Sent when a refresh task ends, however it ends.
struct Finished {
    feed_id: i64,
    recorded: bool,
    /// The database was full or locked: pause all refreshes.
    pause: bool,
}

/// Reports a feed's refresh as finished when dropped, so that a refresh that panics or is
/// cancelled does not leave its feed marked as in flight (and never polled again).
struct InFlight {
    feed_id: i64,
    recorded: bool,
    pause: bool,
    done: mpsc::UnboundedSender<Finished>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // The receiver only goes away when the daemon stops; nothing is left to tell then.
        let _ = self.done.send(Finished {
            feed_id: self.feed_id,
            recorded: self.recorded,
            pause: self.pause,
        });
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
    notify(&[
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
    notify(&[sd_notify::NotifyState::Ready]);
    next
}

/// Half the watchdog period systemd asked for, or an hour when there is none (a no-op ping).
fn watchdog_period() -> Duration {
    sd_notify::watchdog_enabled()
        .map(|d| (d / 2).max(Duration::from_millis(100)))
        .unwrap_or(Duration::from_secs(3600))
}

fn notify(states: &[sd_notify::NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(e) = sd_notify::notify(states)
    {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A feed is refreshed once at a time, and held back after a refresh that could not record
    /// its result, instead of being polled again at the next tick.
    #[test]
    fn unrecorded_refresh_holds_the_feed_back() {
        let mut running = Running::default();
        let now = Instant::now();
        assert!(running.start(1, now));
        assert!(!running.start(1, now), "already in flight");
        running.finish(Finished {
            feed_id: 1,
            recorded: true,
            pause: false,
        });
        assert!(running.start(1, now));
        running.finish(Finished {
            feed_id: 1,
            recorded: false,
            pause: false,
        });
        assert!(!running.start(1, Instant::now()));
        assert!(running.start(
            1,
            Instant::now() + HOLD_BACK_AFTER_FAILURE + Duration::from_secs(1)
        ));
    }

    /// A full or locked database pauses every refresh, not just the feed that found it, and
    /// only for the pause: that feed is not held back longer than the others.
    #[test]
    fn full_database_pauses_every_feed_for_a_while() {
        let mut running = Running::default();
        assert!(running.start(1, Instant::now()));
        running.finish(Finished {
            feed_id: 1,
            recorded: false,
            pause: true,
        });
        assert!(!running.start(2, Instant::now()), "other feeds wait too");
        let later = Instant::now() + PAUSE_AFTER_STORAGE_FAILURE + Duration::from_secs(1);
        assert!(running.start(1, later));
        assert!(running.start(2, later));
    }
}
