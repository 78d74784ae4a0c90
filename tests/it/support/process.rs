//! Running the `newshound` binary and capturing what it prints.

use std::path::Path;

/// Runs the `newshound` binary with `-c config` and `args`, fails the test with its stderr
/// when it exits unsuccessfully, and returns its stdout.
pub fn newshound(config: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
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
