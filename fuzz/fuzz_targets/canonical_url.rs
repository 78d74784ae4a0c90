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

/// Each target runs one of the shared checks; the others are unused here.
#[allow(dead_code)]
#[path = "checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(init: common::install_panic_policy(), |data: &[u8]| {
    checks::check_canonical(data);
    common::after_input("canonical_url", data);
});
