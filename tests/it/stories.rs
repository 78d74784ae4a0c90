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

/// Issue 13, papercut 2, over HTTP and email: one feed brings an edited copy of a story first,
/// another later brings the original, published hours before it. The original becomes the lead
/// that `hits --json` shows, and nothing is told twice: the story keeps its one hit, and each
/// recipient still has exactly one alert about it.
#[tokio::test]
async fn an_earlier_published_original_arriving_late_becomes_the_lead_without_a_second_alert() {
    const ORIGINAL: &str = "Shipyard wins frigate export contract";
    const EDIT: &str = "UPDATED: Frigate sale to Norway approved, shipyard says";
    let text = [
        "The shipyard on the Clyde has won a contract to export four frigates to Norway, the \
         defence ministry confirmed on Monday after a tender that lasted two years.",
        "The first ship is to be delivered in four years, with the others following at intervals \
         of a year, and crews are to be trained at the yard before each handover.",
        "The sale secures about two thousand jobs at the yard and at suppliers across the region, \
         according to the union, which had campaigned for the order since the spring.",
        "Norway chose the design over two rival bids because of its range and its quiet engines, \
         a spokeswoman for the Norwegian navy said in Oslo.",
    ]
    .map(|p| format!("<p>{p}</p>"))
    .concat();
    let html = move |title: &str, extra: &str| {
        format!(
            "<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body>\
             <article><h1>{title}</h1>{text}{extra}</article></body></html>"
        )
    };
    let dated_feed = |item: Option<(&str, &str, &str)>| {
        let item = item.map_or(String::new(), |(title, link, date)| {
            format!(
                "<item><title>{title}</title><link>{link}</link><guid>{link}</guid>\
                 <pubDate>{date}</pubDate></item>"
            )
        });
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
             <link>http://example.com/</link>{item}</channel></rss>"
        )
    };
    let original_out = Arc::new(AtomicUsize::new(0));
    let published = Arc::clone(&original_out);
    let server = TestServer::start(move |req| match req.target.as_str() {
        "/wire.xml" => Reply::ok(
            "application/rss+xml",
            dated_feed(Some((EDIT, "/edit", "Tue, 05 Sep 2023 11:30:00 +0000"))),
        ),
        "/yard.xml" => Reply::ok(
            "application/rss+xml",
            dated_feed((published.load(Ordering::SeqCst) > 0).then_some((
                ORIGINAL,
                "/original",
                "Tue, 05 Sep 2023 06:10:00 +0000",
            ))),
        ),
        "/edit" => Reply::ok(
            "text/html",
            html(
                EDIT,
                "<p>This article was updated with a statement from the union.</p>",
            ),
        ),
        "/original" => Reply::ok("text/html", html(ORIGINAL, "")),
        _ => Reply::status(404, &[]),
    })
    .await;
    let body = format!(
        "{}{}\n[[topics]]\nname = \"Naval exports\"\nquery = \"frigate* NEAR/10 export*\"\n\
         alert = \"immediate\"\n\n[email]\nfrom = \"newshound@localhost\"\n\
         to = [\"desk@localhost\", \"editor@localhost\"]\n\n[email.file]\ndir = \"outbox\"\n",
        feed(&server.url("/wire.xml"), "Wire"),
        feed(&server.url("/yard.xml"), "Yard Gazette"),
    );
    let config = TestConfig::new("allow_private_networks = true", &body);
    let hits = || -> Vec<serde_json::Value> {
        newshound(&config.path(), &["hits", "--json"])
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let alerts = || {
        let store = Store::open(&config.database()).unwrap();
        let mut recipients: Vec<String> = store
            .outbox(100)
            .unwrap()
            .into_iter()
            .map(|m| format!("{} {}", m.kind, m.recipient))
            .collect();
        recipients.sort();
        recipients
    };
    let eml_files = || {
        std::fs::read_dir(config.dir.path().join("outbox"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "eml")
            })
            .count()
    };

    let first = run_once(&config.load(), true).await.unwrap();
    assert_eq!((first.new_articles, first.hits), (1, 1), "{first}");
    let before = hits();
    assert_eq!(before.len(), 1, "{before:#?}");
    assert_eq!(before[0]["title"], EDIT);
    let told = ["immediate desk@localhost", "immediate editor@localhost"];
    assert_eq!(alerts(), told);
    assert_eq!(eml_files(), 2);

    original_out.store(1, Ordering::SeqCst);
    let second = run_once(&config.load(), true).await.unwrap();
    assert_eq!((second.new_articles, second.hits), (1, 0), "{second}");
    let after = hits();
    assert_eq!(after.len(), 1, "still one hit for the story: {after:#?}");
    let hit = &after[0];
    assert_eq!(hit["title"], ORIGINAL, "{hit:#}");
    assert_eq!(hit["feed"], "Yard Gazette");
    assert_eq!(hit["published_at"], "2023-09-05T06:10:00+00:00");
    assert_eq!(hit["url"], server.url("/original"));
    assert_eq!(
        hit["sources"],
        serde_json::json!([server.url("/original"), server.url("/edit")])
    );
    assert_eq!(
        (&hit["article_id"], &hit["story_id"], &hit["matched"]),
        (
            &before[0]["article_id"],
            &before[0]["story_id"],
            &before[0]["matched"]
        ),
        "the hit is the one found in the edit"
    );
    assert_eq!(second.emails_queued, 0, "{second}");
    assert_eq!(alerts(), told, "one alert per recipient");
    assert_eq!(eml_files(), 2);
}

/// Issue 13's acceptance on the demo: the seed story, whose Mosel-Echo and Elbe-Bote copies
/// were published after Rheinblick's original, is shown under the original's headline and
/// link, with the original first among its sources.
#[test]
fn demo_shows_the_seed_story_under_its_earliest_published_copy() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    newshound(&config, &["run", "--once"]);
    let hits: Vec<serde_json::Value> = newshound(&config, &["hits", "--json"])
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let seed: Vec<&serde_json::Value> = hits
        .iter()
        .filter(|h| h["sources"].as_array().unwrap().len() == 3)
        .collect();
    assert_eq!(seed.len(), 2, "one hit per topic: {hits:#?}");
    for hit in seed {
        // The aggregator may bring the original first, with its own "Rheinblick: " prefix.
        let title = hit["title"].as_str().unwrap();
        assert!(
            title.ends_with("Kim Jong-un und Putin treffen sich zu Waffengesprächen"),
            "{hit:#}"
        );
        assert!(hit["url"].as_str().unwrap().ends_with("/kim-putin.html"));
        assert!(
            hit["sources"][0]
                .as_str()
                .unwrap()
                .ends_with("/kim-putin.html")
        );
        assert_eq!(hit["language"], "de");
    }
}
