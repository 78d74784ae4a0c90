//! Where words begin and end, for query text and article text alike: the query lexer and the
//! article tokeniser both cut words by this rule, which is what lets a quoted phrase in a topic
//! line up with the words of an article.
//!
//! It also says how else a hyphenated word is written (issue 13): `Nord-Stream` is the same name
//! as `Nord Stream` and `Nordstream`, so a query word with a hyphen matches all three, and a
//! phrase compares a hyphenated article word piece by piece (`spellings`).

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

/// Hyphens (with U+2010 and the non-breaking U+2011): unlike an apostrophe's elision (`l'arme`
/// is not `larme`), a hyphen may be left out or written as a space.
pub(crate) fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// The pieces between the hyphens of a word (`Nord-Stream's`: `Nord`, `Stream's`); `None` for a
/// word without two pieces.
pub(crate) fn hyphen_pieces(word: &str) -> Option<Vec<&str>> {
    if !word.contains(is_hyphen) {
        return None;
    }
    let pieces: Vec<&str> = word.split(is_hyphen).filter(|p| !p.is_empty()).collect();
    (pieces.len() > 1).then_some(pieces)
}

/// The pieces written as one word, as a name is when its hyphen is dropped: `Nordstream`. Later
/// pieces are lower-cased so that explanations show the joined word as it is usually spelled;
/// matching folds case anyway.
pub(crate) fn joined(pieces: &[&str]) -> String {
    let mut word = String::new();
    for (index, piece) in pieces.iter().enumerate() {
        if index == 0 {
            word.push_str(piece);
        } else {
            word.extend(piece.chars().flat_map(char::to_lowercase));
        }
    }
    word
}

/// The ways a query word may stand in an article, each a run of consecutive *units* (article
/// words, a hyphenated one counting as its pieces, see [`Word::pieces`]) made a `U` by `unit`:
/// a word without a hyphen only as itself; `Nord-Stream` as its pieces (`Nord Stream`, which
/// also covers `Nord-Stream`) or joined (`Nordstream`).
///
/// [`Word::pieces`]: crate::matcher::Word::pieces
pub(crate) fn spellings<U>(word: &str, mut unit: impl FnMut(&str) -> U) -> Vec<Vec<U>> {
    match hyphen_pieces(word) {
        None => vec![vec![unit(word)]],
        Some(pieces) => vec![
            pieces.iter().map(|piece| unit(piece)).collect(),
            vec![unit(&joined(&pieces))],
        ],
    }
}

/// End of the word starting at `start`, which must be a word character.
pub(crate) fn word_end(text: &str, start: usize) -> usize {
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

    /// Issue 13: a hyphenated word is also written apart or joined; an apostrophe is no hyphen,
    /// and a word without a hyphen has one spelling.
    #[test]
    fn hyphenated_words_are_spelled_apart_or_joined() {
        let cases: [(&str, &[&[&str]]); 5] = [
            ("Nord-Stream", &[&["Nord", "Stream"], &["Nordstream"]]),
            ("G\u{2011}7", &[&["G", "7"], &["G7"]]),
            ("Nord-Stream's", &[&["Nord", "Stream's"], &["Nordstream's"]]),
            ("l'arme", &[&["l'arme"]]),
            ("Gipfel", &[&["Gipfel"]]),
        ];
        for (word, expected) in cases {
            assert_eq!(spellings(word, str::to_owned), expected, "{word}");
        }
    }
}
