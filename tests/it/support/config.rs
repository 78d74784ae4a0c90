//! A test's own folder: its config file (with `[daemon]` defaults suited to tests) and its
//! database.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// A temporary folder holding a config file; removed when dropped.
pub struct TestConfig {
    /// The folder (database and outbox go here too).
    pub dir: tempfile::TempDir,
}

impl TestConfig {
    /// Writes `newshound.toml` with `[daemon]` defaults suited to tests (a test database, a 2 s
    /// request timeout unless `daemon_extra` sets one), then `daemon_extra` lines in `[daemon]`, then `body`.
    pub fn new(daemon_extra: &str, body: &str) -> TestConfig {
        let dir = tempfile::tempdir().unwrap();
        let mut daemon =
            String::from("[daemon]\ndatabase = \"test.db\"\nconnect_timeout = \"1s\"\n");
        if !daemon_extra.contains("request_timeout") {
            daemon.push_str("request_timeout = \"2s\"\n");
        }
        let text = format!("{daemon}{daemon_extra}\n\n{body}\n");
        std::fs::write(dir.path().join("newshound.toml"), text).unwrap();
        TestConfig { dir }
    }

    /// Path of the config file.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("newshound.toml")
    }

    /// Path of the database.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// Loads and validates the config, failing the test with every problem when invalid.
    pub fn load(&self) -> newshound::config::Config {
        load(&self.path())
    }
}

/// Loads a config, failing the test with every problem when invalid.
pub fn load(path: &Path) -> newshound::config::Config {
    match newshound::config::load(path) {
        Ok(config) => config,
        Err(e) => panic!("invalid test config:\n{e}"),
    }
}

/// A `[[feeds]]` block.
pub fn feed(url: &str, name: &str) -> String {
    format!("[[feeds]]\nurl = \"{url}\"\nname = \"{name}\"\n")
}

/// A connection to a test database, waiting for locks like newshound does.
pub fn db(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn
}
