//! The parser of the query language: tokens in (from the [lexer](super::lexer)), [`Query`] tree
//! out, with the checks that need more than one token (precedence, scopes, `NOT` placement).

use super::error::QueryError;
use super::lexer::{Kind, Token, keyword, lex};
use super::tree::{Field, Query};
use crate::matcher::words::split_words;

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

pub(super) fn term(word: &str, prefix: bool, field: Field) -> Query {
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
