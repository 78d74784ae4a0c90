//! Validates the `[daemon]`, `[email]` (with its transport and SMTP secret) and `[[digests]]`
//! tables into their settings, applying defaults.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use toml::Spanned;

use super::channels::{Channels, default_notify};
use super::reader::{Diag, Location, Section};
use super::units::{NOT_ZERO, parse_address, parse_time, parse_timezone, parse_weekday};
use super::{
    DaemonSettings, DigestSettings, EmailSettings, Security, SmtpSettings, Transport, WebSettings,
};

const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15 * 60);
pub(super) const MIN_POLL_INTERVAL: Duration = Duration::from_secs(60);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_RETENTION: Duration = Duration::from_secs(180 * 24 * 3600);
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_STORY_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);
const DEFAULT_FEED_FAILURE_ALERT_AFTER: Duration = Duration::from_secs(2 * 24 * 3600);
const DEFAULT_BACKFILL: Duration = Duration::from_secs(7 * 24 * 3600);
const DEFAULT_MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;
const DEFAULT_MAX_IMMEDIATE_PER_HOUR: u32 = 12;
const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];
pub(super) const IMMEDIATE: &str = "immediate";
const DAEMON_KEYS: &[&str] = &[
    "database",
    "poll_interval",
    "concurrency",
    "per_host_concurrency",
    "user_agent",
    "request_timeout",
    "connect_timeout",
    "max_body_bytes",
    "fetch_articles",
    "allow_private_networks",
    "log_level",
    "retention",
    "max_backoff",
    "story_window",
    "listen",
    "feed_failure_alert_after",
    "backfill",
    "admin_channels",
];
const EMAIL_KEYS: &[&str] = &[
    "from",
    "to",
    "admin",
    "max_immediate_per_hour",
    "smtp",
    "file",
];
const SMTP_KEYS: &[&str] = &[
    "host",
    "port",
    "security",
    "username",
    "password_file",
    "password_env",
];
const FILE_TRANSPORT_KEYS: &[&str] = &["dir"];
const WEB_KEYS: &[&str] = &["listen", "public_url", "password_file", "timezone"];
/// The systemd credential (`LoadCredential=web-password:...`) that stands for `[web]
/// password_file` when that is not given.
const WEB_PASSWORD_CREDENTIAL: &str = "web-password";
const DIGEST_KEYS: &[&str] = &[
    "name",
    "at",
    "timezone",
    "days",
    "to",
    "send_empty",
    "notify",
];

pub(super) fn read_daemon(section: &Section, diag: &mut Diag, folder: &Path) -> DaemonSettings {
    section.check_keys(diag, DAEMON_KEYS, None);
    let limit = 1..=u64::from(u32::MAX);
    DaemonSettings {
        database: section.path_or(diag, "database", "newshound.db", folder),
        poll_interval: section.duration_or(
            diag,
            "poll_interval",
            DEFAULT_POLL_INTERVAL,
            MIN_POLL_INTERVAL,
        ),
        concurrency: to_usize(section.integer_or(diag, "concurrency", 16, limit.clone())),
        per_host_concurrency: to_usize(section.integer_or(diag, "per_host_concurrency", 2, limit)),
        user_agent: section
            .non_empty_string(diag, "user_agent")
            .unwrap_or_else(default_user_agent),
        request_timeout: section.duration_or(
            diag,
            "request_timeout",
            DEFAULT_REQUEST_TIMEOUT,
            NOT_ZERO,
        ),
        connect_timeout: section.duration_or(
            diag,
            "connect_timeout",
            DEFAULT_CONNECT_TIMEOUT,
            NOT_ZERO,
        ),
        max_body_bytes: section.size_or(diag, "max_body_bytes", DEFAULT_MAX_BODY_BYTES),
        fetch_articles: section.bool_or(diag, "fetch_articles", true),
        allow_private_networks: section.bool_or(diag, "allow_private_networks", false),
        log_level: section
            .parsed(diag, "log_level", |level: String| parse_log_level(&level))
            .unwrap_or_else(|| "info".to_string()),
        retention: section.duration_or(diag, "retention", DEFAULT_RETENTION, NOT_ZERO),
        max_backoff: section.duration_or(diag, "max_backoff", DEFAULT_MAX_BACKOFF, NOT_ZERO),
        story_window: section.duration_or(diag, "story_window", DEFAULT_STORY_WINDOW, NOT_ZERO),
        listen: section.parsed(diag, "listen", |text: String| parse_listen(&text)),
        feed_failure_alert_after: section.duration_or(
            diag,
            "feed_failure_alert_after",
            DEFAULT_FEED_FAILURE_ALERT_AFTER,
            NOT_ZERO,
        ),
        // "0s" is allowed: it turns automatic backfill off.
        backfill: section.duration_or(diag, "backfill", DEFAULT_BACKFILL, Duration::ZERO),
        // Read once the channels are known: see `read_admin_channels`.
        admin_channels: default_notify(),
    }
}

/// `listen`: an IP address and port such as `"127.0.0.1:9464"` or `"[::1]:9464"`. Host names
/// are refused, so the address bound is the one written.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.trim().parse().map_err(|_| {
        format!(
            "invalid listen address {text:?}; write an IP address and port such as \"127.0.0.1:9464\""
        )
    })
}

/// `[web]`. A password is read now, like the SMTP one, so a missing file fails the start; and
/// without one only a loopback address is accepted, since the pages show everything stored.
pub(super) fn read_web(
    section: &Section,
    diag: &mut Diag,
    folder: &Path,
    digests: &[DigestSettings],
) -> WebSettings {
    section.check_keys(diag, WEB_KEYS, None);
    let listen = section.parsed(diag, "listen", |text: String| parse_listen(&text));
    let (password, password_source) = read_web_password(section, diag, folder);
    if let Some(addr) = listen
        && password.is_none()
        && !addr.ip().is_loopback()
    {
        let span = section
            .value("listen")
            .map_or(section.start..section.start, |v| v.span());
        let message = format!(
            "{addr} is not a loopback address and the pages have no password: set [web] \
             password_file (or the systemd credential {WEB_PASSWORD_CREDENTIAL}), or listen on \
             127.0.0.1"
        );
        diag.error(span, &section.key("listen"), message);
    }
    WebSettings {
        listen,
        public_url: section.parsed(diag, "public_url", |text: String| parse_public_url(&text)),
        password,
        password_source,
        timezone: section
            .parsed(diag, "timezone", |zone: String| parse_timezone(&zone))
            .or_else(|| digests.first().map(|d| d.timezone))
            .unwrap_or(Tz::UTC),
    }
}

/// The web password from `password_file`, else from the systemd credential, with the file it
/// was read from.
fn read_web_password(
    section: &Section,
    diag: &mut Diag,
    folder: &Path,
) -> (Option<String>, Option<std::path::PathBuf>) {
    if section.value("password_file").is_some() {
        let mut source = None;
        let password = section.parsed(diag, "password_file", |file: String| {
            let path = folder.join(file);
            let password = read_password_file(&path);
            source = Some(path);
            password
        });
        return (password, source);
    }
    let Some(credentials) = std::env::var_os("CREDENTIALS_DIRECTORY") else {
        return (None, None);
    };
    let path = Path::new(&credentials).join(WEB_PASSWORD_CREDENTIAL);
    if !path.exists() {
        return (None, None);
    }
    match read_password_file(&path) {
        Ok(password) => (Some(password), Some(path)),
        Err(message) => {
            diag.error(section.start..section.start, &section.path, message);
            (None, None)
        }
    }
}

/// `public_url`: an absolute http(s) URL; a missing final `/` is added, so that page paths
/// join below it rather than replacing its last segment.
fn parse_public_url(text: &str) -> Result<url::Url, String> {
    parse_base_url(text, "public_url", "https://news.example.org/")
}

/// An absolute http(s) URL that paths are joined below (`public_url`, a Matrix `homeserver`):
/// a missing final `/` is added, so a joined path does not replace its last segment; query and
/// fragment are dropped. `key` and `example` are for the message.
pub(super) fn parse_base_url(text: &str, key: &str, example: &str) -> Result<url::Url, String> {
    let mut url =
        url::Url::parse(text.trim()).map_err(|e| format!("invalid {key} {text:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(format!(
            "{key} {text:?} must be an http or https address such as {example:?}"
        ));
    }
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// `[email] admin`, else the first of `[email] to`: the recipient of "feed broken" and
/// "recovered" emails.
pub(super) fn read_admin(section: &Section, diag: &mut Diag, to: &[String]) -> Option<String> {
    section
        .parsed(diag, "admin", parse_address)
        .or_else(|| to.first().cloned())
}

fn to_usize(number: u64) -> usize {
    usize::try_from(number).unwrap_or(usize::MAX)
}

fn default_user_agent() -> String {
    format!(
        "newshound/{} (+https://github.com/newshound/newshound)",
        env!("CARGO_PKG_VERSION")
    )
}

fn parse_log_level(level: &str) -> Result<String, String> {
    let lower = level.trim().to_ascii_lowercase();
    if LOG_LEVELS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "unknown log level {level:?}; expected one of: {}",
            LOG_LEVELS.join(", ")
        ))
    }
}

pub(super) fn read_email(section: &Section, diag: &mut Diag, folder: &Path) -> EmailSettings {
    section.check_keys(diag, EMAIL_KEYS, None);
    let from = section.parsed(diag, "from", parse_address);
    let to = section.addresses(diag, "to").unwrap_or_default();
    let max = u64::from(DEFAULT_MAX_IMMEDIATE_PER_HOUR);
    let max_immediate_per_hour =
        section.integer_or(diag, "max_immediate_per_hour", max, 0..=u64::from(u32::MAX));
    EmailSettings {
        from,
        to,
        max_immediate_per_hour: u32::try_from(max_immediate_per_hour)
            .unwrap_or(DEFAULT_MAX_IMMEDIATE_PER_HOUR),
        transport: read_transport(section, diag, folder),
    }
}

fn read_transport(email: &Section, diag: &mut Diag, folder: &Path) -> Transport {
    let smtp = email.table(diag, "smtp");
    let file = email.table(diag, "file");
    if smtp.is_present() && file.is_present() {
        let message = "give either [email.smtp] or [email.file], not both";
        diag.error(file.start..file.start, &file.path, message);
    }
    if smtp.is_present() {
        return Transport::Smtp(read_smtp(&smtp, diag, folder));
    }
    file.check_keys(diag, FILE_TRANSPORT_KEYS, None);
    Transport::File {
        dir: file.path_or(diag, "dir", "outbox", folder),
    }
}

fn read_smtp(section: &Section, diag: &mut Diag, folder: &Path) -> SmtpSettings {
    section.check_keys(diag, SMTP_KEYS, None);
    let host = section
        .required_string(diag, "host")
        .map(Spanned::into_inner);
    let security = section
        .parsed(diag, "security", |text: String| parse_security(&text))
        .unwrap_or(Security::StartTls);
    let port = section.integer_or(diag, "port", u64::from(security.default_port()), 1..=65535);
    let username = section.non_empty_string(diag, "username");
    let password = read_password(section, diag, folder);
    if password.is_some() && username.is_none() {
        let message = "a password is given but no username";
        diag.error(section.start..section.start, &section.path, message);
    }
    SmtpSettings {
        host: host.unwrap_or_default(),
        port: u16::try_from(port).unwrap_or(security.default_port()),
        security,
        username,
        password,
        password_file: section
            .value("password_file")
            .and_then(|file| file.get_ref().as_str().map(|file| folder.join(file))),
    }
}

fn parse_security(text: &str) -> Result<Security, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "starttls" => Ok(Security::StartTls),
        "tls" => Ok(Security::Tls),
        "none" => Ok(Security::None),
        _ => Err(format!(
            "unknown security {text:?}; expected \"starttls\", \"tls\" or \"none\""
        )),
    }
}

/// The SMTP password from `password_file` or `password_env`, read now so that a missing secret
/// is a config error at start rather than a failed send hours later.
fn read_password(section: &Section, diag: &mut Diag, folder: &Path) -> Option<String> {
    if let (Some(_), Some(env)) = (
        section.value("password_file"),
        section.value("password_env"),
    ) {
        let message = "give either password_file or password_env, not both";
        diag.error(env.span(), &section.key("password_env"), message);
        return None;
    }
    if section.value("password_file").is_some() {
        return section.parsed(diag, "password_file", |file: String| {
            read_password_file(&folder.join(file))
        });
    }
    section.parsed(diag, "password_env", |name: String| {
        read_password_env(&name)
    })
}

fn read_password_file(path: &Path) -> Result<String, String> {
    read_secret_file(path, "password")
}

/// The secret in the file at `path` without its trailing newlines (editors add one). `what`
/// names the secret in messages ("password", "webhook secret"), which never quote the file.
pub(super) fn read_secret_file(path: &Path, what: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {what} file {}: {error}", path.display()))?;
    let secret = text.trim_end_matches(['\n', '\r']);
    if secret.is_empty() {
        return Err(format!("{what} file {} is empty", path.display()));
    }
    Ok(secret.to_string())
}

fn read_password_env(name: &str) -> Result<String, String> {
    match std::env::var(name) {
        Ok(password) if !password.is_empty() => Ok(password),
        Ok(_) => Err(format!("environment variable {name} is empty")),
        Err(std::env::VarError::NotPresent) => {
            Err(format!("environment variable {name} is not set"))
        }
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(format!("environment variable {name} is not valid UTF-8"))
        }
    }
}

/// `[daemon] admin_channels`, where "feed broken" and "recovered" reports go: read after the
/// `[[channels]]` it names.
pub(super) fn read_admin_channels(
    section: &Section,
    diag: &mut Diag,
    channels: &Channels,
) -> Vec<String> {
    channels
        .read_notify(section, diag, "admin_channels")
        .unwrap_or_else(default_notify)
}

/// The `[[digests]]`, their `to` as written (empty when absent: each email channel's own `to`
/// then applies) and their `notify` checked against `channels`.
pub(super) fn read_digests(
    top: &Section,
    diag: &mut Diag,
    channels: &Channels,
) -> Vec<DigestSettings> {
    let mut names: HashMap<String, Location> = HashMap::new();
    let mut digests = Vec::new();
    for section in top.array_of_tables(diag, "digests") {
        section.check_keys(diag, DIGEST_KEYS, None);
        let name = section.required_string(diag, "name");
        if let Some(name) = &name {
            check_digest_name(&section, diag, name, &mut names);
        }
        let digest = DigestSettings {
            name: name.map(Spanned::into_inner).unwrap_or_default(),
            at: read_times(&section, diag),
            timezone: section
                .parsed(diag, "timezone", |zone: String| parse_timezone(&zone))
                .unwrap_or(Tz::UTC),
            days: read_weekdays(&section, diag),
            to: section.addresses(diag, "to").unwrap_or_default(),
            send_empty: section.bool_or(diag, "send_empty", false),
            notify: read_digest_notify(&section, diag, channels),
        };
        digests.push(digest);
    }
    digests
}

/// A digest's `notify`; `to` only when it names an email channel.
fn read_digest_notify(section: &Section, diag: &mut Diag, channels: &Channels) -> Vec<String> {
    let notify = channels
        .read_notify(section, diag, "notify")
        .unwrap_or_else(default_notify);
    channels.check_to_is_emailed(section, diag, &notify);
    notify
}

fn check_digest_name(
    section: &Section,
    diag: &mut Diag,
    name: &Spanned<String>,
    names: &mut HashMap<String, Location>,
) {
    let key = section.key("name");
    if name.get_ref() == IMMEDIATE {
        let message = "\"immediate\" is reserved for immediate alerts; pick another name";
        diag.error(name.span(), &key, message);
    } else if let Some(first) = names.get(name.get_ref()) {
        let message = format!(
            "duplicate digest name {:?}; first defined at {first}",
            name.get_ref()
        );
        diag.error(name.span(), &key, message);
    } else {
        names.insert(name.get_ref().clone(), diag.location(name.span()));
    }
}

fn read_times(section: &Section, diag: &mut Diag) -> Vec<NaiveTime> {
    if section.value("at").is_none() {
        let message = "missing required key `at` (e.g. at = [\"07:30\"])";
        diag.error(section.start..section.start, &section.path, message);
        return Vec::new();
    }
    let Some(list) = section.get::<Vec<Spanned<String>>>(diag, "at") else {
        return Vec::new();
    };
    if list.get_ref().is_empty() {
        diag.error(
            list.span(),
            &section.key("at"),
            "must list at least one time",
        );
    }
    let mut times = Vec::new();
    for (index, text) in list.into_inner().into_iter().enumerate() {
        match parse_time(text.get_ref()) {
            Ok(time) => times.push(time),
            Err(message) => diag.error(
                text.span(),
                &format!("{}[{index}]", section.key("at")),
                message,
            ),
        }
    }
    times.sort();
    times.dedup();
    times
}

fn read_weekdays(section: &Section, diag: &mut Diag) -> Vec<Weekday> {
    const EVERY_DAY: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let Some(list) = section.get::<Vec<Spanned<String>>>(diag, "days") else {
        return EVERY_DAY.to_vec();
    };
    if list.get_ref().is_empty() {
        diag.error(
            list.span(),
            &section.key("days"),
            "must list at least one day",
        );
    }
    let mut days = Vec::new();
    for (index, text) in list.into_inner().into_iter().enumerate() {
        match parse_weekday(text.get_ref()) {
            Ok(day) => days.push(day),
            Err(message) => diag.error(
                text.span(),
                &format!("{}[{index}]", section.key("days")),
                message,
            ),
        }
    }
    days.sort_by_key(|day| day.num_days_from_monday());
    days.dedup();
    days
}
