//! `newshound explain` shows what the daemon stores: for every article of the demo, the
//! language, the source of the text and the topic hits that `explain` prints are those that
//! `run --once` wrote to the database.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use newshound::dedup::url::canonical_url;

use crate::support::{demo_copy, newshound};

/// What `explain` printed for one article.
#[derive(Debug, Default)]
struct Shown {
    language: String,
    source: String,
    /// Topic → (score, matched words as printed).
    matched: HashMap<String, (u32, String)>,
}

/// Splits `explain` output into its articles, keyed by the canonical form of their URL (the
/// database's article identity).
fn parse_explain(output: &str) -> HashMap<String, Shown> {
    let mut shown = HashMap::new();
    for block in output.split("\n== ").map(|b| b.trim_start_matches("== ")) {
        let mut lines = block.lines();
        let label = lines.next().unwrap().trim();
        let key = canonical_url(&url::Url::parse(label).unwrap()).to_string();
        let mut article = Shown::default();
        let mut topic: Option<(String, u32)> = None;
        for line in lines {
            if let Some(rest) = line.strip_prefix("language:") {
                article.language = rest.split_whitespace().next().unwrap().to_owned();
            } else if let Some(at) = line.find(" characters, from ") {
                let source = &line[at + " characters, from ".len()..];
                article.source = source.trim_end_matches(')').to_owned();
            } else if let Some((name, score)) = line.split_once(": MATCHED (score ") {
                let score = score.trim_end_matches(')').parse().unwrap();
                topic = Some((name.to_owned(), score));
            } else if let Some(words) = line.strip_prefix("  words:   ") {
                let (name, score) = topic.take().expect("words follow a MATCHED line");
                article.matched.insert(name, (score, words.to_owned()));
            }
        }
        shown.insert(key, article);
    }
    shown
}

/// The name `explain` gives a stored text source.
fn source_shown(stored: &str) -> &'static str {
    match stored {
        "page" => "the page",
        "feed_content" => "the feed's content",
        "feed_summary" => "the feed's summary",
        other => panic!("unknown text source {other:?}"),
    }
}

/// Every article `run --once` stored for the demo: url_key → (id, story, language, source).
fn stored_articles(db: &Path) -> HashMap<String, (i64, i64, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare(
            "SELECT url_key, id, story_id, COALESCE(language, '-'), text_source FROM articles
             WHERE text_source IS NOT NULL",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Every stored hit: (topic, article, story, score, matched words as JSON).
fn stored_hits(db: &Path) -> Vec<(String, i64, i64, u32, Vec<String>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn
        .prepare("SELECT topic, article_id, story_id, score, matched FROM hits")
        .unwrap();
    st.query_map([], |r| {
        let matched: String = r.get(4)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            serde_json::from_str(&matched).unwrap(),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// For every demo article, `explain` on its feed gives the stored language and text source;
/// every stored hit is a MATCHED line of its article with the same score and words, and the
/// topics `explain` shows for a story's copies are exactly the topics stored for the story.
#[test]
fn explain_and_run_once_agree_on_every_demo_page() {
    let demo = demo_copy();
    let config = demo.path().join("demo.toml");
    newshound(&config, &["run", "--once"]);
    let mut shown = HashMap::new();
    let feeds = demo.path().join("demo").join("feeds");
    for feed in std::fs::read_dir(&feeds).unwrap() {
        let path = feed.unwrap().path();
        shown.extend(parse_explain(&newshound(
            &config,
            &["explain", path.to_str().unwrap()],
        )));
    }
    let db = demo.path().join("demo.db");
    let articles = stored_articles(&db);
    assert!(articles.len() >= 15, "{} articles stored", articles.len());
    let mut topics_by_story: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (url_key, (_, story, language, source)) in &articles {
        let article = shown
            .get(url_key)
            .unwrap_or_else(|| panic!("{url_key} not explained"));
        assert_eq!(&article.language, language, "language of {url_key}");
        assert_eq!(article.source, source_shown(source), "source of {url_key}");
        topics_by_story
            .entry(*story)
            .or_default()
            .extend(article.matched.keys().cloned());
    }
    let hits = stored_hits(&db);
    assert!(hits.len() >= 5, "{} hits stored", hits.len());
    let mut stored_by_story: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (topic, article_id, story, score, matched) in hits {
        let (url_key, _) = articles
            .iter()
            .find(|(_, (id, ..))| *id == article_id)
            .unwrap();
        let shown_hit = shown[url_key].matched.get(&topic);
        assert_eq!(
            shown_hit,
            Some(&(score, matched.join(", "))),
            "{topic} on {url_key}"
        );
        stored_by_story.entry(story).or_default().insert(topic);
    }
    topics_by_story.retain(|_, topics| !topics.is_empty());
    assert_eq!(topics_by_story, stored_by_story);
}
