//! HTML page -> main text and metadata; pure.
//!
//! A deliberately simple extractor, good enough for matching topics and deduplicating wire copies
//! until a readability-class one replaces it:
//!
//! 1. [`decode_html`] turns the fetched bytes into text (BOM, HTTP charset, `<meta>` charset,
//!    UTF-8, windows-1252 — the order browsers use).
//! 2. [`extract`] parses the page once, picks the element holding the most paragraph text among
//!    `<article>`, `[itemprop=articleBody]` and elements whose class/id hint at content (else
//!    `<body>`), skips page furniture (navigation, banners, share bars, teasers, hidden elements)
//!    and emits headings, paragraphs, list items and quotes as blocks separated by a blank line.
//!    Metadata comes from `<meta>`, `<link rel=canonical>`, JSON-LD and the document itself.
//!
//! Every walk over the tree is iterative, so hostile nesting depth cannot overflow the stack.
//!
//! # Files
//! This file holds the entry points and what they share; `decode` turns bytes into text, `text`
//! chooses the content element, skips furniture and collects the blocks, `metadata` reads the
//! page's metadata, and `json_ld` scans JSON-LD scripts for it.

mod decode;
mod json_ld;
mod limits;
mod lines;
mod metadata;
mod text;

use scraper::{Html, Selector};
use url::Url;

use crate::model::Extracted;
use json_ld::JsonLd;
use metadata::{MetaTags, author, canonical_url, language, published_at, title};
use text::{main_content_root, main_text};

pub use decode::decode_html;

/// Main text and metadata of an article page. Pure; never panics.
///
/// `page_url` is the page's final URL, against which a relative canonical link is resolved.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    let document = Html::parse_document(&limits::bounded(html));
    let meta = MetaTags::collect(&document);
    let json_ld = JsonLd::collect(&document);
    let root = main_content_root(&document);
    let site_name = meta.first(&["og:site_name", "application-name"]);
    let page_title = title(&document, root, &meta, &json_ld, site_name.as_deref());
    Extracted {
        text: lines::remove_noise_lines(&drop_leading_headline(
            main_text(root),
            page_title.as_deref(),
        )),
        title: page_title,
        author: author(&meta, &json_ld),
        published_at: published_at(&document, root, &meta, &json_ld),
        modified_at: None,
        language: language(&document, &meta),
        canonical_url: canonical_url(&document, &meta, page_url),
        description: meta.first(&["description", "og:description", "twitter:description"]),
        site_name,
    }
}

/// The headline is the article's title, not its text: when one of the first blocks repeats the
/// title, it and the blocks before it (a kicker such as "Nordkorea und Russland") are dropped.
fn drop_leading_headline(text: String, title: Option<&str>) -> String {
    const HEADLINE_WITHIN: usize = 3;
    let Some(title) = title
        .map(normalise_for_comparison)
        .filter(|t| !t.is_empty())
    else {
        return text;
    };
    let blocks: Vec<&str> = text.split("\n\n").collect();
    let headline = blocks
        .iter()
        .take(HEADLINE_WITHIN)
        .position(|block| normalise_for_comparison(block) == title);
    match headline {
        Some(index) => blocks[index + 1..].join("\n\n"),
        None => text,
    }
}

fn normalise_for_comparison(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Parses a static selector; the submodules' selector strings are valid CSS, checked by the unit
/// tests.
fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("static selector is valid CSS")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL the test pages pretend to come from.
    fn page_url() -> Url {
        Url::parse("https://news.example/politik/artikel.html").expect("static URL is valid")
    }

    /// Extracts a page from the test URL.
    pub(super) fn run(html: &str) -> Extracted {
        extract(html, &page_url())
    }

    /// A page whose article sits among the usual furniture.
    pub(super) const NEWS_PAGE: &str = r#"<!doctype html>
<html lang="de-DE"><head>
<title>Gipfel in Wladiwostok: Kim trifft Putin | Rheinblick</title>
<meta name="description" content="  Kim und Putin   beraten über Waffen. ">
<meta name="author" content="Anna Beispiel">
<meta property="og:site_name" content="Rheinblick">
<meta property="article:published_time" content="2023-09-04T18:30:00+02:00">
<link rel="canonical" href="/politik/kim-putin-gipfel">
</head><body>
<header><a href="/">Rheinblick</a><nav><ul><li>Politik</li><li>Wirtschaft</li></ul></nav></header>
<div id="cookie-banner"><p>Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten.</p></div>
<main>
<article class="story">
  <h1>Kim trifft Putin</h1>
  <p>Der nordkoreanische Machthaber will nach Russland reisen.</p>
  <div class="share-bar"><p>Teilen auf Facebook</p></div>
  <figure><img src="a.jpg"><figcaption>Kim in Pjöngjang. Foto: Agentur</figcaption></figure>
  <p>Es geht um   Artillerie
     und Raketen.</p>
  <ul><li>Treffen in Wladiwostok</li></ul>
  <blockquote>Wir beobachten das genau.</blockquote>
  <p hidden>Versteckter Text</p>
  <p aria-hidden="true">Vorgelesener Text</p>
  <div style="display: none"><p>Unsichtbar</p></div>
  <aside class="related"><article class="teaser"><p>Andere Geschichte mit sehr viel Text, der länger ist als alles andere auf der Seite, damit die Auswahl nicht auf ihn fällt, sondern auf den Artikel.</p></article></aside>
</article>
</main>
<div class="sidebar"><p>Meistgelesen heute</p></div>
<footer><p>Impressum</p></footer>
<script>var ad = "Werbung";</script>
</body></html>"#;

    /// Empty and junk input give an empty result instead of a panic.
    #[test]
    fn empty_and_broken_pages_do_not_panic() {
        for html in [
            "",
            "<",
            "<<<>>>",
            "<script type=\"application/ld+json\">{\"author\":[{",
            "\0",
        ] {
            let page = run(html);
            assert!(page.text.is_empty(), "{html:?}");
        }
    }
}
