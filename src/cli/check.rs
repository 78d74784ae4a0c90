//! `newshound check`: validates the configuration, printing every problem with its file, line
//! and column, the warnings, and a summary of what it configures.

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
    Ok(ExitCode::SUCCESS)
}
