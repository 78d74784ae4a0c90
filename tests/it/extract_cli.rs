//! `newshound extract`: plain text, JSON, a folder of results, and URLs fetched with the
//! daemon's limits.

use crate::support::{
    Reply, TestServer, article_page, assert_clean_seed_article, bare_command, crate_root,
    json_lines,
};

fn extract(args: &[&str]) -> std::process::Output {
    bare_command(&["extract"])
        .args(args)
        .env("NEWSHOUND_CONFIG", "/nonexistent/newshound.toml")
        .output()
        .unwrap()
}

fn demo_page(name: &str) -> String {
    crate_root()
        .join("config/demo/articles")
        .join(name)
        .display()
        .to_string()
}

/// The plain-text output is the article's text, paragraphs separated by blank lines.
#[test]
fn extract_prints_the_main_text() {
    let output = extract(&[&demo_page("port-alden-summit.html")]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Port Alden"), "{text}");
    assert!(
        text.contains("\n\n"),
        "paragraphs are separated by blank lines"
    );
    assert!(!text.to_lowercase().contains("cookie"), "{text}");
}

/// --json prints one object per input with the metadata and where the text came from.
#[test]
fn extract_json_prints_one_object_per_input() {
    let pages = [
        demo_page("port-alden-summit.html"),
        demo_page("kim-putin.html"),
    ];
    let output = extract(&["--json", &pages[0], &pages[1]]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let objects = json_lines(&stdout);
    assert_eq!(objects.len(), 2);
    for key in [
        "url",
        "title",
        "author",
        "published",
        "language",
        "canonical_url",
        "site_name",
        "text",
    ] {
        assert!(objects[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(objects[0]["text_source"], "page");
    assert_eq!(objects[0]["language"], "en");
    assert_eq!(objects[1]["language"], "de");
}

/// --output-dir writes `<input file name>.txt` per input; a missing input is reported and the
/// others are still written, with a failing exit code.
#[test]
fn extract_output_dir_writes_one_file_per_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = extract(&[
        "--output-dir",
        out.to_str().unwrap(),
        &demo_page("storm-hollis.html"),
        "/nonexistent/page.html",
        &demo_page("exoplanet-water.html"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/page.html"));
    for name in ["storm-hollis.html.txt", "exoplanet-water.html.txt"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(text.len() > 500, "{name}: {text}");
    }
}

/// A URL is fetched (here from a loopback server, trusted because the user named it) and
/// extracted; a page that is not HTML is an error for that input.
#[tokio::test(flavor = "multi_thread")]
async fn extract_fetches_urls() {
    let server = TestServer::start(|req| match req.target.as_str() {
        "/a.html" => Reply::ok("text/html; charset=utf-8", article_page("Budget")),
        _ => Reply::ok("application/pdf", "%PDF"),
    })
    .await;
    let (page, pdf) = (server.url("/a.html"), server.url("/b.pdf"));
    let output = tokio::task::spawn_blocking(move || extract(&["--json", &page, &pdf]))
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let object: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert!(object["text"].as_str().unwrap().contains("the council met"));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not an HTML page"));
}

/// Issue 3's acceptance as a user runs it: `newshound extract` on the demo's seed page prints
/// the clean article.
#[test]
fn extract_prints_the_seed_article_without_page_noise() {
    let output = extract(&[&demo_page("kim-putin.html")]);
    assert!(output.status.success());
    assert_clean_seed_article(&String::from_utf8(output.stdout).unwrap());
}
