//! The `text/html` part: a complete document with inline styles (many mail clients drop
//! `<style>`), no scripts and no remote resources; every value escaped.

use chrono_tz::Tz;
use html_escape::{encode_double_quoted_attribute, encode_safe};

use super::sanitize::{one_line, strip_controls};
use super::{
    MoreLink, STORY_PAGE_LABEL, StoryItem, View, lang_tag, link, list, published, stories, title,
};

/// Inline styles: many mail clients drop `<style>`, so every element carries its look.
mod style {
    pub const BODY: &str = "margin:0;padding:0;background-color:#f3f4f6;";
    pub const CONTAINER: &str = "max-width:640px;margin:0 auto;padding:24px 16px;\
        background-color:#ffffff;color:#1f2328;\
        font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\
        font-size:16px;line-height:1.5;overflow-wrap:break-word;word-wrap:break-word;";
    pub const BRAND: &str = "margin:0;font-size:14px;color:#59636e;";
    pub const H1: &str = "margin:4px 0 0;font-size:22px;line-height:1.3;font-weight:bold;";
    pub const PERIOD: &str = "margin:4px 0 0;font-size:14px;color:#59636e;";
    pub const EMPTY: &str = "margin:24px 0 0;font-size:16px;";
    pub const H2: &str = "margin:32px 0 0;padding:0 0 6px;border-bottom:2px solid #d1d9e0;\
        font-size:18px;line-height:1.3;font-weight:bold;";
    pub const H2_LINK: &str = "color:#1f2328;text-decoration:underline;";
    pub const H2_COUNT: &str = "font-size:14px;font-weight:normal;color:#59636e;";
    pub const STORY: &str = "padding:16px 0;border-bottom:1px solid #d1d9e0;";
    pub const H3: &str = "margin:0;font-size:18px;line-height:1.35;font-weight:bold;";
    pub const TITLE_LINK: &str = "color:#0b57d0;text-decoration:underline;";
    pub const META: &str = "margin:4px 0 0;font-size:14px;line-height:1.45;color:#59636e;";
    pub const META_LINK: &str = "color:#59636e;text-decoration:underline;";
    pub const SNIPPET: &str = "margin:12px 0 0;font-size:16px;line-height:1.55;color:#1f2328;";
    pub const DETAILS: &str = "margin:12px 0 0;font-size:14px;line-height:1.45;color:#59636e;";
    pub const LABEL: &str = "color:#1f2328;";
    pub const MORE: &str = "margin:24px 0 0;font-size:16px;font-weight:bold;";
    pub const MORE_LIST: &str = "margin:4px 0 0;padding:0 0 0 20px;font-size:14px;\
        line-height:1.6;color:#59636e;";
    pub const CODE: &str = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;\
        color:#1f2328;overflow-wrap:anywhere;";
    pub const FOOTER: &str = "margin:32px 0 0;font-size:14px;line-height:1.45;color:#59636e;";
}

/// Text content, escaped (after control characters are dropped).
fn esc(text: &str) -> String {
    encode_safe(&one_line(text)).into_owned()
}

/// An attribute value, escaped for double quotes.
fn attr(value: &str) -> String {
    encode_double_quoted_attribute(value).into_owned()
}

/// `<a>` around `label` (already escaped) when `url` may be linked, else `label` alone.
fn anchor(label: &str, url: Option<&str>, style: &str) -> String {
    match link(url) {
        Some(href) => format!(r#"<a href="{}" style="{style}">{label}</a>"#, attr(&href)),
        None => label.to_owned(),
    }
}

/// ` lang="de"` for a story's language, or nothing.
fn lang_attr(language: Option<&str>) -> String {
    lang_tag(language).map_or_else(String::new, |l| format!(r#" lang="{}""#, attr(l)))
}

/// The HTML document of `view`.
pub(super) fn html(view: &View) -> String {
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    push(
        &mut out,
        format!("<title>{}</title>", esc(&view.headline())),
    );
    out.push_str("</head>\n");
    push(&mut out, format!(r#"<body style="{}">"#, style::BODY));
    push(&mut out, format!(r#"<div style="{}">"#, style::CONTAINER));
    push(
        &mut out,
        format!(r#"<p style="{}">newshound</p>"#, style::BRAND),
    );
    push(
        &mut out,
        format!(
            r#"<h1 style="{}">{}</h1>"#,
            style::H1,
            esc(&view.headline())
        ),
    );
    if let Some(period) = view.period() {
        push(
            &mut out,
            format!(r#"<p style="{}">{}</p>"#, style::PERIOD, esc(&period)),
        );
    }
    if view.count == 0 {
        push(
            &mut out,
            format!(
                r#"<p style="{}">No stories matched your watch topics this time.</p>"#,
                style::EMPTY
            ),
        );
    }
    for (topic, members) in &view.groups {
        push(
            &mut out,
            format!(
                r#"<h2 style="{}">{} <span style="{}">· {}</span></h2>"#,
                style::H2,
                anchor(
                    &esc(topic.as_deref().unwrap_or("Other stories")),
                    view.email.topic_page(topic.as_deref()).as_deref(),
                    style::H2_LINK
                ),
                style::H2_COUNT,
                stories(members.len())
            ),
        );
        for story in members {
            let page = view.email.story_page(story.story_id);
            html_story(&mut out, story, page.as_deref(), view.email.timezone);
        }
    }
    if let Some((line, links)) = view.more() {
        html_more(&mut out, &line, links);
    }
    push(
        &mut out,
        format!(
            r#"<p style="{}">{}<br>{}</p>"#,
            style::FOOTER,
            esc(&view.why()),
            esc(&view.generated())
        ),
    );
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

/// One story; `page` is its web page, linked at its end.
fn html_story(out: &mut String, story: &StoryItem, page: Option<&str>, tz: Tz) {
    let lang = lang_attr(story.language.as_deref());
    push(out, format!(r#"<div style="{}">"#, style::STORY));
    let title = anchor(&esc(&title(story)), story.url.as_deref(), style::TITLE_LINK);
    push(
        out,
        format!(r#"<h3 style="{}"{lang}>{title}</h3>"#, style::H3),
    );

    let source = esc(&story.source);
    let when = esc(&published(story, tz));
    let byline = if source.is_empty() {
        when
    } else {
        let source = anchor(&source, story.url.as_deref(), style::META_LINK);
        format!("{source} · {when}")
    };
    push(out, format!(r#"<p style="{}">{byline}</p>"#, style::META));

    let also: Vec<String> = story
        .also
        .iter()
        .filter_map(|copy| {
            let name = esc(&copy.name);
            let url = link(Some(&copy.url));
            let label = match (name.is_empty(), &url) {
                (false, _) => name,
                (true, Some(url)) => esc(url),
                (true, None) => return None,
            };
            Some(anchor(&label, url.as_deref(), style::META_LINK))
        })
        .collect();
    if !also.is_empty() {
        push(
            out,
            format!(
                r#"<p style="{}">Also reported by {}</p>"#,
                style::META,
                also.join(", ")
            ),
        );
    }

    let snippet = story.snippet.render("<strong>", "</strong>", |s| {
        encode_safe(&strip_controls(s)).into_owned()
    });
    if !snippet.trim().is_empty() {
        push(
            out,
            format!(
                r#"<p style="{}"{lang}>{}</p>"#,
                style::SNIPPET,
                snippet.trim()
            ),
        );
    }

    let mut details = Vec::new();
    let label = |name: &str, value: String| {
        format!(r#"<span style="{}">{name}:</span> {value}"#, style::LABEL)
    };
    let topics = list(&story.topics);
    if !topics.is_empty() {
        details.push(label("Topics", esc(&topics)));
    }
    let matched = list(&story.matched);
    if !matched.is_empty() {
        details.push(label("Matched", esc(&matched)));
    }
    if let Some(language) = story.language.as_deref().map(esc) {
        if !language.is_empty() {
            details.push(label("Language", language));
        }
    }
    if !details.is_empty() {
        push(
            out,
            format!(
                r#"<p style="{}">{}</p>"#,
                style::DETAILS,
                details.join("<br>")
            ),
        );
    }
    if page.is_some() {
        let label = anchor(&esc(STORY_PAGE_LABEL), page, style::META_LINK);
        push(out, format!(r#"<p style="{}">{label}</p>"#, style::META));
    }
    out.push_str("</div>\n");
}

/// "and N more stories:" and a list of the topics, each linked to its page or followed by the
/// command line that lists its hits.
fn html_more(out: &mut String, line: &str, links: &[MoreLink]) {
    let end = if links.is_empty() { "." } else { ":" };
    push(
        out,
        format!(r#"<p style="{}">{}{end}</p>"#, style::MORE, esc(line)),
    );
    if links.is_empty() {
        return;
    }
    push(out, format!(r#"<ul style="{}">"#, style::MORE_LIST));
    for more in links {
        let item = match link(Some(&more.target)) {
            Some(url) => anchor(&esc(&more.topic), Some(&url), style::META_LINK),
            None => format!(
                r#"{}: <code style="{}">{}</code>"#,
                esc(&more.topic),
                style::CODE,
                esc(&more.target)
            ),
        };
        push(out, format!("<li>{item}</li>"));
    }
    out.push_str("</ul>\n");
}

fn push(out: &mut String, line: String) {
    out.push_str(&line);
    out.push('\n');
}
