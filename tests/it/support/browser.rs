//! A real browser for the web pages: Debian's headless Chromium, driven over WebDriver by
//! `chromedriver` (a child process on a free loopback port, killed with its browser when the
//! [`Browser`] is dropped) through fantoccini. It reads the browser's console, sizes the
//! window, walks the page with the Tab key and saves screenshots under
//! `target/web-screenshots/` for a person to look at.
//!
//! Nothing leaves the machine: the pages are on 127.0.0.1, the browser resolves no host names
//! and runs without a proxy, updates, sync or background networking. When Chromium or
//! chromedriver is absent (`.ci/test` installs them as root), [`Browser::start`] says so and
//! the test skips.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use super::crate_root;
use super::web::{client, free_port, send};

/// Debian's `chromium` package.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Debian's `chromium-driver` package.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The window's height while a page is checked (screenshots take the whole page).
const WINDOW_HEIGHT: u32 = 900;

/// The tallest screenshot taken, so a runaway page cannot ask for a huge image.
const MAX_SCREENSHOT_HEIGHT: u32 = 8000;

/// How long chromedriver gets to answer `/status`.
const DRIVER_START_LIMIT: Duration = Duration::from_secs(30);

/// Why the browser tests cannot run on this machine, or `None` when they can.
pub fn missing_browser() -> Option<String> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "{} missing: install the Debian packages chromium and chromium-driver \
             (.ci/test does, as root)",
            missing.join(" and ")
        )
    })
}

/// One message of the browser's console (its log kind `browser`: console calls, CSP
/// violations, failed loads).
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    /// `SEVERE` for errors, then `WARNING`, `INFO`, `DEBUG`.
    pub level: String,
    /// What produced it: `console-api`, `network`, `security`, `javascript`, ...
    pub source: String,
    /// The message, starting with the URL it concerns.
    pub message: String,
}

impl ConsoleEntry {
    /// Whether the console shows it as an error.
    pub fn is_error(&self) -> bool {
        self.level == "SEVERE"
    }
}

/// chromedriver's log endpoint (`POST /session/{id}/se/log`, kept from Selenium's legacy
/// protocol beside W3C WebDriver, which has no log command). It returns the entries since the
/// last call and forgets them.
#[derive(Debug)]
struct ReadBrowserLog;

impl WebDriverCompatibleCommand for ReadBrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({ "type": "browser" }).to_string()))
    }
}

/// chromedriver, in a process group of its own so that the browsers it starts are killed with
/// it, however the test ends.
struct Driver {
    /// The chromedriver process, leader of its group.
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = i32::try_from(self.child.id()).expect("process ids fit in pid_t");
        // SAFETY: kill(2) with a negative pid signals the group this test made; no memory
        // is touched.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// A headless Chromium with one window.
pub struct Browser {
    /// The WebDriver session.
    client: Client,
    /// Holds the browser; dropped after the session, before the profile.
    _driver: Driver,
    /// The browser's profile, fresh for each browser and removed with it.
    _profile: tempfile::TempDir,
    /// Dialogs chromedriver found open when a script was to run (a page's inline script may
    /// open one after the navigation returned): it dismisses them and says what they said.
    late_dialogs: std::sync::Mutex<Vec<String>>,
}

impl Browser {
    /// Starts chromedriver and the browser, or prints why the test `test` skips and returns
    /// `None` when they are not installed.
    pub async fn start(test: &str) -> Option<Browser> {
        if let Some(why) = missing_browser() {
            eprintln!("{test}: skipped: {why}");
            return None;
        }
        let profile = tempfile::tempdir().unwrap();
        let port = free_port();
        let driver = start_driver(port, &profile.path().join("chromedriver.log")).await;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities(profile.path()))
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("cannot start {CHROMIUM} through chromedriver: {e}"));
        Some(Browser {
            client,
            _driver: driver,
            _profile: profile,
            late_dialogs: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Sizes the window to `width` CSS pixels wide and checks the page gets all of them.
    pub async fn set_width(&self, width: u32) {
        self.client
            .set_window_size(width, WINDOW_HEIGHT)
            .await
            .unwrap();
        let inner = self.script("return window.innerWidth").await;
        assert_eq!(inner, json!(width), "the browser would not size its window");
    }

    /// Loads `url` and waits for it (and its stylesheet) to load.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The console's messages since the last call.
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let log = self.client.issue_cmd(ReadBrowserLog).await.unwrap();
        let entries = log.as_array().cloned().unwrap_or_default();
        entries
            .iter()
            .map(|entry| ConsoleEntry {
                level: text_of(entry, "level"),
                source: text_of(entry, "source"),
                message: text_of(entry, "message"),
            })
            .collect()
    }

    /// Runs `body` (a function body; `return` gives the value) in the page. WebDriver's scripts
    /// run beside the page's Content-Security-Policy, which forbids the page's own.
    /// A dialog found open meanwhile is kept for [`Browser::late_dialogs`] and the script run
    /// again.
    pub async fn script(&self, body: &str) -> Value {
        let mut attempts = 0;
        loop {
            match self.client.execute(body, Vec::new()).await {
                Ok(value) => return value,
                Err(e) if attempts < 3 && e.to_string().contains("unexpected alert open") => {
                    attempts += 1;
                    self.late_dialogs.lock().unwrap().push(e.to_string());
                }
                Err(e) => panic!("script failed: {e}\n{body}"),
            }
        }
    }

    /// What the dialogs found open by [`Browser::script`] said (chromedriver's words), since the
    /// last call.
    pub fn late_dialogs(&self) -> Vec<String> {
        std::mem::take(&mut *self.late_dialogs.lock().unwrap())
    }

    /// The text of the JavaScript dialog (alert, confirm, prompt) the page opened, if any;
    /// it is dismissed, so the page can be looked at further.
    pub async fn dialog(&self) -> Option<String> {
        match self.client.get_alert_text().await {
            Ok(text) => {
                let _ = self.client.dismiss_alert().await;
                Some(text)
            }
            Err(e) if e.is_no_such_alert() => None,
            Err(e) => panic!("cannot ask for a dialog: {e}"),
        }
    }

    /// Presses Tab `times` times, as a keyboard user walks through a page.
    pub async fn press_tab(&self, times: usize) {
        let mut keys = KeyActions::new("keyboard".into());
        for _ in 0..times {
            keys = keys
                .then(KeyAction::Down {
                    value: Key::Tab.into(),
                })
                .then(KeyAction::Up {
                    value: Key::Tab.into(),
                });
        }
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Saves the whole page, as it is laid out at `width`, to
    /// `target/web-screenshots/<name>-<width>.png` and returns the path.
    pub async fn screenshot(&self, name: &str, width: u32) -> PathBuf {
        // The window's height includes what the browser keeps for itself above the page.
        let sizes = self
            .script(
                "return [document.documentElement.scrollHeight, \
                 window.outerHeight - window.innerHeight]",
            )
            .await;
        let pixels = |i: usize| sizes[i].as_u64().and_then(|h| u32::try_from(h).ok());
        let height = (pixels(0).unwrap_or(WINDOW_HEIGHT) + pixels(1).unwrap_or(0))
            .clamp(WINDOW_HEIGHT, MAX_SCREENSHOT_HEIGHT);
        self.client.set_window_size(width, height).await.unwrap();
        let png = self.client.screenshot().await;
        self.client
            .set_window_size(width, WINDOW_HEIGHT)
            .await
            .unwrap();
        let png = png.unwrap_or_else(|e| panic!("no screenshot of {name}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is no PNG");
        let folder = screenshot_folder();
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(format!("{name}-{width}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Ends the session (the browser quits) before chromedriver is killed.
    pub async fn close(self) {
        let Browser {
            client,
            _driver,
            _profile,
            ..
        } = self;
        if let Err(e) = client.close().await {
            eprintln!("closing the browser: {e}");
        }
    }
}

/// Where the screenshots go: `target/web-screenshots/` of the checkout.
pub fn screenshot_folder() -> PathBuf {
    crate_root().join("target").join("web-screenshots")
}

/// A string field of a log entry, `""` when absent.
fn text_of(entry: &Value, field: &str) -> String {
    entry[field].as_str().unwrap_or_default().to_owned()
}

/// Headless Chromium that keeps to loopback, logs the console, and keeps its profile in
/// `profile`.
fn capabilities(profile: &Path) -> Capabilities {
    let args = [
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--disable-extensions".to_owned(),
        "--no-proxy-server".to_owned(),
        // No host name resolves: whatever a page names, only 127.0.0.1 is reached.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_owned(),
        format!("--user-data-dir={}", profile.join("chromium").display()),
        format!("--window-size=1400,{WINDOW_HEIGHT}"),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// Starts chromedriver on `port` (it listens on loopback only unless told otherwise) and waits
/// until it is ready; its output goes to `log`, shown when it does not start.
async fn start_driver(port: u16, log: &Path) -> Driver {
    let output = std::fs::File::create(log).unwrap();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
    let driver = Driver { child };
    let status = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + DRIVER_START_LIMIT;
    loop {
        if let Some(answer) = send(client().get(&status)).await
            && serde_json::from_str::<Value>(&answer.body)
                .is_ok_and(|v| v["value"]["ready"] == json!(true))
        {
            return driver;
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
