//! Nesting cap: html5ever's tree builder and the readability scorer slow down sharply on
//! hostile nesting (20,000 nested `<div>`s took a minute), so tags opened beyond
//! [`MAX_DEPTH`] levels are dropped before parsing; their text stays.

use std::borrow::Cow;

/// Deepest element nesting handed to the parser; real pages stay well below 100 levels.
pub(super) const MAX_DEPTH: usize = 256;

/// Elements without an end tag, which do not nest.
#[rustfmt::skip]
const VOID_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "param", "keygen",
];

/// Elements whose end tag is optional (the parser closes them implicitly), so counting them
/// would overstate the depth of ordinary pages; they are never dropped.
#[rustfmt::skip]
const OPTIONAL_END_TAGS: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot",
    "colgroup", "rt", "rp", "html", "head", "body",
];

/// Elements whose content is raw text, where `<` does not open a tag.
const RAW_TEXT_TAGS: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript"];

/// `html` with start and end tags beyond [`MAX_DEPTH`] removed (an approximate count of open
/// tags, enough for a cap); borrowed unchanged when the page stays within it.
pub(super) fn cap_depth(html: &str) -> Cow<'_, str> {
    if tags(html).all(|tag| tag.depth <= MAX_DEPTH) {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    for tag in tags(html).filter(|tag| tag.depth > MAX_DEPTH) {
        out.push_str(&html[copied..tag.start]);
        copied = tag.end;
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

/// One start or end tag and the nesting depth it opens or closes.
struct Tag {
    /// Byte offset of `<`.
    start: usize,
    /// Byte offset after `>`.
    end: usize,
    /// Depth of the element the tag belongs to (1 = top level).
    depth: usize,
}

/// The element tags of `html` in order, with their depth.
fn tags(html: &str) -> impl Iterator<Item = Tag> + '_ {
    let bytes = html.as_bytes();
    let mut pos = 0;
    let mut depth = 0usize;
    // The raw-text element being skipped, as one of RAW_TEXT_TAGS.
    let mut raw_text: Option<&'static str> = None;
    std::iter::from_fn(move || {
        loop {
            let start = pos + memchr::memchr(b'<', &bytes[pos..])?;
            let end = memchr::memchr(b'>', &bytes[start..]).map_or(bytes.len(), |e| start + e + 1);
            pos = end;
            let closing = bytes.get(start + 1) == Some(&b'/');
            let name_start = start + 1 + usize::from(closing);
            let name_len = bytes[name_start..end]
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(end - name_start);
            if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
                continue;
            }
            // Compared without case and without a lower-cased copy: this runs for every tag.
            let name = &html[name_start..name_start + name_len];
            let is = |list: &[&'static str]| {
                list.iter()
                    .copied()
                    .find(|known| known.eq_ignore_ascii_case(name))
            };
            if let Some(raw) = raw_text {
                if !(closing && raw.eq_ignore_ascii_case(name)) {
                    continue;
                }
                raw_text = None;
            } else if !closing && let Some(raw) = is(RAW_TEXT_TAGS) {
                raw_text = Some(raw);
            }
            let self_closing = !closing && bytes[..end].ends_with(b"/>");
            if self_closing || is(VOID_TAGS).is_some() || is(OPTIONAL_END_TAGS).is_some() {
                continue;
            }
            if closing {
                let tag = Tag { start, end, depth };
                depth = depth.saturating_sub(1);
                return Some(tag);
            }
            depth += 1;
            return Some(Tag { start, end, depth });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ordinary pages are handed on untouched, without a copy.
    #[test]
    fn shallow_pages_are_borrowed() {
        let html = "<html><body><div><p>Text<br>mehr</p><img src=x></div></body></html>";
        assert!(matches!(cap_depth(html), Cow::Borrowed(_)));
    }

    /// Tags beyond the cap go, their text stays.
    #[test]
    fn tags_beyond_the_cap_are_dropped_and_text_kept() {
        let deep = MAX_DEPTH + 50;
        let html = format!("{}tief{}", "<div>".repeat(deep), "</div>".repeat(deep));
        let capped = cap_depth(&html);
        assert_eq!(capped.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(capped.matches("</div>").count(), MAX_DEPTH);
        assert!(capped.contains("tief"));
    }
}
