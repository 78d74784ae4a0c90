//! From a topic query to the search index query that narrows its candidates.
//!
//! The index (`article_search`, see `store::search_index`) holds each article's words as
//! SQLite's tokenizer spells them, without positions. A query is narrowed leaf by leaf to
//! prefixes that every article word it can match must start with, in the index's spelling:
//! - a term: the part its folded form and its stem share, less the letters a stemmer may have
//!   rewritten at its end (`happy`/`happi`; none in German), in every language the search
//!   covers;
//!   a `prefix*`: its folded form; both taken from after the first hyphen or apostrophe when
//!   the word has one (the index splits words there);
//! - a phrase: every word, like a term; `AND` and `NEAR`: every side; `OR`: any side;
//!   `NOT`: nothing (it cannot narrow), so `a AND NOT b` is narrowed by `a` alone;
//!   `title:`/`body:`: as without the scope;
//! - a term may also match the last part of a compound (`Verkauf` in `Waffenverkäufe`) in
//!   German, Dutch and the Nordic languages, which a prefix cannot find: the word ends index
//!   (`article_ends`) finds the words that end in its folded form or stem.
//!
//! Where the index cannot narrow, the plan widens instead of guessing:
//! - stemmers that also rewrite the start of a word (Arabic, Greek, Tamil) make their articles
//!   read whole for terms and phrases;
//! - a word with fewer than two letters to narrow on, or too many index spellings, narrows
//!   nothing.
//!
//! The matcher then decides on every candidate, so a wider plan costs time, never results.

use crate::matcher::eval::other_spellings;
use crate::matcher::words::{is_joiner, spellings};
use crate::matcher::{Field, Form, Language, Query};
use crate::store::{IndexQuery, language_word, search_index_spellings, search_term_ends};

/// Most index spellings one query prefix is turned into; beyond it the prefix is shortened.
const MAX_SPELLINGS: usize = 64;

/// Fewest letters a prefix needs to narrow anything.
const MIN_PREFIX_CHARS: usize = 2;

/// Languages whose stemmers rewrite more than the end of a word (Arabic drops prefixes and
/// normalises letters; Greek and Tamil rewrite whole syllables), so that a stem says nothing
/// about how the word starts.
const UNPREFIXED_STEMS: [&str; 3] = ["ar", "el", "ta"];

/// How a query's candidates are found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Narrowing {
    /// What every matching article satisfies, unless it is listed as unindexed; `None` when
    /// nothing narrows and every article is a candidate.
    pub index_query: Option<IndexQuery>,
}

/// The narrowing of `query` over articles in `languages` (ISO 639-1 codes; empty for any
/// language, including unknown ones). Each language is narrowed by its own stems; languages
/// that narrow alike are queried together.
pub fn narrowing(query: &Query, languages: &[String]) -> Narrowing {
    let planner = Planner {
        languages: scope(languages),
    };
    Narrowing {
        index_query: planner.cover(query).into_query(),
    }
}

/// Which article words `query` can match in `language`, by their folded form: a search then
/// only normalises those words of an article (the rest cannot change whether or how it
/// matches). Every word of the query counts, those under `NOT` too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelevantWords {
    /// The folded prefixes of the query's words (see [`word_prefix`]).
    needles: Vec<String>,
    /// In languages that write compounds as one word a term may also be a word's last part,
    /// so a needle may stand anywhere in a word; elsewhere a word, or one of its parts between
    /// hyphens and apostrophes, starts with it.
    anywhere: bool,
}

impl RelevantWords {
    /// Whether the article word whose folded form is `folded` can matter.
    pub fn admit(&self, folded: &str) -> bool {
        if self.anywhere {
            return self.needles.iter().any(|n| folded.contains(n.as_str()));
        }
        folded
            .split(is_joiner)
            .any(|part| self.needles.iter().any(|n| part.starts_with(n.as_str())))
    }
}

/// The words `query` can match in `language`; `None` when any word may matter.
pub fn relevant_words(query: &Query, language: Language) -> Option<RelevantWords> {
    let mut needles = Vec::new();
    collect_needles(query, language, &mut needles)?;
    needles.sort();
    needles.dedup();
    Some(RelevantWords {
        needles,
        anywhere: language.has_compounds(),
    })
}

fn collect_needles(query: &Query, language: Language, needles: &mut Vec<String>) -> Option<()> {
    match query {
        Query::Term { word, prefix, .. } => {
            needles.push(leaf_prefix(word, Compared::term(*prefix), language)?);
            for other in other_spellings(word, *prefix, Field::Any) {
                collect_needles(&other, language, needles)?;
            }
        }
        Query::Phrase { words, .. } => {
            for word in words {
                for units in spellings(word, str::to_owned) {
                    for unit in units {
                        needles.push(leaf_prefix(&unit, Compared::Stem, language)?);
                    }
                }
            }
        }
        Query::And(parts) | Query::Or(parts) => {
            for part in parts {
                collect_needles(part, language, needles)?;
            }
        }
        Query::Near { left, right, .. } => {
            collect_needles(left, language, needles)?;
            collect_needles(right, language, needles)?;
        }
        Query::Not(inner) => collect_needles(inner, language, needles)?,
    }
    Some(())
}

/// The languages a search plans for: the ones asked for, else every known one and unknown.
fn scope(languages: &[String]) -> Vec<Language> {
    if languages.is_empty() {
        return Language::known()
            .chain(std::iter::once(Language::UNKNOWN))
            .collect();
    }
    languages
        .iter()
        .map(|code| Language::from_code(code))
        .collect()
}

/// What narrows one part of a query.
#[derive(Debug, Clone, PartialEq)]
enum Cover {
    /// Nothing: every article may match.
    Everything,
    /// Articles the index query finds.
    Index(IndexQuery),
}

impl Cover {
    fn into_query(self) -> Option<IndexQuery> {
        match self {
            Cover::Everything => None,
            Cover::Index(query) => Some(query),
        }
    }
}

/// An FTS5 query for any of `prefixes`, each quoted and starred.
fn any_prefix(prefixes: &[String]) -> String {
    prefixes
        .iter()
        .map(|prefix| format!("\"{prefix}\"*"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Plans for the articles of the languages of a search: each word by each language's own
/// stems, the languages that narrow a word alike together.
struct Planner {
    languages: Vec<Language>,
}

/// How a query word is compared with article words.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Compared {
    /// By stem or folded form (terms, phrase words).
    Stem,
    /// By the start of the folded form (`prefix*`).
    Prefix,
}

impl Compared {
    /// How a term is compared: written `word*` or not.
    fn term(prefix: bool) -> Compared {
        if prefix {
            Compared::Prefix
        } else {
            Compared::Stem
        }
    }
}

impl Planner {
    fn cover(&self, query: &Query) -> Cover {
        match query {
            Query::Term { word, prefix, .. } => {
                let compared = Compared::term(*prefix);
                let written = self.by_language(|language| {
                    let mut covers = vec![word_cover(word, compared, language)];
                    if !prefix {
                        covers.extend(ends_cover(word, language));
                    }
                    any(covers)
                });
                let others = other_spellings(word, *prefix, Field::Any);
                let mut covers = vec![written];
                covers.extend(others.iter().map(|other| self.cover(other)));
                any(covers)
            }
            Query::Phrase { words, .. } => {
                all(words.iter().map(|w| self.phrase_word_cover(w)).collect())
            }
            Query::And(parts) => all(parts.iter().map(|part| self.cover(part)).collect()),
            Query::Or(parts) => any(parts.iter().map(|part| self.cover(part)).collect()),
            Query::Near { left, right, .. } => all(vec![self.cover(left), self.cover(right)]),
            Query::Not(_) => Cover::Everything,
        }
    }

    /// A phrase word stands as one of its spellings, each a run of units compared by stem.
    fn phrase_word_cover(&self, word: &str) -> Cover {
        let spelled: Vec<Vec<String>> = spellings(word, str::to_owned);
        let covers = spelled
            .into_iter()
            .map(|units| {
                all(units
                    .iter()
                    .map(|unit| {
                        self.by_language(|language| word_cover(unit, Compared::Stem, language))
                    })
                    .collect())
            })
            .collect();
        any(covers)
    }

    /// The cover of a word made of each language's: one query when all languages agree,
    /// else each group of languages that agree with its own, restricted to their articles by
    /// the language word both indexes hold.
    fn by_language(&self, cover: impl Fn(Language) -> Cover) -> Cover {
        let mut groups: Vec<(Cover, Vec<Language>)> = Vec::new();
        for &language in &self.languages {
            let covered = cover(language);
            match groups.iter_mut().find(|(other, _)| *other == covered) {
                Some((_, members)) => members.push(language),
                None => groups.push((covered, vec![language])),
            }
        }
        if groups.len() == 1 {
            return groups.pop().map_or(Cover::Everything, |(cover, _)| cover);
        }
        let mut parts = Vec::with_capacity(groups.len());
        for (cover, members) in groups {
            let languages = LanguageWords::of(&members);
            match cover {
                Cover::Index(query) => parts.push(languages.restrict(query)),
                // A group whose stems narrow nothing: all its articles, if that can be said.
                Cover::Everything if !languages.unknown => {
                    parts.push(IndexQuery::Words(languages.known.clone()));
                }
                Cover::Everything => return Cover::Everything,
            }
        }
        Cover::Index(IndexQuery::Any(parts))
    }
}

/// The articles of some languages, in index words: the languages' own words (`xlangde`), and
/// whether articles in none of the known languages belong too (they are those without any of
/// the known languages' words).
struct LanguageWords {
    /// FTS5 `OR` of the language words of the known languages among them.
    known: String,
    /// Whether the unknown languages are among them.
    unknown: bool,
}

impl LanguageWords {
    fn of(languages: &[Language]) -> LanguageWords {
        LanguageWords {
            known: any_language_word(languages.iter().copied()),
            unknown: languages.contains(&Language::UNKNOWN),
        }
    }

    /// `query` for the articles of these languages only: each FTS5 query of its leaves
    /// intersected with the language words.
    fn restrict(&self, query: IndexQuery) -> IndexQuery {
        match query {
            IndexQuery::Words(words) => IndexQuery::Words(self.restrict_words(&words, true)),
            // Only articles in compounding (so known) languages have word ends.
            IndexQuery::Ends(ends) => IndexQuery::Ends(self.restrict_words(&ends, false)),
            IndexQuery::All(parts) => {
                IndexQuery::All(parts.into_iter().map(|p| self.restrict(p)).collect())
            }
            IndexQuery::Any(parts) => {
                IndexQuery::Any(parts.into_iter().map(|p| self.restrict(p)).collect())
            }
        }
    }

    fn restrict_words(&self, query: &str, with_unknown: bool) -> String {
        let mut alternatives = Vec::new();
        if !self.known.is_empty() {
            alternatives.push(format!("(({query}) AND ({}))", self.known));
        }
        if self.unknown && with_unknown {
            alternatives.push(format!(
                "(({query}) NOT ({}))",
                any_language_word(Language::known())
            ));
        }
        if alternatives.is_empty() {
            // No language of the group can have such words: match nothing.
            return "\"xlang\" NOT \"xlang\"".to_owned();
        }
        alternatives.join(" OR ")
    }
}

/// FTS5 `OR` of the index words of `languages` (every code each goes by); empty for none
/// or only the unknown language.
fn any_language_word(languages: impl Iterator<Item = Language>) -> String {
    languages
        .flat_map(Language::spellings)
        .map(|code| format!("\"{}\"", language_word(code)))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The words a term may be the last part of, if `language` writes compounds as one word;
/// `None` otherwise.
fn ends_cover(word: &str, language: Language) -> Option<Cover> {
    let ends = search_term_ends(word, language);
    (!ends.is_empty()).then(|| Cover::Index(IndexQuery::Ends(any_prefix(&ends))))
}

/// The prefixes, in the index's spellings, that an article word in `language` matching `word`
/// starts with.
fn word_cover(word: &str, compared: Compared, language: Language) -> Cover {
    leaf_prefix(word, compared, language)
        .and_then(|prefix| index_spellings(&prefix))
        .map_or(Cover::Everything, |spelled| {
            Cover::Index(IndexQuery::Words(any_prefix(&spelled)))
        })
}

/// [`word_prefix`], except in languages whose stems say nothing about how a word starts
/// ([`UNPREFIXED_STEMS`]), where a word compared by stem has none.
fn leaf_prefix(word: &str, compared: Compared, language: Language) -> Option<String> {
    let unprefixed = language
        .code()
        .is_some_and(|code| UNPREFIXED_STEMS.contains(&code));
    if unprefixed && compared == Compared::Stem {
        return None;
    }
    word_prefix(word, compared, language)
}

/// The folded prefix every article word matching `word` in `language` starts with (or whose
/// index piece after the first hyphen starts with); `None` when it is too short to narrow.
fn word_prefix(word: &str, compared: Compared, language: Language) -> Option<String> {
    let form = Form::of(word, language);
    let base: String = match compared {
        Compared::Prefix => form.folded,
        Compared::Stem => stem_safe_prefix(&form, language),
    };
    let piece = match base.find(is_joiner) {
        Some(at) => {
            let rest = &base[at..];
            rest.trim_start_matches(is_joiner).to_owned()
        }
        None => base,
    };
    let letters: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
    (letters.chars().count() >= MIN_PREFIX_CHARS).then_some(letters)
}

/// The start of a word that every word with the same stem (or folded form) shares: what the
/// folded form has in common with the stem less the letters at its end a stemmer may have
/// rewritten ([`rewritten_letters`]).
fn stem_safe_prefix(form: &Form, language: Language) -> String {
    if !language.stems() {
        return form.folded.clone();
    }
    let english_ie = language.code() == Some("en") && form.stem.ends_with("ie");
    let drop = if english_ie {
        3
    } else {
        rewritten_letters(language, &form.stem)
    };
    let stem: Vec<char> = form.stem.chars().collect();
    let kept = &stem[..stem.len().saturating_sub(drop)];
    form.folded
        .chars()
        .zip(kept)
        .take_while(|(a, b)| a == *b)
        .map(|(a, _)| a)
        .collect()
}

/// How many letters at the end of `stem` its language's Snowball stemmer may have rewritten
/// rather than only cut off: a stem less that many letters starts every word it stands for.
/// German, Russian and the Scandinavian stemmers only remove endings. English rewrites a last
/// `y` to `i` (`happy` → `happi`, and `skies` → `sky`) and ends some replaced suffixes in `e` or
/// `l` (`relational` → `relate`, `possibility` → `possibl`), so only such stems lose a letter;
/// Spanish, Italian and Dutch change one last letter, French two (`publication` → `publiqu`,
/// `récemment` → `recent`), and the stemmers without a word list to check them on get as many.
/// English's `dying` → `die`, `lying` → `lie` are the one exception, handled where stems ending
/// in `ie` are. (Checked on every word of the development corpora by
/// `stems_start_the_words_they_stand_for`.)
fn rewritten_letters(language: Language, stem: &str) -> usize {
    match language.code() {
        Some("de" | "ru" | "sv" | "da" | "no") => 0,
        Some("en") => usize::from(stem.ends_with(['i', 'e', 'l', 'y'])),
        Some("es" | "it" | "nl") => 1,
        _ => 2,
    }
}

/// Every way the index may spell a word starting with the folded `prefix`, shortened until
/// there are few enough; `None` when that leaves fewer than two letters.
fn index_spellings(prefix: &str) -> Option<Vec<String>> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while chars.len() >= MIN_PREFIX_CHARS {
        let prefix: String = chars.iter().collect();
        if let Some(spelled) = spell(&prefix, MAX_SPELLINGS) {
            return Some(spelled);
        }
        chars.pop();
    }
    None
}

/// The index spellings of words starting with `folded`, or `None` if there are more than
/// `cap`. A table entry whose folded form runs past the end of `folded` (`ß` for a prefix
/// ending in `s`) still spells its start.
fn spell(folded: &str, cap: usize) -> Option<Vec<String>> {
    let mut done: Vec<String> = Vec::new();
    let mut open: Vec<(usize, String)> = vec![(0, String::new())];
    while let Some((at, spelled)) = open.pop() {
        let rest = &folded[at..];
        let Some(first) = rest.chars().next() else {
            done.push(spelled);
            if done.len() > cap {
                return None;
            }
            continue;
        };
        open.push((at + first.len_utf8(), format!("{spelled}{first}")));
        for &(ours, index) in search_index_spellings() {
            if rest.starts_with(ours) {
                open.push((at + ours.len(), format!("{spelled}{index}")));
            } else if ours.starts_with(rest) {
                open.push((folded.len(), format!("{spelled}{index}")));
            }
        }
        if done.len() + open.len() > cap * 4 {
            return None;
        }
    }
    done.sort();
    done.dedup();
    Some(done)
}

fn all(covers: Vec<Cover>) -> Cover {
    let parts: Vec<IndexQuery> = covers
        .into_iter()
        .filter_map(|cover| match cover {
            Cover::Everything => None,
            Cover::Index(query) => Some(query),
        })
        .collect();
    match parts.len() {
        0 => Cover::Everything,
        1 => Cover::Index(parts.into_iter().next().expect("one part")),
        _ => Cover::Index(IndexQuery::All(parts)),
    }
}

fn any(covers: Vec<Cover>) -> Cover {
    let mut parts = Vec::with_capacity(covers.len());
    for cover in covers {
        match cover {
            Cover::Everything => return Cover::Everything,
            Cover::Index(query) => parts.push(query),
        }
    }
    match parts.len() {
        0 => Cover::Everything,
        1 => Cover::Index(parts.into_iter().next().expect("one part")),
        _ => Cover::Index(IndexQuery::Any(parts)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::parse_query;

    /// The index query as one line: words queries as they are, ends queries after `ends:`.
    fn text(query: &IndexQuery) -> String {
        let join = |parts: &[IndexQuery], op: &str| {
            let parts: Vec<String> = parts.iter().map(text).collect();
            format!("({})", parts.join(op))
        };
        match query {
            IndexQuery::Words(words) => words.clone(),
            IndexQuery::Ends(ends) => format!("ends:{ends}"),
            IndexQuery::All(parts) => join(parts, " AND "),
            IndexQuery::Any(parts) => join(parts, " OR "),
        }
    }

    fn plan(query: &str, languages: &[&str]) -> Option<String> {
        let languages: Vec<String> = languages.iter().map(|l| (*l).to_owned()).collect();
        let narrowed = narrowing(&parse_query(query).unwrap(), &languages);
        narrowed.index_query.as_ref().map(text)
    }

    fn index_query(query: &str, languages: &[&str]) -> String {
        plan(query, languages).unwrap()
    }

    /// A term narrows to its stem's start in every language, and in compounding languages
    /// also to the words ending in it.
    #[test]
    fn terms_narrow_to_the_start_of_their_stem_and_compound_ends() {
        assert_eq!(index_query("Putin", &["en"]), "\"putin\"* OR \"putın\"*");
        assert_eq!(index_query("happy", &["en"]), "\"happ\"*");
        assert_eq!(
            index_query("Waffe", &["de"]),
            "(\"waff\"* OR ends:\"effaw\"* OR \"ffaw\"*)"
        );
        assert_eq!(plan("Waffe", &["el"]), None);
    }

    /// Each language is narrowed by its own stems, languages that narrow alike together (each
    /// group intersected with its language words), and a language whose stems cannot narrow
    /// is read whole.
    #[test]
    fn languages_are_narrowed_by_their_own_stems() {
        let query = index_query("Streik", &["de", "fr", "el"]);
        assert!(
            query.contains("((\"streik\"* OR \"streık\"*) AND (\"xlangde\""),
            "{query}"
        );
        assert!(
            query.contains("ends:((\"kierts\"*) AND (\"xlangde\""),
            "{query}"
        );
        assert!(query.contains("((\"stre\"*) AND (\"xlangfr\""), "{query}");
        assert!(query.contains("\"xlangel\" OR \"xlangell\""), "{query}");
        let unknown = index_query("Streik", &[]);
        assert!(unknown.contains(") NOT (\"xlangen\""), "{unknown}");
    }

    /// Letters the index spells otherwise (`ß`, `ø`, `ı`) become alternatives, also for a
    /// prefix that ends inside the folded form of one (`s` of `ß`).
    #[test]
    fn differently_spelled_letters_become_alternatives() {
        let query = index_query("strasse*", &["de"]);
        assert!(query.contains("\"strasse\"*"), "{query}");
        assert!(query.contains("\"straße\"*"), "{query}");
        let query = index_query("stras*", &["de"]);
        assert!(query.contains("\"straß\"*"), "{query}");
    }

    /// AND narrows by every side, OR by any, NOT by nothing, phrases by every word.
    #[test]
    fn operators_combine_their_sides() {
        assert_eq!(index_query("Waffe* AND NOT Frieden", &["en"]), "\"waffe\"*");
        assert_eq!(
            index_query("Waffe* OR Panzer*", &["en"]),
            "(\"waffe\"* OR \"panzer\"*)"
        );
        let phrase = index_query("\"Kim summit\"", &["en"]);
        assert!(phrase.starts_with("(\"kim\"* OR \"kım\"* AND"), "{phrase}");
        let near = index_query("Waffe* NEAR/10 Russland*", &["en"]);
        assert!(
            near.starts_with("(\"waffe\"* AND \"russland\"* OR "),
            "{near}"
        );
        assert!(near.contains("\"rußland\"*"), "{near}");
    }

    /// A word too short to narrow leaves the whole query unnarrowed when it stands alone.
    #[test]
    fn short_words_narrow_nothing() {
        assert_eq!(plan("EU", &["fr"]), None);
        assert_eq!(index_query("EU AND Panzer*", &["fr"]), "\"panzer\"*");
    }

    /// Every word of the development corpora starts with its stem less the rewritten letters,
    /// in each language with words there: the rule the plan's prefixes rest on.
    #[test]
    fn stems_start_the_words_they_stand_for() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/extraction");
        let files = [
            "fundus-news/ground-truth.json",
            "wcxb-articles-dev/ground-truth.json",
            "trafilatura-eval-dev/evaldata.json",
        ];
        let mut texts = Vec::new();
        for file in files {
            let Ok(json) = std::fs::read_to_string(format!("{root}/{file}")) else {
                eprintln!("skipped: ../shared/extraction is not here");
                return;
            };
            long_strings(&serde_json::from_str(&json).unwrap(), &mut texts);
        }
        let mut checked = 0;
        for text in &texts {
            let Some(code) = crate::language::of_article(text, [None]) else {
                continue;
            };
            let language = Language::from_code(&code);
            if !language.stems() || UNPREFIXED_STEMS.contains(&code.as_str()) {
                continue;
            }
            for (_, word) in crate::matcher::split_words(text) {
                let form = Form::of(word, language);
                let prefix = stem_safe_prefix(
                    &Form {
                        folded: form.stem.clone(),
                        ..form.clone()
                    },
                    language,
                );
                assert!(
                    form.folded.starts_with(&prefix),
                    "{code}: {word} -> {}",
                    form.stem
                );
                checked += 1;
            }
        }
        assert!(checked > 100_000, "{checked}");
    }

    fn long_strings(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) if text.len() > 200 => out.push(text.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| long_strings(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| long_strings(v, out)),
            _ => {}
        }
    }

    /// Hyphenated words narrow on the piece after the hyphen, which the index keeps apart.
    #[test]
    fn hyphenated_words_narrow_on_their_second_piece() {
        let narrowed = index_query("Nord-Stream*", &["en"]);
        assert!(narrowed.contains("\"stream\"*"), "{narrowed}");
    }
}
