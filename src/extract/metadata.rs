//! Metadata of an article page: title, author, publication time, language and canonical URL,
//! from `<meta>` tags, `<link rel=canonical>`, JSON-LD and the document itself.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_query::{Document, NodeData, NodeRef};
use url::Url;

use super::blocks::{non_empty, normalise_space};
use super::json_ld::JsonLd;

/// Everything the metadata reads from the page's elements, gathered in one walk of the tree:
/// a CSS `select` per field walks the whole tree again and matches selectors on every element,
/// which cost more than the scorer's own walk.
pub(super) struct Scan<'a> {
    /// The `<meta content>` values.
    pub(super) meta: MetaTags,
    /// The text of each `application/ld+json` script.
    pub(super) json_ld_scripts: Vec<String>,
    /// `<h1>` elements in document order.
    headings: Vec<NodeRef<'a>>,
    /// `<title>` elements in document order, with whether each is inside `<head>`.
    titles: Vec<(NodeRef<'a>, bool)>,
    /// `<time datetime>` values in document order, with whether each is inside `<article>`.
    times: Vec<(String, bool)>,
    /// `href` of each `<link rel=canonical>`.
    canonical_links: Vec<String>,
}

impl<'a> Scan<'a> {
    /// Walks every element of `document` once.
    pub(super) fn of(document: &'a Document) -> Self {
        let mut scan = Scan {
            meta: MetaTags {
                entries: Vec::new(),
            },
            json_ld_scripts: Vec::new(),
            headings: Vec::new(),
            titles: Vec::new(),
            times: Vec::new(),
            canonical_links: Vec::new(),
        };
        let root = document.root();
        // Open `<head>` and `<article>` elements on the path to the current node.
        let (mut heads, mut articles) = (0usize, 0usize);
        let mut node = root;
        loop {
            let name = scan.visit(&node, heads > 0, articles > 0);
            let (is_head, is_article) = (name == Some("head"), name == Some("article"));
            heads += usize::from(is_head);
            articles += usize::from(is_article);
            if let Some(child) = node.first_child() {
                node = child;
                continue;
            }
            heads -= usize::from(is_head);
            articles -= usize::from(is_article);
            loop {
                if node.id == root.id {
                    return scan;
                }
                if let Some(sibling) = node.next_sibling() {
                    node = sibling;
                    break;
                }
                let Some(parent) = node.parent() else {
                    return scan;
                };
                node = parent;
                heads -= usize::from(parent.has_name("head"));
                articles -= usize::from(parent.has_name("article"));
            }
        }
    }

    /// Records `node` when metadata needs it; answers the element's name when it is one whose
    /// descendants are judged by it (`head`, `article`).
    fn visit(
        &mut self,
        node: &NodeRef<'a>,
        in_head: bool,
        in_article: bool,
    ) -> Option<&'static str> {
        node.query(|n| {
            let NodeData::Element(el) = &n.data else {
                return None;
            };
            match &*el.name.local {
                "head" => return Some("head"),
                "article" => return Some("article"),
                "meta" => self
                    .meta
                    .add(el.attr("content").as_deref(), |key| el.attr(key)),
                "script" => {
                    let is_json_ld = el
                        .attr("type")
                        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
                    if is_json_ld {
                        self.json_ld_scripts.push(node.text().to_string());
                    }
                }
                "h1" => self.headings.push(*node),
                "title" => self.titles.push((*node, in_head)),
                "time" => {
                    if let Some(value) = el.attr("datetime") {
                        self.times.push((value.to_string(), in_article));
                    }
                }
                "link" => {
                    let canonical = el.attr("rel").is_some_and(|rel| {
                        rel.split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("canonical"))
                    });
                    if canonical && let Some(href) = el.attr("href") {
                        self.canonical_links.push(href.to_string());
                    }
                }
                _ => {}
            }
            None
        })
        .flatten()
    }

    /// Normalised text of the first `<h1>` that has any.
    fn first_heading(&self) -> Option<String> {
        self.headings.iter().find_map(element_text)
    }

    /// Normalised text of the first `<title>` that has any; with `in_head`, only inside `<head>`
    /// (an SVG's `<title>` in the body is not the page's).
    pub(super) fn first_title(&self, in_head: bool) -> Option<String> {
        self.titles
            .iter()
            .filter(|(_, head)| *head || !in_head)
            .find_map(|(el, _)| element_text(el))
    }
}

/// Separators sites put between a headline and their name in `<title>`.
const TITLE_SEPARATORS: [&str; 7] = [" | ", " - ", " – ", " — ", " · ", " :: ", " » "];

/// The page's `<meta>` values keyed by lower-cased `property`, `name`, `itemprop` or
/// `http-equiv`, in document order.
pub(super) struct MetaTags {
    /// (key, normalised content) pairs.
    entries: Vec<(String, String)>,
}

impl MetaTags {
    /// Records one `<meta>` element's `content` under each key attribute it has (`attr` reads
    /// the element's attributes).
    fn add(&mut self, content: Option<&str>, attr: impl Fn(&str) -> Option<tendril::StrTendril>) {
        let Some(content) = content.map(normalise_space).filter(|c| !c.is_empty()) else {
            return;
        };
        for key in ["property", "name", "itemprop", "http-equiv"] {
            if let Some(key) = attr(key) {
                self.entries
                    .push((key.trim().to_ascii_lowercase(), content.clone()));
            }
        }
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

/// Normalised text of `el`, or None when empty.
fn element_text(el: &NodeRef<'_>) -> Option<String> {
    non_empty(normalise_space(&el.text()))
}

/// Title: og:title, JSON-LD headline, the first `<h1>`, `<title>` without a site suffix.
pub(super) fn title(scan: &Scan<'_>, json_ld: &JsonLd, site_name: Option<&str>) -> Option<String> {
    let strip = |title: String| strip_site_name(&title, site_name);
    scan.meta
        .first(&["og:title", "twitter:title"])
        .or_else(|| json_ld.string("headline"))
        .or_else(|| scan.first_heading())
        .map(strip)
        .or_else(|| {
            let title = scan.first_title(false)?;
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
pub(super) fn published_at(scan: &Scan<'_>, json_ld: &JsonLd) -> Option<DateTime<Utc>> {
    const KEYS: [&str; 7] = [
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "dc.date.issued",
        "dc.date",
        "date",
        "pubdate",
    ];
    let time_element = |in_article_only: bool| {
        scan.times
            .iter()
            .filter(|(_, in_article)| *in_article || !in_article_only)
            .find_map(|(value, _)| parse_datetime(value))
    };
    KEYS.iter()
        .filter_map(|key| scan.meta.first(&[key]))
        .chain(json_ld.string("datePublished"))
        .find_map(|value| parse_datetime(&value))
        .or_else(|| time_element(true))
        .or_else(|| time_element(false))
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
    let html = document.root().first_element_child();
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
pub(super) fn canonical_url(scan: &Scan<'_>, page_url: &Url) -> Option<Url> {
    scan.canonical_links
        .iter()
        .find_map(|href| resolve(page_url, href))
        .or_else(|| resolve(page_url, &scan.meta.first(&["og:url"])?))
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
