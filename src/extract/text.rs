//! Main text: which element holds the article, which elements are page furniture, and how the
//! kept elements become blank-line-separated blocks of normalised text.

use std::sync::LazyLock;

use scraper::node::Element;
use scraper::{ElementRef, Html, Node, Selector};

use super::selector;

/// Loose text (not inside a paragraph, heading, list item or quote) shorter than this is taken for
/// furniture such as bylines, dates and button labels; longer runs are paragraphs without `<p>`.
const MIN_LOOSE_BLOCK_CHARS: usize = 80;

static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));

// ---------------------------------------------------------------------------------------------
// Tree walking
// ---------------------------------------------------------------------------------------------

/// One step of a document-order walk.
enum Visit<'a> {
    /// Entering an element; the visitor answers whether to walk its children.
    Open(ElementRef<'a>),
    /// A text node.
    Text(&'a str),
    /// Leaving an element whose children were walked.
    Close(ElementRef<'a>),
}

/// Walks `root` in document order without recursion, so deep nesting cannot overflow the stack.
fn walk<'a>(root: ElementRef<'a>, mut visit: impl FnMut(Visit<'a>) -> bool) {
    let root_node = *root;
    let mut node = root_node;
    loop {
        let descend = match node.value() {
            Node::Element(_) => ElementRef::wrap(node).is_some_and(|el| visit(Visit::Open(el))),
            Node::Text(text) => {
                visit(Visit::Text(text));
                false
            }
            _ => false,
        };
        if descend {
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            if let Some(el) = ElementRef::wrap(node) {
                visit(Visit::Close(el));
            }
        }
        loop {
            if node == root_node {
                return;
            }
            if let Some(sibling) = node.next_sibling() {
                node = sibling;
                break;
            }
            let Some(parent) = node.parent() else { return };
            node = parent;
            if let Some(el) = ElementRef::wrap(node) {
                visit(Visit::Close(el));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Furniture and content hints
// ---------------------------------------------------------------------------------------------

/// Elements that never hold article text.
#[rustfmt::skip]
const NOISE_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "figcaption", "button", "select", "textarea", "input", "iframe", "object", "embed", "svg",
    "canvas", "video", "audio", "dialog", "menu",
];

/// Class/id words (split at `-`, `_`, blanks) naming page furniture.
#[rustfmt::skip]
const NOISE_WORDS: &[&str] = &[
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "footer", "teaser",
    "teasers", "related", "share", "shares", "sharing", "sharebar", "social", "comment",
    "comments", "newsletter", "cookie", "cookies", "consent", "gdpr", "ad", "ads", "advert",
    "adverts", "advertisement", "adslot", "anzeige", "werbung", "sponsored", "promo", "sidebar",
    "popup", "modal", "subscribe", "paywall", "recommended", "recommendations", "outbrain",
    "taboola", "skiplink",
];

/// Class/id word beginnings naming page furniture written as one word (`sharebuttons`).
#[rustfmt::skip]
const NOISE_PREFIXES: &[&str] = &[
    "share", "social", "cookie", "newsletter", "related", "teaser", "comment", "breadcrumb",
    "advert", "sidebar", "footer", "navig",
];

/// ARIA roles of furniture landmarks.
#[rustfmt::skip]
const NOISE_ROLES: &[&str] = &[
    "navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search",
    "menu", "menubar",
];

/// Class/id fragments naming the element that holds the article.
#[rustfmt::skip]
const CONTENT_HINTS: &[&str] = &[
    "article", "content", "story", "entry", "post-body", "postbody", "artikel",
];

/// True when `el` is page furniture or hidden, so it and everything inside are skipped.
fn is_noise(el: &Element) -> bool {
    let name = el.name();
    if matches!(name, "html" | "body" | "main") {
        return false;
    }
    NOISE_TAGS.contains(&name)
        || el.attr("hidden").is_some()
        || el
            .attr("aria-hidden")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || el.attr("style").is_some_and(is_display_none)
        || el
            .attr("role")
            .is_some_and(|role| NOISE_ROLES.contains(&role.trim().to_ascii_lowercase().as_str()))
        || class_and_id(el).is_some_and(|names| names_hint_noise(&names))
}

/// True for an inline style that hides the element.
fn is_display_none(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

/// The lower-cased class and id of `el`, or None when it has neither.
fn class_and_id(el: &Element) -> Option<String> {
    match (el.attr("class"), el.attr("id")) {
        (None, None) => None,
        (class, id) => Some(format!("{} {}", class.unwrap_or(""), id.unwrap_or("")).to_lowercase()),
    }
}

/// True when a class/id word names furniture.
fn names_hint_noise(names: &str) -> bool {
    names
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .any(|word| {
            NOISE_WORDS.contains(&word) || NOISE_PREFIXES.iter().any(|p| word.starts_with(p))
        })
}

/// True when `el` may be the article container. `<body>` is the fallback, never a candidate, even
/// when its class says "article-page".
fn is_content_candidate(el: &Element) -> bool {
    if matches!(el.name(), "html" | "body") {
        return false;
    }
    el.name() == "article"
        || el
            .attr("itemprop")
            .is_some_and(|v| v.split_whitespace().any(|p| p == "articleBody"))
        || class_and_id(el).is_some_and(|names| CONTENT_HINTS.iter().any(|h| names.contains(h)))
}

// ---------------------------------------------------------------------------------------------
// Main content
// ---------------------------------------------------------------------------------------------

/// An element open during the scoring walk.
struct OpenElement<'a> {
    /// The element, kept when it is a candidate.
    element: ElementRef<'a>,
    /// Whether it may be the article container.
    candidate: bool,
    /// Bytes of paragraph text seen inside it so far (furniture excluded).
    paragraph_bytes: usize,
    /// Document-order position, so ties go to the outer element.
    order: usize,
}

/// Picks the candidate with the most paragraph text (ties to the outermost), else `<body>`.
pub(super) fn main_content_root(document: &Html) -> ElementRef<'_> {
    let fallback = document
        .select(&BODY)
        .next()
        .unwrap_or_else(|| document.root_element());
    let mut open: Vec<OpenElement<'_>> = Vec::new();
    let mut best: Option<(usize, usize, ElementRef<'_>)> = None;
    let mut paragraph_depth = 0usize;
    let mut order = 0usize;
    walk(document.root_element(), |visit| match visit {
        Visit::Open(el) => {
            if is_noise(el.value()) {
                return false;
            }
            paragraph_depth += usize::from(el.value().name() == "p");
            order += 1;
            open.push(OpenElement {
                element: el,
                candidate: is_content_candidate(el.value()),
                paragraph_bytes: 0,
                order,
            });
            true
        }
        Visit::Text(text) => {
            if paragraph_depth > 0 {
                if let Some(top) = open.last_mut() {
                    top.paragraph_bytes += text.trim().len();
                }
            }
            false
        }
        Visit::Close(el) => {
            paragraph_depth -= usize::from(el.value().name() == "p" && paragraph_depth > 0);
            if let Some(done) = open.pop() {
                let beats = |(score, order, _): &(usize, usize, ElementRef<'_>)| {
                    done.paragraph_bytes > *score
                        || (done.paragraph_bytes == *score && done.order < *order)
                };
                if done.candidate && done.paragraph_bytes > 0 && best.as_ref().is_none_or(beats) {
                    best = Some((done.paragraph_bytes, done.order, done.element));
                }
                if let Some(parent) = open.last_mut() {
                    parent.paragraph_bytes += done.paragraph_bytes;
                }
            }
            false
        }
    });
    best.map_or(fallback, |(_, _, element)| element)
}

/// Elements that end the running text block.
#[rustfmt::skip]
const BLOCK_TAGS: &[&str] = &[
    "p", "div", "section", "article", "main", "body", "h1", "h2", "h3", "h4", "h5", "h6", "li",
    "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tbody", "thead", "tr", "hr",
    "address", "figure", "details", "summary", "center", "fieldset", "caption",
];

/// Block elements whose text is kept whatever its length.
#[rustfmt::skip]
const TEXT_BLOCK_TAGS: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "dt", "dd",
];

/// Collects the text blocks of the content root while skipping furniture.
#[derive(Default)]
struct BlockCollector {
    /// Finished blocks.
    blocks: Vec<String>,
    /// Text of the block being read.
    pending: String,
    /// Whether the pending text came from inside a paragraph, heading, list item or quote.
    pending_is_text_block: bool,
    /// How many text-block elements are open.
    text_block_depth: usize,
}

impl BlockCollector {
    /// Ends the pending block, keeping it when it is a text block or long enough to be prose.
    fn flush(&mut self) {
        let text = normalise_space(&self.pending);
        if !text.is_empty()
            && (self.pending_is_text_block || text.chars().count() >= MIN_LOOSE_BLOCK_CHARS)
        {
            self.blocks.push(text);
        }
        self.pending.clear();
        self.pending_is_text_block = false;
    }

    /// Handles one step of the walk; answers whether to enter an element.
    fn visit(&mut self, visit: Visit<'_>, root: ElementRef<'_>) -> bool {
        match visit {
            Visit::Open(el) => {
                let name = el.value().name();
                if el != root && is_noise(el.value()) {
                    return false;
                }
                if BLOCK_TAGS.contains(&name) {
                    self.flush();
                }
                if TEXT_BLOCK_TAGS.contains(&name) {
                    self.text_block_depth += 1;
                }
                if matches!(name, "br" | "td" | "th" | "img") {
                    self.pending.push(' ');
                }
                true
            }
            Visit::Text(text) => {
                self.pending.push_str(text);
                self.pending_is_text_block |= self.text_block_depth > 0;
                false
            }
            Visit::Close(el) => {
                let name = el.value().name();
                if matches!(name, "td" | "th") {
                    self.pending.push(' ');
                }
                if BLOCK_TAGS.contains(&name) {
                    self.flush();
                }
                if TEXT_BLOCK_TAGS.contains(&name) {
                    self.text_block_depth = self.text_block_depth.saturating_sub(1);
                }
                false
            }
        }
    }
}

/// The article text under `root`: blocks separated by a blank line, whitespace normalised.
pub(super) fn main_text(root: ElementRef<'_>) -> String {
    let mut collector = BlockCollector::default();
    walk(root, |visit| collector.visit(visit, root));
    collector.flush();
    collector.blocks.join("\n\n")
}

/// Collapses whitespace runs to one space, trims, and drops invisible format characters (soft
/// hyphens and zero-width marks split words for matching).
pub(super) fn normalise_space(text: &str) -> String {
    let visible: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'
            )
        })
        .collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Normalised text of `el`, or None when empty.
pub(super) fn element_text(el: ElementRef<'_>) -> Option<String> {
    non_empty(normalise_space(&el.text().collect::<String>()))
}

/// `text` unless it is empty.
pub(super) fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use crate::extract::tests::{NEWS_PAGE, run};

    /// The main text is the article's blocks, in order, without any furniture (and without
    /// the headline, which is the title).
    #[test]
    fn article_text_skips_furniture_and_keeps_blocks() {
        let text = run(NEWS_PAGE).text;
        assert_eq!(
            text,
            "Der nordkoreanische Machthaber will nach Russland reisen.\n\n\
             Es geht um Artillerie und Raketen.\n\n\
             Treffen in Wladiwostok\n\n\
             Wir beobachten das genau."
        );
    }

    /// The candidate with the most paragraph text wins over a smaller one.
    #[test]
    fn candidate_with_most_paragraph_text_is_chosen() {
        let html = r#"<body>
            <div class="content-teaser-box"><p>Kurz.</p></div>
            <div class="entry"><p>Ein langer Absatz über das eigentliche Thema des Artikels.</p>
            <p>Noch ein Absatz.</p></div>
            <div class="post-body-footer-links"><p>Links</p></div></body>"#;
        assert_eq!(
            run(html).text,
            "Ein langer Absatz über das eigentliche Thema des Artikels.\n\nNoch ein Absatz."
        );
    }

    /// A body whose class hints at an article page is not mistaken for the article container.
    #[test]
    fn body_class_is_not_a_content_hint() {
        let html = r#"<body class="single-article-page"><p>Seitenleiste ohne Markierung.</p>
            <article><p>Der Text des Artikels.</p></article></body>"#;
        assert_eq!(run(html).text, "Der Text des Artikels.");
    }

    /// `itemprop=articleBody` marks the container even without class hints.
    #[test]
    fn item_prop_article_body_is_a_candidate() {
        let html = r#"<body><p>Seitenkopf-Text</p>
            <div itemprop="articleBody"><p>Der Text des Artikels.</p></div></body>"#;
        assert_eq!(run(html).text, "Der Text des Artikels.");
    }

    /// Pages without any content hint fall back to the body, still without furniture.
    #[test]
    fn page_without_hints_falls_back_to_body() {
        let html = "<body><nav>Start</nav><h2>Wetter</h2><p>Morgen regnet es.</p>\
                    <footer>Kontakt</footer></body>";
        assert_eq!(run(html).text, "Wetter\n\nMorgen regnet es.");
    }

    /// Short loose text (bylines, dates) is dropped; long loose text is a paragraph.
    #[test]
    fn loose_text_is_kept_only_when_long() {
        let long = "Dieser Absatz steht ohne p-Element direkt im div, ist aber lang genug, \
                    um als Fließtext zu gelten.";
        let html = format!(
            "<article><div>Von Anna, 4.9.2023</div><div>{long}</div><p>Kurz.</p></article>"
        );
        assert_eq!(run(&html).text, format!("{long}\n\nKurz."));
    }

    /// Soft hyphens and zero-width spaces would split words for the matcher.
    #[test]
    fn invisible_format_characters_are_removed() {
        let html = "<p>Waffen&shy;gespr\u{e4}che\u{200b} und&nbsp;mehr</p>";
        assert_eq!(run(html).text, "Waffengespräche und mehr");
    }

    /// Class words are matched whole, so `header`-like substrings such as "ad" in "read" or
    /// "lead" do not hide text.
    #[test]
    fn noise_words_match_whole_class_words_only() {
        let html = r#"<article><p class="lead">Vorspann.</p><p class="read-more-ad">X</p>
            <div class="sharebuttons"><p>Teilen</p></div></article>"#;
        assert_eq!(run(html).text, "Vorspann.");
    }

    /// Deep nesting must not overflow the stack of the walks. Pages are cut at 1,000 levels
    /// before parsing (`limits`), so 990 levels is the deepest tree a walk meets.
    #[test]
    fn deeply_nested_page_does_not_overflow_the_stack() {
        let html = format!("{}<p>tief</p>{}", "<div>".repeat(990), "</div>".repeat(990));
        assert_eq!(run(&html).text, "tief");
    }
}
