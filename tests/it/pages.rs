//! Article pages and where an article's text comes from: the page when it yields an article,
//! else the feed's own content or summary.

use newshound::daemon::run_once;
use newshound::store::Store;

use crate::support::feeds::{FeedItem, rss_document};
use crate::support::{Reply, TestConfig, TestServer, article_page, feed};

const SUMMARY: &str =
    "The harbour council agreed on a new budget after long talks with the unions.";
const CONTENT: &str = "<p>The harbour council agreed on a new budget.</p><p>It took three weeks of talks \
     with the unions and the regional government, and the vote was close.</p>";

/// An RSS document whose items each have a summary and, for `/with-content`, full content.
fn rss_with_texts(links: &[&str]) -> String {
    let items: Vec<FeedItem> = links
        .iter()
        .map(|link| {
            let item = FeedItem::new(&format!("Budget {link}"), link).description(SUMMARY);
            if link.ends_with("with-content") {
                item.content(CONTENT)
            } else {
                item
            }
        })
        .collect();
    rss_document(None, &items)
}

fn by_url(config: &TestConfig) -> Vec<newshound::store::StoredArticle> {
    Store::open(&config.database()).unwrap().articles().unwrap()
}

/// A page that is not HTML, or that yields too little text, gives way to the feed's own text,
/// and the stored source says so; a real article page is stored as the page's text.
#[tokio::test]
async fn text_falls_back_to_the_feed_when_the_page_cannot_serve() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/feed.xml" => Reply::ok(
            "application/rss+xml",
            rss_with_texts(&["/article", "/report.pdf", "/consent-wall-with-content"]),
        ),
        "/article" => Reply::ok("text/html", article_page("Budget")),
        "/report.pdf" => Reply::ok("application/pdf", "%PDF-1.7 ..."),
        _ => Reply::ok(
            "text/html",
            "<html><body><p>Please accept cookies.</p></body></html>",
        ),
    })
    .await;
    let config = TestConfig::new(
        "allow_private_networks = true",
        &feed(&server.url("/feed.xml"), "t"),
    );
    let summary = run_once(&config.load(), true).await.unwrap();
    assert_eq!(summary.new_articles, 3);
    let articles = by_url(&config);
    let source = |suffix: &str| {
        let a = articles
            .iter()
            .find(|a| a.url.as_deref().unwrap().ends_with(suffix))
            .unwrap();
        (
            a.text_source.clone().unwrap_or_default(),
            a.text.clone().unwrap_or_default(),
        )
    };
    let (page_source, page_text) = source("/article");
    assert_eq!(page_source, "page");
    assert!(page_text.contains("the council met"));
    let (pdf_source, pdf_text) = source("/report.pdf");
    assert_eq!(
        (pdf_source.as_str(), pdf_text.as_str()),
        ("feed_summary", SUMMARY)
    );
    let (wall_source, wall_text) = source("/consent-wall-with-content");
    assert_eq!(wall_source, "feed_content");
    assert!(wall_text.contains("three weeks of talks"), "{wall_text}");
}

/// With fetch_articles off no page is requested and the feed's text is the article's text.
#[tokio::test]
async fn feed_text_is_used_when_pages_are_not_fetched() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/feed.xml" => Reply::ok(
            "application/rss+xml",
            rss_with_texts(&["/a-with-content", "/b"]),
        ),
        _ => Reply::ok("text/html", article_page("Never fetched")),
    })
    .await;
    let config = TestConfig::new(
        "fetch_articles = false",
        &feed(&server.url("/feed.xml"), "t"),
    );
    run_once(&config.load(), true).await.unwrap();
    assert_eq!(server.requests().len(), 1, "only the feed is requested");
    let sources: Vec<(String, String)> = by_url(&config)
        .into_iter()
        .map(|a| {
            (
                a.text_source.unwrap_or_default(),
                a.text.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(sources[0].0, "feed_content");
    assert!(
        sources[0]
            .1
            .starts_with("The harbour council agreed on a new budget.")
    );
    assert_eq!(sources[1], ("feed_summary".to_owned(), SUMMARY.to_owned()));
}
