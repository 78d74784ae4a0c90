//! The word ends index (`article_ends`): in languages that write compounds as one word, a term
//! also matches the last part of a longer word (`Verkauf` in `Waffenverkäufe`, see the
//! matcher's `TermMatcher`), which the prefixes of the search index cannot find. For each long
//! word of such an article the index keeps its folded form and its stem reversed, so that a
//! prefix query for a term reversed finds the words that end in it.
//!
//! Both sides are computed here, so the article's entries and a query's agree.

use std::collections::BTreeSet;

use crate::matcher::eval::MIN_COMPOUND_PART;
use crate::matcher::words::is_joiner;
use crate::matcher::{Form, Language, split_words, word_forms};

/// Shortest folded word that can end in a term of [`MIN_COMPOUND_PART`] letters after a first
/// part of as many.
const MIN_FOLDED: usize = 2 * MIN_COMPOUND_PART;

/// Shortest stem that can end in a term's stem (one letter at least) after a first part.
const MIN_STEM: usize = MIN_COMPOUND_PART + 1;

/// The reversed ends the index keeps for an article's `title` and `text` in `language`; empty
/// for languages without compounds.
pub(crate) fn article_ends(title: &str, text: &str, language: Language) -> String {
    if !language.has_compounds() {
        return String::new();
    }
    // Folding at most doubles a word's length (`ß`, `æ`; the characters that expand more are
    // unindexable), so shorter words cannot reach the lengths below.
    let mut words: BTreeSet<&str> = BTreeSet::new();
    for (_, word) in split_words(title).chain(split_words(text)) {
        if word.chars().count() * 2 >= MIN_STEM {
            words.insert(word);
        }
    }
    let mut ends: BTreeSet<String> = BTreeSet::new();
    for word in words {
        // A word with hyphens or apostrophes is matched whole and by its parts: the whole
        // word's ends are kept without the joiners (a term has none, so a whole word that
        // ends in it does so without them too).
        let forms = word_forms(word, language);
        for form in std::iter::once(&forms.form).chain(&forms.parts) {
            if form.folded.chars().count() >= MIN_FOLDED {
                ends.insert(reversed(&form.folded));
            }
            if form.stem.chars().count() >= MIN_STEM {
                ends.insert(reversed(&form.stem));
            }
        }
    }
    ends.into_iter().collect::<Vec<_>>().join(" ")
}

/// The reversed forms whose words end in the term `word` in `language`: its folded form and its
/// stem. Empty when the language has no compounds or the term is too short to be a part.
pub(crate) fn term_ends(word: &str, language: Language) -> Vec<String> {
    let form = Form::of(word, language);
    if !language.has_compounds()
        || form.folded.chars().count() < MIN_COMPOUND_PART
        || form.folded.contains(is_joiner)
    {
        return Vec::new();
    }
    let mut ends = vec![reversed(&form.folded), reversed(&form.stem)];
    ends.retain(|end| !end.is_empty());
    ends.sort();
    ends.dedup();
    ends
}

/// `word` backwards, without hyphens and apostrophes.
fn reversed(word: &str) -> String {
    word.chars().rev().filter(|&c| !is_joiner(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compound's reversed ends start with a term's reversed form or stem.
    #[test]
    fn compound_ends_start_with_the_reversed_term() {
        let german = Language::from_code("de");
        let ends = article_ends("", "Die Waffenverkäufe und Atomwaffen-Tests", german);
        let ends: Vec<&str> = ends.split(' ').collect();
        for term in ["Verkauf", "Waffe", "Tests"] {
            let found = term_ends(term, german)
                .iter()
                .any(|end| ends.iter().any(|word| word.starts_with(end.as_str())));
            assert!(found, "{term} in {ends:?}");
        }
        assert!(article_ends("", "Waffenverkäufe", Language::from_code("en")).is_empty());
    }
}
