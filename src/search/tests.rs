//! The search index only narrows: a search finds exactly the articles that matching every
//! stored article one by one finds, on generated articles and queries in several languages and
//! scripts, with the words the index spells otherwise than the matcher (`ß`, `ø`, `ı`, Greek
//! accents and final sigma, `й`), compounds, inflections, hyphens, ligatures and decomposed
//! accents.

use chrono::Utc;
use proptest::prelude::*;

use super::run::{Request, find};
use crate::matcher::{Article, Evaluation, Field, Language, Query, evaluate};
use crate::store::test_support::{article_with_text, open_with_feed};
use crate::store::{Store, StoredText, TextReader};

/// Words articles are made of: each rule of the matcher (stems that change a word's last letter
/// too: `happy`/`happi`, `brieven`/`brief`) and each spelling the index may hold.
const ARTICLE_WORDS: &[&str] = &[
    "Waffe",
    "Waffen",
    "Waffenlieferung",
    "Atomwaffen",
    "Kleinwaffe",
    "Verkäufe",
    "Verkauf",
    "Waffenverkäufe",
    "Gipfel",
    "Gipfeltreffen",
    "Straße",
    "Strasse",
    "STRASSE",
    "Ærø",
    "Aero",
    "Søren",
    "Soren",
    "Łódź",
    "Lodz",
    "Kırım",
    "Kirim",
    "Αθήνας",
    "Αθηνας",
    "ΑΘΗΝΑ",
    "йод",
    "иод",
    "Ёлка",
    "елка",
    "ﬁnance",
    "finance",
    "Ｐｕｔｉｎ",
    "Putin",
    "Putin's",
    "Putins",
    "e\u{301}lection",
    "élection",
    "election",
    "lying",
    "lie",
    "lies",
    "Nord-Stream",
    "Nord",
    "Stream",
    "Nordstream",
    "l'arme",
    "arme",
    "sale",
    "sales",
    "happy",
    "happiness",
    "brieven",
    "brief",
    "Häuser",
    "publication",
    "publique",
    "récemment",
    "récent",
];

/// Query words: the article words, their stems' neighbours and words that match nothing.
const QUERY_WORDS: &[&str] = &[
    "Waffe",
    "Waffen",
    "Lieferung",
    "Verkauf",
    "Gipfel",
    "Treffen",
    "Straße",
    "strasse",
    "Ærø",
    "aero",
    "Søren",
    "Lodz",
    "Kirim",
    "Kırım",
    "Αθήνας",
    "αθηνα",
    "йод",
    "Ёлка",
    "finance",
    "Putin",
    "élection",
    "lie",
    "Nord-Stream",
    "arme",
    "sale",
    "zzz",
    "happiness",
    "brieven",
    "Haus",
    "brief",
    "happy",
    "publication",
    "récemment",
];

fn leaf() -> impl Strategy<Value = Query> {
    let field = prop_oneof![Just(Field::Any), Just(Field::Title), Just(Field::Body)];
    let word = prop::sample::select(QUERY_WORDS);
    let term = (word.clone(), 2usize..6, any::<bool>(), field.clone()).prop_map(
        |(word, cut, prefix, field)| Query::Term {
            word: if prefix {
                word.chars().take(cut).collect()
            } else {
                word.to_owned()
            },
            prefix,
            field,
        },
    );
    let phrase =
        (prop::collection::vec(word, 1..3), field).prop_map(|(words, field)| Query::Phrase {
            words: words.into_iter().map(str::to_owned).collect(),
            field,
        });
    prop_oneof![3 => term, 1 => phrase]
}

fn query() -> impl Strategy<Value = Query> {
    leaf().prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Query::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Query::Or),
            (inner.clone(), inner.clone())
                .prop_map(|(yes, no)| Query::And(vec![yes, Query::Not(Box::new(no))])),
            (inner.clone(), inner, 1u32..4).prop_map(|(left, right, distance)| Query::Near {
                left: Box::new(left),
                right: Box::new(right),
                distance,
            }),
        ]
    })
}

fn text(words: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ARTICLE_WORDS), words)
        .prop_map(|words| words.join(" "))
}

/// (language, title, text) of a few articles.
fn articles() -> impl Strategy<Value = Vec<(Option<&'static str>, String, String)>> {
    let language = prop::sample::select(vec![
        Some("de"),
        Some("en"),
        Some("fr"),
        Some("nl"),
        Some("da"),
        Some("el"),
        Some("ru"),
        Some("tr"),
        Some("pl"),
        None,
    ]);
    prop::collection::vec((language, text(0..4), text(1..10)), 1..10)
}

/// The articles of `store` that match `query` when every one is matched with every word
/// normalised, with their evaluations, by id.
fn every_article(store: &Store, query: &Query, languages: &[String]) -> Vec<(i64, Evaluation)> {
    let reader = TextReader::open(store.path()).unwrap();
    let mut ids: Vec<(i64, Evaluation)> = store
        .search_candidates(&crate::store::CandidateFilter::default())
        .unwrap()
        .into_iter()
        .filter_map(|id| reader.text(id).unwrap())
        .filter(|article| {
            languages.is_empty()
                || article
                    .language
                    .as_ref()
                    .is_some_and(|code| languages.contains(code))
        })
        .filter_map(|article| {
            let evaluation = evaluate(
                query,
                &Article::new(&article.title, &article.text, language_of(&article)),
            );
            evaluation.matched.then_some((article.id, evaluation))
        })
        .collect();
    ids.sort_unstable_by_key(|(id, _)| *id);
    ids
}

fn language_of(article: &StoredText) -> Language {
    Language::from_code(article.language.as_deref().unwrap_or(""))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The index-narrowed search finds exactly the articles matching every article finds, with
    /// the same matched words although it normalises only the words that can matter.
    #[test]
    fn search_finds_what_matching_every_article_finds(
        articles in articles(),
        queries in prop::collection::vec(query(), 1..5),
        only_german in any::<bool>(),
    ) {
        let (_dir, mut store, feed) = open_with_feed();
        let now = Utc::now();
        for (index, (language, title, text)) in articles.iter().enumerate() {
            article_with_text(&mut store, feed, &format!("a{index}"), title, text, *language, now);
        }
        let languages = if only_german { vec!["de".to_owned()] } else { Vec::new() };
        for query in &queries {
            let request = Request { languages: languages.clone(), ..Request::default() };
            let found = find(&store, query, &request, None).unwrap();
            let mut ids: Vec<(i64, Evaluation)> = found
                .matches
                .iter()
                .map(|m| (m.article.id, m.evaluation.clone()))
                .collect();
            ids.sort_unstable_by_key(|(id, _)| *id);
            prop_assert_eq!(ids, every_article(&store, query, &languages), "{}", query);
        }
    }
}

/// Rows of (language, article text, query) that each match: a stem that differs from the word
/// in its last letter, the index's other spellings, compound parts, hyphens and apostrophes,
/// decomposed accents and ligatures. The search must find each article.
const MUST_FIND: [(Option<&str>, &str, &str); 15] = [
    (Some("en"), "a happy end", "happiness"),
    (Some("en"), "a new study", "studies"),
    (Some("en"), "he was lying", "lie"),
    (Some("de"), "die Straße", "Strasse"),
    (Some("da"), "Søren Kierkegaard", "Soren"),
    (Some("tr"), "Kırım", "Kirim"),
    (Some("el"), "στην Αθήνας", "Αθηνας"),
    (Some("ru"), "йод", "иод"),
    (Some("de"), "Atomwaffen", "Waffe"),
    (Some("de"), "Waffenverkäufe", "Verkauf"),
    (Some("en"), "the Nord-Stream pipeline", "\"Nord Stream\""),
    (Some("fr"), "l'arme", "arme"),
    (Some("fr"), "e\u{301}lection", "élection"),
    (Some("en"), "ﬁnance", "finance"),
    (Some("fr"), "publique", "publication"),
];

/// Each hard case is found, and by the index-narrowed search, not only by reading everything.
#[test]
fn search_finds_every_hard_case() {
    for (language, text, query) in MUST_FIND {
        let (_dir, mut store, feed) = open_with_feed();
        let id = article_with_text(&mut store, feed, "a", "", text, language, Utc::now());
        let query = crate::matcher::parse_query(query).unwrap();
        let found = find(&store, &query, &Request::default(), None).unwrap();
        let ids: Vec<i64> = found.matches.iter().map(|m| m.article.id).collect();
        assert_eq!(ids, vec![id], "{language:?}: {query} in {text:?}");
    }
}
