//! A real SMTP server process for tests, the Python it runs on, and reading the messages it
//! received.
//!
//! [`SmtpServer`] runs `tests/fixtures/smtp/server.py` (aiosmtpd 1.4.6) on 127.0.0.1 as a child
//! process: plain, STARTTLS or implicit TLS with the test certificate, optional AUTH, failures
//! injected per recipient, every accepted message kept byte for byte in a Maildir.
//!
//! The server needs a Python with aiosmtpd: the test venv, found or made as `python.rs` says.

use std::path::PathBuf;
use std::process::{Child, Command};

use newshound::config::{EmailSettings, Security, SmtpSettings, Transport};
use newshound::notify::transport::Mailer;

use super::crate_root;
use super::python::{spawn_server, venv_python};

/// `tests/fixtures/smtp`.
fn fixtures() -> PathBuf {
    crate_root().join("tests/fixtures/smtp")
}

/// The test certificate (a leaf for 127.0.0.1 and localhost) as PEM, to pass as
/// `Mailer::new(.., Some(&test_cert_pem()))`.
pub fn test_cert_pem() -> Vec<u8> {
    std::fs::read(fixtures().join("cert.pem")).expect("tests/fixtures/smtp/cert.pem is committed")
}

/// How the server encrypts connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain SMTP.
    #[default]
    None,
    /// STARTTLS offered, and required before MAIL.
    StartTls,
    /// TLS from the first byte.
    Implicit,
}

/// What kind of server to start.
#[derive(Debug, Clone, Default)]
pub struct SmtpOptions {
    /// Encryption.
    pub tls: SmtpTls,
    /// Username and password that AUTH must give before MAIL; none: no AUTH.
    pub auth: Option<(String, String)>,
    /// Recipients answered with this code at RCPT TO (e.g. 451 or 550).
    pub fail_rcpt: Vec<(String, u16)>,
    /// Recipients accepted at RCPT TO whose message is then answered with this code at the end
    /// of DATA (and not stored).
    pub fail_data: Vec<(String, u16)>,
    /// Recipients whose RCPT TO is never answered (for an hour), on that connection only.
    pub hang_rcpt: Vec<String>,
}

impl SmtpOptions {
    /// A plain server without AUTH.
    pub fn plain() -> SmtpOptions {
        SmtpOptions::default()
    }

    /// A server with STARTTLS required.
    pub fn starttls() -> SmtpOptions {
        SmtpOptions {
            tls: SmtpTls::StartTls,
            ..SmtpOptions::default()
        }
    }

    /// A server with TLS from the first byte.
    pub fn implicit_tls() -> SmtpOptions {
        SmtpOptions {
            tls: SmtpTls::Implicit,
            ..SmtpOptions::default()
        }
    }

    /// Requires AUTH with this login.
    pub fn auth(mut self, user: &str, password: &str) -> SmtpOptions {
        self.auth = Some((user.into(), password.into()));
        self
    }

    /// Answers `code` at RCPT TO for `address`.
    pub fn fail_rcpt(mut self, address: &str, code: u16) -> SmtpOptions {
        self.fail_rcpt.push((address.into(), code));
        self
    }

    /// Never answers RCPT TO for `address`.
    pub fn hang_rcpt(mut self, address: &str) -> SmtpOptions {
        self.hang_rcpt.push(address.into());
        self
    }

    /// Answers `code` at the end of DATA for messages to `address`.
    pub fn fail_data(mut self, address: &str, code: u16) -> SmtpOptions {
        self.fail_data.push((address.into(), code));
        self
    }
}

/// A real SMTP server process on 127.0.0.1, killed on drop.
pub struct SmtpServer {
    /// The port it listens on; kept across [`SmtpServer::restart`].
    pub port: u16,
    /// The Maildir that accepted messages are written to (as files in `new/`).
    pub maildir: PathBuf,
    /// The running server; none while stopped.
    child: Option<Child>,
    /// What it was started with, for restarts.
    options: SmtpOptions,
    /// Holds the Maildir and the server's log; removed on drop.
    dir: tempfile::TempDir,
}

impl SmtpServer {
    /// Starts a server on a free port and returns once it accepts connections. Panics, with the
    /// server's log, if it does not start.
    pub fn start(options: SmtpOptions) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let mut server = SmtpServer {
            port: 0,
            maildir: dir.path().join("maildir"),
            child: None,
            options,
            dir,
        };
        server.spawn();
        server
    }

    /// Every accepted message, in arrival order, as the server received it.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = entries.map(|entry| entry.unwrap().path()).collect();
        paths.sort();
        paths
            .iter()
            .map(|path| std::fs::read(path).unwrap())
            .collect()
    }

    /// Kills the server; connections are refused until [`SmtpServer::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // A paused process dies of SIGKILL too.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port, Maildir and options (stopping it first if it
    /// runs).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Freezes the server (SIGSTOP): connections and commands get no answer, as from a server
    /// that hangs, until [`SmtpServer::resume`].
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT); it then answers what it was sent meanwhile.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("the smtp test server runs");
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal} failed");
    }

    /// What the server wrote to stderr so far (aiosmtpd's warnings and errors).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// `[email]` settings that reach this server: SMTP to 127.0.0.1 with the matching
    /// security and login, from `newshound@example.com` to `reader@example.com`.
    pub fn email_settings(&self) -> EmailSettings {
        let security = match self.options.tls {
            SmtpTls::None => Security::None,
            SmtpTls::StartTls => Security::StartTls,
            SmtpTls::Implicit => Security::Tls,
        };
        let (username, password) = match &self.options.auth {
            Some((user, password)) => (Some(user.clone()), Some(password.clone())),
            None => (None, None),
        };
        EmailSettings {
            from: Some("newshound@example.com".into()),
            to: vec!["reader@example.com".into()],
            max_immediate_per_hour: 60,
            transport: Transport::Smtp(SmtpSettings {
                host: "127.0.0.1".into(),
                port: self.port,
                security,
                username,
                password,
                password_file: None,
            }),
        }
    }

    /// A mailer for [`SmtpServer::email_settings`] that trusts the test certificate. Call it
    /// inside a Tokio runtime.
    pub fn mailer(&self) -> Mailer {
        Mailer::new(&self.email_settings(), Some(&test_cert_pem())).unwrap()
    }

    /// Runs server.py and waits for the port it prints once it listens.
    fn spawn(&mut self) {
        let fixtures = fixtures();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .unwrap();
        let tls = match self.options.tls {
            SmtpTls::None => "none",
            SmtpTls::StartTls => "starttls",
            SmtpTls::Implicit => "implicit",
        };
        let mut command = Command::new(venv_python("import aiosmtpd"));
        command
            .arg(fixtures.join("server.py"))
            .args(["--port", &self.port.to_string(), "--tls", tls])
            .arg("--cert")
            .arg(fixtures.join("cert.pem"))
            .arg("--key")
            .arg(fixtures.join("key.pem"))
            .arg("--maildir")
            .arg(&self.maildir);
        if let Some((user, password)) = &self.options.auth {
            command.args(["--auth", &format!("{user}:{password}")]);
        }
        for (address, code) in &self.options.fail_rcpt {
            command.args(["--fail-rcpt", &format!("{address}={code}")]);
        }
        for (address, code) in &self.options.fail_data {
            command.args(["--fail-data", &format!("{address}={code}")]);
        }
        for address in &self.options.hang_rcpt {
            command.args(["--hang-rcpt", address]);
        }
        let log_path = self.dir.path().join("server.log");
        let (child, port) = spawn_server(command.stderr(log), "smtp test server", &log_path);
        self.port = port;
        self.child = Some(child);
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The value of a header of a raw message.
pub fn header(message: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let prefix = format!("{}:", name.to_ascii_lowercase());
    text.lines()
        .take_while(|l| !l.is_empty())
        .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
        .map(|l| l[prefix.len()..].trim().to_owned())
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes, enough to search a message for
/// URLs and words.
pub fn unqp(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::with_capacity(joined.len());
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
