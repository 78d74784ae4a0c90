//! The `newshound` command line: parses the arguments and hands each subcommand to its module
//! in `cli/`; turns what comes back into an exit code.
//!
//! `anyhow` lives only in the command line; everything below it returns typed errors.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod cli;

/// Every article builds and drops a DOM of many small nodes on one of several threads: glibc's
/// malloc keeps what each thread freed in that thread's arena, so resident memory grew far past
/// the live heap, and its allocation calls were a fifth of the CPU. jemalloc (the allocator
/// rustc and TiKV ship) returns freed pages and allocates faster on that pattern; README's
/// Performance section has the figures.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    Run(cli::run::Args),
    /// Validate the configuration and report every problem with its file, line and column.
    Check,
    /// Show every configured feed with its poll state.
    Feeds,
    /// Print the main text of pages (files or URLs) as newshound extracts it.
    Extract(cli::extract::Args),
    /// Run one page, or a feed and all its items, through extraction and matching, and show
    /// for every topic whether it matched, with which words, or which part of its query failed.
    Explain(cli::explain::Args),
    /// List stored hits, newest first.
    Hits(cli::hits::Args),
    /// Search the stored articles with a query in the topic language (or preview a configured
    /// topic with --topic): one entry per story, newest first, with how many matched.
    Search(cli::search::Args),
    /// Serve the read-only web pages over the database (as `[web] listen` does inside `run`).
    Web(cli::web::Args),
    /// Apply topics to the stored articles and store the hits they would have made, marked as
    /// backfilled: no immediate alert, the topic's next digest carries them.
    Rematch(cli::rematch::Args),
    /// Show the newest messages of the outbox (emails and channel messages): when, to whom or
    /// through which channel, status, attempts, subject, and the answer or the last error.
    Outbox(cli::outbox::Args),
    /// Print what the next digest NAME would contain; with --send, send it now.
    Digest(cli::digest::Args),
    /// Send one test message through the configured transport and print the server's answer.
    TestEmail(cli::test_email::Args),
    /// Send one test message through the channel NAME (webhook, ntfy, slack, matrix or email)
    /// and print the receiver's answer.
    TestChannel(cli::test_channel::Args),
    /// Print [[feeds]] TOML for every feed in an OPML file (outline titles become tags).
    ImportOpml(cli::import_opml::Args),
    /// Write a starter config at --config: the feeds given (--opml, --feed), two example
    /// topics, alerts and a morning digest to --email, SMTP (--smtp) or .eml files; then check
    /// it and print the next steps. An existing file is only replaced with --force.
    Init(cli::init::Args),
    /// Print the completion script for bash, zsh or fish.
    ///
    /// The Debian package installs all three. Elsewhere, write it where the shell looks: for
    /// bash ~/.local/share/bash-completion/completions/newshound, for zsh a folder of $fpath
    /// as _newshound, for fish ~/.config/fish/completions/newshound.fish.
    Completions(cli::completions::Args),
    /// Write the manual pages, newshound.1 and one per subcommand, into a folder.
    #[command(hide = true)]
    Man(cli::man::Args),
}

/// What `--version` prints after the name: the version, then the libraries a bug report needs,
/// as this binary was built (the crates' versions come from Cargo.lock through build.rs; the
/// SQLite linked in is asked).
fn long_version() -> String {
    format!(
        "{}\nSQLite {}\nfeed-rs {}\nrustls {}",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version(),
        env!("NEWSHOUND_FEED_RS_VERSION"),
        env!("NEWSHOUND_RUSTLS_VERSION"),
    )
}

/// The arguments parsed, with `--version` carrying [`long_version`] (`-V` stays one line).
fn parse_arguments() -> Cli {
    let matches = Cli::command().long_version(long_version()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
}

fn main() -> ExitCode {
    let Cli { config, command } = parse_arguments();
    let result = match command {
        Command::Run(args) => cli::run::run(&config, args),
        Command::Check => cli::check::run(&config),
        Command::Feeds => cli::feeds::run(&config),
        Command::Extract(args) => cli::extract::run(&config, args),
        Command::Explain(args) => cli::explain::run(&config, args),
        Command::Hits(args) => cli::hits::run(&config, args),
        Command::Search(args) => cli::search::run(&config, args),
        Command::Rematch(args) => cli::rematch::run(&config, args),
        Command::Outbox(args) => cli::outbox::run(&config, args),
        Command::Digest(args) => cli::digest::run(&config, args),
        Command::TestEmail(args) => cli::test_email::run(&config, args),
        Command::TestChannel(args) => cli::test_channel::run(&config, args),
        Command::ImportOpml(args) => cli::import_opml::run(args),
        Command::Init(args) => cli::init::run(&config, args),
        Command::Web(args) => cli::web::run(&config, args),
        Command::Completions(args) => cli::completions::run(Cli::command(), args),
        Command::Man(args) => cli::man::run(Cli::command(), args),
    };
    match result {
        Ok(code) => code,
        // A reader that stops early (`newshound extract ... | head`) is not an error.
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("newshound: {err:#}");
            ExitCode::FAILURE
        }
    }
}
