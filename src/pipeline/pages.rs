//! The article pages of one feed's entries: each pending page is fetched, analysed and stored
//! with its story and hits; entries that get no page take the feed's own text instead. A page
//! that fails is retried on later polls, then given up for the feed's text.

use std::sync::Arc;

use chrono::Utc;
use tokio::task::JoinSet;
use url::Url;

use super::analyse::{self, EntryFacts};
use super::{Context, FeedJob, FeedOutcome, FeedReport};
use crate::fetch::{FetchOutcome, Fetched, Origin, Validators};
use crate::store::{MAX_PAGE_ATTEMPTS, PageResult, PendingPage, StoreError};

/// At most this many pending pages of one feed are fetched per refresh; the rest wait for the
/// next one, so a feed with thousands of new items cannot monopolise a cycle.
const PAGES_PER_REFRESH: usize = 100;

/// Gives entries without a page their feed text (after a poll that stored entries), then
/// fetches and extracts the pending pages of a feed. The report's outcome is left for the
/// caller.
pub(super) async fn fetch_pages(
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
            .map(|article| {
                let analysed = analyse::analyse_feed_text(entry_facts(article), &topics);
                (article.article_id, analysed.found, analysed.identity)
            })
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

/// What the feed says about a pending article, for its analysis.
fn entry_facts(article: &PendingPage) -> EntryFacts<'_> {
    EntryFacts {
        title: article.title.as_deref(),
        language: article.language.as_deref(),
        feed_text: article
            .feed_text
            .as_ref()
            .map(|(text, source)| (text.as_str(), *source)),
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
    let (analysis, identity) = if give_up {
        let (topics, article) = (Arc::clone(&ctx.topics), pending.clone());
        tokio::task::spawn_blocking(move || {
            let analysed = analyse::analyse_feed_text(entry_facts(&article), &topics);
            (analysed.found, analysed.identity)
        })
        .await
        .unwrap_or_default()
    } else {
        Default::default()
    };
    PageResult::Failed {
        error,
        give_up,
        analysis,
        identity,
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
        let analysed = analyse::analyse_page(
            &page.body,
            page.charset.as_deref(),
            &page.final_url,
            entry_facts(&article),
            &topics,
        );
        let mut stored = analysed.page;
        stored.text = analysed.article.text;
        PageResult::Extracted {
            page: Box::new(stored),
            source: analysed.article.source,
            analysis: analysed.article.found,
            identity: analysed.article.identity,
        }
    })
    .await;
    match extracted {
        Ok(result) => result,
        // The runtime is shutting down (a run ending on a database error): not the page's
        // fault, so it is fetched again next time rather than given up.
        Err(e) if e.is_cancelled() => {
            let error = format!("{url}: interrupted by shutdown");
            page_failed(ctx, feed, pending, error, false).await
        }
        Err(e) => {
            let error = format!("{url}: extractor crashed: {e}");
            page_failed(ctx, feed, pending, error, true).await
        }
    }
}
