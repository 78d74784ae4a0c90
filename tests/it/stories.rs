//! One story, one hit: the same page through several feeds is one article, copies of a story on
//! other sites join its story, and a topic hits a story once, however often it is copied or
//! corrected.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use newshound::daemon::run_once;
use newshound::store::{HitFilter, Store};

use crate::support::feeds::{page, rss_of_summaries};
use crate::support::{
    Reply, TestConfig, TestServer, demo_copy, feed, json_lines, newshound, seed_hits,
};

fn hits_json(config: &Path) -> Vec<serde_json::Value> {
    json_lines(&newshound(config, &["hits", "--json"]))
}

/// On the demo the seed story, carried by three sites (one of its links through an aggregator
/// with tracking parameters), is one story with three sources, and each topic hits it once.
/// Editing one copy and re-running changes no hit count.
#[test]
fn demo_seed_story_is_one_story_with_three_sources_and_one_hit_per_topic() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    newshound(&config, &["run", "--once"]);
    let hits = hits_json(&config);
    let seed = seed_hits(&hits);
    let mut topics: Vec<&str> = seed.iter().map(|h| h["topic"].as_str().unwrap()).collect();
    topics.sort_unstable();
    assert_eq!(topics, ["Arms deals", "Summit meetings"], "{hits:#?}");
    for hit in &seed {
        let sources: Vec<&str> = hit["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(sources.len(), 3, "{sources:?}");
        assert!(
            sources
                .iter()
                .any(|s| s.ends_with("/kim-putin-wladiwostok.html"))
        );
        assert!(
            sources
                .iter()
                .any(|s| s.ends_with("/kim-putin-mosel-echo.html"))
        );
        assert!(sources.iter().all(|s| !s.contains("utm_")), "{sources:?}");
        assert_eq!(hit["story_id"], seed[0]["story_id"]);
    }
    let store = Store::open(&dir.path().join("demo.db")).unwrap();
    let seed_articles = store
        .articles()
        .unwrap()
        .into_iter()
        .filter(|a| {
            a.text
                .as_deref()
                .is_some_and(|t| t.contains("Östlichen Wirtschaftsforums"))
        })
        .count();
    assert_eq!(
        seed_articles, 3,
        "the utm link is the same article as Rheinblick's"
    );

    // One copy is corrected: its page gains a paragraph and its feed entry changes, so it is
    // fetched, extracted and matched again.
    let page = dir.path().join("demo/articles/kim-putin-mosel-echo.html");
    let html = std::fs::read_to_string(&page).unwrap().replace(
        "</div>\n    <div class=\"story-foot\">",
        "<p>Korrektur: In einer früheren Fassung hieß es, Kim reise mit dem Flugzeug.</p></div>\n    <div class=\"story-foot\">",
    );
    std::fs::write(&page, html).unwrap();
    let feed_file = dir.path().join("demo/feeds/nachrichten-ticker.xml");
    // The Mosel-Echo item is the feed's first; only its entry changes.
    let feed = std::fs::read_to_string(&feed_file).unwrap().replacen(
        "nach Wladiwostok reisen.</description>",
        "nach Wladiwostok reisen (korrigiert).</description>",
        1,
    );
    std::fs::write(&feed_file, feed).unwrap();
    let again = newshound(&config, &["run", "--once", "--all"]);
    assert!(
        again.contains("1 updated") && again.contains("hits: 0 new"),
        "{again}"
    );
    assert_eq!(hits_json(&config).len(), hits.len());
}

const TOPICS: &str = r#"
[[topics]]
name = "Arms deals"
query = '''(arms OR missile* OR Waffe OR Rakete) NEAR/20 (deal OR sale OR Verkauf OR Lieferung)'''
"#;

fn paragraphs(seed: u64, extra: &str) -> String {
    let base = [
        "The government cleared the sale of air-defence missiles to a Baltic ally on Tuesday, \
         after months of talks about export licences, guarantees and delivery dates.",
        "Officials said the first launchers would be delivered next spring, with training for \
         crews starting in the winter at a base on the north coast.",
        "The deal, worth about 3.4 billion pounds, is the largest arms sale for the shipyard \
         town in a decade and secures several hundred jobs until the end of the decade.",
        "Opposition politicians asked for a debate in parliament, arguing that the export rules \
         had been stretched, while unions welcomed the orders for the local factories.",
        "Analysts said the agreement reflected a wider rearmament in the region, where several \
         governments have raised their defence budgets twice in three years.",
    ];
    let mut text: Vec<String> = base.iter().map(|p| format!("<p>{p}</p>")).collect();
    if seed % 2 == 1 {
        text.swap(3, 4);
    }
    text.push(format!("<p>{extra}</p>"));
    text.concat()
}

/// Over HTTP with two feeds: the same page linked from both (once with tracking parameters) is
/// one article with two sources; a lightly edited copy on another path joins its story; a
/// different story on the same subject does not; the topic hits the story once; a later
/// correction of the shared page (its entry changes in both feeds) changes no hit.
#[tokio::test]
async fn copies_join_one_story_and_the_topic_hits_it_once() {
    let version = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&version);
    let server = TestServer::start(move |req| {
        let corrected = seen.load(Ordering::SeqCst) > 0;
        match req.target.as_str() {
            "/a.xml" => Reply::ok(
                "application/rss+xml",
                rss_of_summaries(
                    None,
                    &[(
                        "/sale",
                        if corrected {
                            "Sale cleared (corrected)."
                        } else {
                            "Sale cleared."
                        },
                    )],
                ),
            ),
            "/b.xml" => Reply::ok(
                "application/rss+xml",
                rss_of_summaries(
                    None,
                    &[
                        (
                            "/sale?utm_source=b&amp;utm_medium=rss",
                            if corrected {
                                "Sale cleared (corrected)."
                            } else {
                                "Sale cleared."
                            },
                        ),
                        ("/copy", "Copy."),
                        ("/other", "Other."),
                    ],
                ),
            ),
            "/sale" | "/sale?utm_source=b&utm_medium=rss" => {
                let extra = if corrected {
                    "Correction: an earlier version gave the wrong delivery year."
                } else {
                    "The ministry declined to comment further."
                };
                Reply::ok(
                    "text/html",
                    page("Missile sale cleared", &paragraphs(0, extra)),
                )
            }
            "/copy" => Reply::ok(
                "text/html",
                page(
                    "UK approves missile deal",
                    &paragraphs(
                        1,
                        "Our reporter adds: the shipyard celebrated on Wednesday.",
                    ),
                ),
            ),
            "/other" => Reply::ok(
                "text/html",
                page(
                    "Rival bidder loses missile deal",
                    "<p>A rival arms maker said on Thursday it would appeal against the decision \
                     to award the missile sale to its competitor, calling the tender unfair.</p>\
                     <p>Its chief executive told shareholders the company had offered a cheaper \
                     system with earlier delivery and would ask the courts to review the award.</p>\
                     <p>The defence ministry said the process had been open and that the losing \
                     bid had failed two technical tests during the evaluation last summer.</p>",
                ),
            ),
            _ => Reply::status(404, &[]),
        }
    })
    .await;
    let body = format!(
        "{}{}{TOPICS}",
        feed(&server.url("/a.xml"), "a"),
        feed(&server.url("/b.xml"), "b")
    );
    let config = TestConfig::new("allow_private_networks = true", &body);
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(summary.new_articles, 3, "{summary}");
    assert_eq!(
        server.requests_to("/sale").len()
            + server
                .requests_to("/sale?utm_source=b&utm_medium=rss")
                .len(),
        1,
        "the shared page is fetched once"
    );
    let store = Store::open(&config.database()).unwrap();
    let hits = store.hits(&HitFilter::default()).unwrap();
    let story_hits: Vec<_> = hits.iter().filter(|h| h.sources.len() == 2).collect();
    assert_eq!(story_hits.len(), 1, "{hits:#?}");
    assert!(story_hits[0].sources.iter().all(|s| !s.contains("utm_")));
    let other = hits
        .iter()
        .find(|h| h.url.as_deref().is_some_and(|u| u.ends_with("/other")));
    assert!(
        other.is_some_and(|h| h.story_id != story_hits[0].story_id),
        "{hits:#?}"
    );
    assert_eq!(
        hits.len(),
        2,
        "one hit for the story, one for the other story: {hits:#?}"
    );

    version.store(1, Ordering::SeqCst);
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(
        (summary.updated_articles, summary.hits),
        (1, 0),
        "{summary}"
    );
    let after = store.hits(&HitFilter::default()).unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(
        after.iter().map(|h| h.story_id).collect::<Vec<_>>(),
        hits.iter().map(|h| h.story_id).collect::<Vec<_>>()
    );
}
