//! The frame every page shares (head, navigation, footer naming the time zone) and the small
//! pieces several pages show: times in `[web] timezone`, links to articles, marked snippets.
//! Every value goes through maud, which escapes it; nothing here writes raw HTML from a feed.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{DOCTYPE, Markup, html};
use url::Url;

use super::Site;
use crate::model::Snippet;

/// Which navigation entry a page belongs to, marked as the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/` and the topic pages.
    Topics,
    /// `/search`.
    Search,
    /// `/feeds`.
    Feeds,
    /// `/outbox`.
    Outbox,
    /// A story, or an error.
    None,
}

/// The navigation entries: where they lead, their label, which page they are.
const NAV: [(&str, &str, Nav); 4] = [
    ("/", "Topics", Nav::Topics),
    ("/search", "Search", Nav::Search),
    ("/feeds", "Feeds", Nav::Feeds),
    ("/outbox", "Outbox", Nav::Outbox),
];

/// A whole page: `title` is the document's title and its one `h1`; `head` may add `<link>`s
/// (a topic's feeds); `main` is the page's content, whose headings start at `h2`.
pub fn page(site: &Site, title: &str, nav: Nav, head: Markup, main: Markup) -> Markup {
    frame(title, nav, head, main, Some(site.settings.timezone))
}

/// The page shown for an error: its status and what went wrong.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("error")
    );
    let main = html! { p { (message) } p { a href="/" { "Back to the topics" } } };
    frame(&title, Nav::None, html! {}, main, None)
}

fn frame(title: &str, nav: Nav, head: Markup, main: Markup, zone: Option<Tz>) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · newshound" }
                link rel="stylesheet" href="/static/style.css";
                // No icon: without this link browsers ask for /favicon.ico, whose 404 is an
                // error in their console. The CSP allows data: images.
                link rel="icon" href="data:,";
                (head)
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "newshound" }
                    nav aria-label="Main" {
                        ul {
                            @for (href, label, entry) in NAV {
                                li {
                                    @if entry == nav {
                                        a href=(href) aria-current="page" { (label) }
                                    } @else {
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (main)
                }
                @if let Some(zone) = zone {
                    footer.site { "Times are shown in " (zone.name()) "." }
                }
            }
        }
    }
}

/// `at` in the site's zone, with the zone's abbreviation, in a `<time>` element that carries
/// the exact instant.
pub fn time(site: &Site, at: DateTime<Utc>) -> Markup {
    let local = at.with_timezone(&site.settings.timezone);
    html! {
        time datetime=(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) {
            (local.format("%Y-%m-%d %H:%M %Z"))
        }
    }
}

/// A link to an article or feed page, which is on someone else's site: only http(s) URLs
/// become links (never `javascript:` or `data:`), opened without telling the site where the
/// reader came from. Other values are shown as text.
pub fn external_link(url: &str, text: &str) -> Markup {
    match Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => html! {
            a href=(parsed.as_str()) rel="noopener noreferrer" { (text) }
        },
        _ => html! { span { (text) } },
    }
}

/// `language` when it may stand as a `lang` attribute (letters, digits and hyphens): the
/// language stored for an article comes from a feed or a detector.
pub fn language_tag(language: Option<&str>) -> Option<&str> {
    language.filter(|l| {
        !l.is_empty() && l.len() <= 35 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// A snippet with its matched words in `<mark>`.
pub fn snippet(snippet: &Snippet) -> Markup {
    marked(&snippet.text, &snippet.marks)
}

/// `text` with the byte ranges `marks` (ascending, not overlapping) in `<mark>`; a range that
/// does not fall on character boundaries is left unmarked.
pub fn marked(text: &str, marks: &[(usize, usize)]) -> Markup {
    let mut parts = Vec::with_capacity(marks.len() * 2 + 1);
    let mut at = 0;
    for &(start, end) in marks {
        if let (Some(before), Some(word)) = (text.get(at..start), text.get(start..end)) {
            parts.push((before, false));
            parts.push((word, true));
            at = end;
        }
    }
    parts.push((text.get(at..).unwrap_or(""), false));
    html! {
        @for (part, is_mark) in parts {
            @if is_mark { mark { (part) } } @else { (part) }
        }
    }
}

/// The site's `path` (absolute on the site) under `base`, the address readers reach the pages
/// at (`[web] public_url`), which may itself have a path behind a reverse proxy: the path is
/// joined relative to it. For the links of feeds and emails.
pub fn page_under(base: &Url, path: &str) -> Option<Url> {
    base.join(path.trim_start_matches('/')).ok()
}

/// The site's address of a story page, for links on other pages and in emails.
pub fn story_path(story_id: i64) -> String {
    format!("/stories/{story_id}")
}

/// The site's address of a topic page: the name is percent-encoded as one path segment.
pub fn topic_path(name: &str) -> String {
    format!("/topics/{}", encode_segment(name))
}

/// `text` percent-encoded so that it stays one path segment.
pub fn encode_segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
