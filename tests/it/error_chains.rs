//! Each cause once (issue 13): newshound's errors embed their cause's text and do not also
//! return it from `source()`, so the message alone (logs, recorded errors) and the chain printed
//! at the command line (`{:#}`) say the same thing, each cause once, naming the resource.

use std::path::PathBuf;

use lettre::transport::smtp::client::Certificate;
use newshound::monitor;
use newshound::notify::transport::TransportError;
use newshound::opml::{OpmlError, feeds_toml_from_opml};
use newshound::store::{Store, StoreError};

/// The error as the command line shows it, after checking that it equals the message alone
/// (nothing left in `source()` to say again).
fn shown_once(error: impl std::error::Error + Send + Sync + 'static) -> String {
    let alone = error.to_string();
    let chain = format!("{:#}", anyhow::Error::from(error));
    assert_eq!(chain, alone, "the chain repeats the message");
    alone
}

/// Asserts that `text` holds `part` exactly once.
fn once(text: &str, part: &str) {
    assert_eq!(text.matches(part).count(), 1, "{part:?} in {text:?}");
}

/// A SQLite failure with SQLite's own message, as rusqlite reports it.
fn sqlite_failure(code: i32, message: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), Some(message.to_owned()))
}

/// Every store error that carries SQLite's message says it once and names the database.
#[test]
fn store_errors_say_sqlites_message_once() {
    let path = PathBuf::from("/var/lib/newshound/newshound.db");
    let errors = [
        StoreError::Sql {
            path: path.clone(),
            cause: sqlite_failure(rusqlite::ffi::SQLITE_CONSTRAINT, "UNIQUE constraint failed"),
        },
        StoreError::Full {
            path: path.clone(),
            cause: sqlite_failure(rusqlite::ffi::SQLITE_FULL, "database or disk is full"),
        },
        StoreError::Busy {
            path: path.clone(),
            cause: sqlite_failure(rusqlite::ffi::SQLITE_BUSY, "database is locked"),
        },
        StoreError::Migration {
            path: path.clone(),
            migration: "0001_init.sql",
            cause: sqlite_failure(rusqlite::ffi::SQLITE_ERROR, "near \"TABEL\": syntax error"),
        },
    ];
    for (error, message) in errors.into_iter().zip([
        "UNIQUE constraint failed",
        "database or disk is full",
        "database is locked",
        "syntax error",
    ]) {
        let shown = shown_once(error);
        once(&shown, message);
        once(&shown, "/var/lib/newshound/newshound.db");
    }
}

/// A database that cannot be opened (its folder is a file) says why once, naming the path.
#[test]
fn store_open_error_says_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "").unwrap();
    let path = blocker.join("newshound.db");
    let Err(error) = Store::open(&path) else {
        panic!("a database under a file cannot open");
    };
    let shown = shown_once(error);
    once(&shown, &path.display().to_string());
    assert!(shown.starts_with("cannot open database "), "{shown}");
}

/// A port in use is reported once, with the address and the config key.
#[tokio::test]
async fn listen_error_says_the_os_error_once() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = monitor::bind(addr).await.expect_err("the port is taken");
    let os = error.cause.to_string();
    let shown = shown_once(error);
    once(&shown, &os);
    once(&shown, &addr.to_string());
}

/// lettre writes its cause into its own message; the transport error adds its context and
/// nothing twice.
#[test]
fn transport_errors_say_lettres_cause_once() {
    let lettre_error = || {
        let Err(error) = Certificate::from_pem(
            b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        ) else {
            panic!("not a PEM certificate");
        };
        error
    };
    let lettre_text = lettre_error().to_string();
    let certificate = shown_once(TransportError::Certificate {
        cause: lettre_error(),
    });
    once(&certificate, &lettre_text);
    let tls = shown_once(TransportError::Tls {
        host: "mail.example.org".into(),
        cause: lettre_error(),
    });
    once(&tls, &lettre_text);
    once(&tls, "smtp server mail.example.org");
}

/// Broken OPML says the XML reader's words once, with the byte position.
#[test]
fn opml_error_says_the_xml_fault_once() {
    let Err(error) = feeds_toml_from_opml("<opml><body><outline xmlUrl='x'></body></opml>") else {
        panic!("broken OPML is an error");
    };
    let OpmlError::Xml { cause, .. } = &error else {
        panic!("an XML error: {error:?}");
    };
    let fault = cause.to_string();
    let shown = shown_once(error);
    once(&shown, &fault);
    assert!(
        shown.starts_with("opml is not well-formed XML at byte "),
        "{shown}"
    );
}
