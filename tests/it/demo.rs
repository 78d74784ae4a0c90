//! The offline demo a new user runs first: `newshound -c config/demo.toml run --once`.

use crate::support::{crate_root, demo_copy, newshound, newshound_output};

/// The demo polls its three feeds from files, stores every article with its extracted text,
/// and a second run within the interval fetches nothing.
#[test]
fn demo_runs_offline_and_second_run_fetches_nothing() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    let first = newshound(&config, &["run", "--once"]);
    assert!(
        first.contains("feeds: 4 ok, 0 not modified, 0 failed, 0 not due"),
        "{first}"
    );
    let store = newshound::store::Store::open(&dir.path().join("demo.db")).unwrap();
    let articles = store.articles().unwrap();
    assert!(articles.len() >= 13, "{} articles", articles.len());
    assert!(
        articles.iter().all(|a| a.page_status == "ok"),
        "{articles:#?}"
    );
    let seed = articles
        .iter()
        .find(|a| a.text.as_deref().is_some_and(|t| t.contains("Kim Jong-un")))
        .expect("the seed story is stored with its text");
    assert!(seed.text.as_deref().unwrap().contains("Putin"));

    let second = newshound(&config, &["run", "--once"]);
    assert!(
        second.contains("feeds: 0 ok, 0 not modified, 0 failed, 4 not due"),
        "{second}"
    );
    assert!(second.contains("articles: 0 new"), "{second}");
}

/// `check` accepts both shipped configs and prints the summary.
#[test]
fn shipped_configs_pass_check() {
    let root = crate_root().join("config");
    for name in ["demo.toml", "example.toml"] {
        let output = newshound_output(&root.join(name), &["check"]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("feeds"), "{name}: {stdout}");
    }
}
