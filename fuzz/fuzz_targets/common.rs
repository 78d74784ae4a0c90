//! What every target shares: the panic policy.
//!
//! libfuzzer-sys aborts on *every* panic, from its panic hook, before anything can catch it.
//! But newshound deliberately catches panics of a dependency it cannot make panic-free:
//! feed-rs/quick-xml in `parse::parse_feed` (quick-xml panics on UTF-16BE documents with a BOM
//! declared `utf-16`). The daemon survives those, so they
//! are not crashes of newshound; a target that aborted on them would stop at the first known
//! feed-rs bug and find nothing else.
//!
//! So [`install_panic_policy`] replaces the hook: a panic whose location is in a dependency's
//! source (under a cargo registry) is let unwind, to the `catch_unwind` newshound has around it.
//! If it escapes newshound, libfuzzer-sys's own `catch_unwind` aborts, so an uncaught one is
//! still a crash. Every other panic (newshound's code, std called from it) aborts at once, as
//! before. Each caught dependency panic is reported once per location on stderr, and the first
//! input for it is saved to `artifacts/<target>/caught-<hash of location>` so the run's notes can list them.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Mutex;

thread_local! {
    /// Location of the dependency panic seen during the current input, if any.
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Locations already reported, so a known panic is saved once, not per input.
static REPORTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// True for source files of dependencies (crates.io sources under `~/.cargo/registry`).
fn in_dependency(file: &str) -> bool {
    file.contains("/.cargo/registry/") || file.contains("/cargo/registry/")
}

/// Replaces libfuzzer-sys's hook (see the module docs); call from the target's `init`.
pub fn install_panic_policy() {
    let aborting = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()));
        match location {
            Some(location) if in_dependency(&location) => {
                CAUGHT.with(|caught| *caught.borrow_mut() = Some(location));
            }
            _ => aborting(info),
        }
    }));
}

/// After an input has run: reports and saves it when it caused a new caught dependency panic.
pub fn after_input(target: &str, input: &[u8]) {
    let Some(location) = CAUGHT.with(|caught| caught.borrow_mut().take()) else {
        return;
    };
    let mut reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    let reported = reported.get_or_insert_with(HashSet::new);
    if !reported.insert(location.clone()) {
        return;
    }
    // Named by location, so the separate processes of `-fork` mode save one file per location.
    let n = location.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    eprintln!("CAUGHT dependency panic {n:016x} at {location} (handled by newshound)");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("artifacts")
        .join(target);
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("caught-{n:016x}")), input);
}
