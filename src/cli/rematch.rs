//! `newshound rematch [--topic NAME]... [--since 30d] [--dry-run]`: applies topics to the stored
//! articles and stores the hits they would have made, marked as backfilled (no immediate
//! alert; the topic's next digest carries them). A story a topic already hit is left alone, so
//! running it twice adds nothing the second time.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;

use newshound::matcher::Topic;
use newshound::rematch::{Rematched, Window, rematch};

/// Arguments of `rematch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this topic; may be given several times. All topics when absent.
    #[arg(long = "topic", value_name = "NAME")]
    topics: Vec<String>,
    /// Articles first seen in this period before now, e.g. 30d, 12h.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30d")]
    since: Duration,
    /// Print the hits that would be added and store nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Applies the chosen topics to the stored articles of the config's database.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    let all = config.topic_set();
    let mut chosen: Vec<&Topic> = Vec::new();
    for name in &args.topics {
        match all.topics().iter().find(|t| &t.name == name) {
            Some(topic) => chosen.push(topic),
            None => {
                eprintln!(
                    "newshound: no topic named {name:?} in {}",
                    config.path.display()
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    if args.topics.is_empty() {
        chosen = all.topics().iter().collect();
    }
    let Some(mut store) = super::existing_store(&config)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let now = Utc::now();
    let window = Window {
        since: chrono::Duration::from_std(args.since)
            .ok()
            .and_then(|d| now.checked_sub_signed(d)),
        // Everything stored so far, including this second's articles.
        until: now + chrono::Duration::seconds(1),
    };
    for topic in chosen {
        let found = rematch(&mut store, topic, window, args.dry_run, true)?;
        report(&found, args.dry_run, args.since);
    }
    Ok(ExitCode::SUCCESS)
}

/// One topic's outcome: each hit of a dry run, then a line of counts.
fn report(found: &Rematched, dry_run: bool, since: Duration) {
    if dry_run {
        for hit in &found.hits {
            println!(
                "{}: story {} (article {}), score {}, matched {}",
                found.topic,
                hit.story_id,
                hit.article_id,
                hit.hit.score,
                hit.hit.matched.join(", ")
            );
        }
    }
    let hits = |n| super::counted(n, "backfilled hit", "backfilled hits");
    let outcome = if dry_run {
        format!("would add {}", hits(found.hits.len()))
    } else {
        format!("added {}", hits(found.added))
    };
    println!(
        "topic {:?}: {outcome} (of {} articles of the last {} searched, {} read, in {} ms)",
        found.topic,
        found.searched,
        humantime::format_duration(since),
        found.candidates,
        found.elapsed.as_millis()
    );
}
