use chrono::TimeZone;

use super::*;
use crate::model::Snippet;

/// The title a hostile feed may give an article.
const HOSTILE: &str = "<img src=x onerror=alert(1)> & \"Waffen\" ]]> 'x'";

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 31, hour, 0, 0).unwrap()
}

fn hit(story_id: i64, title: &str, url: &str) -> StoredHit {
    StoredHit {
        id: story_id,
        topic: "Arms deals".into(),
        article_id: story_id,
        story_id: Some(story_id),
        lead_article_id: story_id,
        sources: vec![url.into(), "https://copy.example/b".into()],
        title: Some(title.into()),
        url: Some(url.into()),
        feed: "Rheinblick".into(),
        language: Some("de".into()),
        score: 3,
        matched: vec!["Waffen".into(), "liefert".into()],
        snippet: Snippet {
            text: "Moskau mehr Waffen liefert".into(),
            marks: vec![(12, 18)],
        },
        published_at: Some(at(6)),
        created_at: at(8),
        backfill: false,
    }
}

/// Two stories: the newer with a copy added after its hit (and a control character in its
/// title, which XML cannot hold), the older with a hostile title and a `javascript:` link.
fn feed(format: FeedFormat, base: &str) -> TopicFeed {
    let hits = [
        hit(7, "Kim und\u{1b} Putin", "https://rheinblick.example/a"),
        hit(3, HOSTILE, "javascript:alert(1)"),
    ];
    let last_seen = HashMap::from([(7, at(11)), (3, at(2))]);
    TopicFeed::new(
        "Arms deals",
        format,
        &Url::parse(base).unwrap(),
        &hits,
        &last_seen,
        at(12),
    )
}

fn parsed(format: FeedFormat, base: &str) -> feed_rs::model::Feed {
    let feed = feed(format, base);
    let bytes = match format {
        FeedFormat::Atom => atom::document(&feed),
        FeedFormat::JsonFeed => json_feed::document(&feed),
    };
    feed_rs::parser::parse(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
}

fn hrefs(links: &[feed_rs::model::Link]) -> Vec<(Option<&str>, &str)> {
    links
        .iter()
        .map(|l| (l.rel.as_deref(), l.href.as_str()))
        .collect()
}

/// The Atom feed has every element RFC 4287 requires, ids that do not depend on the address
/// the pages are served at, entries updated when a copy was added, and links under a proxy's
/// path.
#[test]
fn atom_feed_has_the_required_elements_and_stable_ids() {
    let feed = parsed(FeedFormat::Atom, "https://news.example.org/hound/");
    assert_eq!(feed.id, "tag:newshound,2026:topic/Arms%20deals");
    assert_eq!(feed.title.unwrap().content, "Arms deals · newshound");
    assert_eq!(feed.updated, Some(at(11)));
    assert_eq!(
        hrefs(&feed.links),
        [
            (
                Some("self"),
                "https://news.example.org/hound/topics/Arms%20deals.atom"
            ),
            (
                Some("alternate"),
                "https://news.example.org/hound/topics/Arms%20deals"
            ),
        ]
    );
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["tag:newshound,2026:story/7", "tag:newshound,2026:story/3"]
    );
    let newer = &feed.entries[0];
    assert_eq!(newer.updated, Some(at(11)), "a copy seen after the hit");
    assert_eq!(newer.published, Some(at(6)));
    assert_eq!(newer.authors[0].name.as_deref(), Some("Rheinblick"));
    assert_eq!(
        hrefs(&newer.links),
        [
            (Some("alternate"), "https://rheinblick.example/a"),
            (Some("related"), "https://news.example.org/hound/stories/7"),
        ]
    );
    let older = &feed.entries[1];
    assert_eq!(older.updated, Some(at(8)), "the hit, after its only copy");
    let again = parsed(FeedFormat::Atom, "http://127.0.0.1:9/");
    assert_eq!(again.entries[0].id, newer.id, "ids stay at another address");
}

/// A hostile title stays text in both formats, and a `javascript:` URL is never a link: the
/// entry leads to the story's page instead.
#[test]
fn hostile_title_round_trips_as_text_and_its_link_is_dropped() {
    for format in FeedFormat::ALL {
        let feed = parsed(format, "http://127.0.0.1:8080/");
        let hostile = &feed.entries[1];
        let title = hostile.title.as_ref().unwrap();
        assert_eq!(
            title.content_type.essence().to_string(),
            "text/plain",
            "{format:?}"
        );
        assert_eq!(title.content, HOSTILE, "{format:?}");
        let links: Vec<&str> = hostile.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(links, ["http://127.0.0.1:8080/stories/3"], "{format:?}");
    }
    let atom = atom::document(&feed(FeedFormat::Atom, "http://127.0.0.1:8080/"));
    let atom = String::from_utf8(atom).unwrap();
    assert!(!atom.contains("<img"), "{atom}");
    assert!(!atom.contains("javascript:"), "{atom}");
}

/// The JSON Feed has the version, title and item ids JSON Feed 1.1 requires, the same ids as
/// the Atom feed, and each item's text names the matched words, every copy and the story page.
#[test]
fn json_feed_has_the_required_members_and_the_atom_ids() {
    let bytes = json_feed::document(&feed(FeedFormat::JsonFeed, "http://127.0.0.1:8080/"));
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["title"], "Arms deals · newshound");
    assert_eq!(
        json["feed_url"],
        "http://127.0.0.1:8080/topics/Arms%20deals.json"
    );
    let item = &json["items"][0];
    assert_eq!(item["id"], "tag:newshound,2026:story/7");
    assert_eq!(item["url"], "https://rheinblick.example/a");
    assert_eq!(item["date_modified"], "2026-01-31T11:00:00Z");
    assert_eq!(item["language"], "de");
    assert_eq!(
        item["content_text"],
        "Moskau mehr Waffen liefert\n\nMatched: Waffen, liefert\nSources: \
         https://rheinblick.example/a, https://copy.example/b\nWhy it matched · all copies: \
         http://127.0.0.1:8080/stories/7"
    );
    let parsed = parsed(FeedFormat::JsonFeed, "http://127.0.0.1:8080/");
    assert_eq!(parsed.entries.len(), 2);
}

/// A feed without stories is still valid: it is as new as the moment it was made.
#[test]
fn a_topic_without_stories_makes_an_empty_valid_feed() {
    let base = Url::parse("http://127.0.0.1:8080/").unwrap();
    let empty = TopicFeed::new(
        "Quiet",
        FeedFormat::Atom,
        &base,
        &[],
        &HashMap::new(),
        at(12),
    );
    let parsed = feed_rs::parser::parse(atom::document(&empty).as_slice()).unwrap();
    assert_eq!((parsed.entries.len(), parsed.updated), (0, Some(at(12))));
}

/// Links are made under `[web] public_url`, else under the request's own address, which must
/// be a bare host and port.
#[test]
fn links_are_made_under_the_public_url_else_the_requests_host() {
    let mut settings = WebSettings {
        listen: None,
        public_url: None,
        password: None,
        password_source: None,
        timezone: chrono_tz::UTC,
    };
    let host = |value: &str| {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        headers
    };
    let base = |settings: &WebSettings, headers: &HeaderMap| {
        site_base(settings, headers).map(|u| u.to_string()).ok()
    };
    assert_eq!(
        base(&settings, &host("127.0.0.1:18103")).as_deref(),
        Some("http://127.0.0.1:18103/")
    );
    for refused in ["evil.example/x?", "a@evil.example", "a b"] {
        assert_eq!(base(&settings, &host(refused)), None, "{refused}");
    }
    assert_eq!(base(&settings, &HeaderMap::new()), None);
    settings.public_url = Some(Url::parse("https://news.example.org/hound/").unwrap());
    assert_eq!(
        base(&settings, &HeaderMap::new()).as_deref(),
        Some("https://news.example.org/hound/")
    );
}
