//! Pre-cleaning: removes page furniture from the parsed page before the readability scorer sees
//! it, so share bars, teasers, "read also" boxes, captions, forms and hidden elements neither win
//! the scoring nor ride along as siblings of the article body.

use dom_query::{Document, NodeRef};

/// Elements that never hold article text.
#[rustfmt::skip]
const NOISE_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "footer", "aside", "form", "figcaption",
    "button", "select", "textarea", "input", "iframe", "object", "embed", "svg", "canvas",
    "video", "audio", "dialog", "menu", "label",
];

/// Parts of class/id names (split at `-`, `_` and case changes) that mark furniture.
#[rustfmt::skip]
const NOISE_HINTS: &[&str] = &[
    "share", "sharing", "social", "related", "teaser", "teasers", "comment", "comments",
    "newsletter", "subscribe", "subscription", "paywall", "promo", "advert", "ad", "ads",
    "sponsor", "sponsored", "cookie", "cookies", "consent", "popup", "modal", "breadcrumb",
    "breadcrumbs", "caption", "credit", "credits", "copyright", "tags", "tag", "byline",
    "author", "bio", "recommended", "recommendations", "readmore", "weiterlesen", "more",
    "sidebar", "widget", "toolbar", "pagination", "pager", "nav", "menu", "footer", "banner",
    "print", "rating", "meta", "disclaimer", "infobox", "signup", "donate", "outbrain", "taboola",
];

/// Elements never removed for their name: sites mark lead paragraphs `teaser` and subheadings
/// with navigation ids.
const KEPT_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "table",
];

/// Parts of class/id names that mark the article itself; they protect an element from removal.
#[rustfmt::skip]
const CONTENT_HINTS: &[&str] = &[
    "article", "content", "story", "entry", "post", "body", "text", "main", "blog",
];

/// An element holding more than this share of the page's text is never removed by a name hint:
/// sites put words like `has-comments` on the wrapper of everything.
const MAX_PRUNED_TEXT_SHARE: f64 = 0.4;

/// Elements named as furniture with more text than this (bytes) are only removed when they are
/// mostly links: long prose under a misleading name (`tag-politics`) is left to the scorer.
const MAX_PRUNED_TEXT: usize = 1500;

/// Removes hidden elements, noise tags and elements whose class/id name them as furniture.
///
/// One walk in document order that does not descend into an element it removes: its
/// descendants go with it, so judging them (and measuring their text) would be wasted work.
pub(super) fn prune(document: &Document) {
    let total_text = document.body().map_or(0, |body| text_len(&body)).max(1);
    let mut doomed = Vec::new();
    let mut stack: Vec<NodeRef<'_>> = document.root().children_it(true).collect();
    while let Some(node) = stack.pop() {
        if node.is_element() && is_furniture(&node, total_text) {
            doomed.push(node);
        } else {
            stack.extend(node.children_it(true));
        }
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// True when `node` (an element) is hidden, a noise tag or named as furniture, and does not
/// hold so much of the page's `total_text` that it must be the page itself.
fn is_furniture(node: &NodeRef<'_>, total_text: usize) -> bool {
    let name = node.node_name().unwrap_or_default();
    if KEPT_TAGS.contains(&&*name) {
        return is_hidden(node) || is_page_label(node);
    }
    if is_hidden(node) {
        return true;
    }
    let most_of_page = |len: usize| len as f64 >= MAX_PRUNED_TEXT_SHARE * total_text as f64;
    if NOISE_TAGS.contains(&&*name) {
        // ASP.NET wraps the whole page in one <form>, and an unclosed element inside
        // <noscript> drags the rest of the page into it: such an element is the page.
        return !most_of_page(text_len(node));
    }
    if names_hint_noise(node) {
        let len = text_len(node);
        return !most_of_page(len) && (len < MAX_PRUNED_TEXT || link_density(node, len) > 0.5);
    }
    false
}

/// Parts of class/id names that mark a short paragraph as a label around the article rather than
/// its text: bylines, datelines, kickers above the headline, photo credits.
const LABEL_HINTS: &[&str] = &[
    "byline", "dateline", "kicker", "credit", "label", "overline",
];

/// Paragraphs and headings are only removed by name when they are short labels.
const MAX_LABEL_BYTES: usize = 200;

/// A short paragraph or heading whose class/id names it a byline, dateline, kicker or credit.
fn is_page_label(node: &NodeRef<'_>) -> bool {
    let names = [node.attr("class"), node.attr("id")];
    let labelled = names
        .iter()
        .flatten()
        .flat_map(|value| value.split(|c: char| c.is_whitespace() || c == '-' || c == '_'))
        .any(|part| LABEL_HINTS.contains(&part.to_ascii_lowercase().as_str()));
    labelled && text_len(node) <= MAX_LABEL_BYTES
}

/// Share of an element's text that sits inside links.
fn link_density(node: &NodeRef<'_>, len: usize) -> f64 {
    let linked: usize = node
        .descendants_it()
        .filter(|n| n.node_name().is_some_and(|name| &*name == "a"))
        .map(|a| text_len(&a))
        .sum();
    linked as f64 / len.max(1) as f64
}

/// Length in bytes of an element's text, summed over its text nodes without building the text.
fn text_len(node: &NodeRef<'_>) -> usize {
    node.descendants_it()
        .filter(NodeRef::is_text)
        .map(|text| text.text().len())
        .sum()
}

/// `hidden`, `aria-hidden="true"` or an inline `display: none` / `visibility: hidden`. A
/// streamed React segment is the exception: server rendering with Suspense (Next.js and others)
/// sends late parts of the page as `<div hidden id="S:0">` at the end of the document, and a
/// script moves them into place, so their `hidden` says when they arrived, not that a reader
/// never sees them.
fn is_hidden(node: &NodeRef<'_>) -> bool {
    let hidden_attr = node.has_attr("hidden") && !is_streamed_segment(node);
    if hidden_attr || node.attr("aria-hidden").is_some_and(|v| &*v == "true") {
        return true;
    }
    node.attr("style").is_some_and(|style| {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

/// React's id for a streamed segment: `S:` and a number.
fn is_streamed_segment(node: &NodeRef<'_>) -> bool {
    node.attr("id").is_some_and(|id| {
        id.strip_prefix("S:")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// True when a class or id part names furniture and none names content.
fn names_hint_noise(node: &NodeRef<'_>) -> bool {
    let names = [node.attr("class"), node.attr("id")];
    let mut noise = false;
    for part in names
        .iter()
        .flatten()
        .flat_map(|value| value.split(|c: char| c.is_whitespace() || c == '-' || c == '_'))
    {
        let is = |hint: &&str| hint.eq_ignore_ascii_case(part);
        if CONTENT_HINTS.iter().any(is) {
            return false;
        }
        noise |= NOISE_HINTS.iter().any(is);
    }
    noise
}

#[cfg(test)]
mod tests {
    use crate::extract::tests::run;

    /// Class words are matched whole, so "ad" in "read" or "lead" does not hide text, while a
    /// share bar and a related-articles box go.
    #[test]
    fn noise_words_match_whole_class_words_only() {
        let html = r#"<article><p class="lead">Vorspann zum Artikel.</p>
            <div class="related-articles"><a href="/x">Andere Geschichte</a></div>
            <div class="share"><a href="/f">Teilen</a></div></article>"#;
        assert_eq!(run(html).text, "Vorspann zum Artikel.");
    }

    /// A wrapper whose class names furniture (`tag-...`) but holds the long article text stays.
    #[test]
    fn long_prose_under_a_noise_name_is_kept() {
        let paragraph = "<p>Ein langer Absatz, der das eigentliche Thema des Artikels behandelt, \
                         mit vielen Wörtern und einigen Kommas, damit er als Fließtext gilt.</p>";
        let html = format!(
            r#"<body><div class="post tag-politik">{}</div><p>Fuß</p></body>"#,
            paragraph.repeat(20)
        );
        assert!(run(&html).text.starts_with("Ein langer Absatz"));
    }

    /// Hidden elements are removed whatever their tag.
    #[test]
    fn hidden_paragraphs_are_removed() {
        let html = r#"<article><p>Sichtbarer Text.</p><p style="DISPLAY: none">Weg</p>
            <p hidden>Auch weg</p></article>"#;
        assert_eq!(run(html).text, "Sichtbarer Text.");
    }

    /// A page streamed by React's server rendering sends its article late, in a hidden segment
    /// that a script moves into place: it is the text, while other hidden parts still go.
    #[test]
    fn streamed_react_segments_are_not_hidden() {
        let prose = "Der Artikel kam als gestreamtes Segment am Ende des Dokuments an. ".repeat(8);
        let html = format!(
            r#"<main><template id="B:0"></template><p hidden>Weg</p></main>
            <div hidden id="S:0"><article><h2>Teil</h2><p>{prose}</p></article></div>
            <div hidden id="S:x"><p>Auch weg</p></div>"#
        );
        let text = run(&html).text;
        assert!(text.contains("gestreamtes Segment"), "{text}");
        assert!(
            !text.contains("Weg") && !text.contains("Auch weg"),
            "{text}"
        );
    }
}
