//! Works out a feed document's encoding (BOM, HTTP charset, XML declaration, sniffing) and
//! transcodes it to UTF-8 with a declaration that says so.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::charset::decode_if_utf8;

/// The body as the first parse sees it. Borrowed unless the HTTP charset names an encoding other
/// than UTF-8 and the body has no BOM: HTTP outranks the XML declaration (RFC 7303), and feed-rs
/// never sees the header, so such a body is transcoded and its declaration rewritten.
pub(super) fn apply_http_charset<'a>(body: &'a [u8], http_charset: Option<&str>) -> Cow<'a, [u8]> {
    let Some(encoding) = http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())) else {
        return Cow::Borrowed(body);
    };
    if encoding == UTF_8 || Encoding::for_bom(body).is_some() || looks_like_json(body) {
        return Cow::Borrowed(body);
    }
    let (text, _, _) = encoding.decode(body);
    Cow::Owned(with_utf8_declaration(&text).into_bytes())
}

/// Decodes the document to UTF-8 text: by BOM, then the HTTP charset, then the XML declaration.
/// A claimed UTF-8 that does not validate, or no claim at all (XML's default is UTF-8), is read
/// by the page decoder's rule, [`decode_if_utf8`]: UTF-8 with a few stray bytes stays UTF-8
/// with U+FFFD for them (issue 13: one stray byte used to turn the whole document into
/// windows-1252), and plainly non-UTF-8 text is windows-1252 (what "Latin-1" means on the web).
/// UTF-32 is decoded by hand (encoding_rs has no UTF-32).
pub(super) fn decode_document(body: &[u8], http_charset: Option<&str>) -> String {
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
    decode_if_utf8(body).unwrap_or_else(|| {
        WINDOWS_1252
            .decode_without_bom_handling(body)
            .0
            .into_owned()
    })
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
pub(super) fn with_utf8_declaration(text: &str) -> String {
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
pub(super) fn strip_utf8_declaration(text: &str) -> &str {
    text.strip_prefix(UTF8_DECLARATION).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_feed;
    use crate::parse::tests::{base, parse_ok, rss};

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

    /// Which encoding a document's title is read in, by what it claims and what its bytes are,
    /// on feed-rs's first parse and after the repair pass (which decodes with
    /// [`decode_document`]; invalid UTF-8 or a bare `&` in the link sends a document there); a
    /// fix adds a row naming its issue.
    #[test]
    fn feed_titles_decode_by_claim_and_bytes() {
        const UTF8: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
        const LATIN1: &str = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>";
        struct Row {
            why: &'static str,
            declaration: &'static str,
            http_charset: Option<&'static str>,
            title: &'static [u8],
            repaired: bool,
            expected: &'static str,
        }
        let row = |why, declaration, http_charset, title, repaired, expected| Row {
            why,
            declaration,
            http_charset,
            title,
            repaired,
            expected,
        };
        let rows = [
            row(
                "issue 13: declared UTF-8 with one stray byte stays UTF-8 through the repair pass",
                UTF8,
                None,
                b"Z\xc3\xbcrich \xe2\x80\x93 Gen\xc3\xa8ve \xff".as_slice(),
                true,
                "Zürich – Genève \u{FFFD}",
            ),
            row(
                "issue 13: undeclared UTF-8 with one stray byte stays UTF-8 through the repair pass",
                "",
                None,
                b"Z\xc3\xbcrich \x80 Gen\xc3\xa8ve",
                true,
                "Zürich \u{FFFD} Genève",
            ),
            row(
                "issue 13: UTF-8 by HTTP with a stray byte stays UTF-8 through the repair pass",
                "",
                Some("utf-8"),
                b"M\xc3\xbcnchen \xfc",
                true,
                "München \u{FFFD}",
            ),
            row(
                "issue 8: windows-1252 declared as UTF-8 is windows-1252",
                UTF8,
                None,
                b"Caf\xe9 \x93cr\xe8me\x94",
                true,
                "Café “crème”",
            ),
            row(
                "undeclared windows-1252 is windows-1252",
                "",
                None,
                b"Caf\xe9 \x80",
                true,
                "Café €",
            ),
            row(
                "a Latin-1 declaration is believed on the first parse",
                LATIN1,
                None,
                b"M\xfcnchen",
                false,
                "München",
            ),
            row(
                "valid UTF-8 is UTF-8 on the first parse",
                UTF8,
                None,
                "Grüße".as_bytes(),
                false,
                "Grüße",
            ),
        ];
        for row in rows {
            let link: &[u8] = if row.repaired { b"/a?x=1&y=2" } else { b"/a" };
            let doc = [
                row.declaration.as_bytes(),
                b"<rss version=\"2.0\"><channel><item><title>",
                row.title,
                b"</title><link>http://example.com",
                link,
                b"</link></item></channel></rss>",
            ]
            .concat();
            let feed = parse_feed(&doc, row.http_charset, &base()).expect(row.why);
            assert_eq!(feed.repaired, row.repaired, "{}", row.why);
            let title = feed.entries[0].title.as_deref();
            assert_eq!(title, Some(row.expected), "{}", row.why);
        }
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
}
