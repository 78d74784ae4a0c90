//! Extraction speed: pages per second over the shared extraction pages (../shared/extraction),
//! or over the demo's pages in a clone without them. `cargo bench --bench extraction`.

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

use newshound::extract::{decode_html, extract};

/// The allocator the `newshound` binary runs with (src/main.rs): extraction allocates a DOM per
/// page, so the allocator is part of what is measured.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Every `.html` file of `dir`, sorted.
fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "html"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The page sets to measure: the shared sets when present, else the demo pages.
fn page_sets() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/extraction");
    let sets = [
        ("readability-pages", shared.join("readability-pages/html")),
        (
            "trafilatura-eval-dev",
            shared.join("trafilatura-eval-dev/html"),
        ),
        ("demo", root.join("config/demo/articles")),
    ];
    sets.into_iter()
        .map(|(name, dir)| {
            let pages = html_files(&dir)
                .iter()
                .filter_map(|p| std::fs::read(p).ok())
                .collect::<Vec<_>>();
            (name, pages)
        })
        .filter(|(_, pages)| !pages.is_empty())
        .collect()
}

fn extraction(c: &mut Criterion) {
    let url = Url::parse("https://news.example/article.html").expect("static URL is valid");
    let mut group = c.benchmark_group("extract");
    group.sample_size(10);
    for (name, pages) in page_sets() {
        group.throughput(Throughput::Elements(pages.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| {
                for page in &pages {
                    let html = decode_html(page, None);
                    std::hint::black_box(extract(&html, &url));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, extraction);
criterion_main!(benches);
