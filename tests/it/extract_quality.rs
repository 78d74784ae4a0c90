//! Extraction quality. Always: the pages that failed worst during development, vendored in
//! tests/fixtures/extraction/ with their expected text, checked against snapshots of what
//! newshound extracts (set NEWSHOUND_UPDATE_SNAPSHOTS=1 to accept a change). With ../shared: both
//! development sets scored with the public benchmarks' metrics (as ../shared/tools/
//! score_extraction.py does), held above floors just under the targets.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use newshound::extract::{decode_html, extract};
use url::Url;

use crate::support::{crate_root, shared_dir, walk};

fn extract_file(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let url = Url::parse("https://example.com/article/").expect("static URL is valid");
    extract(&decode_html(&bytes, None), &url).text
}

/// Word tokens as the benchmark scripts see them (`\w+`, Unicode).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Precision and recall of 4-token shingles (scrapinghub's article-extraction-benchmark).
fn shingle_precision_recall(truth: &str, predicted: &str) -> (f64, f64, bool, bool) {
    fn bag<'a>(tokens: &'a [&'a str]) -> HashMap<&'a [&'a str], usize> {
        let mut bag = HashMap::new();
        let n = 4.min(tokens.len().max(1));
        for window in tokens.windows(n) {
            *bag.entry(window).or_insert(0) += 1;
        }
        bag
    }
    let (t_tokens, p_tokens) = (tokens(truth), tokens(predicted));
    let (t, p) = (bag(&t_tokens), bag(&p_tokens));
    let tp: usize = t
        .iter()
        .map(|(k, n)| (*n).min(*p.get(k).unwrap_or(&0)))
        .sum();
    let (t_total, p_total) = (t.values().sum::<usize>(), p.values().sum::<usize>());
    let (fp, fn_) = (p_total - tp, t_total - tp);
    let precision = if fp == 0 && fn_ == 0 {
        1.0
    } else if tp + fp == 0 {
        0.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if fp == 0 && fn_ == 0 {
        1.0
    } else if tp + fn_ == 0 {
        0.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    (precision, recall, tp + fp > 0, tp + fn_ > 0)
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Snippet counts (tp, fp, fn) of one page: trafilatura's evaluation.
fn snippet_counts(text: &str, with: &[String], without: &[String]) -> (usize, usize, usize) {
    let text = normalise(text);
    let tp = with.iter().filter(|w| text.contains(&normalise(w))).count();
    let fp = without
        .iter()
        .filter(|w| text.contains(&normalise(w)))
        .count();
    (tp, fp, with.len() - tp)
}

/// The strings of a JSON array (snippet lists).
fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn fixtures_dir() -> PathBuf {
    crate_root().join("tests/fixtures/extraction")
}

/// Each vendored page extracts exactly to its snapshot; the F1 against the page's expected text
/// is printed so a change in quality is visible in the test output.
#[test]
fn worst_pages_match_their_snapshots() {
    let mut pages = Vec::new();
    walk(&fixtures_dir(), &mut pages);
    pages.retain(|p| p.extension().is_some_and(|e| e == "html"));
    assert!(
        !pages.is_empty(),
        "no extraction fixtures in {}",
        fixtures_dir().display()
    );
    let update = std::env::var_os("NEWSHOUND_UPDATE_SNAPSHOTS").is_some();
    let mut mismatches = Vec::new();
    for page in &pages {
        let text = extract_file(page);
        let snapshot = page.with_extension("snapshot.txt");
        let expected = page.with_extension("expected.txt");
        if let Ok(truth) = std::fs::read_to_string(&expected) {
            let (p, r, ..) = shingle_precision_recall(&truth, &text);
            eprintln!("{}: P {p:.3} R {r:.3} F1 {:.3}", page.display(), f1(p, r));
        }
        if let Ok(json) = std::fs::read_to_string(page.with_extension("snippets.json")) {
            let snippets: serde_json::Value = serde_json::from_str(&json).unwrap();
            let (tp, fp, fn_) = snippet_counts(
                &text,
                &strings(&snippets["with"]),
                &strings(&snippets["without"]),
            );
            eprintln!(
                "{}: snippets found {tp}, missed {fn_}, leaked {fp}",
                page.display()
            );
        }
        if update {
            std::fs::write(&snapshot, &text).unwrap();
        } else if std::fs::read_to_string(&snapshot).ok().as_deref() != Some(text.as_str()) {
            mismatches.push(snapshot.display().to_string());
        }
    }
    assert!(
        mismatches.is_empty(),
        "extraction changed for {mismatches:?}; review, then accept with NEWSHOUND_UPDATE_SNAPSHOTS=1"
    );
}

/// readability-pages: mean page precision and recall of 4-token shingles, as the scorer does.
#[test]
fn readability_pages_stay_above_the_floor() {
    let set = shared_dir().join("extraction/readability-pages");
    if !set.is_dir() {
        eprintln!("skipping: {} is absent", set.display());
        return;
    }
    let (mut precisions, mut recalls) = (Vec::new(), Vec::new());
    let mut pages = Vec::new();
    walk(&set.join("html"), &mut pages);
    for page in pages {
        let name = page.file_stem().unwrap().to_string_lossy().into_owned();
        let Ok(truth) = std::fs::read_to_string(set.join("expected").join(format!("{name}.txt")))
        else {
            continue;
        };
        let (p, r, has_output, has_truth) = shingle_precision_recall(&truth, &extract_file(&page));
        if has_output {
            precisions.push(p);
        }
        if has_truth {
            recalls.push(r);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (p, r) = (mean(&precisions), mean(&recalls));
    eprintln!("readability-pages: P {p:.3} R {r:.3} F1 {:.3}", f1(p, r));
    assert!(
        f1(p, r) >= READABILITY_FLOOR,
        "F1 {:.3} below {READABILITY_FLOOR}",
        f1(p, r)
    );
}

/// trafilatura-eval-dev: snippet precision and recall over all pages.
#[test]
fn trafilatura_pages_stay_above_the_floor() {
    let set = shared_dir().join("extraction/trafilatura-eval-dev");
    let Ok(eval) = std::fs::read_to_string(set.join("evaldata.json")) else {
        eprintln!("skipping: {} is absent", set.display());
        return;
    };
    let eval: HashMap<String, serde_json::Value> = serde_json::from_str(&eval).unwrap();
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for item in eval.values() {
        let file = item["file"].as_str().unwrap();
        let text = extract_file(&set.join("html").join(file));
        let counts = snippet_counts(&text, &strings(&item["with"]), &strings(&item["without"]));
        (tp, fp, fn_) = (tp + counts.0, fp + counts.1, fn_ + counts.2);
    }
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fn_).max(1) as f64;
    eprintln!("trafilatura-eval-dev: P {p:.3} R {r:.3} F1 {:.3}", f1(p, r));
    assert!(
        f1(p, r) >= TRAFILATURA_FLOOR,
        "F1 {:.3} below {TRAFILATURA_FLOOR}",
        f1(p, r)
    );
}

/// Floors just under what the extractor reaches, so a regression fails the suite.
const READABILITY_FLOOR: f64 = 0.97;
const TRAFILATURA_FLOOR: f64 = 0.93;
