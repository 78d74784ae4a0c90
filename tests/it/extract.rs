//! The extract stage over the offline demo's article pages (config/demo/articles): every page
//! must yield a title, real article text and no page furniture, so the demo shows what the
//! daemon does with real-looking pages.

use std::path::{Path, PathBuf};

use newshound::extract::extract;
use newshound::model::Extracted;
use url::Url;

use crate::support::{assert_clean_seed_article, crate_root, shared_dir};

/// Strings from the demo sites' navigation, banners, share bars, teasers and footers; none may
/// reach the article text.
const FURNITURE: &[&str] = &[
    "Cookie",
    "cookie",
    "Zum Inhalt springen",
    "Skip to content",
    "Startseite",
    "Hauptnavigation",
    "Menü",
    "Artikel teilen",
    "Share on",
    "Copy link",
    "Newsletter",
    "Rheinblick-Morgen",
    "Morning Tide",
    "Anzeige",
    "Meistgelesen",
    "Das könnte Sie auch interessieren",
    "Mehr zum Thema",
    "Related stories",
    "Auch interessant",
    "Kommentare",
    "Impressum",
    "Datenschutz",
    "Privacy policy",
    "Alle Rechte vorbehalten",
    "Foto:",
];

/// The demo's article pages, sorted; the demo is part of the repository, so it must be there.
fn demo_pages() -> Vec<PathBuf> {
    let dir = crate_root().join("config/demo/articles");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("demo articles missing at {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    pages.sort();
    pages
}

/// Extracts one demo page as the daemon would, with its file: URL as the page URL.
fn extract_page(path: &Path) -> Extracted {
    let html = std::fs::read_to_string(path).expect("demo page is readable UTF-8");
    let url = Url::from_file_path(path).expect("demo page path is absolute");
    extract(&html, &url)
}

/// The demo page built from the seed story.
fn seed_page() -> Extracted {
    extract_page(&crate_root().join("config/demo/articles/kim-putin.html"))
}

/// Collapses whitespace the way the extractor does, so seed lines compare with extracted text.
fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The seed story's non-empty lines (title, noise and paragraphs), whitespace-normalised, or
/// None (with a message) outside the development machine.
fn seed_lines() -> Option<Vec<String>> {
    let path = shared_dir().join("seed/kim-putin-waffengespraeche.txt");
    let Ok(seed) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: seed story not found at {}", path.display());
        return None;
    };
    Some(
        seed.lines()
            .map(normalise)
            .filter(|line| !line.is_empty())
            .collect(),
    )
}

/// The demo has enough pages for the README's walk-through (at least 13, in two languages).
#[test]
fn demo_has_at_least_thirteen_pages_in_two_languages() {
    let languages: Vec<String> = demo_pages()
        .iter()
        .filter_map(|path| extract_page(path).language)
        .collect();
    assert!(languages.len() >= 13, "only {} demo pages", languages.len());
    assert!(languages.iter().any(|l| l == "de") && languages.iter().any(|l| l == "en"));
}

/// Every demo page yields a title and more than 500 characters of article text.
#[test]
fn every_demo_page_has_title_and_substantial_text() {
    for path in demo_pages() {
        let page = extract_page(&path);
        let name = path.display();
        assert!(
            page.title.as_deref().is_some_and(|t| !t.is_empty()),
            "{name}: no title"
        );
        assert!(
            page.text.chars().count() > 500,
            "{name}: text too short:\n{}",
            page.text
        );
    }
}

/// No navigation, cookie banner, share bar, teaser or footer text reaches the article text.
#[test]
fn no_demo_page_leaks_furniture_into_text() {
    for path in demo_pages() {
        let text = extract_page(&path).text;
        for furniture in FURNITURE {
            assert!(
                !text.contains(furniture),
                "{}: text contains {furniture:?}:\n{text}",
                path.display()
            );
        }
    }
}

/// Every demo page declares the metadata the daemon stores: author, date, language, canonical
/// URL on its fictional site, site name and description.
#[test]
fn every_demo_page_has_complete_metadata() {
    for path in demo_pages() {
        let page = extract_page(&path);
        let name = path.display();
        assert!(page.author.is_some(), "{name}: no author");
        assert!(page.published_at.is_some(), "{name}: no date");
        assert!(page.site_name.is_some(), "{name}: no site name");
        assert!(page.description.is_some(), "{name}: no description");
        let canonical = page.canonical_url.expect("demo page has a canonical URL");
        assert_eq!(canonical.scheme(), "https", "{name}");
        assert!(
            canonical
                .host_str()
                .is_some_and(|h| h.ends_with(".example")),
            "{name}: canonical {canonical} is not on a fictional site"
        );
    }
}

/// The seed page is about Kim Jong-un and Putin, and its metadata is read from the page.
#[test]
fn seed_page_names_kim_and_putin() {
    let page = seed_page();
    assert!(page.text.contains("Kim Jong-un"), "{}", page.text);
    assert!(page.text.contains("Putin"), "{}", page.text);
    assert_eq!(page.language.as_deref(), Some("de"));
    assert_eq!(
        page.title.as_deref(),
        Some("Kim Jong-un und Putin treffen sich zu Waffengesprächen")
    );
}

/// Issue 3, point 6: the seed page extracts to the article body alone (see
/// `assert_clean_seed_article`), with every paragraph of the agency text.
#[test]
fn seed_page_extracts_to_the_clean_article() {
    let text = seed_page().text;
    assert_clean_seed_article(&text);
    let Some(lines) = seed_lines() else {
        return;
    };
    let page_noise = ["Vorlesen lassen?", "Lesetipp:", "Gustav Knudsen", "Quelle:"];
    for line in lines
        .iter()
        .skip(1)
        .filter(|l| !page_noise.iter().any(|n| l.starts_with(n)))
    {
        assert!(text.contains(line.as_str()), "missing {line:?} in:\n{text}");
    }
}

/// Two more demo layouts with noise inside the article body (English "Read more", read-aloud and
/// newsletter lines; German "Mehr zum Thema", "Auch interessant", reading time, newsletter box,
/// comments) extract to their article alone.
#[test]
fn other_demo_layouts_lose_their_in_body_noise() {
    let cases = [
        (
            "port-alden-summit.html",
            "Heads of government from 14 coastal states pledged",
            "next spring.",
            &[
                "Read more",
                "Listen to this article",
                "newsletter",
                "cookie",
                "Share on",
            ][..],
        ),
        (
            "eu-gipfel-erweiterung.html",
            "Beim Sondergipfel der Europäischen Union",
            "",
            &[
                "Mehr zum Thema",
                "Auch interessant",
                "Lesedauer",
                "Rheinblick-Morgen",
                "Kommentare",
                "Cookies",
                "Artikel teilen",
            ][..],
        ),
    ];
    for (page, start, end, noise) in cases {
        let text = extract_page(&crate_root().join("config/demo/articles").join(page)).text;
        assert!(text.starts_with(start), "{page}:\n{text}");
        assert!(text.trim_end().ends_with(end), "{page}:\n{text}");
        for n in noise {
            assert!(!text.contains(n), "{page}: {n:?} left in:\n{text}");
        }
    }
}

/// The second wire copy carries the same agency paragraphs under another headline, so the
/// dedup stage has a real pair to find.
#[test]
fn wire_copy_repeats_the_agency_text_under_another_title() {
    let Some(lines) = seed_lines() else {
        return;
    };
    let original = seed_page();
    let copy = extract_page(&crate_root().join("config/demo/articles/kim-putin-wladiwostok.html"));
    assert_ne!(copy.title, original.title);
    assert_ne!(copy.site_name, original.site_name);
    let page_noise = ["Vorlesen lassen?", "Lesetipp:", "Gustav Knudsen", "Quelle:"];
    let agency = lines
        .iter()
        .skip(1)
        .filter(|line| !page_noise.iter().any(|noise| line.starts_with(noise)));
    for line in agency {
        assert!(copy.text.contains(line.as_str()), "copy lacks {line:?}");
    }
}
