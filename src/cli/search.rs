//! `newshound search QUERY|--topic NAME [--since 30d] [--language de] [--limit 20] [--json]`:
//! a query in the topic language over the stored articles, matched exactly as the daemon
//! matches, newest first, one entry per story. With `--topic` it previews a configured topic:
//! what it would have matched.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};

use newshound::config::Config;
use newshound::matcher::{Query, parse_query};
use newshound::search::{self, Count, Found, Request, story_hits};

/// Arguments of `search`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The query, in the topic query language (quote it for the shell).
    #[arg(required_unless_present = "topic", conflicts_with = "topic")]
    query: Option<String>,
    /// Run this configured topic's query (and its languages) instead.
    #[arg(long)]
    topic: Option<String>,
    /// Only articles first seen in this period before now, e.g. 30d, 12h.
    #[arg(long, value_parser = humantime::parse_duration)]
    since: Option<Duration>,
    /// Only articles in this language (ISO 639-1, e.g. de); may be given several times.
    #[arg(long = "language", value_name = "CODE")]
    languages: Vec<String>,
    /// Show at most this many stories (the newest); the counts cover all.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// One JSON object per story, with the fields of `hits --json`.
    #[arg(long)]
    json: bool,
    /// Match every candidate to count exactly, however many there are (by default a search
    /// with very many candidates shows the newest and estimates the totals from a sample).
    #[arg(long)]
    exact: bool,
}

/// What is searched for: a query and its name in the output.
struct Target {
    /// The topic's name, or the query as written.
    label: String,
    query: Query,
    languages: Vec<String>,
    /// Whether it is a configured topic (the summary then reads as a preview).
    is_topic: bool,
}

/// Searches the stored articles of the config's database.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    let Some(target) = target(&config, &args) else {
        return Ok(ExitCode::FAILURE);
    };
    let Some(store) = super::existing_store(&config)? else {
        return Ok(ExitCode::SUCCESS);
    };
    let now = Utc::now();
    let since = args.since.and_then(|d| back_from(now, d));
    let request = Request {
        languages: target.languages.clone(),
        since,
        count: if args.exact {
            Count::Exact
        } else {
            Count::Estimate {
                stories: args.limit,
            }
        },
        ..Request::default()
    };
    let found = search::find(&store, &target.query, &request, None)?;
    let results = story_hits(&store, &target.label, &found, args.limit)?;
    let mut out = std::io::stdout().lock();
    for (index, result) in results.iter().enumerate() {
        if args.json {
            writeln!(out, "{}", result.json_line())?;
        } else {
            if index > 0 {
                writeln!(out)?;
            }
            super::hits::write_text(&mut out, result)?;
        }
    }
    out.flush()?;
    eprintln!("{}", summary(&target, &found, args.since, results.len()));
    Ok(ExitCode::SUCCESS)
}

/// The query to run, from the argument or the named topic; `None` after printing why not.
fn target(config: &Config, args: &Args) -> Option<Target> {
    if let Some(name) = &args.topic {
        let Some(topic) = config.topics.iter().find(|t| &t.name == name) else {
            eprintln!(
                "newshound: no topic named {name:?} in {}",
                config.path.display()
            );
            return None;
        };
        return Some(Target {
            label: topic.name.clone(),
            query: topic.parsed.clone(),
            languages: if args.languages.is_empty() {
                topic.languages.clone()
            } else {
                args.languages.clone()
            },
            is_topic: true,
        });
    }
    let text = args.query.as_deref().unwrap_or_default();
    match parse_query(text) {
        Ok(query) => Some(Target {
            label: text.to_owned(),
            query,
            languages: args.languages.clone(),
            is_topic: false,
        }),
        Err(error) => {
            eprintln!("newshound: invalid query: {error}");
            eprintln!("  {text}");
            let column = text[..error.offset.min(text.len())].chars().count();
            eprintln!("  {}^", " ".repeat(column));
            None
        }
    }
}

/// The closing line: how much matched out of how much was searched, and how long it took.
fn summary(target: &Target, found: &Found, since: Option<Duration>, shown: usize) -> String {
    let period = since.map_or_else(
        || "stored".to_owned(),
        |d| format!("of the last {}", humantime::format_duration(d)),
    );
    let (articles, stories, about) = match found.estimate {
        Some(estimate) => (estimate.articles, estimate.stories, "about "),
        None => (found.matches.len(), found.stories(), ""),
    };
    let stories = super::counted(stories, "story", "stories");
    let articles = super::counted(articles, "article", "articles");
    let head = if target.is_topic {
        format!(
            "topic {:?} would have matched {about}{stories} ({about}{articles})",
            target.label
        )
    } else {
        format!("{about}{articles} in {about}{stories} matched")
    };
    let how = match found.estimate {
        Some(estimate) => format!(
            "estimated from {} of {} candidates, --exact counts them all",
            estimate.sampled, found.candidates
        ),
        None => format!("{} read", found.candidates),
    };
    let shown = if found.estimate.is_some() || shown < found.stories() {
        format!("; showing the newest {shown}")
    } else {
        String::new()
    };
    format!(
        "{head} of {} {period} articles searched ({how}), in {} ms{shown}",
        found.searched,
        found.elapsed.as_millis()
    )
}

/// `now` less `period`, if representable.
fn back_from(now: DateTime<Utc>, period: Duration) -> Option<DateTime<Utc>> {
    chrono::Duration::from_std(period)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
}
