//! Says which part of a topic's query failed on an article, for `newshound explain` and the
//! story page: users tune watchlists by seeing that "`transfer` is not in the text" or that two
//! words occur but "never within 20 words". [`verdicts`] is what both say about every topic, in
//! the same words.

use super::eval::{Article, eval, evaluate, other_spellings};
use super::query::Query;
use super::topics::{Topic, TopicSet};
use crate::model::TopicHit;

/// What a topic makes of one article, as `newshound explain` and the story page tell it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The topic matches: the hit the daemon stores for it.
    Matched(TopicHit),
    /// The topic watches other languages than the article's: why, in one sentence.
    NotApplied(String),
    /// The topic applies but its query fails: which part, in one sentence.
    NoMatch(String),
}

impl Verdict {
    /// What follows the topic's name: `MATCHED (score 3)`, `not applied` or `no match`.
    pub fn headline(&self) -> String {
        match self {
            Verdict::Matched(hit) => format!("MATCHED (score {})", hit.score),
            Verdict::NotApplied(_) => "not applied".to_owned(),
            Verdict::NoMatch(_) => "no match".to_owned(),
        }
    }

    /// The labelled lines under the headline (label without its colon): the words and the
    /// snippet (its marks between `**`) of a match, why a topic was not applied, the query and
    /// its failing part otherwise.
    pub fn details(&self, topic: &Topic) -> Vec<(&'static str, String)> {
        match self {
            Verdict::Matched(hit) => vec![
                ("words", hit.matched.join(", ")),
                ("snippet", hit.snippet.marked()),
            ],
            Verdict::NotApplied(why) => vec![("why", why.clone())],
            Verdict::NoMatch(failed) => vec![
                ("query", topic.query.to_string()),
                ("failed", failed.clone()),
            ],
        }
    }
}

/// Every topic of `topics`, in order, with its verdict on `article`, whose language code is
/// `language` and on which the match stage found `hits`.
pub fn verdicts<'t>(
    topics: &'t TopicSet,
    hits: &[TopicHit],
    language: Option<&str>,
    article: &Article,
) -> Vec<(&'t Topic, Verdict)> {
    topics
        .topics()
        .iter()
        .map(|topic| (topic, verdict(topic, hits, language, article)))
        .collect()
}

fn verdict(topic: &Topic, hits: &[TopicHit], language: Option<&str>, article: &Article) -> Verdict {
    if let Some(hit) = hits.iter().find(|h| h.topic == topic.name) {
        Verdict::Matched(hit.clone())
    } else if !topic.applies_to(language) {
        Verdict::NotApplied(format!(
            "the article's language is {}; the topic watches only {}",
            language.unwrap_or("unknown"),
            topic.languages.join(", ")
        ))
    } else {
        Verdict::NoMatch(why_not(&topic.query, article).unwrap_or_default())
    }
}

/// Why `query` does not match `article`, in one sentence; `None` when it matches.
pub fn why_not(query: &Query, article: &Article) -> Option<String> {
    eval(query, article)
        .is_none()
        .then(|| failure(query, article))
}

/// The explanation for a part known not to match.
fn failure(query: &Query, article: &Article) -> String {
    match query {
        Query::Term { .. } => match spelled(query).as_slice() {
            [_] => format!("no word matches `{query}`"),
            spellings => format!("none of {} occurs", listed(spellings)),
        },
        Query::Phrase { .. } => format!("the phrase `{query}` does not occur"),
        Query::And(parts) => parts
            .iter()
            .find(|part| eval(part, article).is_none())
            .map_or_else(
                || format!("`{query}` does not match"),
                |part| failure(part, article),
            ),
        Query::Or(parts) if parts.iter().all(is_word_or_phrase) => {
            let spelled: Vec<Query> = parts.iter().flat_map(spelled).collect();
            format!("none of {} occurs", listed(&spelled))
        }
        Query::Or(parts) => {
            let reasons: Vec<String> = parts.iter().map(|p| failure(p, article)).collect();
            format!("no alternative matches: {}", reasons.join("; "))
        }
        Query::Not(inner) => {
            let words: Vec<String> = evaluate(inner, article)
                .hits
                .iter()
                .map(|hit| hit.word.clone())
                .collect();
            format!("excluded by `NOT {inner}`: found {}", quoted_list(&words))
        }
        Query::Near {
            left,
            right,
            distance,
        } => match (
            eval(left, article).is_some(),
            eval(right, article).is_some(),
        ) {
            (false, _) => failure(left, article),
            (true, false) => failure(right, article),
            (true, true) => format!(
                "`{left}` ({}) and `{right}` ({}) both occur, but never within {distance} words \
                 of each other in the same field",
                quoted_list(&found_words(left, article)),
                quoted_list(&found_words(right, article)),
            ),
        },
    }
}

/// A query and, for a hyphenated term, its other spellings (`Nord-Stream`, `"Nord Stream"`,
/// `Nordstream`): what the user's word was looked for as.
fn spelled(query: &Query) -> Vec<Query> {
    let mut spelled = vec![query.clone()];
    if let Query::Term {
        word,
        prefix,
        field,
    } = query
    {
        spelled.extend(other_spellings(word, *prefix, *field));
    }
    spelled
}

/// `` `a`, `b`, `c` ``.
fn listed(queries: &[Query]) -> String {
    let quoted: Vec<String> = queries.iter().map(|query| format!("`{query}`")).collect();
    quoted.join(", ")
}

fn is_word_or_phrase(query: &Query) -> bool {
    matches!(query, Query::Term { .. } | Query::Phrase { .. })
}

/// The distinct words through which `query` matched.
fn found_words(query: &Query, article: &Article) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for hit in evaluate(query, article).hits {
        if !words.contains(&hit.word) {
            words.push(hit.word);
        }
    }
    words
}

/// `"a", "b", "c"`, at most five, then "and N more".
fn quoted_list(words: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut listed: Vec<String> = words
        .iter()
        .take(SHOWN)
        .map(|w| format!("\"{w}\""))
        .collect();
    if words.len() > SHOWN {
        listed.push(format!("and {} more", words.len() - SHOWN));
    }
    listed.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Language, parse_query};
    use crate::model::TopicHit;

    fn explain(query: &str, title: &str, body: &str) -> Option<String> {
        let article = Article::new(title, body, Language::from_code("en"));
        why_not(&parse_query(query).unwrap(), &article)
    }

    /// A matching query has nothing to explain.
    #[test]
    fn matching_query_has_no_failure() {
        assert_eq!(explain("arms AND deal", "", "an arms deal"), None);
    }

    /// The first failing part of an AND is named, with the alternatives of an OR listed.
    #[test]
    fn failing_and_names_the_missing_part() {
        let why = explain(
            "(transfer OR signing) AND football",
            "",
            "football is played",
        )
        .unwrap();
        assert_eq!(why, "none of `transfer`, `signing` occurs");
        let why = explain("football AND title:transfer*", "", "football transfer").unwrap();
        assert_eq!(why, "no word matches `title:transfer*`");
    }

    /// A NEAR whose sides both occur, too far apart, says so and shows the words.
    #[test]
    fn near_too_far_apart_shows_both_sides() {
        let body = format!("arms {} deal", "filler ".repeat(30));
        let why = explain("arms NEAR/5 deal", "", &body).unwrap();
        assert!(why.contains("never within 5 words"), "{why}");
        assert!(
            why.contains("\"arms\"") && why.contains("\"deal\""),
            "{why}"
        );
    }

    /// An exclusion that fires names the excluded words.
    #[test]
    fn not_names_what_excluded_the_article() {
        let why = explain("arms AND NOT football", "", "arms and Football").unwrap();
        assert_eq!(why, "excluded by `NOT football`: found \"Football\"");
    }

    /// Issue 13: a missing hyphenated word is named in every spelling it was looked for in,
    /// alone and among alternatives, with its scope.
    #[test]
    fn missing_hyphenated_word_names_its_spellings() {
        let why = explain("Nord-Stream", "", "the Nord pipeline").unwrap();
        assert_eq!(
            why,
            "none of `Nord-Stream`, `\"Nord Stream\"`, `Nordstream` occurs"
        );
        let why = explain("title:Nord-Stream OR gas", "", "Nord Stream").unwrap();
        assert_eq!(
            why,
            "none of `title:Nord-Stream`, `title:\"Nord Stream\"`, `title:Nordstream`, `gas` \
             occurs"
        );
        let why = explain("pipeline AND NOT Nord-Stream", "", "Nord Stream pipeline").unwrap();
        assert_eq!(
            why,
            "excluded by `NOT Nord-Stream`: found \"Nord\", \"Stream\""
        );
        assert_eq!(explain("Nord-Stream", "", "Nordstream"), None);
    }

    /// A missing phrase is named as a phrase.
    #[test]
    fn missing_phrase_is_named() {
        let why = explain("\"meets with\"", "", "he meets them with").unwrap();
        assert_eq!(why, "the phrase `\"meets with\"` does not occur");
    }

    /// Every topic gets a verdict in the order configured: the hit found, a language the topic
    /// does not watch, or the failing part of its query, in the lines `explain` prints.
    #[test]
    fn verdicts_say_matched_not_applied_or_why_not() {
        let topic = |name: &str, query: &str, languages: &[&str]| Topic {
            name: name.into(),
            query: parse_query(query).unwrap(),
            languages: languages.iter().map(|l| l.to_string()).collect(),
        };
        let topics = TopicSet::new(vec![
            topic("arms", "arms", &[]),
            topic("french", "armes", &["fr"]),
            topic("football", "football AND transfer", &[]),
        ]);
        let article = Article::new("", "an arms deal", Language::from_code("en"));
        let hit = TopicHit {
            topic: "arms".into(),
            score: 1,
            matched: vec!["arms".into()],
            snippet: crate::model::Snippet::default(),
        };
        let found = verdicts(&topics, std::slice::from_ref(&hit), Some("en"), &article);
        let lines: Vec<String> = found
            .iter()
            .flat_map(|(topic, verdict)| {
                let details = verdict.details(topic).into_iter();
                std::iter::once(format!("{}: {}", topic.name, verdict.headline()))
                    .chain(details.map(|(label, text)| format!("{label}: {text}")))
            })
            .collect();
        assert_eq!(
            lines,
            [
                "arms: MATCHED (score 1)",
                "words: arms",
                "snippet: ",
                "french: not applied",
                "why: the article's language is en; the topic watches only fr",
                "football: no match",
                "query: football AND transfer",
                "failed: no word matches `football`",
            ]
        );
    }
}
