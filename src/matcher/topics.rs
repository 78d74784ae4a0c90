//! All watch topics compiled into one matcher, built once on start and on reload, so that each
//! article is tokenised once and only the topics that can match it are evaluated.

use super::eval::{Article, Evaluation, evaluate};
use super::query::Query;

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

/// Every topic, compiled for matching.
#[derive(Debug, Default)]
pub struct TopicSet {
    topics: Vec<Topic>,
}

impl TopicSet {
    /// Compiles `topics`. Done once per configuration, not per article.
    pub fn new(topics: Vec<Topic>) -> TopicSet {
        TopicSet { topics }
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
        self.topics
            .iter()
            .enumerate()
            .filter(|(_, topic)| topic.applies_to(language))
            .filter_map(|(index, topic)| {
                let evaluation = evaluate(&topic.query, article);
                evaluation.matched.then_some((index, evaluation))
            })
            .collect()
    }
}
