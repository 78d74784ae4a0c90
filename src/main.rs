//! The `newshound` command line: argument parsing, logging setup, and exit codes.
//!
//! `anyhow` lives only here; everything below returns typed errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Local, Utc};
use clap::{Parser, Subcommand};

mod email_command;
mod explain_command;
mod extract_command;
mod hits_command;

use newshound::config::{self, Config, DaemonSettings};
use newshound::daemon;
use newshound::store::{FeedState, HitFilter, Store};

/// Where the config is looked for when neither -c nor $NEWSHOUND_CONFIG is given.
const DEFAULT_CONFIG: &str = "/etc/newshound/newshound.toml";

/// newshound watches news feeds, extracts and deduplicates articles, matches your watch topics
/// and emails alerts and digests.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file.
    #[arg(short, long, global = true, env = "NEWSHOUND_CONFIG", default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon; with --once, run one poll cycle and print a summary.
    Run {
        /// Poll the feeds that are due once, process new items, send what is due, and exit.
        #[arg(long)]
        once: bool,
        /// With --once: poll every feed, due or not.
        #[arg(long, requires = "once")]
        all: bool,
    },
    /// Validate the configuration and report every problem with its file, line and column.
    Check,
    /// Show every configured feed with its poll state.
    Feeds,
    /// Print the main text of pages (files or URLs) as newshound extracts it.
    Extract {
        /// HTML files, or http(s) URLs fetched with the daemon's limits.
        #[arg(required = true)]
        inputs: Vec<String>,
        /// One JSON object per input: url, title, author, published, language, canonical_url,
        /// site_name, text, text_source.
        #[arg(long, conflicts_with = "output_dir")]
        json: bool,
        /// Write `<input file name>.txt` per input into this folder instead of printing.
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
    },
    /// Run one page, or a feed and all its items, through extraction and matching, and show
    /// for every topic whether it matched, with which words, or which part of its query failed.
    Explain {
        /// An http(s) URL, or a file (HTML page or feed).
        input: String,
    },
    /// List stored hits, newest first.
    Hits {
        /// Only hits of this topic.
        #[arg(long)]
        topic: Option<String>,
        /// Only hits found in this period before now, e.g. 24h, 7d, 30m.
        #[arg(long, value_parser = humantime::parse_duration)]
        since: Option<std::time::Duration>,
        /// One JSON object per line: topic, title, url, feed, language, score, matched,
        /// snippet, published_at, created_at, article_id, story_id, sources.
        #[arg(long)]
        json: bool,
    },
    /// Show the newest emails of the outbox: when, to whom, status, attempts, subject, and the
    /// server's answer or the last error.
    Outbox {
        /// How many to show.
        #[arg(long, default_value_t = 30)]
        limit: usize,
    },
    /// Print what the next digest NAME would contain; with --send, send it now.
    Digest {
        /// The `[[digests]]` name, e.g. "Morning digest".
        name: String,
        /// Queue and deliver it now instead of printing it; the next scheduled digest then
        /// starts from now.
        #[arg(long)]
        send: bool,
    },
    /// Send one test message through the configured transport and print the server's answer.
    TestEmail {
        /// Recipient; defaults to `[email] to`.
        #[arg(long)]
        to: Option<String>,
    },
    /// Print [[feeds]] TOML for every feed in an OPML file (outline titles become tags).
    ImportOpml {
        /// The OPML file, as exported by most feed readers.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // A reader that stops early (`newshound extract ... | head`) is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("newshound: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::ImportOpml { file } => import_opml(&file),
        Command::Extract {
            inputs,
            json,
            output_dir,
        } => {
            let output = match (json, output_dir) {
                (_, Some(dir)) => extract_command::Output::Folder(dir),
                (true, None) => extract_command::Output::Json,
                (false, None) => extract_command::Output::Text,
            };
            let fetcher = if inputs
                .iter()
                .any(|i| i.starts_with("http://") || i.starts_with("https://"))
            {
                Some(fetcher_for_cli(&cli.config)?)
            } else {
                None
            };
            let failed = extract_command::run(&inputs, &output, fetcher.as_ref())?;
            Ok(if failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Explain { input } => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            let topics = daemon::compile_topics(&config);
            let fetcher = newshound::fetch::Fetcher::new(daemon::fetch_settings(&config))?;
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(explain_command::run(&input, &topics, &fetcher))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Hits { topic, since, json } => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            list_hits(
                &config,
                hits_command::filter(topic, since, Utc::now()),
                json,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox { limit } => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            email_command::outbox(&config, limit)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest { name, send } => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(email_command::digest(&config, &name, send))
        }
        Command::TestEmail { to } => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            runtime.block_on(email_command::test_email(&config, to))
        }
        Command::Check => Ok(match load_config(&cli.config) {
            Some(config) => {
                for warning in config.warnings() {
                    eprintln!("warning: {warning}");
                }
                println!("{}", config.summary());
                ExitCode::SUCCESS
            }
            None => ExitCode::FAILURE,
        }),
        Command::Feeds => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            print_feeds(&config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { once, all } => {
            let Some(config) = load_config(&cli.config) else {
                return Ok(ExitCode::FAILURE);
            };
            init_logging(&config.daemon.log_level);
            log_panics();
            ignore_file_size_signal();
            for warning in config.warnings() {
                tracing::warn!("{warning}");
            }
            let runtime =
                tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
            if once {
                let summary = runtime.block_on(daemon::run_once(&config, all))?;
                println!("{summary}");
            } else {
                runtime.block_on(daemon::run_daemon(cli.config.clone(), config))?;
                // Refreshes that outlived the grace period are abandoned, not awaited.
                runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The fetcher for URLs named on the command line: the config's limits when there is a config
/// file, the defaults otherwise (extracting a page should not need a config).
fn fetcher_for_cli(path: &Path) -> anyhow::Result<newshound::fetch::Fetcher> {
    let daemon = if path.exists() {
        match config::load(path) {
            Ok(config) => config.daemon,
            Err(errors) => anyhow::bail!("{errors}"),
        }
    } else {
        DaemonSettings::defaults(Path::new("."))
    };
    let settings = daemon::fetch_settings_of(&daemon);
    Ok(newshound::fetch::Fetcher::new(settings)?)
}

/// Loads and validates the config, printing every problem; `None` when it is invalid.
fn load_config(path: &Path) -> Option<Config> {
    match config::load(path) {
        Ok(config) => Some(config),
        Err(errors) => {
            eprintln!("{errors}");
            let n = errors.errors.len();
            eprintln!(
                "{n} problem{} in the configuration",
                if n == 1 { "" } else { "s" }
            );
            None
        }
    }
}

/// Logs go to stderr. Under systemd (JOURNAL_STREAM set) the journal adds time stamps and has no
/// use for colours, so both are left out. `RUST_LOG` overrides the configured level.
fn init_logging(level: &str) {
    let under_systemd = std::env::var_os("JOURNAL_STREAM").is_some();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!under_systemd && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if under_systemd {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

/// Routes panic messages to the log. Parsers of network input are run under `catch_unwind` or
/// in their own task, so such a panic is one feed's recorded error; its message belongs in the
/// log with the rest, not as a bare line on stderr.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "panic caught; the affected feed or page is recorded as failed");
    }));
}

fn import_opml(file: &Path) -> anyhow::Result<ExitCode> {
    let xml =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let toml = newshound::opml::feeds_toml_from_opml(&xml)
        .with_context(|| format!("{}", file.display()))?;
    print!("{toml}");
    Ok(ExitCode::SUCCESS)
}

fn list_hits(config: &Config, filter: HitFilter, json: bool) -> anyhow::Result<()> {
    // A read-only command: a database that does not exist yet has no hits and is not created.
    if !config.daemon.database.exists() {
        eprintln!(
            "newshound: no database yet at {}; run `newshound run --once` first",
            config.daemon.database.display()
        );
        return Ok(());
    }
    let store = Store::open(&config.daemon.database)?;
    if let Some(topic) = &filter.topic
        && !config.topics.iter().any(|t| &t.name == topic)
    {
        eprintln!(
            "newshound: note: no topic named {topic:?} in {}",
            config.path.display()
        );
    }
    let hits = store.hits(&filter)?;
    hits_command::write(&mut std::io::stdout().lock(), &hits, json)?;
    Ok(())
}

fn print_feeds(config: &Config) -> anyhow::Result<()> {
    // A read-only command: a database that does not exist yet is not created.
    let store = if config.daemon.database.exists() {
        Some(Store::open(&config.daemon.database)?)
    } else {
        None
    };
    let mut rows = vec![
        [
            "NAME",
            "URL",
            "LAST POLL",
            "STATUS",
            "ITEMS",
            "ERRORS",
            "NEXT POLL",
            "LAST ERROR",
        ]
        .map(String::from),
    ];
    for feed in &config.feeds {
        let state = match &store {
            Some(store) => store.feed_state(feed.url.as_str())?,
            None => None,
        };
        rows.push(feed_row(&feed.name, feed.url.as_str(), state.as_ref()));
    }
    print_table(&rows);
    Ok(())
}

fn feed_row(name: &str, url: &str, state: Option<&FeedState>) -> [String; 8] {
    let Some(s) = state else {
        return [name, url, "never", "-", "0", "0", "now", ""].map(String::from);
    };
    let status = match &s.disabled_reason {
        Some(_) => "disabled".to_owned(),
        None => s.last_status.clone().unwrap_or_else(|| "-".into()),
    };
    let next = if s.disabled_reason.is_some() {
        "never".to_owned()
    } else {
        local_time(Some(s.next_poll_at))
    };
    [
        name.to_owned(),
        s.url.clone(),
        local_time(s.last_polled_at),
        status,
        s.item_count.to_string(),
        s.consecutive_errors.to_string(),
        next,
        s.disabled_reason
            .clone()
            .or_else(|| s.last_error.clone())
            .unwrap_or_default(),
    ]
}

fn local_time(t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) if t.timestamp() > 0 => {
            t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
        }
        Some(_) => "now".into(),
        None => "never".into(),
    }
}

fn print_table(rows: &[[String; 8]]) {
    let mut widths = [0usize; 8];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}

/// A file size limit (`LimitFSIZE=`, `ulimit -f`) kills a process that writes past it with
/// SIGXFSZ unless the signal is ignored; ignored, the write fails with EFBIG, which the store
/// reports as "disk full or file size limit reached" and the service pauses ingestion instead of
/// dying mid-cycle.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code and is done
    // before the runtime starts any thread.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
