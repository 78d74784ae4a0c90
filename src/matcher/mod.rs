//! Matches articles against watch topics. Pure: plain text in, decisions and explanations out.
//!
//! # Layout
//! - [`words`] says where words begin and end ([`split_words`]), for queries and articles alike,
//!   and holds the query lexer built on that rule.
//! - [`query`] parses the topic query language (terms, phrases, `prefix*`, `AND`/`OR`/`NOT`,
//!   `NEAR/n`, `title:`/`body:` scopes, the `terms = [...]` short form) into a [`Query`] tree,
//!   with errors that give the byte offset and what was expected.
//! - [`text`] normalises words: case and diacritic folding, Snowball stemming in the article's
//!   [`Language`], and tokenising an article field once into [`Token`]s.
//! - [`eval`] evaluates a [`Query`] against a tokenised [`Article`], with compound-word parts in
//!   German, Dutch and the Nordic languages, and reports the matched words.
//!
//! Still to come in this folder: the topic index (term → topics) that runs every topic over an
//! article without walking each tree, scores and snippets, and the explanations behind `explain`.

pub mod eval;
pub mod explain;
pub mod hits;
pub mod query;
pub mod text;
pub mod topics;
pub mod words;

pub use eval::{Article, Evaluation, Hit, Section, TermMatcher, evaluate};
pub use explain::why_not;
pub use hits::{match_article, topic_hit};
pub use query::{Field, Query, QueryError, any_of, parse_query, parse_terms_entry};
pub use text::{Form, Language, Token, fold, tokenize};
pub use topics::{Topic, TopicSet};
pub use words::split_words;
