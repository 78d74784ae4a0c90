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
//!
//! # Files
//! This file is the [`Mailer`] both ways share, with its errors and the envelope; `smtp` builds
//! the SMTP client and reads the server's answers; `files` writes `.eml` files.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{EmailSettings, Transport};

mod files;
mod smtp;

pub use files::file_name;
use files::write_file;
use smtp::{answer_text, classify, smtp_data, smtp_mailer};
pub use smtp::{password, password_from};

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

#[cfg(test)]
mod tests;
