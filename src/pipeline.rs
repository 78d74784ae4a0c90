//! One feed refresh, read top to bottom: conditional fetch, classify the outcome, parse, store
//! the entries with the feed's new state in one transaction, then fetch and extract the pages of
//! new entries, find each article's story and match its final text against the topics, and
//! store text, story and hits in one transaction. This is the only module that calls several stages.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::dedup;
use crate::extract;
use crate::fetch::{FetchError, FetchOutcome, Fetched, Fetcher, Origin, Validators};
use crate::matcher::{TopicSet, match_article};
use crate::model::{Extracted, ParsedFeed, TextAnalysis, TextSource};
use crate::parse;
use crate::schedule::{self, PublisherHints};
use crate::store::{
    EntryRecord, FeedState, MAX_PAGE_ATTEMPTS, PageResult, PendingPage, PollRecord, StoreError,
    StoreHandle, SuccessfulPoll,
};

/// A page whose extracted text is shorter than this many characters is taken for a failed
/// extraction (a consent wall, a paywall teaser, a video or gallery page) rather than the
/// article, and the feed's own text is used when it is longer. 250 is trafilatura's default
/// minimum extraction size; two real sentences of news text already pass it, while feed
/// summaries, which are what remains, are typically 150 to 400 characters.
pub const MIN_PAGE_TEXT_CHARS: usize = 250;

/// At most this many pending pages of one feed are fetched per refresh; the rest wait for the
/// next one, so a feed with thousands of new items cannot monopolise a cycle.
const PAGES_PER_REFRESH: usize = 100;

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
    /// feed in flight was downloaded and held while it waited for a core (250 MB at 1,000
    /// feeds).
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
    let pages = fetch_pages(ctx, &job, url.scheme() == "file", stored_entries).await?;
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
    tracing::info!(feed = %job.state.name, "not modified");
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
        tracing::info!(feed = %job.state.name, "feed document was malformed and has been repaired");
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
    tracing::info!(
        feed = %job.state.name,
        entries = entries_seen,
        new = stored.new,
        updated = stored.updated,
        "feed refreshed"
    );
    Ok(FeedOutcome::Updated {
        new: stored.new,
        updated: stored.updated,
    })
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

/// Gives entries without a page their feed text (after a poll that stored entries), then
/// fetches and extracts the pending pages of a feed. The report's outcome is left for the
/// caller.
async fn fetch_pages(
    ctx: &Context,
    job: &FeedJob,
    from_file_feed: bool,
    stored_entries: bool,
) -> Result<FeedReport, StoreError> {
    let (id, no_pages) = (job.state.id, !job.fetch_articles);
    let mut report = FeedReport::from(FeedOutcome::Cancelled);
    // Only a poll that stored entries can have left articles that get no page; a 304 stays a
    // read-only poll apart from its poll time.
    if stored_entries {
        report.hits += use_feed_texts(ctx, id, no_pages).await?;
    }
    if no_pages {
        return Ok(report);
    }
    let pending = ctx
        .store
        .call(move |s| s.pending_pages(id, PAGES_PER_REFRESH))
        .await?;
    let mut tasks = JoinSet::new();
    for page in pending {
        let ctx = ctx.clone();
        let feed = job.state.name.clone();
        tasks.spawn(async move {
            let Ok(_in_hand) = ctx.pages.acquire().await else {
                return Ok(None);
            };
            if ctx.cancel.is_cancelled() {
                return Ok(None);
            }
            let result = fetch_page(&ctx, &feed, &page, from_file_feed).await;
            let ok = matches!(result, PageResult::Extracted { .. });
            let hits = ctx
                .store
                .call(move |s| s.record_page(page.article_id, &result, Utc::now()))
                .await?;
            Ok::<_, StoreError>(Some((ok, hits)))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(Some((ok, hits)))) => {
                if ok {
                    report.pages_ok += 1;
                } else {
                    report.pages_failed += 1;
                }
                report.hits += hits;
            }
            Ok(Ok(None)) => {}
            Ok(Err(store_error)) => return Err(store_error),
            Err(join_error) => {
                report.pages_failed += 1;
                tracing::error!(feed = %job.state.name, error = %join_error, "page task crashed");
            }
        }
    }
    Ok(report)
}

/// Articles that get no page (all of the feed's with `all`, else those without a link) take
/// the feed's text, matched against the topics. Returns the number of new hits.
async fn use_feed_texts(ctx: &Context, feed_id: i64, all: bool) -> Result<usize, StoreError> {
    let articles = ctx
        .store
        .call(move |s| s.articles_without_page(feed_id, all))
        .await?;
    if articles.is_empty() {
        return Ok(0);
    }
    let topics = Arc::clone(&ctx.topics);
    let core = ctx.cpu.acquire().await;
    let texts = tokio::task::spawn_blocking(move || {
        articles
            .iter()
            .map(|article| (article.article_id, analyse_feed_text(&topics, article)))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|e| StoreError::Task(format!("matching crashed: {e}")))?;
    // The core is free for others while the results are written.
    drop(core);
    ctx.store
        .call(move |s| s.record_feed_texts(&texts, Utc::now()))
        .await
}

/// Language, hits and identity of an article whose text is the feed's own.
fn analyse_feed_text(topics: &TopicSet, article: &PendingPage) -> TextAnalysis {
    let text = article.feed_text.as_ref().map_or("", |(text, _)| text);
    let title = article.title.as_deref().unwrap_or_default();
    TextAnalysis {
        identity: dedup::text_identity(text, None, None),
        ..match_article(topics, title, text, [article.language.as_deref()])
    }
}

async fn fetch_page(
    ctx: &Context,
    feed: &str,
    pending: &PendingPage,
    from_file_feed: bool,
) -> PageResult {
    let link = pending.url.as_deref().unwrap_or_default();
    let url = match Url::parse(link) {
        Ok(url) => url,
        Err(e) => {
            return page_failed(
                ctx,
                feed,
                pending,
                format!("{link}: invalid URL: {e}"),
                true,
            )
            .await;
        }
    };
    let origin = Origin::ArticleLink { from_file_feed };
    let no_validators = Validators::default();
    let fetched = tokio::select! {
        result = ctx.fetcher.fetch(&url, origin, &no_validators) => result,
        () = ctx.cancel.cancelled() => {
            let error = format!("{url}: interrupted by shutdown");
            return page_failed(ctx, feed, pending, error, false).await;
        }
    };
    match fetched {
        Ok(FetchOutcome::Fetched(page)) if !page.is_html() => {
            let kind = page.content_type.as_deref().unwrap_or_default();
            let error = format!("{url}: not an HTML page ({kind})");
            page_failed(ctx, feed, pending, error, true).await
        }
        Ok(FetchOutcome::Fetched(page)) => extract_in_background(ctx, feed, *page, pending).await,
        Ok(FetchOutcome::NotModified { .. }) => {
            page_failed(ctx, feed, pending, format!("{url}: unexpected 304"), false).await
        }
        Err(err) => {
            let refused = err.is_refusal() || err.is_gone() || err.is_too_large();
            page_failed(ctx, feed, pending, err.to_string(), refused).await
        }
    }
}

/// A failed page fetch. When it is the last attempt (`refused`, or the attempts are used up),
/// the article falls back to the feed's text, which is matched now.
async fn page_failed(
    ctx: &Context,
    feed: &str,
    pending: &PendingPage,
    error: String,
    refused: bool,
) -> PageResult {
    let link = pending.url.as_deref().unwrap_or_default();
    tracing::warn!(feed = %feed, url = %link, error = %error, "article page not fetched");
    let give_up = refused || pending.attempts + 1 >= MAX_PAGE_ATTEMPTS;
    let analysis = if give_up {
        let (topics, article) = (Arc::clone(&ctx.topics), pending.clone());
        tokio::task::spawn_blocking(move || analyse_feed_text(&topics, &article))
            .await
            .unwrap_or_default()
    } else {
        TextAnalysis::default()
    };
    PageResult::Failed {
        error,
        give_up,
        analysis,
    }
}

/// Extraction and matching are CPU work: both run on the blocking pool, and a panic in either
/// ends this page only.
async fn extract_in_background(
    ctx: &Context,
    feed: &str,
    page: Fetched,
    pending: &PendingPage,
) -> PageResult {
    let url = page.final_url.clone();
    let (topics, article) = (Arc::clone(&ctx.topics), pending.clone());
    let _core = ctx.cpu.acquire().await;
    let extracted = tokio::task::spawn_blocking(move || {
        let html = extract::decode_html(&page.body, page.charset.as_deref());
        let mut extracted = extract::extract(&html, &page.final_url);
        let source = choose_text(&mut extracted, article.feed_text.clone());
        let title = article
            .title
            .as_deref()
            .or(extracted.title.as_deref())
            .unwrap_or_default();
        let declared = [extracted.language.as_deref(), article.language.as_deref()];
        let identity = dedup::text_identity(
            &extracted.text,
            Some(&page.final_url),
            extracted.canonical_url.as_ref(),
        );
        let analysis = TextAnalysis {
            identity,
            ..match_article(&topics, title, &extracted.text, declared)
        };
        PageResult::Extracted {
            page: Box::new(extracted),
            source,
            analysis,
        }
    })
    .await;
    match extracted {
        Ok(result) => result,
        Err(e) => {
            let error = format!("{url}: extractor crashed: {e}");
            page_failed(ctx, feed, pending, error, true).await
        }
    }
}
/// Keeps the page's text unless it is too short to be the article and the feed offers more;
/// returns where the text now comes from. `explain` applies the same rule.
pub fn choose_text(page: &mut Extracted, feed_text: Option<(String, TextSource)>) -> TextSource {
    let page_chars = page.text.chars().count();
    match feed_text {
        Some((text, source))
            if page_chars < MIN_PAGE_TEXT_CHARS && text.chars().count() > page_chars =>
        {
            page.text = text;
            source
        }
        _ => TextSource::Page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(text: &str) -> Extracted {
        Extracted {
            text: text.into(),
            ..Extracted::default()
        }
    }

    /// A page with an article's worth of text keeps it, whatever the feed offers.
    #[test]
    fn full_page_text_is_kept() {
        let mut extracted = page(&"Real article text. ".repeat(20));
        let feed = Some(("A longer feed text ".repeat(40), TextSource::FeedContent));
        assert_eq!(choose_text(&mut extracted, feed), TextSource::Page);
        assert!(extracted.text.starts_with("Real article"));
    }

    /// A page that yields too little (a consent wall) gives way to the feed's longer text.
    #[test]
    fn short_page_text_gives_way_to_the_feed() {
        let mut extracted = page("Please accept cookies.");
        let summary = "The council agreed on the budget after long talks.".to_owned();
        let source = choose_text(
            &mut extracted,
            Some((summary.clone(), TextSource::FeedSummary)),
        );
        assert_eq!(source, TextSource::FeedSummary);
        assert_eq!(extracted.text, summary);
    }

    /// A short page is still kept when the feed has nothing longer.
    #[test]
    fn short_page_text_stays_without_a_better_feed_text() {
        let mut extracted = page("Short but real.");
        assert_eq!(choose_text(&mut extracted, None), TextSource::Page);
        let tiny = Some(("Tiny.".to_owned(), TextSource::FeedSummary));
        assert_eq!(choose_text(&mut extracted, tiny), TextSource::Page);
    }
}
