//! Tells the binary which versions of its libraries it was built with, for `newshound
//! --version`: a bug report needs the exact feed-rs and rustls releases, and Cargo.lock is
//! where cargo wrote down what it resolved. (SQLite's version is asked at run time.)
//!
//! Plain string scanning keeps the build free of a TOML parser for the build host; the test
//! `version_names_the_libraries_as_locked` checks the result against a real parse.

use std::path::Path;

/// The crates `--version` names, and the environment variable each version is passed in.
const LOCKED_CRATES: [(&str, &str); 2] = [
    ("feed-rs", "NEWSHOUND_FEED_RS_VERSION"),
    ("rustls", "NEWSHOUND_RUSTLS_VERSION"),
];

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_else(|err| {
        println!(
            "cargo:warning=cannot read {}: {err}; --version will say \"unknown\"",
            lock_path.display()
        );
        String::new()
    });
    for (name, variable) in LOCKED_CRATES {
        println!("cargo:rustc-env={variable}={}", locked_version(&lock, name));
    }
}

/// The version Cargo.lock records for the crate `name`; several (a crate locked twice) are
/// joined with ", ", none gives "unknown".
fn locked_version(lock: &str, name: &str) -> String {
    let name_line = format!("name = \"{name}\"");
    let versions: Vec<&str> = lock
        .split("[[package]]")
        .filter(|entry| entry.lines().any(|line| line.trim() == name_line))
        .filter_map(|entry| {
            entry.lines().find_map(|line| {
                line.trim()
                    .strip_prefix("version = \"")
                    .and_then(|rest| rest.strip_suffix('"'))
            })
        })
        .collect();
    if versions.is_empty() {
        "unknown".to_owned()
    } else {
        versions.join(", ")
    }
}
