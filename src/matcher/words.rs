//! Where words begin and end, for query text and article text alike, and the lexer of the query
//! language built on that rule. One rule on both sides is what lets a quoted phrase in a topic
//! line up with the words of an article.

use super::query::{DEFAULT_NEAR_DISTANCE, Field, MAX_NEAR_DISTANCE, QueryError};

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

/// Letters, digits and combining marks: what a word is made of.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Combining marks of decomposed text (`e` + U+0301) stay inside their word.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Hyphens and apostrophes that join two word parts (`Nord-Stream`, `l'arme`, `l’arme`).
pub(crate) fn is_joiner(c: char) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
