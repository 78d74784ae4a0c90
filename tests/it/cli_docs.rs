//! Issue 17: the documents made from the clap definitions, through the real binary: the shell
//! completions load in their shells, `man DIR` writes a page per subcommand that `man` renders,
//! and `--version` names the libraries as Cargo.lock locked them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::bare_command;

/// Runs `newshound args` and returns its stdout, failing the test with its stderr otherwise.
fn newshound_stdout(args: &[&str]) -> String {
    let output = bare_command(args).output().unwrap();
    assert!(
        output.status.success(),
        "newshound {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Whether `program` runs; says the test is skipped when it does not.
fn installed(program: &str, test: &str) -> bool {
    let found = Command::new(program).arg("--version").output().is_ok();
    if !found {
        eprintln!("{test}: skipped: {program} is not installed");
    }
    found
}

/// `newshound completions shell` written to a file of `dir`, for a shell to source.
fn completion_script(dir: &Path, shell: &str) -> PathBuf {
    let path = dir.join(format!("newshound.{shell}"));
    std::fs::write(&path, newshound_stdout(&["completions", shell])).unwrap();
    path
}

/// `shell -c script`, asserting it succeeded with nothing on stderr; its stdout.
fn run_shell(shell: &str, script: &str) -> String {
    let output: Output = Command::new(shell).arg("-c").arg(script).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "{shell} -c {script:?} failed ({}):\n{stderr}",
        output.status
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands `newshound --help` lists, without clap's own `help`.
fn subcommands_in_help() -> BTreeSet<String> {
    let help = newshound_stdout(&["--help"]);
    let names: BTreeSet<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(
        names.contains("run") && names.contains("completions"),
        "no subcommands found in:\n{help}"
    );
    names
}

/// The subcommands every completion test expects offered: a few old ones and the new one.
const SOME_SUBCOMMANDS: [&str; 4] = ["run", "check", "import-opml", "completions"];

/// Asserts that a shell's candidates for the first word include [`SOME_SUBCOMMANDS`] and not
/// the hidden `man`.
fn assert_offers_the_subcommands<'a>(candidates: impl Iterator<Item = &'a str>) {
    let offered: BTreeSet<&str> = candidates.collect();
    for name in SOME_SUBCOMMANDS {
        assert!(offered.contains(name), "{name} not offered: {offered:?}");
    }
    assert!(
        !offered.contains("man"),
        "the hidden man offered: {offered:?}"
    );
}

/// The bash script registers a completion for `newshound` and, asked for the first word,
/// offers the subcommands but not the hidden `man`.
#[test]
fn bash_sources_the_completion_script_and_completes_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script(dir.path(), "bash");
    let source = format!("source {}", script.display());
    let spec = run_shell("bash", &format!("{source} && complete -p newshound"));
    assert!(
        spec.starts_with("complete ")
            && spec.contains("-F _newshound")
            && spec.contains("newshound"),
        "{spec}"
    );
    let offered = run_shell(
        "bash",
        &format!(
            "{source} && COMP_WORDS=(newshound '') COMP_CWORD=1 && _newshound newshound '' newshound \
             && printf '%s\\n' \"${{COMPREPLY[@]}}\""
        ),
    );
    assert_offers_the_subcommands(offered.lines());
}

/// The zsh script loads under compinit and registers `_newshound` for `newshound`.
#[test]
fn zsh_loads_the_completion_script() {
    if !installed("zsh", "zsh_loads_the_completion_script") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script(dir.path(), "zsh");
    let registered = run_shell(
        "zsh",
        &format!(
            "autoload -U compinit; compinit -u -D; source {}; print -r -- $_comps[newshound]",
            script.display()
        ),
    );
    assert_eq!(registered.trim(), "_newshound");
}

/// The fish script loads and completes the subcommands (but not the hidden `man`).
#[test]
fn fish_completes_the_subcommands() {
    if !installed("fish", "fish_completes_the_subcommands") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = completion_script(dir.path(), "fish");
    let offered = run_shell(
        "fish",
        &format!("source {}; complete -C'newshound '", script.display()),
    );
    // Each line is a candidate, a tab, and its description.
    assert_offers_the_subcommands(offered.lines().filter_map(|line| line.split('\t').next()));
}

/// `man DIR` writes newshound.1 and one page per subcommand of `--help`, no more, no fewer;
/// `man` itself stays out of `--help`.
#[test]
fn man_writes_a_page_per_subcommand_of_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let printed = newshound_stdout(&["man", pages.to_str().unwrap()]);
    let subcommands = subcommands_in_help();
    assert!(!subcommands.contains("man"), "man is listed in --help");
    let mut expected: BTreeSet<String> = subcommands
        .iter()
        .map(|name| format!("newshound-{name}.1"))
        .collect();
    expected.insert("newshound.1".to_owned());
    let written: BTreeSet<String> = std::fs::read_dir(&pages)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(written, expected);
    assert_eq!(printed.lines().count(), expected.len(), "{printed}");
}

/// `man -l PAGE` as a user reads it, very wide so that no line is broken: its stdout.
fn rendered(page: &Path) -> String {
    let output = Command::new("man")
        .args(["-P", "cat", "-l"])
        .arg(page)
        .env("LANG", "C")
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "1000")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "man -l {} ({}):\n{stderr}",
        page.display(),
        output.status
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Every page renders with `man -l` without a warning, has a NAME section naming its command,
/// and a subcommand's page points back to newshound(1).
#[test]
fn every_man_page_renders_without_warnings() {
    if !installed("man", "every_man_page_renders_without_warnings") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    newshound_stdout(&["man", dir.path().to_str().unwrap()]);
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    pages.sort();
    assert!(pages.len() > 10, "{pages:?}");
    for page in pages {
        let text = rendered(&page);
        let name = page.file_stem().unwrap().to_str().unwrap();
        let name_section = text
            .split_once("\nNAME\n")
            .unwrap_or_else(|| panic!("no NAME section in {name}:\n{text}"))
            .1;
        assert!(
            name_section.trim_start().starts_with(&format!("{name} - ")),
            "{name}: {name_section}"
        );
        if name != "newshound" {
            assert!(text.contains("SEE ALSO\n       newshound(1)"), "{text}");
        }
    }
}

/// The main page says which files and environment variables newshound reads, and lists
/// every subcommand's page under SEE ALSO.
#[test]
fn main_man_page_names_files_environment_and_subcommand_pages() {
    if !installed(
        "man",
        "main_man_page_names_files_environment_and_subcommand_pages",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    newshound_stdout(&["man", dir.path().to_str().unwrap()]);
    let text = rendered(&dir.path().join("newshound.1"));
    let section = |heading: &str| -> String {
        text.split_once(&format!("\n{heading}\n"))
            .unwrap_or_else(|| panic!("no {heading} section in:\n{text}"))
            .1
            .split("\n\n\n")
            .next()
            .unwrap()
            .to_owned()
    };
    let files = section("FILES");
    for path in [
        "/etc/newshound/newshound.toml",
        "/var/lib/newshound/newshound.db",
    ] {
        assert!(files.contains(path), "{path} not in FILES:\n{files}");
    }
    let environment = section("ENVIRONMENT");
    for variable in ["NEWSHOUND_CONFIG", "RUST_LOG", "CREDENTIALS_DIRECTORY"] {
        assert!(environment.contains(variable), "{variable}:\n{environment}");
    }
    let see_also = section("SEE ALSO");
    for name in subcommands_in_help() {
        let reference = format!("newshound-{name}(1)");
        assert!(
            see_also.contains(&reference),
            "{reference} not in:\n{see_also}"
        );
    }
    let subcommand_list = section("SUBCOMMANDS");
    assert!(
        subcommand_list.contains("newshound-completions(1)"),
        "{subcommand_list}"
    );
}

/// The version Cargo.lock records for the crate `name`, read with a real TOML parser (the build
/// script scans the text).
fn locked_version(name: &str) -> String {
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&lock).unwrap();
    let versions: Vec<&str> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|package| package["name"].as_str() == Some(name))
        .map(|package| package["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions.len(), 1, "{name} locked as {versions:?}");
    versions[0].to_owned()
}

/// `--version` names the version, then SQLite (the bundled one this test links too), feed-rs
/// and rustls at the versions Cargo.lock locked; `-V` stays one line.
#[test]
fn version_names_the_libraries_as_locked() {
    let long = newshound_stdout(&["--version"]);
    let expected = format!(
        "newshound {}\nSQLite {}\nfeed-rs {}\nrustls {}\n",
        env!("CARGO_PKG_VERSION"),
        rusqlite::version(),
        locked_version("feed-rs"),
        locked_version("rustls"),
    );
    assert_eq!(long, expected);
    let short = newshound_stdout(&["-V"]);
    assert_eq!(short, format!("newshound {}\n", env!("CARGO_PKG_VERSION")));
}
