//! The offline demo (`config/demo.toml`): a private copy for each test, and what its seed
//! article must read like.

use std::path::Path;

use super::crate_root;

/// The hits (from `hits --json`) of the demo's seed story, carried by three sites: those
/// listing its `kim-putin.html` copy among their sources.
pub fn seed_hits(hits: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    hits.iter()
        .filter(|h| {
            h["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.as_str().unwrap().ends_with("/kim-putin.html"))
        })
        .collect()
}

/// Issue 3, point 6: the seed story's text runs from "Der nordkoreanische Machthaber" to
/// "Quelle: Agenturen" or the paragraph before it, without the read-aloud and reading-time line,
/// the Lesetipp teaser or the teaser's author.
pub fn assert_clean_seed_article(text: &str) {
    assert!(text.starts_with("Der nordkoreanische Machthaber"), "{text}");
    let end = text.trim_end();
    assert!(
        end.ends_with("Quelle: Agenturen")
            || end.ends_with("zwischen den beiden Ländern fortzusetzen."),
        "{text}"
    );
    for noise in ["Vorlesen lassen", "Lesetipp", "Gustav Knudsen", "Lesedauer"] {
        assert!(!text.contains(noise), "{noise:?} left in:\n{text}");
    }
}

/// Copies config/demo.toml and config/demo/ into a temporary folder, so a test neither
/// depends on nor changes the checkout's demo database.
pub fn demo_copy() -> tempfile::TempDir {
    let root = crate_root().join("config");
    let dir = tempfile::tempdir().unwrap();
    // The demo serves its web pages on 127.0.0.1:8080; copies that run at once take any free
    // port instead.
    let text = std::fs::read_to_string(root.join("demo.toml")).unwrap();
    let text = text.replace("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:0\"");
    std::fs::write(dir.path().join("demo.toml"), text).unwrap();
    copy_tree(&root.join("demo"), &dir.path().join("demo"));
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
