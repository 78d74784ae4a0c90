//! `newshound init` through the binary (issue 17): every combination of options writes a config
//! `check` accepts, holding exactly the feeds given; an existing file is kept byte for byte
//! without `--force` and replaced with it; the OPML import takes every feed; hostile values are
//! escaped or refused. Where the config goes (/etc or not) is a unit test in `src/cli/init.rs`,
//! since a test cannot own /etc.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use newshound::config::{Security, Transport};

use crate::support::{bare_command, crate_root, load, newshound_output};

/// The OPML fixture: a feed reader's export with folders, one feed listed twice.
fn opml_fixture() -> PathBuf {
    crate_root().join("tests/fixtures/opml/subscriptions.opml")
}

/// The distinct feeds of the OPML fixture, in document order.
const OPML_FEEDS: [&str; 7] = [
    "https://feeds.bbci.co.uk/news/world/rss.xml",
    "https://www.aljazeera.com/xml/rss/all.xml",
    "https://news.un.org/feed/subscribe/en/news/all/rss.xml",
    "https://www.tagesschau.de/xml/rss2/",
    "https://www.spiegel.de/schlagzeilen/index.rss",
    "https://www.heise.de/rss/heise-atom.xml?a=1&b=2",
    "https://www.lemonde.fr/international/rss_full.xml",
];

/// The zone the tests give `init` as the machine's.
const ZONE: &str = "Asia/Tokyo";

/// Runs `newshound init --config PATH ARGS` with `$TZ` set to [`ZONE`].
fn init(path: &Path, args: &[&str]) -> Output {
    bare_command(&["init", "--config"])
        .arg(path)
        .args(args)
        .env("TZ", ZONE)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The written config as TOML, failing the test when it is not.
fn written(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("not TOML: {e}\n{text}"))
}

/// The `url` of every `[[feeds]]` entry, in file order.
fn feed_urls(config: &toml::Table) -> Vec<String> {
    let Some(feeds) = config.get("feeds") else {
        return Vec::new();
    };
    let feeds = feeds.as_array().unwrap();
    feeds
        .iter()
        .map(|feed| feed["url"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `newshound check` on the config and fails the test unless it accepts it.
fn assert_check_accepts(path: &Path) -> String {
    let output = newshound_output(path, &["check"]);
    assert!(
        output.status.success(),
        "check refused {}:\n{}\n{}",
        path.display(),
        stderr(&output),
        std::fs::read_to_string(path).unwrap()
    );
    let out = stdout(&output);
    assert!(out.starts_with("config OK: "), "{out}");
    out
}

/// Puts a password into the file the next steps name, as the user would.
fn write_password(path: &Path) {
    std::fs::write(path, "s3cret\n").unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// One combination of options and what it must give.
struct Case {
    /// What the case is, for messages.
    label: &'static str,
    args: Vec<String>,
    /// The feed URLs the config must hold, in order.
    feeds: Vec<&'static str>,
    /// Whether the config logs in to an SMTP server, so a password file is due.
    logs_in: bool,
}

fn case(label: &'static str, args: &[&str], feeds: &[&'static str], logs_in: bool) -> Case {
    Case {
        label,
        args: args.iter().map(|arg| arg.to_string()).collect(),
        feeds: feeds.to_vec(),
        logs_in,
    }
}

/// Each option alone and together writes a config `check` accepts (once the SMTP password is in
/// the file the next steps name), with exactly the feeds given, the two example topics, the
/// morning digest in the machine's zone, and mode 0644; the folder is made when missing.
#[test]
fn every_combination_of_options_writes_a_config_check_accepts() {
    let opml = opml_fixture();
    let opml = opml.to_str().unwrap();
    let feed = "https://example.org/feed.xml";
    let with_feed: Vec<&str> = OPML_FEEDS.iter().copied().chain([feed]).collect();
    let cases = [
        case("no options", &[], &[], false),
        case(
            "two feeds",
            &["--feed", feed, "--feed", "https://example.net/atom"],
            &[feed, "https://example.net/atom"],
            false,
        ),
        case("opml", &["--opml", opml], &OPML_FEEDS, false),
        case("email", &["--email", "me@example.org"], &[], false),
        case("smtp host", &["--smtp", "smtp.example.org"], &[], false),
        case(
            "smtp host:port and email",
            &[
                "--smtp",
                "smtp.example.org:2525",
                "--email",
                "me@example.org",
            ],
            &[],
            true,
        ),
        case(
            "opml and feeds, one already in the opml",
            &["--opml", opml, "--feed", feed, "--feed", OPML_FEEDS[0]],
            &with_feed,
            false,
        ),
        case(
            "everything",
            &[
                "--opml",
                opml,
                "--feed",
                feed,
                "--email",
                "Desk <desk@example.org>",
                "--smtp",
                "smtp.example.org:465",
            ],
            &with_feed,
            true,
        ),
    ];
    for case in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new folder/newshound.toml");
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let output = init(&path, &args);
        let label = case.label;
        assert!(output.status.success(), "{label}: {}", stderr(&output));
        let out = stdout(&output);
        assert!(out.contains("\nNext steps:\n"), "{label}: {out}");
        for step in [
            "check",
            "sudo systemctl enable --now newshound",
            "test-email",
        ] {
            assert!(out.contains(step), "{label}: {step}: {out}");
        }
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "{label}");
        if case.logs_in {
            let password = path.with_file_name("smtp-password");
            assert!(
                out.contains(&format!(
                    "config OK but for the SMTP password file {}",
                    password.display()
                )),
                "{label}: {out}"
            );
            assert!(out.contains("mode 0600"), "{label}: {out}");
            write_password(&password);
        } else {
            assert!(out.contains("config OK: "), "{label}: {out}");
        }
        let checked = assert_check_accepts(&path);
        assert!(
            checked.contains(&format!("{} feed", case.feeds.len())),
            "{label}: {checked}"
        );
        let config = written(&path);
        assert_eq!(feed_urls(&config), case.feeds, "{label}");
        let loaded = load(&path);
        assert_eq!(loaded.topics.len(), 2, "{label}");
        assert_eq!(loaded.digests.len(), 1, "{label}");
        assert_eq!(loaded.digests[0].name, "morning", "{label}");
        assert_eq!(config["digests"][0]["at"][0].as_str(), Some("07:30"));
        assert_eq!(config["digests"][0]["timezone"].as_str(), Some(ZONE));
        assert_eq!(loaded.daemon.database, path.with_file_name("newshound.db"));
    }
}

/// The issue's acceptance: a feed and an address give a config `check` accepts, with the file
/// transport beside it and alerts to the address; running it again refuses to overwrite.
#[test]
fn feed_and_email_give_a_checked_config_and_a_second_run_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x/newshound.toml");
    let args = [
        "--feed",
        "https://example.org/feed.xml",
        "--email",
        "me@example.org",
    ];
    let output = init(&path, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_check_accepts(&path);
    let config = load(&path);
    assert_eq!(config.email.to, vec!["me@example.org".to_string()]);
    assert_eq!(
        config.email.transport,
        Transport::File {
            dir: path.with_file_name("outbox")
        }
    );
    let out = stdout(&output);
    assert!(
        out.contains(&format!("newshound -c {} test-email", path.display())),
        "{out}"
    );

    let again = init(&path, &args);
    assert_eq!(again.status.code(), Some(1), "{}", stdout(&again));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
}

/// Without --force an existing file stays byte for byte as it was, the exit code is 1, the
/// message names the file, and no temporary file is left beside it.
#[test]
fn existing_file_is_left_untouched_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newshound.toml");
    let original = b"# my own config\n[daemon]\ndatabase = \"mine.db\"\n\xff not even UTF-8\n";
    std::fs::write(&path, original).unwrap();
    let output = init(&path, &["--feed", "https://example.org/feed.xml"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("--force"), "{message}");
    assert_eq!(std::fs::read(&path).unwrap(), original);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// With --force the existing file is replaced by the starter config, with mode 0644 whatever
/// the old file's mode was.
#[test]
fn force_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newshound.toml");
    std::fs::write(&path, "# my own config\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let output = init(
        &path,
        &["--force", "--feed", "https://example.org/feed.xml"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("# newshound configuration"), "{text}");
    assert_eq!(
        feed_urls(&written(&path)),
        vec!["https://example.org/feed.xml"]
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    assert_check_accepts(&path);
}

/// The OPML import takes every feed of the export (seven distinct ones, the repeated one once),
/// with names and folder tags, quotes, backslashes and escaped ampersands intact.
#[test]
fn opml_import_takes_every_feed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newshound.toml");
    let output = init(&path, &["--opml", opml_fixture().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let config = written(&path);
    assert_eq!(feed_urls(&config), OPML_FEEDS);
    let feeds = config["feeds"].as_array().unwrap();
    assert_eq!(
        feeds[3]["name"].as_str(),
        Some(r#"tagesschau "Eilmeldungen" \ Inland"#)
    );
    let tags: Vec<&str> = feeds[3]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tag| tag.as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Deutsch", "Nachrichten"]);
    let checked = assert_check_accepts(&path);
    assert!(checked.contains("7 feeds"), "{checked}");
}

/// --smtp gives STARTTLS with a password file beside the config: until the file exists `check`
/// names it; once the user puts the password in it, `check` accepts and the password is read.
/// A port after the host is taken; without one the STARTTLS port 587 applies.
#[test]
fn smtp_gives_starttls_with_a_password_file_beside_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newshound.toml");
    let output = init(
        &path,
        &[
            "--smtp",
            "mail.example.org:2525",
            "--email",
            "\"Doe, Jane\" <jane@example.org>",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let password = dir.path().join("smtp-password");
    let out = stdout(&output);
    assert!(
        out.contains(&format!("install -m 0600 /dev/null {}", password.display())),
        "{out}"
    );

    let refused = newshound_output(&path, &["check"]);
    assert_eq!(refused.status.code(), Some(1));
    let guidance = format!(
        "email.smtp.password_file: cannot read password file {}",
        password.display()
    );
    assert!(stderr(&refused).contains(&guidance), "{}", stderr(&refused));

    write_password(&password);
    assert_check_accepts(&path);
    let config = load(&path);
    let Transport::Smtp(smtp) = &config.email.transport else {
        panic!("expected SMTP: {:?}", config.email.transport);
    };
    assert_eq!(smtp.host, "mail.example.org");
    assert_eq!(smtp.port, 2525);
    assert_eq!(smtp.security, Security::StartTls);
    assert_eq!(smtp.username.as_deref(), Some("jane@example.org"));
    assert_eq!(smtp.password.as_deref(), Some("s3cret"));
    assert_eq!(
        config.email.to,
        vec!["\"Doe, Jane\" <jane@example.org>".to_string()]
    );

    let other = dir.path().join("default-port/newshound.toml");
    let output = init(&other, &["--smtp", "mail.example.org"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let Transport::Smtp(smtp) = load(&other).email.transport else {
        panic!("expected SMTP");
    };
    assert_eq!((smtp.port, smtp.username), (587, None));
}

/// A feed URL with quotes, apostrophes and a backslash is written escaped (the TOML stays
/// valid and reads back unchanged); values with newlines, which could start a TOML line of
/// their own, are refused with the option named, and nothing is written.
#[test]
fn hostile_values_are_escaped_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newshound.toml");
    let url = r#"https://example.org/feed?q="x"&r='y'\z"#;
    let output = init(&path, &["--feed", url]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(feed_urls(&written(&path)), vec![url]);
    assert_check_accepts(&path);

    let refused = [
        (
            "--feed",
            "https://example.org/a\"\n[daemon]\ndatabase = \"/x\"",
        ),
        ("--feed", "javascript:alert(1)"),
        ("--email", "me@example.org\"]\n[daemon]\nx = [\""),
        ("--email", "not an address"),
        ("--smtp", "smtp.example.org\"\nport = 1"),
        ("--smtp", "smtp.example.org:port"),
    ];
    for (option, value) in refused {
        let path = dir.path().join("refused/newshound.toml");
        let output = init(&path, &[option, value]);
        assert_eq!(output.status.code(), Some(1), "{option} {value:?}");
        let message = stderr(&output);
        assert!(message.contains(option), "{option} {value:?}: {message}");
        assert!(!path.exists(), "{option} {value:?}");
    }
}

/// Without --config, `init` writes where every other command reads: $NEWSHOUND_CONFIG (and
/// -c before the subcommand works as for them).
#[test]
fn init_writes_where_the_other_commands_read() {
    let dir = tempfile::tempdir().unwrap();
    let from_env = dir.path().join("env/newshound.toml");
    let output = bare_command(&["init"])
        .env("NEWSHOUND_CONFIG", &from_env)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(from_env.exists());

    let from_flag = dir.path().join("flag/newshound.toml");
    let output = bare_command(&["-c", from_flag.to_str().unwrap(), "init"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_check_accepts(&from_flag);
}
