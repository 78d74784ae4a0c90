//! Unit tests of the query parser: canonical forms, precedence, error offsets, properties.

use super::parser::term;
use super::*;
use proptest::prelude::*;

/// Valid queries and their canonical form; each canonical form parses to the same query.
#[test]
fn valid_queries_have_a_canonical_form() {
    let cases = [
        ("arms", "arms"),
        ("arms deal", "arms AND deal"),
        ("arms AND deal", "arms AND deal"),
        ("a b OR c", "a AND b OR c"),
        ("a (b OR c)", "a AND (b OR c)"),
        ("arms and deal", "arms AND and AND deal"),
        ("weapon*", "weapon*"),
        ("\"meets  with\"", "\"meets with\""),
        ("\"U.S. sanctions\"", "\"U S sanctions\""),
        (
            "Nord-Stream l'arme l’arme",
            "Nord-Stream AND l'arme AND l’arme",
        ),
        ("a NEAR b", "a NEAR/10 b"),
        ("a NEAR/3 b NEAR/5 c", "(a NEAR/3 b) NEAR/5 c"),
        ("a NEAR/2 (b NEAR c)", "a NEAR/2 (b NEAR/10 c)"),
        ("NOT a b", "NOT a AND b"),
        ("a AND NOT (b OR c)", "a AND NOT (b OR c)"),
        ("a NOT b", "a AND NOT b"),
        (
            "title:summit OR body:\"arms deal\"",
            "title:summit OR body:\"arms deal\"",
        ),
        ("title:(a OR bo* c)", "title:a OR title:bo* AND title:c"),
        ("title:(a title:b)", "title:a AND title:b"),
        ("(a OR (b OR c)) ((d))", "(a OR b OR c) AND d"),
        (
            "Geschäft Präsident 習近平 G7",
            "Geschäft AND Präsident AND 習近平 AND G7",
        ),
        ("\"AND\" OR \"near\"", "\"AND\" OR \"near\""),
        ("NEARBY near", "NEARBY AND near"),
        (
            "summit OR \"meets with\" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident OR Staatschef))",
            "summit OR \"meets with\" OR Gipfel OR treffen NEAR/3 (Putin OR Präsident OR Staatschef)",
        ),
    ];
    for (query, canonical) in cases {
        let parsed = parse_query(query).unwrap_or_else(|error| panic!("{query}: {error:?}"));
        assert_eq!(parsed.to_string(), canonical, "{query}");
        assert_eq!(parse_query(canonical), Ok(parsed), "{canonical}");
    }
}

/// The arms-deal query parses into a NEAR of two OR groups.
#[test]
fn arms_deal_query_is_a_near_of_two_groups() {
    let query = "(arms OR weapon* OR munition* OR artillery OR missile* OR Waffe OR Munition \
                 OR Artillerie OR Rakete) NEAR/20 (deal OR sale OR sell OR buy OR purchase OR \
                 supply OR Verkauf OR Kauf OR Lieferung OR Geschäft OR Gespräch)";
    let Ok(Query::Near {
        left,
        right,
        distance,
    }) = parse_query(query)
    else {
        panic!("expected a NEAR query");
    };
    assert_eq!(distance, 20);
    assert!(matches!(*left, Query::Or(ref parts) if parts.len() == 9));
    assert!(matches!(*right, Query::Or(ref parts) if parts.len() == 11));
}

/// Precedence: NOT, then NEAR, then AND, then OR.
#[test]
fn operators_bind_in_documented_order() {
    let word = |w: &str| term(w, false, Field::Any);
    assert_eq!(
        parse_query("a OR b c NEAR d").unwrap(),
        Query::Or(vec![
            word("a"),
            Query::And(vec![
                word("b"),
                Query::Near {
                    left: Box::new(word("c")),
                    right: Box::new(word("d")),
                    distance: DEFAULT_NEAR_DISTANCE,
                },
            ]),
        ])
    );
}

/// Broken queries name the place (byte offset) and what was expected.
#[test]
fn broken_queries_report_offset_and_message() {
    let after_or = "expected a term, phrase or '(' after OR";
    let cases: &[(&str, usize, &str)] = &[
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        (
            "a OR",
            2,
            &format!("{after_or}, found the end of the query"),
        ),
        ("a OR )", 5, &format!("{after_or}, found ')'")),
        (
            "OR a",
            0,
            "expected a term, phrase or '(' at the start of the query, found OR",
        ),
        (
            "a AND OR b",
            6,
            "expected a term, phrase or '(' after AND, found OR",
        ),
        (
            "(a OR b",
            0,
            "unclosed '('; expected ')' before the end of the query",
        ),
        (
            "a (b (c)",
            2,
            "unclosed '('; expected ')' before the end of the query",
        ),
        ("a)", 1, "unmatched ')'"),
        (
            "()",
            1,
            "expected a term, phrase or '(' after '(', found ')'",
        ),
        (
            "a NEAR/0 b",
            7,
            "NEAR distance must be between 1 and 1000 words",
        ),
        (
            "a NEAR/x b",
            7,
            "expected a number of words after NEAR/, as in NEAR/10",
        ),
        (
            "a NEAR/99999999999 b",
            7,
            "NEAR distance must be between 1 and 1000 words",
        ),
        (
            "a NEAR",
            2,
            "expected a term, phrase or '(' after NEAR, found the end of the query",
        ),
        (
            "*",
            0,
            "'*' must end a word of at least 2 letters, as in weapon*",
        ),
        (
            "a*",
            0,
            "prefix `a*` is too short; write at least 2 letters before '*'",
        ),
        ("we*pon", 2, "'*' may only end a word"),
        (
            "NOT a",
            0,
            "the query only excludes (NOT ...) and would match almost every article; add what to look for, as in `arms AND NOT football`",
        ),
        (
            "a OR NOT b",
            5,
            "this alternative only excludes (NOT ...) and would match almost every article; join it to what to look for with AND",
        ),
        (
            "a NEAR NOT b",
            7,
            "NOT cannot be used inside a side of NEAR; exclude words outside it, as in `(a NEAR b) AND NOT c`",
        ),
        (
            "(a NOT c) NEAR/5 b",
            3,
            "NOT cannot be used inside a side of NEAR; exclude words outside it, as in `(a NEAR b) AND NOT c`",
        ),
        ("a \"b c", 2, "unterminated phrase; add the closing '\"'"),
        ("a \" \"", 2, "empty phrase"),
        (
            "\"arms de*\"",
            8,
            "'*' cannot be used in a phrase; only a single word can be a prefix*",
        ),
        (
            "head:a",
            0,
            "unknown field `head:`; expected title: or body:",
        ),
        (
            "title:(body:a)",
            7,
            "body: cannot be used inside a title: group",
        ),
        (
            "title:NOT a",
            6,
            "expected a term, phrase or '(' after title:, found NOT",
        ),
        (
            "a -b",
            2,
            "unexpected '-'; write NOT in front of a word to exclude it",
        ),
        (
            "Präsident & b",
            11,
            "unexpected character '&'; put words joined by punctuation in a phrase, as in \"U.S.\"",
        ),
    ];
    for (query, offset, message) in cases {
        let error = parse_query(query).expect_err(query);
        assert_eq!(
            (error.offset, error.message.as_str()),
            (*offset, *message),
            "{query}"
        );
    }
}

/// `terms` entries are single words, prefixes or phrases, and are joined with OR.
#[test]
fn terms_entries_are_words_prefixes_or_phrases() {
    let entries = ["arms", "weapon*", "arms deal", "Nord-Stream"];
    let parts: Vec<Query> = entries
        .iter()
        .map(|entry| parse_terms_entry(entry).unwrap())
        .collect();
    let query = any_of(parts).unwrap();
    assert_eq!(
        query.to_string(),
        "arms OR weapon* OR \"arms deal\" OR Nord-Stream"
    );
    assert_eq!(parse_query(&query.to_string()), Ok(query));
    assert_eq!(any_of(Vec::new()), None);

    let refused = [
        ("", 0),
        ("a*", 0),
        ("arms OR deal", 5),
        ("title:x", 5),
        ("arms de*", 7),
    ];
    for (entry, offset) in refused {
        let error = parse_terms_entry(entry).expect_err(entry);
        assert_eq!(error.offset, offset, "{entry}: {}", error.message);
    }
}

/// Tokens of the query language joined by spaces, words more often than operators.
fn query_like_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        6 => "[a-cä]{1,3}",
        1 => "[a-c]{1,2}[-\u{2010}\u{2011}'][a-cä]{1,2}",
        2 => "[a-c]{2,3}\\*",
        1 => "\"[a-c -]{0,5}\"",
        2 => "AND|OR",
        1 => "NOT",
        1 => "NEAR(/[0-9]{1,2})?",
        1 => "(title|body):[a-c]{1,2}",
        2 => "\\(|\\)",
    ];
    prop::collection::vec(token, 1..12).prop_map(|tokens| tokens.join(" "))
}

proptest! {
    /// Any text either parses or gives an error inside the text; never a panic.
    #[test]
    fn parsing_never_panics(text in any::<String>()) {
        if let Err(error) = parse_query(&text) {
            prop_assert!(error.offset <= text.len());
        }
        let _ = parse_terms_entry(&text);
    }

    /// Query-like text: whatever parses comes back the same from its canonical form.
    #[test]
    fn canonical_form_parses_to_the_same_query(text in query_like_text()) {
        match parse_query(&text) {
            Ok(query) => prop_assert_eq!(parse_query(&query.to_string()), Ok(query)),
            Err(error) => prop_assert!(error.offset <= text.len()),
        }
    }
}
