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
    let source = match second {
        RunError::Feed(source) => source,
        RunError::Panic(message) => return ParseError::Crashed { message },
    };
    match source {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => match root_element(normalised) {
            Some(root) if local_name(&root) == "rss" => ParseError::NoChannel { root },
            Some(root) => ParseError::NotAFeed { root },
            None if normalised.trim_start().starts_with('{') => {
                ParseError::MalformedJson { source }
            }
            None if strip_utf8_declaration(normalised).contains('<') => ParseError::NoRootElement,
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

/// How many `<item>` / `<entry>` elements (any case, any prefix) the document holds. Works on
/// bytes so it needs no decoding; UTF-16/32 documents count as zero (see [`is_wide`]).
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
        Err(_) => WINDOWS_1252
            .decode_without_bom_handling(body)
            .0
            .into_owned(),
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
    let mut out = String::with_capacity(rest.len() + UTF8_DECLARATION.len());
    out.push_str(UTF8_DECLARATION);
    out.push_str(rest);
    out
}

/// The declaration the normalising pass writes.
const UTF8_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// `text` without the declaration [`with_utf8_declaration`] wrote.
fn strip_utf8_declaration(text: &str) -> &str {
    text.strip_prefix(UTF8_DECLARATION).unwrap_or(text)
}

// ---------------------------------------------------------------------------------------------
// The normalising pass

/// Legacy namespace URIs and what feed-rs understands instead. Atom 0.3 maps to Atom 1.0, RSS
/// 0.90 to RSS 1.0 (same RDF shape).
const NAMESPACE_MAP: [(&str, &str); 2] = [
    ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
    ("http://my.netscape.com/rdf/simple/0.9/", RSS_NAMESPACE),
];

/// The Userland RSS 2.0 namespace, which turns plain RSS 2.0 elements into unknown ones for
/// feed-rs. As the default namespace it is removed; bound to a prefix (`xmlns:r=`) it is mapped
/// to the RSS 1.0 URI, which feed-rs reads as "the RSS namespace" for RSS 2.0 too.
const USERLAND_NAMESPACE: &str = "http://backend.userland.com/rss2";

/// The namespace URI feed-rs treats as RSS.
const RSS_NAMESPACE: &str = "http://purl.org/rss/1.0/";

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
    let text = add_missing_rdf_links(&text);
    text.into_owned()
}

/// Replaces every `&` that does not start an entity or character reference by `&amp;`, outside
/// CDATA sections and comments (where `&` is literal); `&#X41;` becomes `&#x41;`.
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
            if let Some(hex) = rest
                .strip_prefix("&#X")
                .filter(|_| starts_with_reference(rest))
            {
                // XML allows only a lower-case x in hex character references.
                out.push_str("&#x");
                rest = hex;
            } else {
                out.push_str(if starts_with_reference(rest) {
                    "&"
                } else {
                    "&amp;"
                });
                rest = &rest[1..];
            }
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
    if text.contains(USERLAND_NAMESPACE) {
        text = Cow::Owned(text.replace(USERLAND_NAMESPACE, RSS_NAMESPACE));
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

/// Rewrites the start tags that need it: the `<rss>` root gets a version feed-rs knows, Atom text
/// constructs get an Atom 1.0 `type`, and Media RSS text elements a `type` feed-rs accepts.
fn fix_start_tags(text: &str) -> Cow<'_, str> {
    let Some(root) = root_element(text) else {
        return Cow::Borrowed(text);
    };
    let is_atom = local_name(&root) == "feed";
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
            (local_name(tag_name(tag)) == "rss")
                .then(|| fix_rss_version(tag))
                .flatten()
        } else if is_atom {
            fix_atom_text_type(tag)
        } else {
            fix_media_text_type(tag)
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

/// The local part of a qualified name (`atom:title` -> `title`).
fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// What an RDF item without `<link>` or `rdf:about` gets as link, so that feed-rs keeps it;
/// [`resolve_link`] drops it again (not http), leaving the entry without a link.
const NO_LINK_PLACEHOLDER: &str = "about:blank";

/// Gives every RSS 0.90/1.0 `<item>` that lacks a `<link>` one made from its `rdf:about` (or
/// [`NO_LINK_PLACEHOLDER`]): feed-rs drops RDF items without a link, losing them silently.
fn add_missing_rdf_links(text: &str) -> Cow<'_, str> {
    if root_element(text).is_none_or(|root| local_name(&root) != "RDF") {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut search = 0;
    while let Some(offset) = text[search..].find('<') {
        let start = search + offset;
        search = start + 1;
        let Some(len) = text[start..].find('>') else {
            break;
        };
        let tag = &text[start..=start + len];
        let name = tag_name(tag);
        if local_name(name) != "item" || tag.ends_with("/>") {
            continue;
        }
        let body_start = start + tag.len();
        let closing = format!("</{name}");
        let body_end = text[body_start..]
            .find(&closing)
            .map_or(text.len(), |end| body_start + end);
        let body = &text[body_start..body_end];
        if contains_element(body, "link") {
            continue;
        }
        let about = attribute(tag, "rdf:about").map_or(NO_LINK_PLACEHOLDER, |a| a.value.trim());
        let prefix = &name[..name.len() - "item".len()];
        out.push_str(&text[copied..body_start]);
        out.push_str(&format!("<{prefix}link>{about}</{prefix}link>"));
        copied = body_start;
        search = body_start;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// True when `xml` holds a start tag whose local name is `local`.
fn contains_element(xml: &str, local: &str) -> bool {
    xml.match_indices('<').any(|(at, _)| {
        let rest = &xml[at..];
        !rest.starts_with("</") && local_name(tag_name(rest)) == local
    })
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
        Some(attr) => replace_attribute_value(tag, &attr, "2.0"),
        None => {
            let name = tag_name(tag);
            Some(format!("<{name} version=\"2.0\"{}", &tag[1 + name.len()..]))
        }
    }
}

/// An Atom text construct's start tag with its `type` mapped to what Atom 1.0 allows, using the
/// Atom 0.3 `mode` to tell escaped HTML from inline XHTML; `None` when it needs no change.
///
/// feed-rs rejects the whole feed for one odd `type`, so a text construct other than `content`
/// falls back to `text`, and `content` keeps MIME types but loses non-MIME junk.
fn fix_atom_text_type(tag: &str) -> Option<String> {
    let name = tag_name(tag);
    let local = local_name(name);
    let prefixed_foreign = name.contains(':') && !name.starts_with("atom:");
    if prefixed_foreign || !ATOM_TEXT_ELEMENTS.contains(&local) {
        return None;
    }
    let mode = attribute(tag, "mode").map(|a| a.value.trim().to_ascii_lowercase());
    let type_attr = attribute(tag, "type")?;
    let has_src = attribute(tag, "src").is_some();
    let lower = type_attr.value.trim().to_ascii_lowercase();
    let atom_type = match lower.as_str() {
        "" | "text" | "text/plain" => "text",
        "html" | "text/html" if mode.as_deref() == Some("xml") => "xhtml",
        "html" | "text/html" => "html",
        "xhtml" | "application/xhtml+xml" => "xhtml",
        _ => "",
    };
    let mapped = match (local, atom_type, has_src) {
        // With `src`, Atom requires a MIME type.
        ("content", "text", true) => "text/plain".to_string(),
        ("content", "html", true) => "text/html".to_string(),
        ("content", "xhtml", true) => "application/xhtml+xml".to_string(),
        ("content", "", _) if lower.contains('/') => lower,
        ("content", "", false) => "text".to_string(),
        ("content", "", true) => "application/octet-stream".to_string(),
        (_, "", _) => "text".to_string(),
        (_, atom_type, _) => atom_type.to_string(),
    };
    replace_attribute_value(tag, &type_attr, &mapped)
}

/// A Media RSS `<media:title>`/`<media:description>`/`<media:text>` start tag with a MIME-style
/// `type` mapped to the `plain`/`html` feed-rs accepts; `None` when it needs no change.
fn fix_media_text_type(tag: &str) -> Option<String> {
    let name = tag_name(tag);
    if !name.contains(':') || !matches!(local_name(name), "title" | "description" | "text") {
        return None;
    }
    let type_attr = attribute(tag, "type")?;
    let mapped = match type_attr.value.trim().to_ascii_lowercase().as_str() {
        "html" | "text/html" => "html",
        _ => "plain",
    };
    replace_attribute_value(tag, &type_attr, mapped)
}

/// The tag with the attribute's value replaced; `None` when the value is already `value`.
fn replace_attribute_value(tag: &str, attr: &Attribute<'_>, value: &str) -> Option<String> {
    (attr.value != value).then(|| {
        format!(
            "{}{}=\"{value}\"{}",
            &tag[..attr.start],
            attr.name,
            &tag[attr.end..]
        )
    })
}

/// One attribute found in a start tag: its byte span (name through closing quote) and value.
struct Attribute<'a> {
    name: &'a str,
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
        let quote = value_part
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')?;
        let value_start = tag.len() - value_part.len() + 1;
        let value_len = tag[value_start..].find(quote)?;
        return Some(Attribute {
            name: &tag[start..start + name.len()],
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
        ttl: feed
            .ttl
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60)),
        language,
        entries,
        repaired,
    }
}

/// Converts one feed-rs entry; `feed_language` fills in when the item declares none.
fn convert_entry(
    entry: feed_rs::model::Entry,
    base_url: &Url,
    feed_language: Option<&str>,
) -> Entry {
    let guid = Some(entry.id.trim().to_string()).filter(|g| !g.is_empty());
    let link =
        article_link(&entry.links, base_url).or_else(|| guid.as_deref().and_then(permalink_guid));
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
    let is_markup = text
        .content_type
        .as_str()
        .to_ascii_lowercase()
        .contains("html");
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
        let is_markup =
            next.is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
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
        let name = tag_name(&rest[..=end])
            .trim_start_matches('/')
            .to_ascii_lowercase();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The base URL the tests parse against.
    fn base() -> Url {
        Url::parse("http://example.com/news/feed.xml").expect("a valid literal URL")
    }

    /// Parses `doc` with no HTTP charset, failing the test on an error.
    fn parse_ok(doc: &[u8]) -> ParsedFeed {
        match parse_feed(doc, None, &base()) {
            Ok(feed) => feed,
            Err(err) => panic!("expected a feed, got: {err}"),
        }
    }

    /// An RSS 2.0 document with the given `<item>` bodies.
    fn rss(items: &[&str]) -> String {
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

    /// A bare `&` (not an entity) breaks XML; it is escaped and the items come back.
    #[test]
    fn bare_ampersand_is_repaired() {
        let doc = rss(&[
            "<title>Tom & Jerry &amp; friends</title><link>http://example.com/a?x=1&y=2</link>",
        ]);
        let feed = parse_ok(doc.as_bytes());
        assert!(feed.repaired);
        assert_eq!(
            feed.entries[0].title.as_deref(),
            Some("Tom & Jerry & friends")
        );
        assert_eq!(
            feed.entries[0].link.as_ref().map(Url::as_str),
            Some("http://example.com/a?x=1&y=2")
        );
    }

    /// `&` inside CDATA is literal and must not be double-escaped by the repair.
    #[test]
    fn ampersand_in_cdata_is_left_alone() {
        let text = "<a>&</a><![CDATA[a & b]]><!-- c & d -->";
        assert_eq!(
            escape_bare_ampersands(text),
            "<a>&amp;</a><![CDATA[a & b]]><!-- c & d -->"
        );
    }

    /// feed-rs only dispatches on known `<rss version>`s; a missing one is taken as 2.0.
    #[test]
    fn rss_without_version_is_repaired() {
        let doc = rss(&["<title>A</title><link>http://example.com/a</link>"])
            .replace(" version=\"2.0\"", "");
        let feed = parse_ok(doc.as_bytes());
        assert!(feed.repaired);
        assert_eq!(feed.entries.len(), 1);
    }

    /// Atom 0.3 parses "successfully" with zero entries unless its namespace and
    /// `type`/`mode` attributes are mapped to Atom 1.0.
    #[test]
    fn atom_03_feed_yields_its_entries() {
        let doc = r#"<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#">
  <title type="text/plain" mode="escaped">Old &lt;Atom&gt;</title>
  <entry>
    <title type="text/html" mode="escaped">&lt;b&gt;Bold&lt;/b&gt; move</title>
    <link rel="alternate" type="text/html" href="http://example.com/1"/>
    <id>tag:example.com,2004:1</id>
    <issued>2004-01-01T00:00:00Z</issued>
    <modified>2004-01-02T00:00:00Z</modified>
    <content type="application/xhtml+xml" mode="xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi</p></div></content>
  </entry>
</feed>"#;
        let feed = parse_ok(doc.as_bytes());
        assert!(feed.repaired);
        assert_eq!(feed.title.as_deref(), Some("Old <Atom>"));
        let entry = &feed.entries[0];
        assert_eq!(entry.title.as_deref(), Some("Bold move"));
        assert_eq!(
            entry.link.as_ref().map(Url::as_str),
            Some("http://example.com/1")
        );
        assert_eq!(entry.guid.as_deref(), Some("tag:example.com,2004:1"));
        assert!(
            entry
                .content_html
                .as_deref()
                .is_some_and(|c| c.contains("<p>Hi</p>"))
        );
    }

    /// An empty or upper-case `type` on one Atom 1.0 text element fails the whole feed in feed-rs.
    #[test]
    fn odd_atom_type_attributes_are_repaired() {
        let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="">F</title>
<entry><id>1</id><title type="HTML">A &amp;amp; B</title><summary type="TEXT/HTML">&lt;p&gt;S&lt;/p&gt;</summary></entry></feed>"#;
        let feed = parse_ok(doc.as_bytes());
        assert!(feed.repaired);
        assert_eq!(feed.entries[0].title.as_deref(), Some("A & B"));
        assert_eq!(feed.entries[0].summary.as_deref(), Some("S"));
    }

    /// RSS 0.90 (heise.de's format) loses all items unless mapped to RSS 1.0.
    #[test]
    fn rss_090_feed_yields_its_entries() {
        let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>heise</title><link>https://www.heise.de/</link><description>d</description></channel>
<item><title>Eins</title><link>https://www.heise.de/1.html</link></item>
<item><title>Zwei</title><link>https://www.heise.de/2.html</link></item>
</rdf:RDF>"#;
        let feed = parse_ok(doc.as_bytes());
        assert!(feed.repaired);
        let titles: Vec<_> = feed
            .entries
            .iter()
            .filter_map(|e| e.title.as_deref())
            .collect();
        assert_eq!(titles, ["Eins", "Zwei"]);
    }

    /// feed-rs drops RDF items without `<link>`; the repair gives them one from `rdf:about`.
    #[test]
    fn rdf_item_without_link_is_kept() {
        let doc = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="http://example.com/"><title>T</title></channel>
<item rdf:about="http://example.com/1"><title>With about</title></item>
<item><title>Without anything</title></item>
</rdf:RDF>"#;
        let feed = parse_ok(doc.as_bytes());
        assert_eq!(feed.entries.len(), 2);
        assert_eq!(
            feed.entries[0].link.as_ref().map(Url::as_str),
            Some("http://example.com/1")
        );
        assert_eq!(feed.entries[1].link, None);
    }

    /// RSS 2.0 in the Userland namespace (default or prefixed) parses hollow unless mapped.
    #[test]
    fn userland_namespace_is_removed() {
        let default_ns = rss(&["<title>A</title><link>http://example.com/a</link>"]).replace(
            "<rss version=\"2.0\">",
            "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\">",
        );
        assert_eq!(parse_ok(default_ns.as_bytes()).entries.len(), 1);
        let prefixed = r#"<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"><r:channel><r:title>T</r:title>
<r:item><r:title>A</r:title><r:link>http://example.com/a</r:link></r:item></r:channel></r:rss>"#;
        let feed = parse_ok(prefixed.as_bytes());
        assert_eq!(feed.entries[0].title.as_deref(), Some("A"));
    }

    /// Latin-1 bytes in a document without an encoding declaration are not UTF-8; they are read
    /// as windows-1252.
    #[test]
    fn undeclared_latin1_bytes_decode_as_windows_1252() {
        let mut doc = b"<rss version=\"2.0\"><channel><item><title>Caf".to_vec();
        doc.extend_from_slice(&[0xE9, b' ', 0x80]);
        doc.extend_from_slice(b"</title><link>http://example.com/a</link></item></channel></rss>");
        let feed = parse_ok(&doc);
        assert_eq!(feed.entries[0].title.as_deref(), Some("Café €"));
    }

    /// Latin-1 declared as UTF-8 is read as windows-1252 too.
    #[test]
    fn latin1_declared_as_utf8_decodes_as_windows_1252() {
        let mut doc = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><item><title>M".to_vec();
        doc.push(0xFC);
        doc.extend_from_slice(
            b"nchen</title><link>http://example.com/a</link></item></channel></rss>",
        );
        assert_eq!(parse_ok(&doc).entries[0].title.as_deref(), Some("München"));
    }

    /// feed-rs never sees the HTTP header; a windows-1251 body without a declaration must come
    /// out as Cyrillic, not mojibake.
    #[test]
    fn http_charset_windows_1251_decodes_cyrillic_title() {
        let (title, _, _) = encoding_rs::WINDOWS_1251.encode("Новости дня");
        let mut doc = b"<rss version=\"2.0\"><channel><item><title>".to_vec();
        doc.extend_from_slice(&title);
        doc.extend_from_slice(b"</title><link>http://example.com/a</link></item></channel></rss>");
        let feed = parse_feed(&doc, Some("windows-1251"), &base()).expect("a feed");
        assert_eq!(feed.entries[0].title.as_deref(), Some("Новости дня"));
    }

    /// quick-xml panics on UTF-16BE with a BOM declared as `utf-16`; the panic must not escape
    /// and the document still parses after transcoding.
    #[test]
    fn utf16be_with_bom_declared_utf16_does_not_panic() {
        let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>T</title>\
                    <item><title>Grüße</title><link>http://example.com/a</link></item></channel></rss>";
        let mut doc = vec![0xFE, 0xFF];
        doc.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let feed = parse_feed(&doc, None, &base()).expect("a feed after transcoding");
        assert_eq!(feed.entries[0].title.as_deref(), Some("Grüße"));
    }

    /// A UTF-16 document whose first parse comes back empty is still checked for items.
    #[test]
    fn utf16le_feed_with_items_is_never_an_empty_success() {
        let text = rss(&["<title>A</title><link>http://example.com/a</link>"]);
        let mut doc = vec![0xFF, 0xFE];
        doc.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(parse_ok(&doc).entries.len(), 1);
    }

    /// UTF-32 (which encoding_rs lacks) is decoded by hand.
    #[test]
    fn utf32_document_is_decoded() {
        let text = rss(&["<title>Zürich</title><link>http://example.com/a</link>"]);
        let mut doc = vec![0, 0, 0xFE, 0xFF];
        doc.extend(text.chars().flat_map(|c| u32::from(c).to_be_bytes()));
        assert_eq!(parse_ok(&doc).entries[0].title.as_deref(), Some("Zürich"));
    }

    /// feed-rs leaves HTML named entities literal; plain-text fields are unescaped and
    /// whitespace-normalised.
    #[test]
    fn html_entities_in_title_are_unescaped() {
        let doc = rss(&[
            "<title>  Mam&aacute;\n&nbsp;y   pap&#225;  </title><author>Ren&eacute;</author><link>http://example.com/a</link>",
        ]);
        let entry = &parse_ok(doc.as_bytes()).entries[0];
        assert_eq!(entry.title.as_deref(), Some("Mamá y papá"));
        assert_eq!(entry.author.as_deref(), Some("René"));
    }

    /// A summary is plain text for alerts; the HTML content is kept as HTML.
    #[test]
    fn html_summary_becomes_text_and_content_keeps_html() {
        let doc = r#"<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>
<link>http://example.com/a</link>
<description>&lt;p&gt;First&lt;/p&gt;&lt;p&gt;Se&lt;b&gt;cond&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Full <em>text</em></p>]]></content:encoded></item></channel></rss>"#;
        let entry = &parse_ok(doc.as_bytes()).entries[0];
        assert_eq!(entry.summary.as_deref(), Some("First Second"));
        assert_eq!(
            entry.content_html.as_deref(),
            Some("<p>Full <em>text</em></p>")
        );
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

    /// The item counter sees prefixed and upper-case items but not RSS 1.0's `<items>`.
    #[test]
    fn item_elements_are_counted_by_name() {
        assert_eq!(
            count_item_elements(b"<items/><item><x:entry><ITEM></ITEM>"),
            3
        );
    }

    /// Tag stripping keeps words whole across inline tags and separates blocks.
    #[test]
    fn strip_tags_separates_blocks_only() {
        assert_eq!(
            clean_plain(&strip_tags(
                "<p>a<b>b</b></p><p>c &lt; d</p><!-- x --><style>p{}</style>e"
            )),
            Some("ab c < d e".to_string())
        );
    }
}
