//! The `text/plain` part: prose wrapped to [`WIDTH`] columns, each URL whole on a line of its
//! own, and the footer as a signature.

use chrono_tz::Tz;

use super::sanitize::{one_line, strip_controls};
use super::{
    MoreLink, STORY_PAGE_LABEL, StoryItem, View, WIDTH, link, list, published, stories, title,
};

/// The plain-text part of `view`.
pub(super) fn text(view: &View) -> String {
    let mut out = String::new();
    wrap(&mut out, &view.headline(), "", "");
    if let Some(period) = view.period() {
        wrap(&mut out, &period, "", "");
    }
    out.push('\n');
    if view.count == 0 {
        wrap(
            &mut out,
            "No stories matched your watch topics this time.",
            "",
            "",
        );
        out.push('\n');
    }
    let mut number = 0;
    for (topic, members) in &view.groups {
        let heading = format!(
            "{} ({})",
            topic.as_deref().unwrap_or("Other stories"),
            stories(members.len())
        );
        wrap(&mut out, &heading, "", "");
        let underline = heading.chars().count().min(WIDTH);
        out.push_str(&"=".repeat(underline));
        out.push('\n');
        if let Some(page) = view.email.topic_page(topic.as_deref()) {
            wrap(&mut out, &page, "", "");
        }
        out.push('\n');
        for story in members {
            number += 1;
            let page = view.email.story_page(story.story_id);
            text_story(
                &mut out,
                number,
                story,
                page.as_deref(),
                view.email.timezone,
            );
            out.push('\n');
        }
    }
    if let Some((line, links)) = view.more() {
        text_more(&mut out, &line, links);
        out.push('\n');
    }
    // "-- " starts a signature: mail clients show the footer as such and leave it out of replies.
    out.push_str("-- \n");
    wrap(&mut out, &view.why(), "", "");
    wrap(&mut out, &view.generated(), "", "");
    out
}

/// One story, numbered; `page` is its web page, linked at its end.
fn text_story(out: &mut String, number: usize, story: &StoryItem, page: Option<&str>, tz: Tz) {
    let lead = format!("{number}. ");
    let indent = " ".repeat(lead.len());
    wrap(out, &title(story), &lead, &indent);
    if let Some(url) = link(story.url.as_deref()) {
        wrap(out, &url, &indent, &indent);
    }
    let source = one_line(&story.source);
    let when = published(story, tz);
    let byline = if source.is_empty() {
        when
    } else {
        format!("{source} · {when}")
    };
    wrap(out, &byline, &indent, &indent);

    // Each copy as `- NAME` with its URL on the next line, so that no URL shares a line.
    let also: Vec<(String, Option<String>)> = story
        .also
        .iter()
        .map(|s| (one_line(&s.name), link(Some(&s.url))))
        .filter(|(name, url)| !name.is_empty() || url.is_some())
        .collect();
    if !also.is_empty() {
        wrap(out, "Also reported by:", &indent, &indent);
        let (item, hanging) = (format!("{indent}- "), format!("{indent}  "));
        for (name, url) in &also {
            match url {
                Some(url) if name.is_empty() => wrap(out, url, &item, &hanging),
                Some(url) => {
                    wrap(out, name, &item, &hanging);
                    wrap(out, url, &hanging, &hanging);
                }
                None => wrap(out, name, &item, &hanging),
            }
        }
    }
    let topics = list(&story.topics);
    if !topics.is_empty() {
        wrap(out, &format!("Topics: {topics}"), &indent, &indent);
    }
    let matched = list(&story.matched);
    if !matched.is_empty() {
        wrap(out, &format!("Matched: {matched}"), &indent, &indent);
    }
    if let Some(language) = story.language.as_deref().map(one_line) {
        if !language.is_empty() {
            wrap(out, &format!("Language: {language}"), &indent, &indent);
        }
    }
    let snippet = story.snippet.render("*", "*", strip_controls);
    if !snippet.trim().is_empty() {
        out.push('\n');
        wrap(out, &snippet, &indent, &indent);
    }
    if let Some(page) = page {
        out.push('\n');
        wrap(out, &format!("{STORY_PAGE_LABEL}:"), &indent, &indent);
        wrap(out, page, &indent, &indent);
    }
}

/// "and N more stories:" and each topic with its page or command line, each whole on a line
/// of its own (a command wrapped at its spaces could not be pasted).
fn text_more(out: &mut String, line: &str, links: &[MoreLink]) {
    if links.is_empty() {
        wrap(out, &format!("{line}."), "", "");
        return;
    }
    wrap(out, &format!("{line}:"), "", "");
    for more in links {
        wrap(out, &one_line(&more.topic), "- ", "  ");
        let target = link(Some(&more.target)).unwrap_or_else(|| one_line(&more.target));
        out.push_str(&format!("  {target}\n"));
    }
}

/// Appends `text` to `out` with its whitespace collapsed, wrapped at word boundaries to lines of
/// at most [`WIDTH`] characters: the first line starts with `first`, the others with `rest`. A
/// word longer than a line (a URL) gets a line of its own and is never broken.
fn wrap(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut width = first.chars().count();
    let mut empty = true;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if !empty && width + 1 + len > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            width = rest.chars().count();
            empty = true;
        }
        if !empty {
            line.push(' ');
            width += 1;
        }
        line.push_str(word);
        width += len;
        empty = false;
    }
    if !empty {
        out.push_str(&line);
        out.push('\n');
    }
}
