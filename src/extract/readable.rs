//! The article body: dom_smoothie (a port of Readability.js) scores candidate blocks on the
//! pruned page and picks the body and its siblings; the blocks module turns it into text.

use dom_query::Document;
use dom_smoothie::{Config, Readability};
use url::Url;

use super::blocks::{blocks, join};
use super::prune::prune;

/// Pages with more elements than this skip the scorer (its cost grows with the element count)
/// and fall back to the pruned body's text.
const MAX_SCORED_ELEMENTS: usize = 60_000;

/// Readability retries with looser rules while its pick has fewer characters than this; the
/// default 500 accepts a lead paragraph or a teaser as the article (on the development sets,
/// 1,000 does better on the trafilatura set and no worse on readability's own pages; README's
/// extraction section has the figures).
const MIN_ARTICLE_CHARS: usize = 1_000;

/// Main text of the page, paragraphs separated by blank lines.
pub(super) fn article_text(document: Document, page_url: &Url) -> String {
    prune(&document);
    let url = matches!(page_url.scheme(), "http" | "https").then_some(page_url.as_str());
    let config = Config {
        max_elements_to_parse: MAX_SCORED_ELEMENTS,
        keep_classes: true,
        char_threshold: MIN_ARTICLE_CHARS,
        ..Config::default()
    };
    let Ok(mut readability) = Readability::with_document(document, url, Some(config)) else {
        return String::new();
    };
    match readability.parse() {
        Ok(_) => {
            let root = readability.doc.select_single("#readability-page-1");
            root.nodes()
                .first()
                .map(|node| join(&blocks(node)))
                .unwrap_or_default()
        }
        Err(_) => readability
            .doc
            .body()
            .map(|body| join(&blocks(&body)))
            .unwrap_or_default(),
    }
}

/// The prose of the whole pruned body, for pages where the scorer found too little: furniture is
/// already gone, and of the rest only blocks that read as sentences are kept (menus, labels and
/// link lists are short).
pub(super) fn pruned_body_text(document: Document) -> String {
    prune(&document);
    let Some(body) = document.body() else {
        return String::new();
    };
    let prose: Vec<String> = blocks(&body)
        .into_iter()
        .filter(|block| block.split_whitespace().count() >= MIN_PROSE_WORDS)
        .collect();
    join(&prose)
}

/// A block of the body fallback needs this many words to count as prose.
const MIN_PROSE_WORDS: usize = 8;
