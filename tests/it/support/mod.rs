//! Test helpers, one file per kind; the names tests use are re-exported here, so a test
//! imports `crate::support::{...}`.
//!
//! - here: where things are (the checkout, the shared development data);
//! - `config`: a test's own folder, its config file and database;
//! - `demo`: a private copy of the offline demo, and what its seed story must look like;
//! - `process`: running the binary and reading what it prints;
//! - `service`: the service started in the background and stopped with signals;
//! - `http`: the scripted loopback HTTP server, the request reader and the one response writer;
//! - `hostile_server`: the loopback server that misbehaves byte by byte (issue 8);
//! - `python`: the test venv's Python, found or made, for the servers written in Python;
//! - `smtp`: the SMTP server process and reading the messages it received;
//! - `receiver`: the channel receiver process (signed webhooks, ntfy, Slack) and what it got;
//! - `synapse`: a Synapse homeserver process and the Matrix client calls tests need;
//! - `feeds`: feed documents and article pages;
//! - `newsroom`: seeded items that appear over time, for the crash and outage tests;
//! - `web`: the web pages served by the binary, and requests to them;
//! - `browser`: headless Chromium over WebDriver, for the pages in a real browser.

pub mod browser;
pub mod config;
pub mod demo;
pub mod feeds;
pub mod hostile_server;
pub mod http;
pub mod newsroom;
pub mod process;
pub mod python;
pub mod receiver;
pub mod service;
pub mod smtp;
pub mod synapse;
pub mod web;

use std::path::{Path, PathBuf};

pub use config::{TestConfig, db, feed, load};
pub use demo::{assert_clean_seed_article, demo_copy, seed_hits};
pub use feeds::{article_page, item_elements, rss};
pub use http::{Reply, Request, TestServer, read_request, write_response};
pub use process::{BIN, bare_command, command, json_lines, newshound, newshound_output};
pub use service::{
    service_command, signal, spawn_logged, start_notifying, start_service, stop, wait_exit,
};
pub use smtp::{SmtpOptions, SmtpServer, header, test_cert_pem, unqp};

/// The crate root, where `config/` and `tests/fixtures/` live.
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the shared development data lives: `$NEWSHOUND_SHARED_DIR` when set, else `../shared`
/// beside the crate root. A user's clone has none; tests that need it skip with a message.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("NEWSHOUND_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_root().join("../shared"))
}

/// Every file under `dir`, recursively, in a stable order.
pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}
