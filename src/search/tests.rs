//! The search index only narrows: a search finds exactly the articles that matching every
//! stored article one by one finds, on generated articles and queries in several languages and
//! scripts, with the words the index spells otherwise than the matcher (`ß`, `ø`, `ı`, Greek
//! accents and final sigma, `й`), compounds, inflections, hyphens, ligatures and decomposed
//! accents.

use chrono::Utc;
use proptest::prelude::*;

use super::run::{Request, find, match_stored};
use crate::matcher::{Field, Query};
use crate::store::test_support::{article_with_text, open_with_feed};
use crate::store::{Store, TextReader};

/// Words articles are made of: each rule of the matcher and each spelling the index may hold.
const ARTICLE_WORDS: [&str; 48] = [
    "Waffe", "Waffen", "Waffenlieferung", "Atomwaffen", "Kleinwaffe", "Verkäufe", "Verkauf",
    "Waffenverkäufe", "Gipfel", "Gipfeltreffen", "Straße", "Strasse", "STRASSE", "Ærø", "Aero",
    "Søren", "Soren", "Łódź", "Lodz", "Kırım", "Kirim", "Αθήνας", "Αθηνας", "ΑΘΗΝΑ", "йод",
    "иод", "Ёлка", "елка", "ﬁnance", "finance", "Ｐｕｔｉｎ", "Putin", "Putin's", "Putins",
    "e\u{301}lection", "élection", "election", "lying", "lie", "lies", "Nord-Stream", "Nord",
    "Stream", "Nordstream", "l'arme", "arme", "sale", "sales",
];

/// Query words: the article words, their stems' neighbours and words that match nothing.
const QUERY_WORDS: [&str; 26] = [
    "Waffe", "Waffen", "Lieferung", "Verkauf", "Gipfel", "Treffen", "Straße", "strasse", "Ærø",
    "aero", "Søren", "Lodz", "Kirim", "Kırım", "Αθήνας", "αθηνα", "йод", "Ёлка", "finance",
    "Putin", "élection", "lie", "Nord-Stream", "arme", "sale", "zzz",
];

fn leaf() -> impl Strategy<Value = Query> {
    let field = prop_oneof![Just(Field::Any), Just(Field::Title), Just(Field::Body)];
    let word = prop::sample::select(&QUERY_WORDS[..]);
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
    let phrase = (prop::collection::vec(word, 1..3), field).prop_map(|(words, field)| {
        Query::Phrase {
            words: words.into_iter().map(str::to_owned).collect(),
            field,
        }
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
    prop::collection::vec(prop::sample::select(&ARTICLE_WORDS[..]), words)
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

/// The ids of the articles of `store` that match `query` when every one is matched.
fn every_article(store: &Store, query: &Query, languages: &[String]) -> Vec<i64> {
    let reader = TextReader::open(store.path()).unwrap();
    let mut ids: Vec<i64> = store
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
        .filter(|article| match_stored(query, article).is_some())
        .map(|article| article.id)
        .collect();
    ids.sort_unstable();
    ids
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The index-narrowed search finds exactly the articles matching every article finds.
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
            let mut ids: Vec<i64> = found.matches.iter().map(|m| m.article.id).collect();
            ids.sort_unstable();
            prop_assert_eq!(ids, every_article(&store, query, &languages), "{}", query);
        }
    }
}
