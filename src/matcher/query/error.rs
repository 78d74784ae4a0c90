//! Why a query was refused, and where: shared by the lexer and the parser.

use std::fmt;

/// Why a query was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    /// Byte offset in the query text of the problem (the query's length for its end).
    pub offset: usize,
    /// What is wrong or what was expected, in lower case, e.g.
    /// "expected a term, phrase or '(' after OR, found the end of the query".
    pub message: String,
}

impl QueryError {
    pub(super) fn new(offset: usize, message: impl Into<String>) -> Self {
        QueryError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for QueryError {
    /// The message alone; callers that know the file turn `offset` into a position.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for QueryError {}
