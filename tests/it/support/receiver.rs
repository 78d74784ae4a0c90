//! A real receiver of channel messages for tests (signed webhooks, ntfy, Slack-compatible), and
//! HTTP requests made from synchronous test code.
//!
//! [`Receiver`] runs `tests/fixtures/channels/receiver.py` on 127.0.0.1 as a child process, in
//! the test venv (see `python.rs`). It serves `/webhook` (every request verified by the Standard
//! Webhooks reference implementation, the `standardwebhooks` package from PyPI, with the secret
//! the test gives), `/` (ntfy's JSON publish, which ntfy takes at the server's root: point an
//! ntfy channel at [`Receiver::ntfy_topic_url`]) and `/slack` (the incoming-webhook format of
//! Slack, Mattermost and Rocket.Chat). Each request is checked against the documented shape of
//! its path, recorded as a [`Received`], and answered as the test scripted
//! ([`Receiver::script`]) or with 200. `receiver.py`'s docstring lists the checks.
//!
//! Receivers and homeservers read their stdin from a pipe that only the test process holds, and
//! exit when it closes (`tests/fixtures/channels/exit_with_parent.py`): a test run that is killed
//! leaves none behind.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::crate_root;
use super::python::{spawn_server, venv_python};
use super::web::client;

/// `tests/fixtures/channels`.
pub fn fixtures() -> PathBuf {
    crate_root().join("tests/fixtures/channels")
}

/// How the receiver answers one request to a path (default: 200 with `{"ok": true}`).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status code.
    status: u16,
    /// The `Retry-After` header, as written (seconds or an HTTP date).
    retry_after: Option<String>,
    /// How long the receiver waits before answering: longer than the client's timeout, a hang.
    delay: Option<Duration>,
    /// The body; none: `{"ok": true}` for a 2xx, else `{"ok": false}`.
    body: Option<String>,
}

impl Answer {
    /// An answer with this status code.
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            retry_after: None,
            delay: None,
            body: None,
        }
    }

    /// Adds a `Retry-After` header.
    pub fn retry_after(mut self, value: &str) -> Answer {
        self.retry_after = Some(value.into());
        self
    }

    /// Answers only after `delay` (the request is recorded at once).
    pub fn delay(mut self, delay: Duration) -> Answer {
        self.delay = Some(delay);
        self
    }

    /// Answers with this body (still labelled `application/json`).
    pub fn body(mut self, body: &str) -> Answer {
        self.body = Some(body.into());
        self
    }

    /// The form `/_script` takes.
    fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "retry_after": self.retry_after,
            "delay": self.delay.map(|delay| delay.as_secs_f64()),
            "body": self.body,
        })
    }
}

/// One request as the receiver got it, checked and answered.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    /// Arrival order, from 1.
    pub seq: u64,
    /// When it arrived, in Unix seconds: the gaps between retries show the backoff.
    pub received_at: f64,
    /// The HTTP method (the checks want POST).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query, without `?`; empty when none.
    pub query: String,
    /// What the path receives: `webhook`, `ntfy`, `slack`, or `unknown`.
    pub kind: String,
    /// Every header, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The body as UTF-8 text (invalid bytes replaced).
    pub body: String,
    /// The body's length in bytes, as sent.
    pub body_bytes: usize,
    /// The body decoded as JSON; none when it is not JSON.
    pub json: Option<Value>,
    /// Webhooks: whether the reference implementation verified the signature; none for others.
    pub verified: Option<bool>,
    /// Webhooks: why verification failed.
    pub verify_error: Option<String>,
    /// What breaks the documented request shape of the path (fields, types, sizes, URLs).
    pub problems: Vec<String>,
    /// No problems.
    pub shape_ok: bool,
    /// The status it was answered with.
    pub status: u16,
    /// The `Retry-After` it was answered with.
    pub retry_after: Option<String>,
    /// How long the answer was held back, in seconds.
    pub delay: Option<f64>,
}

impl Received {
    /// The value of a header, if the client sent it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// One line for assertion messages: order, request, answer, verification and problems.
impl fmt::Display for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query = if self.query.is_empty() { "" } else { "?" };
        write!(
            f,
            "#{} {} {}{query}{} ({}, {} bytes) answered {}",
            self.seq, self.method, self.path, self.query, self.kind, self.body_bytes, self.status
        )?;
        if let Some(retry_after) = &self.retry_after {
            write!(f, " retry-after {retry_after}")?;
        }
        if let Some(delay) = self.delay {
            write!(f, " after {delay} s")?;
        }
        if let Some(verified) = self.verified {
            write!(f, "; verified {verified}")?;
        }
        if let Some(error) = &self.verify_error {
            write!(f, " ({error})")?;
        }
        if !self.shape_ok {
            write!(f, "; problems: {}", self.problems.join("; "))?;
        }
        Ok(())
    }
}

/// A real receiver process on 127.0.0.1, killed on drop.
pub struct Receiver {
    /// The port it listens on.
    port: u16,
    /// The running receiver; its stdin pipe ends it if the test process dies.
    child: Child,
    /// Holds the request log and the receiver's stderr; removed on drop.
    dir: tempfile::TempDir,
}

impl Receiver {
    /// Starts a receiver on a free port; `secret` (`whsec_...`) verifies `/webhook` requests
    /// (without one, none verifies). Returns once it accepts connections; panics, with its log,
    /// if it does not start.
    pub fn start(secret: Option<&str>) -> Receiver {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("receiver.log");
        let stderr = std::fs::File::create(&log).unwrap();
        let mut command = Command::new(venv_python("import standardwebhooks"));
        command
            .arg(fixtures().join("receiver.py"))
            .arg("--log")
            .arg(dir.path().join("requests.jsonl"));
        if let Some(secret) = secret {
            command.args(["--secret", secret]);
        }
        let (child, port) = spawn_server(command.stderr(stderr), "channel test receiver", &log);
        Receiver { port, child, dir }
    }

    /// `http://127.0.0.1:PORT` + `path` (`/webhook`, `/slack`, `/` for ntfy's JSON).
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// An ntfy topic URL on this receiver, as an ntfy channel is configured; its JSON publish
    /// goes to the root, `/`.
    pub fn ntfy_topic_url(&self, topic: &str) -> String {
        self.url(&format!("/{topic}"))
    }

    /// Replaces the queue of answers for `path`: its next requests get `answers` in order, the
    /// ones after them 200.
    pub fn script(&self, path: &str, answers: &[Answer]) {
        let script = json!({
            "path": path,
            "answers": answers.iter().map(Answer::to_json).collect::<Vec<_>>(),
        });
        let answer = exchange(
            reqwest::Method::POST,
            &self.url("/_script"),
            None,
            Some(&script),
        );
        match answer {
            Ok((200, _)) => {}
            other => panic!("scripting {path} failed: {other:?}; log:\n{}", self.log()),
        }
    }

    /// Every request so far, in arrival order (the scripting ones left out).
    pub fn requests(&self) -> Vec<Received> {
        let log = read_log(&self.dir.path().join("requests.jsonl"));
        // A line still being written has no newline yet; it is read next time.
        let complete = &log[..log.rfind('\n').map_or(0, |end| end + 1)];
        complete
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|error| panic!("bad receiver log line {line:?}: {error}"))
            })
            .collect()
    }

    /// Waits until `count` requests arrived and returns them all; fails the test, listing what
    /// did arrive, after `timeout`. It blocks the thread: in a Tokio test, call it once the
    /// requests were awaited, or use a multi-thread runtime.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            if Instant::now() > deadline {
                let list: Vec<String> = requests.iter().map(ToString::to_string).collect();
                panic!(
                    "the receiver got {} of {count} requests in {timeout:?}:\n{}\nits log:\n{}",
                    requests.len(),
                    list.join("\n"),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the receiver wrote to stderr (Python's tracebacks).
    pub fn log(&self) -> String {
        read_log(&self.dir.path().join("receiver.log"))
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file's text, `""` when it does not exist (yet).
pub fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Makes one HTTP request (a JSON body, a bearer token, both optional) and returns the status
/// and the body's text, from synchronous test code: on a thread of its own with its own
/// runtime, so it also works inside a Tokio test, whose runtime must not be blocked on.
pub fn exchange(
    method: reqwest::Method,
    url: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Result<(u16, String), reqwest::Error> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a Tokio runtime can be built");
                runtime.block_on(async {
                    let mut request = client().request(method, url);
                    if let Some(token) = bearer {
                        request = request.bearer_auth(token);
                    }
                    if let Some(body) = body {
                        request = request
                            .header("content-type", "application/json")
                            .body(body.to_string());
                    }
                    let response = request.send().await?;
                    let status = response.status().as_u16();
                    Ok((status, response.text().await?))
                })
            })
            .join()
            .expect("the request thread does not panic")
    })
}
