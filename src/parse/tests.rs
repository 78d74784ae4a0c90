//! The parse stage's unit tests: conversion, repair, limits, identity and errors.

use super::*;

/// The base URL the tests parse against.
pub(super) fn base() -> Url {
    Url::parse("http://example.com/news/feed.xml").expect("a valid literal URL")
}

/// Parses `doc` with no HTTP charset, failing the test on an error.
pub(super) fn parse_ok(doc: &[u8]) -> ParsedFeed {
    match parse_feed(doc, None, &base()) {
        Ok(feed) => feed,
        Err(err) => panic!("expected a feed, got: {err}"),
    }
}

/// An RSS 2.0 document with the given `<item>` bodies.
pub(super) fn rss(items: &[&str]) -> String {
    let items: String = items.iter().map(|i| format!("<item>{i}</item>")).collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>"
    )
}

/// The caller moves errors across threads and into `anyhow`.
#[test]
fn parse_error_is_send_sync_and_static() {
    fn assert_bounds<T: Send + Sync + 'static>() {}
    assert_bounds::<ParseError>();
}

/// A well-formed feed takes the fast path and is not reported as repaired.
#[test]
fn well_formed_rss_is_not_marked_repaired() {
    let feed = parse_ok(rss(&["<title>A</title><link>http://example.com/a</link>"]).as_bytes());
    assert_eq!(feed.entries.len(), 1);
    assert!(!feed.repaired);
    assert_eq!(feed.title.as_deref(), Some("T"));
}

/// Relative links are resolved against the feed's final URL.
#[test]
fn relative_link_is_resolved_against_base_url() {
    let doc = rss(&["<title>A</title><link>/2024/story.html</link>"]);
    let entry = &parse_ok(doc.as_bytes()).entries[0];
    assert_eq!(
        entry.link.as_ref().map(Url::as_str),
        Some("http://example.com/2024/story.html")
    );
}

/// Without `<link>`, an absolute http(s) GUID is the permalink; other GUIDs are not links.
#[test]
fn permalink_guid_is_the_link_when_link_is_missing() {
    let doc = rss(&[
        "<title>A</title><guid>https://example.com/a</guid>",
        "<title>B</title><guid isPermaLink=\"false\">urn:uuid:1234</guid>",
    ]);
    let feed = parse_ok(doc.as_bytes());
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://example.com/a")
    );
    assert_eq!(feed.entries[1].link, None);
    assert_eq!(feed.entries[1].guid.as_deref(), Some("urn:uuid:1234"));
}

/// Only http(s) links are kept from a remote feed; file: only from a local one.
#[test]
fn link_schemes_are_restricted() {
    let remote = base();
    let local = Url::parse("file:///srv/feeds/local.xml").expect("a valid literal URL");
    assert_eq!(resolve_link("javascript:alert(1)", &remote), None);
    assert_eq!(resolve_link("file:///etc/passwd", &remote), None);
    assert_eq!(
        resolve_link("story.html", &local).map(|u| u.to_string()),
        Some("file:///srv/feeds/story.html".to_string())
    );
}

/// Dates come out in UTC; RSS `<ttl>` and `<language>` reach the feed and its entries.
#[test]
fn dates_ttl_and_language_are_carried() {
    let doc = "<rss version=\"2.0\"><channel><title>T</title><ttl>30</ttl><language>de-DE</language>\
               <item><link>http://example.com/a</link><pubDate>Tue, 10 Jun 2003 04:00:00 +0200</pubDate></item></channel></rss>";
    let feed = parse_ok(doc.as_bytes());
    assert_eq!(feed.ttl, Some(Duration::from_secs(30 * 60)));
    assert_eq!(
        feed.language.as_deref(),
        Some("de-de"),
        "feed-rs lower-cases it"
    );
    let entry = &feed.entries[0];
    assert_eq!(entry.language.as_deref(), Some("de-de"));
    assert_eq!(
        entry.published_at.map(|d| d.to_rfc3339()),
        Some("2003-06-10T02:00:00+00:00".to_string())
    );
}

/// JSON Feed goes through feed-rs's JSON parser.
#[test]
fn json_feed_parses() {
    let doc = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
        {"id":"1","url":"https://example.com/1","title":"One","content_html":"<p>x</p>"}]}"#;
    let feed = parse_ok(doc.as_bytes());
    let entry = &feed.entries[0];
    assert_eq!(entry.guid.as_deref(), Some("1"));
    assert_eq!(
        entry.link.as_ref().map(Url::as_str),
        Some("https://example.com/1")
    );
    assert_eq!(entry.content_html.as_deref(), Some("<p>x</p>"));
}

/// Entry identity: GUID first, then link, then a hash of title and content; kinds are
/// prefixed so that a GUID equal to a link never collides with that link.
#[test]
fn entry_key_prefers_guid_then_link_then_hash() {
    let link = Url::parse("http://example.com/a").ok();
    let hash_of = |s: &str| format!("hash:{}", hex::encode(Sha256::digest(s.as_bytes())));
    let cases = [
        (
            Entry {
                guid: Some("g1".into()),
                link: link.clone(),
                ..Entry::default()
            },
            "guid:g1".to_string(),
        ),
        (
            Entry {
                guid: Some(String::new()),
                link: link.clone(),
                ..Entry::default()
            },
            "link:http://example.com/a".to_string(),
        ),
        (
            Entry {
                title: Some("T".into()),
                summary: Some("S".into()),
                content_html: Some("<p>C</p>".into()),
                ..Entry::default()
            },
            hash_of("T\n<p>C</p>"),
        ),
        (
            Entry {
                title: Some("T".into()),
                summary: Some("S".into()),
                ..Entry::default()
            },
            hash_of("T\nS"),
        ),
        (Entry::default(), hash_of("\n")),
    ];
    for (entry, expected) in cases {
        assert_eq!(entry_key(&entry), expected, "{entry:?}");
    }
}

/// OPML (a subscription list) is not a feed and says so.
#[test]
fn opml_is_an_error() {
    let doc = r#"<?xml version="1.0"?><opml version="2.0"><body><outline text="x"/></body></opml>"#;
    let err = parse_feed(doc.as_bytes(), None, &base()).expect_err("opml is not a feed");
    assert_eq!(err.to_string(), "not a feed: root element <opml>");
}

/// An HTML page, an empty body and plain text are clear errors.
#[test]
fn non_feeds_are_errors() {
    let html = b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>";
    assert_eq!(
        parse_feed(html, None, &base()).map_err(|e| e.to_string()),
        Err("not a feed: root element <html>".to_string())
    );
    assert!(matches!(
        parse_feed(b" \n", None, &base()),
        Err(ParseError::Empty)
    ));
    assert!(matches!(
        parse_feed(b"hello", None, &base()),
        Err(ParseError::NotMarkup)
    ));
}

/// XML broken beyond repair ends as an error naming the fault.
#[test]
fn malformed_xml_is_an_error() {
    let doc = b"<rss version=\"2.0\"><channel><item><title>A</item></channel></rss>";
    let err = parse_feed(doc, None, &base()).expect_err("mismatched tags");
    assert!(matches!(err, ParseError::MalformedXml { .. }), "{err}");
    assert!(err.to_string().starts_with("malformed xml: "), "{err}");
}

/// Issue 13: feed-rs's fault is said once, whether the error is shown alone (logs, the
/// recorded feed error) or as a chain (`{:#}` at the command line), and without feed-rs's
/// own "unable to parse ..." line restating the variant's message.
#[test]
fn parse_errors_say_their_cause_once() {
    let rows: [(&[u8], &str, &str); 3] = [
        (
            b"<rss version=\"2.0\"><channel><item><title>A</item></channel></rss>",
            "malformed xml: ",
            "expected `</title>`",
        ),
        (
            br#"{"version": "https://jsonfeed.org/version/1", "items": [{]}"#,
            "malformed json feed: ",
            "key must be a string",
        ),
        (
            br#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="foo/bar" src="">x</content></entry></feed>"#,
            "unsupported feed: ",
            "atom:content with src",
        ),
    ];
    for (doc, prefix, fault) in rows {
        let err = parse_feed(doc, None, &base()).expect_err(prefix);
        let shown = err.to_string();
        assert_eq!(format!("{:#}", anyhow::Error::from(err)), shown);
        assert!(shown.starts_with(prefix), "{shown}");
        assert_eq!(shown.matches(fault).count(), 1, "{shown}");
        assert!(!shown.contains("unable to parse"), "{shown}");
    }
}

/// A document whose items survive no parse is an error, never an empty success.
#[test]
fn unrecoverable_items_are_an_error() {
    let doc = r#"<feed xmlns="http://example.org/not-atom"><entry><title>A</title></entry><entry/></feed>"#;
    let err = parse_feed(doc.as_bytes(), None, &base()).expect_err("items were lost");
    assert_eq!(
        err.to_string(),
        "no entries parsed although the document has 2 items"
    );
}

/// A feed that declares no items is a valid, empty feed.
#[test]
fn feed_without_items_is_ok_and_empty() {
    let feed = parse_ok(rss(&[]).as_bytes());
    assert!(feed.entries.is_empty());
}

/// Issue 8: a document with more than MAX_ENTRIES items keeps the newest by date (undated
/// ones last, in document order), in document order, and counts the rest.
#[test]
fn only_the_newest_entries_are_taken() {
    let items: Vec<String> = (0..MAX_ENTRIES + 5)
        .map(|n| {
            // Items 0..5 are the oldest by date although they come first.
            let day = if n < 5 { 1 } else { 2 + n % 20 };
            format!(
                "<title>Item {n}</title><guid>g{n}</guid>\
                 <pubDate>{day:02} Jun 2025 10:00:00 GMT</pubDate>"
            )
        })
        .collect();
    let refs: Vec<&str> = items.iter().map(String::as_str).collect();
    let feed = parse_ok(rss(&refs).as_bytes());
    assert_eq!(feed.entries.len(), MAX_ENTRIES);
    assert_eq!(feed.dropped_entries, 5);
    assert_eq!(feed.entries[0].guid.as_deref(), Some("g5"));
    assert!(feed.entries.windows(2).all(|w| {
        let n = |e: &Entry| e.guid.as_ref().unwrap()[1..].parse::<usize>().unwrap();
        n(&w[0]) < n(&w[1])
    }));
}

/// Issue 8: a huge title or description is cut before conversion, at a character boundary.
#[test]
fn huge_text_fields_are_cut() {
    let title = "é".repeat(MAX_TITLE_BYTES);
    let description = "word ".repeat(MAX_TEXT_BYTES / 2);
    let item =
        format!("<title>{title}</title><guid>g</guid><description>{description}</description>");
    let feed = parse_ok(rss(&[&item]).as_bytes());
    let entry = &feed.entries[0];
    assert!(entry.title.as_ref().unwrap().len() <= MAX_TITLE_BYTES);
    assert!(entry.title.as_ref().unwrap().starts_with("éé"));
    assert!(entry.summary.as_ref().unwrap().len() <= MAX_TEXT_BYTES);
    assert_eq!(feed.dropped_entries, 0);
}

/// The entries' GUIDs, for comparing selections.
fn guids(feed: &ParsedFeed) -> Vec<&str> {
    feed.entries
        .iter()
        .filter_map(|e| e.guid.as_deref())
        .collect()
}

/// Issue 18: in RSS, Atom and RDF alike, a document over the cap is cut before feed-rs reads
/// it: the newest items are kept, in document order, and the rest counted as dropped.
#[test]
fn cap_keeps_the_newest_items_of_every_format_in_document_order() {
    // Days per item: g0 and g3 are the oldest, g4 is the newest.
    let days = [1, 5, 3, 2, 9, 4];
    let rss_items: Vec<String> = days
        .iter()
        .enumerate()
        .map(|(n, day)| format!("<guid>g{n}</guid><pubDate>0{day} Jun 2025 10:00:00 GMT</pubDate>"))
        .collect();
    let rss_refs: Vec<&str> = rss_items.iter().map(String::as_str).collect();
    let rss = rss(&rss_refs);
    let entries: String = days
        .iter()
        .enumerate()
        .map(|(n, day)| {
            format!("<entry><id>g{n}</id><title>t</title><updated>2025-06-0{day}T10:00:00Z</updated></entry>")
        })
        .collect();
    let atom = format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>T</title><id>f</id>{entries}</feed>"
    );
    let rdf_items: String = days
        .iter()
        .enumerate()
        .map(|(n, day)| {
            format!(
                "<item rdf:about=\"http://example.com/g{n}\"><title>t</title><link>http://example.com/g{n}</link>\
                 <dc:date>2025-06-0{day}T10:00:00Z</dc:date></item>"
            )
        })
        .collect();
    let rdf = format!(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel rdf:about=\"x\"><title>T</title></channel>{rdf_items}</rdf:RDF>"
    );
    for (name, doc) in [("rss", &rss), ("atom", &atom), ("rdf", &rdf)] {
        let cut = cap::keep_newest_items(doc.as_bytes(), 3);
        assert_eq!(cut.dropped, 3, "{name}");
        assert!(cut.doc.len() < doc.len(), "{name}: the document was cut");
        let feed = parse_capped(doc.as_bytes(), None, &base(), 3).expect(name);
        assert_eq!(feed.dropped_entries, 3, "{name}");
        let kept: Vec<String> = feed
            .entries
            .iter()
            .map(|e| {
                let key = e.guid.as_deref().or(e.link.as_ref().map(Url::as_str));
                key.unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(kept, ["g1", "g4", "g5"], "{name}");
    }
}

/// Issue 18: a document within the cap is handed to feed-rs as it is, and parses exactly as
/// when no cap applies.
#[test]
fn documents_within_the_cap_are_untouched() {
    let items = [
        "<guid>a</guid>",
        "<guid>b</guid><pubDate>01 Jun 2025 10:00:00 GMT</pubDate>",
    ];
    let doc = rss(&items);
    let cut = cap::keep_newest_items(doc.as_bytes(), 2);
    assert!(matches!(cut.doc, std::borrow::Cow::Borrowed(_)));
    assert_eq!(cut.dropped, 0);
    let within = parse_capped(doc.as_bytes(), None, &base(), 2).expect("parses");
    let unlimited = parse_capped(doc.as_bytes(), None, &base(), usize::MAX).expect("parses");
    assert_eq!(format!("{within:?}"), format!("{unlimited:?}"));
    assert_eq!(guids(&within), ["a", "b"]);
}

/// Issue 18: undated items rank after dated ones and keep document order among themselves;
/// a document of undated items keeps its first ones.
#[test]
fn undated_items_are_cut_after_dated_ones_in_document_order() {
    let mixed = rss(&[
        "<guid>u0</guid>",
        "<guid>u1</guid>",
        "<guid>d2</guid><pubDate>01 Jun 2025 10:00:00 GMT</pubDate>",
        "<guid>u3</guid>",
        "<guid>d4</guid><pubDate>not a date</pubDate>",
    ]);
    let feed = parse_capped(mixed.as_bytes(), None, &base(), 3).expect("parses");
    assert_eq!(guids(&feed), ["u0", "u1", "d2"]);
    assert_eq!(feed.dropped_entries, 2);
    let undated: Vec<String> = (0..5).map(|n| format!("<guid>u{n}</guid>")).collect();
    let refs: Vec<&str> = undated.iter().map(String::as_str).collect();
    let feed = parse_capped(rss(&refs).as_bytes(), None, &base(), 2).expect("parses");
    assert_eq!(guids(&feed), ["u0", "u1"]);
}

/// Issue 18: a broken document over the cap (bare `&`, windows-1252 bytes, no `version`) is
/// cut, repaired and parsed; the repair pass sees the whole document and the cut applies to
/// its output.
#[test]
fn broken_documents_over_the_cap_are_cut_and_repaired() {
    let items: String = (0..6)
        .map(|n| format!("<item><title>Caf\u{e9} & bar {n}</title><guid>g{n}</guid></item>"))
        .collect();
    let mut doc =
        b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss><channel><title>T</title>".to_vec();
    doc.extend(items.chars().map(|c| c as u32 as u8));
    doc.extend_from_slice(b"</channel></rss>");
    let feed = parse_capped(&doc, None, &base(), 4).expect("repaired");
    assert!(feed.repaired);
    assert_eq!(guids(&feed), ["g0", "g1", "g2", "g3"]);
    assert_eq!(feed.dropped_entries, 2);
    assert_eq!(feed.entries[0].title.as_deref(), Some("Café & bar 0"));
}

/// Issue 18: a JSON Feed over the cap keeps its newest items too, in order, and still parses.
#[test]
fn json_feed_over_the_cap_keeps_the_newest_items() {
    let items: Vec<String> = [3, 1, 4, 2]
        .iter()
        .enumerate()
        .map(|(n, day)| {
            format!(r#"{{"id":"g{n}","url":"https://example.com/{n}","date_published":"2025-06-0{day}T10:00:00Z"}}"#)
        })
        .collect();
    let doc = format!(
        r#"{{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{}],"x":1}}"#,
        items.join(",\n")
    );
    let cut = cap::keep_newest_items(doc.as_bytes(), 2);
    assert_eq!(cut.dropped, 2);
    let feed = parse_capped(doc.as_bytes(), None, &base(), 2).expect("parses");
    assert_eq!(guids(&feed), ["g0", "g2"]);
    assert_eq!(feed.dropped_entries, 2);
    assert_eq!(feed.title.as_deref(), Some("J"));
}
