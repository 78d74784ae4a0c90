//! The parse stage: feed document bytes + the feed's final URL -> [`ParsedFeed`].
//!
//! feed-rs does the parsing. This module adds what feed-rs leaves to its caller (see NOTES.md):
//!
//! - a panic inside feed-rs/quick-xml becomes a [`ParseError`], never an unwinding task;
//! - a document whose first parse fails, or comes back hollow (zero entries although it holds
//!   `<item>`/`<entry>` elements), goes through one normalising pass ([`normalise`]) and is parsed
//!   again; the result is marked `repaired`;
//! - plain-text fields are HTML-unescaped and whitespace-normalised, links made absolute, and an
//!   entry's identity ([`entry_key`]) is derived from documented keys.
//!
//! The happy path hands the caller's bytes straight to feed-rs; only a failed or hollow first
//! parse (or a non-UTF-8 HTTP charset) pays for a decoded copy.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use sha2::{Digest, Sha256};
use url::Url;

use crate::model::{Entry, ParsedFeed};

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
    /// The body is neither XML nor JSON.
    #[error("not a feed: no xml or json content")]
    NotMarkup,
    /// The XML is broken beyond what the normalising pass repairs.
    #[error("malformed xml: {source}")]
    MalformedXml {
        /// feed-rs's description, with the position of the fault.
        #[source]
        source: feed_rs::parser::ParseFeedError,
    },
    /// The JSON is broken or is not a JSON Feed.
    #[error("malformed json feed: {source}")]
    MalformedJson {
        /// feed-rs's description of the fault.
        #[source]
        source: feed_rs::parser::ParseFeedError,
    },
    /// feed-rs understood the syntax but not the feed (an unknown Atom content type, ...).
    #[error("unsupported feed: {source}")]
    Unsupported {
        /// feed-rs's description of the fault.
        #[source]
        source: feed_rs::parser::ParseFeedError,
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
    let input = apply_http_charset(body, http_charset);
    let first = parse_guarded(&input, base_url);
    if let Ok(feed) = &first
        && (!feed.entries.is_empty() || count_item_elements(body) == 0)
    {
        return first.map(|feed| convert_feed(feed, base_url, false));
    }
    let normalised = normalise(body, http_charset);
    match parse_guarded(normalised.as_bytes(), base_url) {
        Ok(feed) if !feed.entries.is_empty() => Ok(convert_feed(feed, base_url, true)),
        Ok(feed) => match count_item_elements(body) {
            0 => Ok(convert_feed(feed, base_url, true)),
            items => Err(ParseError::Hollow { items }),
        },
        Err(err) => Err(classify_failure(err, &normalised)),
    }
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
    let source = match second {
        RunError::Feed(source) => source,
        RunError::Panic(message) => return ParseError::Crashed { message },
    };
    match source {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => match root_element(normalised) {
            Some(root) => ParseError::NotAFeed { root },
            None if normalised.trim_start().starts_with('{') => {
                ParseError::MalformedJson { source }
            }
            None if normalised.contains('<') => ParseError::MalformedXml { source },
            None => ParseError::NotMarkup,
        },
        ParseFeedError::XmlReader(_) | ParseFeedError::IoError(_) => {
            ParseError::MalformedXml { source }
        }
        ParseFeedError::JsonSerde(_) | ParseFeedError::JsonUnsupportedVersion(_) => {
            ParseError::MalformedJson { source }
        }
        ParseFeedError::ParseError(_) => ParseError::Unsupported { source },
    }
}

// ---------------------------------------------------------------------------------------------
// Counting items and finding the root

/// How many `<item>` / `<entry>` elements (any case, any prefix) the raw document holds. Works on
/// bytes so it needs no decoding; UTF-16/32 documents count as zero, which only means their
/// hollowness is not detected before the normalising pass.
fn count_item_elements(doc: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = doc;
    while let Some(pos) = rest.iter().position(|&b| b == b'<') {
        rest = &rest[pos + 1..];
        let name_len = rest
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let local = match name.iter().rposition(|&b| b == b':') {
            Some(colon) => &name[colon + 1..],
            None => name,
        };
        if local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry") {
            count += 1;
        }
    }
    count
}

/// The name of the first element of an XML text, skipping the declaration, comments, processing
/// instructions and the doctype. `None` when there is no element.
fn root_element(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = &after[after.find("-->")? + 3..];
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = &rest[rest.find('>')? + 1..];
        } else {
            let name: String = rest[1..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
                .collect();
            return (!name.is_empty()).then_some(name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// The body as the first parse sees it. Borrowed unless the HTTP charset names an encoding other
/// than UTF-8 and the body has no BOM: HTTP outranks the XML declaration (RFC 7303), and feed-rs
/// never sees the header, so such a body is transcoded and its declaration rewritten.
fn apply_http_charset<'a>(body: &'a [u8], http_charset: Option<&str>) -> Cow<'a, [u8]> {
    let Some(encoding) = http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) else {
        return Cow::Borrowed(body);
    };
    if encoding == UTF_8 || Encoding::for_bom(body).is_some() || looks_like_json(body) {
        return Cow::Borrowed(body);
    }
    let (text, _, _) = encoding.decode(body);
    Cow::Owned(with_utf8_declaration(&text).into_bytes())
}

/// Decodes the document to UTF-8 text: by BOM, then the HTTP charset, then the XML declaration;
/// a claimed UTF-8 that does not validate, or no claim at all on invalid UTF-8, falls back to
/// windows-1252 (what "Latin-1" means on the web). UTF-32 is decoded by hand (encoding_rs has no
/// UTF-32).
fn decode_document(body: &[u8], http_charset: Option<&str>) -> String {
    if let Some(text) = decode_utf32(body) {
        return text;
    }
    if let Some((encoding, _)) = Encoding::for_bom(body) {
        return encoding.decode_with_bom_removal(body).0.into_owned();
    }
    if let Some(encoding) = sniff_utf16_without_bom(body) {
        return encoding.decode_without_bom_handling(body).0.into_owned();
    }
    let claims = [
        http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())),
        declared_encoding(body),
    ];
    for encoding in claims.into_iter().flatten() {
        // An ASCII-readable declaration cannot truthfully say UTF-16.
        if encoding == UTF_16LE || encoding == UTF_16BE {
            continue;
        }
        if encoding != UTF_8 {
            return encoding.decode_without_bom_handling(body).0.into_owned();
        }
        if let Ok(text) = std::str::from_utf8(body) {
            return text.to_string();
        }
    }
    match std::str::from_utf8(body) {
        Ok(text) => text.to_string(),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(body).0.into_owned(),
    }
}

/// UTF-16 text without a BOM, recognised by its first character `<` (or `{`) and a zero byte.
fn sniff_utf16_without_bom(body: &[u8]) -> Option<&'static Encoding> {
    match body {
        [0, b'<' | b'{', 0, _, ..] => Some(UTF_16BE),
        [b'<' | b'{', 0, _, 0, ..] if body.get(2) != Some(&0) => Some(UTF_16LE),
        _ => None,
    }
}

/// Decodes UTF-32 (BOM or a leading `<` in four bytes), which encoding_rs does not support.
/// Invalid code points become U+FFFD.
fn decode_utf32(body: &[u8]) -> Option<String> {
    let (big_endian, skip) = match body {
        [0, 0, 0xFE, 0xFF, ..] => (true, 4),
        [0xFF, 0xFE, 0, 0, ..] => (false, 4),
        [0, 0, 0, b'<', ..] => (true, 0),
        [b'<', 0, 0, 0, ..] => (false, 0),
        _ => return None,
    };
    let text = body[skip..]
        .chunks_exact(4)
        .map(|c| {
            let bytes = [c[0], c[1], c[2], c[3]];
            let unit = if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            };
            char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect();
    Some(text)
}

/// The encoding named by the XML declaration (`<?xml ... encoding="..."?>`), if known.
fn declared_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(512)];
    let start = find_bytes(head, b"<?xml")?;
    let decl = &head[start..];
    let decl = &decl[..find_bytes(decl, b"?>")?];
    let at = find_bytes(decl, b"encoding")?;
    let value = decl[at + b"encoding".len()..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == b'=')
        .copied()
        .collect::<Vec<u8>>();
    let quote = *value.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let label_end = value[1..].iter().position(|&b| b == quote)?;
    Encoding::for_label(&value[1..1 + label_end])
}

/// Position of `needle` in `haystack`.
fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// True when the first non-whitespace byte opens a JSON object.
fn looks_like_json(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The text with any BOM, leading whitespace and XML declaration replaced by a declaration that
/// says UTF-8 (the text is UTF-8 now, whatever the original declaration said).
fn with_utf8_declaration(text: &str) -> String {
    let text = text.trim_start_matches('\u{FEFF}').trim_start();
    if text.starts_with('{') {
        return text.to_string();
    }
    let rest = match text.strip_prefix("<?xml") {
        Some(decl) => decl.find("?>").map_or(text, |end| &decl[end + 2..]),
        None => text,
    };
    let mut out = String::with_capacity(rest.len() + 40);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// The normalising pass

/// Legacy namespace URIs and what feed-rs understands instead. Atom 0.3 maps to Atom 1.0, RSS
/// 0.90 to RSS 1.0 (same RDF shape).
const NAMESPACE_MAP: [(&str, &str); 2] = [
    ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
    (
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/rss/1.0/",
    ),
];

/// The Userland RSS 2.0 namespace, which turns plain RSS 2.0 elements into unknown ones for
/// feed-rs; it is removed.
const USERLAND_NAMESPACE: &str = "http://backend.userland.com/rss2";

/// Rewrites a document that failed to parse (or parsed hollow) into what feed-rs accepts:
/// UTF-8 with a matching declaration, bare `&` escaped, legacy namespaces mapped, Atom 0.3 text
/// types mapped, and an `<rss>` root with a version feed-rs knows. JSON is only transcoded.
fn normalise(body: &[u8], http_charset: Option<&str>) -> String {
    let text = with_utf8_declaration(&decode_document(body, http_charset));
    if text.starts_with('{') {
        return text;
    }
    let text = escape_bare_ampersands(&text);
    let text = map_legacy_namespaces(text);
    let text = fix_start_tags(&text);
    text.into_owned()
}

/// Replaces every `&` that does not start an entity or character reference by `&amp;`, outside
/// CDATA sections and comments (where `&` is literal).
fn escape_bare_ampersands(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '<']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('&') {
            out.push_str(if starts_with_reference(rest) { "&" } else { "&amp;" });
            rest = &rest[1..];
            continue;
        }
        let literal_end = [("<![CDATA[", "]]>"), ("<!--", "-->")]
            .iter()
            .find(|(open, _)| rest.starts_with(open))
            .map(|(open, close)| {
                rest[open.len()..]
                    .find(close)
                    .map_or(rest.len(), |end| open.len() + end + close.len())
            })
            .unwrap_or(1);
        out.push_str(&rest[..literal_end]);
        rest = &rest[literal_end..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// True when `s` (starting at `&`) opens `&name;`, `&#123;` or `&#x1F;`.
fn starts_with_reference(s: &str) -> bool {
    let body = &s[1..];
    let Some(end) = body.find(';') else {
        return false;
    };
    let name = &body[..end];
    if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(dec) = name.strip_prefix('#') {
        return !dec.is_empty() && dec.chars().all(|c| c.is_ascii_digit());
    }
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
}

/// Maps the Atom 0.3 and RSS 0.90 namespaces to their successors and drops the Userland one.
fn map_legacy_namespaces(text: Cow<'_, str>) -> Cow<'_, str> {
    let mut text = text;
    for (old, new) in NAMESPACE_MAP {
        if text.contains(old) {
            text = Cow::Owned(text.replace(old, new));
        }
    }
    for quote in ['"', '\''] {
        let declaration = format!(" xmlns={quote}{USERLAND_NAMESPACE}{quote}");
        if text.contains(&declaration) {
            text = Cow::Owned(text.replace(&declaration, ""));
        }
    }
    text
}

/// Atom text constructs whose `type` (and Atom 0.3 `mode`) attribute is mapped.
const ATOM_TEXT_ELEMENTS: [&str; 8] = [
    "title",
    "subtitle",
    "tagline",
    "summary",
    "content",
    "rights",
    "copyright",
    "info",
];

/// Rewrites the start tags that need it: the `<rss>` root gets a version feed-rs knows, and in an
/// Atom document the text constructs get an Atom 1.0 `type`.
fn fix_start_tags(text: &str) -> Cow<'_, str> {
    let Some(root) = root_element(text) else {
        return Cow::Borrowed(text);
    };
    let is_atom = root == "feed" || root.ends_with(":feed");
    let mut out = String::new();
    let mut copied = 0;
    let mut search = 0;
    let mut root_seen = false;
    while let Some(offset) = text[search..].find('<') {
        let start = search + offset;
        let Some(len) = text[start..].find('>') else {
            break;
        };
        let tag = &text[start..start + len + 1];
        search = start + 1;
        if tag.starts_with("<?") || tag.starts_with("<!") || tag.starts_with("</") {
            continue;
        }
        let replacement = if !root_seen {
            root_seen = true;
            (tag_name(tag) == "rss").then(|| fix_rss_version(tag)).flatten()
        } else if is_atom {
            fix_atom_text_type(tag)
        } else {
            break;
        };
        if let Some(new_tag) = replacement {
            out.push_str(&text[copied..start]);
            out.push_str(&new_tag);
            copied = start + tag.len();
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The element name of a start tag (`<atom:title type="x">` -> `atom:title`).
fn tag_name(tag: &str) -> &str {
    let name = &tag[1..];
    let end = name
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(name.len());
    &name[..end]
}

/// Versions of `<rss>` that feed-rs dispatches on.
const KNOWN_RSS_VERSIONS: [&str; 4] = ["2.0", "", "0.91", "0.92"];

/// The `<rss>` start tag with `version="2.0"` when its version is missing or one feed-rs does not
/// know (0.93, 0.94, 2.00, ...); `None` when it is fine.
fn fix_rss_version(tag: &str) -> Option<String> {
    match attribute(tag, "version") {
        Some(attr) if KNOWN_RSS_VERSIONS.contains(&attr.value.trim()) => None,
        Some(attr) => Some(format!(
            "{}version=\"2.0\"{}",
            &tag[..attr.start],
            &tag[attr.end..]
        )),
        None => Some(format!("<rss version=\"2.0\"{}", &tag[4..])),
    }
}

/// An Atom text construct's start tag with its `type` mapped to what Atom 1.0 allows, using the
/// Atom 0.3 `mode` to tell escaped HTML from inline XHTML; `None` when it needs no change.
fn fix_atom_text_type(tag: &str) -> Option<String> {
    let name = tag_name(tag);
    let local = name.rsplit(':').next().unwrap_or(name);
    let prefixed_foreign = name.contains(':') && !name.starts_with("atom:");
    if prefixed_foreign || !ATOM_TEXT_ELEMENTS.contains(&local) {
        return None;
    }
    let mode = attribute(tag, "mode").map(|a| a.value.trim().to_ascii_lowercase());
    let type_attr = attribute(tag, "type")?;
    let current = type_attr.value;
    let lower = current.trim().to_ascii_lowercase();
    let mapped = match lower.as_str() {
        "" | "text/plain" => "text".to_string(),
        "text/html" | "html" if mode.as_deref() == Some("xml") => "xhtml".to_string(),
        "text/html" => "html".to_string(),
        "application/xhtml+xml" => "xhtml".to_string(),
        _ => lower,
    };
    (mapped != current).then(|| {
        format!(
            "{}type=\"{mapped}\"{}",
            &tag[..type_attr.start],
            &tag[type_attr.end..]
        )
    })
}

/// One attribute found in a start tag: its byte span (name through closing quote) and value.
struct Attribute<'a> {
    start: usize,
    end: usize,
    value: &'a str,
}

/// Finds attribute `name` (not a prefixed one) in a start tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<Attribute<'a>> {
    let mut search = 0;
    while let Some(offset) = tag[search..].find(name) {
        let start = search + offset;
        search = start + name.len();
        let preceded_by_space = tag[..start].ends_with(|c: char| c.is_whitespace());
        let after = tag[search..].trim_start();
        let Some(after_eq) = after.strip_prefix('=') else {
            continue;
        };
        if !preceded_by_space {
            continue;
        }
        let value_part = after_eq.trim_start();
        let quote = value_part.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let value_start = tag.len() - value_part.len() + 1;
        let value_len = tag[value_start..].find(quote)?;
        return Some(Attribute {
            start,
            end: value_start + value_len + 1,
            value: &tag[value_start..value_start + value_len],
        });
    }
    None
}

// ---------------------------------------------------------------------------------------------
// feed-rs model -> newshound model

/// Converts feed-rs's feed into ours: plain-text fields cleaned, links absolute, TTL as duration.
fn convert_feed(feed: feed_rs::model::Feed, base_url: &Url, repaired: bool) -> ParsedFeed {
    let language = feed.language.as_deref().and_then(clean_plain);
    let entries = feed
        .entries
        .into_iter()
        .map(|entry| convert_entry(entry, base_url, language.as_deref()))
        .collect();
    ParsedFeed {
        title: feed.title.as_ref().and_then(text_to_plain),
        ttl: feed.ttl.map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        language,
        entries,
        repaired,
    }
}

/// Converts one feed-rs entry; `feed_language` fills in when the item declares none.
fn convert_entry(entry: feed_rs::model::Entry, base_url: &Url, feed_language: Option<&str>) -> Entry {
    let guid = Some(entry.id.trim().to_string()).filter(|g| !g.is_empty());
    let link = article_link(&entry.links, base_url)
        .or_else(|| guid.as_deref().and_then(permalink_guid));
    Entry {
        link,
        title: entry.title.as_ref().and_then(text_to_plain),
        author: author_names(&entry.authors),
        summary: entry.summary.as_ref().and_then(text_to_plain),
        content_html: entry.content.as_ref().and_then(content_html),
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

/// The HTML of an entry's content: HTML/XHTML as is, plain text escaped; other media (images,
/// base64) are not article HTML.
fn content_html(content: &feed_rs::model::Content) -> Option<String> {
    let body = content.body.as_deref().filter(|b| !b.trim().is_empty())?;
    let media_type = content.content_type.as_str().to_ascii_lowercase();
    if media_type.contains("html") {
        Some(body.to_string())
    } else if media_type.starts_with("text/plain") {
        Some(html_escape::encode_text(body).into_owned())
    } else {
        None
    }
}

/// A feed-rs text as plain text: tags stripped when it is HTML, entities decoded, whitespace
/// collapsed; `None` when nothing is left.
fn text_to_plain(text: &feed_rs::model::Text) -> Option<String> {
    let is_markup = text.content_type.as_str().to_ascii_lowercase().contains("html");
    if is_markup {
        clean_plain(&strip_tags(&text.content))
    } else {
        clean_plain(&text.content)
    }
}

/// Decodes HTML entities (feeds double-escape, and feed-rs leaves `&aacute;` literal) and
/// collapses whitespace; `None` when empty.
fn clean_plain(text: &str) -> Option<String> {
    let decoded = html_escape::decode_html_entities(text);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Inline HTML elements: removing their tags must not split a word.
const INLINE_TAGS: [&str; 21] = [
    "a", "abbr", "b", "big", "cite", "code", "em", "font", "i", "kbd", "mark", "q", "s", "small",
    "span", "strong", "sub", "sup", "tt", "u", "var",
];

/// Removes HTML tags, comments and the contents of `<script>`/`<style>`; block tags become a
/// space so that paragraphs do not run together. Entities are left for [`clean_plain`].
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let next = rest[1..].chars().next();
        let is_markup = next.is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        if !is_markup {
            out.push('<');
            rest = &rest[1..];
            continue;
        }
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(end) = rest.find('>') else {
            rest = "";
            break;
        };
        let name = tag_name(&rest[..=end]).trim_start_matches('/').to_ascii_lowercase();
        rest = &rest[end + 1..];
        if (name == "script" || name == "style") && !rest.is_empty() {
            let closing = format!("</{name}");
            rest = find_ignore_ascii_case(rest, &closing).map_or("", |at| {
                let tail = &rest[at..];
                tail.find('>').map_or("", |gt| &tail[gt + 1..])
            });
        }
        if !INLINE_TAGS.contains(&name.as_str()) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out
}

/// Byte position of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}
