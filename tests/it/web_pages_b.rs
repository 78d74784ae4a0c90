//! Issue 15: the topic pages (`/topics/NAME`) and the story pages (`/stories/ID`) over the
//! offline demo's database, through the router without a socket.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;

use crate::support::web::{page_of, router_over};
use crate::support::{db, demo_copy, json_lines, load, newshound, seed_hits};

/// The demo, run once in a folder of its own: the folder (kept while the test runs) and the
/// config's path.
fn demo_after_one_run() -> (tempfile::TempDir, PathBuf) {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    newshound(&config, &["run", "--once"]);
    (dir, config)
}

/// The status and body of `GET path` on the pages of the demo whose config is `config`.
async fn get(config: &Path, path: &str) -> (StatusCode, String) {
    page_of(router_over(&load(config)), path).await
}

/// The id of the demo's seed story (carried by three sites).
fn seed_story(config: &Path) -> i64 {
    let hits = json_lines(&newshound(config, &["hits", "--json"]));
    seed_hits(&hits)[0]["story_id"].as_i64().unwrap()
}

/// The part of `page` from the heading `h2` to the next `<h2>` (or the end).
fn section<'p>(page: &'p str, h2: &str) -> &'p str {
    let start = page
        .find(&format!("<h2>{h2}</h2>"))
        .unwrap_or_else(|| panic!("no section {h2:?} in\n{page}"));
    let rest = &page[start + 4..];
    &rest[..rest.find("<h2>").unwrap_or(rest.len())]
}

/// The acceptance's story page: the seed story's three copies, its text without page noise
/// and with the matched words marked, in its language; why "Arms deals" and "Summit meetings"
/// matched it, and why "Football transfers" did not.
#[tokio::test]
async fn seed_story_page_lists_its_copies_and_says_why_each_topic_matched() {
    let (_dir, config) = demo_after_one_run();
    let story = seed_story(&config);
    let (status, page) = get(&config, &format!("/stories/{story}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");

    let copies = section(&page, "Copies");
    assert_eq!(
        copies.matches("<tr>").count(),
        4,
        "a heading and three copies:\n{copies}"
    );
    for site in ["Rheinblick", "Elbe-Bote", "Mosel-Echo"] {
        assert!(copies.contains(&format!("<td>{site}")), "{site}:\n{copies}");
    }

    let text = section(&page, "Text");
    assert!(text.contains("<div class=\"text\" lang=\"de\">"), "{text}");
    assert!(text.contains("<p>Der nordkoreanische Machthaber"), "{text}");
    assert!(
        !text.contains("Vorlesen lassen") && !text.contains("Lesetipp"),
        "{text}"
    );
    assert!(text.contains("<mark>Waffenverkäufe</mark>"), "{text}");
    assert!(text.contains("<mark>treffen</mark>"), "{text}");

    let matched = section(&page, "Why it matched");
    for topic in ["Arms deals", "Summit meetings"] {
        assert!(
            matched.contains(&format!(">{topic}</a></h3>")),
            "{topic}:\n{matched}"
        );
    }
    assert_eq!(matched.matches("MATCHED (score ").count(), 2, "{matched}");
    assert!(!matched.contains("Football"), "{matched}");

    let others = section(&page, "The other topics");
    assert!(others.contains(">Football transfers</a></h3>"), "{others}");
    assert!(others.contains("<strong>no match</strong>"), "{others}");
    assert!(
        others.contains("<dt>failed</dt><dd>none of `football`, `soccer`"),
        "{others}"
    );
}

/// The arms topic lists the demo's two arms stories, each linked to its story page, with the
/// topic's feeds linked in the head and on the page; the football topic shows none.
#[tokio::test]
async fn topic_pages_list_the_arms_stories_and_none_for_football() {
    let (_dir, config) = demo_after_one_run();
    let arms = json_lines(&newshound(
        &config,
        &["hits", "--json", "--topic", "Arms deals"],
    ));
    assert_eq!(arms.len(), 2, "{arms:?}");
    let (status, page) = get(&config, "/topics/Arms%20deals").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    for hit in &arms {
        let link = format!("<a href=\"/stories/{}\">", hit["story_id"]);
        assert_eq!(page.matches(&link).count(), 1, "{link}:\n{page}");
    }
    assert_eq!(page.matches("<li class=\"story\">").count(), 2, "{page}");
    assert!(page.contains("<mark>"), "{page}");
    assert!(
        page.contains(
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Arms deals (Atom)\" \
             href=\"/topics/Arms%20deals.atom\">"
        ),
        "{page}"
    );
    assert!(page.contains("<p class=\"feedlinks\">"), "{page}");

    let (status, page) = get(&config, "/topics/Football%20transfers").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(!page.contains("<li class=\"story\">"), "{page}");
    assert!(page.contains("No stories."), "{page}");
}

/// A story or topic that does not exist is a 404 page, and a filter the page does not know a
/// 400 naming it.
#[tokio::test]
async fn unknown_stories_and_topics_are_not_found() {
    let (_dir, config) = demo_after_one_run();
    for path in ["/stories/999999", "/stories/first", "/topics/Cricket"] {
        let (status, page) = get(&config, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {page}");
    }
    let (status, page) = get(&config, "/topics/Arms%20deals?period=forever").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
    assert!(page.contains("period &quot;forever&quot;"), "{page}");
}

/// A feed may give a story a title that is markup and a `javascript:` link: both pages show
/// the title as text and link nothing to the script.
#[tokio::test]
async fn a_hostile_title_and_link_are_shown_as_text() {
    let (_dir, config) = demo_after_one_run();
    let story = seed_story(&config);
    let database = load(&config).daemon.database;
    db(&database)
        .execute(
            "UPDATE articles SET title = '<img src=x onerror=alert(1)>',
                 url = 'javascript:alert(1)', url_key = 'javascript:alert(1)'
             WHERE id = (SELECT lead_article_id FROM stories WHERE id = ?1)",
            [story],
        )
        .unwrap();
    for path in [
        format!("/stories/{story}"),
        "/topics/Arms%20deals".to_string(),
    ] {
        let (status, page) = get(&config, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        assert!(!page.contains("<img"), "{path}: {page}");
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{path}: {page}"
        );
        assert!(!page.contains("href=\"javascript:"), "{path}: {page}");
    }
}

/// A story whose lead has no stored text still shows its copies and its stored hits, and says
/// that the text was not stored instead of explaining the other topics from nothing.
#[tokio::test]
async fn a_story_without_its_leads_text_shows_its_copies_and_says_so() {
    let (_dir, config) = demo_after_one_run();
    let story = seed_story(&config);
    let database = load(&config).daemon.database;
    db(&database)
        .execute(
            "UPDATE articles SET text = NULL
             WHERE id = (SELECT lead_article_id FROM stories WHERE id = ?1)",
            [story],
        )
        .unwrap();
    let (status, page) = get(&config, &format!("/stories/{story}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        section(&page, "Copies").matches("<tr>").count(),
        4,
        "{page}"
    );
    assert!(
        section(&page, "Text").contains("The text of this story's lead was not stored."),
        "{page}"
    );
    let matched = section(&page, "Why it matched");
    assert_eq!(
        matched.matches("Stored hit: score ").count(),
        2,
        "{matched}"
    );
    assert!(
        section(&page, "The other topics").contains("Without the text"),
        "{page}"
    );
}
