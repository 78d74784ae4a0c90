use std::path::PathBuf;

use chrono::TimeZone;

use super::fixtures::*;
use super::sanitize::cut;
use super::*;
use crate::notify::Source;

/// Compares `actual` with `tests/fixtures/email/<name>`, or rewrites the file when
/// `NEWSHOUND_UPDATE_SNAPSHOTS` is set.
fn assert_snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/email")
        .join(name);
    if std::env::var_os("NEWSHOUND_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("the path has a folder")).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let accept = "review, then accept with NEWSHOUND_UPDATE_SNAPSHOTS=1 cargo test --lib \
                  notify::render";
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; {accept}", path.display()));
    if expected == actual {
        return;
    }
    let (old, new): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut diff = String::new();
    let mut shown = 0;
    for i in 0..old.len().max(new.len()) {
        let (o, n) = (old.get(i), new.get(i));
        if o == n {
            continue;
        }
        if shown == 12 {
            diff.push_str("  …\n");
            break;
        }
        shown += 1;
        if let Some(o) = o {
            diff.push_str(&format!("  {:>4} - {o}\n", i + 1));
        }
        if let Some(n) = n {
            diff.push_str(&format!("  {:>4} + {n}\n", i + 1));
        }
    }
    if diff.is_empty() {
        diff.push_str("  (only line ends differ)\n");
    }
    panic!(
        "{} differs from the rendering (- snapshot, + now):\n{diff}{accept}",
        path.display()
    );
}

fn assert_snapshots(name: &str, rendered: &Rendered) {
    assert_snapshot(&format!("{name}.txt"), &rendered.text);
    assert_snapshot(&format!("{name}.html"), &rendered.html);
}

/// The common alert: one German story with three copies that hit two topics.
#[test]
fn single_story_alert_matches_its_snapshots() {
    let rendered = render(&email(
        Kind::Immediate,
        vec![seed_story()],
        chrono_tz::Europe::Berlin,
        "2023-09-05T04:20:00Z",
    ));
    assert_eq!(
        rendered.subject,
        "[newshound] Arms deals, Summit meetings: Kim Jong-un und Putin treffen sich zu \
         Waffengesprächen"
    );
    assert_snapshots("single-story", &rendered);
}

/// Three stories over two topics: the seed story shows once, under its first topic.
#[test]
fn multi_story_alert_matches_its_snapshots() {
    let rendered = render(&email(
        Kind::Immediate,
        vec![seed_story(), summit_story(), arms_sale_story()],
        chrono_tz::UTC,
        "2023-09-06T16:50:00Z",
    ));
    assert_eq!(
        rendered.subject,
        "[newshound] 3 new stories: Arms deals, Summit meetings"
    );
    assert_eq!(rendered.text.matches("Kim Jong-un und Putin").count(), 1);
    assert_eq!(rendered.html.matches("Kim Jong-un und Putin").count(), 1);
    assert_snapshots("multi-story", &rendered);
}

/// A digest in its own time zone, with a demo story whose page is a file.
#[test]
fn digest_matches_its_snapshots() {
    let rendered = render(&email(
        digest("Morning digest"),
        vec![eu_summit_story(), seed_story(), arms_sale_story()],
        chrono_tz::Europe::Berlin,
        "2023-09-07T05:00:00Z",
    ));
    assert_eq!(rendered.subject, "[newshound] Morning digest: 3 stories");
    assert!(rendered.html.contains(
        r#"href="file:///home/analyst/newshound/config/demo/articles/eu-gipfel-erweiterung.html""#
    ));
    assert_snapshots("digest", &rendered);
}

/// With `[web] public_url` (here behind a reverse proxy's path), each story links to its page
/// ("why it matched · all copies") and each topic heading to its topic's page, in both parts.
#[test]
fn digest_with_a_public_url_links_stories_and_topics_to_their_pages() {
    let mut linked = email(
        digest("Morning digest"),
        vec![eu_summit_story(), seed_story(), arms_sale_story()],
        chrono_tz::Europe::Berlin,
        "2023-09-07T05:00:00Z",
    );
    linked.public_url = Some(Url::parse("https://news.example.org/newshound/").unwrap());
    let rendered = render(&linked);
    for part in [&rendered.text, &rendered.html] {
        for story in [1, 2, 4] {
            let page = format!("https://news.example.org/newshound/stories/{story}");
            assert_eq!(
                part.matches(&format!("{page}\n")).count()
                    + part.matches(&format!("{page}\"")).count(),
                1,
                "{page}: {part}"
            );
        }
        assert!(
            part.contains("https://news.example.org/newshound/topics/Summit%20meetings"),
            "{part}"
        );
        assert_eq!(part.matches("Why it matched · all copies").count(), 3);
    }
    assert!(
        rendered
            .html
            .contains(r#"<a href="https://news.example.org/newshound/topics/Arms%20deals" style="#)
    );
    assert_snapshots("linked-digest", &rendered);
}

/// A topic's name is one path segment of its page's address, whatever it holds.
#[test]
fn a_topic_link_keeps_the_name_in_one_path_segment() {
    let story = StoryItem {
        topics: strings(&["a/b?c#d <e>"]),
        ..arms_sale_story()
    };
    let mut linked = email(
        Kind::Immediate,
        vec![story],
        chrono_tz::UTC,
        "2023-09-07T05:00:00Z",
    );
    linked.public_url = Some(Url::parse("http://127.0.0.1:8080/").unwrap());
    let rendered = render(&linked);
    let page = "http://127.0.0.1:8080/topics/a%2Fb%3Fc%23d%20%3Ce%3E";
    assert!(
        rendered.text.contains(&format!("\n{page}\n")),
        "{}",
        rendered.text
    );
    assert!(
        rendered.html.contains(&format!("href=\"{page}\"")),
        "{}",
        rendered.html
    );
}

/// A digest sent with `send_empty` says that nothing matched.
#[test]
fn empty_digest_matches_its_snapshots() {
    let rendered = render(&email(
        digest("Evening digest"),
        vec![],
        chrono_tz::Europe::Berlin,
        "2023-12-05T17:00:00Z",
    ));
    assert_eq!(rendered.subject, "[newshound] Evening digest: 0 stories");
    assert_snapshots("empty-digest", &rendered);
}

/// True when `needle` occurs inside a tag (between a `<` and its `>`), where it would be
/// markup rather than text.
fn inside_a_tag(html: &str, needle: &str) -> bool {
    html.match_indices(needle).any(|(at, _)| {
        let before = &html[..at];
        before
            .rfind('<')
            .is_some_and(|open| !before[open..].contains('>'))
    })
}

/// A story handed over once per topic it hit is still shown once, with all its topics.
#[test]
fn story_given_once_per_topic_is_shown_once() {
    let arms = StoryItem {
        topics: strings(&["Arms deals"]),
        ..seed_story()
    };
    let summit = StoryItem {
        topics: strings(&["Summit meetings"]),
        matched: strings(&["Gipfeltreffen"]),
        ..seed_story()
    };
    let rendered = render(&email(
        Kind::Immediate,
        vec![arms, summit],
        chrono_tz::UTC,
        "2023-09-05T04:20:00Z",
    ));
    assert!(
        rendered
            .subject
            .starts_with("[newshound] Arms deals, Summit meetings: Kim")
    );
    for part in [&rendered.text, &rendered.html] {
        assert_eq!(part.matches("Kim Jong-un und Putin").count(), 1, "{part}");
        assert!(part.contains("Arms deals, Summit meetings"), "{part}");
        assert!(part.contains("liefert, Gipfeltreffen"), "{part}");
        assert!(
            !part.contains("Summit meetings ("),
            "no empty section: {part}"
        );
    }
}

/// Feed values are data: nothing in a hostile story becomes markup, a link or a header line.
#[test]
fn hostile_story_is_escaped_and_not_linked() {
    let text = "Before <img src=x onerror=alert(1)> after & more";
    let hostile = StoryItem {
        story_id: 66,
        title: "<script>alert(\"x\")</script> & \"quotes\" 'single'\r\nBcc: victim@example.com\u{1b}[2J"
            .to_owned(),
        url: Some("javascript:alert(1)".to_owned()),
        source: "Evil <b>Site</b>".to_owned(),
        also: vec![
            Source {
                name: "Data\" onmouseover=\"alert(1)".to_owned(),
                url: "data:text/html,<script>alert(1)</script>".to_owned(),
            },
            Source {
                name: "Tabbed".to_owned(),
                url: " java\tscript:alert(1)".to_owned(),
            },
        ],
        published_at: None,
        topics: strings(&["Arms <deals>"]),
        matched: strings(&["R&D", "<img"]),
        snippet: snippet(text, &["<img", "&"]),
        language: Some("de\"><script>".to_owned()),
        score: 1,
        found_at: at("2023-09-05T06:12:00+02:00"),
        article_id: 1,
    };
    let rendered = render(&email(
        Kind::Immediate,
        vec![hostile],
        chrono_tz::UTC,
        "2023-09-05T04:20:00Z",
    ));
    let html = &rendered.html;
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(!inside_a_tag(html, "onerror"), "{html}");
    assert!(!inside_a_tag(html, "onmouseover"), "{html}");
    assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
    assert!(!html.contains("data:"), "{html}");
    for (at, _) in html.match_indices("href=\"") {
        let href = &html[at + 6..];
        assert!(
            href.starts_with("http://") || href.starts_with("https://"),
            "{href}"
        );
    }
    assert!(
        !html.contains("href="),
        "no value here may be linked: {html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("&amp;"), "{html}");
    assert!(html.contains("&quot;quotes&quot;"), "{html}");
    assert!(html.contains("R&amp;D"), "{html}");
    assert!(html.contains("<strong>&lt;img</strong> src=x"), "{html}");
    assert!(html.contains("<strong>&amp;</strong>"), "{html}");
    assert!(
        !html.contains(" lang=\"de"),
        "a bad language code is no attribute: {html}"
    );
    assert!(
        !rendered.subject.contains(['\r', '\n']),
        "{}",
        rendered.subject
    );
    assert!(!rendered.text.contains("javascript:"), "{}", rendered.text);
    assert!(
        !rendered.text.contains(['\r', '\u{1b}']),
        "{}",
        rendered.text
    );
    assert!(rendered.text.contains("*<img* src=x"), "{}", rendered.text);
}

/// Only absolute http(s) and file URLs become links, as `Url` serialises them.
#[test]
fn only_web_and_file_urls_are_linked() {
    let cases = [
        (
            "https://example.com/a?b=1&c=2",
            Some("https://example.com/a?b=1&c=2"),
        ),
        ("http://example.com", Some("http://example.com/")),
        (
            "  https://example.com/x y ",
            Some("https://example.com/x%20y"),
        ),
        ("file:///srv/demo/a.html", Some("file:///srv/demo/a.html")),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" java\tscript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("vbscript:msgbox", None),
        ("mailto:a@example.com", None),
        ("/relative/path", None),
        ("", None),
    ];
    for (url, expected) in cases {
        assert_eq!(link(Some(url)).as_deref(), expected, "{url:?}");
    }
    assert_eq!(link(None), None);
}

fn immediate_subject(stories: Vec<StoryItem>) -> String {
    render(&email(
        Kind::Immediate,
        stories,
        chrono_tz::UTC,
        "2023-09-05T04:20:00Z",
    ))
    .subject
}

fn digest_subject(name: &str, n: usize) -> String {
    let stories = (0..n)
        .map(|i| StoryItem {
            story_id: i as i64,
            ..arms_sale_story()
        })
        .collect();
    render(&email(
        digest(name),
        stories,
        chrono_tz::UTC,
        "2023-09-05T04:20:00Z",
    ))
    .subject
}

/// Subjects name the one story, or count several, or name the digest.
#[test]
fn subjects_follow_the_rules() {
    assert_eq!(
        immediate_subject(vec![arms_sale_story()]),
        "[newshound] Arms deals: Government clears £3.4bn arms sale of air-defence systems \
         to Baltic ally"
    );
    assert_eq!(
        immediate_subject(vec![arms_sale_story(), summit_story()]),
        "[newshound] 2 new stories: Arms deals, Summit meetings"
    );
    assert_eq!(
        immediate_subject(vec![summit_story(), seed_story(), arms_sale_story()]),
        "[newshound] 3 new stories: Summit meetings, Arms deals",
        "topics in first-seen order, each once"
    );
    assert_eq!(
        immediate_subject(vec![seed_story(), seed_story()]),
        "[newshound] Arms deals, Summit meetings: Kim Jong-un und Putin treffen sich zu \
         Waffengesprächen",
        "a story passed twice is one story"
    );
    assert_eq!(
        digest_subject("Morning digest", 3),
        "[newshound] Morning digest: 3 stories"
    );
    assert_eq!(
        digest_subject("Morning digest", 1),
        "[newshound] Morning digest: 1 story"
    );
    assert_eq!(
        digest_subject("Weekly\r\nreview", 0),
        "[newshound] Weekly review: 0 stories"
    );
}

/// A title cannot break the subject line: line breaks, tabs, controls and bidi overrides go.
#[test]
fn subject_is_one_clean_line() {
    let story = StoryItem {
        title: "Breaking:\r\nBcc: x@example.com\t \u{1b}[31mred\u{7}  \u{202e}txet\u{2028}end"
            .to_owned(),
        ..arms_sale_story()
    };
    assert_eq!(
        immediate_subject(vec![story]),
        "[newshound] Arms deals: Breaking: Bcc: x@example.com [31mred txet end"
    );
}

/// A long title is cut at a character boundary, with `…`, to at most 200 characters.
#[test]
fn long_subject_is_cut_with_an_ellipsis() {
    let story = StoryItem {
        title: "Überraschung ".repeat(30),
        ..arms_sale_story()
    };
    let subject = immediate_subject(vec![story]);
    assert!(subject.chars().count() <= SUBJECT_MAX, "{subject}");
    assert!(subject.chars().count() >= SUBJECT_MAX - 2, "{subject}");
    assert!(
        subject.ends_with("Überraschung…") || subject.ends_with('…'),
        "{subject}"
    );
    assert!(!subject.contains(" …"), "{subject}");
    assert_eq!(cut("ääää", 3), "ää…");
    assert_eq!(cut("äää", 3), "äää");
}

/// Times show in the email's zone, with the abbreviation in force on that date.
#[test]
fn times_are_local_across_daylight_saving() {
    let berlin = chrono_tz::Europe::Berlin;
    let cases = [
        ("2023-09-05T04:12:00Z", berlin, "Tue 5 Sep 2023, 06:12 CEST"),
        ("2023-12-05T07:12:00Z", berlin, "Tue 5 Dec 2023, 08:12 CET"),
        // The hour that happens twice when clocks go back on 29 October 2023.
        (
            "2023-10-29T00:30:00Z",
            berlin,
            "Sun 29 Oct 2023, 02:30 CEST",
        ),
        ("2023-10-29T01:30:00Z", berlin, "Sun 29 Oct 2023, 02:30 CET"),
        (
            "2023-03-26T01:00:00Z",
            berlin,
            "Sun 26 Mar 2023, 03:00 CEST",
        ),
        (
            "2023-09-05T04:12:00Z",
            chrono_tz::UTC,
            "Tue 5 Sep 2023, 04:12 UTC",
        ),
        (
            "2023-09-05T04:12:00Z",
            chrono_tz::America::New_York,
            "Tue 5 Sep 2023, 00:12 EDT",
        ),
    ];
    for (utc, tz, expected) in cases {
        assert_eq!(local_time(at(utc), tz), expected, "{utc} in {tz}");
    }
    let winter = StoryItem {
        published_at: Some(Utc.with_ymd_and_hms(2024, 1, 15, 11, 0, 0).unwrap()),
        ..seed_story()
    };
    let rendered = render(&email(
        Kind::Immediate,
        vec![winter],
        berlin,
        "2024-01-15T11:05:00Z",
    ));
    assert!(
        rendered.text.contains("Mon 15 Jan 2024, 12:00 CET"),
        "{}",
        rendered.text
    );
    assert!(
        rendered.html.contains("Mon 15 Jan 2024, 12:00 CET"),
        "{}",
        rendered.html
    );
    assert!(
        rendered.text.contains("Mon 15 Jan 2024, 12:05 CET."),
        "{}",
        rendered.text
    );
}

/// Prose wraps at word boundaries within the width; URLs stay whole on their own lines.
#[test]
fn text_lines_fit_the_width_and_urls_are_whole() {
    let long_url = format!("https://example.com/{}", "segment/".repeat(12));
    let story = StoryItem {
        url: Some(long_url.clone()),
        ..seed_story()
    };
    let rendered = render(&email(
        Kind::Immediate,
        vec![story],
        chrono_tz::UTC,
        "2023-09-05T04:20:00Z",
    ));
    for line in rendered.text.lines() {
        assert!(
            line.chars().count() <= WIDTH || !line.trim().contains(' '),
            "too long and breakable: {line:?}"
        );
        assert!(
            line == "-- " || !line.ends_with(' '),
            "trailing space: {line:?}"
        );
    }
    assert!(
        rendered.text.lines().any(|l| l.trim() == long_url),
        "{}",
        rendered.text
    );
    assert!(rendered.text.contains("*Putin*"), "{}", rendered.text);
}

/// The HTML part is a whole document fit for phones, with no scripts or remote resources.
#[test]
fn html_is_a_self_contained_document() {
    let html = render(&email(
        Kind::Immediate,
        vec![seed_story(), arms_sale_story()],
        chrono_tz::UTC,
        "2023-09-06T16:50:00Z",
    ))
    .html;
    assert!(html.starts_with("<!doctype html>\n"));
    assert!(html.contains(r#"<meta charset="utf-8">"#));
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    assert!(html.contains("max-width:640px"));
    assert!(html.trim_end().ends_with("</html>"));
    for forbidden in ["<script", "<style", "<img", "<link", "src=", "url("] {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
    assert!(html.contains("<strong>Putin</strong>"), "{html}");
    assert!(html.contains(r#" lang="de""#), "{html}");
}

/// An alert of a flood: 100 stories shown, 37 left out.
fn flood_email(public_url: Option<&str>) -> Email {
    let topics = strings(&["Arms deals", "Summit meetings"]);
    let public_url = public_url.map(|u| Url::parse(u).unwrap());
    Email {
        more: Some(More {
            count: 37,
            links: more_links(&topics, public_url.as_ref()),
        }),
        public_url,
        ..email(
            Kind::Immediate,
            vec![seed_story(), arms_sale_story()],
            chrono_tz::UTC,
            "2023-09-06T16:50:00Z",
        )
    }
}

/// A message that left stories out ends its list with "and N more stories" and, without
/// `[web] public_url`, the command line that lists each topic's hits, whole on its line; the
/// subject and headline count every new story.
#[test]
fn alert_with_stories_left_out_matches_its_snapshots() {
    let rendered = render(&flood_email(None));
    assert_eq!(
        rendered.subject,
        "[newshound] 39 new stories: Arms deals, Summit meetings"
    );
    assert!(
        rendered.text.contains(
            "and 37 more stories:\n- Arms deals\n  newshound hits --topic \"Arms deals\"\n"
        ),
        "{}",
        rendered.text
    );
    assert!(
        rendered.html.contains(
            "Summit meetings: <code style=\"font-family:ui-monospace,Menlo,Consolas,monospace;\
             font-size:13px;color:#1f2328;overflow-wrap:anywhere;\">newshound hits --topic \
             &quot;Summit meetings&quot;</code>"
        ),
        "{}",
        rendered.html
    );
    assert_snapshots("more-alert", &rendered);
}

/// With `[web] public_url`, "and N more stories" links each topic's page; one story left out
/// is "1 more story", and a lone shown story no longer names the subject.
#[test]
fn stories_left_out_link_to_their_topic_pages() {
    let mut email = flood_email(Some("https://news.example.org/newshound/"));
    email.stories.truncate(1);
    email.more.as_mut().unwrap().count = 1;
    let rendered = render(&email);
    assert_eq!(
        rendered.subject,
        "[newshound] 2 new stories: Arms deals, Summit meetings"
    );
    assert_eq!(subject(&email), rendered.subject);
    assert_eq!(
        summary(&email),
        "2 new stories: Arms deals, Summit meetings"
    );
    let page = "https://news.example.org/newshound/topics/Summit%20meetings";
    assert!(
        rendered.text.contains("and 1 more story:\n"),
        "{}",
        rendered.text
    );
    assert!(
        rendered.text.contains(&format!("\n  {page}\n")),
        "{}",
        rendered.text
    );
    assert!(
        rendered
            .html
            .contains(&format!(r#"<li><a href="{page}" style="#)),
        "{}",
        rendered.html
    );
    assert!(!rendered.html.contains("<code"), "{}", rendered.html);
}

/// A topic's name cannot break out of the quotes of its command line.
#[test]
fn hits_command_quotes_the_topic_for_a_shell() {
    assert_eq!(
        hits_command("Arms deals"),
        r#"newshound hits --topic "Arms deals""#
    );
    assert_eq!(
        hits_command("a\"b$(rm -rf ~)`c`\\d\ne"),
        r#"newshound hits --topic "a\"b\$(rm -rf ~)\`c\`\\d e""#
    );
}
