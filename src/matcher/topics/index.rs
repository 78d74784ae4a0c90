//! The language-dependent half of the topic index: the keys' stems and compound parts in one
//! language as hash tables ([`LanguageIndex`]), and one article's words looked up in them
//! ([`Lookup`]), which then answers the evaluator's questions about terms and phrases from
//! those lookups instead of scanning the article for every topic.
//!
//! The tables say exactly what [`TermMatcher`](crate::matcher::TermMatcher) says, word by word
//! (its rules are in `eval.rs`): whole words by stem and by folded form; `prefix*` on every
//! prefix of the folded word; in compounding languages a term's folded form or stem plus a
//! linking element as the head of a word with at least four letters after it, and its folded
//! form or stem as the tail of a word (or of its stem) with at least four letters before it.

use super::plan::{Kind, Plan};
use crate::matcher::eval::{
    Article, Evaluation, LINKERS, Leaves, MIN_COMPOUND_PART, Section, Span, align, eval,
    evaluation, map_units, merged, sections, spelled_phrase, unit_spans, units,
};
use crate::matcher::query::{Field, Query};
use crate::matcher::text::{Form, Language};

/// Strings of one kind (stems, prefixes, compound heads, ...) mapped to the keys they stand for.
#[derive(Debug, Default)]
struct Table {
    /// foldhash: several times faster than SipHash on short words, and seeded per process.
    keys: foldhash::HashMap<String, Vec<usize>>,
    /// Bit `n` is set when some string has `n` bytes (63 for 63 and more): most prefixes and
    /// suffixes of an article word are skipped without hashing.
    lengths: u64,
}

impl Table {
    fn insert(&mut self, text: String, key: usize) {
        self.lengths |= length_bit(&text);
        let keys = self.keys.entry(text).or_default();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }

    fn find(&self, text: &str, found: &mut impl FnMut(usize)) {
        if self.lengths & length_bit(text) == 0 {
            return;
        }
        if let Some(keys) = self.keys.get(text) {
            keys.iter().for_each(|&key| found(key));
        }
    }
}

fn length_bit(text: &str) -> u64 {
    1 << text.len().min(63)
}

/// Every key of a [`Plan`], stemmed in one language, as tables an article word is looked up in.
/// Built once per topic set and language, on the first article in that language.
#[derive(Debug, Default)]
pub(super) struct LanguageIndex {
    /// Whether compound heads and tails are looked up.
    compounds: bool,
    /// Stems of whole words (terms and phrase words).
    stems: Table,
    /// Folded forms of whole words (terms and phrase words).
    folded: Table,
    /// Folded `prefix*` words.
    prefixes: Table,
    /// Folded form or stem of a term plus a linking element: the start of a compound.
    heads: Table,
    /// Folded form of a term: the end of a compound.
    folded_tails: Table,
    /// Stem of a term: the end of a compound's stem.
    stem_tails: Table,
}

impl LanguageIndex {
    /// The tables for the keys of `plan` in `language`.
    pub(super) fn compile(plan: &Plan, language: Language) -> LanguageIndex {
        let mut index = LanguageIndex {
            compounds: language.has_compounds(),
            ..LanguageIndex::default()
        };
        for (key, spec) in plan.keys().iter().enumerate() {
            index.add(key, &Form::of(&spec.word, language), spec.kind);
        }
        index
    }

    fn add(&mut self, key: usize, form: &Form, kind: Kind) {
        if form.folded.is_empty() {
            // A word without letters matches nothing (see `TermMatcher::matches`).
            return;
        }
        if kind == Kind::Prefix {
            self.prefixes.insert(form.folded.clone(), key);
            return;
        }
        self.stems.insert(form.stem.clone(), key);
        self.folded.insert(form.folded.clone(), key);
        if kind == Kind::Term && self.compounds && letters(&form.folded) >= MIN_COMPOUND_PART {
            for linker in LINKERS {
                self.heads.insert(format!("{}{linker}", form.folded), key);
            }
            for linker in LINKERS.iter().filter(|linker| !linker.is_empty()) {
                self.heads.insert(format!("{}{linker}", form.stem), key);
            }
            self.folded_tails.insert(form.folded.clone(), key);
            if !form.stem.is_empty() {
                self.stem_tails.insert(form.stem.clone(), key);
            }
        }
    }

    /// Calls `found` with every key matching the article word (or part) `form`, some maybe
    /// more than once. No allocation: every lookup borrows a slice of the word.
    fn keys_of(&self, form: &Form, found: &mut impl FnMut(usize)) {
        self.stems.find(&form.stem, found);
        self.folded.find(&form.folded, found);
        let word = form.folded.as_str();
        let length = letters(word);
        for (count, (start, c)) in word.char_indices().enumerate() {
            let prefix = &word[..start + c.len_utf8()];
            self.prefixes.find(prefix, found);
            if self.compounds && length - (count + 1) >= MIN_COMPOUND_PART {
                self.heads.find(prefix, found);
            }
        }
        if self.compounds {
            find_tails(&self.folded_tails, word, found);
            find_tails(&self.stem_tails, &form.stem, found);
        }
    }
}

/// Looks up every end of `word` that has at least [`MIN_COMPOUND_PART`] letters before it.
fn find_tails(table: &Table, word: &str, found: &mut impl FnMut(usize)) {
    for (start, _) in word.char_indices().skip(MIN_COMPOUND_PART) {
        table.find(&word[start..], found);
    }
}

fn letters(text: &str) -> usize {
    text.chars().count()
}

/// Where one distinct word form occurs in the article.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    /// The distinct form's number in this article.
    form: usize,
    section: Section,
    /// Index of the token in its section.
    index: usize,
    /// Whether a term looks at the form: the token's whole word or one of its parts.
    term: bool,
    /// The form's number among the units of its section when a phrase looks at it (a word
    /// without a hyphen, or a piece of one with; see `Word::units`).
    unit: Option<usize>,
}

/// The distinct word forms of `article` (whole words, their parts and their hyphen pieces),
/// numbered, and every occurrence of each. The forms are gathered from the article's distinct
/// words, so a word that repeats is hashed once, not at every occurrence.
fn distinct_forms(article: &Article) -> (Vec<&Form>, Vec<Occurrence>) {
    let mut numbers: foldhash::HashMap<&Form, usize> = foldhash::HashMap::default();
    let mut forms: Vec<&Form> = Vec::new();
    let mut number = |form| {
        *numbers.entry(form).or_insert_with(|| {
            forms.push(form);
            forms.len() - 1
        })
    };
    // Per distinct word: the number of its whole form, and where its parts' and pieces'
    // numbers start and end in `numbered`.
    let mut numbered: Vec<usize> = Vec::new();
    let words: Vec<(usize, usize, usize, usize)> = article
        .words
        .iter()
        .map(|word| {
            let whole = number(&word.form);
            let parts = numbered.len();
            numbered.extend(word.parts.iter().map(&mut number));
            let pieces = numbered.len();
            numbered.extend(word.pieces.iter().map(&mut number));
            (whole, parts, pieces, numbered.len())
        })
        .collect();
    let mut occurrences = Vec::new();
    for section in [Section::Title, Section::Body] {
        let mut first_unit = 0;
        for (index, token) in article.tokens(section).iter().enumerate() {
            let (whole, parts, pieces, end) = words[token.word as usize];
            let mut add = |form, term, unit| {
                occurrences.push(Occurrence {
                    form,
                    section,
                    index,
                    term,
                    unit,
                });
            };
            let hyphenated = pieces < end;
            add(whole, true, (!hyphenated).then_some(first_unit));
            for &part in &numbered[parts..pieces] {
                add(part, true, None);
            }
            for (offset, &piece) in numbered[pieces..end].iter().enumerate() {
                add(piece, false, Some(first_unit + offset));
            }
            first_unit += if hyphenated { end - pieces } else { 1 };
        }
    }
    (forms, occurrences)
}

/// `occurrences` sorted by form, and where each of the `forms` forms starts in them (one more
/// entry at the end).
fn group_by_form(mut occurrences: Vec<Occurrence>, forms: usize) -> (Vec<Occurrence>, Vec<usize>) {
    // Stable, so each form's occurrences stay in field then token order.
    occurrences.sort_by_key(|occurrence| occurrence.form);
    let mut starts = vec![0; forms + 1];
    for occurrence in &occurrences {
        starts[occurrence.form + 1] += 1;
    }
    for form in 0..forms {
        starts[form + 1] += starts[form];
    }
    (occurrences, starts)
}

/// One article's words looked up in a [`LanguageIndex`]: which keys match which of its words.
/// Answers the evaluator for any topic of the plan as the article itself would, in time that
/// depends on the matches rather than on the article's length.
pub(super) struct Lookup<'a> {
    plan: &'a Plan,
    article: &'a Article,
    /// Every occurrence of every distinct form, grouped by form, in field then token order
    /// within a form.
    occurrences: Vec<Occurrence>,
    /// `occurrences[starts[form]..starts[form + 1]]` are the occurrences of `form`.
    starts: Vec<usize>,
    /// Every (key, form) where the key matches the form; ascending, distinct.
    hits: Vec<(usize, usize)>,
    /// The token position of each unit of the title and of the body, for phrases.
    unit_positions: [Vec<u32>; 2],
}

impl<'a> Lookup<'a> {
    /// Looks up each distinct word form of `article` (whole words and parts) once.
    pub(super) fn new(plan: &'a Plan, index: &LanguageIndex, article: &'a Article) -> Lookup<'a> {
        let (forms, occurrences) = distinct_forms(article);
        let (occurrences, starts) = group_by_form(occurrences, forms.len());
        let mut hits = Vec::new();
        for (id, form) in forms.iter().enumerate() {
            index.keys_of(form, &mut |key| hits.push((key, id)));
        }
        hits.sort_unstable();
        hits.dedup();
        let unit_positions = [Section::Title, Section::Body]
            .map(|section| units(article, section).map(|(at, _)| at).collect());
        Lookup {
            plan,
            article,
            occurrences,
            starts,
            hits,
            unit_positions,
        }
    }

    /// The topics worth evaluating, ascending (see [`Plan::candidates`]).
    pub(super) fn candidates(&self) -> Vec<usize> {
        let mut keys: Vec<usize> = self.hits.iter().map(|&(key, _)| key).collect();
        keys.dedup();
        self.plan.candidates(keys.into_iter())
    }

    /// What [`evaluate`](crate::matcher::evaluate) says of `query`, the query of `topic`.
    pub(super) fn evaluate(&self, topic: usize, query: &Query) -> Evaluation {
        if !self.plan.may_match(topic, &|key| self.matches(key)) {
            return Evaluation::default();
        }
        evaluation(eval(query, self), self.article)
    }

    fn matches(&self, key: usize) -> bool {
        self.hits
            .binary_search_by_key(&key, |&(hit, _)| hit)
            .is_ok()
    }

    /// Every occurrence of every form `key` matches, form by form.
    fn occurrences_of(&self, key: usize) -> impl Iterator<Item = &Occurrence> {
        let from = self.hits.partition_point(|&(hit, _)| hit < key);
        self.hits[from..]
            .iter()
            .take_while(move |&&(hit, _)| hit == key)
            .flat_map(|&(_, form)| &self.occurrences[self.starts[form]..self.starts[form + 1]])
    }

    /// Ascending numbers of the units of `section` that `key` matches.
    fn units_matching(&self, key: usize, section: Section) -> Vec<usize> {
        let mut found: Vec<usize> = self
            .occurrences_of(key)
            .filter(|occurrence| occurrence.section == section)
            .filter_map(|occurrence| occurrence.unit)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn position(&self, section: Section, index: usize) -> u32 {
        self.article.tokens(section)[index].position
    }
}

impl Leaves for Lookup<'_> {
    fn term(&self, word: &str, prefix: bool, field: Field) -> Vec<Span> {
        let Some(key) = self.plan.id(word, Kind::of_term(prefix)) else {
            // Not a word of the plan's topics: ask the article.
            return self.article.term(word, prefix, field);
        };
        let sections = sections(field);
        let mut found: Vec<(Section, usize)> = self
            .occurrences_of(key)
            .filter(|occurrence| occurrence.term && sections.contains(&occurrence.section))
            .map(|occurrence| (occurrence.section, occurrence.index))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|(section, index)| Span::word(section, self.position(section, index)))
            .collect()
    }

    fn phrase(&self, words: &[String], field: Field) -> Vec<Span> {
        let keys = spelled_phrase(words, |unit| self.plan.id(unit, Kind::Whole));
        if keys.iter().flatten().flatten().any(Option::is_none) {
            // Not a phrase of the plan's topics: ask the article.
            return self.article.phrase(words, field);
        }
        let mut spans = Vec::new();
        for &section in sections(field) {
            // Each unit of each spelling as the units of the section it matches.
            let places = map_units(&keys, |key| {
                key.map_or_else(Vec::new, |key| self.units_matching(key, section))
            });
            let mut starts: Vec<usize> = places
                .first()
                .into_iter()
                .flatten()
                .filter_map(|units| units.first())
                .flatten()
                .copied()
                .collect();
            starts.sort_unstable();
            starts.dedup();
            let fits = |places: &Vec<usize>, at: usize| places.binary_search(&at).is_ok();
            let runs = align(&places, starts, fits);
            let positions = &self.unit_positions[section_slot(section)];
            spans.extend(unit_spans(section, positions, runs));
        }
        merged(spans)
    }
}

fn section_slot(section: Section) -> usize {
    match section {
        Section::Title => 0,
        Section::Body => 1,
    }
}
