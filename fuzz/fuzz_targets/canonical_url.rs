//! URL canonicalisation for dedup: `dedup::url::canonical` on arbitrary text and
//! `canonical_url` on parsed URLs.
//!
//! The input is taken as an absolute URL and, since most fuzz strings are not, also as a link
//! relative to an article page (as feed and page links are). Checks the documented promises:
//! canonicalisation is idempotent, and its result parses back to a URL that serialises to the
//! same string.

#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use newshound::dedup::url::{canonical, canonical_url};
use url::Url;

fn check_parsed(url: &Url) {
    let once = canonical_url(url);
    let twice = canonical_url(&once);
    assert_eq!(twice.as_str(), once.as_str(), "not idempotent on {url}");
    let reparsed = Url::parse(once.as_str()).expect("a canonical URL parses again");
    assert_eq!(reparsed.as_str(), once.as_str(), "does not serialise back");
    assert_eq!(canonical(once.as_str()).as_deref(), Some(once.as_str()));
}

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(once) = canonical(text) {
        assert_eq!(canonical(&once).as_deref(), Some(once.as_str()), "canonical({text:?})");
    }
    if let Ok(url) = Url::parse(text) {
        check_parsed(&url);
    }
    let page = Url::parse("https://www.example.com/news/2024/story.html?id=1&utm_source=x").unwrap();
    if let Ok(url) = page.join(text) {
        check_parsed(&url);
    }
    common::after_input("canonical_url", data);
});
