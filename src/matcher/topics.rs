//! All watch topics compiled into one matcher, built once on start and on reload, so that each
//! article is tokenised once and only the topics that can match it are evaluated: the cost of
//! matching follows the article's words, not the number of topics (`benches/matching.rs`
//! compares a small and a large set).
//!
//! # The index
//! Like Elasticsearch's percolator or Lucene's Monitor, the set indexes the queries rather than
//! the articles:
//! - [`TopicSet::new`] collects every distinct query word of all topics (a *key*: a term, a
//!   `prefix*` or a phrase word) and, for each topic, its *required keys*: keys of which at
//!   least one matches some article word whenever the topic matches. A term requires itself;
//!   a phrase its longest word; `OR` the union of its parts' keys; `AND` the keys of its
//!   cheapest part (`NOT` parts excluded); `NEAR` those of its cheaper side; `NOT` nothing. A
//!   hyphenated word is an `OR` of its spellings: the term `Nord-Stream` requires one of
//!   itself, the phrase `"Nord Stream"`'s keys and `Nordstream`. A topic without required keys
//!   (only possible for queries the parser refuses) is evaluated for every article.
//! - Stems depend on the article's language, so the keys are stemmed per language, on the
//!   first article in that language, into hash tables (whole words by stem and folded form,
//!   prefixes, compound heads and tails), cached for the set's lifetime (`index.rs`).
//! - [`TopicSet::matching`] looks up each distinct word form of the article once (every prefix
//!   and compound end of it too), which gives the keys that match and thus the candidate topics.
//!   A candidate whose other words are missing is dropped (all the parts of an `AND` must have
//!   a matching key, and so on); the others are evaluated by the plain evaluator's tree walk,
//!   with term and phrase occurrences taken from the lookups instead of scanning the article.
//!   The result is exactly that of evaluating every topic with
//!   [`evaluate`](super::evaluate); a property test holds the two to it.

mod index;
mod plan;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::eval::{Article, Evaluation};
use super::query::Query;
use super::text::Language;
use index::{LanguageIndex, Lookup};
use plan::Plan;

/// One watch topic as the matcher needs it.
#[derive(Debug, Clone)]
pub struct Topic {
    /// The topic's unique name.
    pub name: String,
    /// Its parsed query.
    pub query: Query,
    /// ISO 639-1 codes of the article languages it applies to; empty for all.
    pub languages: Vec<String>,
}

impl Topic {
    /// Whether the topic applies to an article in `language` (an ISO 639-1 code, `None` when
    /// unknown). A topic restricted to some languages skips articles of unknown language.
    pub fn applies_to(&self, language: Option<&str>) -> bool {
        self.languages.is_empty()
            || language.is_some_and(|code| self.languages.iter().any(|l| l == code))
    }
}

/// Every topic, compiled for matching. Shared by the pipeline's tasks (it is `Send + Sync`);
/// the per-language tables are built on first use behind a mutex held only to find them.
#[derive(Default)]
pub struct TopicSet {
    topics: Vec<Topic>,
    /// Keys and required keys of every topic, independent of language.
    plan: Plan,
    /// The plan's keys stemmed in each language met so far, by language code (`""` for
    /// unknown).
    indexes: Mutex<HashMap<&'static str, Arc<LanguageIndex>>>,
}

impl TopicSet {
    /// Compiles `topics`. Done once per configuration, not per article.
    pub fn new(topics: Vec<Topic>) -> TopicSet {
        TopicSet {
            plan: Plan::new(topics.iter().map(|topic| &topic.query)),
            topics,
            indexes: Mutex::default(),
        }
    }

    /// The topics, in the order given to [`TopicSet::new`].
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }

    /// Number of topics.
    pub fn len(&self) -> usize {
        self.topics.len()
    }

    /// Whether there are no topics.
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
    }

    /// The topics that match `article` (whose language code is `language`), as indices into
    /// [`TopicSet::topics`] in increasing order, each with its evaluation.
    pub fn matching(&self, article: &Article, language: Option<&str>) -> Vec<(usize, Evaluation)> {
        if self.topics.is_empty() {
            return Vec::new();
        }
        let index = self.index(article.language);
        let lookup = Lookup::new(&self.plan, &index, article);
        lookup
            .candidates()
            .into_iter()
            .filter(|&topic| self.topics[topic].applies_to(language))
            .filter_map(|topic| {
                let evaluation = lookup.evaluate(topic, &self.topics[topic].query);
                evaluation.matched.then_some((topic, evaluation))
            })
            .collect()
    }

    /// The tables for `language`, built on first use. Built outside the lock, so that matching
    /// articles in other languages does not wait; a rare duplicate build is discarded.
    fn index(&self, language: Language) -> Arc<LanguageIndex> {
        let code = language.code().unwrap_or("");
        // The map is only ever inserted into whole, so a poisoned lock still holds good tables.
        let cached = self
            .indexes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(code)
            .cloned();
        if let Some(index) = cached {
            return index;
        }
        let built = Arc::new(LanguageIndex::compile(&self.plan, language));
        self.indexes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(code)
            .or_insert(built)
            .clone()
    }
}

impl fmt::Debug for TopicSet {
    /// The topics; the index is derived from them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TopicSet")
            .field("topics", &self.topics)
            .field("keys", &self.plan.keys().len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
