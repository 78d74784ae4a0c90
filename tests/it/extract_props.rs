//! Extraction never panics and its work is bounded, whatever a page holds: arbitrary bytes,
//! tag soup, deep nesting, huge documents (issue 3, point 7). The bounds are in
//! `src/extract/mod.rs` and `src/extract/depth.rs`: input cut at 4 MiB, tags nested deeper than
//! 256 levels dropped (their text kept), pages over 60,000 elements not scored.

use newshound::extract::{decode_html, extract};
use proptest::prelude::*;
use url::Url;

fn url() -> Url {
    Url::parse("https://news.example/a.html").expect("static URL is valid")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary bytes, decoded and extracted, never panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let html = decode_html(&bytes, None);
        let page = extract(&html, &url());
        prop_assert!(page.text.len() <= html.len() * 4 + 16);
    }

    /// Tag soup built from real tag names, broken attributes and entities never panics.
    #[test]
    fn tag_soup_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("<div>"), Just("</div>"), Just("<p>"), Just("</p>"), Just("<article class=\"story\">"),
            Just("<script>"), Just("</script>"), Just("<table><tr><td>"), Just("<!--"), Just("-->"),
            Just("<meta property=\"og:title\" content=\""), Just("\">"), Just("&amp;"), Just("&#x0;"),
            Just("Text, with words. "), Just("<a href=\"javascript:x\">"), Just("<svg><math>"),
            Just("<script type=\"application/ld+json\">{\"headline\": [\""), Just("\u{feff}"),
        ],
        0..300,
    )) {
        let html: String = parts.concat();
        let _ = extract(&html, &url());
    }
}

/// 100,000 levels of nesting finish (tags deeper than 256 levels are dropped) and keep the text that
/// comes before the cut.
#[test]
fn deeply_nested_html_is_bounded() {
    let depth = 100_000;
    let html = format!(
        "<html><body><article><p>{}</p>{}deep{}</article></body></html>",
        "Before the nesting there is a real paragraph of text. ".repeat(10),
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let page = extract(&html, &url());
    assert!(page.text.contains("Before the nesting"), "{}", page.text);
}

/// A huge page (6 MB of paragraphs) is extracted without trouble.
#[test]
fn huge_html_is_extracted() {
    let paragraph = "<p>A long article keeps going with sentence after sentence of text.</p>";
    let html = format!(
        "<html><body><article>{}</article></body></html>",
        paragraph.repeat(6 * 1024 * 1024 / paragraph.len())
    );
    let page = extract(&html, &url());
    assert!(page.text.len() > 1_000_000);
}
