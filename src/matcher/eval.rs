//! Evaluates a parsed [`Query`] against one article whose title and body were tokenised once
//! ([`Article::new`]). Terms are compared stem to stem in the article's language; `prefix*` on
//! the folded word; in compounding languages a term also matches the first or last part of a
//! compound word. The result says whether the query matched and which words made it match.
//!
//! Hyphens (issue 13): a hyphenated term also matches written apart or joined
//! (`other_spellings`: `Nord-Stream` is also `"Nord Stream"` and `Nordstream`), and a phrase
//! compares article words by their *units*, a hyphenated word counting as its pieces
//! ([`Word::units`]), so `"Nord Stream"` matches `Nord-Stream`; a hyphenated phrase word may
//! also be one joined word (`words::spellings`).
//!
//! [`evaluate`] walks one query's tree over the article's tokens. The topic index
//! ([`TopicSet`](super::TopicSet)) runs the same tree walk (`eval`) over its own per-article
//! lookups (`Leaves`), which find the same words without scanning the tokens, and only for
//! topics whose words occur; its key tables mirror the word rules of [`TermMatcher`].

use super::query::{Field, Query};
use std::sync::Arc;

use super::text::{Form, Language, Token, Tokens, Word, WordCache};
use super::words::{hyphen_pieces, joined, spellings};

/// Shortest first or last part of a compound that a term may match on its own, in letters:
/// `Gipfel` matches `Gipfeltreffen`, but a 3-letter word does not match inside longer words.
pub const MIN_COMPOUND_PART: usize = 4;

/// Linking elements that German and Dutch put after the first part of a compound
/// (`Waffe|n|lieferung`, `Verkauf|s|stelle`, `Gespräch|s|runde`).
pub(super) const LINKERS: [&str; 9] = ["", "e", "n", "s", "en", "es", "er", "ens", "ns"];

/// Which field of an article a token comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    /// The article's title.
    Title,
    /// The article's main text.
    Body,
}

/// An article ready for matching: both fields tokenised once, in the article's language, over
/// one table of their distinct words.
#[derive(Debug, Clone)]
pub struct Article {
    /// Tokens of the title; positions count from 0.
    pub title: Vec<Token>,
    /// Tokens of the body; positions count from 0, separately from the title's.
    pub body: Vec<Token>,
    /// The distinct words of both fields, which [`Token::word`] numbers.
    pub words: Vec<Arc<Word>>,
    /// The language both were stemmed in; query words are stemmed in it too.
    pub language: Language,
}

impl Article {
    /// Tokenises `title` and `body` in `language`.
    pub fn new(title: &str, body: &str, language: Language) -> Article {
        let mut tokens = Tokens::default();
        Article {
            title: tokens.field(title, language),
            body: tokens.field(body, language),
            words: tokens.into_words(),
            language,
        }
    }

    /// [`Article::new`] normalising only the words whose folded form `relevant` accepts (see
    /// [`Tokens::relevant`]), with their forms kept in `cache` across articles: for matching
    /// one query, which can only match such words, over many articles.
    pub fn relevant(
        title: &str,
        body: &str,
        language: Language,
        relevant: &dyn Fn(&str) -> bool,
        cache: &mut WordCache,
    ) -> Article {
        let mut tokens = Tokens::default();
        Article {
            title: tokens.relevant(title, language, relevant, cache),
            body: tokens.relevant(body, language, relevant, cache),
            words: tokens.into_words(),
            language,
        }
    }

    /// The distinct word `token` is.
    pub fn word(&self, token: &Token) -> &Word {
        &self.words[token.word as usize]
    }

    /// The words of the body as written, in order: what the story fingerprint reads (split as
    /// [`split_words`](super::split_words) splits, so that it equals the fingerprint of the
    /// body's text).
    pub fn body_words(&self) -> impl Iterator<Item = &str> {
        self.body.iter().map(|token| self.word(token).text.as_str())
    }

    pub(super) fn tokens(&self, section: Section) -> &[Token] {
        match section {
            Section::Title => &self.title,
            Section::Body => &self.body,
        }
    }
}

/// One article word that contributed to a match, for scores, snippets and "matched words".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The field it is in.
    pub section: Section,
    /// Its word index in that field.
    pub position: u32,
    /// Its byte offset in that field's text.
    pub offset: usize,
    /// The word as it appears in the article.
    pub word: String,
}

/// What evaluating a query found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evaluation {
    /// Whether the article matches the query.
    pub matched: bool,
    /// The words that made it match, in field then position order; empty when not matched.
    pub hits: Vec<Hit>,
}

/// Evaluates `query` against `article`.
pub fn evaluate(query: &Query, article: &Article) -> Evaluation {
    evaluation(eval(query, article), article)
}

/// The evaluation for what [`eval`] found in `article`: the matched words, in order.
pub(super) fn evaluation(spans: Option<Vec<Span>>, article: &Article) -> Evaluation {
    let Some(spans) = spans else {
        return Evaluation::default();
    };
    let mut found: Vec<(Section, u32)> = spans
        .iter()
        .flat_map(|span| span.positions.iter().map(|&at| (span.section, at)))
        .collect();
    found.sort_unstable();
    found.dedup();
    let hits = found
        .into_iter()
        .filter_map(|(section, position)| {
            let token = article
                .tokens(section)
                .get(usize::try_from(position).ok()?)?;
            Some(Hit {
                section,
                position,
                offset: token.offset,
                word: article.word(token).text.clone(),
            })
        })
        .collect();
    Evaluation {
        matched: true,
        hits,
    }
}

/// Decides whether one query word (or `prefix*`) matches one article word, in one language.
///
/// The topic index (`topics/index.rs`) turns these rules into table keys; a change here needs
/// the same change there (its property test compares the two).
#[derive(Debug, Clone)]
pub struct TermMatcher {
    /// The query word's forms in the article's language.
    form: Form,
    /// Whether the word was written `prefix*`.
    prefix: bool,
    /// Whether compound parts may match (the article's language compounds): only for a term
    /// of at least [`MIN_COMPOUND_PART`] letters, counted once here rather than per word.
    compounds: bool,
}

impl TermMatcher {
    /// A matcher for the query word `word` (`prefix` if written with `*`) in `language`.
    pub fn new(word: &str, prefix: bool, language: Language) -> TermMatcher {
        let form = Form::of(word, language);
        let compounds = language.has_compounds() && letters(&form.folded) >= MIN_COMPOUND_PART;
        TermMatcher {
            form,
            prefix,
            compounds,
        }
    }

    /// Whether the article word `word` matches: the whole word, or one part of a hyphenated
    /// or elided word.
    pub fn matches(&self, word: &Word) -> bool {
        if self.form.folded.is_empty() {
            return false;
        }
        std::iter::once(&word.form)
            .chain(&word.parts)
            .any(|form| self.matches_word(form))
    }

    fn matches_word(&self, word: &Form) -> bool {
        if self.prefix {
            return word.folded.starts_with(&self.form.folded);
        }
        same_word(&self.form, word)
            || (self.compounds && (self.is_head_of(word) || self.is_tail_of(word)))
    }

    /// `Waffe` in `Waffengesprächen`: the word starts with the term (or its stem) plus a
    /// linking element, and what follows is a word of its own.
    fn is_head_of(&self, word: &Form) -> bool {
        let bases = [(&self.form.folded, true), (&self.form.stem, false)];
        bases.iter().any(|(base, bare_allowed)| {
            LINKERS
                .iter()
                .filter(|linker| *bare_allowed || !linker.is_empty())
                .any(|linker| {
                    word.folded
                        .strip_prefix(base.as_str())
                        .and_then(|rest| rest.strip_prefix(linker))
                        .is_some_and(|rest| letters(rest) >= MIN_COMPOUND_PART)
                })
        })
    }

    /// `Verkauf` in `Waffenverkäufe`: the word (or its stem) ends with the term (or its stem)
    /// after a first part of its own.
    fn is_tail_of(&self, word: &Form) -> bool {
        let ends_with = |whole: &str, tail: &str| {
            !tail.is_empty()
                && whole
                    .strip_suffix(tail)
                    .is_some_and(|head| letters(head) >= MIN_COMPOUND_PART)
        };
        ends_with(&word.folded, &self.form.folded) || ends_with(&word.stem, &self.form.stem)
    }
}

/// Stem-equal (or, for words the stemmer leaves alone, fold-equal) whole words.
fn same_word(term: &Form, word: &Form) -> bool {
    !term.folded.is_empty()
        && !word.folded.is_empty()
        && (term.stem == word.stem || term.folded == word.folded)
}

fn letters(text: &str) -> usize {
    text.chars().count()
}

/// Where a part of a query matched: a run of positions in one field, and the words in it that
/// matched (for a `NEAR`, the words of both sides, not those between).
#[derive(Debug, Clone)]
pub(super) struct Span {
    section: Section,
    start: u32,
    end: u32,
    positions: Vec<u32>,
}

impl Span {
    /// One matched word.
    pub(super) fn word(section: Section, position: u32) -> Span {
        Span {
            section,
            start: position,
            end: position,
            positions: vec![position],
        }
    }

    /// Consecutive matched words (a phrase), `positions` in order and never empty.
    pub(super) fn run(section: Section, positions: Vec<u32>) -> Span {
        Span {
            section,
            start: positions.first().copied().unwrap_or_default(),
            end: positions.last().copied().unwrap_or_default(),
            positions,
        }
    }

    /// Words between the two spans; 0 when they touch or overlap (one compound word can be
    /// both sides of a `NEAR`).
    fn gap(&self, other: &Span) -> u32 {
        other
            .start
            .saturating_sub(self.end)
            .max(self.start.saturating_sub(other.end))
    }

    fn join(&self, other: &Span) -> Span {
        let mut positions = self.positions.clone();
        positions.extend(&other.positions);
        Span {
            section: self.section,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
            positions,
        }
    }
}

/// The sections a field scope covers, in the order matches are reported.
pub(super) fn sections(field: Field) -> &'static [Section] {
    match field {
        Field::Any => &[Section::Title, Section::Body],
        Field::Title => &[Section::Title],
        Field::Body => &[Section::Body],
    }
}

/// Where the words of a query's terms and phrases occur in one article. The article answers by
/// scanning its tokens; the topic index answers from lookups it made once for all topics. Both
/// must give the same spans in the same order (field, then position).
pub(super) trait Leaves {
    /// Every word matching the term `word` (`prefix` if written `word*`) within `field`.
    fn term(&self, word: &str, prefix: bool, field: Field) -> Vec<Span>;
    /// Every occurrence of the phrase `words` within `field`.
    fn phrase(&self, words: &[String], field: Field) -> Vec<Span>;
}

impl Leaves for Article {
    fn term(&self, word: &str, prefix: bool, field: Field) -> Vec<Span> {
        term_spans(&TermMatcher::new(word, prefix, self.language), field, self)
    }

    fn phrase(&self, words: &[String], field: Field) -> Vec<Span> {
        phrase_spans(words, field, self)
    }
}

/// `None` when the query does not match; otherwise where it matched (possibly nowhere in
/// particular, for a `NOT` that holds).
pub(super) fn eval<L: Leaves>(query: &Query, leaves: &L) -> Option<Vec<Span>> {
    let spans = match query {
        Query::Term {
            word,
            prefix,
            field,
        } => term_in_any_spelling(leaves, word, *prefix, *field),
        Query::Phrase { words, field } => leaves.phrase(words, *field),
        Query::And(parts) => {
            let mut spans = Vec::new();
            for part in parts {
                spans.extend(eval(part, leaves)?);
            }
            return Some(spans);
        }
        Query::Or(parts) => {
            let found: Vec<Vec<Span>> = parts.iter().filter_map(|p| eval(p, leaves)).collect();
            return (!found.is_empty()).then(|| found.into_iter().flatten().collect());
        }
        Query::Not(inner) => {
            return match eval(inner, leaves) {
                Some(_) => None,
                None => Some(Vec::new()),
            };
        }
        Query::Near {
            left,
            right,
            distance,
        } => near_spans(&eval(left, leaves)?, &eval(right, leaves)?, *distance),
    };
    (!spans.is_empty()).then_some(spans)
}

/// The other ways a hyphenated term is written, as queries of their own: `Nord-Stream` also as
/// the phrase `"Nord Stream"` and as the word `Nordstream`. Empty for words without a hyphen and
/// for `prefix*` (a prefix is not split). The topic index plans these alternatives too, and
/// `why_not` names them.
pub(crate) fn other_spellings(word: &str, prefix: bool, field: Field) -> Vec<Query> {
    let Some(pieces) = hyphen_pieces(word).filter(|_| !prefix) else {
        return Vec::new();
    };
    vec![
        Query::Phrase {
            words: pieces.iter().map(|piece| (*piece).to_owned()).collect(),
            field,
        },
        Query::Term {
            word: joined(&pieces),
            prefix: false,
            field,
        },
    ]
}

/// Where a term matches as written and, for a hyphenated term, in its [`other_spellings`].
fn term_in_any_spelling<L: Leaves>(
    leaves: &L,
    word: &str,
    prefix: bool,
    field: Field,
) -> Vec<Span> {
    let others = other_spellings(word, prefix, field);
    let mut spans = leaves.term(word, prefix, field);
    if others.is_empty() {
        return spans;
    }
    for other in &others {
        spans.extend(eval(other, leaves).unwrap_or_default());
    }
    merged(spans)
}

fn term_spans(matcher: &TermMatcher, field: Field, article: &Article) -> Vec<Span> {
    let mut spans = Vec::new();
    for &section in sections(field) {
        for token in article.tokens(section) {
            if matcher.matches(article.word(token)) {
                spans.push(Span::word(section, token.position));
            }
        }
    }
    spans
}

/// The ways one phrase word may stand in the text, each a run of units `U` (see [`spellings`]).
pub(super) type Spellings<U> = Vec<Vec<U>>;

/// Occurrences of the phrase `words` in `article`: runs of units, each stem-equal to the unit of
/// the phrase word's spelling in its place.
fn phrase_spans(words: &[String], field: Field, article: &Article) -> Vec<Span> {
    let phrase = spelled_phrase(words, |unit| Form::of(unit, article.language));
    let mut spans = Vec::new();
    for &section in sections(field) {
        let units: Vec<(u32, &Form)> = units(article, section).collect();
        let positions: Vec<u32> = units.iter().map(|&(position, _)| position).collect();
        let fits =
            |form: &Form, at: usize| units.get(at).is_some_and(|(_, unit)| same_word(form, unit));
        spans.extend(unit_spans(
            section,
            &positions,
            align(&phrase, 0..units.len(), fits),
        ));
    }
    merged(spans)
}

/// Each word of a phrase as its spellings (see [`spellings`]), each unit made a `U` by `unit`.
pub(super) fn spelled_phrase<U>(
    words: &[String],
    mut unit: impl FnMut(&str) -> U,
) -> Vec<Spellings<U>> {
    words
        .iter()
        .map(|word| spellings(word, &mut unit))
        .collect()
}

/// The same phrase spellings with each unit made a `V` by `f`.
pub(super) fn map_units<U, V>(
    phrase: &[Spellings<U>],
    mut f: impl FnMut(&U) -> V,
) -> Vec<Spellings<V>> {
    phrase
        .iter()
        .map(|spellings| {
            spellings
                .iter()
                .map(|units| units.iter().map(&mut f).collect())
                .collect()
        })
        .collect()
}

/// The units of a field's tokens in order, each with its token's position (see [`Word::units`]).
pub(super) fn units(article: &Article, section: Section) -> impl Iterator<Item = (u32, &Form)> {
    article.tokens(section).iter().flat_map(|token| {
        article
            .word(token)
            .units()
            .iter()
            .map(|unit| (token.position, unit))
    })
}

/// Where `phrase` (each word's spellings) occurs in a field's units: (first unit, end unit) of
/// each occurrence, trying the first units `starts` (ascending). `fits(unit, at)` says whether
/// the field's unit number `at` is the phrase's `unit`; the evaluator compares forms, the topic
/// index looks up where its keys matched.
pub(super) fn align<U>(
    phrase: &[Spellings<U>],
    starts: impl IntoIterator<Item = usize>,
    fits: impl Fn(&U, usize) -> bool,
) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    if phrase.is_empty() {
        return found;
    }
    let spelled_at = |units: &[U], at: usize| {
        units
            .iter()
            .enumerate()
            .all(|(offset, unit)| fits(unit, at + offset))
    };
    // Where the phrase so far can end, after each word: one place per spelling that fits.
    let (mut ends, mut next) = (Vec::new(), Vec::new());
    for start in starts {
        ends.clear();
        ends.push(start);
        for spellings in phrase {
            next.clear();
            for &at in &ends {
                for units in spellings {
                    if spelled_at(units, at) {
                        next.push(at + units.len());
                    }
                }
            }
            next.sort_unstable();
            next.dedup();
            std::mem::swap(&mut ends, &mut next);
        }
        found.extend(ends.iter().map(|&end| (start, end)));
    }
    found
}

/// The spans of unit runs (first unit, end unit) in `section`, whose units have the token
/// positions `positions`.
pub(super) fn unit_spans(
    section: Section,
    positions: &[u32],
    runs: Vec<(usize, usize)>,
) -> impl Iterator<Item = Span> {
    runs.into_iter().filter_map(move |(start, end)| {
        let mut covered = positions.get(start..end)?.to_vec();
        covered.dedup();
        (!covered.is_empty()).then(|| Span::run(section, covered))
    })
}

/// Every pair of a left and a right match in the same field at most `distance` words apart,
/// each pair as one span; pairs covering the same words are merged.
fn near_spans(left: &[Span], right: &[Span], distance: u32) -> Vec<Span> {
    let spans: Vec<Span> = left
        .iter()
        .flat_map(|l| {
            right
                .iter()
                .filter(move |r| r.section == l.section && l.gap(r) <= distance)
                .map(move |r| l.join(r))
        })
        .collect();
    merged(spans)
}

/// `spans` in field then position order, spans covering the same words merged into one.
pub(super) fn merged(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable_by_key(|span| (span.section, span.start, span.end));
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for mut span in spans {
        match merged.last_mut() {
            Some(last)
                if (last.section, last.start, last.end) == (span.section, span.start, span.end) =>
            {
                last.positions.append(&mut span.positions);
            }
            _ => merged.push(span),
        }
    }
    for span in &mut merged {
        span.positions.sort_unstable();
        span.positions.dedup();
    }
    merged
}

#[cfg(test)]
mod tests;
