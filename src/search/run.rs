//! Running a query over the stored articles: the candidates the plan narrows to, each matched
//! by the real matcher on its stored title, text and language, spread over the cores, then the
//! matches folded into stories.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::plan::{RelevantWords, narrowing, relevant_words};
use crate::matcher::{Article, Evaluation, Language, Query, WordCache, evaluate, topic_hit};
use crate::model::TopicHit;
use crate::progress::Progress;
use crate::store::{
    CandidateFilter, Store, StoreError, StoredHit, StoredText, StoryLead, TextReader,
};

/// Candidates sent to a matching thread at a time.
const CHUNK: usize = 128;

/// Above this many candidates a search that may estimate ([`Count::Estimate`]) matches a
/// sample instead of every candidate: matching costs about the same for every article, so this
/// keeps a search of a common word interactive.
pub const EXACT_CANDIDATES: usize = 2_000;

/// Candidates matched to estimate how many of all would match.
const SAMPLE: usize = 400;

/// How a search counts its matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Count {
    /// Every candidate is matched (rematch, and `search --exact`).
    #[default]
    Exact,
    /// With more than [`EXACT_CANDIDATES`] candidates, only the newest until `stories` stories
    /// matched, and the totals are estimated from an even sample.
    Estimate {
        /// Stories the caller shows.
        stories: usize,
    },
}

/// What to look for and where.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Only articles in these languages (ISO 639-1); empty for all.
    pub languages: Vec<String>,
    /// Only articles first seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only articles first seen before this time.
    pub until: Option<DateTime<Utc>>,
    /// Leave out the stories this topic already hit (rematch).
    pub unhit_by: Option<String>,
    /// Whether every candidate is matched.
    pub count: Count,
}

/// Totals estimated from a sample of the candidates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Articles that would match.
    pub articles: usize,
    /// Stories they belong to.
    pub stories: usize,
    /// Candidates matched for the estimate.
    pub sampled: usize,
}

/// One article the query matched.
#[derive(Debug, Clone)]
pub struct Match {
    /// The article as matched.
    pub article: StoredText,
    /// Which words matched, for the score and the snippet.
    pub evaluation: Evaluation,
}

impl Match {
    /// The story the article belongs to (its own id for one without a story): what results
    /// are folded and counted by.
    pub fn story(&self) -> i64 {
        self.article.story_id.unwrap_or(self.article.id)
    }
}

/// How many stories `matches` belong to.
fn distinct_stories<'a>(matches: impl IntoIterator<Item = &'a Match>) -> usize {
    matches
        .into_iter()
        .map(Match::story)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// What a search found, and what it cost.
#[derive(Debug)]
pub struct Found {
    /// Matching articles, newest first.
    pub matches: Vec<Match>,
    /// How many articles the index left to match (the plan's candidates).
    pub candidates: usize,
    /// How many articles the window and languages hold: what was searched.
    pub searched: u64,
    /// When only some candidates were matched ([`Count::Estimate`]): the estimated totals;
    /// `matches` then holds the newest only.
    pub estimate: Option<Estimate>,
    /// Wall time of the whole search.
    pub elapsed: Duration,
}

impl Found {
    /// The number of distinct stories among the matches.
    pub fn stories(&self) -> usize {
        distinct_stories(&self.matches)
    }
}

/// Runs `query` over the articles of `store` (whose file is `path`) that `request` selects.
/// With `progress`, reports the matching of candidates on a bar or in the log.
pub fn find(
    store: &Store,
    query: &Query,
    request: &Request,
    progress: Option<&str>,
) -> Result<Found, StoreError> {
    let started = Instant::now();
    let plan = narrowing(query, &request.languages);
    let mut filter = CandidateFilter {
        index_query: plan.index_query,
        languages: request.languages.clone(),
        since: request.since,
        until: request.until,
        unhit_by: request.unhit_by.clone(),
    };
    let candidates = match store.search_candidates(&filter) {
        Ok(candidates) => candidates,
        Err(error) if filter.index_query.is_some() => {
            // A plan the index refuses must not make a search fail: read everything instead.
            tracing::warn!(%error, "the search index refused the plan; reading every article");
            filter.index_query = None;
            store.search_candidates(&filter)?
        }
        Err(error) => return Err(error),
    };
    let searched = store.searchable_count(&filter)?;
    let (mut matches, estimate) = match request.count {
        Count::Estimate { stories } if candidates.len() > EXACT_CANDIDATES => {
            let newest = newest_stories(store.path(), query, &candidates, stories)?;
            (newest, Some(estimate(store.path(), query, &candidates)?))
        }
        _ => {
            let mut progress = progress.map(|label| Progress::new(label, candidates.len() as u64));
            let matches = match_all(store.path(), query, &candidates, progress.as_mut())?;
            if let Some(progress) = progress {
                progress.finish();
            }
            (matches, None)
        }
    };
    matches.sort_by(|a, b| {
        (b.article.published_at, b.article.id).cmp(&(a.article.published_at, a.article.id))
    });
    Ok(Found {
        candidates: candidates.len(),
        matches,
        searched,
        estimate,
        elapsed: started.elapsed(),
    })
}

/// The matches among the newest candidates (ids descending) until `stories` stories matched.
fn newest_stories(
    path: &Path,
    query: &Query,
    candidates: &[i64],
    stories: usize,
) -> Result<Vec<Match>, StoreError> {
    let mut matches = Vec::new();
    for batch in candidates.chunks(CHUNK * 4) {
        matches.extend(match_all(path, query, batch, None)?);
        if distinct_stories(&matches) >= stories {
            break;
        }
    }
    Ok(matches)
}

/// The totals estimated from an even sample of the candidates.
fn estimate(path: &Path, query: &Query, candidates: &[i64]) -> Result<Estimate, StoreError> {
    let step = candidates.len().div_ceil(SAMPLE).max(1);
    let sample: Vec<i64> = candidates.iter().step_by(step).copied().collect();
    let matched = match_all(path, query, &sample, None)?;
    let stories = distinct_stories(&matched);
    let scale = candidates.len() as f64 / sample.len().max(1) as f64;
    let articles = (matched.len() as f64 * scale).round() as usize;
    // Copies of one story rarely fall into one sample: scale the stories by their share of
    // the sampled matches.
    let share = stories as f64 / matched.len().max(1) as f64;
    Ok(Estimate {
        articles,
        stories: (articles as f64 * share).round() as usize,
        sampled: sample.len(),
    })
}

/// What one thread keeps while matching one query, by language code: the words the query can
/// match in that language, and the forms of the words met so far.
type WordCaches = HashMap<&'static str, (Option<RelevantWords>, WordCache)>;

/// Whether `query` matches `article` as the daemon would have matched it (its stored title,
/// text and language), with what was worked out for earlier articles kept in `caches`.
fn match_with(query: &Query, article: &StoredText, caches: &mut WordCaches) -> Option<Evaluation> {
    let language = Language::from_code(article.language.as_deref().unwrap_or(""));
    let (relevant, cache) = caches
        .entry(language.code().unwrap_or(""))
        .or_insert_with(|| (relevant_words(query, language), WordCache::default()));
    let tokens = match relevant {
        Some(relevant) => Article::relevant(
            &article.title,
            &article.text,
            language,
            &|folded| relevant.admit(folded),
            cache,
        ),
        None => Article::new(&article.title, &article.text, language),
    };
    let evaluation = evaluate(query, &tokens);
    evaluation.matched.then_some(evaluation)
}

/// Matches every candidate on one thread per core, each reading with its own connection.
fn match_all(
    path: &Path,
    query: &Query,
    candidates: &[i64],
    mut progress: Option<&mut Progress>,
) -> Result<Vec<Match>, StoreError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(candidates.len().div_ceil(CHUNK))
        .max(1);
    let chunks = Mutex::new(candidates.chunks(CHUNK));
    let (report, reports) = mpsc::channel::<Result<(usize, Vec<Match>), StoreError>>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let report = report.clone();
            let chunks = &chunks;
            scope.spawn(move || match_chunks(path, query, chunks, &report));
        }
        drop(report);
        let mut matches = Vec::new();
        for result in reports {
            let (done, found) = result?;
            matches.extend(found);
            if let Some(progress) = progress.as_deref_mut() {
                progress.advance(done as u64);
            }
        }
        Ok(matches)
    })
}

/// One matching thread: takes chunks of candidates until none are left.
fn match_chunks(
    path: &Path,
    query: &Query,
    chunks: &Mutex<std::slice::Chunks<'_, i64>>,
    report: &mpsc::Sender<Result<(usize, Vec<Match>), StoreError>>,
) {
    let reader = match TextReader::open(path) {
        Ok(reader) => reader,
        Err(error) => {
            let _ = report.send(Err(error));
            return;
        }
    };
    let mut caches = WordCaches::default();
    loop {
        let next = chunks.lock().unwrap_or_else(PoisonError::into_inner).next();
        let Some(chunk) = next else { return };
        let result =
            match_chunk(&reader, query, chunk, &mut caches).map(|found| (chunk.len(), found));
        let failed = result.is_err();
        if report.send(result).is_err() || failed {
            return;
        }
    }
}

fn match_chunk(
    reader: &TextReader,
    query: &Query,
    ids: &[i64],
    caches: &mut WordCaches,
) -> Result<Vec<Match>, StoreError> {
    let mut found = Vec::new();
    for &id in ids {
        let Some(article) = reader.text(id)? else {
            continue;
        };
        if let Some(evaluation) = match_with(query, &article, caches) {
            found.push(Match {
                article,
                evaluation,
            });
        }
    }
    Ok(found)
}

/// The matches of each story, the story's matches in the order given; stories in the order
/// of their first match.
pub fn by_story(matches: &[Match]) -> Vec<(i64, Vec<&Match>)> {
    let mut order: Vec<i64> = Vec::new();
    let mut stories: HashMap<i64, Vec<&Match>> = HashMap::new();
    for found in matches {
        let story = found.story();
        stories
            .entry(story)
            .or_insert_with(|| {
                order.push(story);
                Vec::new()
            })
            .push(found);
    }
    order
        .into_iter()
        .map(|story| {
            let copies = stories.remove(&story).unwrap_or_default();
            (story, copies)
        })
        .collect()
}

/// The copy a story is shown (or hit) by, with its hit as `label`: the highest score, the newest
/// of equals.
pub fn best_copy<'a>(label: &str, copies: &[&'a Match]) -> Option<(&'a Match, TopicHit)> {
    copies
        .iter()
        .map(|copy| {
            let hit = topic_hit(
                label,
                &copy.evaluation,
                &copy.article.title,
                &copy.article.text,
            );
            (*copy, hit)
        })
        .max_by_key(|(copy, hit)| (hit.score, copy.article.published_at))
}

/// The newest `limit` stories of `found` as hits of `label` (`search`'s results, on the terminal
/// and on the search page): each under its lead with its best-scoring copy's score, matched
/// words and snippet, found when the copy was first seen.
pub fn story_hits(
    store: &Store,
    label: &str,
    found: &Found,
    limit: usize,
) -> Result<Vec<StoredHit>, StoreError> {
    let mut results = Vec::new();
    for (story, copies) in by_story(&found.matches).into_iter().take(limit) {
        let Some((copy, hit)) = best_copy(label, &copies) else {
            continue;
        };
        // A story always has its lead; without one, the copy stands in for it.
        let lead = store.story_lead(story)?.unwrap_or_else(|| StoryLead {
            lead_article_id: copy.article.id,
            title: Some(copy.article.title.clone()),
            url: None,
            feed: String::new(),
            language: copy.article.language.clone(),
            published_at: None,
            sources: Vec::new(),
        });
        results.push(StoredHit {
            id: 0,
            topic: label.to_owned(),
            article_id: copy.article.id,
            story_id: copy.article.story_id,
            lead_article_id: lead.lead_article_id,
            sources: lead.sources,
            title: lead.title.or_else(|| Some(copy.article.title.clone())),
            url: lead.url,
            feed: lead.feed,
            language: lead.language.or_else(|| copy.article.language.clone()),
            score: hit.score,
            matched: hit.matched,
            snippet: hit.snippet,
            published_at: lead.published_at,
            created_at: copy.article.first_seen_at,
            backfill: false,
        });
    }
    Ok(results)
}
