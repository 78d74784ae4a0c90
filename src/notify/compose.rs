//! Turns a rendered email into the bytes of an RFC 5322 message: multipart/alternative with the
//! plain-text and HTML parts, and the headers mail clients and filters use (From, To, Date, a
//! Message-ID derived from the outbox row, List-Id per topic, Auto-Submitted).
//!
//! Senders and recipients are configured as people write them: `addr`, `Name <addr>`,
//! `"Last, First" <addr>`, names in any script. The headers show them so (a name beyond ASCII
//! encoded as RFC 2047); everything else (the SMTP envelope, the Message-ID's domain, the
//! outbox's record of who was told what) uses the bare address ([`address`]).

use chrono::{DateTime, Utc};
use lettre::address::AddressError;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use super::render::Rendered;

/// Why a message could not be built: an address that is not one. Config validation catches
/// most; the message names the address.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the email: {0}")]
pub struct ComposeError(String);

/// The headers of one message besides the rendered parts.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// `From:` address, bare or with a display name.
    pub from: &'a str,
    /// The one recipient, bare or with a display name.
    pub to: &'a str,
    /// The outbox row's id, from which the Message-ID is made.
    pub outbox_id: i64,
    /// When the message was rendered; its `Date:`.
    pub date: DateTime<Utc>,
    /// The topics of the message, for `List-Id` (the first) and `X-Newshound-Topics`.
    pub topics: &'a [String],
}

/// The Message-ID of an outbox row: the same row always gives the same id, so a message that is
/// delivered again after a crash is recognised by mail clients as the one they have.
/// The domain is the sender's address's (never its display name's); a sender that is no
/// address, or an internationalised domain (a Message-ID is ASCII), gives `newshound.invalid`.
pub fn message_id(outbox_id: i64, date: DateTime<Utc>, from: &str) -> String {
    let address = address(from).ok();
    let domain = address
        .as_ref()
        .map(Address::domain)
        .filter(|domain| !domain.is_empty() && domain.is_ascii())
        .unwrap_or("newshound.invalid");
    format!("<outbox-{outbox_id}.{}@{domain}>", date.timestamp())
}

/// The bare address of a configured sender or recipient (`addr`, `Name <addr>`,
/// `"Last, First" <addr>`): what the SMTP envelope carries and what the Message-ID's domain
/// comes from. A bare address lettre's mailbox grammar does not cover (an IP literal) is taken
/// as an address too.
pub fn address(mailbox: &str) -> Result<Address, AddressError> {
    let text = mailbox.trim();
    text.parse::<Mailbox>()
        .map(|mailbox| mailbox.email)
        .or_else(|_| text.parse::<Address>())
}

/// [`address`] as text, else `mailbox` trimmed: what the outbox records a sender or recipient
/// under, so the hits a recipient was told about, their hourly cap and their time zone stay
/// theirs when a display name is added or changed (and databases from before display names keep
/// working). Text that is no address is kept as it is, for [`compose`] and the transport to
/// report; config validation lets none through.
pub fn envelope_address(mailbox: &str) -> String {
    address(mailbox).map_or_else(|_| mailbox.trim().to_owned(), |address| address.to_string())
}

/// The `List-Id` of a topic: `Topic name <arms-deals.topics.newshound>`, so users can filter
/// alerts per topic.
pub fn list_id(topic: &str) -> String {
    let mut slug = String::new();
    for c in crate::matcher::fold(topic).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "topic" } else { slug };
    let name: String = topic
        .chars()
        .filter(|c| !c.is_control() && *c != '<' && *c != '>' && *c != '"')
        .collect();
    format!("\"{name}\" <{slug}.topics.newshound>")
}

/// The finished message and its Message-ID.
pub fn compose(
    rendered: &Rendered,
    envelope: &Envelope<'_>,
) -> Result<(String, Vec<u8>), ComposeError> {
    let parse = |address: &str| -> Result<Mailbox, ComposeError> {
        address
            .parse()
            .map_err(|e| ComposeError(format!("invalid address {address:?}: {e}")))
    };
    let (from, to) = (parse(envelope.from)?, parse(envelope.to)?);
    let id = message_id(envelope.outbox_id, envelope.date, envelope.from);
    let mut builder = Message::builder().from(from.clone()).to(to.clone());
    for (name, mailbox) in [("From", &from), ("To", &to)] {
        if let Some(header) = ascii_mailbox_header(name, mailbox) {
            builder = builder.raw_header(header);
        }
    }
    builder = builder
        .subject(rendered.subject.clone())
        .date(envelope.date.into())
        .message_id(Some(id.clone()))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    if let Some(first) = envelope.topics.first() {
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Id"),
            list_id(first),
        ));
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Newshound-Topics"),
            envelope.topics.join(", "),
        ));
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))
        .map_err(|e| ComposeError(e.to_string()))?;
    Ok((id, message.formatted()))
}

/// The header `name: mailbox` written as people write it (`"Doe, Jane" <jane@example.org>`)
/// when the display name is printable ASCII (or absent); `None` for a name beyond ASCII, which
/// lettre's own header encodes as RFC 2047, the only way to carry it. lettre would encode ASCII
/// names with punctuation (a comma, an apostrophe) in RFC 2047 too: valid, but unreadable in
/// the raw message and to filters that match on the header. The value replaces lettre's header
/// in place and parses back to the same mailbox, so the envelope lettre derives is unchanged.
fn ascii_mailbox_header(name: &'static str, mailbox: &Mailbox) -> Option<HeaderValue> {
    let display_name = mailbox.name.as_deref().unwrap_or_default();
    let printable = display_name.bytes().all(|b| (b' '..=b'~').contains(&b));
    printable.then(|| HeaderValue::new(HeaderName::new_from_ascii_str(name), mailbox.to_string()))
}

/// The Message-ID and bytes of the message for one outbox row, for every kind of email that is
/// queued (alerts, digests, feed health reports). An address lettre cannot parse (config
/// validation checks the syntax) still yields a message, with the error as its body, so the row
/// is visible in `outbox`.
pub(super) fn finish(
    rendered: &Rendered,
    from: &str,
    to: &str,
    outbox_id: i64,
    now: DateTime<Utc>,
    topics: &[String],
) -> (String, Vec<u8>) {
    let envelope = Envelope {
        from,
        to,
        outbox_id,
        date: now,
        topics,
    };
    compose(rendered, &envelope).unwrap_or_else(|e| {
        let id = message_id(outbox_id, now, from);
        (id, e.to_string().into_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered() -> Rendered {
        Rendered {
            subject: "[newshound] Arms deals: Kim trifft Putin".into(),
            text: "Plain text".into(),
            html: "<!doctype html><p>HTML</p>".into(),
        }
    }

    /// Every header the issue asks for is there, and the Message-ID follows the outbox row.
    #[test]
    fn message_has_headers_and_both_parts() {
        let topics = ["Arms deals".to_string(), "Summit meetings".to_string()];
        let date = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let envelope = Envelope {
            from: "newshound@example.org",
            to: "analyst@example.org",
            outbox_id: 42,
            date,
            topics: &topics,
        };
        let (id, bytes) = compose(&rendered(), &envelope).unwrap();
        assert_eq!(id, "<outbox-42.1795773600@example.org>");
        let text = String::from_utf8(bytes).unwrap();
        for header in [
            "From: newshound@example.org",
            "To: analyst@example.org",
            "Date: Fri, 27 Nov 2026 10:00:00 +0000",
            "Message-ID: <outbox-42.1795773600@example.org>",
            "List-Id: \"Arms deals\" <arms-deals.topics.newshound>",
            "Auto-Submitted: auto-generated",
            "multipart/alternative",
            "text/plain",
            "text/html",
        ] {
            assert!(text.contains(header), "{header} missing in\n{text}");
        }
        let (again, _) = compose(&rendered(), &envelope).unwrap();
        assert_eq!(again, id);
    }

    /// Topic names become safe list ids.
    #[test]
    fn list_ids_are_slugs() {
        assert_eq!(
            list_id("Summit meetings"),
            "\"Summit meetings\" <summit-meetings.topics.newshound>"
        );
        assert_eq!(
            list_id("Über <alles>"),
            "\"Über alles\" <uber-alles.topics.newshound>"
        );
    }

    /// The headers of a message from `from` to `to`, unfolded, each line ending in CRLF and the
    /// first one starting after a CRLF too.
    fn headers(from: &str, to: &str) -> String {
        let date = DateTime::from_timestamp(1_795_773_600, 0).unwrap();
        let envelope = Envelope {
            from,
            to,
            outbox_id: 7,
            date,
            topics: &[],
        };
        let (_, bytes) = compose(&rendered(), &envelope).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let (head, _) = text.split_once("\r\n\r\n").unwrap();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        format!("\r\n{unfolded}\r\n")
    }

    /// Display names show as people write them: plain or quoted when ASCII (the comma quoted,
    /// not RFC 2047-encoded), RFC 2047 only beyond ASCII; the Message-ID's domain is the
    /// address's.
    #[test]
    fn display_names_are_written_as_people_write_them() {
        let head = headers(
            "Desk <desk@example.org>",
            "\"Doe, Jane\" <jane@example.org>",
        );
        assert!(
            head.contains("\nFrom: Desk <desk@example.org>\r\n"),
            "{head}"
        );
        assert!(
            head.contains("\nTo: \"Doe, Jane\" <jane@example.org>\r\n"),
            "{head}"
        );
        assert!(
            head.contains("Message-ID: <outbox-7.1795773600@example.org>"),
            "{head}"
        );
        let head = headers(
            "Ann O'Neil <ann@example.org>",
            "Jürgen Weiß <jw@example.org>",
        );
        assert!(
            head.contains("\nFrom: Ann O'Neil <ann@example.org>\r\n"),
            "{head}"
        );
        assert!(
            head.contains("\nTo: =?utf-8?b?SsO8cmdlbiBXZWnDnw==?= <jw@example.org>\r\n"),
            "{head}"
        );
    }

    /// The bare address comes out of every configured form; text that is none stays as written.
    #[test]
    fn envelope_addresses_are_bare() {
        for (mailbox, bare) in [
            ("jane@example.org", "jane@example.org"),
            (" Jane <jane@example.org> ", "jane@example.org"),
            ("\"Doe, Jane\" <jane@example.org>", "jane@example.org"),
            ("Jürgen Weiß <jw@example.org>", "jw@example.org"),
            ("not an address ", "not an address"),
        ] {
            assert_eq!(envelope_address(mailbox), bare, "{mailbox:?}");
        }
        let date = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(
            message_id(1, date, "\"ops@wrong.example\" <desk@example.org>"),
            "<outbox-1.0@example.org>"
        );
        assert_eq!(
            message_id(1, date, "no address"),
            "<outbox-1.0@newshound.invalid>"
        );
    }
}
