//! Loading config files from disk: the shipped example, error reports with positions, includes,
//! path resolution, defaults and secrets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use newshound::config::{Alert, Config, ConfigErrors, Security, Transport, load};

use crate::support::{crate_root, newshound_output};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn load_ok(path: &Path) -> Config {
    load(path).unwrap_or_else(|errors| panic!("config should load:\n{errors}"))
}

fn load_err(path: &Path) -> ConfigErrors {
    match load(path) {
        Ok(config) => panic!("config should be refused: {config:?}"),
        Err(errors) => errors,
    }
}

fn rendered(errors: &ConfigErrors) -> Vec<String> {
    errors.errors.iter().map(ToString::to_string).collect()
}

/// The shipped example must pass as is, so a fresh clone can run `newshound check` on it.
#[test]
fn example_config_loads() {
    let path = crate_root().join("config/example.toml");
    let config = load_ok(&path);

    assert!(config.feeds.len() >= 10, "{} feeds", config.feeds.len());
    let included = config
        .feeds
        .iter()
        .find(|feed| feed.defined_in.ends_with("watchlists.d/defence.toml"));
    assert!(included.is_some(), "the example include adds feeds");
    assert!(
        config
            .topics
            .iter()
            .any(|topic| topic.alert == Alert::Digest("morning".into()))
    );
    assert_eq!(config.digests.len(), 2);
    assert_eq!(config.digests[0].timezone, chrono_tz::Europe::Berlin);
    let Transport::Smtp(smtp) = &config.email.transport else {
        panic!("example uses smtp: {:?}", config.email.transport);
    };
    assert_eq!((smtp.security, smtp.port), (Security::StartTls, 587));
    assert!(smtp.password.is_some());
    assert!(
        config.summary().starts_with("config OK: "),
        "{}",
        config.summary()
    );
}

/// Three different mistakes are all reported, each at the line and column of the key or value.
#[test]
fn three_mistakes_give_three_positioned_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "newshound.toml",
        r#"[daemon]
poll_intervall = "10m"

[[feeds]]
url = "https://bad host.example/feed"

[[digests]]
name = "morning"
at = ["07:00"]

[[topics]]
name = "arms"
query = "arms"
alert = "weekly"
"#,
    );
    let errors = load_err(&path);
    let file = path.display();
    assert_eq!(
        rendered(&errors),
        vec![
            format!(
                "{file}:2:1: daemon.poll_intervall: unknown key; expected one of: database, \
                 poll_interval, concurrency, per_host_concurrency, user_agent, request_timeout, \
                 connect_timeout, max_body_bytes, fetch_articles, allow_private_networks, \
                 log_level, retention, max_backoff, story_window, listen, \
                 feed_failure_alert_after, backfill, admin_channels"
            ),
            format!(
                "{file}:5:7: feeds[0].url: invalid url \"https://bad host.example/feed\": \
                 invalid international domain name"
            ),
            format!(
                "{file}:14:9: topics[0].alert: no digest named \"weekly\"; use \"immediate\" or \
                 the name of a [[digests]] entry"
            ),
        ]
    );
    assert_eq!(errors.to_string().lines().count(), 3);
}

/// One bad entry does not hide the problems of the next ones, nor several in one table.
#[test]
fn every_problem_of_a_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "newshound.toml",
        r#"[daemon]
concurrency = "many"
max_body_bytes = "5 parsecs"
log_level = "loud"

[[feeds]]
url = "ftp://example.org/feed"
interval = "30s"

[[feeds]]
url = "https://example.org/a"
tags = ["ok", 5]

[[topics]]
name = "a"
query = ""
languages = ["EN"]
"#,
    );
    let keys: Vec<String> = load_err(&path).errors.into_iter().map(|e| e.key).collect();
    assert_eq!(
        keys,
        [
            "daemon.concurrency",
            "daemon.max_body_bytes",
            "daemon.log_level",
            "feeds[0].url",
            "feeds[0].interval",
            "feeds[1].tags",
            "topics[0].query",
            "topics[0].languages[0]",
        ]
    );
}

/// A feed repeated in an included file is reported in that file, pointing back at the first.
#[test]
fn duplicate_feed_in_included_file_names_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(
        dir.path(),
        "newshound.toml",
        "include = [\"watchlists.d/*.toml\"]\n\n[[feeds]]\nurl = \"https://example.org/feed\"\n",
    );
    let included = write(
        dir.path(),
        "watchlists.d/extra.toml",
        "[[feeds]]\nurl = \"https://EXAMPLE.org:443/feed#top\"\n",
    );
    let errors = load_err(&main).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.file, included);
    assert_eq!(
        (error.line, error.column, error.key.as_str()),
        (2, 7, "feeds[0].url")
    );
    let first = format!("first defined at {}:4:7", main.display());
    assert!(error.message.contains(&first), "{}", error.message);
}

/// Included files may only add feeds and topics, and are read in name order.
#[test]
fn included_files_hold_only_feeds_and_topics() {
    let dir = tempfile::tempdir().unwrap();
    let main = write(dir.path(), "main.toml", "include = [\"more/*.toml\"]\n");
    write(
        dir.path(),
        "more/b.toml",
        "[[feeds]]\nurl = \"https://b.example/\"\n",
    );
    write(
        dir.path(),
        "more/a.toml",
        "[[feeds]]\nurl = \"https://a.example/\"\n",
    );
    let names: Vec<String> = load_ok(&main).feeds.into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["a.example", "b.example"]);

    let bad = write(dir.path(), "more/c.toml", "[daemon]\nconcurrency = 1\n");
    let errors = load_err(&main).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].file, bad);
    assert_eq!(errors[0].key, "daemon");
    assert!(errors[0].message.contains("only [[feeds]] and [[topics]]"));
}

/// Relative paths resolve against the config folder, not the working directory.
#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "conf/feeds/local.xml", "<rss version=\"2.0\"/>");
    let path = write(
        dir.path(),
        "conf/newshound.toml",
        "[daemon]\ndatabase = \"data/news.db\"\n\n[[feeds]]\nurl = \"feeds/local.xml\"\n",
    );
    let config = load_ok(&path);
    let folder = dir.path().join("conf");
    assert_eq!(config.daemon.database, folder.join("data/news.db"));
    assert_eq!(
        config.email.transport,
        Transport::File {
            dir: folder.join("outbox")
        }
    );
    let feed = &config.feeds[0];
    assert_eq!(feed.url.scheme(), "file");
    let local = std::fs::canonicalize(folder.join("feeds/local.xml")).unwrap();
    assert_eq!(feed.url.to_file_path().unwrap(), local);
    assert_eq!(feed.name, "local.xml");
}

/// A plain path that does not exist is refused, with a hint for a forgotten scheme.
#[test]
fn missing_local_feed_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        "[[feeds]]\nurl = \"example.org/feed\"\n",
    );
    let errors = load_err(&path).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("does not exist"),
        "{}",
        errors[0].message
    );
}

/// Durations and sizes in human form end up as numbers, and feeds inherit daemon defaults.
#[test]
fn durations_and_sizes_parse() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        r#"[daemon]
poll_interval = "5m"
request_timeout = "1m 30s"
max_body_bytes = "512KB"
retention = "30d"
fetch_articles = false

[[feeds]]
url = "https://example.org/feed"

[[feeds]]
url = "https://example.org/other"
interval = "2h"
fetch_articles = true

[email]
max_immediate_per_hour = 3
"#,
    );
    let config = load_ok(&path);
    assert_eq!(config.daemon.request_timeout, Duration::from_secs(90));
    assert_eq!(config.daemon.max_body_bytes, 512_000);
    assert_eq!(config.daemon.retention, Duration::from_secs(30 * 86_400));
    assert_eq!(config.feeds[0].interval, Duration::from_secs(300));
    assert!(!config.feeds[0].fetch_articles);
    assert_eq!(config.feeds[1].interval, Duration::from_secs(7_200));
    assert!(config.feeds[1].fetch_articles);
    assert_eq!(config.email.max_immediate_per_hour, 3);
}

/// `[daemon] backfill` is a duration like the others, a week unless set, and "0s" (which turns
/// automatic backfill off) is allowed where other durations must be longer than zero.
#[test]
fn backfill_period_defaults_to_a_week_and_may_be_zero() {
    let dir = tempfile::tempdir().unwrap();
    let unset = write(dir.path(), "unset.toml", "[daemon]\n");
    assert_eq!(
        load_ok(&unset).daemon.backfill,
        Duration::from_secs(7 * 86_400)
    );
    let month = write(dir.path(), "month.toml", "[daemon]\nbackfill = \"30d\"\n");
    assert_eq!(
        load_ok(&month).daemon.backfill,
        Duration::from_secs(30 * 86_400)
    );
    let off = write(dir.path(), "off.toml", "[daemon]\nbackfill = \"0s\"\n");
    assert_eq!(load_ok(&off).daemon.backfill, Duration::ZERO);
}

/// A backfill period that is not a duration is reported at its position, naming the key.
#[test]
fn bad_backfill_period_is_reported_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "n.toml", "[daemon]\nbackfill = \"a week\"\n");
    let errors = rendered(&load_err(&path));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let prefix = format!("{}:2:12: daemon.backfill: invalid duration", path.display());
    assert!(errors[0].starts_with(&prefix), "{}", errors[0]);
    let number = write(dir.path(), "number.toml", "[daemon]\nbackfill = 7\n");
    let errors = rendered(&load_err(&number));
    let expected = format!(
        "{}:2:12: daemon.backfill: expected a duration such as \"15m\" (a string with a unit)",
        number.display()
    );
    assert_eq!(errors, [expected]);
}

/// An empty file is a valid config with every default in place.
#[test]
fn defaults_are_applied() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "n.toml", "");
    let config = load_ok(&path);
    let daemon = &config.daemon;
    assert_eq!(daemon.database, dir.path().join("newshound.db"));
    assert_eq!(daemon.poll_interval, Duration::from_secs(15 * 60));
    assert_eq!((daemon.concurrency, daemon.per_host_concurrency), (16, 2));
    assert!(daemon.user_agent.starts_with("newshound/"));
    assert_eq!(daemon.request_timeout, Duration::from_secs(30));
    assert_eq!(daemon.connect_timeout, Duration::from_secs(10));
    assert_eq!(daemon.max_body_bytes, 5 * 1024 * 1024);
    assert!(daemon.fetch_articles && !daemon.allow_private_networks);
    assert_eq!(daemon.log_level, "info");
    assert_eq!(daemon.retention, Duration::from_secs(180 * 86_400));
    assert_eq!(daemon.max_backoff, Duration::from_secs(86_400));
    assert_eq!(config.email.max_immediate_per_hour, 12);
    assert_eq!(
        config.summary(),
        format!(
            "config OK: 0 feeds, 0 topics, 0 digests; database {}",
            daemon.database.display()
        )
    );
}

/// Topics and digests fall back to email.to (resolved in the notify settings; the config keeps
/// `to` as written); digests default to UTC and every day.
#[test]
fn recipients_and_digest_defaults_are_inherited() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        r#"[email]
to = ["desk@example.org"]

[[digests]]
name = "daily"
at = ["18:00", "07:30", "07:30"]

[[topics]]
name = "t"
query = "summit"
alert = "daily"

[[topics]]
name = "u"
query = "Gipfel"
to = ["other@example.org"]
"#,
    );
    let config = load_ok(&path);
    let settings = config.notify_settings();
    assert!(config.topics[0].to.is_empty(), "{:?}", config.topics[0].to);
    assert_eq!(settings.topics[0].recipients, ["desk@example.org"]);
    assert_eq!(config.topics[0].alert, Alert::Digest("daily".into()));
    assert_eq!(config.topics[1].to, ["other@example.org"]);
    assert_eq!(settings.topics[1].recipients, ["other@example.org"]);
    assert_eq!(config.topics[1].alert, Alert::Immediate);
    assert!(
        config.digests[0].to.is_empty(),
        "{:?}",
        config.digests[0].to
    );
    let digest = &settings.digests[0];
    assert_eq!(digest.to, ["desk@example.org"]);
    assert_eq!(digest.timezone, chrono_tz::UTC);
    assert_eq!(digest.days.len(), 7);
    let times: Vec<String> = digest
        .at
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect();
    assert_eq!(times, ["07:30", "18:00"]);
}

/// A password file that cannot be read is a config error, not a failed send hours later.
#[test]
fn unreadable_password_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        "[email.smtp]\nhost = \"smtp.example.org\"\nusername = \"u\"\npassword_file = \"nope\"\n",
    );
    let errors = load_err(&path).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key, "email.smtp.password_file");
    assert_eq!((errors[0].line, errors[0].column), (4, 17));
    let missing = dir.path().join("nope");
    assert!(
        errors[0].message.contains(&missing.display().to_string()),
        "{}",
        errors[0].message
    );
}

/// The password is read relative to the config folder, without its trailing newline, and the
/// port follows the security mode.
#[test]
fn password_file_is_read_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "secret", "s3cret\n");
    let path = write(
        dir.path(),
        "n.toml",
        "[email.smtp]\nhost = \"smtp.example.org\"\nsecurity = \"tls\"\nusername = \"u\"\npassword_file = \"secret\"\n",
    );
    let Transport::Smtp(smtp) = load_ok(&path).email.transport else {
        panic!("smtp expected");
    };
    assert_eq!(smtp.password.as_deref(), Some("s3cret"));
    assert_eq!((smtp.security, smtp.port), (Security::Tls, 465));
    assert!(!format!("{smtp:?}").contains("s3cret"));
}

/// A password file every user can read is a warning from `check` (on stderr, the config is
/// still valid); an owner-only one is not.
#[test]
fn world_readable_password_file_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let secret = write(dir.path(), "secret", "s3cret\n");
    let path = write(
        dir.path(),
        "n.toml",
        "[email.smtp]\nhost = \"smtp.example.org\"\nusername = \"u\"\npassword_file = \"secret\"\n",
    );
    let check = |mode: u32| {
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(mode)).unwrap();
        let output = newshound_output(&path, &["check"]);
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    let warned = check(0o644);
    assert!(
        warned.contains("readable by every user (mode 0644)")
            && warned.contains(&secret.display().to_string()),
        "{warned}"
    );
    assert!(!warned.contains("s3cret"), "{warned}");
    assert_eq!(check(0o600), "");
}

/// Conflicting or duplicated definitions are each refused.
#[test]
fn conflicts_and_duplicates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        r#"[email.smtp]
host = "smtp.example.org"
password_file = "a"
password_env = "NEWSHOUND_TEST_SURELY_UNSET"

[email.file]
dir = "out"

[[digests]]
name = "d"
at = ["25:00"]
timezone = "Europe/Berlim"
days = ["mon", "someday"]

[[digests]]
name = "d"
at = []

[[topics]]
name = "t"
query = "x"

[[topics]]
name = "t"
query = "y"
"#,
    );
    let keys: Vec<String> = load_err(&path).errors.into_iter().map(|e| e.key).collect();
    assert_eq!(
        keys,
        [
            "email.smtp.password_env",
            "email.file",
            "digests[0].at[0]",
            "digests[0].timezone",
            "digests[0].days[1]",
            "digests[1].name",
            "digests[1].at",
            "topics[1].name",
        ]
    );
}

/// A file that is not TOML gives one error at the place the parser stopped.
#[test]
fn syntax_error_is_reported_with_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "n.toml", "[daemon]\nconcurrency = \n");
    let errors = load_err(&path).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (2, 15));
    assert!(
        errors[0].message.starts_with("invalid TOML"),
        "{}",
        errors[0].message
    );
}

/// A missing or non-UTF-8 file is named in the error.
#[test]
fn unreadable_or_binary_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let errors = load_err(&missing).errors;
    assert_eq!(errors[0].file, missing);
    assert!(
        errors[0]
            .to_string()
            .starts_with(&missing.display().to_string())
    );

    let binary = dir.path().join("latin1.toml");
    std::fs::write(&binary, b"# caf\xe9\n").unwrap();
    let errors = load_err(&binary).errors;
    assert_eq!((errors[0].line, errors[0].column), (1, 6));
    assert!(errors[0].message.contains("UTF-8"));
}

/// A broken query is reported at its line and column inside the TOML string, for multi-line
/// literal strings as for basic strings with escapes, so `newshound check` points at the spot.
#[test]
fn broken_query_is_reported_inside_the_string() {
    let dir = tempfile::tempdir().unwrap();
    let escaped = r#"query = "\"arms deal\" OR Gesch\u00e4ft OR""#;
    let text = format!(
        "[[topics]]\nname = \"summits\"\nquery = '''\nsummit OR \"meets with\"\nOR Gipfel\n\
         OR (treffen NEAR/3 (Putin OR Präsident OR Staatschef)\n'''\n\n\
         [[topics]]\nname = \"arms\"\n{escaped}\n"
    );
    let path = write(dir.path(), "n.toml", &text);
    let errors = load_err(&path);
    let file = path.display();
    let last_or = escaped.rfind("OR").unwrap() + 1;
    assert_eq!(
        rendered(&errors),
        vec![
            format!(
                "{file}:6:4: topics[0].query: unclosed '('; expected ')' before the end of the query"
            ),
            format!(
                "{file}:11:{last_or}: topics[1].query: expected a term, phrase or '(' after OR, \
                 found the end of the query"
            ),
        ]
    );
}

/// Files with Windows line endings point at the same place.
#[test]
fn broken_query_position_survives_crlf_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[[topics]]\r\nname = \"t\"\r\nquery = '''\r\na OR\r\nb AND\r\n(c OR d\r\n'''\r\n";
    let path = write(dir.path(), "n.toml", text);
    let errors = load_err(&path).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (6, 1), "{errors:?}");
}

/// `terms = [...]` is the short form "any of these words or phrases", kept parsed and shown in
/// canonical query form.
#[test]
fn terms_list_loads_as_any_of_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        "[[topics]]\nname = \"arms\"\nterms = [\"arms\", \"arms deal\", \"weapon*\"]\n",
    );
    let config = load_ok(&path);
    let topic = &config.topics[0];
    assert_eq!(topic.query, "arms OR \"arms deal\" OR weapon*");
    assert_eq!(
        newshound::matcher::parse_query(&topic.query),
        Ok(topic.parsed.clone())
    );

    let path = write(
        dir.path(),
        "m.toml",
        "[[topics]]\nname = \"t\"\nquery = \"arms  deal\"\n",
    );
    let topic = &load_ok(&path).topics[0];
    assert_eq!(topic.query, "arms  deal", "the text is kept as written");
    assert_eq!(topic.parsed.to_string(), "arms AND deal");
}

/// A bad terms entry is named with its index and position; `query` and `terms` together, or
/// neither, are refused.
#[test]
fn terms_and_query_mistakes_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "n.toml",
        r#"[[topics]]
name = "a"
terms = ["arms", "x*"]

[[topics]]
name = "b"
query = "a"
terms = ["b"]

[[topics]]
name = "c"

[[topics]]
name = "d"
terms = []
"#,
    );
    let errors = load_err(&path).errors;
    let found: Vec<(usize, usize, &str)> = errors
        .iter()
        .map(|error| (error.line, error.column, error.key.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, 19, "topics[0].terms[1]"),
            (8, 9, "topics[1].terms"),
            (10, 1, "topics[2]"),
            (15, 9, "topics[3].terms"),
        ]
    );
    assert!(
        errors[0].message.contains("too short"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.contains("not both"),
        "{}",
        errors[1].message
    );
    assert!(
        errors[2].message.contains("`query`"),
        "{}",
        errors[2].message
    );
    assert!(
        errors[3].message.contains("at least one"),
        "{}",
        errors[3].message
    );
}

/// A config in `dir` with the address fields `[email] from`, `to`, `admin`, a digest's `to`
/// and a topic's `to` set to the given TOML values, one per line (lines 2, 3, 4, 9 and 14).
fn config_with_addresses(dir: &Path, [from, to, admin, digest_to, topic_to]: [&str; 5]) -> PathBuf {
    let text = format!(
        "[email]\nfrom = {from}\nto = {to}\nadmin = {admin}\n\n\
         [[digests]]\nname = \"morning\"\nat = [\"07:30\"]\nto = {digest_to}\n\n\
         [[topics]]\nname = \"t\"\nquery = \"x\"\nto = {topic_to}\n"
    );
    write(dir, "n.toml", &text)
}

/// Issue 13, papercut 1: the address forms people write (a display name, a quoted name with a
/// comma, a name beyond ASCII) pass `check` in every address field, and are kept as written.
#[test]
fn addresses_with_display_names_pass_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_with_addresses(
        dir.path(),
        [
            r#""Desk <desk@example.org>""#,
            r#"["\"Doe, Jane\" <jane@example.org>"]"#,
            r#""Jürgen Weiß <jw@example.org>""#,
            r#"["Night Desk <night@example.org>", "plain@example.org"]"#,
            r#"['"Last, First" <first@example.org>']"#,
        ],
    );
    let checked = crate::support::newshound(&path, &["check"]);
    assert!(checked.starts_with("config OK"), "{checked}");
    let config = load_ok(&path);
    assert_eq!(
        config.email.from.as_deref(),
        Some("Desk <desk@example.org>")
    );
    assert_eq!(config.email.to, ["\"Doe, Jane\" <jane@example.org>"]);
    assert_eq!(
        config.admin.as_deref(),
        Some("Jürgen Weiß <jw@example.org>")
    );
    assert_eq!(
        config.digests[0].to,
        ["Night Desk <night@example.org>", "plain@example.org"]
    );
    assert_eq!(config.topics[0].to, ["\"Last, First\" <first@example.org>"]);
}

/// What is not an address is still refused in every address field, at its line and column,
/// with the forms that would pass.
#[test]
fn bad_addresses_are_refused_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = config_with_addresses(
        dir.path(),
        [
            r#""Desk desk@example.org""#,
            r#"["ok@example.org", "Doe, Jane <jane@example.org>"]"#,
            r#""admin@example.""#,
            r#"["Night Desk <night@example.org"]"#,
            r#"["a@example.org, b@example.org"]"#,
        ],
    );
    let errors = load_err(&path);
    let file = path.display();
    let expected = [
        format!("{file}:2:8: email.from: invalid email address \"Desk desk@example.org\""),
        format!("{file}:3:25: email.to[1]: invalid email address \"Doe, Jane <jane@example.org>\""),
        format!("{file}:4:9: email.admin: invalid email address \"admin@example.\""),
        format!(
            "{file}:9:7: digests[0].to[0]: invalid email address \"Night Desk <night@example.org\""
        ),
        format!(
            "{file}:14:7: topics[0].to[0]: invalid email address \"a@example.org, b@example.org\""
        ),
    ];
    let rendered = rendered(&errors);
    assert_eq!(rendered.len(), expected.len(), "{rendered:#?}");
    for (line, prefix) in rendered.iter().zip(&expected) {
        assert!(
            line.starts_with(prefix.as_str()),
            "{line}\nexpected {prefix}"
        );
        assert!(line.contains("\"Name <alerts@example.org>\""), "{line}");
    }
}

/// `[web]`: public_url gains its final `/` (so page paths join below it), the zone defaults to
/// the first digest's, and the password is read from its file at load and never printed.
#[test]
fn web_settings_take_defaults_from_the_digests_and_read_the_password() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web-password", "s3cret\n");
    let path = write(
        dir.path(),
        "newshound.toml",
        r#"[web]
listen = "0.0.0.0:8080"
public_url = "https://news.example.org/newshound"
password_file = "web-password"

[[digests]]
name = "morning"
at = ["07:00"]
timezone = "Europe/Berlin"
"#,
    );
    let config = load_ok(&path);
    assert_eq!(
        config.web.public_url.as_ref().map(url::Url::as_str),
        Some("https://news.example.org/newshound/")
    );
    assert_eq!(config.web.timezone, chrono_tz::Europe::Berlin);
    assert_eq!(config.web.password.as_deref(), Some("s3cret"));
    assert!(!format!("{config:?}").contains("s3cret"));
}

/// Pages on an address other machines reach, with no password, are refused at the line of
/// `listen`, naming the setting that would allow them; a public_url that is not http(s) too.
#[test]
fn web_beyond_loopback_without_a_password_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "newshound.toml",
        "[web]\nlisten = \"0.0.0.0:8080\"\npublic_url = \"ftp://news.example.org/\"\n",
    );
    let shown = rendered(&load_err(&path));
    let file = path.display();
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(
        shown[0].starts_with(&format!("{file}:2:10: web.listen: ")),
        "{shown:?}"
    );
    assert!(shown[0].contains("[web] password_file"), "{shown:?}");
    assert!(
        shown[1].starts_with(&format!("{file}:3:14: web.public_url: ")),
        "{shown:?}"
    );
    let loopback = write(
        dir.path(),
        "loopback.toml",
        "[web]\nlisten = \"[::1]:8080\"\n",
    );
    assert_eq!(load_ok(&loopback).web.timezone, chrono_tz::UTC);
}

/// A Standard Webhooks secret, as the test receivers' `standardwebhooks` package takes it.
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `newshound check` on `config` with `$CREDENTIALS_DIRECTORY` set to `credentials`, or unset:
/// the variable is only ever set in the spawned process, never in the test's.
fn check_with_credentials(config: &Path, credentials: Option<&Path>) -> std::process::Output {
    let mut command = crate::support::command(config, &["check"]);
    command.env("RUST_LOG", "warn");
    match credentials {
        Some(dir) => command.env("CREDENTIALS_DIRECTORY", dir),
        None => command.env_remove("CREDENTIALS_DIRECTORY"),
    };
    command.output().unwrap()
}

/// Mistakes in `[[channels]]` and in the lists that name channels are all reported, each at its
/// line and column with its key path: a duplicate or reserved name, an unknown kind, a key of
/// another kind (naming the keys of this one), an unknown or repeated channel in `notify` (listing
/// the channels), `admin_channels` likewise, `notify` on a topic whose digest decides, and `to`
/// where no email channel is named.
#[test]
fn channel_mistakes_are_each_reported_at_their_position() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "desk-url",
        "https://chat.example.org/hooks/abc\n",
    );
    let path = write(
        dir.path(),
        "newshound.toml",
        r#"[daemon]
admin_channels = ["pager"]

[[channels]]
name = "desk"
kind = "slack"
url_file = "desk-url"
secret_file = "desk-secret"

[[channels]]
name = "desk"
kind = "ntfy"

[[channels]]
name = "email"
kind = "email"

[[channels]]
name = "sms"
kind = "pager"

[[digests]]
name = "morning"
at = ["07:00"]
notify = ["desk"]
to = ["a@example.org"]

[[topics]]
name = "digested"
query = "x"
alert = "morning"
notify = ["desk"]

[[topics]]
name = "routed"
query = "y"
notify = ["desk", "dsk", "desk"]
to = ["b@example.org"]
"#,
    );
    let file = path.display();
    assert_eq!(
        rendered(&load_err(&path)),
        vec![
            format!(
                "{file}:2:19: daemon.admin_channels[0]: no channel named \"pager\"; the channels \
                 are: email, desk, sms"
            ),
            format!(
                "{file}:8:1: channels[0].secret_file: unknown key; a slack channel takes: name, \
                 kind, timeout, max_per_hour, url_file"
            ),
            format!(
                "{file}:11:8: channels[1].name: duplicate channel name \"desk\"; first defined at \
                 {file}:5:8"
            ),
            format!(
                "{file}:15:8: channels[2].name: \"email\" is the channel of the [email] section; \
                 pick another name"
            ),
            format!(
                "{file}:20:8: channels[3].kind: unknown channel kind \"pager\"; expected one of: \
                 email, webhook, ntfy, slack, matrix"
            ),
            format!(
                "{file}:26:6: digests[0].to: recipients are given but notify names no email \
                 channel; add \"email\" to notify, or remove to"
            ),
            format!(
                "{file}:32:10: topics[0].notify: this topic's hits go into the digest \"morning\", \
                 whose notify decides where they are sent; set notify on that [[digests]] entry \
                 instead"
            ),
            format!(
                "{file}:37:19: topics[1].notify[1]: no channel named \"dsk\"; the channels are: \
                 email, desk, sms"
            ),
            format!("{file}:37:26: topics[1].notify[2]: channel \"desk\" is listed twice"),
            format!(
                "{file}:38:6: topics[1].to: recipients are given but notify names no email \
                 channel; add \"email\" to notify, or remove to"
            ),
        ]
    );
}

/// A channel's secret and URL files are checked at load: a missing secret names the key and the
/// credential that would do, a secret without `whsec_`, a URL file holding no URL and an ntfy
/// URL without a topic name the file; no message shows what a file holds.
#[test]
fn channel_secret_mistakes_name_the_file_and_never_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_url = write(dir.path(), "bad-url", "hooks.example.org/s3cr3t-path\n");
    let no_prefix = write(
        dir.path(),
        "bad-secret",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
    );
    let no_topic = write(dir.path(), "ntfy-url", "https://ntfy.example.org/\n");
    write(
        dir.path(),
        "hooks-url",
        "https://hooks.example.org/s3cr3t-path\n",
    );
    let path = write(
        dir.path(),
        "newshound.toml",
        r#"[[channels]]
name = "signed"
kind = "webhook"
url_file = "bad-url"
secret_file = "bad-secret"

[[channels]]
name = "hooks"
kind = "webhook"
url_file = "hooks-url"

[[channels]]
name = "phone"
kind = "ntfy"
url_file = "ntfy-url"
"#,
    );
    let output = check_with_credentials(&path, None);
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let file = path.display();
    let expected = [
        format!(
            "{file}:4:12: channels[0].url_file: webhook url file {}: does not hold an http(s) URL \
             (relative URL without a base)",
            not_a_url.display()
        ),
        format!(
            "{file}:5:15: channels[0].secret_file: webhook secret file {}: the secret must start \
             with whsec_ (a Standard Webhooks secret)",
            no_prefix.display()
        ),
        format!(
            "{file}:7:1: channels[1]: webhook channel \"hooks\" needs secret_file (or the systemd \
             credential hooks-secret)"
        ),
        format!(
            "{file}:15:12: channels[2].url_file: ntfy url file {}: names no topic; write the \
             topic's URL, https://server/topic",
            no_topic.display()
        ),
        "4 problems in the configuration".to_string(),
    ];
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected);
    for secret in ["s3cr3t", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

/// Topics of included files are read after the main file's channels, so they may route to them;
/// a channel no file defines is reported in the included file.
#[test]
fn topics_of_included_files_route_to_the_main_files_channels() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "desk-url",
        "https://chat.example.org/hooks/abc\n",
    );
    let main = write(
        dir.path(),
        "newshound.toml",
        "include = [\"more/*.toml\"]\n\n[[channels]]\nname = \"desk\"\nkind = \"slack\"\n\
         url_file = \"desk-url\"\n",
    );
    let topics = "[[topics]]\nname = \"t\"\nquery = \"x\"\nnotify = [\"desk\"]\n";
    let included = write(dir.path(), "more/a.toml", topics);
    let config = load_ok(&main);
    assert_eq!(config.topics[0].notify, ["desk"]);
    assert_eq!(config.notify_settings().topics[0].channels, ["desk"]);

    write(
        dir.path(),
        "more/b.toml",
        &topics.replace("\"t\"", "\"u\"").replace("desk", "chat"),
    );
    let errors = load_err(&main).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.file, included.with_file_name("b.toml"));
    assert_eq!(
        (error.line, error.column, error.key.as_str()),
        (4, 11, "topics[0].notify[0]")
    );
    assert_eq!(
        error.message,
        "no channel named \"chat\"; the channels are: email, desk"
    );
}

/// Without `url_file` or `secret_file`, a channel's URL and secret are the systemd credentials
/// `<name>-url` and `<name>-secret` in `$CREDENTIALS_DIRECTORY`; without that directory the same
/// config is refused, naming the credential.
#[test]
fn channel_secrets_come_from_systemd_credentials() {
    use std::os::unix::fs::PermissionsExt;
    let credentials = tempfile::tempdir().unwrap();
    for (name, content) in [
        ("hooks-url", "https://hooks.example.org/s3cr3t-path\n"),
        ("hooks-secret", &format!("{WEBHOOK_SECRET}\n")),
        ("phone-url", "https://ntfy.example.org/alerts\n"),
        ("phone-token", "tk_s3cr3t\n"),
    ] {
        let file = write(credentials.path(), name, content);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o400)).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "newshound.toml",
        "[[channels]]\nname = \"hooks\"\nkind = \"webhook\"\n\n\
         [[channels]]\nname = \"phone\"\nkind = \"ntfy\"\n",
    );
    let output = check_with_credentials(&path, Some(credentials.path()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr, "");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("config OK: 0 feeds, 0 topics, 0 digests, 3 channels; database "),
        "{stdout}"
    );

    let output = check_with_credentials(&path, None);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!output.status.success(), "{stderr}");
    let file = path.display();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            format!(
                "{file}:1:1: channels[0]: webhook channel \"hooks\" needs url_file (or the \
                 systemd credential hooks-url)"
            ),
            format!(
                "{file}:1:1: channels[0]: webhook channel \"hooks\" needs secret_file (or the \
                 systemd credential hooks-secret)"
            ),
            format!(
                "{file}:5:1: channels[1]: ntfy channel \"phone\" needs url_file (or the systemd \
                 credential phone-url)"
            ),
            "3 problems in the configuration".to_string(),
        ]
    );
}

/// A channel's secret file every user can read is a warning from `check` naming the channel and
/// the file (the config is still valid); owner-only files give none. The secret is not printed.
#[test]
fn world_readable_channel_secret_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let url = write(
        dir.path(),
        "hooks-url",
        "https://hooks.example.org/s3cr3t-path\n",
    );
    let secret = write(dir.path(), "hooks-secret", &format!("{WEBHOOK_SECRET}\n"));
    let path = write(
        dir.path(),
        "newshound.toml",
        "[[channels]]\nname = \"hooks\"\nkind = \"webhook\"\nurl_file = \"hooks-url\"\n\
         secret_file = \"hooks-secret\"\n",
    );
    let check = |url_mode: u32, secret_mode: u32| {
        std::fs::set_permissions(&url, std::fs::Permissions::from_mode(url_mode)).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(secret_mode)).unwrap();
        let output = check_with_credentials(&path, None);
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    };
    let warned = check(0o600, 0o644);
    assert_eq!(
        warned,
        format!(
            "warning: channel \"hooks\" secret file {} is readable by every user (mode 0644); \
             run chmod 600 on it\n",
            secret.display()
        )
    );
    assert!(
        !warned.contains("s3cr3t") && !warned.contains(WEBHOOK_SECRET),
        "{warned}"
    );
    assert_eq!(check(0o604, 0o600).lines().count(), 1);
    assert_eq!(check(0o600, 0o400), "");
}
