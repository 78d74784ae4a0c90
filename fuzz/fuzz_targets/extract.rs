//! Main-text extraction as the pipeline calls it: `decode_html(body, None)` then
//! `extract(&html, page_url)` with a fixed page URL.
//!
//! Checks: no panic at all (extraction is newshound's own code on dom_query since issue 18, so
//! any panic is a crash), bounded time and memory (libFuzzer's `-timeout` and `-rss_limit_mb`; the
//! module promises bounded work), and the documented shape of the result: the language is a
//! lower-case code and the canonical URL is on the web.

#![no_main]

#[path = "common.rs"]
mod common;

/// Each target runs one of the shared checks; the others are unused here.
#[allow(dead_code)]
#[path = "checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    checks::check_extract(data);
    common::after_input("extract", data);
});
