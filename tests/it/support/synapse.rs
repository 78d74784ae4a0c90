//! A real Matrix homeserver for tests: Synapse (`matrix-synapse` from PyPI, in the test venv),
//! on SQLite in a temporary folder, with the client API on 127.0.0.1 only; and the few client
//! calls a test needs (register a user, create a room, send and read messages).
//!
//! The homeserver is closed to the world: no federation listener and an empty federation
//! whitelist, no key servers, no stats reporting, no URL previews, no email, no push, no
//! metrics. Registration is by shared secret only (Synapse's admin API), and the rate limits
//! are high enough that tests never get a 429.
//!
//! Starting one takes seconds (Python imports Synapse, then creates its database), more on a
//! busy machine. So tests share one per test run, [`Synapse::shared`], each with its own user
//! and room; [`Synapse::start`] makes a private one, killed on drop, for a test that must stop
//! or break it. Either exits when the test process does (`exit_with_parent.py` in
//! `tests/fixtures/channels`), and the shared one's folder is removed then.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::python::venv_python;
use super::receiver::{exchange, fixtures, read_log};
use super::web::free_port;

/// The server name in user and room ids (`@alice:newshound.test`).
pub const SERVER_NAME: &str = "newshound.test";

/// The shared secret of admin registration; the homeserver is reachable from loopback only.
const SHARED_SECRET: &str = "newshound-test-registration-secret";

/// How long Synapse may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Ports taken by someone else between choosing and binding are tried again this often.
const START_ATTEMPTS: usize = 3;

/// A Synapse homeserver process on 127.0.0.1, killed on drop.
pub struct Synapse {
    /// The client API's port.
    port: u16,
    /// The running homeserver; its stdin pipe ends it if the test process dies.
    child: Child,
    /// From spawning to the first answer of the client API.
    startup: Duration,
    /// Config, signing key, database, media and log; removed on drop.
    dir: tempfile::TempDir,
}

impl Synapse {
    /// The homeserver shared by the tests of this run, started by the first that asks. User
    /// names are per server: give each test its own (its name, say).
    pub fn shared() -> &'static Synapse {
        static SHARED: OnceLock<Synapse> = OnceLock::new();
        SHARED.get_or_init(Synapse::start)
    }

    /// Starts a homeserver in a temporary folder and returns once its client API answers;
    /// panics, with its log, if it does not.
    pub fn start() -> Synapse {
        let dir = tempfile::tempdir().unwrap();
        generate_signing_key(dir.path());
        let mut last_log = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            write_config(dir.path(), port);
            let started = Instant::now();
            let mut child = spawn(dir.path());
            match wait_until_serving(&mut child, port) {
                Ok(()) => {
                    return Synapse {
                        port,
                        child,
                        startup: started.elapsed(),
                        dir,
                    };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = format!("{why}\n{}", synapse_log(dir.path()));
                    if !last_log.contains("Address already in use") {
                        break;
                    }
                }
            }
        }
        panic!("synapse did not start: {last_log}");
    }

    /// `http://127.0.0.1:PORT`, the homeserver URL a Matrix channel is configured with.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How long the homeserver took to answer its first request.
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// Registers `user` (a localpart, not yet taken on this server) through the shared-secret
    /// admin API and returns its access token.
    pub fn register(&self, user: &str, password: &str, admin: bool) -> String {
        let url = format!("{}/_synapse/admin/v1/register", self.base_url());
        let nonce = self.call(Method::GET, &url, None, None)["nonce"]
            .as_str()
            .expect("synapse's register GET answers a nonce")
            .to_owned();
        let mac = registration_mac(&nonce, user, password, admin);
        let body = json!({
            "nonce": nonce, "username": user, "password": password, "admin": admin, "mac": mac,
        });
        let answer = self.call(Method::POST, &url, None, Some(&body));
        answer["access_token"]
            .as_str()
            .expect("synapse's register POST answers an access token")
            .to_owned()
    }

    /// Creates a private room owned by the token's user and returns its id: `!` and a hash, with
    /// no server part in room version 12, Synapse's default (it must be percent-encoded in URLs
    /// all the same).
    pub fn create_room(&self, token: &str) -> String {
        let url = self.client_url(&["createRoom"]);
        let body = json!({"preset": "private_chat", "name": "newshound test"});
        let answer = self.call(Method::POST, &url, Some(token), Some(&body));
        answer["room_id"]
            .as_str()
            .expect("synapse's createRoom answers a room id")
            .to_owned()
    }

    /// Sends an `m.room.message` with `content` as a client does (`PUT .../send/m.room.message/
    /// {txn_id}`) and returns the event id; the same token and `txn_id` again is the same event.
    pub fn send_message(&self, token: &str, room: &str, txn_id: &str, content: &Value) -> String {
        let url = self.client_url(&["rooms", room, "send", "m.room.message", txn_id]);
        let answer = self.call(Method::PUT, &url, Some(token), Some(content));
        answer["event_id"]
            .as_str()
            .expect("synapse's send answers an event id")
            .to_owned()
    }

    /// Every `m.room.message` event of `room` (the last thousand), oldest first, as the client
    /// API returns them (`content.body`, `content.formatted_body`, `sender`, `event_id`, ...).
    pub fn messages(&self, token: &str, room: &str) -> Vec<Value> {
        let url = format!(
            "{}?dir=b&limit=1000",
            self.client_url(&["rooms", room, "messages"])
        );
        let answer = self.call(Method::GET, &url, Some(token), None);
        let mut events: Vec<Value> = answer["chunk"]
            .as_array()
            .expect("synapse's messages answer has a chunk")
            .iter()
            .filter(|event| event["type"] == "m.room.message")
            .cloned()
            .collect();
        events.reverse();
        events
    }

    /// What Synapse logged (warnings and errors).
    pub fn log(&self) -> String {
        synapse_log(self.dir.path())
    }

    /// `/_matrix/client/v3/` + the segments, each percent-encoded (room ids hold `!` and `:`).
    fn client_url(&self, segments: &[&str]) -> String {
        let mut url = url::Url::parse(&self.base_url()).unwrap();
        url.path_segments_mut()
            .unwrap()
            .extend(["_matrix", "client", "v3"])
            .extend(segments);
        url.into()
    }

    /// One request whose answer must be 200 with a JSON body; fails the test with the answer
    /// and the log otherwise.
    fn call(&self, method: Method, url: &str, token: Option<&str>, body: Option<&Value>) -> Value {
        let what = format!("{method} {url}");
        match exchange(method, url, token, body) {
            Ok((200, text)) => serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{what}: answer {text:?} is not JSON: {error}")),
            other => panic!("{what}: {other:?}\nsynapse's log:\n{}", self.log()),
        }
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Synapse's own tool writes the server's signing key (it has no federation, but needs one).
fn generate_signing_key(dir: &Path) {
    let path = dir.join("signing.key").display().to_string();
    python_output(&["-m", "synapse._scripts.generate_signing_key", "-o", &path]);
}

/// The test venv's Python with Synapse (see `python.rs`).
fn synapse_python() -> PathBuf {
    venv_python("import synapse")
}

/// What the venv's Python prints when run with `args`; fails the test if it fails.
fn python_output(args: &[&str]) -> String {
    let output = Command::new(synapse_python()).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "python {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `homeserver.yaml` and `log.yaml` for a homeserver on `port` that keeps to loopback.
fn write_config(dir: &Path, port: u16) {
    let path = |name: &str| dir.join(name).display().to_string();
    let rate = json!({"per_second": 10_000, "burst_count": 100_000});
    let config = json!({
        "server_name": SERVER_NAME,
        "public_baseurl": format!("http://127.0.0.1:{port}/"),
        "pid_file": path("homeserver.pid"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": false,
            "x_forwarded": false,
            "resources": [{"names": ["client"], "compress": false}],
        }],
        "database": {"name": "sqlite3", "args": {"database": path("homeserver.db")}},
        "log_config": path("log.yaml"),
        "media_store_path": path("media"),
        "signing_key_path": path("signing.key"),
        "registration_shared_secret": SHARED_SECRET,
        "report_stats": false,
        "trusted_key_servers": [],
        "suppress_key_server_warning": true,
        "federation_domain_whitelist": [],
        "url_preview_enabled": false,
        "enable_metrics": false,
        "presence": {"enabled": false},
        "push": {"enabled": false},
        "rc_message": rate,
        "rc_registration": rate,
        "rc_login": {"address": rate, "account": rate, "failed_attempts": rate},
        "rc_joins": {"local": rate, "remote": rate},
        "rc_admin_redaction": rate,
        "rc_room_creation": rate,
        "rc_invites": {"per_room": rate, "per_user": rate, "per_issuer": rate},
    });
    let log_config = json!({
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {"file": {
            "class": "logging.FileHandler", "formatter": "precise",
            "filename": path("homeserver.log"),
        }},
        "root": {"level": "WARNING", "handlers": ["file"]},
        "disable_existing_loggers": false,
    });
    // JSON is YAML: no YAML writer needed.
    std::fs::write(dir.join("homeserver.yaml"), config.to_string()).unwrap();
    std::fs::write(dir.join("log.yaml"), log_config.to_string()).unwrap();
}

/// Runs the homeserver under `exit_with_parent.py`, which removes `dir` when the test process
/// ends (the shared homeserver is never dropped); stdout and stderr go to `stdio.log`.
fn spawn(dir: &Path) -> Child {
    let stdio = std::fs::File::create(dir.join("stdio.log")).unwrap();
    Command::new(synapse_python())
        .arg(fixtures().join("exit_with_parent.py"))
        .arg("--remove")
        .arg(dir)
        .args(["-m", "synapse.app.homeserver", "-c"])
        .arg(dir.join("homeserver.yaml"))
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(stdio.try_clone().unwrap())
        .stderr(stdio)
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run synapse: {error}"))
}

/// Asks `/_matrix/client/versions` every 50 ms until it answers 200; gives up when the process
/// exits or after [`START_TIMEOUT`].
fn wait_until_serving(child: &mut Child, port: u16) -> Result<(), String> {
    let url = format!("http://127.0.0.1:{port}/_matrix/client/versions");
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok((200, _)) = exchange(Method::GET, &url, None, None) {
            return Ok(());
        }
        if let Some(status) = child.try_wait().unwrap() {
            return Err(format!("synapse exited ({status})"));
        }
        if Instant::now() > deadline {
            return Err(format!("synapse did not answer {url} in {START_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The log file and what went to stdout and stderr (errors before logging is set up).
fn synapse_log(dir: &Path) -> String {
    format!(
        "{}{}",
        read_log(&dir.join("stdio.log")),
        read_log(&dir.join("homeserver.log"))
    )
}

/// The `mac` of shared-secret registration: hex HMAC-SHA1, keyed by the shared secret, of
/// `nonce NUL user NUL password NUL admin|notadmin`. The crate has no SHA-1, so the venv's
/// Python computes it (the parts go as separate arguments: an argument cannot hold NUL).
fn registration_mac(nonce: &str, user: &str, password: &str, admin: bool) -> String {
    const SCRIPT: &str = "import hashlib, hmac, sys\n\
        key, *parts = sys.argv[1:]\n\
        message = b'\\0'.join(part.encode() for part in parts)\n\
        print(hmac.new(key.encode(), message, hashlib.sha1).hexdigest())";
    let admin = if admin { "admin" } else { "notadmin" };
    python_output(&["-c", SCRIPT, SHARED_SECRET, nonce, user, password, admin])
        .trim()
        .to_owned()
}
