//! `newshound hits [--topic NAME] [--since 24h] [--json]`: the stored hits, newest first, as a
//! readable list or one JSON object per line for scripts.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Local, Utc};

use newshound::store::{HitFilter, StoredHit};

/// Arguments of `hits`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only hits of this topic.
    #[arg(long)]
    topic: Option<String>,
    /// Only hits found in this period before now, e.g. 24h, 7d, 30m.
    #[arg(long, value_parser = humantime::parse_duration)]
    since: Option<std::time::Duration>,
    /// One JSON object per line: topic, title, url, feed, language, score, matched,
    /// snippet, published_at, created_at, article_id, story_id, sources, backfill.
    #[arg(long)]
    json: bool,
}

/// Lists the stored hits of the config's database.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    let Some(store) = super::existing_store(&config)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if let Some(topic) = &args.topic
        && !config.topics.iter().any(|t| &t.name == topic)
    {
        eprintln!(
            "newshound: note: no topic named {topic:?} in {}",
            config.path.display()
        );
    }
    let hits = store.hits(&filter(args.topic, args.since, Utc::now()))?;
    write(&mut std::io::stdout().lock(), &hits, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// The filter for `--topic` and `--since` (a duration back from `now`).
fn filter(
    topic: Option<String>,
    since: Option<std::time::Duration>,
    now: DateTime<Utc>,
) -> HitFilter {
    HitFilter {
        topic,
        since: since
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| now.checked_sub_signed(d)),
        ..HitFilter::default()
    }
}

/// Prints `hits` to `out`, as JSON lines or as text blocks.
fn write(out: &mut impl Write, hits: &[StoredHit], json: bool) -> std::io::Result<()> {
    for (index, hit) in hits.iter().enumerate() {
        if json {
            writeln!(out, "{}", hit.json_line())?;
            continue;
        }
        if index > 0 {
            writeln!(out)?;
        }
        write_text(out, hit)?;
    }
    Ok(())
}

/// One hit as a readable block; `search` prints its results the same way.
pub(super) fn write_text(out: &mut impl Write, hit: &StoredHit) -> std::io::Result<()> {
    let local = |t: DateTime<Utc>| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string();
    writeln!(
        out,
        "{}  {}  (score {}, {}{})",
        local(hit.created_at),
        hit.topic,
        hit.score,
        hit.language.as_deref().unwrap_or("language unknown"),
        if hit.backfill { ", backfill" } else { "" }
    )?;
    writeln!(out, "  {}", hit.title.as_deref().unwrap_or("(untitled)"))?;
    if let Some(url) = &hit.url {
        writeln!(out, "  {url}")?;
    }
    let published = hit.published_at.map_or_else(
        || "publication time unknown".to_owned(),
        |t| format!("published {}", local(t)),
    );
    writeln!(out, "  {} · {published}", hit.feed)?;
    writeln!(out, "  matched: {}", hit.matched.join(", "))?;
    if hit.sources.len() > 1 {
        writeln!(out, "  also reported at: {}", hit.sources[1..].join(", "))?;
    }
    writeln!(out, "  {}", hit.snippet.marked())
}
