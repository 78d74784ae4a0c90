//! The repair pass for documents feed-rs rejects or reads hollow: bare `&` escaped, legacy
//! namespaces mapped, odd `type` attributes and `<rss>` versions fixed, RDF links filled in; with
//! the byte-level item counter and root-element finder it relies on.

use std::borrow::Cow;

use super::encoding::{decode_document, with_utf8_declaration};

/// How many `<item>` / `<entry>` elements (any case, any prefix) the document holds. Works on
/// bytes so it needs no decoding; UTF-16/32 documents count as zero (see
/// [`is_wide`](super::is_wide)).
pub(super) fn count_item_elements(doc: &[u8]) -> usize {
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
pub(super) fn root_element(text: &str) -> Option<String> {
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
pub(super) fn normalise(body: &[u8], http_charset: Option<&str>) -> String {
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
            // Go on after the replaced tag: a tag cut at its first `>` can hold another `<`
            // (`<title type="a<b>`), which must not be rewritten again from behind `copied`
            // (found by fuzzing, tests/fixtures/fuzz/feed_parse/).
            search = copied;
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The local part of a qualified name (`atom:title` -> `title`).
pub(super) fn local_name(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// What an RDF item without `<link>` or `rdf:about` gets as link, so that feed-rs keeps it;
/// [`resolve_link`](super::resolve_link) drops it again (not http), leaving the entry without a
/// link.
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
pub(super) fn tag_name(tag: &str) -> &str {
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
pub(super) struct Attribute<'a> {
    name: &'a str,
    start: usize,
    end: usize,
    /// The value as written, between the quotes.
    pub(super) value: &'a str,
}

/// Finds attribute `name` (not a prefixed one) in a start tag.
pub(super) fn attribute<'a>(tag: &'a str, name: &str) -> Option<Attribute<'a>> {
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

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::parse::tests::{parse_ok, rss};

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

    /// A start tag cut at its first `>` may hold another `<`; the tag inside a rewritten one
    /// is not rewritten again (issue 8, found by fuzzing: it sliced backwards and panicked).
    #[test]
    fn tag_inside_a_rewritten_tag_is_left_alone() {
        let doc = r#"<feed x<title <title type="">"#;
        assert_eq!(fix_start_tags(doc), r#"<feed x<title <title type="text">"#);
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

    /// The item counter sees prefixed and upper-case items but not RSS 1.0's `<items>`.
    #[test]
    fn item_elements_are_counted_by_name() {
        assert_eq!(
            count_item_elements(b"<items/><item><x:entry><ITEM></ITEM>"),
            3
        );
    }
}
