//! `feedsim searchdb`: a newshound database of many stored articles, for `benches/search.sh`.
//!
//! The articles are the simulator's (same titles, leads and bodies as the pages `serve` gives,
//! wire copies included), but they are not served and extracted: each is stored through the
//! library's own store, the way the daemon stores a fetched page (`sync_feeds`, `store_poll`
//! per feed poll, `pending_pages`, then `record_page` with the extracted text, its language and
//! its story keys from `dedup::text_identity`). So the search index's triggers, the story
//! choice and everything else run as in production, and the database is what months of polling
//! would leave. The articles get no topic hits: the benchmark applies topics to them afterwards.
//!
//! Feeds take turns: poll `p` is feed `p % feeds` bringing its next `--per-poll` items, and
//! the polls are spread evenly over the last `--days` days, the newest at the time of the run;
//! an item is published up to an hour before the poll that finds it. Feed `i` is in language
//! `i % 3` (de, en, fr), so the languages are about equally mixed. One thread generates the
//! articles and their story keys while this one stores them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Duration, Utc};
use clap::Args;
use newshound::dedup::text_identity;
use newshound::model::{Entry, Extracted, TextAnalysis, TextSource};
use newshound::store::{EntryRecord, FeedSpec, PageResult, PollRecord, Store, SuccessfulPoll};

use super::content::{FeedInfo, Params, Rng, Sim, mix};
use super::words::LANGS;

/// Polls generated ahead of the store (each a few hundred KB of text).
const POLLS_AHEAD: usize = 16;
/// How often progress is printed, in articles.
const PROGRESS_EVERY: usize = 10_000;

/// The arguments of `feedsim searchdb`.
#[derive(Args)]
pub struct SearchDbArgs {
    /// Number of articles.
    #[arg(long, default_value_t = 500_000)]
    articles: usize,
    /// The articles are first seen over this many days up to now.
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Seed of all content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of feeds (feed i is in language i % 3: de, en, fr).
    #[arg(long, default_value_t = 300)]
    feeds: usize,
    /// New items each feed poll brings (stored with one `store_poll`).
    #[arg(long, default_value_t = 25)]
    per_poll: usize,
    /// Share of articles that are copies of a wire story.
    #[arg(long, default_value_t = 0.05)]
    syndicated: f64,
    /// The database to create; it must not exist yet.
    #[arg(long)]
    db: PathBuf,
    /// Write a newshound config for the database here: the feeds, the simulator's 100 topics
    /// (as `serve` writes them), a file outbox and the `morning` digest.
    #[arg(long)]
    config_out: Option<PathBuf>,
}

/// One article as the daemon would store it after fetching its page.
struct Article {
    /// The feed entry.
    record: EntryRecord,
    /// The extracted page with its language and story keys.
    page: PageResult,
}

/// One successful poll of one feed.
struct Poll {
    /// Index of the feed.
    feed: usize,
    /// When it was polled: the articles' first-seen time.
    at: DateTime<Utc>,
    /// The new entries it brought.
    articles: Vec<Article>,
}

/// The timeline: which feed is polled when and which of its items it brings.
struct Schedule {
    articles: usize,
    feeds: usize,
    per_poll: usize,
    start: DateTime<Utc>,
    span: Duration,
}

impl Schedule {
    fn polls(&self) -> usize {
        self.articles.div_ceil(self.per_poll)
    }

    /// Feed, time and item range of poll `p`.
    fn poll(&self, p: usize) -> (usize, DateTime<Utc>, std::ops::Range<usize>) {
        let feed = p % self.feeds;
        let first_item = (p / self.feeds) * self.per_poll;
        let count = self.per_poll.min(self.articles - p * self.per_poll);
        let fraction = (p + 1) as f64 / self.polls() as f64;
        let offset_ms = (self.span.num_milliseconds() as f64 * fraction) as i64;
        let at = self.start + Duration::milliseconds(offset_ms);
        (feed, at, first_item..first_item + count)
    }
}

/// Generates the database (and the config), printing progress on stderr.
pub fn searchdb(args: SearchDbArgs) -> anyhow::Result<()> {
    if args.articles == 0 || args.feeds == 0 || args.per_poll == 0 || args.days == 0 {
        bail!("--articles, --feeds, --per-poll and --days must be at least 1");
    }
    if args.db.exists() {
        bail!(
            "{} exists; searchdb only creates new databases",
            args.db.display()
        );
    }
    let sim = Sim::new(Params {
        feeds: args.feeds,
        items: args.articles.div_ceil(args.feeds),
        seed: args.seed,
        syndicated: args.syndicated,
    });
    let feeds: Vec<FeedInfo> = (0..args.feeds).map(|i| feed(&sim, i)).collect();
    let now = Utc::now();
    let span = Duration::days(i64::from(args.days));
    let schedule = Schedule {
        articles: args.articles,
        feeds: args.feeds,
        per_poll: args.per_poll,
        start: now - span,
        span,
    };
    let mut store = Store::open(&args.db)?;
    let specs: Vec<FeedSpec> = feeds.iter().map(feed_spec).collect();
    let feed_ids: Vec<i64> = store
        .sync_feeds(&specs, schedule.start)?
        .iter()
        .map(|state| state.id)
        .collect();
    if let Some(path) = &args.config_out {
        write_config(path, &args, &sim, &specs)?;
    }

    let started = Instant::now();
    let stored = std::thread::scope(|scope| -> anyhow::Result<usize> {
        let (send, receive) = mpsc::sync_channel::<Poll>(POLLS_AHEAD);
        let (sim, feeds, schedule) = (&sim, &feeds, &schedule);
        scope.spawn(move || {
            for p in 0..schedule.polls() {
                let (feed, at, items) = schedule.poll(p);
                let poll = Poll {
                    feed,
                    at,
                    articles: items.map(|j| article(sim, &feeds[feed], j, at)).collect(),
                };
                if send.send(poll).is_err() {
                    return;
                }
            }
        });
        let mut stored = 0;
        for poll in receive {
            stored += store_one_poll(&mut store, feed_ids[poll.feed], &poll)?;
            if stored / PROGRESS_EVERY != (stored - poll.articles.len()) / PROGRESS_EVERY {
                progress(stored, args.articles, started);
            }
        }
        Ok(stored)
    })?;
    let secs = started.elapsed().as_secs_f64();
    drop(store);
    let bytes = std::fs::metadata(&args.db).map_or(0, |m| m.len());
    eprintln!(
        "searchdb: {stored} articles in {secs:.1} s ({:.1} s per 10,000, {:.0} articles/s); \
         {} MB in {}",
        secs * 10_000.0 / stored.max(1) as f64,
        stored as f64 / secs,
        bytes / 1_000_000,
        args.db.display()
    );
    Ok(())
}

/// Feed `i` of the simulator, in language `i % 3` so that the languages are equally mixed.
fn feed(sim: &Sim, i: usize) -> FeedInfo {
    let mut info = sim.feed(i);
    info.lang = i % LANGS.len();
    info.name = format!("searchdb {} #{i}", LANGS[info.lang].code);
    info
}

fn feed_spec(feed: &FeedInfo) -> FeedSpec {
    FeedSpec {
        config_url: format!("http://f{}.searchdb.invalid/feed.xml", feed.index),
        name: feed.name.clone(),
    }
}

/// Item `j` of `feed`, found by a poll at `at`, with its page extracted.
fn article(sim: &Sim, feed: &FeedInfo, j: usize, at: DateTime<Utc>) -> Article {
    let item = sim.item(feed, j);
    let mut rng = Rng::new(mix(
        sim.params.seed ^ 0x5EA2C4,
        (feed.index as u64) << 32 | j as u64,
    ));
    let published = at - Duration::seconds(rng.below(3600) as i64);
    let link = url::Url::parse(&format!(
        "http://f{}.searchdb.invalid{}",
        feed.index, item.path
    ))
    .expect("the host and a slug path make a valid URL");
    let language = Some(LANGS[item.lang].code.to_owned());
    let text = sim.article_text(&item);
    let identity = text_identity(&text, Some(&link), None);
    let entry = Entry {
        guid: Some(format!("searchdb-f{}-a{j}", feed.index)),
        link: Some(link.clone()),
        title: Some(item.title.clone()),
        author: Some(item.author.clone()),
        summary: Some(item.lead.clone()),
        published_at: Some(published),
        language: language.clone(),
        ..Entry::default()
    };
    let page = Extracted {
        title: Some(item.title),
        text,
        author: Some(item.author),
        published_at: Some(published),
        language: language.clone(),
        site_name: Some(feed.name.clone()),
        description: Some(item.lead),
        ..Extracted::default()
    };
    Article {
        record: EntryRecord {
            key: format!("guid:searchdb-f{}-a{j}", feed.index),
            url_key: Some(link.to_string()),
            entry,
        },
        page: PageResult::Extracted {
            page: Box::new(page),
            source: TextSource::Page,
            analysis: TextAnalysis {
                language,
                hits: Vec::new(),
            },
            identity,
        },
    }
}

/// Stores one poll as the daemon does: the entries, then each page's outcome. Returns the
/// number of articles stored.
fn store_one_poll(store: &mut Store, feed_id: i64, poll: &Poll) -> anyhow::Result<usize> {
    let records: Vec<EntryRecord> = poll.articles.iter().map(|a| a.record.clone()).collect();
    let update = SuccessfulPoll {
        record: PollRecord {
            polled_at: poll.at,
            next_poll_at: poll.at + Duration::minutes(10),
            status: "ok",
            http_status: Some(200),
            error: None,
        },
        entries: &records,
        etag: None,
        last_modified: None,
        moved_to: None,
        title: None,
    };
    let new = store.store_poll(feed_id, &update)?.new;
    if new != records.len() {
        bail!(
            "feed {}: {new} of {} entries were new",
            poll.feed,
            records.len()
        );
    }
    for pending in store.pending_pages(feed_id, records.len())? {
        let article = poll
            .articles
            .iter()
            .find(|a| a.record.url_key == pending.url)
            .context("a pending page that this poll did not bring")?;
        store.record_page(pending.article_id, &article.page, poll.at)?;
    }
    Ok(new)
}

fn progress(done: usize, total: usize, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    let rate = done as f64 / secs.max(1e-9);
    eprintln!(
        "searchdb: {done}/{total} articles, {rate:.0}/s, {:.0} s left",
        (total - done) as f64 / rate.max(1e-9)
    );
}

/// A newshound config for the database: its feeds, the simulator's topics, a file outbox.
fn write_config(
    path: &Path,
    args: &SearchDbArgs,
    sim: &Sim,
    specs: &[FeedSpec],
) -> anyhow::Result<()> {
    let db = std::path::absolute(&args.db)
        .with_context(|| format!("cannot resolve {}", args.db.display()))?;
    let outbox = db.with_extension("outbox");
    let mut t = String::new();
    let _ = write!(
        t,
        "# newshound config written by feedsim searchdb: seed {}, {} articles over {} days, {} feeds\n\n\
         [daemon]\ndatabase = {}\nfetch_articles = true\nlog_level = \"info\"\n\n",
        args.seed,
        args.articles,
        args.days,
        args.feeds,
        super::toml_str(&db.to_string_lossy()),
    );
    for spec in specs {
        let _ = write!(
            t,
            "[[feeds]]\nurl = {}\nname = {}\n\n",
            super::toml_str(&spec.config_url),
            super::toml_str(&spec.name)
        );
    }
    t.push_str(&sim.topics_toml());
    let _ = write!(
        t,
        "[email]\nfrom = \"newshound@localhost\"\nto = [\"desk@localhost\"]\n\n[email.file]\ndir = {}\n\n\
         [[digests]]\nname = \"morning\"\nat = [\"07:30\"]\ntimezone = \"Europe/Berlin\"\n",
        super::toml_str(&outbox.to_string_lossy()),
    );
    super::write_atomically(path, t.as_bytes())
}

/// Runs `sql` on the database `db` with the bundled SQLite and prints the rows of its last
/// statement, a line each, columns separated by tabs. Statements are split at `;` (the bench's
/// SQL has none inside literals).
pub fn run_sql(db: &std::path::Path, sql: &str) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(db)?;
    let statements: Vec<&str> = sql
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let Some((last, before)) = statements.split_last() else {
        return Ok(());
    };
    for statement in before {
        conn.execute_batch(statement)?;
    }
    let mut statement = conn.prepare(last)?;
    let columns = statement.column_count();
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let values: Vec<String> = (0..columns)
            .map(|i| match row.get_ref(i) {
                Ok(rusqlite::types::ValueRef::Integer(n)) => n.to_string(),
                Ok(rusqlite::types::ValueRef::Real(x)) => x.to_string(),
                Ok(rusqlite::types::ValueRef::Text(t)) => String::from_utf8_lossy(t).into_owned(),
                _ => String::new(),
            })
            .collect();
        println!("{}", values.join("\t"));
    }
    Ok(())
}
