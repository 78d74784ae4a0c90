//! The parse stage: feed document bytes + the feed's final URL -> [`ParsedFeed`].
//!
//! feed-rs does the parsing. This module adds what feed-rs leaves to its caller:
//!
//! - a panic inside feed-rs/quick-xml becomes a [`ParseError`], never an unwinding task;
//! - a document whose first parse fails, or comes back hollow (zero entries although it holds
//!   `<item>`/`<entry>` elements), goes through one normalising pass
//!   (`normalise::normalise`) and is parsed again; the result is marked `repaired`;
//! - plain-text fields are HTML-unescaped and whitespace-normalised, links made absolute, and an
//!   entry's identity ([`entry_key`]) is derived from documented keys.
//!
//! The happy path hands the caller's bytes straight to feed-rs; only a failed or hollow first
//! parse (or a non-UTF-8 HTTP charset) pays for a decoded copy.
//!
//! # Files
//! This file runs feed-rs and converts its model into ours; `encoding` detects and transcodes the
//! document's encoding, `normalise` is the repair pass, `runs` cuts overlong text runs before
//! parsing, and `text` turns fields into plain text or article HTML.

mod encoding;
mod normalise;
mod runs;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use sha2::{Digest, Sha256};
use url::Url;

use crate::model::{Entry, ParsedFeed};
use encoding::{apply_http_charset, strip_utf8_declaration};
use normalise::{count_item_elements, local_name, normalise, root_element};
use text::{clean_plain, content_html, html_to_plain, text_to_plain};

/// At most this many entries of one document are taken, the newest first (by published, else
/// updated date; undated ones after dated ones, in document order). A news feed holds tens to a
/// few hundred items; a broken or hostile one with a hundred thousand would be stored and
/// matched in full at every poll, at a cost in time and memory out of all proportion. The rest
/// are counted in [`ParsedFeed::dropped_entries`].
pub const MAX_ENTRIES: usize = 1000;

/// An entry's summary and content are cut to this many bytes before they are converted: a real
/// article is well under 1 MiB of HTML, while text conversion and matching cost grows with the
/// field, so a hostile description of tens of megabytes would hold up its feed's refresh.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Titles (of the feed and of its entries) are cut to this many bytes before conversion.
pub const MAX_TITLE_BYTES: usize = 4096;

/// Why a document did not yield entries. Every variant is an answer about the document, so the
/// caller can record it against the feed and go on.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The body was empty or only whitespace.
    #[error("not a feed: empty document")]
    Empty,
    /// Well-formed XML whose root is not a feed (OPML, KML, an HTML page, ...).
    #[error("not a feed: root element <{root}>")]
    NotAFeed {
        /// The root element's name as written, prefix included.
        root: String,
    },
    /// An RSS/RDF root without the `<channel>` that holds the feed.
    #[error("not a feed: <{root}> has no <channel>")]
    NoChannel {
        /// The root element's name as written.
        root: String,
    },
    /// Markup without any element (only a declaration or comments).
    #[error("not a feed: no root element")]
    NoRootElement,
    /// The body is neither XML nor JSON.
    #[error("not a feed: no xml or json content")]
    NotMarkup,
    /// The XML is broken beyond what the normalising pass repairs.
    #[error("malformed xml: {}", fault(.cause))]
    MalformedXml {
        /// feed-rs's description, with the position of the fault. Part of the message, so not
        /// the error's `source()` too: each cause is said once (see `fetch::error_chain`).
        cause: feed_rs::parser::ParseFeedError,
    },
    /// The JSON is broken or is not a JSON Feed.
    #[error("malformed json feed: {}", fault(.cause))]
    MalformedJson {
        /// feed-rs's description of the fault; part of the message.
        cause: feed_rs::parser::ParseFeedError,
    },
    /// feed-rs understood the syntax but not the feed (an unknown Atom content type, ...).
    #[error("unsupported feed: {}", fault(.cause))]
    Unsupported {
        /// feed-rs's description of the fault; part of the message.
        cause: feed_rs::parser::ParseFeedError,
    },
    /// The document holds items but none survived parsing, even after normalising; reported
    /// instead of an empty success so that no item is lost silently.
    #[error("no entries parsed although the document has {items} items")]
    Hollow {
        /// How many `<item>`/`<entry>` elements the raw document holds.
        items: usize,
    },
    /// feed-rs or quick-xml panicked on this document (seen with UTF-16BE documents).
    #[error("feed parser crashed: {message}")]
    Crashed {
        /// The panic payload, when it was a string.
        message: String,
    },
}

/// Parses a feed document. `http_charset` is the charset parameter of the HTTP Content-Type, if any.
///
/// `base_url` is the feed's final URL (after redirects): relative links are resolved against it.
/// Never panics; a document that holds items never comes back as `Ok` with zero entries.
pub fn parse_feed(
    body: &[u8],
    http_charset: Option<&str>,
    base_url: &Url,
) -> Result<ParsedFeed, ParseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let body = runs::cut_long_text_runs(body);
    let body = body.as_ref();
    let input = apply_http_charset(body, http_charset);
    let first = parse_guarded(&input, base_url);
    if let Ok(feed) = first
        && (!feed.entries.is_empty() || (count_item_elements(&input) == 0 && !is_wide(&input)))
    {
        return Ok(convert_feed(feed, base_url, false));
    }
    let normalised = normalise(body, http_charset);
    match parse_guarded(normalised.as_bytes(), base_url) {
        Ok(feed) if !feed.entries.is_empty() => Ok(convert_feed(feed, base_url, true)),
        Ok(feed) => match count_item_elements(normalised.as_bytes()) {
            0 => Ok(convert_feed(feed, base_url, true)),
            items => Err(ParseError::Hollow { items }),
        },
        Err(err) => Err(classify_failure(err, &normalised)),
    }
}

/// True for UTF-16/UTF-32 bodies (a zero byte up front), whose items the byte-level counter
/// cannot see; they always take the normalising pass when they come back empty.
fn is_wide(body: &[u8]) -> bool {
    body.iter().take(4).any(|&b| b == 0) || matches!(body, [0xFE, 0xFF, ..] | [0xFF, 0xFE, ..])
}

/// Stable identity of an entry within its feed: the GUID; else the link; else SHA-256 hex of title + "\n" + content/summary. Prefixed by kind ("guid:", "link:", "hash:") so kinds never collide.
///
/// Content is the entry's `content_html` when present, else its summary; absent fields count as
/// empty strings.
pub fn entry_key(entry: &Entry) -> String {
    if let Some(guid) = entry.guid.as_deref().filter(|g| !g.is_empty()) {
        return format!("guid:{guid}");
    }
    if let Some(link) = &entry.link {
        return format!("link:{link}");
    }
    let title = entry.title.as_deref().unwrap_or("");
    let body = entry
        .content_html
        .as_deref()
        .or(entry.summary.as_deref())
        .unwrap_or("");
    let mut hasher = Sha256::new();
    hasher.update(title.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.as_bytes());
    format!("hash:{}", hex::encode(hasher.finalize()))
}

// ---------------------------------------------------------------------------------------------
// Running feed-rs

/// What one guarded feed-rs run ends as: the feed, feed-rs's error, or a caught panic.
enum RunError {
    Feed(feed_rs::parser::ParseFeedError),
    Panic(String),
}

/// Runs feed-rs on `input` with panics caught. The id generator returns an empty id so that a
/// missing GUID stays visible (feed-rs would otherwise invent one from the link or a UUID).
fn parse_guarded(input: &[u8], base_url: &Url) -> Result<feed_rs::model::Feed, RunError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base_url.as_str()))
        .sanitize_content(false)
        .id_generator(|_, _, _| String::new())
        .build();
    match catch_unwind(AssertUnwindSafe(|| parser.parse(input))) {
        Ok(result) => result.map_err(RunError::Feed),
        Err(payload) => Err(RunError::Panic(panic_message(payload.as_ref()))),
    }
}

/// The text of a panic payload (a `&str` or `String` in practice).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic without a message".to_string()
    }
}

/// Turns the failure of the second (normalised) run into a [`ParseError`], naming the root
/// element when the document is well-formed XML but not a feed.
fn classify_failure(second: RunError, normalised: &str) -> ParseError {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    let cause = match second {
        RunError::Feed(cause) => cause,
        RunError::Panic(message) => return ParseError::Crashed { message },
    };
    match cause {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => match root_element(normalised) {
            Some(root) if local_name(&root) == "rss" => ParseError::NoChannel { root },
            Some(root) => ParseError::NotAFeed { root },
            None if normalised.trim_start().starts_with('{') => ParseError::MalformedJson { cause },
            None if strip_utf8_declaration(normalised).contains('<') => ParseError::NoRootElement,
            None => ParseError::NotMarkup,
        },
        ParseFeedError::XmlReader(_) | ParseFeedError::IoError(_) => {
            ParseError::MalformedXml { cause }
        }
        ParseFeedError::JsonSerde(_) | ParseFeedError::JsonUnsupportedVersion(_) => {
            ParseError::MalformedJson { cause }
        }
        ParseFeedError::ParseError(_) => ParseError::Unsupported { cause },
    }
}

/// What feed-rs found wrong, without its own "unable to parse XML/JSON/feed" line, which
/// restates the variant's message: the fault it wraps (quick-xml's, serde's or its own words,
/// with the position).
fn fault(cause: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::ParseFeedError;
    match cause {
        ParseFeedError::ParseError(kind) => kind.to_string(),
        ParseFeedError::IoError(e) => e.to_string(),
        ParseFeedError::JsonSerde(e) => e.to_string(),
        ParseFeedError::XmlReader(e) => e.to_string(),
        ParseFeedError::JsonUnsupportedVersion(_) => cause.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// feed-rs model -> newshound model

/// Converts feed-rs's feed into ours: plain-text fields cleaned, links absolute, TTL as duration.
fn convert_feed(mut feed: feed_rs::model::Feed, base_url: &Url, repaired: bool) -> ParsedFeed {
    let language = feed.language.as_deref().and_then(clean_plain);
    let dropped_entries = keep_newest(&mut feed.entries, MAX_ENTRIES);
    if let Some(title) = feed.title.as_mut() {
        truncate_at_char(&mut title.content, MAX_TITLE_BYTES);
    }
    let entries = feed
        .entries
        .into_iter()
        .map(|entry| convert_entry(entry, base_url, language.as_deref()))
        .collect();
    ParsedFeed {
        dropped_entries,
        title: feed.title.as_ref().and_then(text_to_plain),
        ttl: feed
            .ttl
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        language,
        entries,
        repaired,
    }
}

/// Keeps the `max` newest of `entries` (see [`MAX_ENTRIES`]), in document order, and returns how
/// many were dropped. A document within the limit is left untouched.
fn keep_newest(entries: &mut Vec<feed_rs::model::Entry>, max: usize) -> usize {
    if entries.len() <= max {
        return 0;
    }
    let dropped = entries.len() - max;
    let mut order: Vec<usize> = (0..entries.len()).collect();
    // Stable: equal (or missing) dates keep document order; `None` sorts after every date.
    order.sort_by_key(|&i| std::cmp::Reverse(entries[i].published.or(entries[i].updated)));
    let mut keep = vec![false; entries.len()];
    for &i in &order[..max] {
        keep[i] = true;
    }
    let mut index = 0;
    entries.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    dropped
}

/// Cuts `text` to at most `max` bytes, at a character boundary.
fn truncate_at_char(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
}

/// Cuts an entry's text fields to [`MAX_TITLE_BYTES`] and [`MAX_TEXT_BYTES`] before conversion.
fn cap_entry_fields(entry: &mut feed_rs::model::Entry) {
    if let Some(title) = entry.title.as_mut() {
        truncate_at_char(&mut title.content, MAX_TITLE_BYTES);
    }
    if let Some(summary) = entry.summary.as_mut() {
        truncate_at_char(&mut summary.content, MAX_TEXT_BYTES);
    }
    if let Some(body) = entry.content.as_mut().and_then(|c| c.body.as_mut()) {
        truncate_at_char(body, MAX_TEXT_BYTES);
    }
}

/// Converts one feed-rs entry; `feed_language` fills in when the item declares none.
fn convert_entry(
    mut entry: feed_rs::model::Entry,
    base_url: &Url,
    feed_language: Option<&str>,
) -> Entry {
    cap_entry_fields(&mut entry);
    let guid = Some(entry.id.trim().to_string()).filter(|g| !g.is_empty());
    let link =
        article_link(&entry.links, base_url).or_else(|| guid.as_deref().and_then(permalink_guid));
    let content = entry.content.as_ref().and_then(content_html);
    let content_text = content.as_deref().and_then(html_to_plain);
    Entry {
        link,
        title: entry.title.as_ref().and_then(text_to_plain),
        author: author_names(&entry.authors),
        summary: entry.summary.as_ref().and_then(text_to_plain),
        content_html: content,
        content_text,
        published_at: entry.published,
        updated_at: entry.updated,
        language: entry
            .language
            .as_deref()
            .and_then(clean_plain)
            .or_else(|| feed_language.map(str::to_string)),
        guid,
    }
}

/// The entry's article page: the first alternate (or rel-less) link that is not a comments link,
/// resolved against `base_url` and of an allowed scheme.
fn article_link(links: &[feed_rs::model::Link], base_url: &Url) -> Option<Url> {
    links
        .iter()
        .filter(|l| l.target.is_none())
        .filter(|l| l.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .find_map(|l| resolve_link(&l.href, base_url))
}

/// Resolves `href` against `base_url`; keeps only http(s), and file: when the feed itself was a
/// file (a remote feed must not point the fetcher at local files).
fn resolve_link(href: &str, base_url: &Url) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = base_url.join(href).ok()?;
    match url.scheme() {
        "http" | "https" => Some(url),
        "file" if base_url.scheme() == "file" => Some(url),
        _ => None,
    }
}

/// A GUID that is an absolute http(s) URL is the item's permalink (RSS `isPermaLink` default).
fn permalink_guid(guid: &str) -> Option<Url> {
    Url::parse(guid)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// Author names (or e-mail addresses when there is no name), plain text, comma-separated,
/// without repeats.
fn author_names(people: &[feed_rs::model::Person]) -> Option<String> {
    let mut names: Vec<String> = Vec::new();
    for person in people {
        let name = person.name.as_deref().or(person.email.as_deref());
        if let Some(name) = name.and_then(clean_plain)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The base URL the tests parse against.
    pub(super) fn base() -> Url {
        Url::parse("http://example.com/news/feed.xml").expect("a valid literal URL")
    }

    /// Parses `doc` with no HTTP charset, failing the test on an error.
    pub(super) fn parse_ok(doc: &[u8]) -> ParsedFeed {
        match parse_feed(doc, None, &base()) {
            Ok(feed) => feed,
            Err(err) => panic!("expected a feed, got: {err}"),
        }
    }

    /// An RSS 2.0 document with the given `<item>` bodies.
    pub(super) fn rss(items: &[&str]) -> String {
        let items: String = items.iter().map(|i| format!("<item>{i}</item>")).collect();
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>"
        )
    }

    /// The caller moves errors across threads and into `anyhow`.
    #[test]
    fn parse_error_is_send_sync_and_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<ParseError>();
    }

    /// A well-formed feed takes the fast path and is not reported as repaired.
    #[test]
    fn well_formed_rss_is_not_marked_repaired() {
        let feed = parse_ok(rss(&["<title>A</title><link>http://example.com/a</link>"]).as_bytes());
        assert_eq!(feed.entries.len(), 1);
        assert!(!feed.repaired);
        assert_eq!(feed.title.as_deref(), Some("T"));
    }

    /// Relative links are resolved against the feed's final URL.
    #[test]
    fn relative_link_is_resolved_against_base_url() {
        let doc = rss(&["<title>A</title><link>/2024/story.html</link>"]);
        let entry = &parse_ok(doc.as_bytes()).entries[0];
        assert_eq!(
            entry.link.as_ref().map(Url::as_str),
            Some("http://example.com/2024/story.html")
        );
    }

    /// Without `<link>`, an absolute http(s) GUID is the permalink; other GUIDs are not links.
    #[test]
    fn permalink_guid_is_the_link_when_link_is_missing() {
        let doc = rss(&[
            "<title>A</title><guid>https://example.com/a</guid>",
            "<title>B</title><guid isPermaLink=\"false\">urn:uuid:1234</guid>",
        ]);
        let feed = parse_ok(doc.as_bytes());
        assert_eq!(
            feed.entries[0].link.as_ref().map(Url::as_str),
            Some("https://example.com/a")
        );
        assert_eq!(feed.entries[1].link, None);
        assert_eq!(feed.entries[1].guid.as_deref(), Some("urn:uuid:1234"));
    }

    /// Only http(s) links are kept from a remote feed; file: only from a local one.
    #[test]
    fn link_schemes_are_restricted() {
        let remote = base();
        let local = Url::parse("file:///srv/feeds/local.xml").expect("a valid literal URL");
        assert_eq!(resolve_link("javascript:alert(1)", &remote), None);
        assert_eq!(resolve_link("file:///etc/passwd", &remote), None);
        assert_eq!(
            resolve_link("story.html", &local).map(|u| u.to_string()),
            Some("file:///srv/feeds/story.html".to_string())
        );
    }

    /// Dates come out in UTC; RSS `<ttl>` and `<language>` reach the feed and its entries.
    #[test]
    fn dates_ttl_and_language_are_carried() {
        let doc = "<rss version=\"2.0\"><channel><title>T</title><ttl>30</ttl><language>de-DE</language>\
                   <item><link>http://example.com/a</link><pubDate>Tue, 10 Jun 2003 04:00:00 +0200</pubDate></item></channel></rss>";
        let feed = parse_ok(doc.as_bytes());
        assert_eq!(feed.ttl, Some(Duration::from_secs(30 * 60)));
        assert_eq!(
            feed.language.as_deref(),
            Some("de-de"),
            "feed-rs lower-cases it"
        );
        let entry = &feed.entries[0];
        assert_eq!(entry.language.as_deref(), Some("de-de"));
        assert_eq!(
            entry.published_at.map(|d| d.to_rfc3339()),
            Some("2003-06-10T02:00:00+00:00".to_string())
        );
    }

    /// JSON Feed goes through feed-rs's JSON parser.
    #[test]
    fn json_feed_parses() {
        let doc = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"1","url":"https://example.com/1","title":"One","content_html":"<p>x</p>"}]}"#;
        let feed = parse_ok(doc.as_bytes());
        let entry = &feed.entries[0];
        assert_eq!(entry.guid.as_deref(), Some("1"));
        assert_eq!(
            entry.link.as_ref().map(Url::as_str),
            Some("https://example.com/1")
        );
        assert_eq!(entry.content_html.as_deref(), Some("<p>x</p>"));
    }

    /// Entry identity: GUID first, then link, then a hash of title and content; kinds are
    /// prefixed so that a GUID equal to a link never collides with that link.
    #[test]
    fn entry_key_prefers_guid_then_link_then_hash() {
        let link = Url::parse("http://example.com/a").ok();
        let hash_of = |s: &str| format!("hash:{}", hex::encode(Sha256::digest(s.as_bytes())));
        let cases = [
            (
                Entry {
                    guid: Some("g1".into()),
                    link: link.clone(),
                    ..Entry::default()
                },
                "guid:g1".to_string(),
            ),
            (
                Entry {
                    guid: Some(String::new()),
                    link: link.clone(),
                    ..Entry::default()
                },
                "link:http://example.com/a".to_string(),
            ),
            (
                Entry {
                    title: Some("T".into()),
                    summary: Some("S".into()),
                    content_html: Some("<p>C</p>".into()),
                    ..Entry::default()
                },
                hash_of("T\n<p>C</p>"),
            ),
            (
                Entry {
                    title: Some("T".into()),
                    summary: Some("S".into()),
                    ..Entry::default()
                },
                hash_of("T\nS"),
            ),
            (Entry::default(), hash_of("\n")),
        ];
        for (entry, expected) in cases {
            assert_eq!(entry_key(&entry), expected, "{entry:?}");
        }
    }

    /// OPML (a subscription list) is not a feed and says so.
    #[test]
    fn opml_is_an_error() {
        let doc =
            r#"<?xml version="1.0"?><opml version="2.0"><body><outline text="x"/></body></opml>"#;
        let err = parse_feed(doc.as_bytes(), None, &base()).expect_err("opml is not a feed");
        assert_eq!(err.to_string(), "not a feed: root element <opml>");
    }

    /// An HTML page, an empty body and plain text are clear errors.
    #[test]
    fn non_feeds_are_errors() {
        let html = b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>";
        assert_eq!(
            parse_feed(html, None, &base()).map_err(|e| e.to_string()),
            Err("not a feed: root element <html>".to_string())
        );
        assert!(matches!(
            parse_feed(b" \n", None, &base()),
            Err(ParseError::Empty)
        ));
        assert!(matches!(
            parse_feed(b"hello", None, &base()),
            Err(ParseError::NotMarkup)
        ));
    }

    /// XML broken beyond repair ends as an error naming the fault.
    #[test]
    fn malformed_xml_is_an_error() {
        let doc = b"<rss version=\"2.0\"><channel><item><title>A</item></channel></rss>";
        let err = parse_feed(doc, None, &base()).expect_err("mismatched tags");
        assert!(matches!(err, ParseError::MalformedXml { .. }), "{err}");
        assert!(err.to_string().starts_with("malformed xml: "), "{err}");
    }

    /// Issue 13: feed-rs's fault is said once, whether the error is shown alone (logs, the
    /// recorded feed error) or as a chain (`{:#}` at the command line), and without feed-rs's
    /// own "unable to parse ..." line restating the variant's message.
    #[test]
    fn parse_errors_say_their_cause_once() {
        let rows: [(&[u8], &str, &str); 3] = [
            (
                b"<rss version=\"2.0\"><channel><item><title>A</item></channel></rss>",
                "malformed xml: ",
                "expected `</title>`",
            ),
            (
                br#"{"version": "https://jsonfeed.org/version/1", "items": [{]}"#,
                "malformed json feed: ",
                "key must be a string",
            ),
            (
                br#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="foo/bar" src="">x</content></entry></feed>"#,
                "unsupported feed: ",
                "atom:content with src",
            ),
        ];
        for (doc, prefix, fault) in rows {
            let err = parse_feed(doc, None, &base()).expect_err(prefix);
            let shown = err.to_string();
            assert_eq!(format!("{:#}", anyhow::Error::from(err)), shown);
            assert!(shown.starts_with(prefix), "{shown}");
            assert_eq!(shown.matches(fault).count(), 1, "{shown}");
            assert!(!shown.contains("unable to parse"), "{shown}");
        }
    }

    /// A document whose items survive no parse is an error, never an empty success.
    #[test]
    fn unrecoverable_items_are_an_error() {
        let doc = r#"<feed xmlns="http://example.org/not-atom"><entry><title>A</title></entry><entry/></feed>"#;
        let err = parse_feed(doc.as_bytes(), None, &base()).expect_err("items were lost");
        assert_eq!(
            err.to_string(),
            "no entries parsed although the document has 2 items"
        );
    }

    /// A feed that declares no items is a valid, empty feed.
    #[test]
    fn feed_without_items_is_ok_and_empty() {
        let feed = parse_ok(rss(&[]).as_bytes());
        assert!(feed.entries.is_empty());
    }

    /// Issue 8: a document with more than MAX_ENTRIES items keeps the newest by date (undated
    /// ones last, in document order), in document order, and counts the rest.
    #[test]
    fn only_the_newest_entries_are_taken() {
        let items: Vec<String> = (0..MAX_ENTRIES + 5)
            .map(|n| {
                // Items 0..5 are the oldest by date although they come first.
                let day = if n < 5 { 1 } else { 2 + n % 20 };
                format!(
                    "<title>Item {n}</title><guid>g{n}</guid>\
                     <pubDate>{day:02} Jun 2025 10:00:00 GMT</pubDate>"
                )
            })
            .collect();
        let refs: Vec<&str> = items.iter().map(String::as_str).collect();
        let feed = parse_ok(rss(&refs).as_bytes());
        assert_eq!(feed.entries.len(), MAX_ENTRIES);
        assert_eq!(feed.dropped_entries, 5);
        assert_eq!(feed.entries[0].guid.as_deref(), Some("g5"));
        assert!(feed.entries.windows(2).all(|w| {
            let n = |e: &Entry| e.guid.as_ref().unwrap()[1..].parse::<usize>().unwrap();
            n(&w[0]) < n(&w[1])
        }));
    }

    /// Issue 8: a huge title or description is cut before conversion, at a character boundary.
    #[test]
    fn huge_text_fields_are_cut() {
        let title = "é".repeat(MAX_TITLE_BYTES);
        let description = "word ".repeat(MAX_TEXT_BYTES / 2);
        let item =
            format!("<title>{title}</title><guid>g</guid><description>{description}</description>");
        let feed = parse_ok(rss(&[&item]).as_bytes());
        let entry = &feed.entries[0];
        assert!(entry.title.as_ref().unwrap().len() <= MAX_TITLE_BYTES);
        assert!(entry.title.as_ref().unwrap().starts_with("éé"));
        assert!(entry.summary.as_ref().unwrap().len() <= MAX_TEXT_BYTES);
        assert_eq!(feed.dropped_entries, 0);
    }
}
