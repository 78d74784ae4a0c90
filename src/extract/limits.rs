//! Bounds on the work one page may cost. Pages come from the network: a hostile or broken one
//! may be huge or nest elements a hundred thousand levels deep, and html5ever's tree building
//! slows down sharply with depth. So before parsing, the HTML is cut at [`MAX_HTML_BYTES`] and
//! at the first tag that would open element number [`MAX_DEPTH`] on the stack. Real articles stay
//! far below both (pages of 40-150 KB, nesting under 100), so they are never cut.

use std::borrow::Cow;

/// Longer HTML is cut here (at a character boundary); above the fetcher's default body cap.
pub(super) const MAX_HTML_BYTES: usize = 8 * 1024 * 1024;

/// The HTML is cut before the tag that would nest deeper than this.
pub(super) const MAX_DEPTH: usize = 1000;

/// Elements that never nest (void) or whose end tag may be left out and is implied by the next
/// sibling (`<p>`, `<li>`, table cells): counting them would see depth where there is none.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rt", "rp", "thead",
    "tbody", "tfoot", "colgroup", "caption", "param", "keygen", "html", "head", "body",
];

/// Elements whose content is raw text: tags inside them are not tags.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript"];

/// The part of `html` that is parsed: all of it for any real page.
pub(super) fn bounded(html: &str) -> Cow<'_, str> {
    let sized = &html[..floor_char_boundary(html, MAX_HTML_BYTES)];
    let cut = depth_cut(sized).unwrap_or(sized.len());
    if cut == html.len() {
        Cow::Borrowed(html)
    } else {
        Cow::Owned(html[..cut].to_owned())
    }
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// Byte offset of the first tag that would open element number `MAX_DEPTH + 1`, if any. An
/// approximation of the tree builder's stack in one linear scan: comments and raw-text elements
/// are skipped, end tags pop one level.
fn depth_cut(html: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            at = rest.find("-->").map_or(bytes.len(), |end| start + end + 3);
            continue;
        }
        let closing = rest.as_bytes().get(1) == Some(&b'/');
        let name = tag_name(&rest[1 + usize::from(closing)..]);
        if name.is_empty() {
            at = start + 1;
            continue;
        }
        let end = rest.find('>').map_or(bytes.len(), |e| start + e + 1);
        if closing {
            if !is_one_of(name, NOT_NESTING) {
                depth = depth.saturating_sub(1);
            }
            at = end;
            continue;
        }
        if is_one_of(name, RAW_TEXT) {
            at = skip_raw_text(html, end, name);
            continue;
        }
        let self_closing = html[start..end].ends_with("/>");
        if !self_closing && !is_one_of(name, NOT_NESTING) {
            depth += 1;
            if depth > MAX_DEPTH {
                return Some(start);
            }
        }
        at = end;
    }
    None
}

/// The ASCII tag name at the start of `text` (letters, digits, `-`), or "" when it is no tag.
fn tag_name(text: &str) -> &str {
    let starts_with_letter = text.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
    if !starts_with_letter {
        return "";
    }
    let len = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or(text.len());
    &text[..len]
}

fn is_one_of(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Offset just after the end tag of a raw-text element opened before `from`.
fn skip_raw_text(html: &str, from: usize, name: &str) -> usize {
    let closing = format!("</{}", name.to_ascii_lowercase());
    let rest = &html[from.min(html.len())..];
    let lower_end = rest
        .as_bytes()
        .windows(closing.len())
        .position(|w| w.eq_ignore_ascii_case(closing.as_bytes()));
    lower_end.map_or(html.len(), |i| from + i + closing.len())
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A normal page, with unclosed paragraphs and list items, is not cut.
    #[test]
    fn real_pages_are_left_alone() {
        let page = format!(
            "<html><head><script>if (a<b) {{ x = '<div>'; }}</script></head><body><div><article>{}</article></div></body></html>",
            "<p>Text<ul><li>one<li>two</ul><img src=x><br>".repeat(2000)
        );
        assert!(matches!(bounded(&page), Cow::Borrowed(_)));
    }

    /// Deep nesting is cut before the first element beyond the limit.
    #[test]
    fn deep_nesting_is_cut() {
        let page = "<div>".repeat(100_000);
        let kept = bounded(&page);
        assert_eq!(kept.len(), MAX_DEPTH * "<div>".len());
    }

    /// Closing tags pop levels, so long flat pages are never cut.
    #[test]
    fn closed_elements_do_not_add_depth() {
        let page = "<div><span>x</span></div>".repeat(50_000);
        assert!(matches!(bounded(&page), Cow::Borrowed(_)));
    }

    /// Oversized input is cut at a character boundary.
    #[test]
    fn huge_input_is_cut_at_a_char_boundary() {
        let page = "ä".repeat(MAX_HTML_BYTES);
        let kept = bounded(&page);
        assert!(kept.len() <= MAX_HTML_BYTES && kept.len() >= MAX_HTML_BYTES - 1);
    }
}
