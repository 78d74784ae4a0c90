//! Matches articles against watch topics. Pure: plain text in, decisions and explanations out.
//!
//! # Layout
//! - [`query`] parses the topic query language (terms, phrases, `prefix*`, `AND`/`OR`/`NOT`,
//!   `NEAR/n`, `title:`/`body:` scopes, the `terms = [...]` short form) into a [`Query`] tree,
//!   with errors that give the byte offset and what was expected.
//!
//! Still to come in this folder: normalisation of article text and query words (case folding,
//! diacritics, the word splitting that [`split_words`] defines), stemming, the compiled matcher
//! that runs every topic over an article, and the explanations behind `explain`.

pub mod query;

pub use query::{Field, Query, QueryError, any_of, parse_query, parse_terms_entry, split_words};
