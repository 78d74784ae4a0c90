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

use libfuzzer_sys::fuzz_target;
use newshound::parse::{entry_key, parse_feed};
use url::Url;

/// The charset the fuzz input is parsed with; the regression test uses the same rule.
fn charset_for(input: &[u8]) -> Option<&'static str> {
    match input.len() % 8 {
        5 => Some("iso-8859-1"),
        6 => Some("utf-16"),
        7 => Some("utf-8"),
        _ => None,
    }
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let base = Url::parse("https://feeds.example.org/news/rss.xml").unwrap();
    if let Ok(feed) = parse_feed(data, charset_for(data), &base) {
        for entry in &feed.entries {
            let key = entry_key(entry);
            assert!(
                key.starts_with("guid:") || key.starts_with("link:") || key.starts_with("hash:"),
                "entry key without its kind: {key:?}"
            );
        }
    }
    common::after_input("feed_parse", data);
});
