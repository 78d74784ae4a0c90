//! The topic query language: text in, [`Query`] tree out, or a [`QueryError`] that says where
//! (a byte offset in the query text) and what was expected. Pure; the config reader turns the
//! offset into `FILE:LINE:COLUMN`.
//!
//! # Grammar
//! ```text
//! query   = or EOF
//! or      = and { "OR" and }
//! and     = near { ["AND"] near }          juxtaposed operands are joined with AND
//! near    = unary { ("NEAR" | "NEAR/" n) unary }   NEAR alone means NEAR/10; 1 <= n <= 1000
//! unary   = "NOT" unary | primary
//! primary = [ "title:" | "body:" ] ( word | word "*" | '"' words '"' | "(" or ")" )
//! ```
//! - Precedence, tightest first: `NOT`, `NEAR`, `AND` (explicit or implicit), `OR`. So
//!   `a b OR c` is `(a AND b) OR c` and `NOT a NEAR b` puts `NOT a` on one side of `NEAR`.
//! - Operators are the upper-case keywords `AND`, `OR`, `NOT`, `NEAR`, `NEAR/n`; lower-case
//!   `and`, `or`, `not`, `near` are ordinary words (`"AND"` in quotes is a word too).
//! - A word is a run of Unicode letters and digits; a hyphen or apostrophe between two of them
//!   stays inside the word (`Nord-Stream`, `l'arme`). Words are kept as written: case folding,
//!   stemming and a hyphenated word's other spellings (`Nord Stream`, `Nordstream`) are the
//!   matcher's business.
//! - `prefix*` matches every word starting with the prefix (at least 2 letters before `*`).
//! - `"quoted phrase"` matches its words in order and adjacent; what is between the quotes is
//!   split into words by [`split_words`](crate::matcher::split_words), exactly as article text is, so punctuation inside a
//!   phrase separates words.
//! - `a NEAR/n b` matches when `a` and `b` both occur at most `n` words apart, in either order.
//!   `a NEAR b NEAR c` groups to the left. A side of `NEAR` may not contain `NOT`.
//! - `title:` and `body:` limit a word, phrase or group to that part of the article; in front of
//!   a group they apply to everything inside (a different scope inside the group is an error).
//! - A query must look for something: `NOT a` alone, or an `OR` alternative that only excludes
//!   (`a OR NOT b`), would match almost every article and is refused.
//!
//! # Layout
//! Each part depends only on the ones listed before it:
//! - `error`: [`QueryError`], what the lexer and the parser report.
//! - `tree`: the [`Query`] tree, its [`Field`] scopes and its canonical form.
//! - `lexer`: text to tokens, by the word rule of [`words`](crate::matcher::words).
//! - `parser`: tokens to a [`Query`], and the `terms = [...]` short form.

mod error;
mod lexer;
mod parser;
mod tree;

pub use error::QueryError;
pub use lexer::{DEFAULT_NEAR_DISTANCE, MAX_NEAR_DISTANCE};
pub use parser::{any_of, parse_query, parse_terms_entry};
pub use tree::{Field, Query};

#[cfg(test)]
mod tests;
