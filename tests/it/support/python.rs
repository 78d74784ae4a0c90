//! The test venv's Python, which runs the test servers written in Python (the SMTP server, the
//! channel receiver, Synapse), and starting such a server.
//!
//! A test asks for a Python that runs an import line, and gets, in order:
//! `$NEWSHOUND_SMTP_PYTHON` (set by `.ci/test`) when it runs the line, else
//! `target/smtp-venv/bin/python`. When that venv cannot, the first test that asks makes it
//! (`python3 -m venv` in a temporary folder renamed into place when complete, so parallel tests
//! and test runs never see half a venv) or installs into it what it lacks: the pinned packages
//! below, from PyPI, once (Synapse brings many packages). `.ci/test` does the same and shows
//! its progress; so plain `cargo test` works too, and without Python or PyPI the tests that
//! need it fail and say why.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use super::crate_root;

/// The packages of the test venv, pinned, as `.ci/test` installs them.
const VENV_PACKAGES: &[&str] = &[
    "aiosmtpd==1.4.6",
    "feedparser==6.0.11",
    "standardwebhooks==1.1.0",
    "matrix-synapse==1.163.2",
];

/// How long a server may take to print its port.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A Python that runs `imports` (`"import aiosmtpd"`), found or made once per test run (see the
/// module docs); panics saying how to get one.
pub fn venv_python(imports: &str) -> PathBuf {
    // Held while a venv is made, so the tests that wait for it do not make it again.
    static FOUND: Mutex<Vec<(String, Result<PathBuf, String>)>> = Mutex::new(Vec::new());
    let mut found = FOUND
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let result = match found.iter().find(|(known, _)| known == imports) {
        Some((_, result)) => result.clone(),
        None => {
            let result = find_or_make_python(imports);
            found.push((imports.to_owned(), result.clone()));
            result
        }
    };
    result.unwrap_or_else(|message| panic!("{message}"))
}

fn find_or_make_python(imports: &str) -> Result<PathBuf, String> {
    if let Some(python) = std::env::var_os("NEWSHOUND_SMTP_PYTHON") {
        let python = PathBuf::from(python);
        return if runs(&python, imports) {
            Ok(python)
        } else {
            Err(format!(
                "NEWSHOUND_SMTP_PYTHON={} cannot `{imports}`; unset it, or run `bash .ci/test`, \
                 which makes target/smtp-venv",
                python.display()
            ))
        };
    }
    let venv = crate_root().join("target/smtp-venv");
    let python = venv.join("bin/python");
    if runs(&python, imports) {
        return Ok(python);
    }
    complete_venv(&venv, imports).map_err(|error| {
        format!(
            "the tests need a Python venv with {} at {}, and making it failed: {error}\n\
             run `bash .ci/test`, which makes it and says what went wrong",
            VENV_PACKAGES.join(" "),
            venv.display()
        )
    })?;
    Ok(python)
}

/// Whether `python` runs `imports` without error.
fn runs(python: &Path, imports: &str) -> bool {
    Command::new(python)
        .args(["-c", imports])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Makes the venv when there is none, and installs the pinned packages into it when it cannot
/// run `imports`: adding packages leaves the servers already running from it undisturbed.
fn complete_venv(venv: &Path, imports: &str) -> Result<(), String> {
    let python = venv.join("bin/python");
    eprintln!(
        "tests: installing {} from PyPI into {} (once)",
        VENV_PACKAGES.join(" "),
        venv.display()
    );
    if !python.exists() {
        make_venv(venv)?;
    }
    if !runs(&python, imports) {
        pip_install(&python)?;
    }
    if runs(&python, imports) {
        Ok(())
    } else {
        Err(format!("{} cannot `{imports}`", python.display()))
    }
}

/// Makes the venv in a temporary folder and renames it into place: a venv finds its packages
/// relative to its own `bin/python`, so the rename keeps it working.
fn make_venv(venv: &Path) -> Result<(), String> {
    let temp = venv.with_file_name(format!("smtp-venv.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(venv.parent().unwrap()).map_err(|e| e.to_string())?;
    run(Command::new("python3").args(["-m", "venv"]).arg(&temp))?;
    pip_install(&temp.join("bin/python"))?;
    // Another test run may have made it meanwhile: then that one is kept.
    if std::fs::rename(&temp, venv).is_err() {
        let _ = std::fs::remove_dir_all(&temp);
    }
    Ok(())
}

fn pip_install(python: &Path) -> Result<(), String> {
    run(Command::new(python)
        .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
        .args(VENV_PACKAGES))
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("{command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs a test server written in Python (`command`, its stderr already set) and returns it with
/// the port it prints as its first line of stdout once it listens; fails the test with `log`
/// (the server's stderr) when it prints no port in time. Its stdin is a pipe the test process
/// holds: a server that watches it ends with the test run (`exit_with_parent.py`).
pub fn spawn_server(command: &mut Command, what: &str, log: &Path) -> (Child, u16) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run the {what}: {error}"));
    let line = first_line(&mut child);
    let Ok(port) = line.trim().parse::<u16>() else {
        let _ = child.kill();
        let _ = child.wait();
        let log = std::fs::read_to_string(log).unwrap_or_default();
        panic!("the {what} did not start (stdout {line:?}); its log:\n{log}");
    };
    (child, port)
}

/// The first line a server prints on stdout, or `""` when it prints none in time; read in a
/// thread, so a server that hangs fails the test instead.
fn first_line(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    receiver.recv_timeout(START_TIMEOUT).unwrap_or_default()
}
