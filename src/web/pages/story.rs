//! `/stories/ID`: one story under its lead's headline: every copy (site, feeds, published time,
//! link), the lead's extracted text with the matched words marked, and for each topic what it
//! made of the story: the stored hit and `newshound explain`'s explanation for those that hit
//! it, why not for the others.
//!
//! The lead's stored text is matched again against the current topics, as the daemon matched
//! it, to find the words to mark and to explain each topic; the stored hits say what was found
//! when the story came in (possibly in another copy, or under a topic's older query).

use std::collections::HashSet;

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use crate::matcher::{Article, Language, Section, Topic, Verdict, topic_hit, verdicts};
use crate::model::TopicHit;
use crate::store::{HitFilter, StoredHit, StoredText, StoryCopyDetails, StoryLead};
use crate::web::layout::{self, Nav};
use crate::web::{Site, WebError, WebState};

/// What the page reads from the database.
struct StoryRecord {
    id: i64,
    lead: StoryLead,
    /// Every copy, the lead first.
    copies: Vec<StoryCopyDetails>,
    /// The lead's text; `None` when it was not stored (or was pruned).
    text: Option<StoredText>,
    /// The story's stored hits, newest first, one per topic.
    hits: Vec<StoredHit>,
}

/// `/stories/{id}`.
pub(super) async fn page(
    State(state): State<WebState>,
    Path(id): Path<String>,
) -> Result<Markup, WebError> {
    let unknown = || WebError::NotFound(format!("there is no story {id:?}"));
    let story_id: i64 = id.parse().map_err(|_| unknown())?;
    let site = state.site();
    // Matching the text again against every topic is the page's work: it runs on the pages'
    // threads with the read, not on the async threads.
    state
        .reader
        .read(move |store| {
            let Some(lead) = store.story_lead(story_id)? else {
                return Ok(None);
            };
            let copies = store.story_copy_details(story_id, lead.lead_article_id)?;
            let text = store.stored_text(lead.lead_article_id)?;
            let hits = store.hits(&HitFilter {
                story: Some(story_id),
                ..HitFilter::default()
            })?;
            let record = StoryRecord {
                id: story_id,
                lead,
                copies,
                text,
                hits,
            };
            Ok(Some(render(&site, &record)))
        })
        .await?
        .ok_or_else(unknown)
}

/// The lead's text matched again against the current topics.
struct Reading<'s> {
    /// The stored text.
    text: &'s StoredText,
    /// The byte ranges in the text of the words any topic matched, ascending, not overlapping.
    marks: Vec<(usize, usize)>,
    /// Every configured topic with what it makes of the text.
    verdicts: Vec<(&'s Topic, Verdict)>,
}

/// Matches `text` as the daemon did: its stored title, text and language.
fn read<'s>(site: &'s Site, text: &'s StoredText) -> Reading<'s> {
    let code = text.language.as_deref();
    let article = Article::new(
        &text.title,
        &text.text,
        Language::from_code(code.unwrap_or_default()),
    );
    let mut marks: Vec<(usize, usize)> = Vec::new();
    let mut hits: Vec<TopicHit> = Vec::new();
    for (index, evaluation) in site.topics.matching(&article, code) {
        marks.extend(
            evaluation
                .hits
                .iter()
                .filter(|hit| hit.section == Section::Body)
                .map(|hit| (hit.offset, hit.offset + hit.word.len())),
        );
        let name = &site.topics.topics()[index].name;
        hits.push(topic_hit(name, &evaluation, &text.title, &text.text));
    }
    Reading {
        text,
        marks: without_overlaps(marks),
        verdicts: verdicts(&site.topics, &hits, code, &article),
    }
}

/// `marks` sorted, each starting after the one before ends (two topics may match one word, or
/// a phrase and a word in it).
fn without_overlaps(mut marks: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    marks.sort_unstable();
    let mut kept: Vec<(usize, usize)> = Vec::with_capacity(marks.len());
    for (start, end) in marks {
        match kept.last_mut() {
            Some(last) if start < last.1 => last.1 = last.1.max(end),
            _ => kept.push((start, end)),
        }
    }
    kept
}

/// The text's paragraphs (its non-empty lines), each with the marks inside it, moved to count
/// from the paragraph's start.
fn paragraphs<'t>(text: &'t str, marks: &[(usize, usize)]) -> Vec<(&'t str, Vec<(usize, usize)>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        let content = line.trim_end();
        let skipped = content.len() - content.trim_start().len();
        let (from, to) = (start + skipped, start + content.len());
        if from < to {
            let inside = marks
                .iter()
                .filter(|(s, e)| *s >= from && *e <= to)
                .map(|(s, e)| (s - from, e - from))
                .collect();
            out.push((&text[from..to], inside));
        }
        start = end;
    }
    out
}

fn render(site: &Site, record: &StoryRecord) -> Markup {
    let title = record
        .lead
        .title
        .clone()
        .unwrap_or_else(|| format!("Story {}", record.id));
    let reading = record.text.as_ref().map(|text| read(site, text));
    let main = html! {
        (copies(site, record))
        h2 { "Text" }
        @match &reading {
            Some(reading) => (text(reading)),
            None => p.muted { "The text of this story's lead was not stored." },
        }
        (why(site, record, reading.as_ref()))
    };
    layout::page(site, &title, Nav::None, html! {}, main)
}

/// Every copy of the story, the lead first.
fn copies(site: &Site, record: &StoryRecord) -> Markup {
    html! {
        h2 { "Copies" }
        div.table-wrap {
            table.copies-table {
                thead { tr { th { "Article" } th { "Site" } th { "Published" } th { "Feed" } } }
                tbody {
                    @for copy in &record.copies {
                        tr {
                            td lang=[copy.language.as_deref()] {
                                @let title = copy.title.as_deref().unwrap_or("(untitled)");
                                @match &copy.url {
                                    Some(url) => (layout::external_link(url, title)),
                                    None => (title),
                                }
                            }
                            td {
                                (copy.site)
                                @if copy.article_id == record.lead.lead_article_id {
                                    " " span.muted.small { "(lead)" }
                                }
                            }
                            td { (published(site, copy.published_at, copy.first_seen_at)) }
                            td { (copy.feeds.join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

/// When a copy was published, else when newshound first saw it, saying which.
fn published(site: &Site, at: Option<DateTime<Utc>>, seen: DateTime<Utc>) -> Markup {
    match at {
        Some(at) => layout::time(site, at),
        None => html! { (layout::time(site, seen)) " " span.muted.small { "(first seen)" } },
    }
}

/// The lead's text in paragraphs, in its language, with the matched words marked.
fn text(reading: &Reading<'_>) -> Markup {
    html! {
        div.text lang=[reading.text.language.as_deref()] {
            @for (paragraph, marks) in paragraphs(&reading.text.text, &reading.marks) {
                p { (layout::marked(paragraph, &marks)) }
            }
        }
    }
}

/// For each topic that hit the story, its stored hit and what it makes of the lead's text; for
/// the other configured topics, why they do not match.
fn why(site: &Site, record: &StoryRecord, reading: Option<&Reading<'_>>) -> Markup {
    let hit_topics: HashSet<&str> = record.hits.iter().map(|h| h.topic.as_str()).collect();
    let verdict_of = |name: &str| {
        reading?
            .verdicts
            .iter()
            .find(|(topic, _)| topic.name == name)
            .map(|(topic, verdict)| (*topic, verdict))
    };
    let others: Vec<&Topic> = site
        .topics
        .topics()
        .iter()
        .filter(|t| !hit_topics.contains(t.name.as_str()))
        .collect();
    html! {
        h2 { "Why it matched" }
        @if record.hits.is_empty() {
            p.muted { "No topic hit this story." }
        }
        @for hit in &record.hits {
            section.why {
                h3 { a href=(layout::topic_path(&hit.topic)) { (hit.topic) } }
                (stored_hit(site, record, hit, verdict_of(&hit.topic).map(|(_, v)| v)))
                @match verdict_of(&hit.topic) {
                    Some((topic, verdict)) => {
                        p.small { "On the lead's text with the current query:" }
                        (explanation(topic, verdict))
                    }
                    None if reading.is_none() => {}
                    None => p.muted { "The topic is no longer configured." },
                }
            }
        }
        @if !others.is_empty() {
            h2 { "The other topics" }
            @for topic in others {
                section.why {
                    h3 { a href=(layout::topic_path(&topic.name)) { (topic.name) } }
                    @match verdict_of(&topic.name) {
                        Some((topic, verdict)) => (explanation(topic, verdict)),
                        None => p.muted { "Without the text, newshound cannot say why not." },
                    }
                }
            }
        }
    }
}

/// What was stored when the topic hit the story: score, words, when, how, and the snippet
/// when the lead's text, matched again, does not give the same one.
fn stored_hit(site: &Site, record: &StoryRecord, hit: &StoredHit, now: Option<&Verdict>) -> Markup {
    let matched_copy = record
        .copies
        .iter()
        .find(|copy| copy.article_id == hit.article_id)
        .filter(|copy| copy.article_id != record.lead.lead_article_id);
    let same_snippet = matches!(now, Some(Verdict::Matched(again)) if again.snippet == hit.snippet);
    html! {
        p.meta {
            "Stored hit: score " (hit.score) " · found " (layout::time(site, hit.created_at))
            @if hit.backfill { " · " span.backfill { "backfill" } }
            @if let Some(copy) = matched_copy { " · in the copy of " (copy.site) }
        }
        dl {
            dt { "matched" }
            dd { (hit.matched.join(", ")) }
            @if !hit.snippet.text.is_empty() && !same_snippet {
                dt { "snippet" }
                dd.snippet { (layout::snippet(&hit.snippet)) }
            }
        }
    }
}

/// `newshound explain`'s verdict of one topic: its headline and labelled lines.
fn explanation(topic: &Topic, verdict: &Verdict) -> Markup {
    html! {
        p { strong { (verdict.headline()) } }
        dl {
            @match verdict {
                Verdict::Matched(hit) => {
                    dt { "words" } dd { (hit.matched.join(", ")) }
                    dt { "snippet" } dd.snippet { (layout::snippet(&hit.snippet)) }
                }
                other => {
                    @for (label, line) in other.details(topic) {
                        dt { (label) } dd { (line) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two topics marking the same word, or a phrase and a word in it, give one mark.
    #[test]
    fn overlapping_marks_become_one() {
        assert_eq!(
            without_overlaps(vec![(10, 14), (0, 3), (0, 3), (12, 20), (30, 31)]),
            [(0, 3), (10, 20), (30, 31)]
        );
    }

    /// Paragraphs are the text's non-empty lines, trimmed, each with its own marks counted
    /// from its start; a mark is never cut across two paragraphs.
    #[test]
    fn paragraphs_carry_their_own_marks() {
        let text = "First arms line.\n\n  Second deal here.\n";
        let arms = text.find("arms").unwrap();
        let deal = text.find("deal").unwrap();
        let found = paragraphs(text, &[(arms, arms + 4), (deal, deal + 4)]);
        assert_eq!(
            found,
            [
                ("First arms line.", vec![(6, 10)]),
                ("Second deal here.", vec![(7, 11)]),
            ]
        );
    }
}
