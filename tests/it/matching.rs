//! The match stage end to end: hits stored by `run --once`, listed by `newshound hits`, and
//! explained by `newshound explain`, on the offline demo and on a loopback server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use newshound::daemon::run_once;
use newshound::store::{HitFilter, Store};

use crate::support::feeds::{page, rss_of_summaries};
use crate::support::{
    Reply, TestConfig, TestServer, crate_root, demo_copy, feed, json_lines, newshound, seed_hits,
};

/// The two topics of the issue that started the project, as users would write them.
const TOPICS: &str = r#"
[[topics]]
name = "Arms deals"
query = '''(arms OR weapon* OR munition* OR artillery OR missile* OR Waffe OR Munition OR Artillerie OR Rakete) NEAR/20 (deal OR sale OR sell OR buy OR purchase OR supply OR Verkauf OR Kauf OR Lieferung OR Geschäft OR Gespräch)'''

[[topics]]
name = "Summit meetings"
query = '''summit OR "meets with" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident OR Staatschef))'''

[[topics]]
name = "Football transfers"
query = '''(football OR soccer) AND transfer*'''
languages = ["en"]
"#;

const SEED_TITLE: &str = "Kim Jong-un und Putin treffen sich zu Waffengesprächen";

/// `run --once` on the demo stores the seed story's hits for both topics, once each (its three
/// copies are one story), and `hits --json` lists them with every documented field; a second
/// cycle adds nothing.
#[test]
fn demo_run_stores_hits_that_hits_lists() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    let summary = newshound(&config, &["run", "--once"]);
    assert!(summary.contains("hits: 5 new"), "{summary}");

    let hits = json_lines(&newshound(&config, &["hits", "--json"]));
    // The hit goes to whichever copy of the seed story was stored first.
    let seed = seed_hits(&hits);
    let mut topics: Vec<&str> = seed.iter().map(|h| h["topic"].as_str().unwrap()).collect();
    topics.sort_unstable();
    assert_eq!(topics, ["Arms deals", "Summit meetings"], "{hits:#?}");
    for hit in &seed {
        for field in [
            "url",
            "feed",
            "score",
            "matched",
            "snippet",
            "published_at",
            "created_at",
        ] {
            assert!(!hit[field].is_null(), "{field} missing in {hit}");
        }
        assert_eq!(hit["language"], "de");
        assert!(hit["snippet"].as_str().unwrap().contains("**"), "{hit}");
    }
    let arms = seed.iter().find(|h| h["topic"] == "Arms deals").unwrap();
    let words: Vec<&str> = arms["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(words.contains(&"Waffenverkäufe"), "{words:?}");

    let summit_only = json_lines(&newshound(
        &config,
        &[
            "hits",
            "--topic",
            "Summit meetings",
            "--since",
            "1h",
            "--json",
        ],
    ));
    assert!(!summit_only.is_empty());
    assert!(summit_only.iter().all(|h| h["topic"] == "Summit meetings"));
    let text = newshound(&config, &["hits"]);
    assert!(
        text.contains("Putin") && text.contains("matched: "),
        "{text}"
    );

    let again = newshound(&config, &["run", "--once", "--all"]);
    assert!(again.contains("hits: 0 new"), "{again}");
    assert_eq!(
        json_lines(&newshound(&config, &["hits", "--json"])).len(),
        hits.len()
    );
}

/// `explain` on the seed page: German, both topics matched with the German words, a snippet,
/// and the football topic's failing part.
#[test]
fn explain_shows_the_seed_matching_both_topics() {
    let root = crate_root();
    let out = newshound(
        &root.join("config/demo.toml"),
        &[
            "explain",
            root.join("config/demo/articles/kim-putin.html")
                .to_str()
                .unwrap(),
        ],
    );
    assert!(
        out.contains("language:  de (detected from the text)"),
        "{out}"
    );
    assert!(out.contains(&format!("title:     {SEED_TITLE}")), "{out}");
    assert!(out.contains("Arms deals: MATCHED"), "{out}");
    assert!(out.contains("Summit meetings: MATCHED"), "{out}");
    assert!(
        out.contains("Waffengesprächen") && out.contains("**Putin**"),
        "{out}"
    );
    assert!(out.contains("Football transfers: no match"), "{out}");
}

/// `explain` on an English football transfer story: no topic matches, and each says which
/// part of its query failed.
#[test]
fn explain_names_the_failing_part_for_a_football_story() {
    let root = crate_root();
    let out = newshound(
        &root.join("config/demo.toml"),
        &[
            "explain",
            root.join("config/demo/articles/football-transfer.html")
                .to_str()
                .unwrap(),
        ],
    );
    assert!(out.contains("language:  en"), "{out}");
    assert!(!out.contains("MATCHED"), "{out}");
    assert_eq!(out.matches(": no match").count(), 3, "{out}");
    assert!(
        out.contains("failed:  none of `arms`, `weapon*`, `munition*`"),
        "{out}"
    );
}

/// `explain` on a feed file explains every item, each with its page.
#[test]
fn explain_runs_every_item_of_a_feed() {
    let root = crate_root();
    let out = newshound(
        &root.join("config/demo.toml"),
        &[
            "explain",
            root.join("config/demo/feeds/rheinblick.xml")
                .to_str()
                .unwrap(),
        ],
    );
    assert_eq!(
        out.matches("\n== ").count() + usize::from(out.starts_with("== ")),
        5,
        "{out}"
    );
    assert!(out.contains(SEED_TITLE), "{out}");
    assert_eq!(out.matches("Summit meetings: MATCHED").count(), 2, "{out}");
}

/// An article page whose body is `paragraph` four times.
fn page_repeating(title: &str, paragraph: &str) -> String {
    page(title, &format!("<p>{paragraph}</p>").repeat(4))
}

/// Over HTTP: a page's text and a gone page's feed summary are both matched (the summary in
/// the feed's declared language, so `Gipfel` meets `Gipfeltreffen`), hits are stored with the
/// article, and an updated entry is matched again without a second hit.
#[tokio::test]
async fn pages_and_feed_texts_are_matched_and_hits_stored_once() {
    let version = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&version);
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/feed.xml" => {
            let update = if seen.load(Ordering::SeqCst) > 0 {
                " Korrigiert."
            } else {
                ""
            };
            Reply::ok(
                "application/rss+xml",
                rss_of_summaries(
                    Some("de"),
                    &[
                        ("/arms", "Teaser."),
                        (
                            "/gone",
                            &format!("Das Gipfeltreffen in Brüssel endete spät.{update}"),
                        ),
                        ("/sport", "Teaser."),
                    ],
                ),
            )
        }
        "/arms" => Reply::ok(
            "text/html",
            page_repeating(
                "Government clears missile sale",
                "The government cleared the sale of air-defence missiles to a partner country \
                 on Tuesday, after months of talks about export licences and guarantees.",
            ),
        ),
        "/sport" => Reply::ok(
            "text/html",
            page_repeating(
                "Rovers sign striker",
                "Port Alden Rovers signed the striker on deadline day for a club-record fee, \
                 after two earlier bids had been rejected by his club over the summer.",
            ),
        ),
        _ => Reply::status(410, &[]),
    })
    .await;
    let config = TestConfig::new(
        "allow_private_networks = true",
        &format!("{}{TOPICS}", feed(&server.url("/feed.xml"), "t")),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!((summary.new_articles, summary.hits), (3, 2), "{summary}");
    let store = Store::open(&config.database()).unwrap();
    let hits = store.hits(&HitFilter::default()).unwrap();
    let pairs: Vec<(String, String)> = hits
        .iter()
        .map(|h| (h.topic.clone(), h.url.clone().unwrap_or_default()))
        .collect();
    assert!(
        pairs.contains(&("Arms deals".into(), server.url("/arms"))),
        "{pairs:?}"
    );
    assert!(
        pairs.contains(&("Summit meetings".into(), server.url("/gone"))),
        "{pairs:?}"
    );
    let summit = hits.iter().find(|h| h.topic == "Summit meetings").unwrap();
    assert_eq!(summit.matched, ["Gipfeltreffen"]);
    assert_eq!(summit.language.as_deref(), Some("de"));
    assert_eq!(
        summit.snippet.marked(),
        "Das **Gipfeltreffen** in Brüssel endete spät."
    );
    let arms = hits.iter().find(|h| h.topic == "Arms deals").unwrap();
    assert_eq!(arms.language.as_deref(), Some("en"));
    assert!(arms.score >= 4, "title and body words: {}", arms.score);

    version.store(1, Ordering::SeqCst);
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(
        (summary.updated_articles, summary.hits),
        (1, 0),
        "{summary}"
    );
    assert_eq!(store.hits(&HitFilter::default()).unwrap().len(), 2);
}

/// Issue 13: how a user writes a hyphenated name and how a page writes it need not agree.
/// `explain` on pages writing `Nord Stream`, `Nord-Stream` and `Nordstream` matches a topic
/// written `Nord-Stream` on all three, and a topic written `"Nord Stream"` on the first two.
#[test]
fn explain_matches_hyphenated_names_written_apart_hyphenated_or_joined() {
    let config = TestConfig::new(
        "",
        "[[topics]]\nname = \"Hyphenated\"\nquery = 'Nord-Stream'\n\n\
         [[topics]]\nname = \"Apart\"\nquery = '\"Nord Stream\"'\n",
    );
    let explain = |name: &str, spelling: &str| -> String {
        let paragraph = format!(
            "<p>Divers inspected the damaged {spelling} pipeline on the floor of the Baltic Sea \
             on Tuesday, and the investigators said that their report on the explosions would \
             be published before the end of the year.</p>"
        );
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><title>Baltic pipeline inspected</title>\
             </head><body><article><h1>Baltic pipeline inspected</h1>{}</article></body></html>",
            paragraph.repeat(4)
        );
        let path = config.dir.path().join(name);
        std::fs::write(&path, html).unwrap();
        newshound(&config.path(), &["explain", path.to_str().unwrap()])
    };

    let apart = explain("apart.html", "Nord Stream");
    assert!(apart.contains("language:  en"), "{apart}");
    assert!(apart.contains("Hyphenated: MATCHED"), "{apart}");
    assert!(apart.contains("words:   Nord, Stream"), "{apart}");
    assert!(apart.contains("**Nord** **Stream**"), "{apart}");
    assert!(apart.contains("Apart: MATCHED"), "{apart}");

    let hyphenated = explain("hyphenated.html", "Nord-Stream");
    assert!(hyphenated.contains("Hyphenated: MATCHED"), "{hyphenated}");
    assert!(hyphenated.contains("Apart: MATCHED"), "{hyphenated}");
    assert!(hyphenated.contains("**Nord-Stream**"), "{hyphenated}");

    let joined = explain("joined.html", "Nordstream");
    assert!(joined.contains("Hyphenated: MATCHED"), "{joined}");
    assert!(joined.contains("words:   Nordstream"), "{joined}");
    assert!(joined.contains("Apart: no match"), "{joined}");
    assert!(
        joined.contains("failed:  the phrase `\"Nord Stream\"` does not occur"),
        "{joined}"
    );

    let neither = explain("neither.html", "Baltic");
    assert!(
        neither.contains("failed:  none of `Nord-Stream`, `\"Nord Stream\"`, `Nordstream` occurs"),
        "{neither}"
    );
}
