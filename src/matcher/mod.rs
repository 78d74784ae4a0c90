//! Matches articles against watch topics. Pure: plain text in, decisions and explanations out.
//!
//! # Layout
//! Each module uses only modules listed before it.
//! - [`words`] says where words begin and end ([`split_words`]), for queries and articles alike.
//! - [`query`] parses the topic query language (terms, phrases, `prefix*`, `AND`/`OR`/`NOT`,
//!   `NEAR/n`, `title:`/`body:` scopes, the `terms = [...]` short form) into a [`Query`] tree,
//!   with errors that give the byte offset and what was expected; its lexer cuts words by
//!   [`words`]' rule.
//! - [`text`] normalises words: case and diacritic folding, Snowball stemming in the article's
//!   [`Language`], and tokenising an article's fields once into [`Token`]s over one table of its distinct [`Word`]s.
//! - [`eval`] evaluates a [`Query`] against a tokenised [`Article`], with compound-word parts in
//!   German, Dutch and the Nordic languages and hyphenated words however the hyphen is written,
//!   and reports the matched words.
//! - [`topics`] compiles every topic once (on start and on reload) into a [`TopicSet`]: an
//!   index from the topics' required words to the topics, built per article language on first
//!   use, so an article's distinct words are looked up once and only candidate topics are
//!   evaluated: the cost follows the article, not the number of topics (`benches/matching.rs`
//!   measures it).
//! - [`hits`] turns a topic's evaluation into a score, the matched words and a snippet, and
//!   [`match_article`] is the match stage: language, tokenising, every topic.
//! - [`explain`] says which part of a query failed, and what each topic makes of an article,
//!   for `newshound explain` and the story page.

pub mod eval;
pub mod explain;
pub mod hits;
pub mod query;
pub mod text;
pub mod topics;
pub mod words;

#[cfg(test)]
mod rule_tables;

pub use eval::{Article, Evaluation, Hit, Section, TermMatcher, evaluate};
pub use explain::{Verdict, verdicts, why_not};
pub use hits::{match_article, match_tokenised, topic_hit};
pub use query::{Field, Query, QueryError, any_of, parse_query, parse_terms_entry};
pub use text::{Form, Language, Token, Tokens, Word, WordCache, fold, word_forms};
pub use topics::{Topic, TopicSet};
pub use words::split_words;
