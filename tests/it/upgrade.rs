//! Upgrades keep data (issue 17): a database written by an earlier release, committed as a
//! fixture, is opened by this build; the migrations it lacks apply and every feed, article,
//! hit, story and outbox row is still there, unchanged. A database whose schema is newer than
//! the build is refused with a message saying so, and left as it was.

use std::path::{Path, PathBuf};

use crate::support::{crate_root, db, newshound, newshound_output};

/// The databases of earlier releases, oldest first.
const RELEASES: &[&str] = &["newshound-0.1.0.db"];

/// What must survive an upgrade, one sorted line per row of each table.
fn snapshot(database: &Path) -> Vec<String> {
    let conn = db(database);
    let queries = [
        "SELECT 'feed', config_url, url, name, created_at FROM feeds",
        "SELECT 'article', id, url, title, text, story_id, language, published_at FROM articles",
        "SELECT 'hit', id, topic, article_id, story_id, score, matched, snippet, created_at FROM hits",
        "SELECT 'story', id FROM stories",
        "SELECT 'outbox', id, kind, recipient, status, message_id, length(message), channel,
                last_error, answer FROM outbox",
        "SELECT 'delivered', hit_id, recipient, outbox_id FROM hit_deliveries",
    ];
    let mut lines = Vec::new();
    for sql in queries {
        let mut statement = conn.prepare(sql).unwrap();
        let columns = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                let values: Vec<String> = (0..columns)
                    .map(|i| shown(row.get_ref(i).unwrap()))
                    .collect();
                Ok(values.join("|"))
            })
            .unwrap();
        lines.extend(rows.map(Result::unwrap));
    }
    lines.sort();
    lines
}

/// A value as text, for comparing rows.
fn shown(value: rusqlite::types::ValueRef<'_>) -> String {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => format!("blob:{}", hex::encode(b)),
    }
}

/// A config whose database is a copy of `fixture`, in its own folder.
fn with_copy_of(fixture: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("newshound.db");
    std::fs::copy(
        crate_root().join("tests/fixtures/upgrade").join(fixture),
        &database,
    )
    .unwrap();
    let config = dir.path().join("newshound.toml");
    std::fs::write(&config, "[daemon]\ndatabase = \"newshound.db\"\n").unwrap();
    (dir, config, database)
}

fn schema_version(database: &Path) -> i64 {
    db(database)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// Each earlier release's database opens, migrates to this build's schema, and keeps every row;
/// the hits and the outbox read through the new build as the old one wrote them.
#[test]
fn databases_of_earlier_releases_open_with_nothing_lost() {
    for fixture in RELEASES {
        let (_dir, config, database) = with_copy_of(fixture);
        let before = snapshot(&database);
        assert!(
            before.iter().any(|l| l.starts_with("hit|")),
            "{fixture} holds hits"
        );
        assert!(
            before.iter().any(|l| l.starts_with("outbox|")),
            "{fixture} holds an outbox"
        );

        let hits = newshound(&config, &["hits", "--since", "100000d", "--json"]);
        let outbox = newshound(&config, &["outbox"]);
        let after = snapshot(&database);
        assert_eq!(before, after, "{fixture}: rows changed by the upgrade");
        let latest = i64::try_from(newshound::store::schema_migrations()).unwrap();
        assert_eq!(schema_version(&database), latest, "{fixture} migrated");
        assert_eq!(hits.lines().count(), 5, "{fixture}: {hits}");
        assert!(hits.contains("Kim Jong-un und Putin"), "{hits}");
        assert!(
            outbox.contains("sent") && outbox.contains("channel demo-hook"),
            "{outbox}"
        );
        let found = newshound(&config, &["search", "Putin", "--json"]);
        assert!(
            found.contains("Kim Jong-un und Putin"),
            "{fixture}: the search index works after the upgrade: {found}"
        );
    }
}

/// A database written by a newer release (a schema this build does not know) is refused with
/// a message naming it and both versions, and nothing in it is touched, whichever command opens
/// it.
#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let (_dir, config, database) = with_copy_of(RELEASES[RELEASES.len() - 1]);
    let newer = newshound::store::schema_migrations() + 5;
    db(&database)
        .pragma_update(None, "user_version", i64::try_from(newer).unwrap())
        .unwrap();
    let bytes = std::fs::read(&database).unwrap();
    for args in [&["run", "--once"][..], &["hits"], &["outbox"]] {
        let output = newshound_output(&config, args);
        assert!(!output.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("newshound.db") && stderr.contains(&newer.to_string()),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(
        std::fs::read(&database).unwrap(),
        bytes,
        "the newer database is untouched"
    );
}
