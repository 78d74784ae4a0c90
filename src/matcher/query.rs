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
//!   stays inside the word (`Nord-Stream`, `l'arme`). Words are kept as written: case folding
//!   and stemming happen later, in the matcher.
//! - `prefix*` matches every word starting with the prefix (at least 2 letters before `*`).
//! - `"quoted phrase"` matches its words in order and adjacent; what is between the quotes is
//!   split into words by [`split_words`], exactly as article text is, so punctuation inside a
//!   phrase separates words.
//! - `a NEAR/n b` matches when `a` and `b` both occur at most `n` words apart, in either order.
//!   `a NEAR b NEAR c` groups to the left. A side of `NEAR` may not contain `NOT`.
//! - `title:` and `body:` limit a word, phrase or group to that part of the article; in front of
//!   a group they apply to everything inside (a different scope inside the group is an error).
//! - A query must look for something: `NOT a` alone, or an `OR` alternative that only excludes
//!   (`a OR NOT b`), would match almost every article and is refused.

use std::fmt;

use super::words::{Kind, Token, keyword, lex, split_words};

/// `NEAR` without a distance means `NEAR/10`.
pub const DEFAULT_NEAR_DISTANCE: u32 = 10;

/// Largest `NEAR/n`; a wider window is most of an article, which `AND` already says.
pub const MAX_NEAR_DISTANCE: u32 = 1000;

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
    fn prefix(self) -> &'static str {
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
        /// The words, as split by [`split_words`]; never empty.
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

/// Parses the `query` of a topic.
pub fn parse_query(text: &str) -> Result<Query, QueryError> {
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err(QueryError::new(0, "empty query"));
    }
    let mut parser = Parser { tokens, next: 0 };
    let node = parser.or(Field::Any, Context::Start)?;
    if let Some(token) = parser.peek() {
        // Every other token would have been taken as an operand or operator.
        return Err(QueryError::new(token.offset, "unmatched ')'"));
    }
    if !is_positive(&node.query) {
        return Err(QueryError::new(
            node.not_at.unwrap_or(0),
            "the query only excludes (NOT ...) and would match almost every article; \
             add what to look for, as in `arms AND NOT football`",
        ));
    }
    Ok(node.query)
}

/// Parses one entry of the `terms = [...]` short form: a word, a `prefix*`, or several words
/// taken as a phrase. Operators, fields, quotes and parentheses belong in `query` instead.
pub fn parse_terms_entry(text: &str) -> Result<Query, QueryError> {
    if let Some(at) = text.find(['(', ')', '"', ':']) {
        return Err(QueryError::new(
            at,
            "a terms entry is a word, prefix* or phrase; write parentheses, quotes and \
             title:/body: in `query` instead",
        ));
    }
    let words: Vec<(usize, &str)> = split_words(text).collect();
    if let Some(&(at, word)) = words.iter().find(|(_, word)| keyword(word).is_some()) {
        return Err(QueryError::new(
            at,
            format!("{word} is an operator; write operators in `query` instead of `terms`"),
        ));
    }
    if let Some(star) = text.find('*') {
        return match words.as_slice() {
            [(at, word)] if at + word.len() == star && text[star + 1..].trim().is_empty() => {
                if word.chars().count() < 2 {
                    return Err(QueryError::new(
                        *at,
                        format!(
                            "prefix `{word}*` is too short; write at least 2 letters before '*'"
                        ),
                    ));
                }
                Ok(term(word, true, Field::Any))
            }
            _ => Err(QueryError::new(
                star,
                "'*' must end a single word of at least 2 letters, as in weapon*",
            )),
        };
    }
    match words.as_slice() {
        [] => Err(QueryError::new(0, "empty term")),
        [(_, word)] => Ok(term(word, false, Field::Any)),
        _ => Ok(Query::Phrase {
            words: words.iter().map(|(_, word)| word.to_string()).collect(),
            field: Field::Any,
        }),
    }
}

/// Joins alternatives with `OR` (flattening nested `Or`s): the meaning of `terms = [...]`.
/// `None` when there are none; a single alternative is returned as is.
pub fn any_of(alternatives: Vec<Query>) -> Option<Query> {
    let mut parts = Vec::new();
    for alternative in alternatives {
        match alternative {
            Query::Or(inner) => parts.extend(inner),
            other => parts.push(other),
        }
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Query::Or(parts)),
    }
}

fn term(word: &str, prefix: bool, field: Field) -> Query {
    Query::Term {
        word: word.to_string(),
        prefix,
        field,
    }
}

// ---------------------------------------------------------------------------------------------
// Parser

/// A parsed part with what the checks above it need.
struct Node {
    query: Query,
    /// Offset of the part's first token.
    start: usize,
    /// Offset of the first `NOT` inside, if any.
    not_at: Option<usize>,
}

/// What came before an operand, for "expected ... after OR" messages.
#[derive(Clone, Copy)]
enum Context<'t> {
    Start,
    After { what: &'t str, offset: usize },
}

impl Context<'_> {
    fn expected(self, found: Option<&Token>, end: usize) -> QueryError {
        let (offset, found) = match (found, self) {
            (Some(token), _) => (token.offset, token.describe()),
            (None, Context::After { offset, .. }) => (offset, "the end of the query".into()),
            (None, Context::Start) => (end, "the end of the query".into()),
        };
        let place = match self {
            Context::Start => "at the start of the query".to_string(),
            Context::After { what, .. } => format!("after {what}"),
        };
        QueryError::new(
            offset,
            format!("expected a term, phrase or '(' {place}, found {found}"),
        )
    }
}

struct Parser<'t> {
    tokens: Vec<Token<'t>>,
    next: usize,
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&Token<'t>> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<Token<'t>> {
        let token = self.tokens.get(self.next).cloned();
        self.next += usize::from(token.is_some());
        token
    }

    fn take_if(&mut self, wanted: impl Fn(&Kind) -> bool) -> Option<Token<'t>> {
        match self.peek() {
            Some(token) if wanted(&token.kind) => self.take(),
            _ => None,
        }
    }

    fn end(&self) -> usize {
        self.tokens
            .last()
            .map_or(0, |token| token.offset + token.text.len())
    }

    fn or(&mut self, scope: Field, context: Context<'t>) -> Result<Node, QueryError> {
        let mut parts = vec![self.and(scope, context)?];
        while let Some(operator) = self.take_if(|kind| *kind == Kind::Or) {
            parts.push(self.and(scope, after(&operator))?);
        }
        if parts.len() > 1 {
            if let Some(negative) = parts.iter().find(|part| !is_positive(&part.query)) {
                return Err(QueryError::new(
                    negative.start,
                    "this alternative only excludes (NOT ...) and would match almost every \
                     article; join it to what to look for with AND",
                ));
            }
        }
        Ok(combine(parts, Join::Or))
    }

    fn and(&mut self, scope: Field, context: Context<'t>) -> Result<Node, QueryError> {
        let mut parts = vec![self.near(scope, context)?];
        loop {
            if let Some(operator) = self.take_if(|kind| *kind == Kind::And) {
                parts.push(self.near(scope, after(&operator))?);
            } else if self.peek().is_some_and(Token::starts_operand) {
                parts.push(self.near(scope, context)?);
            } else {
                break;
            }
        }
        Ok(combine(parts, Join::And))
    }

    fn near(&mut self, scope: Field, context: Context<'t>) -> Result<Node, QueryError> {
        let mut left = self.unary(scope, context)?;
        while let Some(operator) = self.take_if(|kind| matches!(kind, Kind::Near(_))) {
            let Kind::Near(distance) = operator.kind else {
                unreachable!("take_if returned a NEAR token");
            };
            let right = self.unary(scope, after(&operator))?;
            if let Some(not_at) = left.not_at.or(right.not_at) {
                return Err(QueryError::new(
                    not_at,
                    "NOT cannot be used inside a side of NEAR; exclude words outside it, as in \
                     `(a NEAR b) AND NOT c`",
                ));
            }
            left = Node {
                query: Query::Near {
                    left: Box::new(left.query),
                    right: Box::new(right.query),
                    distance,
                },
                start: left.start,
                not_at: None,
            };
        }
        Ok(left)
    }

    fn unary(&mut self, scope: Field, context: Context<'t>) -> Result<Node, QueryError> {
        let Some(operator) = self.take_if(|kind| *kind == Kind::Not) else {
            return self.primary(scope, context);
        };
        let inner = self.unary(scope, after(&operator))?;
        Ok(Node {
            query: Query::Not(Box::new(inner.query)),
            start: operator.offset,
            not_at: Some(operator.offset),
        })
    }

    fn primary(&mut self, scope: Field, context: Context<'t>) -> Result<Node, QueryError> {
        let end = self.end();
        let Some(token) = self.take_if(|kind| {
            matches!(
                kind,
                Kind::Word { .. } | Kind::Phrase(_) | Kind::Field(_) | Kind::Open
            )
        }) else {
            return Err(context.expected(self.peek(), end));
        };
        let leaf = |query| {
            Ok(Node {
                query,
                start: token.offset,
                not_at: None,
            })
        };
        match &token.kind {
            Kind::Word { word, prefix } => leaf(term(word, *prefix, scope)),
            Kind::Phrase(words) => leaf(Query::Phrase {
                words: words.clone(),
                field: scope,
            }),
            Kind::Field(field) => {
                if scope != Field::Any && scope != *field {
                    return Err(QueryError::new(
                        token.offset,
                        format!(
                            "{} cannot be used inside a {} group",
                            field.prefix(),
                            scope.prefix()
                        ),
                    ));
                }
                let inner = self.primary(*field, after(&token))?;
                Ok(Node {
                    start: token.offset,
                    ..inner
                })
            }
            _ => {
                let inner = self.or(scope, after(&token))?;
                if self.take_if(|kind| *kind == Kind::Close).is_none() {
                    return Err(QueryError::new(
                        token.offset,
                        "unclosed '('; expected ')' before the end of the query",
                    ));
                }
                Ok(Node {
                    start: token.offset,
                    ..inner
                })
            }
        }
    }
}

fn after<'t>(token: &Token<'t>) -> Context<'t> {
    Context::After {
        what: if token.kind == Kind::Open {
            "'('"
        } else {
            token.text
        },
        offset: token.offset,
    }
}

/// How the parts of an `and` or `or` rule are joined.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    And,
    Or,
}

/// One node for `parts` joined by `join`, flattening parts that are already joined the same
/// way (from parentheses), so `a AND (b AND c)` is one `And` of three.
fn combine(mut parts: Vec<Node>, join: Join) -> Node {
    if parts.len() == 1 {
        return parts.pop().expect("one part is there");
    }
    let start = parts[0].start;
    let not_at = parts.iter().find_map(|part| part.not_at);
    let mut queries = Vec::new();
    for part in parts {
        match part.query {
            Query::And(inner) if join == Join::And => queries.extend(inner),
            Query::Or(inner) if join == Join::Or => queries.extend(inner),
            query => queries.push(query),
        }
    }
    let query = match join {
        Join::And => Query::And(queries),
        Join::Or => Query::Or(queries),
    };
    Node {
        query,
        start,
        not_at,
    }
}

/// Whether a query needs something to occur, rather than matching every article lacking
/// something.
fn is_positive(query: &Query) -> bool {
    match query {
        Query::Term { .. } | Query::Phrase { .. } | Query::Near { .. } => true,
        Query::Not(_) => false,
        Query::And(parts) => parts.iter().any(is_positive),
        Query::Or(parts) => parts.iter().all(is_positive),
    }
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

#[cfg(test)]
mod tests;
