//! The transports' unit tests: passwords, descriptions, file names, SMTP DATA and envelopes.

use super::files::MAX_STEM;
use super::smtp::smtp_data;
use super::*;
use crate::config::{Security, SmtpSettings};

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
