//! The shipped systemd unit: hardened enough, and free of mistakes systemd would only warn about.

use std::path::Path;
use std::process::Command;

use crate::support::BIN;

fn unit() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/newshound.service")
}

fn systemd_analyze_available() -> bool {
    let found = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        eprintln!("skipped: systemd-analyze is not installed");
    }
    found
}

/// `systemd-analyze security` must rate the unit's exposure at 1.5 or below.
#[test]
fn unit_exposure_is_at_most_one_and_a_half() {
    if !systemd_analyze_available() {
        return;
    }
    let output = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(unit())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no exposure line in:\n{text}"));
    let score: f64 = line
        .split(':')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the score in {line:?}"));
    assert!(score <= 1.5, "{line}");
}

/// `systemd-analyze verify` exits 0 even on unknown keys, so any output on stderr is a failure.
/// ExecStart must name an existing binary for the check, so a copy points it at the test build.
#[test]
fn unit_verifies_without_warnings() {
    if !systemd_analyze_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(unit()).unwrap();
    let patched = text.replace("/usr/local/bin/newshound", BIN);
    assert_ne!(
        text, patched,
        "the unit's ExecStart should be /usr/local/bin/newshound"
    );
    let copy = dir.path().join("newshound.service");
    std::fs::write(&copy, patched).unwrap();
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.trim().is_empty(),
        "systemd-analyze verify said:\n{stderr}"
    );
    assert!(output.status.success());
}
