//! The parse stage: feed document bytes + the feed's final URL -> [`ParsedFeed`].
//!
//! feed-rs does the parsing. This module adds what feed-rs leaves to its caller:
//!
//! - a panic inside feed-rs/quick-xml becomes a [`ParseError`], never an unwinding task;
//! - a document with more than [`MAX_ENTRIES`] items has the older ones cut out before feed-rs
//!   reads it (`cap`), so its cost in memory stays that of a document of [`MAX_ENTRIES`] items;
//! - a document whose first parse fails, or comes back hollow (zero entries although it holds
//!   `<item>`/`<entry>` elements), goes through one normalising pass
//!   (`normalise::normalise`) and is parsed again; the result is marked `repaired`;
//! - plain-text fields are HTML-unescaped and whitespace-normalised, links made absolute, and an
//!   entry's identity ([`entry_key`]) is derived from documented keys.
//!
//! The happy path hands the caller's bytes straight to feed-rs; only a failed or hollow first
//! parse (or a non-UTF-8 HTTP charset, or more items than the cap) pays for a copy.
//!
//! # Files
//! This file runs feed-rs and converts its model into ours; `encoding` detects and transcodes the
//! document's encoding, `normalise` is the repair pass, `runs` cuts overlong text runs before
//! parsing, `cap` cuts the items beyond [`MAX_ENTRIES`] (with `markup` and `json_items` to find
//! them and `dates`, feed-rs's reading of their dates), and `text` turns fields into plain text
//! or article HTML.

mod cap;
mod dates;
mod encoding;
mod json_items;
mod markup;
mod normalise;
mod runs;
mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use sha2::{Digest, Sha256};
use url::Url;

use crate::model::{Entry, ParsedFeed};
use cap::keep_newest_items;
use encoding::{apply_http_charset, strip_utf8_declaration};
use normalise::{count_item_elements, local_name, normalise, root_element};
use text::{clean_plain, content_html, html_to_plain, text_to_plain};

/// At most this many entries of one document are taken, the newest first (by published, else
/// updated date; undated ones after dated ones, in document order). A news feed holds tens to a
/// few hundred items; a broken or hostile one with a hundred thousand would be stored and
/// matched in full at every poll, at a cost in time and memory out of all proportion; the cap
/// holds while parsing (the older items are cut out of the document first), so feed-rs never
/// builds them either. The rest are counted in [`ParsedFeed::dropped_entries`].
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
    parse_capped(body, http_charset, base_url, MAX_ENTRIES)
}

/// [`parse_feed`] with at most `max` entries taken (the tests use small caps).
fn parse_capped(
    body: &[u8],
    http_charset: Option<&str>,
    base_url: &Url,
    max: usize,
) -> Result<ParsedFeed, ParseError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let body = runs::cut_long_text_runs(body);
    let body = body.as_ref();
    let input = apply_http_charset(body, http_charset);
    let capped = keep_newest_items(&input, max);
    let first = parse_guarded(&capped.doc, base_url);
    if let Ok(feed) = first
        && (!feed.entries.is_empty()
            || (count_item_elements(&capped.doc) == 0 && !is_wide(&capped.doc)))
    {
        return Ok(convert_feed(feed, base_url, false, capped.dropped, max));
    }
    drop(capped);
    let normalised = normalise(body, http_charset);
    let capped = keep_newest_items(normalised.as_bytes(), max);
    match parse_guarded(&capped.doc, base_url) {
        Ok(feed) if !feed.entries.is_empty() => {
            Ok(convert_feed(feed, base_url, true, capped.dropped, max))
        }
        Ok(feed) => match count_item_elements(normalised.as_bytes()) {
            0 => Ok(convert_feed(feed, base_url, true, capped.dropped, max)),
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
/// At most `max` entries are kept; `dropped_before` items were cut from the document before
/// feed-rs read it.
fn convert_feed(
    mut feed: feed_rs::model::Feed,
    base_url: &Url,
    repaired: bool,
    dropped_before: usize,
    max: usize,
) -> ParsedFeed {
    let language = feed.language.as_deref().and_then(clean_plain);
    let dropped_entries = dropped_before + keep_newest(&mut feed.entries, max);
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
/// many were dropped. A document within the limit is left untouched. `cap` has already cut the
/// document to `max` items by the same rule; this stays for what its scan cannot see the way
/// feed-rs does (a namespace it does not check, a malformed JSON Feed).
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
mod tests;
