//! The overview (`/`), `/feeds` and `/outbox` over the demo's database after `run --once`,
//! through the router without a socket.

use std::path::PathBuf;

use axum::http::StatusCode;
use newshound::daemon::run_once;
use scraper::{Html, Selector};

use crate::support::web::{page_of, router_over};
use crate::support::{db, demo_copy, load};

const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_URL: &str = "javascript:alert(1)";

/// The demo after one cycle, in a folder of its own.
struct Demo {
    /// The folder, removed when the test ends.
    _dir: tempfile::TempDir,
    /// The config file.
    config: PathBuf,
    /// The database.
    database: PathBuf,
}

impl Demo {
    async fn run() -> Demo {
        let dir = demo_copy();
        let config = dir.path().join("demo.toml");
        run_once(&load(&config), true).await.unwrap();
        let database = dir.path().join("demo.db");
        Demo {
            _dir: dir,
            config,
            database,
        }
    }

    /// `path`'s status and body, as the web server would answer it now.
    async fn get(&self, path: &str) -> (StatusCode, String) {
        page_of(router_over(&load(&self.config)), path).await
    }

    /// The text of the overview's alert box, and the whole overview.
    async fn overview_alert(&self) -> (String, String) {
        let (status, overview) = self.get("/").await;
        assert_eq!(status, StatusCode::OK);
        let alert = select(&Html::parse_document(&overview), ".alert").join(" ");
        (alert, overview)
    }

    /// Hits per topic, counted from the hits themselves.
    fn hits_per_topic(&self) -> Vec<(String, i64)> {
        db(&self.database)
            .prepare("SELECT topic, count(*) FROM hits GROUP BY topic ORDER BY topic")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Makes the demo's Rheinblick feed hostile and broken: a name and URL that would run
    /// script if they were not escaped, reported broken after failed polls.
    fn break_a_feed_with_a_hostile_name(&self) {
        db(&self.database)
            .execute(
                "UPDATE feeds SET name = ?1, url = ?2, last_error = ?1, consecutive_errors = 3,
                     failing_since = last_polled_at, broken_alert_outbox_id = 1,
                     last_status = 'error'
                 WHERE config_url LIKE '%rheinblick.xml'",
                [HOSTILE_NAME, HOSTILE_URL],
            )
            .unwrap();
    }
}

fn select(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// Whether the page shows `text` only as text: no element was made of it, and no link
/// leads to a `javascript:` URL.
fn assert_escaped(body: &str) {
    assert!(!body.contains(HOSTILE_NAME), "{body}");
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{body}"
    );
    let html = Html::parse_document(body);
    let img = Selector::parse("img").unwrap();
    assert_eq!(html.select(&img).count(), 0, "{body}");
    let links = Selector::parse("a[href]").unwrap();
    for link in html.select(&links) {
        let href = link.value().attr("href").unwrap();
        assert!(
            !href.trim().to_lowercase().starts_with("javascript:"),
            "{href}"
        );
    }
}

/// The overview lists every configured topic in config order with its link, its hits in the
/// last day, week and in all (the demo's hits are all new), and a chart of 30 days; the
/// quiet football topic is listed with zeros.
#[tokio::test]
async fn overview_shows_every_topic_with_its_counts_and_a_30_day_chart() {
    let demo = Demo::run().await;
    let (status, body) = demo.get("/").await;
    assert_eq!(status, StatusCode::OK);
    let html = Html::parse_document(&body);
    let topics = select(&html, "tbody th");
    assert_eq!(
        topics,
        ["Arms deals", "Summit meetings", "Football transfers"]
    );
    assert!(body.contains(r#"href="/topics/Arms%20deals""#), "{body}");
    let truth = demo.hits_per_topic();
    assert_eq!(truth.len(), 2, "the demo hits two topics: {truth:?}");
    let rows = Selector::parse("tbody tr").unwrap();
    let cells = Selector::parse("td.num").unwrap();
    for row in html.select(&rows) {
        let topic = row.text().next().unwrap().trim().to_owned();
        let expected = truth.iter().find(|(t, _)| *t == topic).map_or(0, |t| t.1);
        let counts: Vec<i64> = row
            .select(&cells)
            .map(|c| c.text().collect::<String>().trim().parse().unwrap())
            .collect();
        assert_eq!(counts, [expected; 3], "{topic}");
        let chart = row.select(&Selector::parse("svg.chart").unwrap()).next();
        let chart = chart.expect("every topic has its chart");
        assert_eq!(chart.select(&Selector::parse("rect").unwrap()).count(), 30);
        let label = chart.value().attr("aria-label").unwrap();
        assert!(label.starts_with(&topic), "{label}");
        let height = |e: scraper::ElementRef<'_>| e.value().attr("height").unwrap().to_owned();
        assert_eq!(height(chart), "20", "the size is in the markup");
        let tallest: Vec<String> = chart
            .select(&Selector::parse("rect").unwrap())
            .map(height)
            .collect();
        let drawn = tallest.iter().filter(|h| *h != "0").count();
        assert_eq!(drawn, usize::from(expected > 0), "{topic}: {tallest:?}");
    }
    assert!(
        select(&html, ".alert").is_empty(),
        "nothing is broken: {body}"
    );
    let articles: i64 = db(&demo.database)
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert!(
        body.contains(&format!("{articles} articles stored; 4 feeds configured")),
        "{body}"
    );
}

/// The counts the overview reads are what counting the hits gives, after the demo's
/// cycle wrote them through the triggers.
#[tokio::test]
async fn hit_days_equal_the_hits_counted_after_the_demo() {
    let demo = Demo::run().await;
    let conn = db(&demo.database);
    let rows = |sql: &str| -> Vec<(String, i64, i64, i64)> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let kept = rows("SELECT topic, day, hits, last_at FROM hit_days ORDER BY 1, 2");
    let counted = rows(
        "SELECT topic, created_at / 86400, count(*), max(created_at) FROM hits
         GROUP BY 1, 2 ORDER BY 1, 2",
    );
    assert!(!counted.is_empty());
    assert_eq!(kept, counted);
    let kept_topics = rows("SELECT topic, 0, hits, last_at FROM hit_topics ORDER BY 1");
    let counted_topics =
        rows("SELECT topic, 0, count(*), max(created_at) FROM hits GROUP BY 1 ORDER BY 1");
    assert_eq!(kept_topics, counted_topics);
    let kept_hours = rows("SELECT topic, hour, hits, 0 FROM hit_hours ORDER BY 1, 2");
    let counted_hours =
        rows("SELECT topic, created_at / 3600, count(*), 0 FROM hits GROUP BY 1, 2 ORDER BY 1, 2");
    assert_eq!(kept_hours, counted_hours);
}

/// A feed with a hostile name and a `javascript:` URL is shown as text on every page that
/// names it, and never linked; sorted by status it comes first, as it is broken, and the
/// overview flags it with a link to the feeds sorted so.
#[tokio::test]
async fn hostile_broken_feed_is_escaped_flagged_and_sorted_first() {
    let demo = Demo::run().await;
    demo.break_a_feed_with_a_hostile_name();

    let (status, by_name) = demo.get("/feeds").await;
    assert_eq!(status, StatusCode::OK);
    assert_escaped(&by_name);
    let html = Html::parse_document(&by_name);
    let names = select(&html, "tbody th");
    assert_eq!(names.len(), 4, "{names:?}");
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted, "by name by default");
    assert!(by_name.contains(r#"href="/feeds?sort=status""#));

    let (status, by_status) = demo.get("/feeds?sort=status").await;
    assert_eq!(status, StatusCode::OK);
    assert_escaped(&by_status);
    let html = Html::parse_document(&by_status);
    let first_row = select(&html, "tbody tr").remove(0);
    assert!(first_row.contains(HOSTILE_NAME), "{first_row}");
    assert!(first_row.contains("broken"), "{first_row}");
    assert!(first_row.contains(HOSTILE_URL), "{first_row}");

    let (alert, overview) = demo.overview_alert().await;
    assert!(alert.contains("1 broken"), "{alert}");
    assert!(
        overview.contains(r#"<a href="/feeds?sort=status">"#),
        "{overview}"
    );
}

/// The outbox shows the demo's alert as sent with the file it was written to; an email that
/// failed is flagged on the overview with a link to the outbox, its error shown escaped.
#[tokio::test]
async fn outbox_shows_the_emails_and_the_overview_flags_failed_ones() {
    let demo = Demo::run().await;
    let (status, body) = demo.get("/outbox").await;
    assert_eq!(status, StatusCode::OK);
    let html = Html::parse_document(&body);
    let rows = select(&html, "tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("[newshound]"), "{}", rows[0]);
    assert!(rows[0].contains("sent"), "{}", rows[0]);
    assert!(rows[0].contains("accepted: "), "{}", rows[0]);
    assert!(rows[0].contains("analyst@localhost"), "{}", rows[0]);

    db(&demo.database)
        .execute(
            "UPDATE outbox SET status = 'failed', answer = NULL, last_error = ?1, subject = ?1",
            [HOSTILE_NAME],
        )
        .unwrap();
    let (_, body) = demo.get("/outbox").await;
    assert_escaped(&body);
    assert!(
        body.contains(r#"<span class="bad">failed</span>"#),
        "{body}"
    );
    let (alert, overview) = demo.overview_alert().await;
    assert!(alert.contains("1 email failed"), "{alert}");
    assert!(overview.contains(r#"<a href="/outbox">"#), "{overview}");
}

/// An order the feeds page does not know is refused with a page saying which it knows.
#[tokio::test]
async fn unknown_feed_order_is_a_bad_request() {
    let demo = Demo::run().await;
    let (status, body) = demo.get("/feeds?sort=%3Cb%3E").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("by name or status"), "{body}");
    assert!(!body.contains("<b>"), "{body}");
}
