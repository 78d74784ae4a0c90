//! Fetched bytes -> HTML text: the charset sniffing browsers do (BOM, HTTP header, `<meta>`
//! prescan, UTF-8 validity, then chardetng's guess), on encoding_rs.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

use crate::charset::decode_if_utf8;

/// How many leading bytes may declare the charset in a `<meta>` tag (the HTML prescan limit).
const META_PRESCAN_BYTES: usize = 1024;

/// Decodes an HTML page to UTF-8: BOM, then the HTTP Content-Type charset, then `<meta charset>` /
/// http-equiv in the first 1024 bytes, then UTF-8 if valid, else chardetng's guess (the detector
/// Firefox uses: windows-1252, windows-1251, Shift_JIS, GBK, ...).
///
/// Pages still arrive in legacy encodings (Latin-1, windows-1251, ...) and decoding them as UTF-8
/// would turn every umlaut into U+FFFD and break topic matching. Never fails: undecodable bytes
/// become U+FFFD.
pub fn decode_html(body: &[u8], http_charset: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        return decode_with(encoding, &body[bom_len..]);
    }
    if let Some(encoding) = http_charset.and_then(encoding_for_http_label) {
        return decode_claimed(encoding, body);
    }
    if let Some(encoding) = charset_from_meta(&body[..body.len().min(META_PRESCAN_BYTES)]) {
        // Pages re-saved as UTF-8 keep their old `<meta charset>`; non-ASCII text that is valid
        // UTF-8 is almost never a legacy encoding by accident.
        if encoding != UTF_8
            && !body.is_ascii()
            && let Ok(text) = std::str::from_utf8(body)
        {
            return text.to_owned();
        }
        return decode_claimed(encoding, body);
    }
    match std::str::from_utf8(body) {
        Ok(text) => text.to_owned(),
        Err(_) => decode_with(detect_encoding(body), body),
    }
}

/// Decodes `body` with the encoding its header or `<meta>` claims, except a UTF-8 claim that is
/// plainly false (issue 8; the rule is [`decode_if_utf8`], shared with the feed decoder): a
/// windows-1252 page labelled UTF-8 would lose every accent and break topic matching, so its
/// encoding is guessed instead. A UTF-8 page with a few stray bytes keeps UTF-8.
fn decode_claimed(encoding: &'static Encoding, body: &[u8]) -> String {
    if encoding == UTF_8 {
        return decode_if_utf8(body).unwrap_or_else(|| decode_with(detect_encoding(body), body));
    }
    decode_with(encoding, body)
}

/// Guesses the legacy encoding of undeclared bytes that are not UTF-8.
fn detect_encoding(body: &[u8]) -> &'static Encoding {
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(body, true);
    detector.guess(None, Utf8Detection::Deny)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// UTF-8 pages without any declaration are recognised by their validity.
    #[test]
    fn undeclared_valid_utf8_is_utf8() {
        assert_eq!(decode_html("Grüße".as_bytes(), None), "Grüße");
    }

    /// Undeclared Latin-1 bytes that are not UTF-8 are detected as windows-1252.
    #[test]
    fn undeclared_latin1_is_detected() {
        let body = b"<p>Die Gr\xfc\xdfe aus M\xfcnchen kosten 5 \x80, sagte der B\xe4cker.</p>";
        assert!(decode_html(body, None).contains("Grüße aus München kosten 5 €"));
    }

    /// Undeclared windows-1251 Cyrillic is detected rather than read as Latin-1.
    #[test]
    fn undeclared_windows_1251_is_detected() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("<p>Президент России Владимир Путин встретился с лидером Северной Кореи.</p>");
        assert!(decode_html(&bytes, None).contains("Владимир Путин"));
    }

    /// A page saved as UTF-8 under an old `<meta charset=gb2312>` is read as UTF-8.
    #[test]
    fn valid_utf8_beats_a_legacy_meta_charset() {
        let body = "<meta charset=gb2312><p>谷歌人工智能</p>".as_bytes();
        assert!(decode_html(body, None).contains("谷歌人工智能"));
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
        body.extend_from_slice(
            b"<meta charset=windows-1251><p>Gr\xfc\xdfe aus M\xfcnchen und K\xf6ln</p>",
        );
        assert!(decode_html(&body, None).contains("Grüße aus München und Köln"));
    }

    /// Issue 8: a windows-1252 page labelled UTF-8 (by HTTP or `<meta>`) keeps its accents; a
    /// UTF-8 page with one stray byte stays UTF-8.
    #[test]
    fn plainly_false_utf8_label_is_overruled() {
        let latin = b"<p>Caf\xe9 cr\xe8me \xe0 Z\xfcrich, \x93quoted\x94</p>";
        let text = decode_html(latin, Some("utf-8"));
        assert!(text.contains("Café crème à Zürich"), "{text}");
        let meta = [b"<meta charset=\"utf-8\">".as_slice(), latin].concat();
        assert!(decode_html(&meta, None).contains("Zürich"));
        let stray = "<p>Zürich \u{2013} Genève</p>"
            .bytes()
            .chain([0xff])
            .collect::<Vec<_>>();
        let text = decode_html(&stray, Some("utf-8"));
        assert!(text.starts_with("<p>Zürich – Genève</p>"), "{text}");
    }
}
