//! The subcommands, one file each; `main.rs` parses the arguments and calls the subcommand's
//! `run`, which returns the exit code. What several of them share is here: loading the config
//! with every problem printed, and the async runtime for those that talk to the network or the
//! store thread.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use newshound::config::{self, Config};

pub mod check;
pub mod completions;
pub mod digest;
pub mod explain;
pub mod extract;
pub mod feeds;
pub mod hits;
pub mod import_opml;
pub mod man;
pub mod outbox;
pub mod rematch;
pub mod run;
pub mod search;
pub mod test_channel;
pub mod test_email;
pub mod web;

/// Loads and validates the config, printing every problem; `None` when it is invalid.
pub fn load_config(path: &Path) -> Option<Config> {
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

/// The store of a command that only looks at what is stored: `None` (after saying so) when the
/// database does not exist yet, which such a command does not create.
pub fn existing_store(config: &Config) -> anyhow::Result<Option<newshound::store::Store>> {
    if !config.daemon.database.exists() {
        eprintln!(
            "newshound: no database yet at {}; run `newshound run --once` first",
            config.daemon.database.display()
        );
        return Ok(None);
    }
    Ok(Some(newshound::store::Store::open(
        &config.daemon.database,
    )?))
}

/// The runtime for a command that fetches, sends or uses the store thread.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// `n` and the noun in its number: `1 story`, `2 stories`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Success when nothing failed.
pub fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A write to a reader that went away (`newshound extract ... | head`): not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
