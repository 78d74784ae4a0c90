//! The parse stage over the vendored feed fixtures in `tests/fixtures/feeds` (a curated subset of
//! the shared corpora plus a few written here): the corpus invariants, and what specific broken
//! documents must come out as. Runs in every clone.

use std::path::PathBuf;

use newshound::model::ParsedFeed;
use newshound::parse::{ParseError, entry_key, parse_feed};
use url::Url;

use crate::support::{crate_root, item_elements, walk};

/// The vendored fixture folder.
fn fixtures_dir() -> PathBuf {
    crate_root().join("tests/fixtures/feeds")
}

/// The base URL the fixtures are parsed against.
fn base() -> Url {
    Url::parse("http://example.com/feed").expect("a valid literal URL")
}

/// Reads a fixture by its path below the fixture folder.
fn read_fixture(relative: &str) -> Vec<u8> {
    let path = fixtures_dir().join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} is missing: {e}", path.display()))
}

/// Parses a fixture with no HTTP charset.
fn parse_fixture(relative: &str) -> Result<ParsedFeed, ParseError> {
    parse_feed(&read_fixture(relative), None, &base())
}

/// Every vendored document ends as entries or an error, without a panic, and never as an empty
/// success when it holds items.
#[test]
fn every_fixture_parses_or_fails_loudly() {
    let mut files = Vec::new();
    walk(&fixtures_dir(), &mut files);
    files.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !name.starts_with("LICENSE") && !name.ends_with(".md")
    });
    assert!(
        files.len() >= 30,
        "fixtures look incomplete: {} files",
        files.len()
    );
    let (mut ok, mut err) = (0, 0);
    for path in &files {
        let doc = std::fs::read(path).expect("a readable fixture");
        let outcome = std::panic::catch_unwind(|| parse_feed(&doc, None, &base()));
        match outcome {
            Err(_) => panic!("{}: parse_feed panicked", path.display()),
            Ok(Ok(feed)) => {
                ok += 1;
                let items = item_elements(&doc);
                assert!(
                    !(feed.entries.is_empty() && items > 0),
                    "{}: ok with zero entries although it has {items} items",
                    path.display()
                );
            }
            Ok(Err(_)) => err += 1,
        }
    }
    eprintln!(
        "parse fixtures: {ok} ok / {err} err / {} total",
        files.len()
    );
    assert!(
        ok > 0 && err > 0,
        "fixtures must hold both feeds and non-feeds"
    );
}

/// What a fixture must come out as.
enum Expect {
    /// Parsed, with this many entries, and whether the normalising pass was needed.
    Entries { count: usize, repaired: bool },
    /// Rejected with an error whose message starts like this.
    Error(&'static str),
}

/// Each failure class comes out as intended: repaired documents yield all their items, and what
/// is not a feed says so.
#[test]
fn fixtures_come_out_as_expected() {
    use Expect::{Entries, Error};
    let cases = [
        (
            "feed-rs/rss2/rss_2.0_bbc.xml",
            Entries {
                count: 1,
                repaired: false,
            },
        ),
        (
            "feed-rs/rss2/rss_2.0_relurl_1.xml",
            Entries {
                count: 2,
                repaired: false,
            },
        ),
        (
            "feed-rs/atom/atom_example_reddit.xml",
            Entries {
                count: 1,
                repaired: false,
            },
        ),
        (
            "feed-rs/jsonfeed/jsonfeed_example_1.json",
            Entries {
                count: 2,
                repaired: false,
            },
        ),
        (
            "feedparser/json/example.json",
            Entries {
                count: 2,
                repaired: false,
            },
        ),
        (
            "feedparser/entities/query_variable_entry.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "newshound/bare-ampersand-rss.xml",
            Entries {
                count: 2,
                repaired: true,
            },
        ),
        (
            "newshound/heise-like-rss090.xml",
            Entries {
                count: 4,
                repaired: true,
            },
        ),
        (
            "w3c-feedvalidator/rss/must/valid_rss_090.xml",
            Entries {
                count: 5,
                repaired: true,
            },
        ),
        (
            "feedparser/wellformed/rdf/rss090_item_title.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/wellformed/rdf/rdf_item_title.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/wellformed/atom/entry_link_no_href_link_priority.xml",
            Entries {
                count: 2,
                repaired: true,
            },
        ),
        (
            "gofeed/translator/atom/feed_item_title_-_atom03_feed_entry_title.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/wellformed/atom10/entry_title_base64.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "w3c-feedvalidator/atom/must/entry_title_type3.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/wellformed/namespace/rss2.0NSwithModules.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/wellformed/namespace/rss2.0NSwithModulesNoDefNS.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/illformed/chardet/koi8r.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "newshound/latin1-undeclared.xml",
            Entries {
                count: 1,
                repaired: true,
            },
        ),
        (
            "feedparser/encoding/utf-16be-bom.xml",
            Error("not a feed: <rss> has no <channel>"),
        ),
        (
            "feedparser/encoding/utf-32be-bom.xml",
            Error("not a feed: <rss> has no <channel>"),
        ),
        (
            "w3c-feedvalidator/opml/clean/category.opml",
            Error("not a feed: root element <opml>"),
        ),
        (
            "w3c-feedvalidator/kml/2.0/Document/Style/IconStyle/Icon/w_non_numeric.xml",
            Error("not a feed: root element <kml>"),
        ),
        (
            "newshound/html-page.html",
            Error("not a feed: root element <html>"),
        ),
        ("newshound/empty.xml", Error("not a feed: empty document")),
        (
            "feedparser/illformed/rss_empty_document.xml",
            Error("not a feed: no root element"),
        ),
        (
            "feed-rs/rss2/rss_2.0_invalid_1.xml",
            Error("malformed xml: "),
        ),
        (
            "w3c-feedvalidator/atom/1.2/wrong-namespace.xml",
            Error("no entries parsed although the document has 1 items"),
        ),
        (
            "gofeed/parser/json/version_json_10.json",
            Error("malformed json feed: "),
        ),
    ];
    for (path, expect) in cases {
        match (parse_fixture(path), expect) {
            (Ok(feed), Entries { count, repaired }) => {
                assert_eq!(
                    (feed.entries.len(), feed.repaired),
                    (count, repaired),
                    "{path}"
                );
            }
            (Err(err), Error(prefix)) => {
                assert!(err.to_string().starts_with(prefix), "{path}: {err}");
            }
            (Ok(feed), Error(prefix)) => {
                panic!(
                    "{path}: expected an error starting {prefix:?}, got {} entries",
                    feed.entries.len()
                )
            }
            (Err(err), Entries { .. }) => panic!("{path}: expected entries, got: {err}"),
        }
    }
}

/// The heise-like RSS 0.90 feed keeps its titles (character references decoded) and its relative
/// link is resolved against the feed URL.
#[test]
fn rss_090_fixture_keeps_titles_and_resolves_links() {
    let feed = parse_fixture("newshound/heise-like-rss090.xml").expect("a feed");
    assert_eq!(feed.title.as_deref(), Some("Technik-Ticker"));
    assert_eq!(
        feed.entries[1].title.as_deref(),
        Some("Update schließt Lücke")
    );
    assert_eq!(
        feed.entries[3].link.as_ref().map(Url::as_str),
        Some("http://example.com/meldung/4.html")
    );
    assert_eq!(
        entry_key(&feed.entries[0]),
        "link:https://news.example.org/meldung/1.html"
    );
}

/// A windows-1251 document without a declaration is read right when HTTP names the charset.
#[test]
fn http_charset_decodes_windows_1251_fixture() {
    let doc = read_fixture("newshound/windows-1251-undeclared.xml");
    let feed = parse_feed(&doc, Some("windows-1251"), &base()).expect("a feed");
    assert_eq!(feed.title.as_deref(), Some("Новости"));
    assert_eq!(
        feed.entries[0].title.as_deref(),
        Some("Главная новость дня")
    );
}

/// HTML named entities in an RSS title without a version come out as characters.
#[test]
fn aacute_fixture_title_is_unescaped() {
    let feed = parse_fixture("feedparser/entities/aacute.xml").expect("a feed");
    assert_eq!(feed.title.as_deref(), Some("testing á entity"));
    assert!(feed.repaired);
}

/// Undeclared Latin-1 bytes are read as windows-1252 (including the euro sign at 0x80).
#[test]
fn latin1_fixture_decodes_as_windows_1252() {
    let feed = parse_fixture("newshound/latin1-undeclared.xml").expect("a feed");
    assert_eq!(feed.entries[0].title.as_deref(), Some("Crème brûlée € 5"));
}
