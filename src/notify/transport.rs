//! Delivers one finished message (RFC 5322 bytes, every header set by the caller) through SMTP
//! or into a folder, and tells a temporary failure (try again later) from a permanent one (this
//! message will never be accepted), keeping the server's answer.
//!
//! A [`Mailer`] is built once per configuration. SMTP goes through lettre's pooled
//! [`AsyncSmtpTransport`]: STARTTLS that must succeed, TLS from the first byte, or a plain
//! connection for a relay on the same machine; AUTH when a username is set; a time limit on
//! connecting and on each whole delivery. The message is sent
//! with `send_raw`, so lettre adds nothing: the `Message-ID` and every other header are the
//! caller's. The file transport writes `DIR/<Message-ID>.eml` atomically, so delivering the same
//! message again replaces the file instead of adding a second one.
//!
//! The SMTP password comes from the configuration (`password_file` / `password_env`), else from
//! the systemd credential [`CREDENTIAL_NAME`] in `$CREDENTIALS_DIRECTORY`. It is never logged:
//! [`Mailer::describe`] and `Debug` show the username only.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::response::Response;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::config::{EmailSettings, Security, SmtpSettings, Transport};

/// How long connecting to the SMTP server may take; one whole delivery may take
/// [`EXCHANGE_FACTOR`] times as long. Either is a temporary failure.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One delivery (connect, greeting, TLS, AUTH, MAIL, RCPT, DATA and the final answer) may take
/// this many times the connect timeout: 2 minutes by default, room for a server that scans the
/// message before it answers. lettre bounds only the connect, so without this a server that
/// stops answering would hold a delivery (and the daemon's shutdown) forever.
pub const EXCHANGE_FACTOR: u32 = 4;

/// The systemd credential (`LoadCredential=smtp-password:...`) read when the configuration
/// names a username but no password.
pub const CREDENTIAL_NAME: &str = "smtp-password";

/// A built transport, made once per configuration.
pub struct Mailer {
    /// Where messages go.
    kind: Kind,
    /// What [`Mailer::describe`] says; made once, without the password.
    description: String,
}

/// The two ways out.
enum Kind {
    /// lettre's SMTP client with its connection pool (one connection reused between messages).
    Smtp {
        /// The pooled client; cloning it shares the pool. Replaced by a new one from `builder`
        /// after a delivery ran out of time, because lettre would put the connection it was
        /// using, mid-exchange, back into the pool and reuse it out of step.
        transport: Mutex<AsyncSmtpTransport<Tokio1Executor>>,
        /// Makes `transport`, with the settings applied.
        builder: Box<AsyncSmtpTransportBuilder>,
        /// How long one whole delivery may take.
        limit: Duration,
        /// `smtp://host:port`, to name the server in connection errors.
        url: String,
    },
    /// `.eml` files in a folder.
    Files {
        /// The folder, created on the first delivery if missing.
        dir: PathBuf,
    },
}

/// What the server (or the folder) said when it took a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The server's final answer, e.g. "250 2.0.0 Ok: queued as ABC"; for files, the path
    /// written.
    pub answer: String,
}

/// Why a message was not delivered. The text is the server's answer (code first) or the
/// connection, TLS or I/O error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: a 4xx answer, the server unreachable, a timeout, a TLS or I/O
    /// error, or a rejected login (a configuration problem, not this message's).
    #[error("temporary failure: {0}")]
    Temporary(String),
    /// This message will never be accepted: a 5xx answer to it, or an address that is not one.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl SendError {
    /// The server's answer or the error, without the "temporary failure" prefix.
    pub fn answer(&self) -> &str {
        match self {
            SendError::Temporary(text) | SendError::Permanent(text) => text,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_temporary(&self) -> bool {
        matches!(self, SendError::Temporary(_))
    }
}

/// Why a [`Mailer`] could not be built from the settings.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A username without any password source.
    #[error(
        "smtp server {host}: username {username:?} is set but there is no password \
         (give password_file or password_env, or the systemd credential {CREDENTIAL_NAME})"
    )]
    MissingPassword {
        /// The server's name.
        host: String,
        /// The configured username.
        username: String,
    },
    /// The extra trusted root (tests only) is not a PEM certificate.
    #[error("extra trusted root certificate: {cause}")]
    Certificate {
        /// lettre's parse error; part of the message, so not `source()` too (each cause once).
        cause: lettre::transport::smtp::Error,
    },
    /// The TLS settings could not be made, e.g. the host is not a valid server name.
    #[error("smtp server {host}: tls settings: {cause}")]
    Tls {
        /// The server's name.
        host: String,
        /// lettre's error; part of the message, so not `source()` too.
        cause: lettre::transport::smtp::Error,
    },
}

impl Mailer {
    /// Builds the transport the settings describe, with [`DEFAULT_TIMEOUT`].
    /// `test_root_cert` is the PEM of an extra trusted root certificate, for tests.
    ///
    /// Must be called inside a Tokio runtime: the SMTP connection pool starts a cleanup task.
    pub fn new(
        settings: &EmailSettings,
        test_root_cert: Option<&[u8]>,
    ) -> Result<Mailer, TransportError> {
        Mailer::with_timeout(settings, test_root_cert, DEFAULT_TIMEOUT)
    }

    /// [`Mailer::new`] with another timeout for connecting (one whole delivery may take
    /// [`EXCHANGE_FACTOR`] times as long).
    pub fn with_timeout(
        settings: &EmailSettings,
        test_root_cert: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Mailer, TransportError> {
        match &settings.transport {
            Transport::File { dir } => Ok(Mailer {
                description: format!("files in {}", dir.display()),
                kind: Kind::Files { dir: dir.clone() },
            }),
            Transport::Smtp(smtp) => smtp_mailer(smtp, test_root_cert, timeout),
        }
    }

    /// Delivers one finished RFC 5322 message (bytes, headers included) to `recipients` from
    /// `from` (each a bare address or `Name <address>`).
    ///
    /// Over SMTP, lines are sent with CRLF endings and one final CRLF of the message is folded
    /// into SMTP's end-of-data mark, so a server stores a CRLF message byte for byte. Files get
    /// the bytes unchanged; `from` and `recipients` are only checked.
    pub async fn send(
        &self,
        from: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Result<Delivery, SendError> {
        let envelope = envelope(from, recipients)?;
        match &self.kind {
            Kind::Smtp {
                transport,
                builder,
                limit,
                url,
            } => {
                let current = lock(transport).clone();
                let data = smtp_data(message);
                match tokio::time::timeout(*limit, current.send_raw(&envelope, &data)).await {
                    Ok(Ok(response)) => Ok(Delivery {
                        answer: answer_text(&response),
                    }),
                    Ok(Err(error)) => Err(classify(&error, url)),
                    Err(_) => {
                        *lock(transport) = (**builder).clone().build();
                        Err(SendError::Temporary(format!(
                            "{url}: no answer within {}",
                            humantime::format_duration(*limit)
                        )))
                    }
                }
            }
            Kind::Files { dir } => {
                let path = write_file(dir, message).await?;
                Ok(Delivery {
                    answer: path.display().to_string(),
                })
            }
        }
    }

    /// A short description for logs and `newshound test-email`, e.g.
    /// "smtp://mail.example.com:587 (STARTTLS, AUTH as user)" or "files in /path".
    pub fn describe(&self) -> String {
        self.description.clone()
    }

    /// Closes pooled SMTP connections politely (QUIT); for shutdown. Sending afterwards fails.
    pub async fn shutdown(&self) {
        if let Kind::Smtp { transport, .. } = &self.kind {
            let current = lock(transport).clone();
            current.shutdown().await;
        }
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.description)
            .finish()
    }
}

/// The current SMTP client. The lock is held only to clone or replace it, never across `.await`,
/// and nothing can panic while holding it, so poisoning is ignored.
fn lock(
    transport: &Mutex<AsyncSmtpTransport<Tokio1Executor>>,
) -> MutexGuard<'_, AsyncSmtpTransport<Tokio1Executor>> {
    transport.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The SMTP password: the configured one, else the systemd credential in
/// `$CREDENTIALS_DIRECTORY` (see [`password_from`]).
pub fn password(settings: &SmtpSettings) -> Option<String> {
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    password_from(settings, dir.as_deref())
}

/// The SMTP password: `settings.password` if configured; else, when a username is set,
/// `credentials_dir/smtp-password` without one trailing newline; else none. An empty or
/// unreadable credential counts as none (unreadable is logged, without the contents).
pub fn password_from(settings: &SmtpSettings, credentials_dir: Option<&Path>) -> Option<String> {
    if let Some(password) = &settings.password {
        return Some(password.clone());
    }
    settings.username.as_ref()?;
    let path = credentials_dir?.join(CREDENTIAL_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot read the smtp password credential");
            return None;
        }
    };
    let password = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    (!password.is_empty()).then(|| password.to_string())
}

/// Builds the SMTP side of [`Mailer::with_timeout`].
fn smtp_mailer(
    smtp: &SmtpSettings,
    test_root_cert: Option<&[u8]>,
    timeout: Duration,
) -> Result<Mailer, TransportError> {
    let tls_parameters = || -> Result<TlsParameters, TransportError> {
        let mut builder = TlsParameters::builder(smtp.host.clone());
        if let Some(pem) = test_root_cert {
            let certificate = Certificate::from_pem(pem)
                .map_err(|cause| TransportError::Certificate { cause })?;
            builder = builder.add_root_certificate(certificate);
        }
        builder.build().map_err(|cause| TransportError::Tls {
            host: smtp.host.clone(),
            cause,
        })
    };
    let (scheme, tls, security) = match smtp.security {
        Security::StartTls => ("smtp", Tls::Required(tls_parameters()?), "STARTTLS"),
        Security::Tls => ("smtps", Tls::Wrapper(tls_parameters()?), "TLS"),
        Security::None => ("smtp", Tls::None, "no encryption"),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(timeout));
    let login = match &smtp.username {
        Some(username) => {
            let password = password(smtp).ok_or_else(|| TransportError::MissingPassword {
                host: smtp.host.clone(),
                username: username.clone(),
            })?;
            builder = builder.credentials(Credentials::new(username.clone(), password));
            format!("AUTH as {username}")
        }
        None => "no AUTH".to_string(),
    };
    let url = format!("{scheme}://{}:{}", smtp.host, smtp.port);
    Ok(Mailer {
        description: format!("{url} ({security}, {login})"),
        kind: Kind::Smtp {
            transport: Mutex::new(builder.clone().build()),
            builder: Box::new(builder),
            limit: timeout * EXCHANGE_FACTOR,
            url,
        },
    })
}

/// The SMTP envelope: the bare addresses of `from` and `recipients` (display names belong in
/// the headers); an address that does not parse is a permanent failure.
fn envelope(from: &str, recipients: &[String]) -> Result<Envelope, SendError> {
    let address = |text: &str, role: &str| -> Result<Address, SendError> {
        super::compose::address(text).map_err(|error| {
            let text = text.trim();
            SendError::Permanent(format!("invalid {role} address {text:?}: {error}"))
        })
    };
    let to = recipients
        .iter()
        .map(|recipient| address(recipient, "recipient"))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(address(from, "sender")?), to)
        .map_err(|error| SendError::Permanent(format!("no envelope: {error}")))
}

/// The message as SMTP DATA: bare CR or LF made CRLF (SMTP has no other line ending, and some
/// servers refuse bare ones), and one final CRLF dropped because lettre always ends the data
/// with CRLF "." CRLF, which restores it.
fn smtp_data(message: &[u8]) -> Cow<'_, [u8]> {
    let mut data = Cow::Borrowed(message);
    if has_bare_line_ending(message) {
        let mut fixed = Vec::with_capacity(message.len() + message.len() / 32);
        let mut bytes = message.iter().copied().peekable();
        while let Some(byte) = bytes.next() {
            match byte {
                b'\r' => {
                    fixed.extend_from_slice(b"\r\n");
                    bytes.next_if_eq(&b'\n');
                }
                b'\n' => fixed.extend_from_slice(b"\r\n"),
                _ => fixed.push(byte),
            }
        }
        data = Cow::Owned(fixed);
    }
    if data.ends_with(b"\r\n") {
        match &mut data {
            Cow::Borrowed(slice) => *slice = &slice[..slice.len() - 2],
            Cow::Owned(vec) => vec.truncate(vec.len() - 2),
        }
    }
    data
}

/// Whether a CR or LF appears other than in a CRLF pair.
fn has_bare_line_ending(message: &[u8]) -> bool {
    message.iter().enumerate().any(|(i, &byte)| match byte {
        b'\r' => message.get(i + 1) != Some(&b'\n'),
        b'\n' => i == 0 || message[i - 1] != b'\r',
        _ => false,
    })
}

/// "250 2.0.0 Ok: queued as ABC": the code, then the answer's lines joined by spaces.
fn answer_text(response: &Response) -> String {
    let mut text = response.code().to_string();
    for line in response.message() {
        text.push(' ');
        text.push_str(line);
    }
    text
}

/// The answers to AUTH (and to MAIL without it) that say the login is wrong or missing: the
/// server refuses the account, not the message, so the message may go once the configuration
/// is fixed.
const LOGIN_CODES: [&str; 4] = ["530", "534", "535", "538"];

/// Sorts a lettre error into temporary and permanent, with the server's answer or the error
/// chain as text.
fn classify(error: &lettre::transport::smtp::Error, url: &str) -> SendError {
    if let Some(code) = error.status() {
        // lettre keeps the answer's text as the error's source.
        let code = code.to_string();
        let text = match std::error::Error::source(error) {
            Some(message) => format!("{code} {message}"),
            None => code.clone(),
        };
        return if error.is_permanent() && !LOGIN_CODES.contains(&code.as_str()) {
            SendError::Permanent(text)
        } else {
            SendError::Temporary(text)
        };
    }
    // Connection refused, timeouts, TLS, broken connections, unparsable answers, a server that
    // offers no usable AUTH mechanism: all may pass.
    let mut text = format!("{url}: {error}");
    let mut source = std::error::Error::source(error).and_then(std::error::Error::source);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    SendError::Temporary(text)
}

/// Tells temporary files of concurrent deliveries apart.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes the message to `dir/<name>.eml` through a temporary file and a rename, so the folder
/// never holds half a message and the same message replaces its earlier copy.
async fn write_file(dir: &Path, message: &[u8]) -> Result<PathBuf, SendError> {
    let io_error = |path: &Path, error: std::io::Error| {
        SendError::Temporary(format!("cannot write {}: {error}", path.display()))
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|error| io_error(dir, error))?;
    let name = file_name(message);
    let path = dir.join(format!("{name}.eml"));
    let temp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = async {
        let mut file = tokio::fs::File::create(&temp).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, message).await?;
        file.sync_all().await?;
        tokio::fs::rename(&temp, &path).await
    }
    .await;
    if let Err(error) = written {
        let _ = tokio::fs::remove_file(&temp).await;
        return Err(io_error(&path, error));
    }
    Ok(path)
}

/// The longest file name stem taken from a Message-ID, well below common 255-byte limits.
const MAX_STEM: usize = 120;

/// The file name (without `.eml`) for a message: its Message-ID without the angle brackets,
/// with characters other than ASCII letters, digits and `.-_@+=` replaced by `_` (and a leading
/// dot too), cut to `MAX_STEM`; if that changed anything, `-` and 16 hex digits of the
/// SHA-256 of the Message-ID follow, so different IDs stay different files. Without a
/// Message-ID: `sha256-` and 32 hex digits of the SHA-256 of the whole message, so the same
/// bytes still land in the same file.
pub fn file_name(message: &[u8]) -> String {
    let Some(id) = message_id(message) else {
        let digest = Sha256::digest(message);
        return format!("sha256-{}", &hex::encode(digest)[..32]);
    };
    let mut stem: String = id
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '@' | '+' | '=' => c,
            _ => '_',
        })
        .collect();
    if stem.starts_with('.') {
        stem.replace_range(..1, "_");
    }
    stem.truncate(MAX_STEM);
    if stem != id {
        let digest = Sha256::digest(id.as_bytes());
        stem.push('-');
        stem.push_str(&hex::encode(digest)[..16]);
    }
    stem
}

/// The value of the first `Message-ID` header in the message's header section, unfolded,
/// without surrounding angle brackets; none when absent or empty.
fn message_id(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let mut value: Option<String> = None;
    for line in lines.by_ref() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            // A folded continuation of the header before.
            if let Some(value) = value.as_mut() {
                value.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((name, rest)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("message-id")
        {
            value = Some(rest.trim().to_string());
        }
    }
    let value = value?;
    let id = value.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|id| id.split_once('>').map(|(id, _)| id))
        .unwrap_or(id)
        .trim();
    (!id.is_empty()).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp(username: Option<&str>, password: Option<&str>) -> SmtpSettings {
        SmtpSettings {
            host: "mail.example.com".into(),
            port: 587,
            security: Security::StartTls,
            username: username.map(Into::into),
            password: password.map(Into::into),
            password_file: None,
        }
    }

    /// The configured password wins over a credential file.
    #[test]
    fn configured_password_is_preferred_over_the_credential() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CREDENTIAL_NAME), "from-file\n").unwrap();
        let settings = smtp(Some("user"), Some("configured"));
        assert_eq!(
            password_from(&settings, Some(dir.path())).as_deref(),
            Some("configured")
        );
    }

    /// systemd's `LoadCredential=smtp-password:/path` file, one trailing newline removed.
    #[test]
    fn credential_file_is_read_without_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let settings = smtp(Some("user"), None);
        for (contents, expected) in [
            ("secret\n", Some("secret")),
            ("secret\r\n", Some("secret")),
            ("secret", Some("secret")),
            ("sec ret \n\n", Some("sec ret \n")),
            ("\n", None),
        ] {
            std::fs::write(dir.path().join(CREDENTIAL_NAME), contents).unwrap();
            assert_eq!(
                password_from(&settings, Some(dir.path())).as_deref(),
                expected,
                "{contents:?}"
            );
        }
    }

    /// No username means no login, so no credential is looked up; no directory or no file
    /// means no password.
    #[test]
    fn credential_is_only_used_with_a_username_and_when_present() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            password_from(&smtp(Some("user"), None), Some(dir.path())),
            None
        );
        assert_eq!(password_from(&smtp(Some("user"), None), None), None);
        std::fs::write(dir.path().join(CREDENTIAL_NAME), "secret\n").unwrap();
        assert_eq!(password_from(&smtp(None, None), Some(dir.path())), None);
    }

    /// A username with no password anywhere is a configuration error naming the server, and
    /// the description never shows a password.
    #[tokio::test]
    async fn username_without_password_is_an_error_and_descriptions_hide_passwords() {
        let settings = |smtp| EmailSettings {
            from: None,
            to: vec![],
            max_immediate_per_hour: 10,
            transport: Transport::Smtp(smtp),
        };
        let mut without = smtp(Some("user"), None);
        without.host = "127.0.0.1".into();
        let error = Mailer::new(&settings(without), None).unwrap_err();
        assert!(error.to_string().contains("127.0.0.1"), "{error}");

        let mailer = Mailer::new(&settings(smtp(Some("user"), Some("hunter2"))), None).unwrap();
        assert_eq!(
            mailer.describe(),
            "smtp://mail.example.com:587 (STARTTLS, AUTH as user)"
        );
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }

    /// File names come from the Message-ID, safe for any file system, and distinct IDs stay
    /// distinct.
    #[test]
    fn file_names_come_from_the_message_id() {
        let name = |headers: &str| file_name(format!("{headers}\r\n\r\nbody\r\n").as_bytes());
        let rows = [
            ("Message-ID: <abc.123@news.example>", "abc.123@news.example"),
            ("message-id:<abc@x>", "abc@x"),
            ("Subject: x\r\nMessage-Id:\r\n <folded@x>", "folded@x"),
        ];
        for (headers, expected) in rows {
            assert_eq!(name(headers), expected, "{headers:?}");
        }
        let odd = name("Message-ID: <../a/b c@x>");
        assert!(odd.starts_with("_._a_b_c@x-"), "{odd}");
        assert_ne!(odd, name("Message-ID: <../a/b_c@x>"));
        let long = name(&format!("Message-ID: <{}@x>", "a".repeat(300)));
        assert_eq!(long.len(), MAX_STEM + 17);
        // A Message-ID in the body is not a header.
        let unnamed = file_name(b"Subject: x\r\n\r\nMessage-ID: <no@x>\r\n");
        assert!(unnamed.starts_with("sha256-"), "{unnamed}");
        assert_eq!(
            unnamed,
            file_name(b"Subject: x\r\n\r\nMessage-ID: <no@x>\r\n")
        );
    }

    /// SMTP data has CRLF lines only, and the message's last CRLF is left to the end mark.
    #[test]
    fn smtp_data_has_crlf_lines_and_no_final_crlf() {
        let rows: [(&[u8], &[u8]); 5] = [
            (b"a: b\r\n\r\nbody\r\n", b"a: b\r\n\r\nbody"),
            (b"a: b\r\n\r\nbody", b"a: b\r\n\r\nbody"),
            (b"a: b\n\nbody\n", b"a: b\r\n\r\nbody"),
            (b"a\rb\r\n\r\n", b"a\r\nb\r\n"),
            (b"\n.\n", b"\r\n."),
        ];
        for (message, expected) in rows {
            assert_eq!(&*smtp_data(message), expected, "{message:?}");
        }
    }

    /// MAIL FROM and RCPT TO carry bare addresses, whatever display names the configuration
    /// gives.
    #[test]
    fn envelope_has_bare_addresses() {
        let envelope = envelope(
            "Desk <desk@example.org>",
            &["\"Doe, Jane\" <jane@example.org>".to_string()],
        )
        .unwrap();
        let from = envelope.from().map(ToString::to_string);
        assert_eq!(from.as_deref(), Some("desk@example.org"));
        let to: Vec<String> = envelope.to().iter().map(ToString::to_string).collect();
        assert_eq!(to, ["jane@example.org"]);
    }
}
