//! The one sanitiser of untrusted text: every value from a feed or a page (titles, site names,
//! topics shown next to them, snippets, a feed's last error) goes through it before it is shown
//! in an email, so a value can add no header line, no terminal escape and no bidi trick that
//! makes it display in another order than it reads. HTML escaping comes after it, in the HTML
//! part.

/// `text` on one line: control characters, line and paragraph separators and bidi controls
/// become spaces, runs of whitespace one space, no space at either end.
pub fn one_line(text: &str) -> String {
    strip_controls(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`one_line`] cut to at most `max` characters with [`cut`]: for values shown in a line of
/// their own (a subject, a table cell), where a server's long error page must not take over.
pub fn one_line_within(text: &str, max: usize) -> String {
    cut(&one_line(text), max)
}

/// `text` with control characters and bidi controls replaced by spaces (lengths of the
/// surrounding text stay meaningful; whitespace is not collapsed): for snippets, whose marks
/// are byte ranges of the text.
pub fn strip_controls(text: &str) -> String {
    text.chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect()
}

/// `text` cut at a character boundary to at most `max` characters, ending in `…` (with no
/// space before it) when it was cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// C0/C1 controls, DEL, and the bidi marks, embeddings, overrides and isolates that can make a
/// title display in another order than it reads.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
