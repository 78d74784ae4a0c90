//! Unit tests of the topic set: the index finds exactly what evaluating every topic finds, on
//! hand-written word rules and on generated topics and articles.

use proptest::prelude::*;

use super::*;
use crate::matcher::eval::evaluate;
use crate::matcher::explain::why_not;
use crate::matcher::query::{Field, parse_query};
use crate::matcher::rule_tables;

/// What the index must reproduce: every applicable topic evaluated on its own.
fn every_topic(
    set: &TopicSet,
    article: &Article,
    language: Option<&str>,
) -> Vec<(usize, Evaluation)> {
    set.topics()
        .iter()
        .enumerate()
        .filter(|(_, topic)| topic.applies_to(language))
        .filter_map(|(index, topic)| {
            let evaluation = evaluate(&topic.query, article);
            evaluation.matched.then_some((index, evaluation))
        })
        .collect()
}

fn topic(query: &str, languages: &[&str]) -> Topic {
    Topic {
        name: query.to_owned(),
        query: parse_query(query).unwrap_or_else(|error| panic!("{query}: {error:?}")),
        languages: languages.iter().map(|code| (*code).to_owned()).collect(),
    }
}

/// The queries of the topics matching an article, checked against evaluating every topic.
fn matched(set: &TopicSet, code: &str, title: &str, body: &str) -> Vec<String> {
    let language = Language::from_code(code);
    let article = Article::new(title, body, language);
    let found = set.matching(&article, language.code());
    assert_eq!(
        found,
        every_topic(set, &article, language.code()),
        "{code}: {title} / {body}"
    );
    found
        .iter()
        .map(|(index, _)| set.topics()[*index].name.clone())
        .collect()
}

/// Table of (language, query, body, expected): each query alone, and all of them in one set
/// (so that candidates of other rows are ruled out correctly too).
fn check(rows: &[rule_tables::Rule]) {
    let all = TopicSet::new(
        rows.iter()
            .map(|(_, query, _, _)| topic(query, &[]))
            .collect(),
    );
    for &(code, query, body, expected) in rows {
        let alone = TopicSet::new(vec![topic(query, &[])]);
        assert_eq!(
            !matched(&alone, code, "", body).is_empty(),
            expected,
            "{code}: {query} in {body:?}"
        );
        let names = matched(&all, code, "", body);
        assert_eq!(
            names.iter().any(|name| name == query),
            expected,
            "{code}: {query} in {body:?}"
        );
    }
}

/// Whole words match stem to stem or folded (`Café` stems to `cafe` but `Cafe` to `caf`), and hyphenated parts count as words.
#[test]
fn index_matches_words_by_stem_fold_and_part() {
    check(rule_tables::WORDS);
}

/// Compound heads and tails match in compounding languages only, with four-letter parts.
#[test]
fn index_matches_compound_heads_and_tails() {
    check(rule_tables::COMPOUNDS);
}

/// `prefix*` matches starts of folded words and of hyphenated parts, not compound middles.
#[test]
fn index_matches_prefixes() {
    check(rule_tables::PREFIXES);
}

/// Issue 13: the index finds hyphenated words in every spelling, as the evaluator does.
#[test]
fn index_matches_hyphenated_words_apart_and_joined() {
    check(rule_tables::HYPHENS);
}

/// Phrases, NEAR, NOT and field scopes: the candidates found by one word are evaluated fully.
#[test]
fn index_evaluates_operators_like_the_evaluator() {
    check(
        &[
            rule_tables::PHRASES,
            rule_tables::NEAR,
            rule_tables::NOT,
            rule_tables::SCOPES,
        ]
        .concat(),
    );
    let set = TopicSet::new(vec![topic("title:arms", &[]), topic("body:deal", &[])]);
    assert_eq!(
        matched(&set, "en", "Arms", "a deal"),
        ["title:arms", "body:deal"]
    );
    assert_eq!(matched(&set, "en", "a deal", "arms"), Vec::<String>::new());
}

/// A topic restricted to languages skips other languages and unknown ones.
#[test]
fn index_respects_topic_languages() {
    let set = TopicSet::new(vec![
        topic("Waffe", &["de"]),
        topic("Waffe", &["en"]),
        topic("Waffe", &[]),
    ]);
    let de = Article::new("", "Waffen", Language::from_code("de"));
    let indices = |found: Vec<(usize, Evaluation)>| -> Vec<usize> {
        found.into_iter().map(|(index, _)| index).collect()
    };
    assert_eq!(indices(set.matching(&de, Some("de"))), [0, 2]);
    assert_eq!(indices(set.matching(&de, Some("en"))), [1, 2]);
    assert_eq!(indices(set.matching(&de, None)), [2]);
}

/// The demo topics on a German article: both match through compounds, with the same hits as
/// the evaluator, and the same set then serves an English article from its own tables.
#[test]
fn index_matches_the_demo_topics_in_both_languages() {
    let set = TopicSet::new(vec![
        topic(
            "(arms OR weapon* OR munition* OR artillery OR missile* OR Waffe OR Munition OR \
             Artillerie OR Rakete) NEAR/20 (deal OR sale OR sell OR buy OR purchase OR supply \
             OR Verkauf OR Kauf OR Lieferung OR Geschäft OR Gespräch)",
            &[],
        ),
        topic(
            "summit OR \"meets with\" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident OR \
             Staatschef))",
            &[],
        ),
        topic(
            "(football OR soccer OR Fußball) AND (transfer OR Wechsel)",
            &[],
        ),
    ]);
    let german = matched(
        &set,
        "de",
        "Kim reist zu Waffengesprächen nach Russland",
        "Zum Gipfeltreffen mit Putin: Gespräche über Waffenverkäufe gehen weiter.",
    );
    assert_eq!(german.len(), 2);
    let english = matched(&set, "en", "Kim meets with Putin", "talks on missile sales");
    assert_eq!(english.len(), 2);
    assert_eq!(
        matched(&set, "en", "Transfer news", "a football club").len(),
        1
    );
}

/// Queries the parser refuses but the type allows (only `NOT`) are evaluated for every article.
#[test]
fn purely_negative_queries_are_always_evaluated() {
    let not_arms = Topic {
        name: "not arms".into(),
        query: Query::Not(Box::new(parse_query("arms").expect("a word is a query"))),
        languages: Vec::new(),
    };
    let set = TopicSet::new(vec![not_arms]);
    assert_eq!(matched(&set, "en", "", "peace talks"), ["not arms"]);
    assert!(matched(&set, "en", "", "arms talks").is_empty());
}

/// The set is shared between tokio tasks.
#[test]
fn topic_set_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<TopicSet>();
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Article words (a few in pairs, for phrases): inflections, compounds (some sharing only a middle with query words),
/// hyphenated and elided words (and, for issue 13, a hyphenated name apart and joined), and
/// spellings with and without diacritics.
const ARTICLE_WORDS: [&str; 46] = [
    "Nord-Stream",
    "Nord Stream",
    "Nordstream",
    "Nord-Stream-Pipeline",
    "Nordstreamleitung",
    "Putin's",
    "Teillösung",
    "Café",
    "Teilkauf",
    "meets with",
    "Waffen Verkauf",
    "Gipfeltour",
    "Gipfelort",
    "Geschichtsbuch",
    "Waffe",
    "Waffen",
    "Waffengesprächen",
    "Verkauf",
    "Verkäufe",
    "Waffenverkäufe",
    "Gipfel",
    "Gipfeltreffen",
    "treffen",
    "Pferdesport",
    "Erde",
    "Erdengipfel",
    "sale",
    "sales",
    "arms",
    "weapons",
    "weaponry",
    "meets",
    "with",
    "Putin",
    "Präsident",
    "Wagner-Gruppe",
    "Gruppe",
    "GESCHÄFT",
    "Geschaftsfuhrer",
    "Gesprächsrunde",
    "l'arme",
    "Artillerie-Munitionslager",
    "Munition",
    "wapenleveranties",
    "deal",
    "x",
];

/// Query words: most article words, their parts, a hyphenated name (issue 13), and a few never
/// in articles.
const QUERY_WORDS: [&str; 31] = [
    "Nord-Stream",
    "Nord",
    "Stream",
    "Pipeline",
    "Lösung",
    "Cafe",
    "Geschichte",
    "Waffe",
    "Verkauf",
    "Gipfel",
    "treffen",
    "Erde",
    "Sport",
    "sale",
    "arms",
    "weapon",
    "meets",
    "with",
    "Putin",
    "Präsident",
    "Gruppe",
    "Geschäft",
    "Gespräch",
    "arme",
    "Munition",
    "wapen",
    "deal",
    "Kauf",
    "Lieferung",
    "Pferd",
    "zzz",
];

fn leaf() -> impl Strategy<Value = Query> {
    let field = prop_oneof![Just(Field::Any), Just(Field::Title), Just(Field::Body)];
    let word = prop::sample::select(&QUERY_WORDS[..]);
    let term = (word.clone(), 1usize..8, any::<bool>(), field.clone()).prop_map(
        |(word, cut, prefix, field)| Query::Term {
            // A prefix is the word cut to a few letters.
            word: if prefix {
                word.chars().take(cut).collect()
            } else {
                word.to_owned()
            },
            prefix,
            field,
        },
    );
    let words = prop_oneof![
        prop::collection::vec(word, 1..3),
        Just(vec!["meets", "with"]),
        Just(vec!["Waffe", "Verkauf"]),
        Just(vec!["Nord", "Stream"]),
        Just(vec!["Nord-Stream", "Pipeline"]),
    ];
    let phrase = (words, field).prop_map(|(words, field)| Query::Phrase {
        words: words.into_iter().map(str::to_owned).collect(),
        field,
    });
    prop_oneof![3 => term, 1 => phrase]
}

/// Any query tree, including shapes the parser refuses (`NOT` alone, `NOT` inside `NEAR`).
fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Query::Or),
            inner.clone().prop_map(|part| Query::Not(Box::new(part))),
            (inner.clone(), inner, 1u32..4).prop_map(|(left, right, distance)| Query::Near {
                left: Box::new(left),
                right: Box::new(right),
                distance,
            }),
        ]
    })
}

fn topics() -> impl Strategy<Value = Vec<Topic>> {
    let languages = prop::sample::subsequence(vec!["de", "en"], 0..=1);
    prop::collection::vec((query(), languages), 1..8).prop_map(|topics| {
        topics
            .into_iter()
            .enumerate()
            .map(|(index, (query, languages))| Topic {
                name: format!("topic {index}"),
                query,
                languages: languages.into_iter().map(str::to_owned).collect(),
            })
            .collect()
    })
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&ARTICLE_WORDS[..]), 0..12)
        .prop_map(|words| words.join(" "))
}

fn articles() -> impl Strategy<Value = Vec<(&'static str, String, String)>> {
    let code = prop::sample::select(vec!["de", "en", "nl", "xx"]);
    prop::collection::vec((code, text(), text()), 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The index finds the same topics with the same hits as evaluating every topic, for any
    /// topics and articles in any language, one set serving several languages.
    #[test]
    fn index_agrees_with_evaluating_every_topic(topics in topics(), articles in articles()) {
        let set = TopicSet::new(topics);
        for (code, title, body) in articles {
            let language = Language::from_code(code);
            let article = Article::new(&title, &body, language);
            for declared in [language.code(), None] {
                prop_assert_eq!(
                    set.matching(&article, declared),
                    every_topic(&set, &article, declared)
                );
            }
        }
    }
}

/// Query text over a hyphenated name, its pieces and its joined form, in terms, phrases,
/// prefixes and scopes, with operators.
fn hyphen_query_text() -> impl Strategy<Value = String> {
    rule_tables::query_text(
        "Nord-Stream|Nord|Stream|Nordstream|e-mail|email|G-7|Putin's|Wagner-Gruppe|Gruppe|Nord-St\\*",
        "\"(Nord-Stream|Nord Stream|Nord Stream pipeline|Nord-Stream-Pipeline|G 7)\"",
        "(title|body):(Nord-Stream|G-7|\"Nord Stream\")",
        "NEAR(/[1-3])?",
        8,
    )
}

/// Article text over the same words, written with hyphens, apart and joined.
fn hyphen_text() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "Nord-Stream",
        "Nord",
        "Stream",
        "Nordstream",
        "Nord\u{2011}Stream-2",
        "pipeline",
        "Nordstreamleitung",
        "e-mail",
        "email",
        "G-7",
        "G7",
        "Putin's",
        "Wagner-Gruppe",
        "x",
    ]);
    prop::collection::vec(word, 0..10).prop_map(|words| words.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Issue 13, the checks of the fuzz target `query_match` (`fuzz/fuzz_targets/checks.rs`) on
    /// hyphenated words: each parsed query prints to a form that parses back to it, the index
    /// matches exactly what evaluating every topic matches, and `why_not` is empty exactly on a
    /// match.
    #[test]
    fn hyphenated_queries_round_trip_and_index_evaluator_and_explanations_agree(
        queries in prop::collection::vec(hyphen_query_text(), 1..6),
        title in hyphen_text(),
        body in hyphen_text(),
        code in prop::sample::select(vec!["en", "de", "xx"]),
    ) {
        let mut topics = Vec::new();
        for (index, text) in queries.iter().enumerate() {
            let Ok(query) = parse_query(text) else {
                continue;
            };
            prop_assert_eq!(parse_query(&query.to_string()), Ok(query.clone()), "{}", query);
            topics.push(Topic { name: format!("topic {index}"), query, languages: Vec::new() });
        }
        let set = TopicSet::new(topics);
        let language = Language::from_code(code);
        let article = Article::new(&title, &body, language);
        let found = set.matching(&article, language.code());
        prop_assert_eq!(&found, &every_topic(&set, &article, language.code()));
        for (index, topic) in set.topics().iter().enumerate() {
            let matched = found.iter().any(|(topic, _)| *topic == index);
            prop_assert_eq!(why_not(&topic.query, &article).is_none(), matched, "{}", topic.query);
        }
    }
}
