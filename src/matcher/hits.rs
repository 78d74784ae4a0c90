//! Turns a topic's evaluation into what users see: a score, the matched words as written, and a
//! snippet of about 200 characters around the best match with those words marked.

use super::eval::{Article, Evaluation, Hit, Section};
use super::text::{Language, fold};
use super::topics::TopicSet;
use crate::language;
use crate::model::{Snippet, TITLE_WEIGHT, TextAnalysis, TopicHit};

/// Target length of a snippet, in characters.
pub const SNIPPET_CHARS: usize = 200;

/// Matches one article text against every topic: decides its language (detected from `body`,
/// else the first of `declared`), tokenises title and body once in it, and returns a hit per
/// matching topic. This is the match stage of the pipeline, and what `explain` runs.
pub fn match_article<'a>(
    topics: &TopicSet,
    title: &str,
    body: &str,
    declared: impl IntoIterator<Item = Option<&'a str>>,
) -> TextAnalysis {
    let code = language::of_article(body, declared);
    let article = Article::new(
        title,
        body,
        Language::from_code(code.as_deref().unwrap_or("")),
    );
    match_tokenised(topics, &article, code, title, body)
}

/// [`match_article`] for an article whose language (`code`) is decided and whose `title` and
/// `body` are tokenised in it (`article`): the pipeline decides the language once and shares
/// the tokens with the story fingerprint.
pub fn match_tokenised(
    topics: &TopicSet,
    article: &Article,
    code: Option<String>,
    title: &str,
    body: &str,
) -> TextAnalysis {
    let hits = topics
        .matching(article, code.as_deref())
        .into_iter()
        .map(|(index, evaluation)| {
            topic_hit(&topics.topics()[index].name, &evaluation, title, body)
        })
        .collect();
    TextAnalysis {
        language: code,
        hits,
    }
}

/// The hit for `topic` from an evaluation that matched, over the texts it was evaluated on.
pub fn topic_hit(topic: &str, evaluation: &Evaluation, title: &str, body: &str) -> TopicHit {
    TopicHit {
        topic: topic.to_owned(),
        score: score(&evaluation.hits),
        matched: matched_words(&evaluation.hits),
        snippet: snippet(&evaluation.hits, title, body),
    }
}

/// TextAnalysis occurrences, title words weighing [`TITLE_WEIGHT`].
fn score(hits: &[Hit]) -> u32 {
    hits.iter()
        .map(|hit| match hit.section {
            Section::Title => TITLE_WEIGHT,
            Section::Body => 1,
        })
        .sum()
}

/// Distinct matched words (by folded form), as first written, title first.
fn matched_words(hits: &[Hit]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    hits.iter()
        .filter(|hit| seen.insert(fold(&hit.word)))
        .map(|hit| hit.word.clone())
        .collect()
}

/// The window of the body with the most matched words (the title when only the title matched).
fn snippet(hits: &[Hit], title: &str, body: &str) -> Snippet {
    let in_body: Vec<(usize, usize)> = word_ranges(hits, Section::Body);
    if !in_body.is_empty() {
        return window(body, &in_body);
    }
    window(title, &word_ranges(hits, Section::Title))
}

fn word_ranges(hits: &[Hit], section: Section) -> Vec<(usize, usize)> {
    let mut ranges: Vec<(usize, usize)> = hits
        .iter()
        .filter(|hit| hit.section == section)
        .map(|hit| (hit.offset, hit.offset + hit.word.len()))
        .collect();
    ranges.sort_unstable();
    ranges.dedup();
    ranges
}

/// Cuts about [`SNIPPET_CHARS`] characters of `text` around the densest run of `marks` (byte
/// ranges into `text`), at word boundaries, and collapses whitespace.
fn window(text: &str, marks: &[(usize, usize)]) -> Snippet {
    let budget = SNIPPET_CHARS * 4; // bytes: generous for non-Latin scripts, trimmed by chars below
    let (first, last) = densest_run(marks, SNIPPET_CHARS);
    let (run_start, run_end) = (marks[first].0, marks[last].1);
    let run_chars = char_count(text, run_start, run_end);
    let spare = SNIPPET_CHARS.saturating_sub(run_chars);
    let start = back_chars(text, run_start, spare / 2);
    let end = forward_chars(
        text,
        run_end,
        SNIPPET_CHARS.saturating_sub(char_count(text, start, run_end)),
    );
    let start = word_start(text, start, run_start);
    let end = word_end(text, end, run_end).min(run_end.max(start + budget));
    let inside: Vec<(usize, usize)> = marks
        .iter()
        .filter(|(s, e)| *s >= start && *e <= end)
        .map(|(s, e)| (s - start, e - start))
        .collect();
    let mut snippet = collapse_whitespace(&text[start..end], &inside);
    if start > 0 {
        prepend_ellipsis(&mut snippet);
    }
    if end < text.len() {
        snippet.text.push_str(" …");
    }
    snippet
}

/// Indices (first, last) of the run with the most marks whose span is at most `span` bytes
/// (bytes, not characters: close enough to choose a passage); the earliest such run wins.
fn densest_run(marks: &[(usize, usize)], span: usize) -> (usize, usize) {
    let mut best = (0, 0);
    let mut last = 0;
    for first in 0..marks.len() {
        last = last.max(first);
        while last + 1 < marks.len() && marks[last + 1].1 - marks[first].0 <= span {
            last += 1;
        }
        if last - first > best.1 - best.0 {
            best = (first, last);
        }
    }
    best
}

fn char_count(text: &str, start: usize, end: usize) -> usize {
    text.get(start..end).map_or(0, |s| s.chars().count())
}

/// The byte offset `n` characters before `at` (or 0).
fn back_chars(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i)
        .min(at)
}

/// The byte offset `n` characters after `at` (or the end).
fn forward_chars(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| at + i)
}

/// Moves `start` forward to the beginning of a word, without passing `limit`.
fn word_start(text: &str, start: usize, limit: usize) -> usize {
    if start == 0 || text[..start].ends_with(char::is_whitespace) {
        return start;
    }
    text[start..limit]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(start, |(i, c)| start + i + c.len_utf8())
        .min(limit)
}

/// Moves `end` back to the end of a word, without going before `limit`.
fn word_end(text: &str, end: usize, limit: usize) -> usize {
    if end >= text.len() || text[end..].starts_with(char::is_whitespace) {
        return end;
    }
    text[limit..end]
        .rfind(char::is_whitespace)
        .map_or(end, |i| limit + i)
}

/// Replaces every run of whitespace with one space (trimming both ends) and moves the marks
/// along.
fn collapse_whitespace(text: &str, marks: &[(usize, usize)]) -> Snippet {
    let mut out = String::with_capacity(text.len());
    let mut moved = Vec::with_capacity(marks.len());
    let mut new_offset = vec![0usize; text.len() + 1];
    let mut pending_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            new_offset[i] = out.len();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        new_offset[i..i + c.len_utf8()].fill(out.len());
        out.push(c);
    }
    new_offset[text.len()] = out.len();
    for &(s, e) in marks {
        let (s, e) = (new_offset[s], new_offset[e].max(new_offset[s]));
        // A mark ending at a collapsed space maps to the end of the word before it.
        let e = out[..e].trim_end().len().max(s);
        if s < e {
            moved.push((s, e));
        }
    }
    Snippet {
        text: out,
        marks: moved,
    }
}

fn prepend_ellipsis(snippet: &mut Snippet) {
    const PREFIX: &str = "… ";
    snippet.text.insert_str(0, PREFIX);
    for mark in &mut snippet.marks {
        mark.0 += PREFIX.len();
        mark.1 += PREFIX.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Article, Language, evaluate, parse_query};

    fn hit_for(query: &str, title: &str, body: &str, language: &str) -> TopicHit {
        let article = Article::new(title, body, Language::from_code(language));
        let evaluation = evaluate(&parse_query(query).unwrap(), &article);
        assert!(evaluation.matched, "{query}");
        topic_hit("t", &evaluation, title, body)
    }

    /// Title words weigh more; matched words are listed once each, as written.
    #[test]
    fn score_weighs_the_title_and_words_are_distinct() {
        let hit = hit_for(
            "Gipfel",
            "Gipfel in Wladiwostok",
            "Der Gipfel begann. Beim Gipfel ging es um Waffen.",
            "de",
        );
        assert_eq!(hit.score, TITLE_WEIGHT + 2);
        assert_eq!(hit.matched, ["Gipfel"]);
    }

    /// The snippet is about 200 characters around the matches, cut at words, marks on the
    /// matched words only.
    #[test]
    fn snippet_surrounds_the_best_match_with_marks() {
        let filler = "Lorem ipsum dolor sit amet consectetur. ".repeat(20);
        let body = format!("{filler}Putin und Kim sprachen über Waffenlieferungen.\n\n{filler}");
        let hit = hit_for("Waffe", "Treffen", &body, "de");
        let snippet = &hit.snippet;
        let chars = snippet.text.chars().count();
        assert!((150..=215).contains(&chars), "{chars}: {}", snippet.text);
        assert!(snippet.text.starts_with("… ") && snippet.text.ends_with(" …"));
        assert_eq!(snippet.marks.len(), 1);
        let (s, e) = snippet.marks[0];
        assert_eq!(&snippet.text[s..e], "Waffenlieferungen");
        assert!(snippet.marked().contains("über **Waffenlieferungen**."));
        assert!(!snippet.text.contains('\n'));
    }

    /// The window goes where most matched words are, not to the first one.
    #[test]
    fn snippet_prefers_the_densest_passage() {
        let filler = "Nothing to see here at all today. ".repeat(15);
        let body = format!(
            "A summit was planned. {filler}The summit opened; summit leaders met at the summit."
        );
        let hit = hit_for("summit", "", &body, "en");
        assert_eq!(hit.snippet.marks.len(), 3, "{}", hit.snippet.text);
        assert!(hit.snippet.text.ends_with("summit."));
    }

    /// A title-only match shows the title with its marks; a short text is not cut.
    #[test]
    fn title_only_match_uses_the_title() {
        let hit = hit_for("title:arms", "Arms deal signed", "Nothing relevant.", "en");
        assert_eq!(hit.snippet.marked(), "**Arms** deal signed");
    }

    /// Rendering escapes text but not markers.
    #[test]
    fn render_escapes_between_markers() {
        let snippet = Snippet {
            text: "a<b> arms".into(),
            marks: vec![(5, 9)],
        };
        let html = snippet.render("<b>", "</b>", |t| {
            t.replace('<', "&lt;").replace('>', "&gt;")
        });
        assert_eq!(html, "a&lt;b&gt; <b>arms</b>");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// On any text around matched words, the snippet stays short, its marks lie on
        /// character boundaries inside it, and each mark is a matched word.
        #[test]
        fn snippets_are_bounded_and_marks_valid(
            pieces in proptest::collection::vec(("\\PC{0,80}", 0usize..3), 1..12),
        ) {
            let words = ["arms", "Waffenlieferung", "Verkäufe"];
            let body: String = pieces
                .iter()
                .map(|(text, word)| format!("{text} {} ", words[*word]))
                .collect();
            let article = Article::new("", &body, Language::from_code("de"));
            let query = parse_query("arms OR Waffe OR Verkauf").unwrap();
            let evaluation = evaluate(&query, &article);
            proptest::prop_assert!(evaluation.matched);
            let hit = topic_hit("t", &evaluation, "", &body);
            let snippet = &hit.snippet;
            proptest::prop_assert!(snippet.text.chars().count() <= SNIPPET_CHARS + 100);
            proptest::prop_assert!(!snippet.marks.is_empty());
            for &(start, end) in &snippet.marks {
                let marked = snippet.text.get(start..end);
                proptest::prop_assert!(marked.is_some(), "{:?} {}", snippet.marks, snippet.text);
                let marked = marked.unwrap_or_default();
                proptest::prop_assert!(hit.matched.iter().any(|w| w == marked), "{marked}");
            }
        }
    }
}
