//! `/search?q=...&language=..`: a query in the topic query language over the stored articles,
//! run as `newshound search` runs it (the index narrows, the real matcher decides): one entry
//! per story, newest first, under its lead, with its best copy's matched words and snippet.
//! A query that does not parse is shown with a caret under the place it went wrong.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

use crate::matcher::{QueryError, parse_query};
use crate::search::{self, Count, Found, Request, story_hits};
use crate::store::{Store, StoreError, StoredHit};
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState};

/// Stories shown: the newest; the counts cover all (or estimate them).
const SHOWN_STORIES: usize = 50;

/// The form's fields, read as text.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchParams {
    /// The query; empty shows the form alone.
    q: Option<String>,
    /// Only articles in this language (ISO 639-1); empty for all.
    language: Option<String>,
}

/// What a search found, as the page shows it.
struct Outcome {
    /// The newest stories, each as a hit of the query.
    stories: Vec<StoredHit>,
    /// The line saying how much matched of how much was searched.
    summary: String,
}

/// The search page.
pub(super) async fn page(
    State(state): State<WebState>,
    Query(params): Query<SearchParams>,
) -> Result<Markup, WebError> {
    let site = state.site();
    let text = params.q.unwrap_or_default();
    let language = params
        .language
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    let form = form(&site, &text, language.as_deref());
    let results = if text.trim().is_empty() {
        html! {}
    } else {
        match parse_query(&text) {
            Err(error) => query_error(&text, &error),
            Ok(query) => {
                let label = text.clone();
                let outcome = state
                    .reader
                    .read_long(move |store| run(store, &query, &label, language))
                    .await?;
                results(&site, &outcome)
            }
        }
    };
    let main = html! { (form) (results) };
    Ok(layout::page(&site, "Search", Nav::Search, html! {}, main))
}

/// Runs `query` over the stored articles (in `language`, if given).
fn run(
    store: &Store,
    query: &crate::matcher::Query,
    label: &str,
    language: Option<String>,
) -> Result<Outcome, StoreError> {
    let request = Request {
        languages: language.into_iter().collect(),
        count: Count::Estimate {
            stories: SHOWN_STORIES,
        },
        ..Request::default()
    };
    let found = search::find(store, query, &request, None)?;
    let stories = story_hits(store, label, &found, SHOWN_STORIES)?;
    Ok(Outcome {
        summary: summary(&found, stories.len()),
        stories,
    })
}

/// The search form: the query, the language, and a line on the query language.
fn form(site: &Site, text: &str, language: Option<&str>) -> Markup {
    let mut languages: BTreeSet<&str> = site
        .topics
        .topics()
        .iter()
        .flat_map(|t| t.languages.iter().map(String::as_str))
        .collect();
    languages.extend(language);
    html! {
        form.search method="get" action="/search" role="search" {
            label {
                "Query"
                input type="search" name="q" value=(text) autocomplete="off";
            }
            label {
                "Language"
                select name="language" {
                    option value="" selected[language.is_none()] { "Any" }
                    @for code in &languages {
                        option value=(code) selected[language == Some(*code)] { (code) }
                    }
                }
            }
            button type="submit" { "Search" }
        }
        p.small.muted {
            "The topic query language: words, \"phrases\", prefix*, AND, OR, NOT, "
            "NEAR/n, title: and body:, as in the topics of the config."
        }
    }
}

/// The query with a caret under where it went wrong, and why.
fn query_error(text: &str, error: &QueryError) -> Markup {
    let (shown, column) = caret_under(text, error.offset);
    html! {
        div.alert role="alert" {
            p { "The query is not valid at column " (column + 1) ": " (error.message) "." }
            pre.query-error { (shown) }
        }
    }
}

/// `text` up to the end of the line holding byte `offset`, then a line with `^` under that
/// place (tabs kept, so the caret lines up), then the rest of `text`; and the place's column.
fn caret_under(text: &str, offset: usize) -> (String, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let before = &text[line_start..offset];
    let indent: String = before
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let shown = format!("{}\n{indent}^{}", &text[..line_end], &text[line_end..]);
    (shown, before.chars().count())
}

/// The found stories under the line saying how much matched.
fn results(site: &Site, outcome: &Outcome) -> Markup {
    html! {
        h2 { "Results" }
        p.muted { (outcome.summary) }
        @if !outcome.stories.is_empty() {
            ol.stories {
                @for hit in &outcome.stories {
                    (story(site, hit))
                }
            }
        }
    }
}

/// One found story: its lead's title (linking to the story page), site, time, the best copy's
/// snippet and matched words.
fn story(site: &Site, hit: &StoredHit) -> Markup {
    let lang = layout::language_tag(hit.language.as_deref());
    let story_id = hit.story();
    let title = hit.shown_title();
    html! {
        li.story {
            h3 lang=[lang] { a href=(layout::story_path(story_id)) { (title) } }
            p.meta {
                @if !hit.feed.is_empty() { (hit.feed) " · " }
                (layout::time(site, hit.published_at.unwrap_or(hit.created_at)))
                @if let Some(url) = &hit.url {
                    " · " (layout::external_link(url, "article"))
                }
            }
            @if !hit.snippet.text.is_empty() {
                p.snippet lang=[lang] { (layout::snippet(&hit.snippet)) }
            }
            @if !hit.matched.is_empty() {
                p.meta { "Matched: " (hit.matched.join(", ")) }
            }
        }
    }
}

/// How much matched of how much was searched; "about" when the totals are estimated from a
/// sample, and how many stories are shown when that is not all.
fn summary(found: &Found, shown: usize) -> String {
    let (articles, stories, first, about) = match found.estimate {
        Some(estimate) => (estimate.articles, estimate.stories, "About ", "about "),
        None => (found.matches.len(), found.stories(), "", ""),
    };
    let searched = usize::try_from(found.searched).unwrap_or(usize::MAX);
    let mut line = format!(
        "{first}{} in {about}{} matched, of {} searched",
        counted(articles, "article", "articles"),
        counted(stories, "story", "stories"),
        counted(searched, "stored article", "stored articles"),
    );
    match found.estimate {
        Some(estimate) => line.push_str(&format!(
            " (estimated from {} of {} candidates)",
            estimate.sampled, found.candidates
        )),
        None => line.push_str(&format!(", in {} ms", found.elapsed.as_millis())),
    }
    if found.estimate.is_some() || shown < found.stories() {
        line.push_str(&format!("; showing the newest {shown}"));
    }
    line.push('.');
    line
}

fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The caret stands under the place the parser names, on its own line, even in a query of
    /// several lines, after tabs and after letters of more than one byte.
    #[test]
    fn the_caret_stands_under_the_error() {
        let cases = [
            ("arms OR", 7, "arms OR\n       ^", 7),
            ("(Waffe", 0, "(Waffe\n^", 0),
            ("Grüße AND", 8, "Grüße AND\n      ^", 6),
            ("a\n\tb )\nc", 5, "a\n\tb )\n\t  ^\nc", 3),
            ("x", 99, "x\n ^", 1),
        ];
        for (text, offset, shown, column) in cases {
            assert_eq!(
                caret_under(text, offset),
                (shown.to_owned(), column),
                "{text:?}"
            );
        }
    }
}
