//! The parsed form of a topic query: the [`Query`] tree with its [`Field`] scopes, and its
//! canonical text ([`Query`]'s `Display`), which parses back to the same tree. Words are kept as
//! written; normalisation is the matcher's business.

use std::fmt;

/// Which part of an article a word or phrase must occur in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Title or body (no scope written).
    Any,
    /// Only the title (`title:`).
    Title,
    /// Only the body text (`body:`).
    Body,
}

impl Field {
    /// The scope as written in a query, colon included; empty for [`Field::Any`].
    pub(super) fn prefix(self) -> &'static str {
        match self {
            Field::Any => "",
            Field::Title => "title:",
            Field::Body => "body:",
        }
    }
}

/// A parsed topic query. Words are kept as written; normalisation is a later stage.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Query {
    /// One word, or with `prefix` every word starting with it.
    Term {
        /// The word (or prefix, without `*`) as written.
        word: String,
        /// Whether the word ended in `*`.
        prefix: bool,
        /// Where it must occur.
        field: Field,
    },
    /// Words that must occur in this order, next to each other.
    Phrase {
        /// The words, as split by [`split_words`](crate::matcher::split_words); never empty.
        words: Vec<String>,
        /// Where they must occur.
        field: Field,
    },
    /// Every part must match; at least two parts, none of them an `And`.
    And(Vec<Query>),
    /// Any part must match; at least two parts, none of them an `Or`.
    Or(Vec<Query>),
    /// The part must not match.
    Not(Box<Query>),
    /// Both sides match within `distance` words of each other, in either order.
    Near {
        /// The side written first.
        left: Box<Query>,
        /// The side written second.
        right: Box<Query>,
        /// Largest number of words from one side's match to the other's; at least 1.
        distance: u32,
    },
}

// ---------------------------------------------------------------------------------------------
// Canonical form

impl Query {
    /// Binding strength, for deciding where the canonical form needs parentheses.
    fn precedence(&self) -> u8 {
        match self {
            Query::Or(_) => 0,
            Query::And(_) => 1,
            Query::Near { .. } => 2,
            Query::Not(_) => 3,
            Query::Term { .. } | Query::Phrase { .. } => 4,
        }
    }

    fn write_part(&self, f: &mut fmt::Formatter<'_>, parenthesise: bool) -> fmt::Result {
        if parenthesise {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }

    fn write_joined(&self, f: &mut fmt::Formatter<'_>, parts: &[Query], op: &str) -> fmt::Result {
        for (index, part) in parts.iter().enumerate() {
            if index > 0 {
                write!(f, " {op} ")?;
            }
            part.write_part(f, part.precedence() <= self.precedence())?;
        }
        Ok(())
    }
}

impl fmt::Display for Query {
    /// The canonical form: explicit `AND`, `NEAR/n` with its distance, field scopes on every
    /// word and phrase, and parentheses only where needed. Parsing it gives the same query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Term {
                word,
                prefix,
                field,
            } => {
                let star = if *prefix { "*" } else { "" };
                write!(f, "{}{word}{star}", field.prefix())
            }
            Query::Phrase { words, field } => {
                write!(f, "{}\"{}\"", field.prefix(), words.join(" "))
            }
            Query::And(parts) => self.write_joined(f, parts, "AND"),
            Query::Or(parts) => self.write_joined(f, parts, "OR"),
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                inner.write_part(f, inner.precedence() < self.precedence())
            }
            Query::Near {
                left,
                right,
                distance,
            } => {
                left.write_part(f, left.precedence() <= self.precedence())?;
                write!(f, " NEAR/{distance} ")?;
                right.write_part(f, right.precedence() <= self.precedence())
            }
        }
    }
}
