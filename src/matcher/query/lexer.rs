//! The lexer of the query language: query text in, tokens (words, phrases, scopes, parentheses,
//! operators) out, or a [`QueryError`] at the first character that does not belong. Words and
//! phrases are cut by the rule of [`words`](crate::matcher::words), the same as article text.

use super::error::QueryError;
use super::tree::Field;
use crate::matcher::words::{is_word_char, split_words, word_end};

/// `NEAR` without a distance means `NEAR/10`.
pub const DEFAULT_NEAR_DISTANCE: u32 = 10;

/// Largest `NEAR/n`; a wider window is most of an article, which `AND` already says.
pub const MAX_NEAR_DISTANCE: u32 = 1000;

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
pub(super) enum Kind<'t> {
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
pub(super) struct Token<'t> {
    pub(super) kind: Kind<'t>,
    /// Byte offset of the token in the query.
    pub(super) offset: usize,
    /// The token as written, for messages.
    pub(super) text: &'t str,
}

impl Token<'_> {
    /// How the token is named in "found ..." messages.
    pub(super) fn describe(&self) -> String {
        match self.kind {
            Kind::Open | Kind::Close => format!("'{}'", self.text),
            Kind::Word { .. } | Kind::Phrase(_) | Kind::Field(_) => format!("`{}`", self.text),
            _ => self.text.to_string(),
        }
    }

    pub(super) fn starts_operand(&self) -> bool {
        matches!(
            self.kind,
            Kind::Word { .. } | Kind::Phrase(_) | Kind::Field(_) | Kind::Open | Kind::Not
        )
    }
}

pub(super) fn keyword(word: &str) -> Option<Kind<'static>> {
    match word {
        "AND" => Some(Kind::And),
        "OR" => Some(Kind::Or),
        "NOT" => Some(Kind::Not),
        "NEAR" => Some(Kind::Near(DEFAULT_NEAR_DISTANCE)),
        _ => None,
    }
}

/// Splits a query into tokens, or says where a character does not belong.
pub(super) fn lex(text: &str) -> Result<Vec<Token<'_>>, QueryError> {
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
