//! Every input the fuzz targets (`fuzz/`) made fail, run through the same code path and checks
//! on stable, so a fixed crash stays fixed without a nightly toolchain. Inputs live in
//! `tests/fixtures/fuzz/<target>/`, minimised; `sanity-*` files are hand-written inputs that
//! keep each harness honest, with their expected outcome asserted below.
//!
//! Each input runs on its own thread with a generous deadline: a regression that hangs fails
//! the test instead of stalling the suite. The deadline catches hangs only; it is no speed
//! target.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use newshound::config::{Config, ConfigErrors, load_text};
use newshound::dedup::url::{canonical, canonical_url};
use newshound::extract::{decode_html, extract};
use newshound::matcher::{
    Article, Language, Query, Topic, TopicSet, evaluate, match_article, parse_query,
    parse_terms_entry, why_not,
};
use newshound::model::{Extracted, ParsedFeed};
use newshound::parse::{ParseError, entry_key, parse_feed};
use url::Url;

use crate::support::crate_root;

/// Far above any input's real time (milliseconds), even in a debug build on a busy machine.
const DEADLINE: Duration = Duration::from_secs(60);

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = crate_root().join("tests/fixtures/fuzz").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Runs `check` on `input` on its own thread; fails on a panic or when the deadline passes.
fn bounded<T: Send + 'static>(path: &Path, input: Vec<u8>, check: fn(&[u8]) -> T) -> T {
    let (send, receive) = mpsc::channel();
    let worker = std::thread::spawn(move || send.send(check(&input)).unwrap());
    match receive.recv_timeout(DEADLINE) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{} still running after {DEADLINE:?}", path.display())
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = worker
                .join()
                .expect_err("a worker that sent nothing panicked");
            std::panic::resume_unwind(panic)
        }
    }
}

fn run_all<T: Send + 'static>(target: &str, check: fn(&[u8]) -> T) -> Vec<(String, T)> {
    inputs(target)
        .into_iter()
        .map(|(path, input)| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, bounded(&path, input, check))
        })
        .collect()
}

fn outcome<'a, T>(results: &'a [(String, T)], name: &str) -> &'a T {
    &results
        .iter()
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("no input {name}"))
        .1
}

// ---- feed_parse: fuzz/fuzz_targets/feed_parse.rs ----

/// The HTTP charset the `feed_parse` target derives from an input; the same rule here.
fn feed_charset(input: &[u8]) -> Option<&'static str> {
    match input.len() % 8 {
        5 => Some("iso-8859-1"),
        6 => Some("utf-16"),
        7 => Some("utf-8"),
        _ => None,
    }
}

fn check_feed(input: &[u8]) -> Result<ParsedFeed, ParseError> {
    let base = Url::parse("https://feeds.example.org/news/rss.xml").unwrap();
    let parsed = parse_feed(input, feed_charset(input), &base);
    if let Ok(feed) = &parsed {
        for entry in &feed.entries {
            let key = entry_key(entry);
            assert!(
                ["guid:", "link:", "hash:"]
                    .iter()
                    .any(|kind| key.starts_with(kind)),
                "entry key without its kind: {key:?}"
            );
        }
    }
    parsed
}

/// Feed documents that broke the parse stage parse or fail cleanly; the sanity feed parses
/// with its relative link resolved against the feed's URL.
#[test]
fn feed_parse_inputs_return_without_panicking() {
    let results = run_all("feed_parse", check_feed);
    let feed = outcome(&results, "sanity-rss.xml")
        .as_ref()
        .expect("the sanity feed parses");
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(
        feed.entries[0].title.as_deref(),
        Some("Pegel & Niedrigwasser")
    );
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://feeds.example.org/2024/pegel")
    );
}

// ---- extract: fuzz/fuzz_targets/extract.rs ----

fn check_extract(input: &[u8]) -> Extracted {
    let page = Url::parse("https://www.example.com/2024/05/article.html?id=7").unwrap();
    let html = decode_html(input, None);
    let extracted = extract(&html, &page);
    if let Some(language) = &extracted.language {
        assert!(
            !language.is_empty() && !language.chars().any(char::is_uppercase),
            "language not a lower-case code: {language:?}"
        );
    }
    extracted
}

/// Pages that broke extraction come back with a result; the sanity page yields its article
/// text without the navigation, and its canonical link resolved.
#[test]
fn extract_inputs_return_without_panicking() {
    let results = run_all("extract", check_extract);
    let page = outcome(&results, "sanity-article.html");
    assert!(
        page.text.contains("auf 52 Zentimeter gefallen"),
        "{:?}",
        page.text
    );
    assert!(!page.text.contains("Politik"), "{:?}", page.text);
    assert_eq!(page.language.as_deref(), Some("de"));
    assert_eq!(
        page.canonical_url.as_ref().map(Url::as_str),
        Some("https://www.example.com/2024/pegel-sinkt")
    );
}

// ---- query_match: fuzz/fuzz_targets/query_match.rs ----

/// Languages the `query_match` target picks from by input length; the same list here.
const LANGUAGES: [&str; 10] = ["", "en", "de", "fr", "nl", "sv", "fi", "ru", "el", "is"];

fn parse_line(line: &str) -> Option<Query> {
    let (text, result) = match line.strip_prefix("terms:") {
        Some(entry) => (entry, parse_terms_entry(entry)),
        None => (line, parse_query(line)),
    };
    match result {
        Ok(query) => Some(query),
        Err(error) => {
            assert!(
                error.offset <= text.len() && text.is_char_boundary(error.offset),
                "error offset {} outside {text:?}",
                error.offset
            );
            None
        }
    }
}

/// The names of the matching topics (empty when no query parsed); `None` for non-UTF-8 input,
/// which the target skips.
fn check_query_match(input: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(input).ok()?;
    let mut parts = text.splitn(3, '\0');
    let queries = parts.next().unwrap_or("");
    let title = parts.next().unwrap_or("");
    let body = parts.next().unwrap_or("");
    let code = LANGUAGES[input.len() % LANGUAGES.len()];
    let mut topics = Vec::new();
    for (index, line) in queries.lines().take(16).enumerate() {
        let Some(query) = parse_line(line) else {
            continue;
        };
        let printed = query.to_string();
        assert_eq!(parse_query(&printed).as_ref(), Ok(&query), "{printed:?}");
        topics.push(Topic {
            name: format!("topic{index}"),
            query,
            languages: Vec::new(),
        });
    }
    if topics.is_empty() {
        return Some(Vec::new());
    }
    let set = TopicSet::new(topics);
    let article = Article::new(title, body, Language::from_code(code));
    let language = (!code.is_empty()).then_some(code);
    let matched = set.matching(&article, language);
    let mut expected = Vec::new();
    for (index, topic) in set.topics().iter().enumerate() {
        let evaluation = evaluate(&topic.query, &article);
        assert_eq!(
            why_not(&topic.query, &article).is_none(),
            evaluation.matched
        );
        if evaluation.matched {
            expected.push((index, evaluation));
        }
    }
    assert_eq!(matched, expected, "the topic index disagrees with evaluate");
    let analysis = match_article(&set, title, body, [language]);
    assert!(analysis.hits.len() <= set.len());
    Some(
        matched
            .iter()
            .map(|(index, _)| set.topics()[*index].name.clone())
            .collect(),
    )
}

/// Queries and articles that broke the matcher are parsed and matched consistently; in the
/// sanity inputs, the `OR` query and the terms entry match while the title-scoped `NEAR` does
/// not (its body has no "pegel"), and queries the parser refuses give no topics.
#[test]
fn query_match_inputs_return_without_panicking() {
    let results = run_all("query_match", check_query_match);
    assert_eq!(
        outcome(&results, "sanity-matches").as_deref(),
        Some(&["topic0".to_owned(), "topic2".to_owned()][..])
    );
    assert_eq!(
        outcome(&results, "sanity-refused").as_deref(),
        Some(&[][..])
    );
}

// ---- canonical_url: fuzz/fuzz_targets/canonical_url.rs ----

fn check_canonical_parsed(url: &Url) {
    let once = canonical_url(url);
    assert_eq!(canonical_url(&once).as_str(), once.as_str(), "{url}");
    let reparsed = Url::parse(once.as_str()).expect("a canonical URL parses again");
    assert_eq!(reparsed.as_str(), once.as_str());
    assert_eq!(canonical(once.as_str()).as_deref(), Some(once.as_str()));
}

/// The canonical form of the input taken as an absolute URL, if it is one.
fn check_canonical(input: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(input).ok()?;
    let result = canonical(text);
    if let Some(once) = &result {
        assert_eq!(canonical(once).as_ref(), Some(once), "{text:?}");
    }
    if let Ok(url) = Url::parse(text) {
        check_canonical_parsed(&url);
    }
    let page =
        Url::parse("https://www.example.com/news/2024/story.html?id=1&utm_source=x").unwrap();
    if let Ok(url) = page.join(text) {
        check_canonical_parsed(&url);
    }
    result
}

/// URLs that broke canonicalisation are canonicalised idempotently; the sanity URL loses its
/// tracking parameter and fragment and keeps the article's own parameter.
#[test]
fn canonical_url_inputs_are_idempotent() {
    let results = run_all("canonical_url", check_canonical);
    assert_eq!(
        outcome(&results, "sanity-tracking").as_deref(),
        Some("https://www.example.com/news/story.html?id=7")
    );
}

// ---- config_load: fuzz/fuzz_targets/config_load.rs ----

fn check_config(input: &[u8]) -> Option<Result<Config, ConfigErrors>> {
    let text = std::str::from_utf8(input).ok()?;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("newshound.toml");
    let result = load_text(&path, text.to_owned());
    if let Err(errors) = &result {
        assert!(!errors.errors.is_empty(), "an Err without errors");
        let lines = text.split('\n').count();
        for error in &errors.errors {
            assert_eq!(error.file, path);
            assert!(
                (1..=lines).contains(&error.line) && error.column >= 1,
                "error outside the text: {error:?}"
            );
        }
    }
    Some(result)
}

/// Configs that broke loading are loaded or refused with positions inside the text; the valid
/// sanity config loads without expanding its includes (which point outside its folder), and the
/// invalid one reports both mistakes at their lines.
#[test]
fn config_load_inputs_return_without_panicking() {
    let results = run_all("config_load", check_config);
    let config = match outcome(&results, "sanity-valid.toml") {
        Some(Ok(config)) => config,
        other => panic!("the valid sanity config should load: {other:?}"),
    };
    assert_eq!(config.feeds.len(), 1, "includes must not be read");
    assert_eq!(config.topics.len(), 1);
    let errors = match outcome(&results, "sanity-invalid.toml") {
        Some(Err(errors)) => errors,
        other => panic!("the invalid sanity config should be refused: {other:?}"),
    };
    let lines: Vec<usize> = errors.errors.iter().map(|error| error.line).collect();
    assert_eq!(lines, [2, 6], "{errors}");
}
