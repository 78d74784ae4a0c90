//! Applies topics to the articles already stored: `newshound rematch`, and the service's
//! backfill of a new or changed topic. A topic only ever sees articles that arrive after it was
//! written; this finds what it would have matched in the stored news (with the search index and
//! the real matcher, see [`search`](crate::search)) and stores those hits marked as backfilled,
//! with the same one-hit-per-story rule as the pipeline. Backfilled hits never trigger an
//! immediate alert; they go into the topic's next digest.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::matcher::Topic;
use crate::search::{self, Count, Match, Request, best_copy, by_story};
use crate::store::{BackfillHit, Store, StoreError};

/// Which stored articles a rematch looks at.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Articles first seen at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Articles first seen before this time: those after it were matched by the pipeline
    /// with the current topics, and must keep their immediate alerts.
    pub until: DateTime<Utc>,
}

/// What applying one topic found.
#[derive(Debug)]
pub struct Rematched {
    /// The topic's name.
    pub topic: String,
    /// Articles in the window (and the topic's languages).
    pub searched: u64,
    /// Articles the index left to match.
    pub candidates: usize,
    /// One hit per story the topic had not hit yet.
    pub hits: Vec<BackfillHit>,
    /// How many of them were stored (none for a dry run; fewer when the pipeline got there
    /// first).
    pub added: usize,
    /// Wall time.
    pub elapsed: Duration,
}

/// Applies `topic` to the stored articles of `window` and, unless `dry_run`, stores the hits
/// as backfilled. With `progress`, the matching is reported on a bar or in the log.
pub fn rematch(
    store: &mut Store,
    topic: &Topic,
    window: Window,
    dry_run: bool,
    progress: bool,
) -> Result<Rematched, StoreError> {
    let started = Instant::now();
    let request = Request {
        languages: topic.languages.clone(),
        since: window.since,
        until: Some(window.until),
        unhit_by: Some(topic.name.clone()),
        count: Count::Exact,
    };
    let label = format!("rematching {}", topic.name);
    let found = search::find(store, &topic.query, &request, progress.then_some(&label))?;
    let hits: Vec<BackfillHit> = by_story(&found.matches)
        .into_iter()
        .filter_map(|(story, copies)| backfill_hit(&topic.name, story, &copies))
        .collect();
    let added = if dry_run || hits.is_empty() {
        0
    } else {
        store.insert_backfill_hits(&hits, Utc::now())?
    };
    Ok(Rematched {
        topic: topic.name.clone(),
        searched: found.searched,
        candidates: found.candidates,
        hits,
        added,
        elapsed: started.elapsed(),
    })
}

/// The hit of a story: from its copy with the highest score (the newest of equals).
fn backfill_hit(topic: &str, story: i64, copies: &[&Match]) -> Option<BackfillHit> {
    best_copy(topic, copies).map(|(copy, hit)| BackfillHit {
        article_id: copy.article.id,
        story_id: story,
        hit,
    })
}
