//! `feedsim webdb`: topic hits and an outbox added to a `searchdb` database, for
//! `benches/web.sh`.
//!
//! The database is opened through the library's store first, so it is migrated to the
//! current schema; everything after that is plain SQL that matches the schema (the columns
//! `insert_hit` and the outbox write), so the triggers of the current and any later schema
//! fire as they do in the daemon. The stories get `--hits` hits of `--topics` topics named
//! `topic-000` …: topic `k` has a share proportional to `1 / (k + 1)` (a few big topics, many
//! small ones), each topic hits a story at most once, and the stories a topic hits are drawn
//! uniformly, so the hits spread over the articles' time range. A hit is found a little after
//! its article was first seen; `--backfill` of them (1%) are backfilled, found up to a week
//! later. Its matched words, snippet and marks come from its story's lead text, so they are as
//! long as real ones. The hits are written in the order they were found, so their ids grow
//! with their time as in a real database.
//!
//! The outbox gets `--outbox` emails over the same time range (alerts, digests, feed health;
//! most sent, some failed, a few pending), each message a few KB like a real alert. Every hit
//! that is not backfilled has been told about (`notified_at`), and those of immediate topics
//! have their `hit_deliveries` row (naming the latest alert before it): without them the
//! service would take the last week's hits for a backlog of undelivered alerts.
//!
//! The database's own feeds (`searchdb`'s, on `.invalid` hosts) are in no config the bench
//! uses; their next poll is put far ahead. The service reads the due feeds in the order of
//! their next poll and skips those not configured, so hundreds of overdue unconfigured feeds
//! would fill every read of due feeds and starve the configured ones.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use clap::Args;
use newshound::store::Store;
use rusqlite::{Connection, Transaction, params};

use super::content::{Params, Rng, Sim, mix};

/// Hits written per transaction.
const HITS_PER_TRANSACTION: usize = 20_000;
/// How often progress is printed, in hits.
const PROGRESS_EVERY: usize = 100_000;
/// Lead texts kept for the hits that follow (a story's hits are found close together).
const TEXTS_KEPT: usize = 512;
/// About this many bytes of text around the matched words, as the matcher's snippets.
const SNIPPET_BYTES: usize = 200;
/// The next poll of the database's own (unconfigured) feeds: a hundred years ahead.
const FAR_AHEAD_SECS: i64 = 100 * 365 * 86_400;

/// The arguments of `feedsim webdb`.
#[derive(Args)]
pub struct WebDbArgs {
    /// The database to add to, made by `feedsim searchdb` (changed in place: copy it first).
    #[arg(long)]
    db: PathBuf,
    /// Number of hits.
    #[arg(long, default_value_t = 1_000_000)]
    hits: usize,
    /// Number of topics (at most 100, the simulator's queries).
    #[arg(long, default_value_t = 100)]
    topics: usize,
    /// Share of hits marked backfilled.
    #[arg(long, default_value_t = 0.01)]
    backfill: f64,
    /// Number of outbox rows.
    #[arg(long, default_value_t = 1_000)]
    outbox: usize,
    /// Seed of the choices and of the topics' queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the topics (`topic-000` …, with the simulator's queries) here, as a TOML file of
    /// `[[topics]]` a config can include.
    #[arg(long)]
    topics_out: Option<PathBuf>,
}

/// One story that topics can hit: its lead article and when that was first seen.
struct Story {
    id: i64,
    lead: i64,
    first_seen: i64,
}

/// A hit chosen but not written yet.
struct PlannedHit {
    created_at: i64,
    story: u32,
    topic: u16,
    backfill: bool,
}

/// Adds the hits, the outbox and the feed states, printing progress on stderr.
pub fn webdb(args: WebDbArgs) -> anyhow::Result<()> {
    if !(1..=100).contains(&args.topics) {
        bail!("--topics must be between 1 and 100");
    }
    if !args.db.exists() {
        bail!(
            "{} does not exist; make it with `feedsim searchdb`",
            args.db.display()
        );
    }
    let started = Instant::now();
    drop(Store::open(&args.db).context("cannot open (and migrate) the database")?);
    let mut conn = Connection::open(&args.db)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let already: i64 = conn.query_row(
        "SELECT count(*) FROM hits WHERE topic = 'topic-000'",
        [],
        |r| r.get(0),
    )?;
    if already > 0 {
        bail!(
            "{} already has hits of topic-000: webdb was run on it",
            args.db.display()
        );
    }
    let topics = topics(args.seed, args.topics);
    if let Some(path) = &args.topics_out {
        super::write_atomically(path, topics.toml.as_bytes())?;
    }
    let now = chrono::Utc::now().timestamp();
    let stories = read_stories(&conn)?;
    if stories.is_empty() {
        bail!("{} has no stories", args.db.display());
    }
    let mut rng = Rng::new(mix(args.seed, 0x3EBDB));
    let plan = plan_hits(&args, &stories, now, &mut rng)?;
    eprintln!(
        "webdb: {} hits of {} topics over {} stories planned in {:.1} s",
        plan.len(),
        args.topics,
        stories.len(),
        started.elapsed().as_secs_f64()
    );
    let (oldest, newest) = (stories[0].first_seen, now);
    let tx = conn.transaction()?;
    let alerts = write_outbox(&tx, args.outbox, args.topics, oldest, newest, &mut rng)?;
    tx.commit()?;
    write_hits(
        &mut conn,
        &stories,
        &plan,
        &topics.immediate,
        &alerts,
        &mut rng,
    )?;
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE feeds SET next_poll_at = ?1 WHERE config_url LIKE '%.searchdb.invalid/%'",
        [now + FAR_AHEAD_SECS],
    )?;
    tx.commit()?;
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);")?;
    drop(conn);
    let bytes = std::fs::metadata(&args.db).map_or(0, |m| m.len());
    eprintln!(
        "webdb: done in {:.1} s; {} MB in {}",
        started.elapsed().as_secs_f64(),
        bytes / 1_000_000,
        args.db.display()
    );
    Ok(())
}

/// The bench's topics: the simulator's, renamed.
struct Topics {
    /// The `[[topics]]` tables.
    toml: String,
    /// Whether each topic sends immediate alerts (the others go into the digest).
    immediate: Vec<bool>,
}

/// The simulator's topics for `seed`, the first `count` of them, renamed `topic-000` …; each
/// keeps its old name in a comment.
fn topics(seed: u64, count: usize) -> Topics {
    let sim = Sim::new(Params {
        feeds: 1,
        items: 1,
        seed,
        syndicated: 0.0,
    });
    let mut out = String::from(
        "# The simulator's 100 topics renamed topic-000 … (feedsim webdb): the hits the bench \
         database holds are under these names.\n\n",
    );
    let mut k = 0;
    let mut immediate = Vec::with_capacity(count);
    for line in sim.topics_toml().lines() {
        if line == "[[topics]]" && k == count {
            break;
        }
        if line.starts_with("alert = ") {
            immediate.push(line == "alert = \"immediate\"");
        }
        match line.strip_prefix("name = ") {
            Some(old) => {
                let _ = writeln!(out, "name = \"{}\" # the simulator's {old}", topic_name(k));
                k += 1;
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Topics {
        toml: out,
        immediate,
    }
}

fn topic_name(k: usize) -> String {
    format!("topic-{k:03}")
}

/// Every story with a lead that has a text, oldest first.
fn read_stories(conn: &Connection) -> anyhow::Result<Vec<Story>> {
    let mut statement = conn.prepare(
        "SELECT s.id, s.lead_article_id, a.first_seen_at
         FROM stories s JOIN articles a ON a.id = s.lead_article_id
         WHERE a.text IS NOT NULL ORDER BY a.first_seen_at, s.id",
    )?;
    let stories = statement
        .query_map([], |r| {
            Ok(Story {
                id: r.get(0)?,
                lead: r.get(1)?,
                first_seen: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<Story>>>()?;
    Ok(stories)
}

/// How many hits each topic gets: shares proportional to `1 / (k + 1)`, none above the number
/// of stories, adding up to `total`.
fn hits_per_topic(total: usize, topics: usize, stories: usize) -> anyhow::Result<Vec<usize>> {
    if total > topics * stories {
        bail!("{total} hits do not fit {topics} topics x {stories} stories (one hit per story)");
    }
    let weights: Vec<f64> = (0..topics).map(|k| 1.0 / (k + 1) as f64).collect();
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| ((total as f64 * w / sum) as usize).min(stories))
        .collect();
    // Rounding and the cap leave some over: give it to the smallest topics that have room.
    let mut left = total - counts.iter().sum::<usize>();
    while left > 0 {
        for count in counts.iter_mut().rev().filter(|c| **c < stories).take(left) {
            *count += 1;
            left -= 1;
        }
    }
    Ok(counts)
}

/// Chooses the stories of every topic and when each hit was found; sorted by that time.
fn plan_hits(
    args: &WebDbArgs,
    stories: &[Story],
    now: i64,
    rng: &mut Rng,
) -> anyhow::Result<Vec<PlannedHit>> {
    let counts = hits_per_topic(args.hits, args.topics, stories.len())?;
    let mut order: Vec<u32> = (0..stories.len() as u32).collect();
    let mut plan = Vec::with_capacity(args.hits);
    for (topic, &count) in counts.iter().enumerate() {
        // A partial Fisher-Yates shuffle: the first `count` of `order` are a uniform sample.
        for i in 0..count {
            let j = i + rng.below(order.len() - i);
            order.swap(i, j);
            let story = order[i];
            let first_seen = stories[story as usize].first_seen;
            let backfill = rng.chance(args.backfill);
            let delay = if backfill {
                rng.range(3_600, 7 * 86_400)
            } else {
                rng.range(2, 120)
            };
            plan.push(PlannedHit {
                created_at: (first_seen + delay as i64).min(now),
                story,
                topic: topic as u16,
                backfill,
            });
        }
    }
    plan.sort_unstable_by_key(|h| (h.created_at, h.story, h.topic));
    Ok(plan)
}

/// The lead texts of the stories, read as the hits need them and the latest few kept.
struct Texts<'c> {
    statement: rusqlite::Statement<'c>,
    kept: HashMap<i64, Rc<str>>,
    order: VecDeque<i64>,
}

impl Texts<'_> {
    fn get(&mut self, article: i64) -> anyhow::Result<Rc<str>> {
        if let Some(text) = self.kept.get(&article) {
            return Ok(Rc::clone(text));
        }
        let text: Rc<str> = self
            .statement
            .query_row([article], |r| r.get::<_, String>(0))?
            .into();
        if self.order.len() == TEXTS_KEPT {
            if let Some(oldest) = self.order.pop_front() {
                self.kept.remove(&oldest);
            }
        }
        self.order.push_back(article);
        self.kept.insert(article, Rc::clone(&text));
        Ok(text)
    }
}

/// Writes the planned hits, oldest first, in transactions of [`HITS_PER_TRANSACTION`], each
/// not backfilled as told about: those of `immediate` topics in the latest of `alerts` (time,
/// outbox id; ascending) before it, or the first.
fn write_hits(
    conn: &mut Connection,
    stories: &[Story],
    plan: &[PlannedHit],
    immediate: &[bool],
    alerts: &[(i64, i64)],
    rng: &mut Rng,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let reader = Connection::open_with_flags(
        conn.path().context("the database has a path")?,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let mut texts = Texts {
        statement: reader.prepare("SELECT text FROM articles WHERE id = ?1")?,
        kept: HashMap::new(),
        order: VecDeque::new(),
    };
    for (n, chunk) in plan.chunks(HITS_PER_TRANSACTION).enumerate() {
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO hits (topic, article_id, story_id, created_at, notified_at, score,
                     matched, snippet, snippet_marks, backfill)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            let mut deliver = tx.prepare_cached(
                "INSERT INTO hit_deliveries (hit_id, recipient, outbox_id)
                 VALUES (?1, 'desk@localhost', ?2)",
            )?;
            for hit in chunk {
                let story = &stories[hit.story as usize];
                let text = texts.get(story.lead)?;
                let found = found_words(&text, rng);
                let notified_at =
                    (!hit.backfill).then(|| hit.created_at + rng.range(1, 300) as i64);
                insert.execute(params![
                    topic_name(usize::from(hit.topic)),
                    story.lead,
                    story.id,
                    hit.created_at,
                    notified_at,
                    found.score,
                    serde_json::to_string(&found.matched)?,
                    found.snippet,
                    serde_json::to_string(&found.marks)?,
                    hit.backfill,
                ])?;
                let topic = usize::from(hit.topic);
                if let Some(at) = notified_at.filter(|_| immediate.get(topic) == Some(&true)) {
                    let alert = alerts.partition_point(|a| a.0 <= at).saturating_sub(1);
                    if let Some(&(_, outbox_id)) = alerts.get(alert) {
                        deliver.execute(params![tx.last_insert_rowid(), outbox_id])?;
                    }
                }
            }
        }
        tx.commit()?;
        let done = (n + 1) * HITS_PER_TRANSACTION;
        if done % PROGRESS_EVERY == 0 || done >= plan.len() {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "webdb: {}/{} hits written, {:.0}/s",
                done.min(plan.len()),
                plan.len(),
                done.min(plan.len()) as f64 / secs.max(1e-9)
            );
        }
    }
    Ok(())
}

/// What a hit says the matcher found: the words, a snippet with them marked, a score.
struct Found {
    matched: Vec<String>,
    snippet: String,
    marks: Vec<(usize, usize)>,
    score: u32,
}

/// One to three words of a passage of `text` as the matched words, the passage (about
/// [`SNIPPET_BYTES`], cut at spaces, `…` where it was cut) as the snippet with every
/// occurrence of them marked.
fn found_words(text: &str, rng: &mut Rng) -> Found {
    let words: Vec<&str> = text.split_whitespace().collect();
    let first = rng.below(words.len().saturating_sub(30).max(1));
    let mut passage: Vec<&str> = Vec::new();
    let mut bytes = 0;
    for &word in words.iter().skip(first) {
        if bytes >= SNIPPET_BYTES {
            break;
        }
        passage.push(word);
        bytes += word.len() + 1;
    }
    let cut_before = if first > 0 { "…" } else { "" };
    let cut_after = if first + passage.len() < words.len() {
        "…"
    } else {
        ""
    };
    let snippet = format!("{cut_before}{}{cut_after}", passage.join(" "));
    let candidates: Vec<&str> = passage
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 5)
        .collect();
    let mut matched: Vec<String> = Vec::new();
    for _ in 0..rng.range(1, 3) {
        if candidates.is_empty() {
            break;
        }
        let word = candidates[rng.below(candidates.len())];
        if !matched.iter().any(|m| m == word) {
            matched.push(word.to_owned());
        }
    }
    let marks = marks_of(&snippet, &matched);
    let score = (marks.len() + rng.below(6)).max(1) as u32;
    Found {
        matched,
        snippet,
        marks,
        score,
    }
}

/// Byte ranges of every occurrence of `words` in `snippet`, ascending and not overlapping.
fn marks_of(snippet: &str, words: &[String]) -> Vec<(usize, usize)> {
    let mut marks: Vec<(usize, usize)> = words
        .iter()
        .flat_map(|w| {
            snippet
                .match_indices(w.as_str())
                .map(|(at, m)| (at, at + m.len()))
        })
        .collect();
    marks.sort_unstable();
    let mut kept: Vec<(usize, usize)> = Vec::with_capacity(marks.len());
    for mark in marks {
        if kept.last().is_none_or(|last| mark.0 >= last.1) {
            kept.push(mark);
        }
    }
    kept
}

/// `count` outbox rows over `oldest..=newest`: topic alerts, digests and feed health emails;
/// most sent, some failed for good, a few pending a retry. Returns the time and id of every
/// immediate alert sent, ascending.
fn write_outbox(
    tx: &Transaction<'_>,
    count: usize,
    topics: usize,
    oldest: i64,
    newest: i64,
    rng: &mut Rng,
) -> anyhow::Result<Vec<(i64, i64)>> {
    let mut insert = tx.prepare(
        "INSERT INTO outbox (kind, name, recipient, sender, subject, message_id, message,
             created_at, status, attempts, next_attempt_at, last_error, answer, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let span = (newest - oldest).max(1);
    let mut alerts = Vec::new();
    for n in 0..count {
        let created_at = oldest + span * (n as i64 + 1) / count as i64 - rng.below(600) as i64;
        let topic = topic_name(rng.below(topics));
        let (kind, name, subject) = match rng.below(100) {
            0..85 => (
                "immediate",
                None,
                format!("[newshound] {topic}: {} new stories", rng.range(1, 9)),
            ),
            85..95 => (
                "digest",
                Some("morning"),
                format!("[newshound] morning digest: {} stories", rng.range(5, 80)),
            ),
            95..98 => (
                "feed_broken",
                None,
                format!("[newshound] feed broken: searchdb #{}", rng.below(300)),
            ),
            _ => (
                "feed_recovered",
                None,
                format!("[newshound] feed recovered: searchdb #{}", rng.below(300)),
            ),
        };
        let message_id = format!("<webdb-{n}-{created_at}@newshound.localhost>");
        let message = fake_message(&subject, &message_id, rng);
        let (status, attempts, last_error, answer, sent_at) = match rng.below(100) {
            0..95 => (
                "sent",
                1,
                None,
                Some(format!(
                    "250 2.0.0 Ok: queued as {:010X}",
                    rng.next_u64() >> 24
                )),
                Some(created_at + rng.range(1, 20) as i64),
            ),
            95..98 => (
                "failed",
                rng.range(1, 6),
                Some(
                    "550 5.1.1 <desk@localhost>: Recipient address rejected: User unknown"
                        .to_owned(),
                ),
                None,
                None,
            ),
            _ => (
                "pending",
                rng.range(1, 3),
                Some("connection refused (os error 111)".to_owned()),
                None,
                None,
            ),
        };
        let next_attempt_at = created_at + 60 * attempts as i64;
        insert.execute(params![
            kind,
            name,
            "desk@localhost",
            "newshound@localhost",
            subject,
            message_id,
            message.into_bytes(),
            created_at,
            status,
            attempts as i64,
            next_attempt_at,
            last_error,
            answer,
            sent_at,
        ])?;
        if kind == "immediate" && status == "sent" {
            alerts.push((created_at, tx.last_insert_rowid()));
        }
    }
    alerts.sort_unstable();
    Ok(alerts)
}

/// An RFC 5322 message of a few KB, about the size of a real alert with its HTML part.
fn fake_message(subject: &str, message_id: &str, rng: &mut Rng) -> String {
    let mut message = format!(
        "From: newshound@localhost\r\nTo: desk@localhost\r\nSubject: {subject}\r\n\
         Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n"
    );
    for line in 0..rng.range(40, 120) {
        let _ = write!(
            message,
            "{line:3}. A story that matched, its site and its link: https://example.org/{:x}\r\n",
            rng.next_u64()
        );
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The topics' shares add up to the total, fall with the rank and never exceed the stories.
    #[test]
    fn hits_per_topic_adds_up_and_falls_with_the_rank() {
        let counts = hits_per_topic(1_000_000, 100, 475_000).unwrap();
        assert_eq!(counts.iter().sum::<usize>(), 1_000_000);
        assert!(counts.windows(2).all(|w| w[0] >= w[1]));
        assert!(counts[0] > 150_000 && counts[99] > 1_000, "{counts:?}");
        let capped = hits_per_topic(250, 5, 100).unwrap();
        assert_eq!(capped.iter().sum::<usize>(), 250);
        assert!(capped.iter().all(|&c| c <= 100));
    }

    /// A snippet's marks are byte ranges of the snippet that hold a matched word.
    #[test]
    fn found_words_marks_the_matched_words_in_the_snippet() {
        let text = "Die Regierung kündigte neue Sanktionen gegen Exporteure an. ".repeat(20);
        let mut rng = Rng::new(7);
        for _ in 0..50 {
            let found = found_words(&text, &mut rng);
            assert!(!found.matched.is_empty());
            assert!(found.snippet.len() < SNIPPET_BYTES + 40);
            for &(start, end) in &found.marks {
                assert!(
                    found
                        .matched
                        .iter()
                        .any(|m| *m == found.snippet[start..end])
                );
            }
        }
    }
}
