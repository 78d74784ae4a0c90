//! The checks of the fuzz targets, one function per target: the fuzz targets
//! (`fuzz/fuzz_targets/*.rs`) run them on libFuzzer's inputs, and
//! `tests/it/fuzz_regressions.rs` replays the vendored crash inputs through the very same
//! functions on stable (both include this file with `#[path]`). Each runs the code path the
//! pipeline runs and asserts the module's documented promises; it returns what the regression
//! test asserts on, which the fuzz targets ignore.

use std::path::Path;

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

/// The HTTP charset an input is parsed with, derived from its length (fixed per input, so a
/// replay uses the same one): none for most, a Latin-1 or UTF-16 label for some, so the
/// transcoding path is fuzzed too.
fn feed_charset(input: &[u8]) -> Option<&'static str> {
    match input.len() % 8 {
        5 => Some("iso-8859-1"),
        6 => Some("utf-16"),
        7 => Some("utf-8"),
        _ => None,
    }
}

/// `parse_feed` as the pipeline calls it; every entry gets a well-formed identity key.
pub fn check_feed(input: &[u8]) -> Result<ParsedFeed, ParseError> {
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

/// `decode_html` then `extract` with a fixed page URL; a detected language is a lower-case code.
pub fn check_extract(input: &[u8]) -> Extracted {
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

/// Languages the article may be in, picked by input length: unknown, and ones with stemmers,
/// compounds or other scripts.
const LANGUAGES: [&str; 10] = ["", "en", "de", "fr", "nl", "sv", "fi", "ru", "el", "is"];

/// A topic query (`parse_query`), or with a leading `terms:` one `terms = [...]` entry; a
/// refused one's error offset lies within it on a character boundary.
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
                "error offset {} outside {text:?}: {}",
                error.offset,
                error.message
            );
            None
        }
    }
}

/// Input `queries \0 title \0 body`: every parsed query prints to a form that parses back to
/// it, the topic index matches exactly what `evaluate` matches, `why_not` is empty exactly on a
/// match, and `match_article` returns. The names of the matching topics (empty when no query
/// parsed); `None` for non-UTF-8 input.
pub fn check_query_match(input: &[u8]) -> Option<Vec<String>> {
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

/// Canonicalising a parsed URL is idempotent and its result serialises back to itself.
fn check_canonical_parsed(url: &Url) {
    let once = canonical_url(url);
    assert_eq!(canonical_url(&once).as_str(), once.as_str(), "{url}");
    let reparsed = Url::parse(once.as_str()).expect("a canonical URL parses again");
    assert_eq!(reparsed.as_str(), once.as_str());
    assert_eq!(canonical(once.as_str()).as_deref(), Some(once.as_str()));
}

/// The input as an absolute URL and as a link joined to an article page: canonicalisation is
/// idempotent. The canonical form of the input taken as an absolute URL, if it is one.
pub fn check_canonical(input: &[u8]) -> Option<String> {
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

/// `load_text` (all of `load`'s checks, no includes followed) with the config at `path`: every
/// reported error names the file and a position inside the text. `None` for non-UTF-8 input.
pub fn check_config(input: &[u8], path: &Path) -> Option<Result<Config, ConfigErrors>> {
    let text = std::str::from_utf8(input).ok()?;
    let result = load_text(path, text.to_owned());
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
