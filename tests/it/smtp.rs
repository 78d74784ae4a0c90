//! Email transports against a real SMTP server process ([`SmtpServer`], in `support::smtp`):
//! plain, STARTTLS and implicit TLS delivery, AUTH, refusals classified as temporary or
//! permanent, servers that are down, silent or hang; and the file transport.

use std::time::Duration;

use newshound::config::{EmailSettings, Security, SmtpSettings, Transport};
use newshound::notify::transport::{Mailer, SendError, file_name};

use crate::support::{SmtpOptions, SmtpServer, test_cert_pem};

const FROM: &str = "newshound@example.com";

/// A finished message with a Message-ID, CRLF lines and a line that SMTP must dot-stuff.
fn message(message_id: &str, to: &str) -> Vec<u8> {
    format!(
        "From: Newshound <{FROM}>\r\n\
         To: {to}\r\n\
         Subject: Council agrees budget\r\n\
         Message-ID: <{message_id}>\r\n\
         Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         \r\n\
         The council met on Tuesday.\r\n\
         .a line that starts with a dot\r\n\
         Bye.\r\n"
    )
    .into_bytes()
}

fn to(address: &str) -> Vec<String> {
    vec![address.to_string()]
}

/// Over plain SMTP the server stores exactly the bytes given, headers (the caller's
/// Message-ID) included, and the answer is the server's "250 ... queued as".
#[tokio::test]
async fn plain_delivery_arrives_byte_for_byte() {
    let server = SmtpServer::start(SmtpOptions::plain());
    let mailer = server.mailer();
    let sent = message("plain.1@newshound.test", "reader@example.com");

    let delivery = mailer
        .send(FROM, &to("Reader <reader@example.com>"), &sent)
        .await
        .unwrap();

    assert!(
        delivery.answer.starts_with("250 2.0.0 Ok: queued as"),
        "{delivery:?}"
    );
    assert_eq!(server.messages(), vec![sent]);
    assert_eq!(
        mailer.describe(),
        format!("smtp://127.0.0.1:{} (no encryption, no AUTH)", server.port)
    );
}

/// STARTTLS with the test certificate trusted, then AUTH, delivers; the pooled connection
/// carries a second message too.
#[tokio::test]
async fn starttls_with_auth_delivers() {
    let server = SmtpServer::start(SmtpOptions::starttls().auth("alice", "s3cret"));
    let mailer = server.mailer();

    for n in 1..=2 {
        let sent = message(
            &format!("starttls.{n}@newshound.test"),
            "reader@example.com",
        );
        mailer
            .send(FROM, &to("reader@example.com"), &sent)
            .await
            .unwrap();
    }

    assert_eq!(server.messages().len(), 2, "{}", server.log());
    assert_eq!(
        mailer.describe(),
        format!("smtp://127.0.0.1:{} (STARTTLS, AUTH as alice)", server.port)
    );
}

/// TLS from the first byte (port 465 style) delivers, reaching the server by name.
#[tokio::test]
async fn implicit_tls_delivers() {
    let server = SmtpServer::start(SmtpOptions::implicit_tls().auth("alice", "s3cret"));
    let mut settings = server.email_settings();
    if let Transport::Smtp(smtp) = &mut settings.transport {
        smtp.host = "localhost".into();
    }
    let mailer = Mailer::new(&settings, Some(&test_cert_pem())).unwrap();
    let sent = message("implicit.1@newshound.test", "reader@example.com");

    mailer
        .send(FROM, &to("reader@example.com"), &sent)
        .await
        .unwrap();

    assert_eq!(server.messages(), vec![sent]);
    assert!(mailer.describe().starts_with("smtps://localhost:"));
}

/// Without the test root the certificate is not trusted: nothing is sent, and it is a
/// temporary failure (the configuration or the server can be fixed).
#[tokio::test]
async fn untrusted_certificate_is_a_temporary_failure() {
    let server = SmtpServer::start(SmtpOptions::starttls());
    let mailer = Mailer::new(&server.email_settings(), None).unwrap();

    let error = mailer
        .send(FROM, &to("reader@example.com"), &message("tls.1@x", "r@x"))
        .await
        .unwrap_err();

    assert!(error.is_temporary(), "{error}");
    assert!(server.messages().is_empty());
}

/// A wrong password is the account's problem, not the message's: temporary, with the answer.
#[tokio::test]
async fn rejected_login_is_a_temporary_failure() {
    let server = SmtpServer::start(SmtpOptions::starttls().auth("alice", "s3cret"));
    let mut settings = server.email_settings();
    if let Transport::Smtp(smtp) = &mut settings.transport {
        smtp.password = Some("wrong".into());
    }
    let mailer = Mailer::new(&settings, Some(&test_cert_pem())).unwrap();

    let error = mailer
        .send(FROM, &to("reader@example.com"), &message("auth.1@x", "r@x"))
        .await
        .unwrap_err();

    assert!(error.is_temporary(), "{error}");
    assert!(error.answer().starts_with("535 "), "{error}");
    assert!(server.messages().is_empty());
}

/// A 451 at RCPT TO is temporary and keeps the server's text.
#[tokio::test]
async fn busy_mailbox_451_is_a_temporary_failure_with_the_server_text() {
    let server = SmtpServer::start(SmtpOptions::plain().fail_rcpt("busy@example.com", 451));
    let mailer = server.mailer();

    let error = mailer
        .send(
            FROM,
            &to("busy@example.com"),
            &message("busy.1@x", "busy@example.com"),
        )
        .await
        .unwrap_err();

    assert_eq!(
        error,
        SendError::Temporary(
            "451 4.3.0 Temporary failure injected by the test server, try again later".into()
        )
    );
    assert!(server.messages().is_empty());
}

/// A 550 at RCPT TO is permanent.
#[tokio::test]
async fn unknown_user_550_is_a_permanent_failure() {
    let server = SmtpServer::start(SmtpOptions::plain().fail_rcpt("nobody@example.com", 550));
    let mailer = server.mailer();

    let error = mailer
        .send(
            FROM,
            &to("nobody@example.com"),
            &message("nobody.1@x", "nobody@example.com"),
        )
        .await
        .unwrap_err();

    assert!(matches!(error, SendError::Permanent(_)), "{error}");
    assert!(error.answer().starts_with("550 5.1.1 "), "{error}");
    // The connection stays usable for the next message.
    let sent = message("after.1@x", "reader@example.com");
    mailer
        .send(FROM, &to("reader@example.com"), &sent)
        .await
        .unwrap();
    assert_eq!(server.messages(), vec![sent]);
}

/// A refusal after the whole message was sent (end of DATA) is classified the same way.
#[tokio::test]
async fn refusal_at_end_of_data_is_classified_by_its_code() {
    let server = SmtpServer::start(
        SmtpOptions::plain()
            .fail_data("spam@example.com", 554)
            .fail_data("later@example.com", 452),
    );
    let mailer = server.mailer();
    let send = |address: &'static str| {
        let mailer = &mailer;
        async move {
            mailer
                .send(FROM, &to(address), &message("data.1@x", address))
                .await
                .unwrap_err()
        }
    };

    assert!(matches!(
        send("spam@example.com").await,
        SendError::Permanent(_)
    ));
    assert!(send("later@example.com").await.is_temporary());
    assert!(server.messages().is_empty());
}

/// While the server is down sending is a temporary failure naming the server; once it is
/// back the same mailer delivers again (the pool drops its dead connection).
#[tokio::test]
async fn server_down_is_a_temporary_failure_and_recovery_needs_nothing() {
    let mut server = SmtpServer::start(SmtpOptions::plain());
    let mailer = server.mailer();
    let first = message("outage.1@x", "reader@example.com");
    mailer
        .send(FROM, &to("reader@example.com"), &first)
        .await
        .unwrap();

    server.stop();
    let error = mailer
        .send(
            FROM,
            &to("reader@example.com"),
            &message("outage.2@x", "r@x"),
        )
        .await
        .unwrap_err();
    assert!(error.is_temporary(), "{error}");
    assert!(
        error
            .answer()
            .contains(&format!("smtp://127.0.0.1:{}", server.port)),
        "{error}"
    );

    server.restart();
    let third = message("outage.3@x", "reader@example.com");
    mailer
        .send(FROM, &to("reader@example.com"), &third)
        .await
        .unwrap();
    assert_eq!(server.messages(), vec![first, third]);
}

/// A server that accepts the connection and never greets is given up after the timeout, as a
/// temporary failure.
#[tokio::test]
async fn silent_server_is_a_temporary_failure_after_the_timeout() {
    // The kernel completes the handshake from the backlog; nothing ever answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let settings = EmailSettings {
        from: None,
        to: vec![],
        max_immediate_per_hour: 60,
        transport: Transport::Smtp(SmtpSettings {
            host: "127.0.0.1".into(),
            port: silent.local_addr().unwrap().port(),
            security: Security::None,
            username: None,
            password: None,
            password_file: None,
        }),
    };
    let mailer = Mailer::with_timeout(&settings, None, Duration::from_millis(250)).unwrap();

    let error = mailer
        .send(
            FROM,
            &to("reader@example.com"),
            &message("silent.1@x", "r@x"),
        )
        .await
        .unwrap_err();

    assert!(error.is_temporary(), "{error}");
    assert!(error.answer().ends_with("no answer within 1s"), "{error}");
    drop(silent);
}

/// A server that stops answering in the middle of a connection is given up after the time
/// limit; the connection it held is not reused, so the next delivery, once the server answers
/// again, is a clean exchange.
#[tokio::test]
async fn hanging_server_is_a_temporary_failure_and_its_connection_is_not_reused() {
    let server = SmtpServer::start(SmtpOptions::plain());
    let settings = server.email_settings();
    let mailer = Mailer::with_timeout(&settings, None, Duration::from_millis(250)).unwrap();
    let first = message("hang.1@x", "reader@example.com");
    mailer
        .send(FROM, &to("reader@example.com"), &first)
        .await
        .unwrap();

    server.pause();
    let error = mailer
        .send(FROM, &to("reader@example.com"), &message("hang.2@x", "r@x"))
        .await
        .unwrap_err();
    assert!(error.is_temporary(), "{error}");
    assert!(error.answer().contains("no answer within 1s"), "{error}");

    server.resume();
    let third = message("hang.3@x", "reader@example.com");
    let delivery = mailer
        .send(FROM, &to("reader@example.com"), &third)
        .await
        .unwrap();
    assert!(
        delivery.answer.starts_with("250 2.0.0 Ok: queued as"),
        "{delivery:?}"
    );
    assert_eq!(server.messages(), vec![first, third]);
}

/// A delivery that runs out of time in the middle of the exchange (no answer to RCPT TO) is
/// a temporary failure, and the next delivery does not reuse that connection, out of step.
#[tokio::test]
async fn connection_given_up_mid_exchange_is_not_reused() {
    let server = SmtpServer::start(SmtpOptions::plain().hang_rcpt("stuck@example.com"));
    let settings = server.email_settings();
    let mailer = Mailer::with_timeout(&settings, None, Duration::from_millis(250)).unwrap();

    let error = mailer
        .send(FROM, &to("stuck@example.com"), &message("stuck.1@x", "r@x"))
        .await
        .unwrap_err();
    assert!(error.is_temporary(), "{error}");
    // lettre hands a dropped connection back to its pool in a task of its own; let it run.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }

    let next = message("stuck.2@x", "reader@example.com");
    mailer
        .send(FROM, &to("reader@example.com"), &next)
        .await
        .unwrap();
    assert_eq!(server.messages(), vec![next]);
}

/// Addresses that are not addresses are permanent failures, before any connection.
#[tokio::test]
async fn invalid_addresses_are_permanent_failures() {
    let server = SmtpServer::start(SmtpOptions::plain());
    let mailer = server.mailer();
    let sent = message("invalid.1@x", "r@x");

    for (from, recipients) in [
        ("not an address", to("reader@example.com")),
        (FROM, to("reader at example.com")),
        (FROM, vec![]),
    ] {
        let error = mailer.send(from, &recipients, &sent).await.unwrap_err();
        assert!(matches!(error, SendError::Permanent(_)), "{error}");
    }
    assert!(server.messages().is_empty());
}

/// The file transport writes one `.eml` named after the Message-ID, byte for byte; sending
/// the same message again replaces it instead of adding a second file.
#[tokio::test]
async fn file_transport_writes_one_eml_per_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("outbox/mail");
    let settings = EmailSettings {
        from: None,
        to: vec![],
        max_immediate_per_hour: 60,
        transport: Transport::File { dir: out.clone() },
    };
    let mailer = Mailer::new(&settings, None).unwrap();
    let sent = message("file.1@newshound.test", "reader@example.com");

    let first = mailer
        .send(FROM, &to("reader@example.com"), &sent)
        .await
        .unwrap();
    let again = mailer
        .send(FROM, &to("reader@example.com"), &sent)
        .await
        .unwrap();
    let other = message("file.2@newshound.test", "reader@example.com");
    mailer
        .send(FROM, &to("reader@example.com"), &other)
        .await
        .unwrap();

    let expected = out.join("file.1@newshound.test.eml");
    assert_eq!(first.answer, expected.display().to_string());
    assert_eq!(again, first);
    assert_eq!(std::fs::read(&expected).unwrap(), sent);
    let mut names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["file.1@newshound.test.eml", "file.2@newshound.test.eml"]
    );
    assert_eq!(file_name(&other), "file.2@newshound.test");
    assert_eq!(mailer.describe(), format!("files in {}", out.display()));
}
