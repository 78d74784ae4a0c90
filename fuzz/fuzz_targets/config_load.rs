//! Config loading from text: `config::load_text`, which runs the whole validation of
//! `config::load` on text in memory and does not expand `include` patterns, so an input can
//! neither read files nor make the target walk the file system.
//!
//! The config is placed in an empty temp dir (relative paths resolve there). Checks: no panic,
//! bounded time, and every reported error names the file and a position inside the text (line
//! and column 1-based, line within the text's lines), as `FILE:LINE:COLUMN` promises.

#![no_main]

#[path = "common.rs"]
mod common;

/// Each target runs one of the shared checks; the others are unused here.
#[allow(dead_code)]
#[path = "checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

use std::path::PathBuf;
use std::sync::OnceLock;

/// An empty folder for the input's config file, made once per process.
fn folder() -> &'static PathBuf {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    FOLDER.get_or_init(|| tempfile::tempdir().expect("a temp dir").keep())
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    checks::check_config(data, &folder().join("newshound.toml"));
    common::after_input("config_load", data);
});
