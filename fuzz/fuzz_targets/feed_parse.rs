//! Feed parsing as the pipeline calls it: `parse::parse_feed(body, http_charset, final_url)`.
//!
//! The input is the document body. The HTTP charset is derived from the input's length (so it
//! is fixed for a given input and the same rule replays it in `tests/it/fuzz_regressions.rs`):
//! none for most inputs, a Latin-1 or UTF-16 label for some, so the transcoding path is fuzzed
//! too. Checks: no panic escapes (feed-rs panics are caught inside `parse_feed`, see
//! `common.rs`), bounded time (libFuzzer's `-timeout`), and every entry has a well-formed
//! identity key.

#![no_main]

#[path = "common.rs"]
mod common;

/// Each target runs one of the shared checks; the others are unused here.
#[allow(dead_code)]
#[path = "checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let _ = checks::check_feed(data);
    common::after_input("feed_parse", data);
});
