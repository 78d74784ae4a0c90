//! Turns feed-rs text and content fields into what entries carry: plain text with entities
//! decoded, tags stripped and whitespace collapsed, or the article HTML.

use super::normalise::tag_name;

/// The HTML of an entry's content: HTML/XHTML as is, plain text escaped; other media (images,
/// base64) are not article HTML.
pub(super) fn content_html(content: &feed_rs::model::Content) -> Option<String> {
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
pub(super) fn text_to_plain(text: &feed_rs::model::Text) -> Option<String> {
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
pub(super) fn clean_plain(text: &str) -> Option<String> {
    let decoded = html_escape::decode_html_entities(text);
    let collapsed = decoded.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Plain text of an entry's HTML content: tags stripped, entities decoded, whitespace collapsed.
pub(super) fn html_to_plain(html: &str) -> Option<String> {
    clean_plain(&strip_tags(html))
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
    use crate::parse::tests::{parse_ok, rss};

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
