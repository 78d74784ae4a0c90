//! Cuts overlong text runs out of a document before feed-rs sees it (issue 8). feed-rs and
//! quick-xml copy a text node two or three times while building its string, so a huge
//! description costs several times its size in memory; [`super::MAX_TEXT_BYTES`] would cut the
//! field afterwards anyway.

use std::borrow::Cow;

/// A run of text (from a `>` to the next `<`) longer than this is cut to this length. Twice
/// [`super::MAX_TEXT_BYTES`], so the field still reaches its own cap after entities are decoded.
pub(super) const MAX_RUN_BYTES: usize = 2 * super::MAX_TEXT_BYTES;

/// `body` with every text run longer than [`MAX_RUN_BYTES`] cut to that length (at a UTF-8
/// character boundary, never inside an entity reference, keeping the `]]>` of a CDATA section
/// the run ends); borrowed unchanged when no run is that
/// long, which is every real feed. UTF-16/32 documents, where `<` and `>` are not single bytes,
/// and JSON are left alone.
pub(super) fn cut_long_text_runs(body: &[u8]) -> Cow<'_, [u8]> {
    if body.len() <= MAX_RUN_BYTES || super::is_wide(body) || is_json(body) {
        return Cow::Borrowed(body);
    }
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some(gt) = memchr::memchr(b'>', &body[pos..]) {
        let start = pos + gt + 1;
        let end = memchr::memchr(b'<', &body[start..]).map_or(body.len(), |lt| start + lt);
        if end - start > MAX_RUN_BYTES {
            let keep = start + safe_cut(&body[start..], MAX_RUN_BYTES);
            let cut = out.get_or_insert_with(|| Vec::with_capacity(body.len().min(4 << 20)));
            cut.extend_from_slice(&body[copied..keep]);
            // A run that ends a CDATA section holds its `]]>`, which must survive the cut.
            copied = memchr::memmem::find(&body[keep..end], b"]]>").map_or(end, |at| keep + at);
        }
        pos = end;
    }
    match out {
        Some(mut cut) => {
            cut.extend_from_slice(&body[copied..]);
            Cow::Owned(cut)
        }
        None => Cow::Borrowed(body),
    }
}

/// How many bytes of `run` to keep, at most `max`: not inside a UTF-8 character, not inside an
/// entity reference (`&amp;` cut to `&am` would make the document malformed).
fn safe_cut(run: &[u8], max: usize) -> usize {
    let mut keep = max;
    while keep > 0 && run.get(keep).is_some_and(|b| b & 0xC0 == 0x80) {
        keep -= 1;
    }
    if let Some(amp) = memchr::memrchr(b'&', &run[..keep])
        && !run[amp..keep].contains(&b';')
    {
        keep = amp;
    }
    keep
}

/// True for a JSON document (a JSON Feed), which has no markup to cut.
pub(super) fn is_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{' || b == b'[')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real documents come back borrowed, untouched.
    #[test]
    fn documents_without_long_runs_are_borrowed() {
        let doc =
            "<rss><channel><item><title>a &amp; b</title></item></channel></rss>".repeat(40_000);
        assert!(doc.len() > MAX_RUN_BYTES);
        assert!(matches!(
            cut_long_text_runs(doc.as_bytes()),
            Cow::Borrowed(_)
        ));
    }

    /// A run over the limit is cut to it; what follows the run is kept.
    #[test]
    fn long_run_is_cut_and_the_rest_kept() {
        let doc = format!("<d>{}</d><t>after</t>", "ab".repeat(MAX_RUN_BYTES));
        let cut = cut_long_text_runs(doc.as_bytes());
        let cut = std::str::from_utf8(&cut).unwrap();
        assert_eq!(cut.len(), MAX_RUN_BYTES + "<d></d><t>after</t>".len());
        assert!(cut.ends_with("ab</d><t>after</t>"));
    }

    /// A long run inside CDATA keeps the section's end.
    #[test]
    fn cdata_end_survives_the_cut() {
        let doc = format!("<d><![CDATA[<p>{}]]></d>", "ab".repeat(MAX_RUN_BYTES));
        let cut = cut_long_text_runs(doc.as_bytes());
        assert!(cut.ends_with(b"ab]]></d>"));
        assert_eq!(cut.len(), "<d><![CDATA[<p>]]></d>".len() + MAX_RUN_BYTES);
    }

    /// The cut never splits a character or an entity reference.
    #[test]
    fn cut_respects_characters_and_entities() {
        assert_eq!(safe_cut("aé".as_bytes(), 2), 1);
        assert_eq!(safe_cut(b"xx&amp;yy", 5), 2);
        assert_eq!(safe_cut(b"x&amp;yy", 7), 7);
    }

    /// JSON is left to serde, whatever its size.
    #[test]
    fn json_is_left_alone() {
        let doc = format!("{{\"x\": \">{}<\"}}", "a".repeat(MAX_RUN_BYTES + 10));
        assert!(matches!(
            cut_long_text_runs(doc.as_bytes()),
            Cow::Borrowed(_)
        ));
    }
}
