//! Where words begin and end, for query text and article text alike: the query lexer and the
//! article tokeniser both cut words by this rule, which is what lets a quoted phrase in a topic
//! line up with the words of an article.

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
}
