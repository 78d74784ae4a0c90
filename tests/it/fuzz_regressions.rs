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

use newshound::config::{Config, ConfigErrors};
use url::Url;

use crate::support::crate_root;
use checks::{check_canonical, check_config, check_extract, check_feed, check_query_match};

/// The fuzz targets' own checks, shared so a replay asserts exactly what fuzzing did.
#[path = "../../fuzz/fuzz_targets/checks.rs"]
mod checks;

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

/// `check_config` with the input as `newshound.toml` in an empty folder of its own.
fn check_config_in_temp_dir(input: &[u8]) -> Option<Result<Config, ConfigErrors>> {
    let folder = tempfile::tempdir().unwrap();
    check_config(input, &folder.path().join("newshound.toml"))
}

/// Configs that broke loading are loaded or refused with positions inside the text; the valid
/// sanity config loads without expanding its includes (which point outside its folder), and the
/// invalid one reports both mistakes at their lines.
#[test]
fn config_load_inputs_return_without_panicking() {
    let results = run_all("config_load", check_config_in_temp_dir);
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
