//! Alerts end to end: hits become one email per recipient and cycle, written to the outbox in
//! the transaction that records them, delivered once through the file transport or a real SMTP
//! server, and never again.

use std::path::Path;
use std::process::Command;

use crate::support::demo_copy;

const BIN: &str = env!("CARGO_BIN_EXE_newshound");

fn newshound(config: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .arg("-c")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "newshound {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn eml_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
}

/// The demo writes one alert (.eml) with every story of the cycle; the seed story is in it once,
/// under both its topics, listing its three copies; a second run writes nothing new.
#[test]
fn demo_writes_one_alert_listing_the_seed_story_once_with_three_sources() {
    let dir = demo_copy();
    let config = dir.path().join("demo.toml");
    let summary = newshound(&config, &["run", "--once"]);
    assert!(summary.contains("emails: 1 queued, 1 sent, 0 waiting, 0 failed"), "{summary}");
    let outbox = dir.path().join("outbox");
    let files = eml_files(&outbox);
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read(&files[0]).unwrap();
    let text = String::from_utf8_lossy(&raw);
    for header in ["Message-ID: <outbox-1.", "Auto-Submitted: auto-generated", "List-Id: ", "multipart/alternative", "text/plain", "text/html"] {
        assert!(text.contains(header), "{header} missing:\n{text}");
    }
    assert!(text.contains("Subject: [newshound] 4 new stories: Arms deals, Summit meetings"), "{text}");
    let decoded = decode_quoted_printable(&text);
    let (plain, html) = decoded
        .split_once("Content-Type: text/html")
        .expect("an HTML part");
    for copy in ["kim-putin.html", "kim-putin-wladiwostok.html", "kim-putin-mosel-echo.html"] {
        let link = format!("/{copy}");
        assert!(plain.contains(&link) && html.contains(&link), "{copy} missing:\n{decoded}");
    }
    assert_eq!(plain.matches("\n   Topics: Arms deals, Summit meetings").count(), 1, "{plain}");

    let again = newshound(&config, &["run", "--once", "--all"]);
    assert!(again.contains("emails: 0 queued, 0 sent"), "{again}");
    assert_eq!(eml_files(&outbox).len(), 1);
    let listing = newshound(&config, &["outbox"]);
    assert!(listing.contains("sent") && listing.contains("analyst@localhost"), "{listing}");
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes, enough to search the parts.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
