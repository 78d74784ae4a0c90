//! Deduplication speed and memory: `cargo bench --bench dedup` (about a minute).
//!
//! - `fingerprint/of_text`: [`Fingerprint::of_text`] on the demo's seed article (3 KB of text).
//! - `find/100k`, `find/1m`: [`StoryIndex::find`] of a new article that has one true copy in an
//!   index of 100,000 and of 1,000,000 articles. The target is that the second costs at most
//!   three times the first: candidates come from band tables, not from a scan.
//!
//! The indexes hold synthetic fingerprints (random signatures through
//! [`Fingerprint::from_bytes`]), since fingerprinting a million texts would take most of the
//! bench's time and tell nothing more about lookups. A fifth of the entries are copies of a
//! recent entry (a quarter of the hashes changed, similarity about 0.75), so that stories with
//! several copies fill the shared-key lists as they do in a real window, with the same story
//! sizes in both indexes. Each query is a fresh copy of one indexed article, [`QUERIES`] of them
//! spread over the whole index: more than the caches hold, as in the daemon, where one lookup
//! per new article comes between much other work (1,000 queries repeated stay cached at
//! 100,000 articles and make that case look several times faster than it is).
//!
//! Besides criterion's report the bench prints its own timing of both lookups and their ratio,
//! the insert rate (what a rebuild at startup costs), and the heap bytes per indexed article as
//! a counting allocator sees them, next to [`StoryIndex::approx_bytes`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use url::Url;

use newshound::dedup::fingerprint::{FORMAT_VERSION, Fingerprint, HASHES};
use newshound::dedup::index::StoryIndex;
use newshound::extract::{decode_html, extract};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn signature(hashes: &[u16; HASHES]) -> Fingerprint {
    let mut bytes = Vec::with_capacity(1 + 2 * HASHES);
    bytes.push(FORMAT_VERSION);
    for hash in hashes {
        bytes.extend_from_slice(&hash.to_le_bytes());
    }
    Fingerprint::from_bytes(&bytes).expect("encoded in the current format")
}

/// A copy of `hashes` with a quarter of them changed: similarity about 0.75.
fn copy_of(hashes: &[u16; HASHES], rng: &mut fastrand::Rng) -> [u16; HASHES] {
    let mut copy = *hashes;
    for hash in copy.iter_mut() {
        if rng.u8(..4) == 0 {
            *hash = rng.u16(..);
        }
    }
    copy
}

/// An index of `n` synthetic articles (see the module docs), the signatures of [`QUERIES`] of them
/// spread over the index for making queries, and how long the inserts took.
fn build(n: usize) -> (StoryIndex, Vec<[u16; HASHES]>, Duration) {
    let mut rng = fastrand::Rng::with_seed(n as u64);
    // The last articles inserted: copies are made of recent ones, as copies of a story appear
    // within hours, so stories have the same sizes in both indexes.
    let mut recent: Vec<[u16; HASHES]> = Vec::with_capacity(RECENT);
    let mut sampled = Vec::with_capacity(QUERIES);
    let mut index = StoryIndex::new(7 * 86_400);
    let mut elapsed = Duration::ZERO;
    for article in 0..n {
        let hashes = if article % 5 == 4 {
            copy_of(&recent[rng.usize(..recent.len())], &mut rng)
        } else {
            std::array::from_fn(|_| rng.u16(..))
        };
        if recent.len() < RECENT {
            recent.push(hashes);
        } else {
            recent[article % RECENT] = hashes;
        }
        if article % (n / QUERIES) == 0 {
            sampled.push(hashes);
        }
        let fp = signature(&hashes);
        let start = Instant::now();
        index.insert(article as i64, article as i64, fp, article as i64);
        elapsed += start.elapsed();
    }
    (index, sampled, elapsed)
}

/// How many recent articles copies are made from.
const RECENT: usize = 1000;

/// New articles looked up; their band-table cells (about 50 MB) do not fit in the caches.
const QUERIES: usize = 20_000;

/// Fresh copies of indexed articles: the new articles to look up.
fn queries(sampled: &[[u16; HASHES]]) -> Vec<Fingerprint> {
    let mut rng = fastrand::Rng::with_seed(7);
    sampled
        .iter()
        .map(|hashes| signature(&copy_of(hashes, &mut rng)))
        .collect()
}

/// Mean time of one `find` over all queries, best of five rounds.
fn time_find(index: &StoryIndex, queries: &[Fingerprint]) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for query in queries {
                black_box(index.find(black_box(query)));
            }
            start.elapsed() / queries.len() as u32
        })
        .min()
        .expect("five rounds")
}

fn lookups(c: &mut Criterion) {
    let mut group = c.benchmark_group("find");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(1));
    let mut times = Vec::new();
    for (name, n) in [("100k", 100_000), ("1m", 1_000_000)] {
        let before = ALLOCATED.load(Ordering::Relaxed);
        let (index, sampled, insert_time) = build(n);
        let queries = queries(&sampled);
        drop(sampled);
        let bytes =
            ALLOCATED.load(Ordering::Relaxed) - before - queries.len() * size_of::<Fingerprint>();
        let found = queries.iter().filter(|q| index.find(q).is_some()).count();
        eprintln!(
            "dedup {name}: {} articles, {:.0} bytes per article (counting allocator), {:.0} by approx_bytes; insert {:.2} us per article; {found}/{} queries found their copy",
            index.len(),
            bytes as f64 / n as f64,
            index.approx_bytes() as f64 / n as f64,
            insert_time.as_secs_f64() * 1e6 / n as f64,
            queries.len(),
        );
        let mut next = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                next = (next + 1) % queries.len();
                black_box(index.find(black_box(&queries[next])))
            })
        });
        times.push(time_find(&index, &queries));
    }
    group.finish();
    eprintln!(
        "dedup find: {:.2} us at 100k, {:.2} us at 1m, ratio {:.2} (target <= 3)",
        times[0].as_secs_f64() * 1e6,
        times[1].as_secs_f64() * 1e6,
        times[1].as_secs_f64() / times[0].as_secs_f64()
    );
}

fn fingerprints(c: &mut Criterion) {
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo/articles/kim-putin.html");
    let bytes = std::fs::read(&page).expect("the demo's seed page is in the repository");
    let url = Url::parse("https://news.example/article.html").expect("static URL is valid");
    let text = extract(&decode_html(&bytes, None), &url).text;
    let mut group = c.benchmark_group("fingerprint");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(1));
    eprintln!("dedup of_text: {} bytes of text", text.len());
    group.bench_function("of_text", |b| {
        b.iter(|| Fingerprint::of_text(black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, fingerprints, lookups);
criterion_main!(benches);
