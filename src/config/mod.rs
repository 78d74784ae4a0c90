//! Owns newshound's TOML configuration: reads the main file and its includes, checks every
//! value, and hands the rest of the program ready, typed settings.
//!
//! # How a file is read
//! serde stops at the first unknown key or wrong type of a document, yet a user fixing a config
//! wants every mistake at once. So each file is parsed into toml's spanned document
//! ([`DeTable`](toml::de::DeTable)) and read one table at a time through a `Section`: every
//! key is deserialised on its own (serde still does the type checks and their messages), each
//! table's keys are checked against its list of known keys, and every problem is kept with its
//! file, line and column.
//! The raw values are then validated into the typed settings below, with defaults applied and
//! relative paths resolved against the config file's folder.
//!
//! # Layout of a config
//! `include`, `[daemon]`, `[[feeds]]`, `[[topics]]`, `[email]` (with `[email.smtp]` or
//! `[email.file]`), `[[channels]]`, `[[digests]]` and `[web]`; included files may hold only
//! `[[feeds]]` and `[[topics]]`.
//! `config/example.toml` shows every key with its default.
//!
//! # Files
//! This module holds the public settings types and [`load`]; `reader` reads TOML tables with
//! positions, `units` parses durations, sizes, times and addresses, `sections` validates
//! `[daemon]`, `[email]` and `[[digests]]`, `channels` validates `[[channels]]` (reading their
//! secrets) and the `notify` lists naming them, `watchlists` gathers `[[feeds]]` and `[[topics]]`,
//! `runtime` builds the ready-made objects the running parts take (fetch settings, compiled
//! topics, feed registrations), and `notify` the slice of settings that notify takes.

mod channels;
mod notify;
mod reader;
mod runtime;
mod sections;
mod units;
mod watchlists;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use url::Url;

use channels::read_channels;
pub use notify::{FeedHealthSettings, NotifySettings, TopicRoute};
use reader::{Diag, Section, Source, include_paths};
use sections::{read_admin, read_admin_channels, read_daemon, read_digests, read_email, read_web};
pub use units::{is_valid_address, parse_duration, parse_size, parse_time, parse_weekday};
use watchlists::Watchlists;

/// The whole validated configuration, handed out in slices to the parts that need them.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Absolute path of the main config file, for messages and reloads.
    pub path: PathBuf,
    /// How the daemon runs: storage, polling, HTTP limits, logging.
    pub daemon: DaemonSettings,
    /// Every feed to poll, from the main file and the included files.
    pub feeds: Vec<FeedSettings>,
    /// Every watch topic, from the main file and the included files.
    pub topics: Vec<TopicSettings>,
    /// How alerts are sent.
    pub email: EmailSettings,
    /// Scheduled summaries that topics may send their hits to.
    pub digests: Vec<DigestSettings>,
    /// Who hears about broken and recovered feeds: `[email] admin`, else the first `[email] to`;
    /// `None` when neither is given (the emails are then not made).
    pub admin: Option<String>,
    /// `[web]`: the read-only web pages over the hits.
    pub web: WebSettings,
    /// Every channel alerts can go to: the implicit `email` channel (`[email]`) first, then the
    /// `[[channels]]` in file order.
    pub channels: Vec<ChannelSettings>,
}

/// The name of the implicit channel that `[email]` stands for, the default of every `notify`.
pub const EMAIL_CHANNEL: &str = "email";

/// One channel alerts, digests and feed reports can be sent through: `[email]` (the implicit
/// channel named `email`) or a `[[channels]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelSettings {
    /// Unique name that `notify` and `admin_channels` refer to; letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// Where its messages go, with the secrets to get there.
    pub kind: ChannelKind,
    /// How long one delivery may take before it counts as a temporary failure.
    pub timeout: Duration,
    /// Cap on immediate alerts per hour through this channel (an email channel's applies per
    /// recipient); beyond it the next allowed alert summarises what came in meanwhile.
    pub max_per_hour: u32,
    /// The files secrets and URLs were read from, so `check` and the service can warn when
    /// every user of the machine can read one.
    pub secret_files: Vec<PathBuf>,
}

/// What kind of channel, with what it needs. URLs that work as credentials (Slack's, a
/// webhook's, an ntfy topic's) and tokens are wrapped so that `Debug` cannot print them.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelKind {
    /// Email through `[email]`'s transport to `to` (a topic's or digest's own `to` wins).
    Email {
        /// Default recipients of what is routed here.
        to: Vec<String>,
    },
    /// A JSON POST signed as the Standard Webhooks specification says.
    Webhook {
        /// Where to POST.
        url: SecretUrl,
        /// The `whsec_...` signing secret, as written.
        secret: Secret,
    },
    /// ntfy's JSON publish to the topic URL.
    Ntfy {
        /// The topic's URL, `https://server/topic`; JSON is posted to the server's root.
        url: SecretUrl,
        /// Access token sent as `Authorization: Bearer`, when the topic needs one.
        token: Option<Secret>,
    },
    /// An incoming webhook of Slack, Mattermost or Rocket.Chat.
    Slack {
        /// The incoming-webhook URL (it is the credential).
        url: SecretUrl,
    },
    /// A Matrix room, written to with the client-server API.
    Matrix {
        /// The homeserver's base URL, e.g. `https://matrix.example.org/`; it ends in `/`, so
        /// the API's paths join below it.
        homeserver: Url,
        /// The room id, `!opaque:server`.
        room: String,
        /// The access token of the account that posts.
        token: Secret,
    },
}

impl ChannelKind {
    /// The `kind` as written in the config.
    pub fn name(&self) -> &'static str {
        match self {
            ChannelKind::Email { .. } => "email",
            ChannelKind::Webhook { .. } => "webhook",
            ChannelKind::Ntfy { .. } => "ntfy",
            ChannelKind::Slack { .. } => "slack",
            ChannelKind::Matrix { .. } => "matrix",
        }
    }
}

/// A secret read from a file or systemd credential. `Debug` and `Display` never show it; only
/// [`Secret::expose`] does, where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: String) -> Secret {
        Secret(secret)
    }

    /// The secret itself, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A URL that is itself a credential (whoever knows it can post). `Debug` and `Display` show
/// only its scheme and host, as logs and `outbox` do.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(Url);

impl SecretUrl {
    /// Wraps a URL.
    pub fn new(url: Url) -> SecretUrl {
        SecretUrl(url)
    }

    /// The whole URL, for the request.
    pub fn expose(&self) -> &Url {
        &self.0
    }

    /// `scheme://host[:port]/…`: enough to tell which server, nothing to post with.
    pub fn redacted(&self) -> String {
        let host = self.0.host_str().unwrap_or_default();
        match self.0.port() {
            Some(port) => format!("{}://{host}:{port}/…", self.0.scheme()),
            None => format!("{}://{host}/…", self.0.scheme()),
        }
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// A topic's ntfy priority and tags (`ntfy_priority`, `ntfy_tags`); a notification carrying
/// several topics takes the highest priority and every tag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NtfyOptions {
    /// 1 (min) to 5 (max); `None` leaves ntfy's default (3).
    pub priority: Option<u8>,
    /// ntfy tags (emoji short codes or words).
    pub tags: Vec<String>,
}

/// `[web]`: where the web pages are served, who may read them, and how their links and times
/// are written.
#[derive(Clone, PartialEq)]
pub struct WebSettings {
    /// Address the pages are served on inside `newshound run` (and by default by `newshound
    /// web`); `None` turns them off in the service.
    pub listen: Option<SocketAddr>,
    /// Where readers reach the pages (behind a reverse proxy, say), for the links in emails;
    /// ends in `/`.
    pub public_url: Option<Url>,
    /// The password of HTTP Basic authentication, from `password_file` or the systemd
    /// credential `web-password`; without one, only a loopback address may be served.
    pub password: Option<String>,
    /// Where the password came from, for messages.
    pub password_source: Option<PathBuf>,
    /// The zone the pages show times in: `timezone`, else the first digest's, else UTC.
    pub timezone: Tz,
}

impl fmt::Debug for WebSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSettings")
            .field("listen", &self.listen)
            .field("public_url", &self.public_url)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_source", &self.password_source)
            .field("timezone", &self.timezone)
            .finish()
    }
}

/// `[daemon]`: settings of the running process as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSettings {
    /// SQLite database file.
    pub database: PathBuf,
    /// Default interval between two polls of one feed.
    pub poll_interval: Duration,
    /// How many requests (feeds and article pages) are in flight at once.
    pub concurrency: usize,
    /// How many requests go to one host at once, to be polite.
    pub per_host_concurrency: usize,
    /// `User-Agent` header of every request.
    pub user_agent: String,
    /// Limit for a whole request, body included.
    pub request_timeout: Duration,
    /// Limit for opening a connection.
    pub connect_timeout: Duration,
    /// Largest response body read; larger ones are cut off as errors.
    pub max_body_bytes: u64,
    /// Default for fetching the article page behind each entry.
    pub fetch_articles: bool,
    /// Whether article links (which come from the network) may reach loopback or private
    /// addresses; the feeds configured here are always trusted.
    pub allow_private_networks: bool,
    /// Default tracing level: error, warn, info, debug or trace.
    pub log_level: String,
    /// How long stored entries are kept.
    pub retention: Duration,
    /// Longest wait between polls of a failing feed.
    pub max_backoff: Duration,
    /// How far back a new article is compared with others to find its story: wire copies
    /// appear within days, and the comparison's memory grows with this window.
    pub story_window: Duration,
    /// Address of the HTTP endpoint serving `/healthz` and `/metrics`; none when not wanted.
    /// Only the service (`newshound run`) listens; a change needs a restart.
    pub listen: Option<SocketAddr>,
    /// A feed failing for longer than this gets one "feed broken" email to the admin.
    pub feed_failure_alert_after: Duration,
    /// How far back a new or changed topic is applied to the stored articles when the service
    /// starts or reloads, so it does not begin empty; zero turns this off.
    pub backfill: Duration,
    /// Where "feed broken" and "recovered" reports go (`admin_channels`, default `["email"]`,
    /// which means the admin address).
    pub admin_channels: Vec<String>,
}

/// One `[[feeds]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSettings {
    /// http(s) or file: URL of the feed; plain paths are already turned into file: URLs.
    pub url: Url,
    /// Name shown in logs and emails.
    pub name: String,
    /// Interval between two polls of this feed.
    pub interval: Duration,
    /// Free labels, e.g. from an OPML import.
    pub tags: Vec<String>,
    /// Whether article pages are fetched for this feed's entries.
    pub fetch_articles: bool,
    /// File the entry was written in, for messages.
    pub defined_in: PathBuf,
}

/// One `[[topics]]` entry: a query watched in every article.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSettings {
    /// Unique name, used in emails and the database.
    pub name: String,
    /// The query as written in `query`, or the canonical form of `terms`; for messages.
    pub query: String,
    /// The parsed query, for the matcher.
    pub parsed: crate::matcher::Query,
    /// ISO 639-1 codes of the languages to match; empty means all.
    pub languages: Vec<String>,
    /// When hits are sent.
    pub alert: Alert,
    /// Recipients of this topic's alerts on its email channels, as written; empty means each
    /// email channel's own `to`.
    pub to: Vec<String>,
    /// The channels its immediate alerts go to (`notify`, default `["email"]`); a digest
    /// topic's hits go where its digest's `notify` says.
    pub notify: Vec<String>,
    /// Its ntfy priority and tags.
    pub ntfy: NtfyOptions,
    /// File the entry was written in, for messages.
    pub defined_in: PathBuf,
}

impl TopicSettings {
    /// A stable hash (hex SHA-256) of what decides which articles the topic matches: its query
    /// in canonical form (field scopes included) and its languages, sorted. The service keeps it
    /// per topic in the database to tell a new or changed topic, which it backfills, from one
    /// it has seen; a query re-spelt the same way (spacing, implicit `AND`, needless
    /// parentheses) or languages reordered are no change. Hashed as the JSON array
    /// `[query, [languages...]]`, so no two definitions share an input.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut languages: Vec<&str> = self.languages.iter().map(String::as_str).collect();
        languages.sort_unstable();
        languages.dedup();
        let definition = serde_json::json!([self.parsed.to_string(), languages]);
        hex::encode(Sha256::digest(definition.to_string().as_bytes()))
    }
}

/// When a topic's hits are sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// One email per hit, as soon as it is found (rate limited).
    Immediate,
    /// Collected into the digest of this name.
    Digest(String),
}

/// `[email]`: sender, default recipients and transport.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailSettings {
    /// `From:` address.
    pub from: Option<String>,
    /// Default recipients of topics and digests.
    pub to: Vec<String>,
    /// Cap on immediate alerts per hour, so a burst of news does not flood a mailbox.
    pub max_immediate_per_hour: u32,
    /// How messages leave the machine.
    pub transport: Transport,
}

/// How emails are delivered.
#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    /// Sent through an SMTP server.
    Smtp(SmtpSettings),
    /// Written as `.eml` files into a folder (the default, and handy for trying things out).
    File {
        /// Folder the `.eml` files are written to.
        dir: PathBuf,
    },
}

/// `[email.smtp]`. Its `Debug` hides the password so that logging settings cannot leak it.
#[derive(Clone, PartialEq)]
pub struct SmtpSettings {
    /// Server name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// How the connection is encrypted.
    pub security: Security,
    /// Login name, if the server wants one.
    pub username: Option<String>,
    /// Password read from `password_file` (trailing newline removed) or `password_env` at load.
    pub password: Option<String>,
    /// The file the password was read from, kept so the service can warn when other users can
    /// read it.
    pub password_file: Option<PathBuf>,
}

impl SmtpSettings {
    /// A warning when the password file can be read by every user of the machine: the password
    /// is then as good as public there.
    pub fn password_file_warning(&self) -> Option<String> {
        world_readable_warning("smtp password file", self.password_file.as_ref()?)
    }
}

impl ChannelSettings {
    /// A warning for each of the channel's secret and URL files that every user of the machine
    /// can read: whoever reads one can post to the channel (or sign as newshound).
    pub fn secret_file_warnings(&self) -> Vec<String> {
        let what = format!("channel {:?} secret file", self.name);
        self.secret_files
            .iter()
            .filter_map(|path| world_readable_warning(&what, path))
            .collect()
    }
}

/// `{what} PATH is readable by every user ...` when the file at `path` is. Only the mode is
/// checked (owner-only `0600` or `0400` is what `chmod` should give it); a file that cannot be
/// looked at gives none, since loading it already failed.
fn world_readable_warning(what: &str, path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o004 != 0).then(|| {
        format!(
            "{what} {} is readable by every user (mode {:04o}); run chmod 600 on it",
            path.display(),
            mode & 0o7777
        )
    })
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("password_file", &self.password_file)
            .finish()
    }
}

/// Encryption of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (port 25); only for a relay on the same machine.
    None,
}

impl Security {
    /// The port this kind of connection usually uses, the default for `port`.
    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// One `[[digests]]` entry: a scheduled summary email.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestSettings {
    /// Unique name that topics refer to in `alert`.
    pub name: String,
    /// Local times of day it is sent, sorted, without duplicates.
    pub at: Vec<NaiveTime>,
    /// Time zone of `at` and `days`.
    pub timezone: Tz,
    /// Days it is sent, Monday first; all seven when the file names none.
    pub days: Vec<Weekday>,
    /// Recipients on its email channels, as written (empty when absent); in
    /// [`NotifySettings`] resolved to every email recipient (its own `to`, else its email
    /// channels').
    pub to: Vec<String>,
    /// Whether a digest with no hits is still sent (as a sign of life).
    pub send_empty: bool,
    /// The channels it goes to (`notify`, default `["email"]`); in [`NotifySettings`] only the
    /// channels that are not email (those are in `to`).
    pub notify: Vec<String>,
}

impl Config {
    /// Problems that do not stop newshound but that its operator should fix, such as a
    /// password or channel secret file every user can read; `check` prints them and the daemon
    /// logs them.
    pub fn warnings(&self) -> Vec<String> {
        let smtp = match &self.email.transport {
            Transport::Smtp(smtp) => smtp.password_file_warning(),
            Transport::File { .. } => None,
        };
        let channels = self
            .channels
            .iter()
            .flat_map(ChannelSettings::secret_file_warnings);
        smtp.into_iter().chain(channels).collect()
    }

    /// A one-line summary for `newshound check`, e.g.
    /// `config OK: 3 feeds, 4 topics, 1 digest; database /path/newshound.db`; the channels
    /// (email included) are counted when there are others than email, e.g.
    /// `config OK: 3 feeds, 4 topics, 1 digest, 2 channels; database /path/newshound.db`.
    pub fn summary(&self) -> String {
        let channels = if self.channels.len() > 1 {
            format!(", {}", plural(self.channels.len(), "channel"))
        } else {
            String::new()
        };
        format!(
            "config OK: {}, {}, {}{channels}; database {}",
            plural(self.feeds.len(), "feed"),
            plural(self.topics.len(), "topic"),
            plural(self.digests.len(), "digest"),
            self.daemon.database.display()
        )
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// One problem found in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// File the problem is in (the main file or an included one).
    pub file: PathBuf,
    /// 1-based line of the value or key in question; 0 when the whole file is meant.
    pub line: usize,
    /// 1-based column (in characters); 0 when the whole file is meant.
    pub column: usize,
    /// Dotted path of the key, like `feeds[2].url`; empty for file-level problems.
    pub key: String,
    /// What is wrong, in lower case.
    pub message: String,
}

impl fmt::Display for ConfigError {
    /// Renders `FILE:LINE:COLUMN: key: message`, leaving out the parts that are unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found while loading a config, in file order and then position order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    /// The problems; never empty when returned by [`load`].
    pub errors: Vec<ConfigError>,
}

impl fmt::Display for ConfigErrors {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}
const TOP_KEYS: &[&str] = &[
    "include", "daemon", "feeds", "topics", "email", "digests", "web", "channels",
];
const INCLUDED_FILE_KEYS: &[&str] = &["feeds", "topics"];

impl DaemonSettings {
    /// The `[daemon]` defaults, relative paths resolved against `folder`: for commands that can
    /// work without a config file, such as `newshound extract`.
    pub fn defaults(folder: &Path) -> DaemonSettings {
        let source = Source::from_text(folder.join("(defaults)"), String::new());
        let document = source.parse().expect("an empty document is valid TOML");
        let mut errors = Vec::new();
        let mut diag = Diag::new(&source, &mut errors);
        let top = Section::root(document.get_ref());
        read_daemon(&top.table(&mut diag, "daemon"), &mut diag, folder)
    }
}

/// Reads and validates the config at `path` and the files it includes, reporting every problem
/// found rather than only the first.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut errors = Vec::new();
    let config = Source::read(&path)
        .map_err(|error| errors.push(error))
        .ok()
        .and_then(|source| load_main(&source, &folder, true, &mut errors));
    match config {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(ConfigErrors { errors }),
    }
}

/// Reads and validates `text` as if it were the main config file at `path` (which names the
/// file in errors and is the folder relative paths resolve against), without touching the file
/// system: `include` is type-checked but its patterns are not expanded. For fuzzing and tests,
/// which need the whole validation of arbitrary text but must not read files it names.
pub fn load_text(path: &Path, text: String) -> Result<Config, ConfigErrors> {
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut errors = Vec::new();
    let source = Source::from_text(path.to_path_buf(), text);
    match load_main(&source, &folder, false, &mut errors) {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(ConfigErrors { errors }),
    }
}

/// Reads the main file, then (when `follow_includes`) its includes; `None` when the main file
/// cannot even be parsed.
fn load_main(
    source: &Source,
    folder: &Path,
    follow_includes: bool,
    errors: &mut Vec<ConfigError>,
) -> Option<Config> {
    let path = source.path.as_path();
    let document = source.parse().map_err(|error| errors.push(error)).ok()?;
    let first_error = errors.len();
    let mut diag = Diag::new(source, errors);
    let top = Section::root(document.get_ref());
    top.check_keys(&mut diag, TOP_KEYS, None);

    let daemon_section = top.table(&mut diag, "daemon");
    let mut daemon = read_daemon(&daemon_section, &mut diag, folder);
    let email_section = top.table(&mut diag, "email");
    let email = read_email(&email_section, &mut diag, folder);
    let admin = read_admin(&email_section, &mut diag, &email.to);
    let channels = read_channels(&top, &mut diag, folder, &email);
    daemon.admin_channels = read_admin_channels(&daemon_section, &mut diag, &channels);
    let digests = read_digests(&top, &mut diag, &channels);
    let web = read_web(&top.table(&mut diag, "web"), &mut diag, folder, &digests);
    let includes = if follow_includes {
        include_paths(&top, &mut diag, folder, path)
    } else {
        top.strings(&mut diag, "include");
        Vec::new()
    };
    let mut watchlists = Watchlists::new(&daemon, &channels, &digests, folder);
    watchlists.read(&top, &mut diag);
    sort_by_position(&mut errors[first_error..]);

    for include in includes {
        read_included_file(&include, &mut watchlists, errors);
    }
    let Watchlists { feeds, topics, .. } = watchlists;
    Some(Config {
        path: path.to_path_buf(),
        daemon,
        feeds,
        topics,
        email,
        digests,
        admin,
        web,
        channels: channels.settings,
    })
}

/// Reads the `[[feeds]]` and `[[topics]]` of one included file into `watchlists`.
fn read_included_file(path: &Path, watchlists: &mut Watchlists, errors: &mut Vec<ConfigError>) {
    let Ok(source) = Source::read(path).map_err(|error| errors.push(error)) else {
        return;
    };
    let Ok(document) = source.parse().map_err(|error| errors.push(error)) else {
        return;
    };
    let first_error = errors.len();
    let mut diag = Diag::new(&source, errors);
    let top = Section::root(document.get_ref());
    let hint = "only [[feeds]] and [[topics]] may appear in an included file";
    top.check_keys(&mut diag, INCLUDED_FILE_KEYS, Some(hint));
    watchlists.read(&top, &mut diag);
    sort_by_position(&mut errors[first_error..]);
}

fn sort_by_position(errors: &mut [ConfigError]) {
    errors.sort_by_key(|error| (error.line, error.column));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one topic of a config holding a `[[topics]]` table with `definition` (its `query` or
    /// `terms` line) and `languages`.
    fn topic(definition: &str, languages: &[&str]) -> TopicSettings {
        let text = format!("[[topics]]\nname = \"t\"\n{definition}\nlanguages = {languages:?}\n");
        load_text(Path::new("/etc/newshound/topics.toml"), text)
            .unwrap_or_else(|errors| panic!("config should load:\n{errors}"))
            .topics
            .remove(0)
    }

    /// The fingerprint of a topic with `query` and `languages`.
    fn fingerprint(query: &str, languages: &[&str]) -> String {
        topic(&format!("query = {query:?}"), languages).fingerprint()
    }

    /// Re-spelling a query (spacing, implicit AND, needless parentheses, `terms` for an OR) or
    /// reordering its languages keeps the fingerprint, so the service does not backfill a topic
    /// that did not change; another word, field scope, distance or language changes it.
    #[test]
    fn fingerprint_changes_with_the_query_and_languages_only() {
        let query = "(Waffe OR Rakete) NEAR/10 Russland";
        let base = fingerprint(query, &["de", "en"]);
        assert_eq!(base.len(), 64);
        assert!(base.bytes().all(|b| b.is_ascii_hexdigit()), "{base}");
        let respelt = "  ((Waffe  OR Rakete))   NEAR/10   (Russland) ";
        assert_eq!(fingerprint(respelt, &["en", "de"]), base);
        assert_eq!(
            fingerprint("Waffe Russland", &[]),
            fingerprint("Waffe AND (Russland)", &[])
        );
        let terms = topic("terms = [\"Waffe\", \"Rakete\"]", &[]).fingerprint();
        assert_eq!(terms, fingerprint("Waffe OR Rakete", &[]));

        let changed = [
            fingerprint("(Waffe OR Panzer) NEAR/10 Russland", &["de", "en"]),
            fingerprint("(Waffe OR Rakete) NEAR/5 Russland", &["de", "en"]),
            fingerprint("(Waffe OR Rakete) NEAR/10 title:Russland", &["de", "en"]),
            fingerprint(query, &["de"]),
            fingerprint(query, &[]),
        ];
        let distinct: std::collections::HashSet<&String> = changed.iter().chain([&base]).collect();
        assert_eq!(distinct.len(), changed.len() + 1, "{changed:?}");
    }

    /// The password never shows up in debug output.
    #[test]
    fn smtp_debug_redacts_the_password() {
        let smtp = SmtpSettings {
            host: "smtp.example.org".into(),
            port: 587,
            security: Security::StartTls,
            username: Some("news".into()),
            password: Some("hunter2".into()),
            password_file: None,
        };
        let debug = format!("{smtp:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
