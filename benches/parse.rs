//! Feed parsing speed: items per second through the parse stage (feed-rs plus newshound's
//! normalising pass) over the vendored feed fixtures and the demo's feeds, which cover RSS,
//! Atom, JSON Feed and the broken documents the repair pass handles. `cargo bench --bench parse`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

use newshound::parse::parse_feed;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| matches!(e.to_str(), Some("xml" | "rss" | "atom" | "json" | "rdf")))
        {
            out.push(path);
        }
    }
}

/// Every feed document under `dirs` that parses with items, with its item count.
fn documents(dirs: &[PathBuf]) -> Vec<(Vec<u8>, usize)> {
    let mut paths = Vec::new();
    for dir in dirs {
        walk(dir, &mut paths);
    }
    paths.sort();
    let base = Url::parse("https://news.example/feed").expect("static URL is valid");
    paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|bytes| {
            let items = parse_feed(&bytes, None, &base).ok()?.entries.len();
            (items > 0).then_some((bytes, items))
        })
        .collect()
}

fn parsing(c: &mut Criterion) {
    // feed-rs panics on some hostile fixtures; parse_feed catches them, the hook stays quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sets = vec![(
        "fixtures",
        documents(&[
            root.join("tests/fixtures/feeds"),
            root.join("config/demo/feeds"),
        ]),
    )];
    let shared = root.join("../shared/feeds");
    if shared.is_dir() {
        sets.push(("shared-corpus", documents(&[shared])));
    }
    let base = Url::parse("https://news.example/feed").expect("static URL is valid");
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for (name, documents) in &sets {
        let items: usize = documents.iter().map(|(_, n)| n).sum();
        let bytes: usize = documents.iter().map(|(d, _)| d.len()).sum();
        eprintln!(
            "parse {name}: {} documents, {items} items, {bytes} bytes",
            documents.len()
        );
        group.throughput(Throughput::Elements(items as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                for (document, _) in documents {
                    std::hint::black_box(parse_feed(document, None, &base).ok());
                }
            });
        });
    }
    group.finish();
}

criterion_group!(benches, parsing);
criterion_main!(benches);
