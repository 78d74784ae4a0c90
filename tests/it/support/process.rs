//! Running the `newshound` binary and capturing what it prints.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary under test, built by cargo for this test run.
pub const BIN: &str = env!("CARGO_BIN_EXE_newshound");

/// `newshound ARGS` in the environment every test wants: no `NOTIFY_SOCKET` (a test run
/// started by systemd must not report to it) and nothing on stdin. Callers add `RUST_LOG` and
/// where the output goes.
pub fn bare_command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null());
    command
}

/// [`bare_command`] with `-c config` before `args`.
pub fn command(config: &Path, args: &[&str]) -> Command {
    let mut command = bare_command(&[]);
    command.arg("-c").arg(config).args(args);
    command
}

/// Runs `newshound -c config args` to the end with warnings logged, and returns its output
/// whatever the exit status: for tests of commands that fail.
pub fn newshound_output(config: &Path, args: &[&str]) -> Output {
    command(config, args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// Runs `newshound -c config args`, fails the test with its stderr when it exits
/// unsuccessfully, and returns its stdout.
pub fn newshound(config: &Path, args: &[&str]) -> String {
    let output = newshound_output(config, args);
    assert!(
        output.status.success(),
        "newshound {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// One JSON value per line of a command's output (`hits --json`, `extract --json`).
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}
