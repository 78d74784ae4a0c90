//! Metadata of an article page: title, author, publication time, language and canonical URL,
//! from `<meta>` tags, `<link rel=canonical>`, JSON-LD and the document itself.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_query::{Document, NodeRef};
use url::Url;

use super::blocks::{non_empty, normalise_space};
use super::json_ld::JsonLd;

/// Separators sites put between a headline and their name in `<title>`.
const TITLE_SEPARATORS: [&str; 7] = [" | ", " - ", " – ", " — ", " · ", " :: ", " » "];

/// The page's `<meta>` values keyed by lower-cased `property`, `name`, `itemprop` or
/// `http-equiv`, in document order.
pub(super) struct MetaTags {
    /// (key, normalised content) pairs.
    entries: Vec<(String, String)>,
}

impl MetaTags {
    /// Reads every `<meta content>` of the page.
    pub(super) fn collect(document: &Document) -> Self {
        let mut entries = Vec::new();
        for el in document.select("meta[content]").nodes() {
            let Some(content) = el.attr("content").map(|c| normalise_space(&c)) else {
                continue;
            };
            if content.is_empty() {
                continue;
            }
            for attr in ["property", "name", "itemprop", "http-equiv"] {
                if let Some(key) = el.attr(attr) {
                    entries.push((key.trim().to_ascii_lowercase(), content.clone()));
                }
            }
        }
        MetaTags { entries }
    }

    /// The first value under the earliest-listed key that the page has.
    pub(super) fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|key| {
            self.entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
    }
}

/// Normalised text of the first element matching `css` that has any.
pub(super) fn first_text(document: &Document, css: &str) -> Option<String> {
    document.select(css).nodes().iter().find_map(element_text)
}

/// Normalised text of `el`, or None when empty.
fn element_text(el: &NodeRef<'_>) -> Option<String> {
    non_empty(normalise_space(&el.text()))
}

/// Title: og:title, JSON-LD headline, the first `<h1>`, `<title>` without a site suffix.
pub(super) fn title(
    document: &Document,
    meta: &MetaTags,
    json_ld: &JsonLd,
    site_name: Option<&str>,
) -> Option<String> {
    let strip = |title: String| strip_site_name(&title, site_name);
    meta.first(&["og:title", "twitter:title"])
        .or_else(|| json_ld.string("headline"))
        .or_else(|| first_text(document, "h1"))
        .map(strip)
        .or_else(|| {
            let title = first_text(document, "title")?;
            Some(strip_title_suffix(&strip(title)))
        })
        .and_then(non_empty)
}

/// Removes the site's name when it is joined to the headline by a separator at either end.
fn strip_site_name(title: &str, site_name: Option<&str>) -> String {
    let Some(site) = site_name.filter(|s| !s.is_empty()) else {
        return title.to_owned();
    };
    for separator in TITLE_SEPARATORS {
        if let Some(rest) = title.strip_suffix(&format!("{separator}{site}")) {
            return rest.trim().to_owned();
        }
        if let Some(rest) = title.strip_prefix(&format!("{site}{separator}")) {
            return rest.trim().to_owned();
        }
    }
    title.to_owned()
}

/// Removes a trailing " | Site"-style suffix from a `<title>` when it is shorter than the rest.
fn strip_title_suffix(title: &str) -> String {
    let cut = TITLE_SEPARATORS
        .iter()
        .filter_map(|separator| title.rfind(separator).map(|pos| (pos, separator.len())))
        .max_by_key(|(pos, _)| *pos);
    match cut {
        Some((pos, len)) if pos > 0 && title.len() - pos - len < pos => title[..pos].trim().into(),
        _ => title.to_owned(),
    }
}

/// Author: meta author, JSON-LD author name(s), other author metas that are not URLs.
pub(super) fn author(meta: &MetaTags, json_ld: &JsonLd) -> Option<String> {
    let not_url = |v: &String| !v.starts_with("http://") && !v.starts_with("https://");
    meta.first(&["author"])
        .filter(not_url)
        .or_else(|| json_ld.author())
        .or_else(|| {
            meta.first(&["article:author", "dc.creator", "byl", "parsely-author"])
                .filter(not_url)
        })
}

/// Publication time: publication metas, JSON-LD datePublished, then `<time datetime>` (inside
/// `<article>` first).
pub(super) fn published_at(
    document: &Document,
    meta: &MetaTags,
    json_ld: &JsonLd,
) -> Option<DateTime<Utc>> {
    const KEYS: [&str; 7] = [
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "dc.date.issued",
        "dc.date",
        "date",
        "pubdate",
    ];
    KEYS.iter()
        .filter_map(|key| meta.first(&[key]))
        .chain(json_ld.string("datePublished"))
        .find_map(|value| parse_datetime(&value))
        .or_else(|| {
            ["article time[datetime]", "time[datetime]"]
                .iter()
                .find_map(|css| {
                    document
                        .select(css)
                        .nodes()
                        .iter()
                        .filter_map(|el| el.attr("datetime"))
                        .find_map(|value| parse_datetime(&value))
                })
        })
}

/// Modification time: modification metas, then JSON-LD dateModified.
pub(super) fn modified_at(meta: &MetaTags, json_ld: &JsonLd) -> Option<DateTime<Utc>> {
    const KEYS: [&str; 5] = [
        "article:modified_time",
        "og:updated_time",
        "datemodified",
        "dc.date.modified",
        "last-modified",
    ];
    KEYS.iter()
        .filter_map(|key| meta.first(&[key]))
        .chain(json_ld.string("dateModified"))
        .find_map(|value| parse_datetime(&value))
}

/// Parses the date formats pages use: RFC 3339, ISO 8601 without colon in the offset or without
/// offset (taken as UTC), a bare date (midnight UTC), RFC 2822.
fn parse_datetime(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        return Some(time.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(time) = DateTime::parse_from_str(value, format) {
            return Some(time.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(value, format) {
            return Some(time.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Language: `<html lang>` (or `xml:lang`), Content-Language, og:locale; primary subtag only.
pub(super) fn language(document: &Document, meta: &MetaTags) -> Option<String> {
    let html = document.select("html");
    let html = html.nodes().first();
    [
        html.and_then(|h| h.attr("lang")),
        html.and_then(|h| h.attr("xml:lang")),
    ]
    .into_iter()
    .flatten()
    .map(|tag| tag.to_string())
    .chain(meta.first(&["content-language", "og:locale", "dc.language"]))
    .find_map(|tag| primary_language(&tag))
}

/// `de` for `de-DE`, `de_DE` or `DE`; None for anything that is not a language subtag.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_', ',']).next()?.trim();
    let valid =
        (2..=8).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    valid.then(|| primary.to_ascii_lowercase())
}

/// Canonical URL: `<link rel=canonical>`, then og:url, resolved against the page URL; only web
/// URLs (or the page's own scheme) count.
pub(super) fn canonical_url(document: &Document, meta: &MetaTags, page_url: &Url) -> Option<Url> {
    let links = document.select("link[rel][href]");
    let from_link = links.nodes().iter().find_map(|el| {
        let rel = el.attr("rel")?;
        rel.split_whitespace()
            .any(|r| r.eq_ignore_ascii_case("canonical"))
            .then(|| el.attr("href"))
            .flatten()
            .and_then(|href| resolve(page_url, &href))
    });
    from_link.or_else(|| resolve(page_url, &meta.first(&["og:url"])?))
}

/// `href` resolved against `base`, when it is a usable page address.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    let usable = matches!(url.scheme(), "http" | "https") || url.scheme() == base.scheme();
    usable.then_some(url)
}

#[cfg(test)]
mod tests {
    use crate::extract::tests::{NEWS_PAGE, run};

    /// All metadata fields are read from the usual tags.
    #[test]
    fn metadata_comes_from_meta_and_link_tags() {
        let page = run(NEWS_PAGE);
        assert_eq!(page.title.as_deref(), Some("Kim trifft Putin"));
        assert_eq!(page.author.as_deref(), Some("Anna Beispiel"));
        assert_eq!(page.language.as_deref(), Some("de"));
        assert_eq!(page.site_name.as_deref(), Some("Rheinblick"));
        assert_eq!(
            page.description.as_deref(),
            Some("Kim und Putin beraten über Waffen.")
        );
        assert_eq!(
            page.canonical_url.map(String::from).as_deref(),
            Some("https://news.example/politik/kim-putin-gipfel")
        );
        assert_eq!(
            page.published_at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2023-09-04T16:30:00+00:00")
        );
    }

    /// og:title comes first and loses a site-name suffix.
    #[test]
    fn og_title_is_preferred_and_loses_site_name() {
        let html = r#"<head><meta property="og:title" content="Regen im Rheinland - Rheinblick">
            <meta property="og:site_name" content="Rheinblick"><title>Anders</title></head>
            <body><h1>Auch anders</h1></body>"#;
        assert_eq!(run(html).title.as_deref(), Some("Regen im Rheinland"));
    }

    /// Without og:title or JSON-LD, the article's h1 is the title.
    #[test]
    fn h1_is_the_title_without_metadata() {
        let html = "<head><title>Seite | Rheinblick</title></head>\
                    <body><h1>Sturm über Köln</h1><p>Text.</p></body>";
        assert_eq!(run(html).title.as_deref(), Some("Sturm über Köln"));
    }

    /// The `<title>` is the last resort, without its " | Site" or " - Site" suffix.
    #[test]
    fn document_title_loses_its_site_suffix() {
        for (title, expected) in [
            ("Sturm über Köln | Rheinblick", "Sturm über Köln"),
            (
                "Sturm - Chaos in Köln - Rheinblick",
                "Sturm - Chaos in Köln",
            ),
            ("Nur ein Titel", "Nur ein Titel"),
            (
                "Kurz | Ein sehr langer Name einer Seite",
                "Kurz | Ein sehr langer Name einer Seite",
            ),
        ] {
            let html = format!("<head><title>{title}</title></head><body></body>");
            assert_eq!(run(&html).title.as_deref(), Some(expected), "{title}");
        }
    }

    /// A meta author that is a profile URL is not a name; JSON-LD is asked instead.
    #[test]
    fn author_urls_are_not_names() {
        let html = r#"<meta name="author" content="https://x.example/anna">
            <script type="application/ld+json">{"author":"Anna B."}</script>"#;
        assert_eq!(run(html).author.as_deref(), Some("Anna B."));
    }

    /// `<time datetime>` dates the article when no meta does; dates without zone are UTC.
    #[test]
    fn time_element_dates_the_article() {
        for (value, expected) in [
            ("2023-09-04T10:15:00+0200", "2023-09-04T08:15:00+00:00"),
            ("2023-09-04T10:15", "2023-09-04T10:15:00+00:00"),
            ("2023-09-04", "2023-09-04T00:00:00+00:00"),
            ("Mon, 04 Sep 2023 10:15:00 GMT", "2023-09-04T10:15:00+00:00"),
        ] {
            let html = format!(r#"<article><time datetime="{value}">heute</time></article>"#);
            let published = run(&html).published_at.map(|t| t.to_rfc3339());
            assert_eq!(published.as_deref(), Some(expected), "{value}");
        }
        assert_eq!(run(r#"<time datetime="gestern">"#).published_at, None);
    }

    /// The language is the lower-cased primary subtag; og:locale is the fallback.
    #[test]
    fn language_is_the_primary_subtag() {
        assert_eq!(
            run(r#"<html lang="EN-gb">"#).language.as_deref(),
            Some("en")
        );
        let html = r#"<html lang=""><meta property="og:locale" content="de_AT">"#;
        assert_eq!(run(html).language.as_deref(), Some("de"));
        assert_eq!(run(r#"<html lang="1234">"#).language, None);
    }

    /// og:url stands in for a missing canonical link; script URLs are refused.
    #[test]
    fn og_url_is_the_canonical_fallback() {
        let html = r#"<link rel="canonical" href="javascript:alert(1)">
            <meta property="og:url" content="https://news.example/a?x=1">"#;
        assert_eq!(
            run(html).canonical_url.map(String::from).as_deref(),
            Some("https://news.example/a?x=1")
        );
    }

    /// og:description is used when there is no meta description.
    #[test]
    fn og_description_is_the_description_fallback() {
        let html = r#"<meta property="og:description" content="Kurz gesagt.">"#;
        assert_eq!(run(html).description.as_deref(), Some("Kurz gesagt."));
    }
}
