//! `run --once`: one cycle over the feeds that are due (or all of them), then retention and the
//! notify step, and a summary of it all.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::cycle::CycleSummary;
use super::{DaemonError, context, job, open_store, prune_if_due, sync_feeds};
use crate::config::{Config, FeedSettings};
use crate::notify::{self, send::Due};
use crate::pipeline::{self, FeedReport};
use crate::schedule;
use crate::store::StoreError;

/// Polls every due feed (every feed with `all`), waits for all of them, runs retention when it
/// is due and the notify step, and returns the summary. Feed failures are in the summary; only
/// configuration and database failures are errors.
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
    let settings = Arc::new(config.notify_settings());
    let outlets = notify::outlets_or_log(&settings);
    let emails = notify::notify_step(&store, &settings, &outlets, Due::All).await?;
    summary.add_emails(&emails);
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
