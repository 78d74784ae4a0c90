//! The parse stage over the ~5,000 feed documents in `../shared/feeds` (public parser test
//! suites): nothing panics, every file ends as entries or as an error, and no document that holds
//! items comes back as an empty success. Skips when `../shared` is absent (a user's clone).

use std::path::Path;
use std::time::Instant;

use newshound::parse::parse_feed;
use url::Url;

use crate::support::{item_elements, shared_dir, walk};

/// True for files that are feed documents rather than licences, notes or expectations: gofeed's
/// `.json` expectations sit beside a same-stem `.xml` input or end in `_expected`, feed-rs's end
/// in `.serde.json`.
fn is_feed_document(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let skipped_name = name.starts_with('.')
        || name.starts_with("LICENSE")
        || name.starts_with("README")
        || name.ends_with(".md")
        || name.ends_with(".py")
        || name.ends_with(".serde.json");
    if skipped_name {
        return false;
    }
    if let Some(stem) = name.strip_suffix(".json") {
        return !stem.ends_with("_expected") && !path.with_extension("xml").exists();
    }
    true
}

/// Every corpus document ends as parsed entries or a recorded error, without a panic and without
/// silently losing items.
#[test]
fn every_corpus_document_parses_or_fails_loudly() {
    let feeds = shared_dir().join("feeds");
    if !feeds.is_dir() {
        eprintln!(
            "skipping parse corpus test: {} is absent (set NEWSHOUND_SHARED_DIR)",
            feeds.display()
        );
        return;
    }
    let mut files = Vec::new();
    walk(&feeds, &mut files);
    files.retain(|p| is_feed_document(p));
    let base = Url::parse("http://example.com/feed").expect("a valid literal URL");

    let verbose = std::env::var_os("NEWSHOUND_PARSE_CORPUS_VERBOSE").is_some();
    let started = Instant::now();
    let (mut ok, mut err, mut repaired, mut entries) = (0usize, 0usize, 0usize, 0usize);
    let mut fewer_entries_than_items = 0usize;
    let mut violations = Vec::new();
    for path in &files {
        let Ok(doc) = std::fs::read(path) else {
            violations.push(format!("{}: unreadable", path.display()));
            continue;
        };
        let outcome = std::panic::catch_unwind(|| parse_feed(&doc, None, &base));
        match outcome {
            Err(_) => violations.push(format!("{}: panicked", path.display())),
            Ok(Ok(feed)) => {
                ok += 1;
                repaired += usize::from(feed.repaired);
                entries += feed.entries.len();
                let items = item_elements(&doc);
                if feed.entries.is_empty() && items > 0 {
                    violations.push(format!("{}: ok with zero entries", path.display()));
                }
                if feed.entries.len() < items {
                    fewer_entries_than_items += 1;
                    if verbose {
                        eprintln!("FEWER {}/{items} {}", feed.entries.len(), path.display());
                    }
                }
            }
            Ok(Err(error)) => {
                err += 1;
                if verbose {
                    eprintln!("ERR {}: {error}", path.display());
                }
            }
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "parse corpus: {ok} ok ({repaired} repaired, {entries} entries) / {err} err / {} total in \
         {elapsed:.2?}; {fewer_entries_than_items} ok documents have fewer entries than item elements",
        files.len()
    );
    assert!(
        files.len() > 1000,
        "corpus looks truncated: {} files",
        files.len()
    );
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
