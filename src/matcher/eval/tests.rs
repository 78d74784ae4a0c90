//! Unit tests of the evaluator: word rules as tables, the seed article, properties.

use super::*;
use crate::matcher::{parse_query, rule_tables};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

fn german(title: &str, body: &str) -> Article {
    Article::new(title, body, Language::from_code("de"))
}

fn matches(query: &str, article: &Article) -> bool {
    let query = parse_query(query).unwrap_or_else(|error| panic!("{query}: {error:?}"));
    evaluate(&query, article).matched
}

/// Table of (language, query, body, expected): one row per rule of word matching.
fn check(rows: &[rule_tables::Rule]) {
    for &(code, query, body, expected) in rows {
        let article = Article::new("", body, Language::from_code(code));
        assert_eq!(
            matches(query, &article),
            expected,
            "{code}: {query} in {body:?}"
        );
    }
}

/// Terms match stem to stem, folded, in the article's language.
#[test]
fn terms_match_by_stem_and_fold() {
    check(rule_tables::WORDS);
}

/// In compounding languages a term matches the first or last part of a compound, never
/// the middle, and only with parts of at least four letters.
#[test]
fn compound_parts_match_at_either_end_only() {
    check(rule_tables::COMPOUNDS);
}

/// `prefix*` matches words starting with the folded prefix, and hyphenated parts.
#[test]
fn prefix_matches_folded_word_starts() {
    check(rule_tables::PREFIXES);
}

/// Phrases need consecutive words, each stem-equal, in order.
#[test]
fn phrases_need_adjacent_words_in_order() {
    check(rule_tables::PHRASES);
}

/// Issue 13: a hyphenated word matches hyphenated, apart and joined, in terms and in phrases.
#[test]
fn hyphenated_words_match_apart_and_joined() {
    check(rule_tables::HYPHENS);
}

/// NEAR/n holds when the sides are at most n words apart, in either order.
#[test]
fn near_counts_words_between_sides_either_way() {
    check(rule_tables::NEAR);
}

/// NEAR sides must be in the same field: positions of title and body are not comparable.
#[test]
fn near_does_not_cross_fields() {
    let article = Article::new("arms", "deal", Language::from_code("en"));
    assert!(!matches("arms NEAR/5 deal", &article));
    assert!(matches("arms AND deal", &article));
}

/// title: and body: limit where a word counts; no scope means either.
#[test]
fn field_scopes_limit_where_words_count() {
    let article = Article::new(
        "Summit in Vladivostok",
        "arms deal",
        Language::from_code("en"),
    );
    assert!(matches("title:summit", &article));
    assert!(!matches("body:summit", &article));
    assert!(matches("summit", &article));
    assert!(matches("body:\"arms deal\"", &article));
    assert!(!matches("title:(arms OR deal)", &article));
    assert!(matches("title:summit AND body:arms", &article));
    check(rule_tables::SCOPES);
}

/// NOT excludes articles containing the word, and AND NOT keeps the others.
#[test]
fn not_excludes_articles_with_the_word() {
    check(rule_tables::NOT);
}

/// The matched words are reported with field, position and spelling, without the words
/// between the sides of a NEAR.
#[test]
fn hits_name_the_matched_words() {
    let article = Article::new(
        "Kim trifft Putin",
        "Gespräche über Waffenverkäufe",
        Language::from_code("de"),
    );
    let query = parse_query("Putin OR (Waffe NEAR/3 Gespräch)").unwrap();
    let evaluation = evaluate(&query, &article);
    let hits: Vec<(Section, u32, &str)> = evaluation
        .hits
        .iter()
        .map(|hit| (hit.section, hit.position, hit.word.as_str()))
        .collect();
    assert_eq!(
        hits,
        [
            (Section::Title, 2, "Putin"),
            (Section::Body, 0, "Gespräche"),
            (Section::Body, 2, "Waffenverkäufe"),
        ]
    );
    assert_eq!(evaluation.hits[2].offset, "Gespräche über ".len());
    let none = evaluate(&parse_query("Fußball").unwrap(), &article);
    assert_eq!(none, Evaluation::default());
}

const SEED_TITLE: &str = "Kim Jong-un und Putin treffen sich zu Waffengesprächen";
/// Sentences of /work/shared/seed/kim-putin-waffengespraeche.txt (a DW-style German report).
const SEED_BODY: &str = "Der nordkoreanische Machthaber Kim Jong-un will noch in diesem \
    Monat nach Russland reisen, um mit dem russischen Präsidenten Wladimir Putin über die \
    Möglichkeit zu sprechen, dass Pjöngjang Moskau mehr Waffen für den Krieg in der Ukraine \
    liefert. Nach Angaben der New York Times will Putin, dass Nordkorea Russland Artillerie \
    und Panzerabwehrraketen verkauft. Adrienne Watson erklärte jedoch, dass Kim die \
    Gespräche über Waffenverkäufe an Russland fortsetzen wolle. Konkret berichtete das \
    Weiße Haus, dass der russische Verteidigungsminister Sergej Schoigu Ende Juli nach \
    Pjöngjang reiste, um den Kauf von Artilleriemunition zu beantragen.";

/// The seed article: the arms-deal and summit topics match, a sports topic does
/// not.
#[test]
fn german_seed_article_matches_arms_and_summit_topics_only() {
    let article = german(SEED_TITLE, SEED_BODY);
    let arms = "(arms OR weapon* OR munition* OR artillery OR missile* OR Waffe OR Munition \
                OR Artillerie OR Rakete) NEAR/20 (deal OR sale OR sell OR buy OR purchase OR \
                supply OR Verkauf OR Kauf OR Lieferung OR Geschäft OR Gespräch)";
    let summit = "summit OR \"meets with\" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident \
                  OR Staatschef))";
    let sports = "(football OR soccer OR Fußball) AND (transfer OR Wechsel)";
    assert!(matches(arms, &article));
    assert!(matches(summit, &article));
    assert!(!matches(sports, &article));
    let title_only = german(SEED_TITLE, "");
    assert!(matches(arms, &title_only), "Waffengesprächen is both sides");
}

/// Words with and without diacritics, some decomposable, for generated articles.
fn text_with_accents() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("Geschäft"),
        Just("Verkäufe"),
        Just("élection"),
        Just("Fußball"),
        Just("Waffengesprächen"),
        Just("arms"),
        Just("deal"),
        Just("Ñandú"),
        Just("x"),
        Just("Gipfel-Treffen"),
    ];
    prop::collection::vec(word, 0..20).prop_map(|words| words.join(" "))
}

/// Query-like text over the same vocabulary, with operators and scopes.
fn query_text() -> impl Strategy<Value = String> {
    rule_tables::query_text(
        "Geschäft|Verkauf|election|Fussball|Waffe|arms|deal|Ñandú|Gipfel|Treffen|ge\\*|wa\\*",
        "\"arms deal\"",
        "(title|body):(arms|deal)",
        "NEAR(/[0-9]{1,2})?",
        10,
    )
}

fn language() -> impl Strategy<Value = Language> {
    prop_oneof!["en", "de", "fr", "nl", "ru", "xx"].prop_map(|code| Language::from_code(&code))
}

proptest! {
    /// Arbitrary text never makes evaluation panic, and hits only exist on a match.
    #[test]
    fn evaluation_never_panics(
        title in any::<String>(),
        body in any::<String>(),
        query in query_text(),
        language in language(),
    ) {
        if let Ok(query) = parse_query(&query) {
            let evaluation = evaluate(&query, &Article::new(&title, &body, language));
            prop_assert!(evaluation.matched || evaluation.hits.is_empty());
        }
    }

    /// Composed (NFC) and decomposed (NFD) spellings of the same article match alike.
    #[test]
    fn composed_and_decomposed_text_match_alike(
        title in text_with_accents(),
        body in text_with_accents(),
        query in query_text(),
        language in language(),
    ) {
        if let Ok(query) = parse_query(&query) {
            let nfc = Article::new(
                &title.nfc().collect::<String>(), &body.nfc().collect::<String>(), language);
            let nfd = Article::new(
                &title.nfd().collect::<String>(), &body.nfd().collect::<String>(), language);
            let positions = |evaluation: Evaluation| -> Vec<(Section, u32)> {
                evaluation.hits.iter().map(|hit| (hit.section, hit.position)).collect()
            };
            let (composed, decomposed) = (evaluate(&query, &nfc), evaluate(&query, &nfd));
            prop_assert_eq!(composed.matched, decomposed.matched);
            prop_assert_eq!(positions(composed), positions(decomposed));
        }
    }
}
