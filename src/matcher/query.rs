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
    fn new(offset: usize, message: impl Into<String>) -> Self {
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

/// Splits text into words with their byte offsets: runs of letters and digits, keeping a hyphen
/// or apostrophe that stands between two of them. Phrases in queries are split with this, and
/// the matcher must split article text the same way so that phrases line up.
pub fn split_words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut position = 0;
    std::iter::from_fn(move || {
        let rest = &text[position..];
        let skip = rest.find(is_word_char)?;
        let start = position + skip;
        let end = word_end(text, start);
        position = end;
        Some((start, &text[start..end]))
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Combining marks of decomposed text (`e` + U+0301) stay inside their word.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Hyphens and apostrophes that join two word parts (`Nord-Stream`, `l'arme`, `l’arme`).
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '\'' | '\u{2010}' | '\u{2011}' | '\u{2019}')
}

/// End of the word starting at `start`, which must be a word character.
fn word_end(text: &str, start: usize) -> usize {
    let mut chars = text[start..].char_indices().peekable();
    let mut end = start;
    while let Some((at, c)) = chars.next() {
        let joins = is_joiner(c) && chars.peek().is_some_and(|&(_, next)| is_word_char(next));
        if !is_word_char(c) && !joins {
            break;
        }
        end = start + at + c.len_utf8();
    }
    end
}

fn term(word: &str, prefix: bool, field: Field) -> Query {
    Query::Term {
        word: word.to_string(),
        prefix,
        field,
    }
}

/// The words of a phrase whose text starts at byte `base` of the query.
fn phrase_words(text: &str, base: usize) -> Result<Vec<String>, QueryError> {
    if let Some(at) = text
        .find('*')
        .filter(|_| split_words(text).nth(1).is_some())
    {
        return Err(QueryError::new(
            base + at,
            "'*' cannot be used in a phrase; only a single word can be a prefix*",
        ));
    }
    Ok(split_words(text)
        .map(|(_, word)| word.to_string())
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind<'t> {
    Word { word: &'t str, prefix: bool },
    Phrase(Vec<String>),
    Field(Field),
    Open,
    Close,
    And,
    Or,
    Not,
    Near(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token<'t> {
    kind: Kind<'t>,
    /// Byte offset of the token in the query.
    offset: usize,
    /// The token as written, for messages.
    text: &'t str,
}

impl Token<'_> {
    /// How the token is named in "found ..." messages.
    fn describe(&self) -> String {
        match self.kind {
            Kind::Open | Kind::Close => format!("'{}'", self.text),
            Kind::Word { .. } | Kind::Phrase(_) | Kind::Field(_) => format!("`{}`", self.text),
            _ => self.text.to_string(),
        }
    }

    fn starts_operand(&self) -> bool {
        matches!(
            self.kind,
            Kind::Word { .. } | Kind::Phrase(_) | Kind::Field(_) | Kind::Open | Kind::Not
        )
    }
}

fn keyword(word: &str) -> Option<Kind<'static>> {
    match word {
        "AND" => Some(Kind::And),
        "OR" => Some(Kind::Or),
        "NOT" => Some(Kind::Not),
        "NEAR" => Some(Kind::Near(DEFAULT_NEAR_DISTANCE)),
        _ => None,
    }
}

fn lex(text: &str) -> Result<Vec<Token<'_>>, QueryError> {
    let mut tokens = Vec::new();
    let mut position = 0;
    while let Some(c) = text[position..].chars().next() {
        if c.is_whitespace() {
            position += c.len_utf8();
            continue;
        }
        let (kind, end) = match c {
            '(' => (Kind::Open, position + 1),
            ')' => (Kind::Close, position + 1),
            '"' => lex_phrase(text, position)?,
            c if is_word_char(c) => lex_word(text, position)?,
            '*' => {
                return Err(QueryError::new(
                    position,
                    "'*' must end a word of at least 2 letters, as in weapon*",
                ));
            }
            '-' => {
                return Err(QueryError::new(
                    position,
                    "unexpected '-'; write NOT in front of a word to exclude it",
                ));
            }
            '\'' => {
                return Err(QueryError::new(
                    position,
                    "unexpected \"'\"; quote phrases with double quotes",
                ));
            }
            other => {
                return Err(QueryError::new(
                    position,
                    format!(
                        "unexpected character {other:?}; put words joined by punctuation in a \
                         phrase, as in \"U.S.\""
                    ),
                ));
            }
        };
        tokens.push(Token {
            kind,
            offset: position,
            text: &text[position..end],
        });
        position = end;
    }
    Ok(tokens)
}

fn lex_phrase(text: &str, open: usize) -> Result<(Kind<'static>, usize), QueryError> {
    let content_start = open + 1;
    let Some(length) = text[content_start..].find('"') else {
        return Err(QueryError::new(
            open,
            "unterminated phrase; add the closing '\"'",
        ));
    };
    let close = content_start + length;
    let words = phrase_words(&text[content_start..close], content_start)?;
    if words.is_empty() {
        return Err(QueryError::new(open, "empty phrase"));
    }
    if text[close + 1..].starts_with('*') {
        return Err(QueryError::new(
            close + 1,
            "'*' cannot follow a phrase; only a single word can be a prefix*",
        ));
    }
    Ok((Kind::Phrase(words), close + 1))
}

fn lex_word(text: &str, start: usize) -> Result<(Kind<'_>, usize), QueryError> {
    let end = word_end(text, start);
    let word = &text[start..end];
    let rest = &text[end..];
    if rest.starts_with(':') {
        let field = match word {
            "title" => Field::Title,
            "body" => Field::Body,
            _ => {
                return Err(QueryError::new(
                    start,
                    format!("unknown field `{word}:`; expected title: or body:"),
                ));
            }
        };
        return Ok((Kind::Field(field), end + 1));
    }
    if let Some(after_star) = rest.strip_prefix('*') {
        if word.chars().count() < 2 {
            return Err(QueryError::new(
                start,
                format!("prefix `{word}*` is too short; write at least 2 letters before '*'"),
            ));
        }
        if after_star.starts_with(is_word_char) {
            return Err(QueryError::new(end, "'*' may only end a word"));
        }
        return Ok((Kind::Word { word, prefix: true }, end + 1));
    }
    if word == "NEAR" && rest.starts_with('/') {
        return lex_near_distance(text, end + 1);
    }
    let kind = keyword(word).unwrap_or(Kind::Word {
        word,
        prefix: false,
    });
    Ok((kind, end))
}

/// The `n` of `NEAR/n`, whose digits start at `start`.
fn lex_near_distance(text: &str, start: usize) -> Result<(Kind<'static>, usize), QueryError> {
    let rest = &text[start..];
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let follows_word = rest[digits..].starts_with(is_word_char);
    if digits == 0 || follows_word {
        return Err(QueryError::new(
            start,
            "expected a number of words after NEAR/, as in NEAR/10",
        ));
    }
    let distance = rest[..digits]
        .parse::<u32>()
        .ok()
        .filter(|distance| (1..=MAX_NEAR_DISTANCE).contains(distance))
        .ok_or_else(|| {
            QueryError::new(
                start,
                format!("NEAR distance must be between 1 and {MAX_NEAR_DISTANCE} words"),
            )
        })?;
    Ok((Kind::Near(distance), start + digits))
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
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Valid queries and their canonical form; each canonical form parses to the same query.
    #[test]
    fn valid_queries_have_a_canonical_form() {
        let cases = [
            ("arms", "arms"),
            ("arms deal", "arms AND deal"),
            ("arms AND deal", "arms AND deal"),
            ("a b OR c", "a AND b OR c"),
            ("a (b OR c)", "a AND (b OR c)"),
            ("arms and deal", "arms AND and AND deal"),
            ("weapon*", "weapon*"),
            ("\"meets  with\"", "\"meets with\""),
            ("\"U.S. sanctions\"", "\"U S sanctions\""),
            (
                "Nord-Stream l'arme l’arme",
                "Nord-Stream AND l'arme AND l’arme",
            ),
            ("a NEAR b", "a NEAR/10 b"),
            ("a NEAR/3 b NEAR/5 c", "(a NEAR/3 b) NEAR/5 c"),
            ("a NEAR/2 (b NEAR c)", "a NEAR/2 (b NEAR/10 c)"),
            ("NOT a b", "NOT a AND b"),
            ("a AND NOT (b OR c)", "a AND NOT (b OR c)"),
            ("a NOT b", "a AND NOT b"),
            (
                "title:summit OR body:\"arms deal\"",
                "title:summit OR body:\"arms deal\"",
            ),
            ("title:(a OR bo* c)", "title:a OR title:bo* AND title:c"),
            ("title:(a title:b)", "title:a AND title:b"),
            ("(a OR (b OR c)) ((d))", "(a OR b OR c) AND d"),
            (
                "Geschäft Präsident 習近平 G7",
                "Geschäft AND Präsident AND 習近平 AND G7",
            ),
            ("\"AND\" OR \"near\"", "\"AND\" OR \"near\""),
            ("NEARBY near", "NEARBY AND near"),
            (
                "summit OR \"meets with\" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident OR Staatschef))",
                "summit OR \"meets with\" OR Gipfel OR treffen NEAR/3 (Putin OR Präsident OR Staatschef)",
            ),
        ];
        for (query, canonical) in cases {
            let parsed = parse_query(query).unwrap_or_else(|error| panic!("{query}: {error:?}"));
            assert_eq!(parsed.to_string(), canonical, "{query}");
            assert_eq!(parse_query(canonical), Ok(parsed), "{canonical}");
        }
    }

    /// The issue's arms-deal query parses into a NEAR of two OR groups.
    #[test]
    fn arms_deal_query_is_a_near_of_two_groups() {
        let query = "(arms OR weapon* OR munition* OR artillery OR missile* OR Waffe OR Munition \
                     OR Artillerie OR Rakete) NEAR/20 (deal OR sale OR sell OR buy OR purchase OR \
                     supply OR Verkauf OR Kauf OR Lieferung OR Geschäft OR Gespräch)";
        let Ok(Query::Near {
            left,
            right,
            distance,
        }) = parse_query(query)
        else {
            panic!("expected a NEAR query");
        };
        assert_eq!(distance, 20);
        assert!(matches!(*left, Query::Or(ref parts) if parts.len() == 9));
        assert!(matches!(*right, Query::Or(ref parts) if parts.len() == 11));
    }

    /// Precedence: NOT, then NEAR, then AND, then OR.
    #[test]
    fn operators_bind_in_documented_order() {
        let word = |w: &str| term(w, false, Field::Any);
        assert_eq!(
            parse_query("a OR b c NEAR d").unwrap(),
            Query::Or(vec![
                word("a"),
                Query::And(vec![
                    word("b"),
                    Query::Near {
                        left: Box::new(word("c")),
                        right: Box::new(word("d")),
                        distance: DEFAULT_NEAR_DISTANCE,
                    },
                ]),
            ])
        );
    }

    /// Broken queries name the place (byte offset) and what was expected.
    #[test]
    fn broken_queries_report_offset_and_message() {
        let after_or = "expected a term, phrase or '(' after OR";
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty query"),
            ("   ", 0, "empty query"),
            (
                "a OR",
                2,
                &format!("{after_or}, found the end of the query"),
            ),
            ("a OR )", 5, &format!("{after_or}, found ')'")),
            (
                "OR a",
                0,
                "expected a term, phrase or '(' at the start of the query, found OR",
            ),
            (
                "a AND OR b",
                6,
                "expected a term, phrase or '(' after AND, found OR",
            ),
            (
                "(a OR b",
                0,
                "unclosed '('; expected ')' before the end of the query",
            ),
            (
                "a (b (c)",
                2,
                "unclosed '('; expected ')' before the end of the query",
            ),
            ("a)", 1, "unmatched ')'"),
            (
                "()",
                1,
                "expected a term, phrase or '(' after '(', found ')'",
            ),
            (
                "a NEAR/0 b",
                7,
                "NEAR distance must be between 1 and 1000 words",
            ),
            (
                "a NEAR/x b",
                7,
                "expected a number of words after NEAR/, as in NEAR/10",
            ),
            (
                "a NEAR/99999999999 b",
                7,
                "NEAR distance must be between 1 and 1000 words",
            ),
            (
                "a NEAR",
                2,
                "expected a term, phrase or '(' after NEAR, found the end of the query",
            ),
            (
                "*",
                0,
                "'*' must end a word of at least 2 letters, as in weapon*",
            ),
            (
                "a*",
                0,
                "prefix `a*` is too short; write at least 2 letters before '*'",
            ),
            ("we*pon", 2, "'*' may only end a word"),
            (
                "NOT a",
                0,
                "the query only excludes (NOT ...) and would match almost every article; add what to look for, as in `arms AND NOT football`",
            ),
            (
                "a OR NOT b",
                5,
                "this alternative only excludes (NOT ...) and would match almost every article; join it to what to look for with AND",
            ),
            (
                "a NEAR NOT b",
                7,
                "NOT cannot be used inside a side of NEAR; exclude words outside it, as in `(a NEAR b) AND NOT c`",
            ),
            (
                "(a NOT c) NEAR/5 b",
                3,
                "NOT cannot be used inside a side of NEAR; exclude words outside it, as in `(a NEAR b) AND NOT c`",
            ),
            ("a \"b c", 2, "unterminated phrase; add the closing '\"'"),
            ("a \" \"", 2, "empty phrase"),
            (
                "\"arms de*\"",
                8,
                "'*' cannot be used in a phrase; only a single word can be a prefix*",
            ),
            (
                "head:a",
                0,
                "unknown field `head:`; expected title: or body:",
            ),
            (
                "title:(body:a)",
                7,
                "body: cannot be used inside a title: group",
            ),
            (
                "title:NOT a",
                6,
                "expected a term, phrase or '(' after title:, found NOT",
            ),
            (
                "a -b",
                2,
                "unexpected '-'; write NOT in front of a word to exclude it",
            ),
            (
                "Präsident & b",
                11,
                "unexpected character '&'; put words joined by punctuation in a phrase, as in \"U.S.\"",
            ),
        ];
        for (query, offset, message) in cases {
            let error = parse_query(query).expect_err(query);
            assert_eq!(
                (error.offset, error.message.as_str()),
                (*offset, *message),
                "{query}"
            );
        }
    }

    /// `terms` entries are single words, prefixes or phrases, and are joined with OR.
    #[test]
    fn terms_entries_are_words_prefixes_or_phrases() {
        let entries = ["arms", "weapon*", "arms deal", "Nord-Stream"];
        let parts: Vec<Query> = entries
            .iter()
            .map(|entry| parse_terms_entry(entry).unwrap())
            .collect();
        let query = any_of(parts).unwrap();
        assert_eq!(
            query.to_string(),
            "arms OR weapon* OR \"arms deal\" OR Nord-Stream"
        );
        assert_eq!(parse_query(&query.to_string()), Ok(query));
        assert_eq!(any_of(Vec::new()), None);

        let refused = [
            ("", 0),
            ("a*", 0),
            ("arms OR deal", 5),
            ("title:x", 5),
            ("arms de*", 7),
        ];
        for (entry, offset) in refused {
            let error = parse_terms_entry(entry).expect_err(entry);
            assert_eq!(error.offset, offset, "{entry}: {}", error.message);
        }
    }

    /// Phrases and text split alike: joiners only between word characters.
    #[test]
    fn words_split_at_punctuation_but_keep_inner_joiners() {
        let words: Vec<&str> = split_words("Nord-Stream, l'arme -x- 'y' e\u{301}t\u{e9}")
            .map(|(_, word)| word)
            .collect();
        assert_eq!(
            words,
            ["Nord-Stream", "l'arme", "x", "y", "e\u{301}t\u{e9}"]
        );
    }

    /// Tokens of the query language joined by spaces, words more often than operators.
    fn query_like_text() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            6 => "[a-cä]{1,3}",
            2 => "[a-c]{2,3}\\*",
            1 => "\"[a-c ]{0,5}\"",
            2 => "AND|OR",
            1 => "NOT",
            1 => "NEAR(/[0-9]{1,2})?",
            1 => "(title|body):[a-c]{1,2}",
            2 => "\\(|\\)",
        ];
        prop::collection::vec(token, 1..12).prop_map(|tokens| tokens.join(" "))
    }

    proptest! {
        /// Any text either parses or gives an error inside the text; never a panic.
        #[test]
        fn parsing_never_panics(text in any::<String>()) {
            if let Err(error) = parse_query(&text) {
                prop_assert!(error.offset <= text.len());
            }
            let _ = parse_terms_entry(&text);
        }

        /// Query-like text: whatever parses comes back the same from its canonical form.
        #[test]
        fn canonical_form_parses_to_the_same_query(text in query_like_text()) {
            match parse_query(&text) {
                Ok(query) => prop_assert_eq!(parse_query(&query.to_string()), Ok(query)),
                Err(error) => prop_assert!(error.offset <= text.len()),
            }
        }
    }
}
