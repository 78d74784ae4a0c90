//! One feed refresh, read top to bottom: conditional fetch, classify the outcome, parse, store
//! the entries with the feed's new state in one transaction, then fetch and extract the pages of
//! new entries, find each article's story and match its final text against the topics, and
//! store text, story and hits in one transaction. This is the only module that calls several
//! stages.
//!
//! # Files
//! - this file: the refresh of one feed up to its stored entries;
//! - `pages`: the article pages of a feed's entries, fetched and analysed, and the feed's own
//!   text for entries that get no page;
//! - [`analyse`]: what one article's text, language, hits and story keys are; pure, and shared
//!   with `newshound explain`.

pub mod analyse;
mod pages;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::dedup;
use crate::fetch::{FetchError, FetchOutcome, Fetched, Fetcher, Origin, Validators};
use crate::matcher::TopicSet;
use crate::model::ParsedFeed;
use crate::parse;
use crate::schedule::{self, PublisherHints};
use crate::store::{EntryRecord, FeedState, PollRecord, StoreError, StoreHandle, SuccessfulPoll};

pub use analyse::MIN_PAGE_TEXT_CHARS;

/// What every refresh needs: the clients, the database, and the shutdown signal.
#[derive(Clone)]
pub struct Context {
    /// Shared HTTP clients and limits.
    pub fetcher: Arc<Fetcher>,
    /// The database.
    pub store: StoreHandle,
    /// Every topic, compiled once per configuration.
    pub topics: Arc<TopicSet>,
    /// One permit per core for CPU work (parsing, extraction, matching): more pages in those
    /// stages at once would only add threads and memory, not speed.
    pub cpu: Arc<Semaphore>,
    /// Article pages fetched or being fetched and not yet stored (see [`pages_in_hand`]).
    /// Fetching on a fast network outruns extraction; without this bound every page of every
    /// feed in flight would be downloaded and held while it waited for a core.
    pub pages: Arc<Semaphore>,
    /// Cancelled on shutdown; checked between units of work.
    pub cancel: CancellationToken,
}

/// The permits of [`Context::cpu`]: the machine's cores.
pub fn cpu_permits() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// The permits of [`Context::pages`]: as many pages as fetches may run at once, plus one
/// waiting per core, so the fetch concurrency stays usable while memory stays bounded by a few
/// dozen bodies.
pub fn pages_in_hand(fetch_concurrency: usize) -> usize {
    fetch_concurrency.max(1) + cpu_permits()
}

/// One feed to refresh: its persisted state and its settings from the config.
#[derive(Debug, Clone)]
pub struct FeedJob {
    /// Persisted state (id, current URL, validators, error count).
    pub state: FeedState,
    /// The user's poll interval for this feed.
    pub interval: Duration,
    /// Fetch and extract each new entry's page.
    pub fetch_articles: bool,
    /// Longest wait between polls after repeated failures.
    pub max_backoff: Duration,
}

/// How a feed poll ended, for the cycle summary.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedOutcome {
    /// New content was parsed and stored.
    Updated {
        /// Entries seen for the first time.
        new: usize,
        /// Entries whose content changed.
        updated: usize,
    },
    /// 304 Not Modified.
    NotModified,
    /// The poll failed; the error is recorded against the feed.
    Failed(String),
    /// HTTP 410: the feed is disabled.
    Disabled(String),
    /// Shutdown began before the refresh finished.
    Cancelled,
}

/// What one refresh did: the poll's outcome and the article pages fetched after it (new
/// entries' pages, and pages an earlier crash or failure left pending).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedReport {
    /// How the poll ended.
    pub outcome: FeedOutcome,
    /// Pages fetched and extracted.
    pub pages_ok: usize,
    /// Pages that failed or were refused.
    pub pages_failed: usize,
    /// Topic hits found in the texts settled by this refresh.
    pub hits: usize,
}

impl From<FeedOutcome> for FeedReport {
    fn from(outcome: FeedOutcome) -> FeedReport {
        FeedReport {
            outcome,
            pages_ok: 0,
            pages_failed: 0,
            hits: 0,
        }
    }
}

/// Refreshes one feed. Errors of the feed itself are recorded in its row and returned as an
/// outcome; only a database failure is an `Err`, because then nothing can be recorded.
pub async fn refresh_feed(ctx: &Context, job: FeedJob) -> Result<FeedReport, StoreError> {
    let url = match Url::parse(&job.state.url) {
        Ok(url) => url,
        Err(e) => {
            let error = format!("{}: invalid stored URL: {e}", job.state.url);
            return Ok(record_failure(ctx, &job, error, None, None).await?.into());
        }
    };
    let validators = Validators {
        etag: job.state.etag.clone(),
        last_modified: job.state.last_modified.clone(),
    };
    let fetched = tokio::select! {
        result = ctx.fetcher.fetch(&url, Origin::ConfiguredFeed, &validators) => result,
        () = ctx.cancel.cancelled() => return Ok(FeedOutcome::Cancelled.into()),
    };
    let outcome = match fetched {
        Ok(FetchOutcome::NotModified { max_age }) => {
            record_not_modified(ctx, &job, max_age).await?
        }
        Err(err) if err.is_gone() => disable(ctx, &job, &err).await?,
        Err(err) => {
            let (status, retry) = (err.http_status(), err.retry_after());
            record_failure(ctx, &job, err.to_string(), status, retry).await?
        }
        Ok(FetchOutcome::Fetched(fetched)) => store_feed(ctx, &job, *fetched).await?,
    };
    if !matches!(
        outcome,
        FeedOutcome::Updated { .. } | FeedOutcome::NotModified
    ) {
        return Ok(outcome.into());
    }
    // Pages of new entries, and pages a crash or an earlier failure left pending.
    let stored_entries = matches!(outcome, FeedOutcome::Updated { .. });
    let pages = pages::fetch_pages(ctx, &job, url.scheme() == "file", stored_entries).await?;
    Ok(FeedReport { outcome, ..pages })
}

async fn record_not_modified(
    ctx: &Context,
    job: &FeedJob,
    max_age: Option<Duration>,
) -> Result<FeedOutcome, StoreError> {
    let now = Utc::now();
    let hints = PublisherHints { ttl: None, max_age };
    let record = PollRecord {
        polled_at: now,
        next_poll_at: schedule::after_success(now, job.interval, hints, fastrand::f64()),
        status: "not_modified",
        http_status: Some(304),
        error: None,
    };
    let id = job.state.id;
    ctx.store.call(move |s| s.record_poll(id, &record)).await?;
    tracing::debug!(feed = %job.state.name, "not modified");
    log_recovery(job);
    Ok(FeedOutcome::NotModified)
}

async fn record_failure(
    ctx: &Context,
    job: &FeedJob,
    error: String,
    http_status: Option<u16>,
    retry_after: Option<Duration>,
) -> Result<FeedOutcome, StoreError> {
    let now = Utc::now();
    let errors = job.state.consecutive_errors.saturating_add(1);
    let record = PollRecord {
        polled_at: now,
        next_poll_at: schedule::after_failure(
            now,
            job.interval,
            errors,
            retry_after,
            job.max_backoff,
            fastrand::f64(),
        ),
        status: "error",
        http_status,
        error: Some(error.clone()),
    };
    tracing::warn!(
        feed = %job.state.name,
        error = %error,
        consecutive_errors = errors,
        next_poll = %record.next_poll_at,
        "feed refresh failed"
    );
    let id = job.state.id;
    ctx.store.call(move |s| s.record_poll(id, &record)).await?;
    Ok(FeedOutcome::Failed(error))
}

async fn disable(
    ctx: &Context,
    job: &FeedJob,
    err: &FetchError,
) -> Result<FeedOutcome, StoreError> {
    let reason = format!(
        "gone (HTTP 410) since {}: {err}",
        Utc::now().format("%Y-%m-%d")
    );
    tracing::warn!(feed = %job.state.name, reason = %reason, "feed disabled");
    let (id, stored_reason) = (job.state.id, reason.clone());
    ctx.store
        .call(move |s| s.disable_feed(id, &stored_reason, Utc::now()))
        .await?;
    Ok(FeedOutcome::Disabled(reason))
}

async fn store_feed(
    ctx: &Context,
    job: &FeedJob,
    mut fetched: Fetched,
) -> Result<FeedOutcome, StoreError> {
    let body = std::mem::take(&mut fetched.body);
    let core = ctx.cpu.acquire().await;
    let parsed = parse_in_background(body, &fetched).await;
    drop(core);
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            let error = format!("{}: {error}", fetched.final_url);
            return record_failure(ctx, job, error, Some(fetched.status), None).await;
        }
    };
    if let Some(to) = &fetched.moved_permanently_to {
        tracing::info!(feed = %job.state.name, from = %job.state.url, to = %to, "feed moved permanently; URL updated");
    }
    if parsed.repaired {
        tracing::debug!(feed = %job.state.name, "feed document was malformed and has been repaired");
    }
    if parsed.dropped_entries > 0 {
        tracing::warn!(feed = %job.state.name, kept = parsed.entries.len(), dropped = parsed.dropped_entries, "feed holds too many entries; only the newest are taken");
    }
    let now = Utc::now();
    let hints = PublisherHints {
        ttl: parsed.ttl,
        max_age: fetched.max_age,
    };
    let next_poll_at = schedule::after_success(now, job.interval, hints, fastrand::f64());
    let keyed: Vec<EntryRecord> = parsed
        .entries
        .into_iter()
        .map(|entry| EntryRecord {
            key: parse::entry_key(&entry),
            url_key: entry
                .link
                .as_ref()
                .map(|link| dedup::url::canonical_url(link).to_string()),
            entry,
        })
        .collect();
    let entries_seen = keyed.len();
    let id = job.state.id;
    let stored = ctx
        .store
        .call(move |s| {
            s.store_poll(
                id,
                &SuccessfulPoll {
                    record: PollRecord {
                        polled_at: now,
                        next_poll_at,
                        status: "ok",
                        http_status: Some(fetched.status),
                        error: None,
                    },
                    entries: &keyed,
                    etag: fetched.validators.etag.as_deref(),
                    last_modified: fetched.validators.last_modified.as_deref(),
                    moved_to: fetched.moved_permanently_to.as_ref().map(Url::as_str),
                    title: parsed.title.as_deref(),
                },
            )
        })
        .await?;
    tracing::debug!(
        feed = %job.state.name,
        entries = entries_seen,
        new = stored.new,
        updated = stored.updated,
        "feed refreshed"
    );
    log_recovery(job);
    Ok(FeedOutcome::Updated {
        new: stored.new,
        updated: stored.updated,
    })
}

/// A feed that failed before works again: a change of state, logged at info (a routine refresh
/// is logged at debug only).
fn log_recovery(job: &FeedJob) {
    if job.state.consecutive_errors > 0 {
        tracing::info!(
            feed = %job.state.name,
            failed_polls = job.state.consecutive_errors,
            "feed works again"
        );
    }
}

/// Parses on the blocking pool: parsing is CPU work, and a panic inside the parser (feed-rs has
/// some on hostile input) ends this task only, as an error.
async fn parse_in_background(body: Vec<u8>, fetched: &Fetched) -> Result<ParsedFeed, String> {
    let charset = fetched.charset.clone();
    let base = fetched.final_url.clone();
    tokio::task::spawn_blocking(move || parse::parse_feed(&body, charset.as_deref(), &base))
        .await
        .map_err(|e| format!("parser crashed: {e}"))?
        .map_err(|e| e.to_string())
}
