//! webload: the load generator of `benches/web.sh`: many keep-alive clients request one kind of
//! page after another and report, per kind, how many answered and how fast.
//!
//! ```text
//! cargo run --release --example webload -- --base http://127.0.0.1:8080 --clients 32 \
//!     --seconds 15 --topics topics.txt --stories stories.txt --out load.tsv
//! cargo run --release --example webload -- --base http://127.0.0.1:8080 --probe-only 30 \
//!     --out idle.tsv
//! ```
//!
//! Each page kind in turn gets every client for `--seconds` (or `--requests` in all), so a slow
//! kind does not hide in the others' figures; `--mixed` adds a phase where every request is of
//! a random kind. Kinds and their addresses: `overview` `/`; `topic` `/topics/T` and
//! `topic-older` the pages its "Older" link leads to (the links are followed once before the
//! phase, up to `--older-depth` pages deep into random topics, so the phase measures keyset
//! pages only); `story` `/stories/ID`; `search` `/search?q=…` (rare and common words, a
//! phrase, a prefix); `feeds`; `outbox`; `atom` `/topics/T.atom`; `json` `/topics/T.json`;
//! `api` `/api/hits?topic=T&limit=50`; `healthz`. Topics and story ids are drawn at random from
//! the files given. A request counts from sending it to the end of its body; anything but a
//! 200 is an error (pages not written yet answer 404: they are counted and the run goes on).
//!
//! All the while one more client asks for `--probe` (`/healthz`) every `--probe-every-ms` on
//! its own connection, as a monitor would: its latency, over the run and during each phase,
//! shows whether the service stays responsive under the load. `--probe-only S` runs the probe
//! alone for S seconds (the idle baseline). When the server has `/metrics`, its scheduling
//! passes, feed refreshes and polls during the run are reported from the difference of a
//! scrape before (followed by `--settle` seconds: the scrape counts the database's rows and may
//! hold the service's store up) and one after, with the slower scrape's time.
//!
//! Why a Rust example rather than oha: per-kind figures in one run (with the "Older" links
//! followed), a probe beside the load and the service's own metrics over the same window, and
//! nothing to install.
//!
//! Output: a readable table on stderr, and with `--out PATH` tab-separated lines for scripts:
//! `row KIND REQUESTS ERRORS P50_MS P99_MS MAX_MS PER_S ERROR_SUMMARY PROBE_P99_MS
//! PROBE_ERRORS` and `metric NAME VALUE`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use fastrand::Rng;
use url::Url;

/// The page kinds, in the order they are measured.
const KINDS: [&str; 11] = [
    "overview",
    "topic",
    "topic-older",
    "story",
    "search",
    "feeds",
    "outbox",
    "atom",
    "json",
    "api",
    "healthz",
];

/// Searches of the `search` kind: words of the simulator's articles (examples/feedsim/words.rs),
/// common and rare, a phrase, a prefix and an operator.
const SEARCHES: [&str; 6] = [
    "Minister",
    "Urananreicherung",
    "Streik",
    "\"summit talks\"",
    "Sanktion*",
    "sanctions NOT Russia",
];

#[derive(Parser)]
#[command(about = "Load generator of benches/web.sh: per-kind latency of newshound's pages")]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    base: Url,
    /// Clients requesting at once, each on its own keep-alive connection.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Seconds per kind.
    #[arg(long, default_value_t = 15.0)]
    seconds: f64,
    /// Requests per kind instead of a duration.
    #[arg(long)]
    requests: Option<usize>,
    /// Kinds to measure, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', default_values_t = KINDS.map(String::from))]
    kinds: Vec<String>,
    /// Seconds of a last phase where every request is of a random kind (0: none).
    #[arg(long, default_value_t = 0.0)]
    mixed: f64,
    /// Topic names, one a line.
    #[arg(long)]
    topics: Option<PathBuf>,
    /// Story ids, one a line.
    #[arg(long)]
    stories: Option<PathBuf>,
    /// How many "Older" links are followed into one topic to collect `topic-older` pages.
    #[arg(long, default_value_t = 5)]
    older_depth: usize,
    /// The path the probe asks for on the server, or a whole URL (the monitoring endpoint of
    /// `[daemon] listen`).
    #[arg(long, default_value = "/healthz")]
    probe: String,
    /// Milliseconds between two probe requests.
    #[arg(long, default_value_t = 100)]
    probe_every_ms: u64,
    /// Seconds to wait after the first scrape of `/metrics` before measuring: the scrape
    /// counts the database's rows, which may hold the service's store up for a while.
    #[arg(long, default_value_t = 3.0)]
    settle: f64,
    /// Run only the probe, for this many seconds.
    #[arg(long)]
    probe_only: Option<f64>,
    /// Seed of the random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Runtime threads of the load generator (it shares the machine with the server).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Write the results here, tab-separated, for scripts.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// What the addresses of every kind are drawn from.
struct Targets {
    topics: Vec<String>,
    stories: Vec<String>,
    /// Pages reached through "Older" links.
    older: Vec<String>,
}

/// Why `kind` cannot be asked for, when it cannot: nothing to draw its addresses from.
fn unavailable(kind: &str, targets: &Targets) -> Option<&'static str> {
    match kind {
        "topic" | "atom" | "json" | "api" if targets.topics.is_empty() => Some("no --topics"),
        "story" if targets.stories.is_empty() => Some("no --stories"),
        "topic-older" if targets.older.is_empty() => {
            Some("no \"Older\" link (a before= link) on the topic pages")
        }
        _ => None,
    }
}

/// The latencies and failures of one kind.
#[derive(Default)]
struct Tally {
    /// Microseconds of every request that answered 200.
    ok_us: Vec<u64>,
    /// Failures by what went wrong (`404`, `timeout`, …).
    errors: BTreeMap<String, usize>,
    /// Wall seconds of the phase, for the rate.
    seconds: f64,
    /// Why the kind was not measured, when it was not.
    unmeasured: Option<&'static str>,
}

impl Tally {
    fn unmeasured(reason: &'static str) -> Tally {
        Tally {
            unmeasured: Some(reason),
            ..Tally::default()
        }
    }

    fn merge(&mut self, other: Tally) {
        self.ok_us.extend(other.ok_us);
        for (what, n) in other.errors {
            *self.errors.entry(what).or_default() += n;
        }
    }

    /// What a row reports of it.
    fn figures(&self) -> Figures {
        Figures {
            requests: self.requests(),
            errors: self.error_count(),
            p50_ms: self.quantile_ms(0.5),
            p99_ms: self.quantile_ms(0.99),
            max_ms: self.quantile_ms(1.0),
            per_s: self.requests() as f64 / self.seconds.max(1e-9),
            summary: self.error_summary(),
        }
    }

    /// Counts one request's outcome.
    fn count(&mut self, outcome: Result<u64, String>) {
        match outcome {
            Ok(us) => self.ok_us.push(us),
            Err(what) => *self.errors.entry(what).or_default() += 1,
        }
    }

    fn requests(&self) -> usize {
        self.ok_us.len() + self.errors.values().sum::<usize>()
    }

    fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    /// The `q` quantile of the successful requests in ms (nearest rank); 0 when there are none.
    fn quantile_ms(&self, q: f64) -> f64 {
        quantile(&self.ok_us, q) as f64 / 1000.0
    }

    fn error_summary(&self) -> String {
        if let Some(reason) = self.unmeasured {
            return format!("not measured: {reason}");
        }
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|(what, n)| format!("{what}×{n}"))
            .collect();
        parts.join(", ")
    }
}

/// The `q` quantile of `values` (nearest rank); `values` must be sorted.
fn quantile(values: &[u64], q: f64) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

/// A random element of `list`, if it has any.
fn pick<'a>(rng: &mut Rng, list: &'a [String]) -> Option<&'a str> {
    (!list.is_empty()).then(|| list[rng.usize(..list.len())].as_str())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for kind in &args.kinds {
        if !KINDS.contains(&kind.as_str()) {
            bail!("unknown kind {kind}; the kinds are {}", KINDS.join(", "));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients + 1)
        .timeout(Duration::from_secs(30))
        .build()?;
    let (metrics_before, first_scrape) = timed_scrape(&client, &args.base).await;
    // The scrape may have held the service's store up: let it catch up before measuring.
    tokio::time::sleep(Duration::from_secs_f64(args.settle)).await;
    let started = Instant::now();
    let probe = Probe::start(&args)?;
    let phases = match args.probe_only {
        Some(seconds) => {
            tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            Vec::new()
        }
        None => load(&args, &client).await?,
    };
    let samples = probe.stop().await?;
    let window = started.elapsed().as_secs_f64();
    let mut rows: Vec<Row> = phases
        .into_iter()
        .map(|phase| {
            let probe = samples.tally(phase.began, phase.ended);
            Row {
                name: phase.name,
                tally: phase.tally,
                probe: Some(probe),
            }
        })
        .collect();
    let mut whole = samples.tally(started, Instant::now());
    whole.seconds = window;
    // Named by its path, whichever server it asks (the pages' or `[daemon] listen`).
    let path = args
        .base
        .join(&args.probe)
        .map_or_else(|_| args.probe.clone(), |url| url.path().to_owned());
    let name = format!("probe {path}");
    eprintln!("{}", table_row(&name, &whole));
    rows.push(Row {
        name,
        tally: whole,
        probe: None,
    });
    let (metrics_after, last_scrape) = timed_scrape(&client, &args.base).await;
    let mut metrics = vec![
        ("window_s".to_owned(), format!("{window:.1}")),
        (
            "metrics_scrape_ms".to_owned(),
            format!(
                "{:.1}",
                first_scrape.max(last_scrape).as_secs_f64() * 1000.0
            ),
        ),
        (
            "webload_cpu_s".to_owned(),
            format!("{:.2}", own_cpu_seconds()),
        ),
    ];
    match (metrics_before, metrics_after) {
        (Some(before), Some(after)) => metrics.extend(service_figures(&before, &after, window)),
        _ => eprintln!("webload: no /metrics from the server: no figures of the service"),
    }
    for (name, value) in &metrics {
        eprintln!("{name}: {value}");
    }
    if let Some(path) = &args.out {
        write_results(path, &rows, &metrics)?;
    }
    Ok(())
}

/// One measured phase: a kind (or `mixed`) and when it ran.
struct Phase {
    name: String,
    tally: Tally,
    began: Instant,
    ended: Instant,
}

/// A line of the results: a phase's figures and the probe's while it ran (none for the
/// probe's own line).
struct Row {
    name: String,
    tally: Tally,
    probe: Option<Tally>,
}

/// Every kind in turn, then the mixed phase.
async fn load(args: &Args, client: &reqwest::Client) -> anyhow::Result<Vec<Phase>> {
    let targets = Arc::new(targets(args, client).await?);
    let mut phases = Vec::new();
    let kinds = args.kinds.iter().map(|k| Some(k.as_str()));
    let mixed = (args.mixed > 0.0).then_some(None);
    for kind in kinds.chain(mixed) {
        let began = Instant::now();
        let tally = match kind.and_then(|k| unavailable(k, &targets)) {
            Some(reason) => Tally::unmeasured(reason),
            None => phase(args, client, &targets, kind).await?,
        };
        let name = kind.unwrap_or("mixed").to_owned();
        eprintln!("{}", table_row(&name, &tally));
        phases.push(Phase {
            name,
            tally,
            began,
            ended: Instant::now(),
        });
    }
    Ok(phases)
}

/// The topics and stories from their files, and the pages behind "Older" links when the
/// `topic-older` kind is measured.
async fn targets(args: &Args, client: &reqwest::Client) -> anyhow::Result<Targets> {
    let read_lines = |path: &Option<PathBuf>| -> anyhow::Result<Vec<String>> {
        let Some(path) = path else {
            return Ok(Vec::new());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect())
    };
    let mut targets = Targets {
        topics: read_lines(&args.topics)?,
        stories: read_lines(&args.stories)?,
        older: Vec::new(),
    };
    if args.kinds.iter().any(|k| k == "topic-older") {
        targets.older = older_pages(args, client, &targets.topics).await;
        eprintln!(
            "webload: {} pages behind \"Older\" links collected",
            targets.older.len()
        );
    }
    Ok(targets)
}

/// Follows the "Older" links of up to 40 random topics, up to `--older-depth` pages deep.
async fn older_pages(args: &Args, client: &reqwest::Client, topics: &[String]) -> Vec<String> {
    let mut rng = Rng::with_seed(args.seed ^ 0x01DE5);
    let mut pages = Vec::new();
    for _ in 0..topics.len().min(40) {
        let Some(topic) = pick(&mut rng, topics) else {
            break;
        };
        let mut path = topic_path(topic, "");
        for _ in 0..args.older_depth {
            let Ok(url) = args.base.join(&path) else {
                break;
            };
            let Ok(response) = client.get(url.clone()).send().await else {
                break;
            };
            if !response.status().is_success() {
                break;
            }
            let Ok(body) = response.text().await else {
                break;
            };
            let Some(older) = older_link(&body).and_then(|href| url.join(&href).ok()) else {
                break;
            };
            path = match older.query() {
                Some(query) => format!("{}?{query}", older.path()),
                None => older.path().to_owned(),
            };
            pages.push(path.clone());
        }
    }
    pages
}

/// The first link of `html` whose address has a `before=` parameter (the "Older" link of a
/// keyset-paged list), with `&amp;` undone.
fn older_link(html: &str) -> Option<String> {
    let mut rest = html;
    while let Some(at) = rest.find("href=\"") {
        rest = &rest[at + 6..];
        let end = rest.find('"')?;
        let href = &rest[..end];
        if href.contains("before=") {
            return Some(href.replace("&amp;", "&"));
        }
        rest = &rest[end..];
    }
    None
}

/// `/topics/NAME` plus `suffix`, the name percent-encoded as one path segment.
fn topic_path(topic: &str, suffix: &str) -> String {
    let mut path = String::from("/topics/");
    for byte in topic.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            path.push(byte as char);
        } else {
            let _ = write!(path, "%{byte:02X}");
        }
    }
    path.push_str(suffix);
    path
}

/// A random address of `kind`; `None` when there is nothing to ask for (no topics given, no
/// "Older" link found).
fn address(kind: &str, targets: &Targets, rng: &mut Rng) -> Option<String> {
    Some(match kind {
        "overview" => "/".to_owned(),
        "topic" => topic_path(pick(rng, &targets.topics)?, ""),
        "topic-older" => pick(rng, &targets.older)?.to_owned(),
        "story" => format!("/stories/{}", pick(rng, &targets.stories)?),
        "search" => {
            let q = SEARCHES[rng.usize(..SEARCHES.len())];
            let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
            format!("/search?q={encoded}")
        }
        "feeds" => "/feeds".to_owned(),
        "outbox" => "/outbox".to_owned(),
        "atom" => topic_path(pick(rng, &targets.topics)?, ".atom"),
        "json" => topic_path(pick(rng, &targets.topics)?, ".json"),
        "api" => {
            let topic = pick(rng, &targets.topics)?;
            let encoded: String = url::form_urlencoded::byte_serialize(topic.as_bytes()).collect();
            format!("/api/hits?topic={encoded}&limit=50")
        }
        "healthz" => "/healthz".to_owned(),
        _ => return None,
    })
}

/// An address of a random kind that has one.
fn mixed_address(targets: &Targets, rng: &mut Rng) -> Option<String> {
    (0..100).find_map(|_| address(KINDS[rng.usize(..KINDS.len())], targets, rng))
}

/// Every client requests `kind` (or random kinds when `None`) for `--seconds` or until
/// `--requests` were sent; returns their tally.
async fn phase(
    args: &Args,
    client: &reqwest::Client,
    targets: &Arc<Targets>,
    kind: Option<&str>,
) -> anyhow::Result<Tally> {
    let seconds = if kind.is_none() {
        args.mixed
    } else {
        args.seconds
    };
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let budget = Arc::new(AtomicUsize::new(args.requests.unwrap_or(usize::MAX)));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..args.clients.max(1) {
        let (client, targets, budget) = (client.clone(), Arc::clone(targets), Arc::clone(&budget));
        let base = args.base.clone();
        let kind = kind.map(String::from);
        let until = args.requests.is_none().then_some(deadline);
        let mut rng = Rng::with_seed(args.seed.wrapping_mul(0x100_0000_01B3) ^ ((c as u64) << 20));
        tasks.spawn(async move {
            let mut tally = Tally::default();
            loop {
                if until.is_some_and(|t| Instant::now() >= t) {
                    break;
                }
                if budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_err()
                {
                    break;
                }
                let Some(path) = (match &kind {
                    Some(kind) => address(kind, &targets, &mut rng),
                    None => mixed_address(&targets, &mut rng),
                }) else {
                    // Nothing to request for this kind: the same every time; stop this client.
                    *tally.errors.entry("no address".into()).or_default() += 1;
                    break;
                };
                tally.count(request(&client, &base, &path).await);
            }
            tally
        });
    }
    let mut tally = Tally::default();
    while let Some(done) = tasks.join_next().await {
        tally.merge(done?);
    }
    tally.seconds = started.elapsed().as_secs_f64();
    tally.ok_us.sort_unstable();
    Ok(tally)
}

/// One GET of `path`, its body read to the end: its time in µs, or what went wrong.
async fn request(client: &reqwest::Client, base: &Url, path: &str) -> Result<u64, String> {
    let url = base.join(path).map_err(|_| "bad address".to_owned())?;
    let began = Instant::now();
    let response = client.get(url).send().await.map_err(|e| error_kind(&e))?;
    let status = response.status();
    response.bytes().await.map_err(|e| error_kind(&e))?;
    if status != reqwest::StatusCode::OK {
        return Err(status.as_u16().to_string());
    }
    Ok(began.elapsed().as_micros() as u64)
}

fn error_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "transport".into()
    }
}

/// The client that asks for `--probe` at a steady pace beside the load, as a monitor would.
struct Probe {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<ProbeSamples>,
}

/// When each probe request was sent and how it went.
struct ProbeSamples(Vec<(Instant, Result<u64, String>)>);

impl Probe {
    /// Starts asking, on a connection of its own.
    fn start(args: &Args) -> anyhow::Result<Probe> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let base = args.base.clone();
        let path = args.probe.clone();
        let every = Duration::from_millis(args.probe_every_ms.max(1));
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut ticks = tokio::time::interval(every);
            // A request that takes longer than the pace delays the next one.
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !stopped.load(Ordering::Relaxed) {
                ticks.tick().await;
                let at = Instant::now();
                samples.push((at, request(&client, &base, &path).await));
            }
            ProbeSamples(samples)
        });
        Ok(Probe { stop, task })
    }

    /// Stops asking; every answer so far.
    async fn stop(self) -> anyhow::Result<ProbeSamples> {
        self.stop.store(true, Ordering::Relaxed);
        Ok(self.task.await?)
    }
}

impl ProbeSamples {
    /// The requests sent from `from` to `to`.
    fn tally(&self, from: Instant, to: Instant) -> Tally {
        let mut tally = Tally {
            seconds: to.saturating_duration_since(from).as_secs_f64(),
            ..Tally::default()
        };
        for (at, outcome) in &self.0 {
            if (from..to).contains(at) {
                tally.count(outcome.clone());
            }
        }
        tally.ok_us.sort_unstable();
        tally
    }
}

/// The service's counters and histograms, by sample name with labels (`name{labels}`).
type Samples = BTreeMap<String, f64>;

/// The service's samples (none when it has no `/metrics`) and how long the scrape took.
async fn timed_scrape(client: &reqwest::Client, base: &Url) -> (Option<Samples>, Duration) {
    let began = Instant::now();
    let samples = scrape_metrics(client, base).await;
    (samples, began.elapsed())
}

async fn scrape_metrics(client: &reqwest::Client, base: &Url) -> Option<Samples> {
    let response = client.get(base.join("/metrics").ok()?).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let text = response.text().await.ok()?;
    Some(
        text.lines()
            .filter(|l| l.starts_with("newshound_"))
            .filter_map(|l| {
                let (name, value) = l.rsplit_once(' ')?;
                Some((name.to_owned(), value.parse().ok()?))
            })
            .collect(),
    )
}

/// The service's passes, refreshes and polls between two scrapes `window` seconds apart.
fn service_figures(before: &Samples, after: &Samples, window: f64) -> Vec<(String, String)> {
    let delta = |name: &str| after.get(name).unwrap_or(&0.0) - before.get(name).unwrap_or(&0.0);
    let mut figures = Vec::new();
    for (short, family, slow) in [
        ("pass", "newshound_cycle_duration_seconds", "0.1"),
        ("refresh", "newshound_feed_refresh_duration_seconds", "1"),
    ] {
        let count = delta(&format!("{family}_count"));
        let sum = delta(&format!("{family}_sum"));
        figures.push((format!("{short}_count"), format!("{count:.0}")));
        let mean = if count > 0.0 {
            sum / count * 1000.0
        } else {
            0.0
        };
        figures.push((format!("{short}_mean_ms"), format!("{mean:.1}")));
        let buckets: Vec<(f64, f64)> = after
            .keys()
            .filter_map(|k| {
                let le = k.strip_prefix(&format!("{family}_bucket{{le=\""))?;
                let le = le.strip_suffix("\"}")?;
                let bound = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().ok()?
                };
                Some((bound, delta(k)))
            })
            .collect();
        let within = delta(&format!("{family}_bucket{{le=\"{slow}\"}}"));
        figures.push((
            format!("{short}_over_{slow}s"),
            format!("{:.0}", count - within),
        ));
        for (q, label) in [(0.5, "p50"), (0.99, "p99")] {
            figures.push((
                format!("{short}_{label}_le_ms"),
                bucket_quantile(&buckets, count, q),
            ));
        }
    }
    for result in ["ok", "not_modified", "failed"] {
        let polls = delta(&format!("newshound_polls_total{{result=\"{result}\"}}"));
        figures.push((format!("polls_{result}"), format!("{polls:.0}")));
    }
    let polls: f64 = ["ok", "not_modified", "failed", "disabled", "cancelled"]
        .iter()
        .map(|r| delta(&format!("newshound_polls_total{{result=\"{r}\"}}")))
        .sum();
    figures.push((
        "polls_per_min".into(),
        format!("{:.0}", polls * 60.0 / window.max(1e-9)),
    ));
    figures.push((
        "articles_new".into(),
        format!("{:.0}", delta("newshound_articles_new_total")),
    ));
    figures.push((
        "hits_new".into(),
        format!("{:.0}", delta("newshound_hits_new_total")),
    ));
    figures
}

/// The upper bound (ms) of the bucket that holds the `q` quantile of `count` observations,
/// from cumulative `(bound, count)` pairs: `≤ bound`; `-` without observations.
fn bucket_quantile(buckets: &[(f64, f64)], count: f64, q: f64) -> String {
    if count <= 0.0 {
        return "-".into();
    }
    let mut sorted = buckets.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let finite_max = sorted
        .iter()
        .map(|b| b.0)
        .filter(|b| b.is_finite())
        .fold(0.0, f64::max);
    for (bound, cumulative) in sorted {
        if cumulative >= q * count {
            return if bound.is_finite() {
                format!("{}", bound * 1000.0)
            } else {
                format!(">{}", finite_max * 1000.0)
            };
        }
    }
    "-".into()
}

/// User and system CPU seconds of this process.
fn own_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass; RUSAGE_SELF is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// What a row reports of a tally.
struct Figures {
    requests: usize,
    errors: usize,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    per_s: f64,
    summary: String,
}

fn table_row(kind: &str, tally: &Tally) -> String {
    let f = tally.figures();
    format!(
        "{kind:<16} {:>7} requests {:>6} errors  p50 {:>7.1} ms  p99 {:>7.1} ms  max {:>7.1} ms  {:>6.0}/s  {}",
        f.requests, f.errors, f.p50_ms, f.p99_ms, f.max_ms, f.per_s, f.summary,
    )
}

/// The rows (`row KIND REQUESTS ERRORS P50 P99 MAX PER_S ERRORS_SUMMARY PROBE_P99
/// PROBE_ERRORS`, the probe's figures while the kind ran) and the metrics (`metric NAME VALUE`).
fn write_results(path: &Path, rows: &[Row], metrics: &[(String, String)]) -> anyhow::Result<()> {
    let mut out = String::new();
    for row in rows {
        let f = row.tally.figures();
        let probe = row.probe.as_ref().map_or(String::from("\t"), |p| {
            format!("{:.2}\t{}", p.quantile_ms(0.99), p.error_count())
        });
        let _ = writeln!(
            out,
            "row\t{}\t{}\t{}\t{:.2}\t{:.2}\t{:.2}\t{:.0}\t{}\t{probe}",
            row.name, f.requests, f.errors, f.p50_ms, f.p99_ms, f.max_ms, f.per_s, f.summary,
        );
    }
    for (name, value) in metrics {
        let _ = writeln!(out, "metric\t{name}\t{value}");
    }
    std::fs::write(path, out).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "Older" link is found among other links and its `&amp;` undone.
    #[test]
    fn older_link_takes_the_first_link_with_before() {
        let html = r#"<a href="/topics/t?lang=de">de</a> <a rel="next" href="/topics/t?lang=de&amp;before=17000_42">Older</a>"#;
        assert_eq!(
            older_link(html).as_deref(),
            Some("/topics/t?lang=de&before=17000_42")
        );
        assert_eq!(older_link("<a href=\"/\">home</a>"), None);
    }

    /// Quantiles are nearest-rank; a histogram's quantile is the bound of its bucket.
    #[test]
    fn quantiles_are_nearest_rank_and_bucket_bounds() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&values, 0.5), 50);
        assert_eq!(quantile(&values, 0.99), 99);
        assert_eq!(quantile(&values, 1.0), 100);
        let buckets = [
            (0.001, 10.0),
            (0.01, 98.0),
            (0.1, 99.0),
            (f64::INFINITY, 100.0),
        ];
        assert_eq!(bucket_quantile(&buckets, 100.0, 0.5), "10");
        assert_eq!(bucket_quantile(&buckets, 100.0, 0.99), "100");
        assert_eq!(bucket_quantile(&buckets, 100.0, 1.0), ">100");
        assert_eq!(bucket_quantile(&buckets, 0.0, 0.5), "-");
    }

    /// Topic names are one percent-encoded path segment.
    #[test]
    fn topic_paths_encode_the_name() {
        assert_eq!(
            topic_path("Arms deals", ".atom"),
            "/topics/Arms%20deals.atom"
        );
        assert_eq!(topic_path("topic-007", ""), "/topics/topic-007");
    }
}
