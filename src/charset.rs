//! The rule for bytes that should be UTF-8 and are not quite, shared by the feed decoder
//! (`parse`) and the page decoder ([`crate::extract::decode_html`]) so that the two read a
//! mislabelled or damaged document the same way. A leaf module: it depends on nothing in the
//! crate, so both stages may use it.

use encoding_rs::UTF_8;

/// `body` as text when it is UTF-8: valid, or valid apart from stray bytes (a character cut
/// off, a byte of another encoding pasted in), which become U+FFFD while the rest of the
/// document keeps its letters. `None` when it is plainly not UTF-8: invalid and without a
/// single valid multi-byte sequence, as text in a single-byte legacy encoding (windows-1252,
/// ...) is. Read as UTF-8, such a document would lose every accented letter to U+FFFD, so the
/// caller decodes it with the encoding it declares or guesses instead.
pub fn decode_if_utf8(body: &[u8]) -> Option<String> {
    if let Ok(text) = std::str::from_utf8(body) {
        return Some(text.to_owned());
    }
    has_utf8_multibyte(body).then(|| UTF_8.decode_without_bom_handling(body).0.into_owned())
}

/// True when `body` holds at least one valid multi-byte UTF-8 sequence.
fn has_utf8_multibyte(body: &[u8]) -> bool {
    body.utf8_chunks().any(|chunk| !chunk.valid().is_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule, one row per kind of document; a fix adds a row naming its issue.
    #[test]
    fn utf8_with_stray_bytes_stays_utf8_and_legacy_text_does_not() {
        let rows: &[(&str, &[u8], Option<&str>)] = &[
            (
                "valid UTF-8",
                "Zürich – Genève".as_bytes(),
                Some("Zürich – Genève"),
            ),
            ("ASCII", b"plain", Some("plain")),
            (
                "issue 13: UTF-8 with one stray byte stays UTF-8",
                b"Z\xc3\xbcrich \xff Gen\xc3\xa8ve",
                Some("Zürich \u{FFFD} Genève"),
            ),
            (
                "issue 13: a cut-off character at the end stays UTF-8",
                b"Gen\xc3\xa8ve \xe2\x80",
                Some("Genève \u{FFFD}"),
            ),
            (
                "issue 8: windows-1252 is plainly not UTF-8",
                b"Caf\xe9 cr\xe8me",
                None,
            ),
            (
                "stray bytes alone are not UTF-8 either",
                b"Broken \xff\xfe bytes",
                None,
            ),
        ];
        for (why, body, expected) in rows {
            assert_eq!(decode_if_utf8(body).as_deref(), *expected, "{why}");
        }
    }
}
