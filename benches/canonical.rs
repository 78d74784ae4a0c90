//! URL canonicalisation speed: URLs per second over 1,000 news URLs shaped like the ones feeds
//! and share links carry, most of them with tracking parameters, some with fragments, default
//! ports, upper-case hosts or percent-escapes. The daemon canonicalises every feed entry, so this
//! should stay far below the cost of fetching one. `cargo bench --bench canonical`.
//!
//! `canonical_url` measures an already parsed URL (as the daemon holds them); `canonical`
//! includes parsing the text.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

use newshound::dedup::url::{canonical, canonical_url};

/// How many URLs one iteration canonicalises.
const URLS: usize = 1000;

/// Article URLs of real shapes (host and path), without query.
const ARTICLES: &[&str] = &[
    "https://www.bbc.co.uk/news/articles/c4gx2ly8pq7o",
    "https://www.theguardian.com/world/2025/mar/14/ceasefire-talks-resume-in-cairo",
    "https://www.lemonde.fr/international/article/2025/03/14/les-negociations-reprennent_6581234_3210.html",
    "https://www.spiegel.de/politik/deutschland/bundestag-beschliesst-haushalt-a-1b2c3d4e-5f60-7a8b-9c0d-e1f2a3b4c5d6",
    "https://www.nytimes.com/2025/03/14/world/europe/summit-leaders-meet.html",
    "https://apnews.com/article/storm-flood-river-warning-3f1e2d4c5b6a7980",
    "https://www.reuters.com/world/europe/eu-ministers-agree-energy-package-2025-03-14/",
    "https://News.Example.COM:443/2025/03/14/Caf%c3%a9-owners-%7Eprotest",
    "http://www.tagesschau.de:80/inland/innenpolitik/wahl-ergebnis-100.html",
    "https://www.msn.com/en-us/news/world/leaders-meet-in-geneva/ar-AA1xYz9Q",
];

/// Query suffixes: none, content parameters, and the tracking that feeds and shares add.
const QUERIES: &[&str] = &[
    "",
    "",
    "",
    "?page=2",
    "?id=48213&lang=en",
    "?utm_source=rss&utm_medium=feed&utm_campaign=world",
    "?at_medium=RSS&at_campaign=rss",
    "?xtor=RSS-3208",
    "?fbclid=IwAR2x7kQ9_lE3nVbz8Tq0c5mZpHcJ1rYw4XoKdFsUa6GtBiN&id=48213",
    "?ocid=msedgntp&cvid=7f3a9c2e4b1d4e8f",
    "?CMP=share_btn_tw&page=3",
    "?gclid=Cj0KCQiA5rGuBhCnARIsAN11vgQ&utm_term=ceasefire&b=2&a=1",
    "?mc_cid=8a1b2c3d4e&mc_eid=f9e8d7c6b5",
    "?smid=tw-share&partner=rss",
];

/// Fragments: mostly none.
const FRAGMENTS: &[&str] = &["", "", "", "#comments", "#section-2"];

/// The 1,000 URLs: every combination in turn, so the mix is fixed and reproducible.
fn urls() -> Vec<String> {
    (0..URLS)
        .map(|i| {
            let article = ARTICLES[i % ARTICLES.len()];
            let query = QUERIES[(i / ARTICLES.len() + i) % QUERIES.len()];
            let fragment = FRAGMENTS[(i / 7) % FRAGMENTS.len()];
            format!("{article}{query}{fragment}")
        })
        .collect()
}

/// URLs per second of `canonical_url` over repeated passes lasting `budget` in all.
fn urls_per_second(urls: &[Url], budget: Duration) -> f64 {
    let started = Instant::now();
    let mut passes = 0u32;
    while passes == 0 || started.elapsed() < budget {
        for url in urls {
            black_box(canonical_url(black_box(url)));
        }
        passes += 1;
    }
    f64::from(passes) * urls.len() as f64 / started.elapsed().as_secs_f64()
}

fn canonicalisation(c: &mut Criterion) {
    let texts = urls();
    let parsed: Vec<Url> = texts
        .iter()
        .map(|text| Url::parse(text).expect("benchmark URLs are valid"))
        .collect();
    let changed = parsed
        .iter()
        .filter(|url| canonical_url(url).as_str() != url.as_str())
        .count();
    eprintln!("{URLS} URLs, {changed} changed by canonicalisation");

    let mut group = c.benchmark_group("canonical");
    group.throughput(Throughput::Elements(URLS as u64));
    group.bench_function("canonical_url", |b| {
        b.iter(|| {
            for url in &parsed {
                black_box(canonical_url(black_box(url)));
            }
        })
    });
    group.bench_function("canonical (parse included)", |b| {
        b.iter(|| {
            for text in &texts {
                black_box(canonical(black_box(text)));
            }
        })
    });
    group.finish();

    let rate = urls_per_second(&parsed, Duration::from_secs(1));
    eprintln!("canonical_url: {rate:.0} URLs/s");
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = canonicalisation
}
criterion_main!(benches);
