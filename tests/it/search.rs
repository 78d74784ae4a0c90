//! Issue 14: full-text search over the stored articles, `rematch`, and the service's backfill of
//! a topic added while it runs, on the offline demo.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::{
    demo_copy, json_lines, newshound, newshound_output, signal, start_service, stop,
};

/// A topic that matches two demo stories no demo topic hits: the heat warning and the low
/// water on the Elbe.
const HEAT_AND_LOW_WATER: &str = "Hitze* OR Niedrigwasser";

/// Adds a topic to the demo config at `path`.
fn add_topic(path: &Path, name: &str, query: &str, alert: &str) {
    let mut toml = std::fs::read_to_string(path).unwrap();
    toml.push_str(&format!(
        "\n[[topics]]\nname = \"{name}\"\nquery = \"{query}\"\nalert = \"{alert}\"\n"
    ));
    std::fs::write(path, toml).unwrap();
}

/// The `hits --json` lines of topic `name`.
fn hits_of(path: &Path, name: &str) -> Vec<serde_json::Value> {
    json_lines(&newshound(path, &["hits", "--json", "--topic", name]))
}

/// The demo's seed story is found once with its three copies folded, its JSON line has the
/// fields of `hits --json`, and the summary says how much matched of how much.
#[test]
fn search_finds_the_seed_story_once_with_its_copies_folded() {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    newshound(&path, &["run", "--once"]);
    let query = "Waffe* NEAR/10 Russland";
    let output = newshound_output(&path, &["search", query]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.matches("Kim Jong-un und Putin").count(), 1, "{text}");
    assert!(text.contains("also reported at: "), "{text}");
    let summary = String::from_utf8(output.stderr).unwrap();
    assert!(
        summary.contains("3 articles in 1 story matched of 16 stored articles searched"),
        "{summary}"
    );

    let results = json_lines(&newshound(&path, &["search", query, "--json"]));
    assert_eq!(results.len(), 1, "{results:?}");
    let result = &results[0];
    assert_eq!(result["sources"].as_array().unwrap().len(), 3, "{result}");
    assert!(
        result["snippet"].as_str().unwrap().contains("**"),
        "{result}"
    );
    let hit = &json_lines(&newshound(&path, &["hits", "--json"]))[0];
    let keys = |value: &serde_json::Value| {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(result), keys(hit));
    assert_eq!(result["backfill"], false);
}

/// A query that does not parse is refused with where it went wrong, and `--topic` previews a
/// configured topic's query.
#[test]
fn search_refuses_bad_queries_and_previews_topics() {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    newshound(&path, &["run", "--once"]);
    let bad = newshound_output(&path, &["search", "Waffe AND"]);
    assert!(!bad.status.success());
    let error = String::from_utf8(bad.stderr).unwrap();
    assert!(error.contains("invalid query"), "{error}");
    assert!(error.lines().any(|line| line.ends_with(" ^")), "{error}");
    let preview = newshound_output(&path, &["search", "--topic", "Summit meetings"]);
    let summary = String::from_utf8(preview.stderr).unwrap();
    assert!(
        summary.contains("topic \"Summit meetings\" would have matched 3 stories"),
        "{summary}"
    );
}

/// `rematch --dry-run` stores nothing; `rematch` stores one backfilled hit per story, sends no
/// immediate alert for them, and adds nothing when run again.
#[test]
fn rematch_backfills_a_new_topic_once_without_an_immediate_alert() {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    let first = newshound(&path, &["run", "--once"]);
    assert!(first.contains("emails: 1 queued"), "{first}");
    add_topic(&path, "Heat and low water", HEAT_AND_LOW_WATER, "immediate");
    let topic = ["--topic", "Heat and low water"];

    let dry = newshound(&path, &[&["rematch", "--dry-run"][..], &topic].concat());
    assert!(dry.contains("would add 2 backfilled hits"), "{dry}");
    assert!(hits_of(&path, "Heat and low water").is_empty());

    let added = newshound(&path, &[&["rematch"][..], &topic].concat());
    assert!(added.contains("added 2 backfilled hits"), "{added}");
    let hits = hits_of(&path, "Heat and low water");
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits.iter().all(|hit| hit["backfill"] == true), "{hits:?}");

    let again = newshound(&path, &[&["rematch"][..], &topic].concat());
    assert!(again.contains("added 0 backfilled hits"), "{again}");
    let next = newshound(&path, &["run", "--once", "--all"]);
    assert!(next.contains("emails: 0 queued"), "{next}");
}

/// A topic with a digest gets its backfilled stories in its next digest.
#[test]
fn backfilled_hits_of_a_digest_topic_are_in_its_next_digest() {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    newshound(&path, &["run", "--once"]);
    add_topic(
        &path,
        "Heat and low water",
        HEAT_AND_LOW_WATER,
        "Morning digest",
    );
    newshound(&path, &["rematch", "--topic", "Heat and low water"]);
    let digest = newshound(&path, &["digest", "Morning digest"]);
    assert!(digest.contains("Hitzewarnung"), "{digest}");
    assert!(digest.contains("Elbe"), "{digest}");
}

/// The service backfills a topic added before a reload (SIGHUP) in the background: the two
/// stories get backfilled hits, and no immediate alert is written for them.
#[test]
fn the_service_backfills_a_topic_added_before_a_reload() {
    let dir = demo_copy();
    let path = dir.path().join("demo.toml");
    let log = dir.path().join("service.log");
    let service = start_service(&path, Some(&log));
    wait_for_log(&log, "poll cycle finished");
    add_topic(&path, "Heat and low water", HEAT_AND_LOW_WATER, "immediate");
    signal(&service, "HUP");
    wait_for_log(&log, "topic=Heat and low water added=2");
    stop(service);
    let hits = hits_of(&path, "Heat and low water");
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits.iter().all(|hit| hit["backfill"] == true), "{hits:?}");
    let next = newshound(&path, &["run", "--once", "--all"]);
    assert!(next.contains("emails: 0 queued"), "{next}");
}

/// Waits until the service's log contains `text`; fails the test after 30 s with the log.
fn wait_for_log(log: &Path, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logged = std::fs::read_to_string(log).unwrap_or_default();
        if logged.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no {text:?} in the log:\n{logged}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The bundled SQLite has FTS5, which the search index needs, and `check` says so.
#[test]
fn check_names_the_sqlite_and_its_full_text_search() {
    let dir = demo_copy();
    let checked = newshound(&dir.path().join("demo.toml"), &["check"]);
    assert!(
        checked.contains("SQLite 3.") && checked.contains("with FTS5"),
        "{checked}"
    );
}
