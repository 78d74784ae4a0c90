//! feedsim: a loopback news-feed simulator and the parse floor, for `benches/e2e.sh`.
//!
//! ```text
//! cargo run --release --example feedsim -- serve --feeds 1000 --items 20 --seed 42 \
//!     --db /tmp/sim.db --outbox /tmp/outbox --config-out /tmp/sim.toml
//! cargo run --release --example feedsim -- floor --feeds 1000 --items 20 --seed 42
//! cargo run --release --example feedsim -- page --seed 42 --feed 3 --item 0 > page.html
//! cargo run --release --example feedsim -- searchdb --articles 500000 --days 90 --seed 42 \
//!     --db /tmp/search.db --config-out /tmp/search.toml
//! cargo run --release --example feedsim -- webdb --db /tmp/search.db --hits 1000000 \
//!     --topics 100 --seed 42 --topics-out /tmp/web-topics.toml
//! ```
//!
//! `serve` serves N feeds (RSS 2.0, every 5th Atom 1.0) of M items each and every article
//! page, generated from the seed (same seed, same bytes), from 127.0.0.1 … 127.0.0.H on one
//! port. It hands newshound a complete config: with `--config-out PATH` it writes the config
//! there (atomically) and then prints `ready PORT` on stdout; without it, it prints the config
//! on stdout followed by the line `# ready`. It runs until SIGTERM/SIGINT and then prints its
//! request counts and its own CPU time and peak RSS on stderr (and, with `--poll-log`, writes
//! when each feed was requested).
//!
//! `floor` parses every page `serve` would serve for the same content flags once with
//! `scraper::Html::parse_document` and reports the thread CPU time of the parse calls only
//! (`CLOCK_THREAD_CPUTIME_ID`; generating a page and dropping its tree are outside the timed
//! part).
//!
//! `searchdb` stores N of the simulator's articles, spread over the last D days, straight into
//! a new newshound database through the library's store (see `feedsim/searchdb.rs`), for
//! `benches/search.sh`. `webdb` adds topic hits, an outbox and feed states to such a database
//! (see `feedsim/webdb.rs`), for `benches/web.sh`.
//!
//! # Layout
//! - `feedsim/words.rs`: word lists, sentence templates and furniture words (de, en, fr).
//! - `feedsim/content.rs`: deterministic feeds, pages, wire stories and topics.
//! - `feedsim/server.rs`: the hyper server, conditional GET, counters.
//! - `feedsim/searchdb.rs`: the generated database of stored articles.
//! - `feedsim/webdb.rs`: the hits and outbox added to it for the web pages.

#[path = "feedsim/content.rs"]
mod content;
#[path = "feedsim/searchdb.rs"]
mod searchdb;
#[path = "feedsim/server.rs"]
mod server;
#[path = "feedsim/webdb.rs"]
mod webdb;
#[path = "feedsim/words.rs"]
mod words;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};

use content::{Params, Sim};
use server::Server;

#[derive(Parser)]
#[command(about = "Loopback news-feed simulator and parse floor for newshound's e2e bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve feeds and article pages on loopback and print a newshound config.
    Serve(ServeArgs),
    /// CPU time of parsing every page once with scraper (the floor).
    Floor(FloorArgs),
    /// Print one article page (for looking at it, or `newshound explain`).
    Page {
        #[command(flatten)]
        content: ContentArgs,
        /// Feed index.
        #[arg(long)]
        feed: usize,
        /// Item index within the feed.
        #[arg(long)]
        item: usize,
    },
    /// Store N generated articles in a new newshound database (for benches/search.sh).
    Searchdb(searchdb::SearchDbArgs),
    /// Add topic hits, an outbox and feed states to a `searchdb` database (for benches/web.sh).
    Webdb(webdb::WebDbArgs),
    /// Run SQL on a database with newshound's own SQLite (FTS5 tables of newer SQLite options
    /// than a system `sqlite3` knows) and print the rows, a line each, columns tab-separated.
    Sql {
        /// The database.
        db: std::path::PathBuf,
        /// Statements; the rows of the last one are printed.
        sql: String,
    },
}

/// What the generated content depends on; `serve` and `floor` must get the same values.
#[derive(Args, Clone)]
struct ContentArgs {
    /// Number of feeds.
    #[arg(long, default_value_t = 100)]
    feeds: usize,
    /// Items per feed.
    #[arg(long, default_value_t = 10)]
    items: usize,
    /// Seed of all content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of items that are copies of a wire story.
    #[arg(long, default_value_t = 0.05)]
    syndicated: f64,
}

impl ContentArgs {
    fn params(&self) -> Params {
        Params {
            feeds: self.feeds,
            items: self.items,
            seed: self.seed,
            syndicated: self.syndicated,
        }
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// Delay before every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Serve from 127.0.0.1 … 127.0.0.H (feed i lives on 127.0.0.(i % H + 1)).
    #[arg(long, default_value_t = 32)]
    hosts: usize,
    /// Port on every address; 0 lets the system choose one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Worker threads of the server.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// `[daemon] database` of the printed config (absolute, or relative to the config file).
    #[arg(long, default_value = "feedsim.db")]
    db: PathBuf,
    /// `[email.file] dir` of the printed config.
    #[arg(long, default_value = "outbox")]
    outbox: PathBuf,
    /// Write the config to this file and print `ready PORT` once listening.
    #[arg(long)]
    config_out: Option<PathBuf>,
    /// `[daemon] fetch_articles = false` in the config (for idle-cycle runs).
    #[arg(long)]
    no_fetch_articles: bool,
    /// `[daemon] concurrency` of the config.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// `[daemon] per_host_concurrency` of the config.
    #[arg(long, default_value_t = 8)]
    per_host_concurrency: usize,
    /// Put the `[[feeds]]` into included files of this many feeds each
    /// (`CONFIG.d/feeds-NNNN.toml`, `include = ["CONFIG.d/*.toml"]`); needs `--config-out`.
    #[arg(long, requires = "config_out")]
    split_config: Option<usize>,
    /// When it stops, write the time of every feed request here, a line each: Unix
    /// milliseconds and the feed's index (for the poll intervals the feeds saw).
    #[arg(long)]
    poll_log: Option<PathBuf>,
}

#[derive(Args)]
struct FloorArgs {
    #[command(flatten)]
    content: ContentArgs,
    /// Parse on this many threads (CPU time is summed over them).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(args),
        Command::Floor(args) => floor(args),
        Command::Searchdb(args) => searchdb::searchdb(args),
        Command::Webdb(args) => webdb::webdb(args),
        Command::Sql { db, sql } => searchdb::run_sql(&db, &sql),
        Command::Page {
            content,
            feed,
            item,
        } => {
            let sim = Sim::new(content.params());
            let info = sim.feed(feed);
            let item = sim.item(&info, item);
            std::io::stdout().write_all(&sim.page(&info, &item))?;
            Ok(())
        }
    }
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if !(1..=254).contains(&args.hosts) {
        bail!("--hosts must be between 1 and 254");
    }
    let (listeners, port) = server::bind(args.hosts, args.port).with_context(|| {
        format!(
            "cannot listen on 127.0.0.1-{} port {}",
            args.hosts, args.port
        )
    })?;
    let sim = Sim::new(args.content.params());
    let mut server = Server::new(
        sim,
        port,
        args.hosts,
        Duration::from_millis(args.latency_ms),
    );
    if args.poll_log.is_some() {
        server.poll_log = Some(std::sync::Mutex::default());
    }
    let server = Arc::new(server);
    let mut config = String::new();
    let mut parts = Vec::new();
    match (args.split_config, &args.config_out) {
        (Some(per_file), Some(path)) => {
            let dir_name = format!(
                "{}.d",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let _ = writeln!(
                config,
                "include = [{}]",
                toml_str(&format!("{dir_name}/*.toml"))
            );
            let dir = path.with_file_name(&dir_name);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let feeds: Vec<usize> = (0..server.sim.params.feeds).collect();
            for (k, chunk) in feeds.chunks(per_file.max(1)).enumerate() {
                let mut part = String::new();
                for &i in chunk {
                    feed_toml(&mut part, &server, i);
                }
                parts.push((dir.join(format!("feeds-{k:04}.toml")), part));
            }
            config.push_str(&config_toml(&server, &args, false));
        }
        _ => config.push_str(&config_toml(&server, &args, true)),
    }
    // The listeners are bound (connections queue in the backlog), so the config can go out.
    let mut out = std::io::stdout().lock();
    match &args.config_out {
        Some(path) => {
            for (part_path, part) in &parts {
                write_atomically(part_path, part.as_bytes())?;
            }
            write_atomically(path, config.as_bytes())?;
            writeln!(out, "ready {port}")?;
        }
        None => {
            out.write_all(config.as_bytes())?;
            writeln!(out, "# ready")?;
        }
    }
    out.flush()?;
    drop(out);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = server::run(Arc::clone(&server), listeners) => result?,
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        anyhow::Ok(())
    })?;
    report_stats(&server);
    if let (Some(path), Some(log)) = (&args.poll_log, &server.poll_log) {
        write_poll_log(path, &log.lock().unwrap_or_else(|e| e.into_inner()))?;
    }
    Ok(())
}

fn write_poll_log(path: &Path, log: &[(u64, usize)]) -> anyhow::Result<()> {
    let mut text = String::with_capacity(log.len() * 20);
    for (at, feed) in log {
        let _ = writeln!(text, "{at} {feed}");
    }
    write_atomically(path, text.as_bytes())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn report_stats(server: &Server) {
    use std::sync::atomic::Ordering::Relaxed;
    let s = &server.stats;
    let usage = rusage();
    eprintln!(
        "feedsim: {} connections; {} feeds (200), {} feeds (304), {} pages, {} not found, {:.1} MB sent; \
         CPU {:.2} s user + {:.2} s sys; peak RSS {:.1} MB",
        s.connections.load(Relaxed),
        s.feeds.load(Relaxed),
        s.not_modified.load(Relaxed),
        s.pages.load(Relaxed),
        s.not_found.load(Relaxed),
        s.bytes.load(Relaxed) as f64 / 1e6,
        usage.0,
        usage.1,
        usage.2,
    );
}

/// User CPU s, system CPU s and peak RSS (MB) of this process.
fn rusage() -> (f64, f64, f64) {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_SELF is always valid.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (
        secs(ru.ru_utime),
        secs(ru.ru_stime),
        ru.ru_maxrss as f64 / 1024.0,
    )
}

/// CPU time of the calling thread, in nanoseconds.
fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One `[[feeds]]` table.
fn feed_toml(t: &mut String, server: &Server, i: usize) {
    let feed = server.sim.feed(i);
    let _ = write!(
        t,
        "[[feeds]]\nurl = \"{}\"\nname = {}\ntags = [\"{}\", \"feedsim\"]\n\n",
        server.feed_url(i),
        toml_str(&feed.name),
        words::LANGS[feed.lang].code,
    );
}

/// The newshound config for this simulator (with every feed, or without them when they go
/// into included files).
fn config_toml(server: &Server, args: &ServeArgs, with_feeds: bool) -> String {
    let p = &server.sim.params;
    let mut t = String::with_capacity(4096 + p.feeds * 120);
    let _ = write!(
        t,
        "# newshound config written by feedsim: seed {}, {} feeds x {} items, {} loopback hosts, port {}\n\n\
         [daemon]\ndatabase = {}\nallow_private_networks = true\nconcurrency = {}\nper_host_concurrency = {}\n\
         poll_interval = \"10m\"\nstory_window = \"7d\"\nfetch_articles = {}\nlog_level = \"info\"\n\n",
        p.seed,
        p.feeds,
        p.items,
        server.hosts,
        server.port,
        toml_str(&args.db.to_string_lossy()),
        args.concurrency,
        args.per_host_concurrency,
        !args.no_fetch_articles,
    );
    if with_feeds {
        for i in 0..p.feeds {
            feed_toml(&mut t, server, i);
        }
    }
    t.push_str(&server.sim.topics_toml());
    let _ = write!(
        t,
        "[email]\nfrom = \"newshound@localhost\"\nto = [\"desk@localhost\"]\n\n[email.file]\ndir = {}\n\n\
         [[digests]]\nname = \"morning\"\nat = [\"07:30\"]\ntimezone = \"Europe/Berlin\"\n",
        toml_str(&args.outbox.to_string_lossy()),
    );
    t
}

/// Totals of one floor thread.
#[derive(Default)]
struct FloorTotals {
    pages: u64,
    bytes: u64,
    parse_ns: u64,
    generate_ns: u64,
}

fn floor(args: FloorArgs) -> anyhow::Result<()> {
    let sim = Sim::new(args.content.params());
    let (feeds, items) = (args.content.feeds, args.content.items);
    let threads = args.threads.max(1);
    let started = Instant::now();
    let totals: Vec<FloorTotals> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let sim = &sim;
                scope.spawn(move || {
                    let mut totals = FloorTotals::default();
                    for i in (t..feeds).step_by(threads) {
                        let feed = sim.feed(i);
                        for j in 0..items {
                            let g0 = thread_cpu_ns();
                            let item = sim.item(&feed, j);
                            let page = sim.page(&feed, &item);
                            let html = String::from_utf8(page).expect("pages are built from &str");
                            let t0 = thread_cpu_ns();
                            let doc = scraper::Html::parse_document(&html);
                            let t1 = thread_cpu_ns();
                            drop(doc);
                            totals.pages += 1;
                            totals.bytes += html.len() as u64;
                            totals.parse_ns += t1 - t0;
                            totals.generate_ns += t0 - g0;
                        }
                    }
                    totals
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a floor thread panicked"))
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let mut sum = FloorTotals::default();
    for t in totals {
        sum.pages += t.pages;
        sum.bytes += t.bytes;
        sum.parse_ns += t.parse_ns;
        sum.generate_ns += t.generate_ns;
    }
    let pages = sum.pages.max(1) as f64;
    let parse_s = sum.parse_ns as f64 / 1e9;
    let generate_s = sum.generate_ns as f64 / 1e9;
    println!(
        "floor: {} pages, {:.1} MB (mean {:.1} KB); scraper::Html::parse_document: {:.2} CPU s \
         (thread CPU time), {:.1} µs/page, {:.2} µs/KB; generating the pages: {:.2} CPU s \
         ({:.1} µs/page); {:.1} s wall on {} thread(s)",
        sum.pages,
        sum.bytes as f64 / 1e6,
        sum.bytes as f64 / pages / 1e3,
        parse_s,
        parse_s * 1e6 / pages,
        parse_s * 1e6 / (sum.bytes.max(1) as f64 / 1e3),
        generate_s,
        generate_s * 1e6 / pages,
        wall,
        threads,
    );
    println!(
        "pages={} bytes={} parse_cpu_s={:.3} parse_us_per_page={:.1} generate_us_per_page={:.1}",
        sum.pages,
        sum.bytes,
        parse_s,
        parse_s * 1e6 / pages,
        generate_s * 1e6 / pages,
    );
    Ok(())
}
