//! The SMTP side of the [`Mailer`](super::Mailer): the password (configured, or the systemd
//! credential), lettre's pooled client built from the settings, the message as SMTP DATA, and
//! the server's answers told apart into temporary and permanent failures.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::response::Response;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use super::{CREDENTIAL_NAME, EXCHANGE_FACTOR, Kind, Mailer, SendError, TransportError};
use crate::config::{Security, SmtpSettings};

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
pub(super) fn smtp_mailer(
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

/// The message as SMTP DATA: bare CR or LF made CRLF (SMTP has no other line ending, and some
/// servers refuse bare ones), and one final CRLF dropped because lettre always ends the data
/// with CRLF "." CRLF, which restores it.
pub(super) fn smtp_data(message: &[u8]) -> Cow<'_, [u8]> {
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
pub(super) fn answer_text(response: &Response) -> String {
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
pub(super) fn classify(error: &lettre::transport::smtp::Error, url: &str) -> SendError {
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
