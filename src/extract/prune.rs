//! Pre-cleaning: removes page furniture from the parsed page before the readability scorer sees
//! it, so share bars, teasers, "read also" boxes, captions, forms and hidden elements neither win
//! the scoring nor ride along as siblings of the article body.

use dom_query::{Document, NodeData, NodeRef};
use tendril::StrTendril;

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
    let names = Names::of(node);
    let most_of_page = |len: usize| len as f64 >= MAX_PRUNED_TEXT_SHARE * total_text as f64;
    if KEPT_TAGS.contains(&&*name) {
        return is_hidden(node, &names)
            || has_hiding_class(&names)
            || is_page_label(node, &names)
            || is_caption(node, &names);
    }
    if is_hidden(node, &names) {
        return true;
    }
    if names.is_empty() {
        return NOISE_TAGS.contains(&&*name) && !most_of_page(text_len(node));
    }
    if has_hiding_class(&names) {
        // A page that shows its content by script after loading hides all of it by class.
        return !most_of_page(text_len(node));
    }
    if is_caption(node, &names) {
        return true;
    }
    if names_a_side_container(&names) {
        // Not by size: a comment thread can be longer than the article it follows.
        return !holds_headline(node);
    }
    if NOISE_TAGS.contains(&&*name) {
        // ASP.NET wraps the whole page in one <form>, and an unclosed element inside
        // <noscript> drags the rest of the page into it: such an element is the page.
        return !most_of_page(text_len(node));
    }
    if names_hint_noise(&names) {
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
fn is_page_label(node: &NodeRef<'_>, names: &Names) -> bool {
    let labelled = names.tokens().flat_map(token_parts).any(|part| {
        LABEL_HINTS
            .iter()
            .any(|hint| hint.eq_ignore_ascii_case(part))
    });
    labelled && text_len(node) <= MAX_LABEL_BYTES
}

/// A caption or photo credit longer than this (bytes) is not one: a wrapper named after its
/// caption (`has-caption`) holds more.
const MAX_CAPTION_BYTES: usize = 400;

/// A short element whose class or id contains `caption` or `credit` (`wp-caption-text`,
/// `imageCaption`, `photocredit`): captions outside `<figure>` describe a picture, not the story.
fn is_caption(node: &NodeRef<'_>, names: &Names) -> bool {
    let named = names.tokens().any(|token| {
        contains_ignore_ascii_case(token, "caption") || contains_ignore_ascii_case(token, "credit")
    });
    named && text_len(node) <= MAX_CAPTION_BYTES
}

/// Share of an element's text that sits inside links.
fn link_density(node: &NodeRef<'_>, len: usize) -> f64 {
    let linked: usize = node
        .descendants_it()
        .filter(|n| n.has_name("a"))
        .map(|a| text_len(&a))
        .sum();
    linked as f64 / len.max(1) as f64
}

/// Length in bytes of an element's text, summed over its text nodes without building the text.
fn text_len(node: &NodeRef<'_>) -> usize {
    node.descendants_it()
        .map(|n| {
            n.query(|n| match &n.data {
                NodeData::Text { contents } => contents.len(),
                _ => 0,
            })
            .unwrap_or(0)
        })
        .sum()
}

/// `hidden`, `aria-hidden="true"` or an inline `display: none` / `visibility: hidden`. A
/// streamed React segment is the exception: server rendering with Suspense (Next.js and others)
/// sends late parts of the page as `<div hidden id="S:0">` at the end of the document, and a
/// script moves them into place, so their `hidden` says when they arrived, not that a reader
/// never sees them.
fn is_hidden(node: &NodeRef<'_>, names: &Names) -> bool {
    let hidden_attr = node.has_attr("hidden") && !is_streamed_segment(names);
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

/// Class names that hide an element from every reader but screen readers. Whole names only:
/// compound names around `hidden` describe something else (`field-label-hidden` hides a
/// field's label, not the field; `footer-top-hidden` on `<body>` says the footer is hidden;
/// `hidden-xs` hides on small screens only).
#[rustfmt::skip]
const HIDING_CLASSES: &[&str] = &[
    "hidden", "hide", "is-hidden", "u-hidden", "visually-hidden", "visuallyhidden", "sr-only",
    "screen-reader-text", "element-hidden", "element-invisible", "d-none", "invisible",
];

/// True when a class of the element hides it.
fn has_hiding_class(names: &Names) -> bool {
    names.class.as_ref().is_some_and(|class| {
        class
            .split_whitespace()
            .any(|name| HIDING_CLASSES.iter().any(|c| c.eq_ignore_ascii_case(name)))
    })
}

/// React's id for a streamed segment: `S:` and a number.
fn is_streamed_segment(names: &Names) -> bool {
    names.id.as_ref().is_some_and(|id| {
        id.strip_prefix("S:")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Last words of a class or id that name a container beside the article: comment threads,
/// reviews, an author's bio, a sidebar. Such a container goes whatever its size, because a long
/// comment thread is exactly what wins the scoring or rides along as a sibling. Plural names
/// only: a single `comment` or `discussion` may be the forum post that is the page.
#[rustfmt::skip]
const SIDE_CONTAINER_WORDS: &[&str] = &[
    "comments", "commentlist", "disqus", "respond", "replies", "reviews", "bio", "biography",
    "sidebar",
];

/// Words before a side container's name that make the token describe a layout or a state
/// (`has-sidebar`, `with-nav-sidebar`, `is-showingReadNextSidebar`), not name the element.
/// `sticky`: the widespread sticky-sidebar scripts wrap the content column in
/// `theiaStickySidebar` as well as the sidebar.
const LAYOUT_MODIFIERS: &[&str] = &["has", "with", "without", "no", "is", "showing", "sticky"];

/// True when a class or id names the element a side container by its last word, and no other
/// token names it content: the last word of a compound name says what the element is
/// (`post-comments` is comments, `comment-body`, the body of an entry, is not), while a theme
/// that puts `theme-sidebar` on its `content-area` as well as on its aside marks the layout.
fn names_a_side_container(names: &Names) -> bool {
    let mut side = false;
    let mut content = false;
    names.tokens().for_each(|token| {
        if is_side_container_name(token) {
            side = true;
        } else {
            content |= token_parts(token).any(|part| {
                CONTENT_HINTS
                    .iter()
                    .any(|hint| hint.eq_ignore_ascii_case(part))
            });
        }
    });
    side && !content
}

/// True when the token's last word is a side container's name not preceded by a layout
/// modifier.
fn is_side_container_name(token: &str) -> bool {
    let (before, word) = split_last_word(token);
    let named = SIDE_CONTAINER_WORDS
        .iter()
        .any(|hint| hint.eq_ignore_ascii_case(word));
    named
        && !words(before).any(|before| {
            LAYOUT_MODIFIERS
                .iter()
                .any(|m| m.eq_ignore_ascii_case(before))
        })
}

/// The parts of a class or id token, split at `-` and `_`.
fn token_parts(token: &str) -> impl Iterator<Item = &str> {
    token.split(['-', '_']).filter(|part| !part.is_empty())
}

/// True when `node` holds an `<h1>`: a container holding the headline is the article's, however
/// it is named.
fn holds_headline(node: &NodeRef<'_>) -> bool {
    node.descendants_it().any(|n| n.has_name("h1"))
}

/// An element's class and id, read once per element: every name rule reads them.
struct Names {
    class: Option<StrTendril>,
    id: Option<StrTendril>,
}

impl Names {
    /// The element's class and id attributes.
    fn of(node: &NodeRef<'_>) -> Self {
        Self {
            class: node.attr("class"),
            id: node.attr("id"),
        }
    }

    /// True when the element has neither (most elements): no name rule applies.
    fn is_empty(&self) -> bool {
        self.class.as_ref().is_none_or(|c| c.trim().is_empty())
            && self.id.as_ref().is_none_or(|i| i.trim().is_empty())
    }

    /// The whitespace-separated tokens of the class and the id.
    fn tokens(&self) -> impl Iterator<Item = &str> {
        [self.class.as_deref(), self.id.as_deref()]
            .into_iter()
            .flatten()
            .flat_map(str::split_whitespace)
    }
}

/// True when `haystack` contains `needle` (lower-case ASCII), ignoring ASCII case.
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The words of a compound class or id token, split at `-`, `_` and camelCase.
fn words(token: &str) -> impl Iterator<Item = &str> {
    token_parts(token).flat_map(|part| {
        let bytes = part.as_bytes();
        let mut starts: Vec<usize> = (1..bytes.len())
            .filter(|&i| bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase())
            .collect();
        starts.insert(0, 0);
        starts.push(part.len());
        (0..starts.len() - 1)
            .map(move |i| &part[starts[i]..starts[i + 1]])
            .collect::<Vec<_>>()
    })
}

/// A compound class or id token split before its last word, where a name says what the
/// element is (`post-comments`, `post_comments`, `postComments`: `comments`); trailing
/// separators are dropped.
fn split_last_word(token: &str) -> (&str, &str) {
    let token = token.trim_end_matches(['-', '_']);
    let after_separator = token.rfind(['-', '_']).map_or(0, |at| at + 1);
    // camelCase: the last upper-case letter that follows a lower-case one starts the word.
    let bytes = token.as_bytes();
    let camel = (after_separator + 1..bytes.len())
        .rev()
        .find(|&i| bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase());
    token.split_at(camel.unwrap_or(after_separator))
}

/// True when a class or id part names furniture and none names content.
fn names_hint_noise(names: &Names) -> bool {
    let mut noise = false;
    for part in names.tokens().flat_map(token_parts) {
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

    /// A comment thread goes whatever its length (the last word of `post-comments` names it),
    /// while a `comment-body` inside the article and a layout's `has-sidebar` wrapper stay.
    #[test]
    fn side_containers_go_whatever_their_size_by_their_last_word() {
        let prose = "Der Stadtrat hat nach langer Debatte den neuen Haushalt beschlossen, sagte die \
                     Sprecherin am Abend vor der Presse im Rathaus. ";
        let comment = "Ich finde diese Entscheidung völlig falsch und werde das nächste Mal \
                       anders wählen, schreibt ein Leser in seinem langen Kommentar. ";
        let html = format!(
            r#"<body><div class="layout has-sidebar"><article><h1>Haushalt</h1>
            <p>{}</p><div class="comment-body"><p>Zitat im Artikel: {}</p></div></article>
            <section class="post-comments"><p>{}</p></section>
            <div id="authorBio"><p>{}</p></div></div></body>"#,
            prose.repeat(6),
            prose,
            comment.repeat(30),
            comment.repeat(4)
        );
        let document = dom_query::Document::from(html.as_str());
        super::prune(&document);
        let kept = document.select("body").text();
        assert!(
            kept.contains("Der Stadtrat") && kept.contains("Zitat im Artikel"),
            "{kept}"
        );
        assert!(!kept.contains("Leser"), "{kept}");
    }

    /// Classes that hide an element remove it; compound names around `hidden` do not, and a
    /// page whose content is hidden until a script shows it keeps it.
    #[test]
    fn hiding_classes_hide_unless_they_hide_the_whole_page() {
        let prose = "Die Regierung hat am Montag ein neues Gesetz zur Wohnungsförderung \
                     vorgestellt, das im Herbst in Kraft treten soll. ";
        let html = format!(
            r#"<article><p>{}</p><p class="sr-only">Artikelinhalt</p>
            <div class="paywall-box hidden"><p>Unlimited digital access.</p></div>
            <div class="field field-label-hidden"><p>Das Feld bleibt sichtbar.</p></div></article>"#,
            prose.repeat(5)
        );
        let text = run(&html).text;
        assert!(text.contains("Das Feld bleibt sichtbar."), "{text}");
        assert!(
            !text.contains("Artikelinhalt") && !text.contains("Unlimited"),
            "{text}"
        );
        let revealed = format!(
            r#"<body><div class="root hide"><p>{}</p></div></body>"#,
            prose.repeat(5)
        );
        assert!(run(&revealed).text.starts_with("Die Regierung"));
    }
}
