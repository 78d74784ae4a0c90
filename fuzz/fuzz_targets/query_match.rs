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

/// Each target runs one of the shared checks; the others are unused here.
#[allow(dead_code)]
#[path = "checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    checks::check_query_match(data);
    common::after_input("query_match", data);
});
