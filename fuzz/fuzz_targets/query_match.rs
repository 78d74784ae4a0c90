//! The query language and the compiled matcher.
//!
//! Input: `queries \0 title \0 body` (missing parts are empty). Each line of `queries` is a
//! topic query (`parse_query`), or with a leading `terms:` one `terms = [...]` entry
//! (`parse_terms_entry`). The article language is picked from a short list by input length.
//!
//! Checks, all documented promises of `matcher`:
//! - a refused query's error offset lies within the query, on a character boundary (config
//!   turns it into a file position);
//! - a parsed query prints (`Display`) to a canonical form that parses to the same query;
//! - `TopicSet::matching` over all parsed topics gives exactly what `evaluate` gives for each
//!   (the topic index is an optimisation, not a different matcher);
//! - `why_not` is `None` exactly when the query matches;
//! - the pipeline's entry point `match_article` returns, with a hit per matching topic.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use newshound::matcher::{
    Article, Language, Query, Topic, TopicSet, evaluate, match_article, parse_query,
    parse_terms_entry, why_not,
};

/// Languages the article may be in: unknown, and ones with stemmers, compounds or other scripts.
const LANGUAGES: [&str; 10] = ["", "en", "de", "fr", "nl", "sv", "fi", "ru", "el", "is"];

fn parse_line(line: &str) -> Option<Query> {
    let (text, result) = match line.strip_prefix("terms:") {
        Some(entry) => (entry, parse_terms_entry(entry)),
        None => (line, parse_query(line)),
    };
    match result {
        Ok(query) => Some(query),
        Err(error) => {
            assert!(
                error.offset <= text.len() && text.is_char_boundary(error.offset),
                "error offset {} outside {text:?}: {}",
                error.offset,
                error.message
            );
            None
        }
    }
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let queries = parts.next().unwrap_or("");
    let title = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let code = LANGUAGES[data.len() % LANGUAGES.len()];

    let mut topics = Vec::new();
    for (index, line) in queries.lines().take(16).enumerate() {
        let Some(query) = parse_line(line) else {
            continue;
        };
        let printed = query.to_string();
        assert_eq!(
            parse_query(&printed).as_ref(),
            Ok(&query),
            "canonical form {printed:?} of {line:?} parses differently"
        );
        topics.push(Topic {
            name: format!("topic{index}"),
            query,
            languages: Vec::new(),
        });
    }
    if topics.is_empty() {
        return;
    }
    let set = TopicSet::new(topics);
    let article = Article::new(title, body, Language::from_code(code));
    let language = (!code.is_empty()).then_some(code);
    let matched = set.matching(&article, language);
    let mut expected = Vec::new();
    for (index, topic) in set.topics().iter().enumerate() {
        let evaluation = evaluate(&topic.query, &article);
        assert_eq!(
            why_not(&topic.query, &article).is_none(),
            evaluation.matched,
            "why_not disagrees with evaluate for {}",
            topic.query
        );
        if evaluation.matched {
            expected.push((index, evaluation));
        }
    }
    assert_eq!(matched, expected, "the topic index disagrees with evaluate");

    let analysis = match_article(&set, title, body, [language]);
    assert!(analysis.hits.len() <= set.len());
    common::after_input("query_match", data);
});
