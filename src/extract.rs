//! HTML page -> main text and metadata; pure.
//!
//! A deliberately simple extractor, good enough for matching topics and deduplicating wire copies
//! until a readability-class one replaces it:
//!
//! 1. [`decode_html`] turns the fetched bytes into text (BOM, HTTP charset, `<meta>` charset,
//!    UTF-8, windows-1252 — the order browsers use).
//! 2. [`extract`] parses the page once, picks the element holding the most paragraph text among
//!    `<article>`, `[itemprop=articleBody]` and elements whose class/id hint at content (else
//!    `<body>`), skips page furniture (navigation, banners, share bars, teasers, hidden elements)
//!    and emits headings, paragraphs, list items and quotes as blocks separated by a blank line.
//!    Metadata comes from `<meta>`, `<link rel=canonical>`, JSON-LD and the document itself.
//!
//! Every walk over the tree is iterative, so hostile nesting depth cannot overflow the stack.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::model::Extracted;

/// How many leading bytes may declare the charset in a `<meta>` tag (the HTML prescan limit).
const META_PRESCAN_BYTES: usize = 1024;

/// Loose text (not inside a paragraph, heading, list item or quote) shorter than this is taken for
/// furniture such as bylines, dates and button labels; longer runs are paragraphs without `<p>`.
const MIN_LOOSE_BLOCK_CHARS: usize = 80;

/// Separators sites put between a headline and their name in `<title>`.
const TITLE_SEPARATORS: [&str; 7] = [" | ", " - ", " – ", " — ", " · ", " :: ", " » "];

/// Decodes an HTML page to UTF-8: BOM, then the HTTP Content-Type charset, then `<meta charset>` /
/// http-equiv in the first 1024 bytes, then UTF-8 if valid, else windows-1252 (encoding_rs).
///
/// Pages still arrive in legacy encodings (Latin-1, windows-1251, ...) and decoding them as UTF-8
/// would turn every umlaut into U+FFFD and break topic matching. Never fails: undecodable bytes
/// become U+FFFD.
pub fn decode_html(body: &[u8], http_charset: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        return decode_with(encoding, &body[bom_len..]);
    }
    let declared = http_charset
        .and_then(encoding_for_http_label)
        .or_else(|| charset_from_meta(&body[..body.len().min(META_PRESCAN_BYTES)]));
    if let Some(encoding) = declared {
        return decode_with(encoding, body);
    }
    match std::str::from_utf8(body) {
        Ok(text) => text.to_owned(),
        Err(_) => decode_with(WINDOWS_1252, body),
    }
}

/// Decodes `bytes` with `encoding`, replacing malformed sequences.
fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Looks up the `charset` parameter of a Content-Type header, tolerating quotes and blanks.
fn encoding_for_http_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    Encoding::for_label(label.as_bytes())
}

/// Finds the charset declared by a `<meta charset>` or `<meta http-equiv content="...charset=">`
/// tag in the page's first bytes.
fn charset_from_meta(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find_bytes(&lower[from..], b"<meta") {
        let start = from + pos + b"<meta".len();
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        if let Some(encoding) = charset_in_meta_tag(&lower[start..end]) {
            return Some(encoding);
        }
        from = end;
    }
    None
}

/// Reads `charset=LABEL` inside one lower-cased `<meta ...>` tag.
fn charset_in_meta_tag(tag: &[u8]) -> Option<&'static Encoding> {
    let pos = find_bytes(tag, b"charset")?;
    let rest = skip_ascii_blanks(&tag[pos + b"charset".len()..]);
    let rest = skip_ascii_blanks(rest.strip_prefix(b"=")?);
    let rest = rest
        .strip_prefix(b"\"")
        .or(rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let len = rest
        .iter()
        .position(|b| b"\"'; \t\r\n/>".contains(b))
        .unwrap_or(rest.len());
    let encoding = Encoding::for_label(&rest[..len])?;
    // The HTML standard: a page that could state its charset in ASCII is not UTF-16, and
    // x-user-defined in a meta tag means windows-1252.
    Some(if encoding == UTF_16LE || encoding == UTF_16BE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    })
}

/// Position of `needle` in `haystack`.
fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `bytes` without leading ASCII whitespace.
fn skip_ascii_blanks(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Main text and metadata of an article page. Pure; never panics.
///
/// `page_url` is the page's final URL, against which a relative canonical link is resolved.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    let document = Html::parse_document(html);
    let meta = MetaTags::collect(&document);
    let json_ld = JsonLd::collect(&document);
    let root = main_content_root(&document);
    let site_name = meta.first(&["og:site_name", "application-name"]);
    Extracted {
        title: title(&document, root, &meta, &json_ld, site_name.as_deref()),
        text: main_text(root),
        author: author(&meta, &json_ld),
        published_at: published_at(&document, root, &meta, &json_ld),
        language: language(&document, &meta),
        canonical_url: canonical_url(&document, &meta, page_url),
        description: meta.first(&["description", "og:description", "twitter:description"]),
        site_name,
    }
}

/// Parses a static selector; the strings below are valid CSS, checked by the unit tests.
fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector is valid CSS")
}

static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));
static LINK: LazyLock<Selector> = LazyLock::new(|| selector("link[rel][href]"));
static SCRIPT: LazyLock<Selector> = LazyLock::new(|| selector("script[type]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));

// ---------------------------------------------------------------------------------------------
// Tree walking
// ---------------------------------------------------------------------------------------------

/// One step of a document-order walk.
enum Visit<'a> {
    /// Entering an element; the visitor answers whether to walk its children.
    Open(ElementRef<'a>),
    /// A text node.
    Text(&'a str),
    /// Leaving an element whose children were walked.
    Close(ElementRef<'a>),
}

/// Walks `root` in document order without recursion, so deep nesting cannot overflow the stack.
fn walk<'a>(root: ElementRef<'a>, mut visit: impl FnMut(Visit<'a>) -> bool) {
    let root_node = *root;
    let mut node = root_node;
    loop {
        let descend = match node.value() {
            Node::Element(_) => ElementRef::wrap(node).is_some_and(|el| visit(Visit::Open(el))),
            Node::Text(text) => {
                visit(Visit::Text(text));
                false
            }
            _ => false,
        };
        if descend {
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            if let Some(el) = ElementRef::wrap(node) {
                visit(Visit::Close(el));
            }
        }
        loop {
            if node == root_node {
                return;
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            let Some(parent) = node.parent() else { return };
            node = parent;
            if let Some(el) = ElementRef::wrap(node) {
                visit(Visit::Close(el));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Furniture and content hints
// ---------------------------------------------------------------------------------------------

/// Elements that never hold article text.
#[rustfmt::skip]
const NOISE_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "figcaption", "button", "select", "textarea", "input", "iframe", "object", "embed", "svg",
    "canvas", "video", "audio", "dialog", "menu",
];

/// Class/id words (split at `-`, `_`, blanks) naming page furniture.
#[rustfmt::skip]
const NOISE_WORDS: &[&str] = &[
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "footer", "teaser",
    "teasers", "related", "share", "shares", "sharing", "sharebar", "social", "comment",
    "comments", "newsletter", "cookie", "cookies", "consent", "gdpr", "ad", "ads", "advert",
    "adverts", "advertisement", "adslot", "anzeige", "werbung", "sponsored", "promo", "sidebar",
    "popup", "modal", "subscribe", "paywall", "recommended", "recommendations", "outbrain",
    "taboola", "skiplink",
];

/// Class/id word beginnings naming page furniture written as one word (`sharebuttons`).
#[rustfmt::skip]
const NOISE_PREFIXES: &[&str] = &[
    "share", "social", "cookie", "newsletter", "related", "teaser", "comment", "breadcrumb",
    "advert", "sidebar", "footer", "navig",
];

/// ARIA roles of furniture landmarks.
#[rustfmt::skip]
const NOISE_ROLES: &[&str] = &[
    "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search",
    "menu", "menubar",
];

/// Class/id fragments naming the element that holds the article.
#[rustfmt::skip]
const CONTENT_HINTS: &[&str] = &[
    "article", "content", "story", "entry", "post-body", "postbody", "artikel",
];

/// True when `el` is page furniture or hidden, so it and everything inside are skipped.
fn is_noise(el: &Element) -> bool {
    let name = el.name();
    if matches!(name, "html" | "body" | "main") {
        return false;
    }
    NOISE_TAGS.contains(&name)
        || el.attr("hidden").is_some()
        || el
            .attr("aria-hidden")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || el.attr("style").is_some_and(is_display_none)
        || el
            .attr("role")
            .is_some_and(|role| NOISE_ROLES.contains(&role.trim().to_ascii_lowercase().as_str()))
        || class_and_id(el).is_some_and(|names| names_hint_noise(&names))
}

/// True for an inline style that hides the element.
fn is_display_none(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

/// The lower-cased class and id of `el`, or None when it has neither.
fn class_and_id(el: &Element) -> Option<String> {
    match (el.attr("class"), el.attr("id")) {
        (None, None) => None,
        (class, id) => Some(format!("{} {}", class.unwrap_or(""), id.unwrap_or("")).to_lowercase()),
    }
}

/// True when a class/id word names furniture.
fn names_hint_noise(names: &str) -> bool {
    names
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .any(|word| {
            NOISE_WORDS.contains(&word) || NOISE_PREFIXES.iter().any(|p| word.starts_with(p))
        })
}

/// True when `el` may be the article container. `<body>` is the fallback, never a candidate, even
/// when its class says "article-page".
fn is_content_candidate(el: &Element) -> bool {
    if matches!(el.name(), "html" | "body") {
        return false;
    }
    el.name() == "article"
        || el
            .attr("itemprop")
            .is_some_and(|v| v.split_whitespace().any(|p| p == "articleBody"))
        || class_and_id(el).is_some_and(|names| CONTENT_HINTS.iter().any(|h| names.contains(h)))
}

// ---------------------------------------------------------------------------------------------
// Main content
// ---------------------------------------------------------------------------------------------

/// An element open during the scoring walk.
struct OpenElement<'a> {
    /// The element, kept when it is a candidate.
    element: ElementRef<'a>,
    /// Whether it may be the article container.
    candidate: bool,
    /// Bytes of paragraph text seen inside it so far (furniture excluded).
    paragraph_bytes: usize,
    /// Document-order position, so ties go to the outer element.
    order: usize,
}

/// Picks the candidate with the most paragraph text (ties to the outermost), else `<body>`.
fn main_content_root(document: &Html) -> ElementRef<'_> {
    let fallback = document
        .select(&BODY)
        .next()
        .unwrap_or_else(|| document.root_element());
    let mut open: Vec<OpenElement<'_>> = Vec::new();
    let mut best: Option<(usize, usize, ElementRef<'_>)> = None;
    let mut paragraph_depth = 0usize;
    let mut order = 0usize;
    walk(document.root_element(), |visit| match visit {
        Visit::Open(el) => {
            if is_noise(el.value()) {
                return false;
            }
            paragraph_depth += usize::from(el.value().name() == "p");
            order += 1;
            open.push(OpenElement {
                element: el,
                candidate: is_content_candidate(el.value()),
                paragraph_bytes: 0,
                order,
            });
            true
        }
        Visit::Text(text) => {
            if paragraph_depth > 0 {
                if let Some(top) = open.last_mut() {
                    top.paragraph_bytes += text.trim().len();
                }
            }
            false
        }
        Visit::Close(el) => {
            paragraph_depth -= usize::from(el.value().name() == "p" && paragraph_depth > 0);
            if let Some(done) = open.pop() {
                let beats = |(score, order, _): &(usize, usize, ElementRef<'_>)| {
                    done.paragraph_bytes > *score
                        || (done.paragraph_bytes == *score && done.order < *order)
                };
                if done.candidate && done.paragraph_bytes > 0 && best.as_ref().is_none_or(beats) {
                    best = Some((done.paragraph_bytes, done.order, done.element));
                }
                if let Some(parent) = open.last_mut() {
                    parent.paragraph_bytes += done.paragraph_bytes;
                }
            }
            false
        }
    });
    best.map_or(fallback, |(_, _, element)| element)
}

/// Elements that end the running text block.
#[rustfmt::skip]
const BLOCK_TAGS: &[&str] = &[
    "p", "div", "section", "article", "main", "body", "h1", "h2", "h3", "h4", "h5", "h6", "li",
    "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tbody", "thead", "tr", "hr",
    "address", "figure", "details", "summary", "center", "fieldset", "caption",
];

/// Block elements whose text is kept whatever its length.
#[rustfmt::skip]
const TEXT_BLOCK_TAGS: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd",
];

/// Collects the text blocks of the content root while skipping furniture.
#[derive(Default)]
struct BlockCollector {
    /// Finished blocks.
    blocks: Vec<String>,
    /// Text of the block being read.
    pending: String,
    /// Whether the pending text came from inside a paragraph, heading, list item or quote.
    pending_is_text_block: bool,
    /// How many text-block elements are open.
    text_block_depth: usize,
}

impl BlockCollector {
    /// Ends the pending block, keeping it when it is a text block or long enough to be prose.
    fn flush(&mut self) {
        let text = normalise_space(&self.pending);
        if !text.is_empty()
            && (self.pending_is_text_block || text.chars().count() >= MIN_LOOSE_BLOCK_CHARS)
        {
            self.blocks.push(text);
        }
        self.pending.clear();
        self.pending_is_text_block = false;
    }

    /// Handles one step of the walk; answers whether to enter an element.
    fn visit(&mut self, visit: Visit<'_>, root: ElementRef<'_>) -> bool {
        match visit {
            Visit::Open(el) => {
                let name = el.value().name();
                if el != root && is_noise(el.value()) {
                    return false;
                }
                if BLOCK_TAGS.contains(&name) {
                    self.flush();
                }
                if TEXT_BLOCK_TAGS.contains(&name) {
                    self.text_block_depth += 1;
                }
                if matches!(name, "br" | "td" | "th" | "img") {
                    self.pending.push(' ');
                }
                true
            }
            Visit::Text(text) => {
                self.pending.push_str(text);
                self.pending_is_text_block |= self.text_block_depth > 0;
                false
            }
            Visit::Close(el) => {
                let name = el.value().name();
                if matches!(name, "td" | "th") {
                    self.pending.push(' ');
                }
                if BLOCK_TAGS.contains(&name) {
                    self.flush();
                }
                if TEXT_BLOCK_TAGS.contains(&name) {
                    self.text_block_depth = self.text_block_depth.saturating_sub(1);
                }
                false
            }
        }
    }
}

/// The article text under `root`: blocks separated by a blank line, whitespace normalised.
fn main_text(root: ElementRef<'_>) -> String {
    let mut collector = BlockCollector::default();
    walk(root, |visit| collector.visit(visit, root));
    collector.flush();
    collector.blocks.join("\n\n")
}

/// Collapses whitespace runs to one space, trims, and drops invisible format characters (soft
/// hyphens and zero-width marks split words for matching).
fn normalise_space(text: &str) -> String {
    let visible: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'
            )
        })
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalised text of `el`, or None when empty.
fn element_text(el: ElementRef<'_>) -> Option<String> {
    non_empty(normalise_space(&el.text().collect::<String>()))
}

/// `text` unless it is empty.
fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

// ---------------------------------------------------------------------------------------------
// Metadata
// ---------------------------------------------------------------------------------------------

/// The page's `<meta>` values keyed by lower-cased `property`, `name`, `itemprop` or
/// `http-equiv`, in document order.
struct MetaTags {
    /// (key, normalised content) pairs.
    entries: Vec<(String, String)>,
}

impl MetaTags {
    /// Reads every `<meta content>` of the page.
    fn collect(document: &Html) -> Self {
        let mut entries = Vec::new();
        for el in document.select(&META) {
            let Some(content) = el.value().attr("content").map(normalise_space) else {
                continue;
            };
            if content.is_empty() {
                continue;
            }
            for attr in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(key) = el.value().attr(attr) {
                    entries.push((key.trim().to_ascii_lowercase(), content.clone()));
                }
            }
        }
        MetaTags { entries }
    }

    /// The first value under the earliest-listed key that the page has.
    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| {
            self.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
    }
}

/// Title: og:title, JSON-LD headline, the article's `<h1>`, `<title>` without a site suffix.
fn title(
    document: &Html,
    root: ElementRef<'_>,
    meta: &MetaTags,
    json_ld: &JsonLd,
    site_name: Option<&str>,
) -> Option<String> {
    let strip = |title: String| strip_site_name(&title, site_name);
    meta.first(&["og:title", "twitter:title"])
        .or_else(|| json_ld.string("headline"))
        .or_else(|| root.select(&H1).find_map(element_text))
        .or_else(|| document.select(&H1).find_map(element_text))
        .map(strip)
        .or_else(|| {
            let title = document.select(&TITLE).find_map(element_text)?;
            Some(strip_title_suffix(&strip(title)))
        })
        .and_then(non_empty)
}

/// Removes the site's name when it is joined to the headline by a separator at either end.
fn strip_site_name(title: &str, site_name: Option<&str>) -> String {
    let Some(site) = site_name.filter(|s| !s.is_empty()) else {
        return title.to_owned();
    };
    for separator in TITLE_SEPARATORS {
        if let Some(rest) = title.strip_suffix(&format!("{separator}{site}")) {
            return rest.trim().to_owned();
        }
        if let Some(rest) = title.strip_prefix(&format!("{site}{separator}")) {
            return rest.trim().to_owned();
        }
    }
    title.to_owned()
}

/// Removes a trailing " | Site"-style suffix from a `<title>` when it is shorter than the rest.
fn strip_title_suffix(title: &str) -> String {
    let cut = TITLE_SEPARATORS
        .iter()
        .filter_map(|separator| title.rfind(separator).map(|pos| (pos, separator.len())))
        .max_by_key(|(pos, _)| *pos);
    match cut {
        Some((pos, len)) if pos > 0 && title.len() - pos - len < pos => title[..pos].trim().into(),
        _ => title.to_owned(),
    }
}

/// Author: meta author, JSON-LD author name(s), other author metas that are not URLs.
fn author(meta: &MetaTags, json_ld: &JsonLd) -> Option<String> {
    let not_url = |v: &String| !v.starts_with("http://") && !v.starts_with("https://");
    meta.first(&["author"])
        .filter(not_url)
        .or_else(|| json_ld.author())
        .or_else(|| {
            meta.first(&["article:author", "dc.creator", "byl", "parsely-author"])
                .filter(not_url)
        })
}

/// Publication time: publication metas, JSON-LD datePublished, then `<time datetime>`.
fn published_at(
    document: &Html,
    root: ElementRef<'_>,
    meta: &MetaTags,
    json_ld: &JsonLd,
) -> Option<DateTime<Utc>> {
    const KEYS: [&str; 7] = [
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "dc.date.issued",
        "dc.date",
        "date",
        "pubdate",
    ];
    KEYS.iter()
        .filter_map(|key| meta.first(&[key]))
        .chain(json_ld.string("datePublished"))
        .find_map(|value| parse_datetime(&value))
        .or_else(|| {
            root.select(&TIME)
                .chain(document.select(&TIME))
                .filter_map(|el| el.value().attr("datetime"))
                .find_map(parse_datetime)
        })
}

/// Parses the date formats pages use: RFC 3339, ISO 8601 without colon in the offset or without
/// offset (taken as UTC), a bare date (midnight UTC), RFC 2822.
fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        return Some(time.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(time) = DateTime::parse_from_str(value, format) {
            return Some(time.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(value, format) {
            return Some(time.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Language: `<html lang>` (or `xml:lang`), Content-Language, og:locale; primary subtag only.
fn language(document: &Html, meta: &MetaTags) -> Option<String> {
    let html = document.root_element().value();
    [html.attr("lang"), html.attr("xml:lang")]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .chain(meta.first(&["content-language", "og:locale", "dc.language"]))
        .find_map(|tag| primary_language(&tag))
}

/// `de` for `de-DE`, `de_DE` or `DE`; None for anything that is not a language subtag.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_', ',']).next()?.trim();
    let valid =
        (2..=8).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    valid.then(|| primary.to_ascii_lowercase())
}

/// Canonical URL: `<link rel=canonical>`, then og:url, resolved against the page URL; only web
/// URLs (or the page's own scheme) count.
fn canonical_url(document: &Html, meta: &MetaTags, page_url: &Url) -> Option<Url> {
    let from_link = document.select(&LINK).find_map(|el| {
        let rel = el.value().attr("rel")?;
        rel.split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("canonical"))
            .then(|| el.value().attr("href"))
            .flatten()
            .and_then(|href| resolve(page_url, href))
    });
    from_link.or_else(|| resolve(page_url, &meta.first(&["og:url"])?))
}

/// `href` resolved against `base`, when it is a usable page address.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    let usable = matches!(url.scheme(), "http" | "https") || url.scheme() == base.scheme();
    usable.then_some(url)
}

// ---------------------------------------------------------------------------------------------
// JSON-LD (a tiny scanner: the crate has no JSON parser, and three keys do not need one)
// ---------------------------------------------------------------------------------------------

/// The text of the page's `application/ld+json` scripts.
struct JsonLd {
    /// One entry per script.
    scripts: Vec<String>,
}

impl JsonLd {
    /// Reads every JSON-LD script of the page.
    fn collect(document: &Html) -> Self {
        let scripts = document
            .select(&SCRIPT)
            .filter(|el| {
                el.value()
                    .attr("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"))
            })
            .map(|el| el.text().collect::<String>())
            .collect();
        JsonLd { scripts }
    }

    /// The first string value of `key` in any script, entity-decoded and whitespace-normalised.
    fn string(&self, key: &str) -> Option<String> {
        self.scripts.iter().find_map(|json| {
            let value = json_value_after(json, key)?;
            json_string(value).and_then(clean_json_text)
        })
    }

    /// The author name(s): a string, an object's `name`, or the names in an array, comma-joined.
    fn author(&self) -> Option<String> {
        self.scripts.iter().find_map(|json| {
            let value = json_value_after(json, "author")?;
            let names: Vec<String> = match value.chars().next()? {
                '[' => json_array_items(value)
                    .into_iter()
                    .filter_map(person_name)
                    .collect(),
                _ => person_name(value).into_iter().collect(),
            };
            non_empty(names.join(", "))
        })
    }
}

/// The name of a JSON-LD person given as a string or as an object with `name`.
fn person_name(value: &str) -> Option<String> {
    let name = if value.starts_with('{') {
        let object = &value[..json_container_len(value)?];
        json_string(json_value_after(object, "name")?)?
    } else {
        json_string(value)?
    };
    clean_json_text(name)
}

/// Decodes HTML entities some sites leave in JSON-LD and normalises whitespace.
fn clean_json_text(text: String) -> Option<String> {
    non_empty(normalise_space(&html_escape::decode_html_entities(&text)))
}

/// The JSON text following `"key":`, leading blanks removed.
fn json_value_after<'j>(json: &'j str, key: &str) -> Option<&'j str> {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    while let Some(pos) = json[from..].find(&needle) {
        let after = from + pos + needle.len();
        if let Some(value) = json[after..].trim_start().strip_prefix(':') {
            return Some(value.trim_start());
        }
        from = after;
    }
    None
}

/// The unescaped JSON string at the start of `value`.
fn json_string(value: &str) -> Option<String> {
    let mut chars = value.strip_prefix('"')?.chars();
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' | 'r' | 't' | 'b' | 'f' => out.push(' '),
                'u' => out.push(json_unicode_escape(&mut chars)?),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

/// Decodes the `XXXX` of a `\uXXXX` escape (and its low surrogate, when it is a high one).
fn json_unicode_escape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    let hex = |chars: &mut std::str::Chars<'_>| {
        let digits: String = chars.by_ref().take(4).collect();
        u32::from_str_radix(&digits, 16).ok()
    };
    let high = hex(chars)?;
    if !(0xD800..0xDC00).contains(&high) {
        return Some(char::from_u32(high).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    let mut lookahead = chars.clone();
    let low = (lookahead.next() == Some('\\') && lookahead.next() == Some('u'))
        .then(|| hex(&mut lookahead))
        .flatten()
        .filter(|low| (0xDC00..0xE000).contains(low));
    Some(match low {
        Some(low) => {
            *chars = lookahead;
            char::from_u32(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                .unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        None => char::REPLACEMENT_CHARACTER,
    })
}

/// The characters of `json` outside string literals (quotes dropped), with their byte positions.
fn json_structural_chars(json: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_string = false;
    let mut escaped = false;
    json.char_indices().filter(move |&(_, c)| {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            return false;
        }
        in_string = c == '"';
        !in_string
    })
}

/// Byte length of the JSON object or array at the start of `value`.
fn json_container_len(value: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in json_structural_chars(value) {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The top-level items of the JSON array at the start of `value`, each trimmed.
fn json_array_items(value: &str) -> Vec<&str> {
    let Some(len) = json_container_len(value) else {
        return Vec::new();
    };
    let inner = &value[1..len - 1];
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in json_structural_chars(inner) {
        match c {
            '{' | '[' => depth += 1,
            '}' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(inner[start..].trim());
    items.retain(|item| !item.is_empty());
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL the test pages pretend to come from.
    fn page_url() -> Url {
        Url::parse("https://news.example/politik/artikel.html").expect("static URL is valid")
    }

    /// Extracts a page from the test URL.
    fn run(html: &str) -> Extracted {
        extract(html, &page_url())
    }

    /// A page whose article sits among the usual furniture.
    const NEWS_PAGE: &str = r#"<!doctype html>
<html lang="de-DE"><head>
<title>Gipfel in Wladiwostok: Kim trifft Putin | Rheinblick</title>
<meta name="description" content="  Kim und Putin   beraten über Waffen. ">
<meta name="author" content="Anna Beispiel">
<meta property="og:site_name" content="Rheinblick">
<meta property="article:published_time" content="2023-09-04T18:30:00+02:00">
<link rel="canonical" href="/politik/kim-putin-gipfel">
</head><body>
<header><a href="/">Rheinblick</a><nav><ul><li>Politik</li><li>Wirtschaft</li></ul></nav></header>
<div id="cookie-banner"><p>Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten.</p></div>
<main>
<article class="story">
  <h1>Kim trifft Putin</h1>
  <p>Der nordkoreanische Machthaber will nach Russland reisen.</p>
  <div class="share-bar"><p>Teilen auf Facebook</p></div>
  <figure><img src="a.jpg"><figcaption>Kim in Pjöngjang. Foto: Agentur</figcaption></figure>
  <p>Es geht um   Artillerie
     und Raketen.</p>
  <ul><li>Treffen in Wladiwostok</li></ul>
  <blockquote>Wir beobachten das genau.</blockquote>
  <p hidden>Versteckter Text</p>
  <p aria-hidden="true">Vorgelesener Text</p>
  <div style="display: none"><p>Unsichtbar</p></div>
  <aside class="related"><article class="teaser"><p>Andere Geschichte mit sehr viel Text, der länger ist als alles andere auf der Seite, damit die Auswahl nicht auf ihn fällt, sondern auf den Artikel.</p></article></aside>
</article>
</main>
<div class="sidebar"><p>Meistgelesen heute</p></div>
<footer><p>Impressum</p></footer>
<script>var ad = "Werbung";</script>
</body></html>"#;

    /// The main text is the article's blocks, in order, without any furniture.
    #[test]
    fn article_text_skips_furniture_and_keeps_blocks() {
        let text = run(NEWS_PAGE).text;
        assert_eq!(
            text,
            "Kim trifft Putin\n\n\
             Der nordkoreanische Machthaber will nach Russland reisen.\n\n\
             Es geht um Artillerie und Raketen.\n\n\
             Treffen in Wladiwostok\n\n\
             Wir beobachten das genau."
        );
    }

    /// All metadata fields are read from the usual tags.
    #[test]
    fn metadata_comes_from_meta_and_link_tags() {
        let page = run(NEWS_PAGE);
        assert_eq!(page.title.as_deref(), Some("Kim trifft Putin"));
        assert_eq!(page.author.as_deref(), Some("Anna Beispiel"));
        assert_eq!(page.language.as_deref(), Some("de"));
        assert_eq!(page.site_name.as_deref(), Some("Rheinblick"));
        assert_eq!(
            page.description.as_deref(),
            Some("Kim und Putin beraten über Waffen.")
        );
        assert_eq!(
            page.canonical_url.map(String::from).as_deref(),
            Some("https://news.example/politik/kim-putin-gipfel")
        );
        assert_eq!(
            page.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2023-09-04T16:30:00+00:00")
        );
    }

    /// The candidate with the most paragraph text wins over a smaller one.
    #[test]
    fn candidate_with_most_paragraph_text_is_chosen() {
        let html = r#"<body>
            <div class="content-teaser-box"><p>Kurz.</p></div>
            <div class="entry"><p>Ein langer Absatz über das eigentliche Thema des Artikels.</p>
            <p>Noch ein Absatz.</p></div>
            <div class="post-body-footer-links"><p>Links</p></div></body>"#;
        assert_eq!(
            run(html).text,
            "Ein langer Absatz über das eigentliche Thema des Artikels.\n\nNoch ein Absatz."
        );
    }

    /// A body whose class hints at an article page is not mistaken for the article container.
    #[test]
    fn body_class_is_not_a_content_hint() {
        let html = r#"<body class="single-article-page"><p>Seitenleiste ohne Markierung.</p>
            <article><p>Der Text des Artikels.</p></article></body>"#;
        assert_eq!(run(html).text, "Der Text des Artikels.");
    }

    /// `itemprop=articleBody` marks the container even without class hints.
    #[test]
    fn item_prop_article_body_is_a_candidate() {
        let html = r#"<body><p>Seitenkopf-Text</p>
            <div itemprop="articleBody"><p>Der Text des Artikels.</p></div></body>"#;
        assert_eq!(run(html).text, "Der Text des Artikels.");
    }

    /// Pages without any content hint fall back to the body, still without furniture.
    #[test]
    fn page_without_hints_falls_back_to_body() {
        let html = "<body><nav>Start</nav><h2>Wetter</h2><p>Morgen regnet es.</p>\
                    <footer>Kontakt</footer></body>";
        assert_eq!(run(html).text, "Wetter\n\nMorgen regnet es.");
    }

    /// Short loose text (bylines, dates) is dropped; long loose text is a paragraph.
    #[test]
    fn loose_text_is_kept_only_when_long() {
        let long = "Dieser Absatz steht ohne p-Element direkt im div, ist aber lang genug, \
                    um als Fließtext zu gelten.";
        let html = format!(
            "<article><div>Von Anna, 4.9.2023</div><div>{long}</div><p>Kurz.</p></article>"
        );
        assert_eq!(run(&html).text, format!("{long}\n\nKurz."));
    }

    /// Soft hyphens and zero-width spaces would split words for the matcher.
    #[test]
    fn invisible_format_characters_are_removed() {
        let html = "<p>Waffen&shy;gespr\u{e4}che\u{200b} und&nbsp;mehr</p>";
        assert_eq!(run(html).text, "Waffengespräche und mehr");
    }

    /// Class words are matched whole, so `header`-like substrings such as "ad" in "read" or
    /// "lead" do not hide text.
    #[test]
    fn noise_words_match_whole_class_words_only() {
        let html = r#"<article><p class="lead">Vorspann.</p><p class="read-more-ad">X</p>
            <div class="sharebuttons"><p>Teilen</p></div></article>"#;
        assert_eq!(run(html).text, "Vorspann.");
    }

    /// og:title comes first and loses a site-name suffix.
    #[test]
    fn og_title_is_preferred_and_loses_site_name() {
        let html = r#"<head><meta property="og:title" content="Regen im Rheinland - Rheinblick">
            <meta property="og:site_name" content="Rheinblick"><title>Anders</title></head>
            <body><h1>Auch anders</h1></body>"#;
        assert_eq!(run(html).title.as_deref(), Some("Regen im Rheinland"));
    }

    /// JSON-LD headline, author object and datePublished are read without a JSON parser.
    #[test]
    fn json_ld_headline_author_and_date_are_read() {
        let html = r#"<head><script type="application/ld+json">
            {"@context":"https://schema.org","@type":"NewsArticle",
             "headline":"Zinsen \"steigen\" wieder \u00fcber 4 %",
             "datePublished":"2024-03-01T08:00:00Z",
             "author":{"@type":"Person","name":"Jens M&uuml;ller"}}
            </script></head><body><h1>H1 Titel</h1></body>"#;
        let page = run(html);
        assert_eq!(
            page.title.as_deref(),
            Some("Zinsen \"steigen\" wieder über 4 %")
        );
        assert_eq!(page.author.as_deref(), Some("Jens Müller"));
        assert_eq!(
            page.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-03-01T08:00:00+00:00")
        );
    }

    /// Several JSON-LD authors become one comma-separated string, like feed authors.
    #[test]
    fn json_ld_author_array_is_comma_joined() {
        let html = r#"<script type="application/ld+json">{"author":[{"@type":"Person",
            "name":"A. Eins","url":"https://x.example/a,b"},"B. Zwei",{"name":"C. Drei"}]}
            </script>"#;
        assert_eq!(
            run(html).author.as_deref(),
            Some("A. Eins, B. Zwei, C. Drei")
        );
    }

    /// Without og:title or JSON-LD, the article's h1 is the title.
    #[test]
    fn h1_is_the_title_without_metadata() {
        let html = "<head><title>Seite | Rheinblick</title></head>\
                    <body><h1>Sturm über Köln</h1><p>Text.</p></body>";
        assert_eq!(run(html).title.as_deref(), Some("Sturm über Köln"));
    }

    /// The `<title>` is the last resort, without its " | Site" or " - Site" suffix.
    #[test]
    fn document_title_loses_its_site_suffix() {
        for (title, expected) in [
            ("Sturm über Köln | Rheinblick", "Sturm über Köln"),
            (
                "Sturm - Chaos in Köln - Rheinblick",
                "Sturm - Chaos in Köln",
            ),
            ("Nur ein Titel", "Nur ein Titel"),
            (
                "Kurz | Ein sehr langer Name einer Seite",
                "Kurz | Ein sehr langer Name einer Seite",
            ),
        ] {
            let html = format!("<head><title>{title}</title></head><body></body>");
            assert_eq!(run(&html).title.as_deref(), Some(expected), "{title}");
        }
    }

    /// A meta author that is a profile URL is not a name; JSON-LD is asked instead.
    #[test]
    fn author_urls_are_not_names() {
        let html = r#"<meta name="author" content="https://x.example/anna">
            <script type="application/ld+json">{"author":"Anna B."}</script>"#;
        assert_eq!(run(html).author.as_deref(), Some("Anna B."));
    }

    /// `<time datetime>` dates the article when no meta does; dates without zone are UTC.
    #[test]
    fn time_element_dates_the_article() {
        for (value, expected) in [
            ("2023-09-04T10:15:00+0200", "2023-09-04T08:15:00+00:00"),
            ("2023-09-04T10:15", "2023-09-04T10:15:00+00:00"),
            ("2023-09-04", "2023-09-04T00:00:00+00:00"),
            ("Mon, 04 Sep 2023 10:15:00 GMT", "2023-09-04T10:15:00+00:00"),
        ] {
            let html = format!(r#"<article><time datetime="{value}">heute</time></article>"#);
            let published = run(&html).published_at.map(|t| t.to_rfc3339());
            assert_eq!(published.as_deref(), Some(expected), "{value}");
        }
        assert_eq!(run(r#"<time datetime="gestern">"#).published_at, None);
    }

    /// The language is the lower-cased primary subtag; og:locale is the fallback.
    #[test]
    fn language_is_the_primary_subtag() {
        assert_eq!(
            run(r#"<html lang="EN-gb">"#).language.as_deref(),
            Some("en")
        );
        let html = r#"<html lang=""><meta property="og:locale" content="de_AT">"#;
        assert_eq!(run(html).language.as_deref(), Some("de"));
        assert_eq!(run(r#"<html lang="1234">"#).language, None);
    }

    /// og:url stands in for a missing canonical link; script URLs are refused.
    #[test]
    fn og_url_is_the_canonical_fallback() {
        let html = r#"<link rel="canonical" href="javascript:alert(1)">
            <meta property="og:url" content="https://news.example/a?x=1">"#;
        assert_eq!(
            run(html).canonical_url.map(String::from).as_deref(),
            Some("https://news.example/a?x=1")
        );
    }

    /// og:description is used when there is no meta description.
    #[test]
    fn og_description_is_the_description_fallback() {
        let html = r#"<meta property="og:description" content="Kurz gesagt.">"#;
        assert_eq!(run(html).description.as_deref(), Some("Kurz gesagt."));
    }

    /// Empty and junk input give an empty result instead of a panic.
    #[test]
    fn empty_and_broken_pages_do_not_panic() {
        for html in [
            "",
            "<",
            "<<<>>>",
            "<script type=\"application/ld+json\">{\"author\":[{",
            "\0",
        ] {
            let page = run(html);
            assert!(page.text.is_empty(), "{html:?}");
        }
    }

    /// Hostile nesting depth must not overflow the stack of the walks (kept at 5,000 levels:
    /// html5ever itself is quadratic in depth, 1.3 s here in a debug build).
    #[test]
    fn deeply_nested_page_does_not_overflow_the_stack() {
        let html = format!(
            "{}<p>tief</p>{}",
            "<div>".repeat(5_000),
            "</div>".repeat(5_000)
        );
        assert_eq!(run(&html).text, "tief");
    }

    /// UTF-8 pages without any declaration are recognised by their validity.
    #[test]
    fn undeclared_valid_utf8_is_utf8() {
        assert_eq!(decode_html("Grüße".as_bytes(), None), "Grüße");
    }

    /// Undeclared bytes that are not UTF-8 are read as windows-1252 (superset of Latin-1).
    #[test]
    fn undeclared_invalid_utf8_is_windows_1252() {
        assert_eq!(decode_html(b"Gr\xfc\xdfe \x80", None), "Grüße €");
    }

    /// A Latin-1 page declared by `<meta charset>` decodes its umlauts.
    #[test]
    fn latin1_meta_charset_is_honoured() {
        let body = b"<html><head><meta charset=\"ISO-8859-1\"></head><body>M\xfcnchen</body>";
        assert!(decode_html(body, None).contains("München"));
    }

    /// A windows-1251 page declared by http-equiv decodes its Cyrillic.
    #[test]
    fn windows_1251_http_equiv_is_honoured() {
        let mut body =
            b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1251'>".to_vec();
        body.extend_from_slice(b"\xcf\xf3\xf2\xe8\xed");
        assert!(decode_html(&body, None).ends_with("Путин"));
    }

    /// The HTTP header beats the meta tag, as in browsers.
    #[test]
    fn http_charset_beats_meta_charset() {
        let body = b"<meta charset=utf-8>\xcf\xf3\xf2\xe8\xed";
        assert!(decode_html(body, Some("\"windows-1251\"")).ends_with("Путин"));
    }

    /// A byte-order mark beats every declaration.
    #[test]
    fn bom_beats_http_charset() {
        let body = b"\xef\xbb\xbf<meta charset=latin1>Gr\xc3\xbc\xc3\x9fe";
        let text = decode_html(body, Some("iso-8859-1"));
        assert!(text.ends_with("Grüße") && !text.starts_with('\u{feff}'));
    }

    /// Unknown labels are ignored, and a meta tag claiming UTF-16 means UTF-8.
    #[test]
    fn unknown_and_utf16_meta_labels_fall_back_sensibly() {
        assert_eq!(decode_html("Grüße".as_bytes(), Some("klingon")), "Grüße");
        let body = "<meta charset=utf-16>Grüße".as_bytes();
        assert!(decode_html(body, None).ends_with("Grüße"));
    }

    /// A charset declared after the first 1024 bytes is not looked for.
    #[test]
    fn meta_charset_after_the_prescan_window_is_ignored() {
        let mut body = vec![b' '; 1100];
        body.extend_from_slice(b"<meta charset=windows-1251>\xcf");
        assert!(decode_html(&body, None).ends_with('Ï'));
    }
}
