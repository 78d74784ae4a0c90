//! Turns a rendered email into the bytes of an RFC 5322 message: multipart/alternative with the
//! plain-text and HTML parts, and the headers mail clients and filters use (From, To, Date, a
//! Message-ID derived from the outbox row, List-Id per topic, Auto-Submitted).

use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::render::Rendered;
use crate::config::Config;

/// Why a message could not be built: an address that is not one. Config validation catches
/// most; the message names the address.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the email: {0}")]
pub struct ComposeError(String);

/// The headers of one message besides the rendered parts.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// `From:` address.
    pub from: &'a str,
    /// The one recipient.
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
pub fn message_id(outbox_id: i64, date: DateTime<Utc>, from: &str) -> String {
    let domain = from
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('>'))
        .filter(|domain| !domain.is_empty())
        .unwrap_or("newshound.invalid");
    format!("<outbox-{outbox_id}.{}@{domain}>", date.timestamp())
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
    let id = message_id(envelope.outbox_id, envelope.date, envelope.from);
    let mut builder = Message::builder()
        .from(parse(envelope.from)?)
        .to(parse(envelope.to)?)
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

/// The `From:` address: `[email] from`, else a local one so that a file-transport setup needs
/// no address at all.
pub fn sender(config: &Config) -> String {
    config
        .email
        .from
        .clone()
        .unwrap_or_else(|| "newshound@localhost".to_owned())
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
}
