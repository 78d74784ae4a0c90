//! Lifecycle: opening the store, running poll cycles (once, or forever as a service), signals,
//! configuration reload, retention, the systemd notification protocol, and (in the service) the
//! monitoring endpoint with the counters it reports.
//!
//! Shutdown uses one root [`CancellationToken`]: SIGTERM or SIGINT cancels it, refreshes stop at
//! their next unit of work (a write already started finishes), and the process exits 0 within
//! [`SHUTDOWN_GRACE`].
//!
//! # Files
//! - this file: what both ways of running share (opening the store, the refresh context,
//!   registering feeds, retention) and the errors that stop a run;
//! - `once`: `run --once`;
//! - `service`: `run`, the service loop with signals, reload, the notify loop and systemd;
//! - `in_flight`: which feeds are being refreshed or held back;
//! - `cycle`: what a poll cycle did, as `run --once` prints it and the service logs it;
//! - `backfill`: the service's backfill of new and changed topics over the stored articles.

mod backfill;
mod cycle;
mod in_flight;
mod once;
mod service;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigErrors, FeedSettings};
use crate::fetch::Fetcher;
use crate::monitor::ListenError;
use crate::pipeline::{self, Context, FeedJob};
use crate::store::{FeedState, Store, StoreError, StoreHandle};

pub use cycle::CycleSummary;
pub use once::run_once;
pub use service::{SHUTDOWN_GRACE, run_daemon};

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
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    /// The HTTP client could not be built (TLS backend).
    #[error("cannot start the HTTP client: {}", crate::fetch::error_chain(.0))]
    Http(reqwest::Error),
    /// Installing a signal handler failed.
    #[error("cannot install signal handlers: {0}")]
    Signal(std::io::Error),
    /// The monitoring endpoint (`[daemon] listen`) or the web pages (`[web] listen`) could not
    /// bind their address.
    #[error(transparent)]
    Listen(#[from] ListenError),
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

/// What every refresh of this config needs.
fn context(
    config: &Config,
    store: StoreHandle,
    cancel: CancellationToken,
) -> Result<Context, DaemonError> {
    Ok(Context {
        fetcher: Arc::new(Fetcher::new(config.fetch_settings()).map_err(DaemonError::Http)?),
        store,
        topics: Arc::new(config.topic_set()),
        cpu: Arc::new(Semaphore::new(pipeline::cpu_permits())),
        pages: Arc::new(Semaphore::new(pipeline::pages_in_hand(
            config.daemon.concurrency,
        ))),
        cancel,
    })
}

/// Registers the config's feeds in the database and returns their states.
async fn sync_feeds(store: &StoreHandle, config: &Config) -> Result<Vec<FeedState>, DaemonError> {
    let specs = config.feed_specs();
    Ok(store
        .call(move |s| s.sync_feeds(&specs, Utc::now()))
        .await?)
}

/// One feed's refresh: its stored state and its settings.
fn job(state: FeedState, feed: &FeedSettings, config: &Config) -> FeedJob {
    FeedJob {
        state,
        interval: feed.interval,
        fetch_articles: feed.fetch_articles,
        max_backoff: config.daemon.max_backoff,
    }
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
