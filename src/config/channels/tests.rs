//! The pure checks of channel settings, and whole configs with channels loaded from text (their
//! secret files in a temporary folder): each kind, the defaults, and the routes `notify` gives.

use super::*;
use crate::config::{Alert, Config, load_text};

/// A webhook secret as Standard Webhooks issues them.
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `text` loaded as the config `newshound.toml` in `dir`, whose secret files are `files`
/// (name, content) written beside it.
fn load_in(dir: &Path, files: &[(&str, &str)], text: &str) -> Config {
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    load_text(&dir.join("newshound.toml"), text.to_string())
        .unwrap_or_else(|errors| panic!("config should load:\n{errors}"))
}

/// One channel of every kind, each secret in its own file.
const EVERY_KIND: &str = r#"
[email]
to = ["desk@example.org"]
max_immediate_per_hour = 5

[[channels]]
name = "night-mail"
kind = "email"
to = ["night@example.org"]

[[channels]]
name = "hooks"
kind = "webhook"
url_file = "hooks-url"
secret_file = "hooks-secret"
timeout = "5s"

[[channels]]
name = "phone"
kind = "ntfy"
url_file = "phone-url"
token_file = "phone-token"
max_per_hour = 60

[[channels]]
name = "desk"
kind = "slack"
url_file = "desk-url"

[[channels]]
name = "room"
kind = "matrix"
homeserver = "https://matrix.example.org"
room = "!abc:example.org"
token_file = "room-token"
"#;

/// The secret files of [`EVERY_KIND`].
const EVERY_KIND_FILES: &[(&str, &str)] = &[
    ("hooks-url", "https://hooks.example.org/in/s3cr3t-hook\n"),
    ("hooks-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n"),
    ("phone-url", "https://ntfy.example.org/s3cr3t-topic\n"),
    ("phone-token", "tk_s3cr3t-token\r\n"),
    ("desk-url", "https://chat.example.org/hooks/s3cr3t-slack"),
    ("room-token", "syt_s3cr3t-matrix\n"),
];

/// Names that fit a credential file and a shell pass; others are refused.
#[test]
fn channel_names_are_letters_digits_dots_dashes_and_underscores() {
    for good in ["desk", "Desk-Chat_2", "a.b", "9", &"x".repeat(64)] {
        assert_eq!(check_channel_name(good), Ok(()), "{good}");
    }
    for bad in ["-desk", ".x", "desk chat", "dësk", "a/b", &"x".repeat(65)] {
        assert!(check_channel_name(bad).is_err(), "{bad}");
    }
}

/// A webhook secret is `whsec_` and standard base64; the message never quotes it.
#[test]
fn webhook_secrets_need_the_prefix_and_base64() {
    assert_eq!(
        check_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        Ok(())
    );
    for bad in [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_",
        "whsec_not base64!",
    ] {
        let message = check_webhook_secret(bad).unwrap_err();
        let key = bad.trim_start_matches(WEBHOOK_SECRET_PREFIX);
        assert!(key.is_empty() || !message.contains(key), "{message}");
    }
}

/// URL files hold http(s) URLs with a host; an ntfy one also names a topic. The problem
/// never quotes the file's text.
#[test]
fn url_files_hold_http_urls_and_ntfy_ones_a_topic() {
    let url = parse_secret_url("https://hooks.example.org/T000/B000/XXXX").unwrap();
    assert_eq!(url.host_str(), Some("hooks.example.org"));
    for bad in [
        "hooks.example.org/secret-path",
        "ftp://example.org/secret-path",
    ] {
        let message = parse_secret_url(bad).unwrap_err();
        assert!(!message.contains("secret-path"), "{message}");
    }
    assert!(parse_ntfy_topic_url("https://ntfy.example.org/alerts").is_ok());
    for bad in ["https://ntfy.example.org", "https://ntfy.example.org/"] {
        assert!(parse_ntfy_topic_url(bad).is_err(), "{bad}");
    }
}

/// Each kind is read with what it needs, secrets from their files without the trailing newline,
/// relative paths against the config's folder, in file order after the implicit `email`.
#[test]
fn every_channel_kind_is_read_with_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_in(dir.path(), EVERY_KIND_FILES, EVERY_KIND);
    let names: Vec<&str> = config.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["email", "night-mail", "hooks", "phone", "desk", "room"]
    );
    let kinds: Vec<&str> = config.channels.iter().map(|c| c.kind.name()).collect();
    assert_eq!(
        kinds,
        ["email", "email", "webhook", "ntfy", "slack", "matrix"]
    );

    let [email, night, hooks, phone, desk, room] = &config.channels[..] else {
        panic!("six channels: {:?}", config.channels);
    };
    assert_eq!(
        email.kind,
        ChannelKind::Email {
            to: vec!["desk@example.org".into()]
        }
    );
    assert_eq!(
        night.kind,
        ChannelKind::Email {
            to: vec!["night@example.org".into()]
        }
    );
    let ChannelKind::Webhook { url, secret } = &hooks.kind else {
        panic!("{hooks:?}");
    };
    assert_eq!(
        url.expose().as_str(),
        "https://hooks.example.org/in/s3cr3t-hook"
    );
    assert_eq!(secret.expose(), WEBHOOK_SECRET);
    assert_eq!(hooks.timeout, Duration::from_secs(5));
    let files: Vec<PathBuf> = ["hooks-url", "hooks-secret"]
        .map(|f| dir.path().join(f))
        .into();
    assert_eq!(hooks.secret_files, files);
    let ChannelKind::Ntfy { url, token } = &phone.kind else {
        panic!("{phone:?}");
    };
    assert_eq!(
        url.expose().as_str(),
        "https://ntfy.example.org/s3cr3t-topic"
    );
    assert_eq!(token.as_ref().map(Secret::expose), Some("tk_s3cr3t-token"));
    assert_eq!(phone.max_per_hour, 60);
    let ChannelKind::Slack { url } = &desk.kind else {
        panic!("{desk:?}");
    };
    assert_eq!(url.expose().path(), "/hooks/s3cr3t-slack");
    let ChannelKind::Matrix {
        homeserver,
        room: id,
        token,
    } = &room.kind
    else {
        panic!("{room:?}");
    };
    assert_eq!(homeserver.as_str(), "https://matrix.example.org/");
    assert_eq!(
        (id.as_str(), token.expose()),
        ("!abc:example.org", "syt_s3cr3t-matrix")
    );
    assert_eq!(room.secret_files, [dir.path().join("room-token")]);
}

/// Without their keys, a channel waits 30 seconds and sends as often as `[email]
/// max_immediate_per_hour` allows, an ntfy topic needs no token, and topics, digests and
/// feed reports go to `email`.
#[test]
fn channels_and_routes_take_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[email]
max_immediate_per_hour = 7

[[channels]]
name = "phone"
kind = "ntfy"
url_file = "phone-url"

[[digests]]
name = "morning"
at = ["07:00"]

[[topics]]
name = "t"
query = "summit"
"#;
    let config = load_in(
        dir.path(),
        &[("phone-url", "http://127.0.0.1:8090/alerts")],
        text,
    );
    let phone = &config.channels[1];
    assert_eq!(
        (phone.timeout, phone.max_per_hour),
        (Duration::from_secs(30), 7)
    );
    assert!(
        matches!(&phone.kind, ChannelKind::Ntfy { token: None, .. }),
        "{phone:?}"
    );
    assert_eq!(config.channels[0].max_per_hour, 7);
    assert_eq!(config.topics[0].notify, ["email"]);
    assert_eq!(config.topics[0].ntfy, crate::config::NtfyOptions::default());
    assert_eq!(config.digests[0].notify, ["email"]);
    assert_eq!(config.daemon.admin_channels, ["email"]);
}

/// `notify` splits into email recipients (the topic's own `to`, else each email channel's) and
/// the other channels; a digest and the feed reports likewise.
#[test]
fn notify_settings_resolve_recipients_and_channels() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[daemon]
admin_channels = ["desk"]

[email]
to = ["desk@example.org"]
admin = "ops@example.org"

[[channels]]
name = "desk"
kind = "slack"
url_file = "desk-url"

[[channels]]
name = "night"
kind = "email"
to = ["night@example.org", "desk@example.org"]

[[digests]]
name = "morning"
at = ["07:00"]
notify = ["desk"]

[[topics]]
name = "both"
query = "a"
notify = ["email", "desk"]

[[topics]]
name = "own"
query = "b"
notify = ["desk", "email"]
to = ["own@example.org"]

[[topics]]
name = "chat"
query = "c"
notify = ["desk"]

[[topics]]
name = "mails"
query = "d"
notify = ["email", "night"]

[[topics]]
name = "quiet"
query = "e"
notify = []

[[topics]]
name = "digested"
query = "f"
alert = "morning"
"#;
    let config = load_in(
        dir.path(),
        &[("desk-url", "https://chat.example.org/hook")],
        text,
    );
    let settings = config.notify_settings();
    let routes: Vec<(&str, Vec<String>, Vec<String>)> = settings
        .topics
        .iter()
        .map(|t| (t.name.as_str(), t.recipients.clone(), t.channels.clone()))
        .collect();
    let strings = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
    assert_eq!(
        routes,
        [
            ("both", strings(&["desk@example.org"]), strings(&["desk"])),
            ("own", strings(&["own@example.org"]), strings(&["desk"])),
            ("chat", strings(&[]), strings(&["desk"])),
            (
                "mails",
                strings(&["desk@example.org", "night@example.org"]),
                strings(&[])
            ),
            ("quiet", strings(&[]), strings(&[])),
            ("digested", strings(&["desk@example.org"]), strings(&[])),
        ]
    );
    assert_eq!(settings.topics[5].alert, Alert::Digest("morning".into()));
    let digest = &settings.digests[0];
    assert!(digest.to.is_empty(), "{digest:?}");
    assert_eq!(digest.notify, ["desk"]);
    assert_eq!(settings.feed_health.admin, None);
    assert_eq!(settings.feed_health.channels, ["desk"]);
    assert_eq!(config.admin.as_deref(), Some("ops@example.org"));
}

/// A topic's ntfy priority is a number from 1 to 5 or its name (`urgent` is `max`); its tags
/// are kept as written.
#[test]
fn ntfy_priority_and_tags_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (index, priority) in ["1", "\"min\"", "\"Default\"", "4", "\"max\"", "\"urgent\""]
        .iter()
        .enumerate()
    {
        text.push_str(&format!(
            "[[topics]]\nname = \"t{index}\"\nquery = \"x\"\nntfy_priority = {priority}\n\
             ntfy_tags = [\"warning\", \"rotating_light\"]\n"
        ));
    }
    let config = load_in(dir.path(), &[], &text);
    let priorities: Vec<Option<u8>> = config.topics.iter().map(|t| t.ntfy.priority).collect();
    assert_eq!(priorities, [1, 1, 3, 4, 5, 5].map(Some));
    assert_eq!(config.topics[0].ntfy.tags, ["warning", "rotating_light"]);
}

/// Neither `Debug` of the whole config nor `check`'s summary shows a secret, a token or the
/// path of a URL that is a credential; the summary counts the channels.
#[test]
fn debug_of_a_config_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_in(dir.path(), EVERY_KIND_FILES, EVERY_KIND);
    let debug = format!("{config:?}");
    for secret in ["s3cr3t", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("https://hooks.example.org/…"), "{debug}");
    let summary = config.summary();
    assert!(
        summary.contains("0 digests, 6 channels; database"),
        "{summary}"
    );
}
