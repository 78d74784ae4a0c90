//! `newshound check`: validates the configuration, printing every problem with its file, line
//! and column, the warnings, a summary of what it configures, and the SQLite it stores with
//! (whose full-text search `search` needs).

use std::path::Path;
use std::process::ExitCode;

/// Checks the config at `config_path`.
pub fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    for warning in config.warnings() {
        eprintln!("warning: {warning}");
    }
    println!("{}", config.summary());
    println!("{}", newshound::store::sqlite_build());
    Ok(ExitCode::SUCCESS)
}
