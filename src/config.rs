//! Owns newshound's TOML configuration: reads the main file and its includes, checks every
//! value, and hands the rest of the program ready, typed settings.
//!
//! # How a file is read
//! serde stops at the first unknown key or wrong type of a document, yet a user fixing a config
//! wants every mistake at once. So each file is parsed into toml's spanned document
//! ([`DeTable`]) and read one table at a time through a [`Section`]: every key is deserialised on
//! its own (serde still does the type checks and their messages), each table's keys are checked
//! against its list of known keys, and every problem is kept with its file, line and column.
//! The raw values are then validated into the typed settings below, with defaults applied and
//! relative paths resolved against the config file's folder.
//!
//! # Layout of a config
//! `include`, `[daemon]`, `[[feeds]]`, `[[topics]]`, `[email]` (with `[email.smtp]` or
//! `[email.file]`) and `[[digests]]`; included files may hold only `[[feeds]]` and `[[topics]]`.
//! `config/example.toml` shows every key with its default.

use std::collections::HashMap;
use std::fmt;
use std::ops::{Range, RangeInclusive};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use url::Url;

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
}

/// `[daemon]`: settings of the running process as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSettings {
    /// SQLite database file.
    pub database: PathBuf,
    /// Default interval between two polls of one feed.
    pub poll_interval: Duration,
    /// How many feeds are fetched at once.
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
    /// Whether feeds may point at loopback or private addresses.
    pub allow_private_networks: bool,
    /// Default tracing level: error, warn, info, debug or trace.
    pub log_level: String,
    /// How long stored entries are kept.
    pub retention: Duration,
    /// Longest wait between polls of a failing feed.
    pub max_backoff: Duration,
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
    /// Boolean query text, parsed by the matcher.
    pub query: String,
    /// ISO 639-1 codes of the languages to match; empty means all.
    pub languages: Vec<String>,
    /// When hits are sent.
    pub alert: Alert,
    /// Recipients of this topic's alerts.
    pub to: Vec<String>,
    /// File the entry was written in, for messages.
    pub defined_in: PathBuf,
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
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
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
    /// Recipients.
    pub to: Vec<String>,
    /// Whether a digest with no hits is still sent (as a sign of life).
    pub send_empty: bool,
}

impl Config {
    /// A one-line summary for `newshound check`, e.g.
    /// `config OK: 3 feeds, 4 topics, 1 digest; database /path/newshound.db`.
    pub fn summary(&self) -> String {
        format!(
            "config OK: {}, {}, {}; database {}",
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

const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(15 * 60);
const MIN_POLL_INTERVAL: Duration = Duration::from_secs(60);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_RETENTION: Duration = Duration::from_secs(180 * 24 * 3600);
const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;
const DEFAULT_MAX_IMMEDIATE_PER_HOUR: u32 = 12;
const NOT_ZERO: Duration = Duration::from_nanos(1);
const LOG_LEVELS: &[&str] = &["error", "warn", "info", "debug", "trace"];
const IMMEDIATE: &str = "immediate";

const TOP_KEYS: &[&str] = &["include", "daemon", "feeds", "topics", "email", "digests"];
const INCLUDED_FILE_KEYS: &[&str] = &["feeds", "topics"];
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
];
const FEED_KEYS: &[&str] = &["url", "name", "interval", "tags", "fetch_articles"];
const TOPIC_KEYS: &[&str] = &["name", "query", "languages", "alert", "to"];
const EMAIL_KEYS: &[&str] = &["from", "to", "max_immediate_per_hour", "smtp", "file"];
const SMTP_KEYS: &[&str] = &[
    "host",
    "port",
    "security",
    "username",
    "password_file",
    "password_env",
];
const FILE_TRANSPORT_KEYS: &[&str] = &["dir"];
const DIGEST_KEYS: &[&str] = &["name", "at", "timezone", "days", "to", "send_empty"];

/// Reads and validates the config at `path` and the files it includes, reporting every problem
/// found rather than only the first.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut errors = Vec::new();
    let config = load_main(&path, &folder, &mut errors);
    match config {
        Some(config) if errors.is_empty() => Ok(config),
        _ => Err(ConfigErrors { errors }),
    }
}

/// Reads the main file, then its includes; `None` when the main file cannot even be parsed.
fn load_main(path: &Path, folder: &Path, errors: &mut Vec<ConfigError>) -> Option<Config> {
    let source = Source::read(path)
        .map_err(|error| errors.push(error))
        .ok()?;
    let document = source.parse().map_err(|error| errors.push(error)).ok()?;
    let first_error = errors.len();
    let mut diag = Diag::new(&source, errors);
    let top = Section::root(document.get_ref());
    top.check_keys(&mut diag, TOP_KEYS, None);

    let daemon = read_daemon(&top.table(&mut diag, "daemon"), &mut diag, folder);
    let email = read_email(&top.table(&mut diag, "email"), &mut diag, folder);
    let digests = read_digests(&top, &mut diag, &email.to);
    let includes = include_paths(&top, &mut diag, folder, path);
    let mut watchlists = Watchlists::new(&daemon, &email, &digests, folder);
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

/// The text of one config file, kept to turn byte offsets into lines and columns.
struct Source {
    path: PathBuf,
    text: String,
}

impl Source {
    fn read(path: &Path) -> Result<Source, ConfigError> {
        let bytes = std::fs::read(path).map_err(|error| ConfigError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read config file: {error}"),
        })?;
        String::from_utf8(bytes)
            .map(|text| Source {
                path: path.to_path_buf(),
                text,
            })
            .map_err(|error| {
                let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
                let (line, column) = line_column(&String::from_utf8_lossy(valid), valid.len());
                ConfigError {
                    file: path.to_path_buf(),
                    line,
                    column,
                    key: String::new(),
                    message: "config file is not valid UTF-8".into(),
                }
            })
    }

    fn parse(&self) -> Result<Spanned<DeTable<'_>>, ConfigError> {
        DeTable::parse(&self.text).map_err(|error| {
            let start = error.span().map_or(0, |span| span.start);
            self.error_at(
                start,
                "",
                format!("invalid TOML: {}", error.message().trim()),
            )
        })
    }

    fn location(&self, offset: usize) -> Location {
        let (line, column) = line_column(&self.text, offset);
        Location {
            file: self.path.clone(),
            line,
            column,
        }
    }

    fn error_at(&self, offset: usize, key: &str, message: impl Into<String>) -> ConfigError {
        let Location { file, line, column } = self.location(offset);
        ConfigError {
            file,
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
    let line = before.matches('\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// Where something was written, for "first defined at" messages.
#[derive(Debug, Clone)]
struct Location {
    file: PathBuf,
    line: usize,
    column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Collects the problems of one file.
struct Diag<'a> {
    source: &'a Source,
    errors: &'a mut Vec<ConfigError>,
}

impl<'a> Diag<'a> {
    fn new(source: &'a Source, errors: &'a mut Vec<ConfigError>) -> Self {
        Diag { source, errors }
    }

    fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.errors
            .push(self.source.error_at(span.start, key, message));
    }

    fn location(&self, span: Range<usize>) -> Location {
        self.source.location(span.start)
    }
}

/// One TOML table being read, with the dotted path used in messages. A table that the file
/// leaves out is read as empty, so every key falls back to its default.
struct Section<'t, 'i> {
    table: Option<&'t DeTable<'i>>,
    start: usize,
    path: String,
}

impl<'t, 'i> Section<'t, 'i> {
    fn root(table: &'t DeTable<'i>) -> Self {
        Section {
            table: Some(table),
            start: 0,
            path: String::new(),
        }
    }

    fn key(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    fn is_present(&self) -> bool {
        self.table.is_some()
    }

    fn value(&self, name: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table?.get(name)
    }

    /// Reports every key not in `known`, at the key itself.
    fn check_keys(&self, diag: &mut Diag, known: &[&str], hint: Option<&str>) {
        let Some(table) = self.table else { return };
        for (key, _) in table.iter() {
            if !known.contains(&key.get_ref().as_ref()) {
                let message = match hint {
                    Some(hint) => format!("unknown key; {hint}"),
                    None => format!("unknown key; expected one of: {}", known.join(", ")),
                };
                diag.error(key.span(), &self.key(key.get_ref()), message);
            }
        }
    }

    /// The value of `name` as `T`, or `None` (with the type error reported) when it does not fit.
    fn get<T: DeserializeOwned>(&self, diag: &mut Diag, name: &str) -> Option<Spanned<T>> {
        let value = self.value(name)?;
        let deserializer = ValueDeserializer::from(value.clone());
        match serde::Deserialize::deserialize(deserializer) {
            Ok(typed) => Some(typed),
            Err(error) => {
                let span = error.span().unwrap_or_else(|| value.span());
                diag.error(span, &self.key(name), error.message().trim());
                None
            }
        }
    }

    /// The value of `name` read as `T` and turned into `U` by `convert`, whose error message is
    /// reported at the value.
    fn parsed<T: DeserializeOwned, U>(
        &self,
        diag: &mut Diag,
        name: &str,
        convert: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        let value = self.get::<T>(diag, name)?;
        let span = value.span();
        convert(value.into_inner())
            .map_err(|message| diag.error(span, &self.key(name), message))
            .ok()
    }

    fn required_string(&self, diag: &mut Diag, name: &str) -> Option<Spanned<String>> {
        if self.value(name).is_none() {
            let message = format!("missing required key `{name}`");
            diag.error(self.start..self.start, &self.path, message);
            return None;
        }
        let value = self.get::<String>(diag, name)?;
        if value.get_ref().trim().is_empty() {
            diag.error(value.span(), &self.key(name), "must not be empty");
            return None;
        }
        Some(value)
    }

    fn non_empty_string(&self, diag: &mut Diag, name: &str) -> Option<String> {
        self.parsed(diag, name, |text: String| {
            if text.trim().is_empty() {
                Err("must not be empty".to_string())
            } else {
                Ok(text)
            }
        })
    }

    fn bool_or(&self, diag: &mut Diag, name: &str, default: bool) -> bool {
        self.get::<bool>(diag, name)
            .map_or(default, Spanned::into_inner)
    }

    fn duration_or(
        &self,
        diag: &mut Diag,
        name: &str,
        default: Duration,
        min: Duration,
    ) -> Duration {
        self.parsed(diag, name, |value: toml::Value| match value {
            toml::Value::String(text) => parse_duration_at_least(&text, min),
            _ => Err("expected a duration such as \"15m\" (a string with a unit)".to_string()),
        })
        .unwrap_or(default)
    }

    fn integer_or(
        &self,
        diag: &mut Diag,
        name: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> u64 {
        self.parsed(diag, name, |number: i64| {
            u64::try_from(number)
                .ok()
                .filter(|number| range.contains(number))
                .ok_or_else(|| range_message(&range))
        })
        .unwrap_or(default)
    }

    fn size_or(&self, diag: &mut Diag, name: &str, default: u64) -> u64 {
        self.parsed(diag, name, |value: toml::Value| match value {
            toml::Value::Integer(bytes) if bytes > 0 => Ok(bytes.unsigned_abs()),
            toml::Value::String(text) => parse_size(&text).and_then(|bytes| {
                if bytes == 0 {
                    Err("must be larger than 0 bytes".to_string())
                } else {
                    Ok(bytes)
                }
            }),
            _ => Err("expected a size such as \"5MiB\" or a positive number of bytes".into()),
        })
        .unwrap_or(default)
    }

    fn path_or(&self, diag: &mut Diag, name: &str, default: &str, folder: &Path) -> PathBuf {
        let relative = self
            .non_empty_string(diag, name)
            .unwrap_or_else(|| default.to_string());
        folder.join(relative)
    }

    /// Each string of the list `name` with its span; empty when absent or not a list of strings.
    fn strings(&self, diag: &mut Diag, name: &str) -> Vec<Spanned<String>> {
        self.get::<Vec<Spanned<String>>>(diag, name)
            .map(Spanned::into_inner)
            .unwrap_or_default()
    }

    /// The email addresses listed under `name`; `None` when the key is absent.
    fn addresses(&self, diag: &mut Diag, name: &str) -> Option<Vec<String>> {
        self.value(name)?;
        let mut addresses = Vec::new();
        for (index, address) in self.strings(diag, name).into_iter().enumerate() {
            if is_valid_address(address.get_ref()) {
                addresses.push(address.into_inner());
            } else {
                let key = format!("{}[{index}]", self.key(name));
                diag.error(address.span(), &key, invalid_address(address.get_ref()));
            }
        }
        Some(addresses)
    }

    /// The sub-table `name`, read as empty when absent or not a table.
    fn table(&self, diag: &mut Diag, name: &str) -> Section<'t, 'i> {
        let mut section = Section {
            table: None,
            start: self.start,
            path: self.key(name),
        };
        if let Some(value) = self.value(name) {
            section.start = value.span().start;
            match value.get_ref() {
                DeValue::Table(table) => section.table = Some(table),
                other => {
                    let message = format!("expected a table, found {}", other.type_str());
                    diag.error(value.span(), &section.path, message);
                }
            }
        }
        section
    }

    /// The tables of the array `name` (`[[name]]`), each named `name[index]`.
    fn array_of_tables(&self, diag: &mut Diag, name: &str) -> Vec<Section<'t, 'i>> {
        let Some(value) = self.value(name) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            let message = format!(
                "expected an array of tables ([[{name}]]), found {}",
                value.get_ref().type_str()
            );
            diag.error(value.span(), &self.key(name), message);
            return Vec::new();
        };
        let mut sections = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let path = format!("{}[{index}]", self.key(name));
            match item.get_ref() {
                DeValue::Table(table) => sections.push(Section {
                    table: Some(table),
                    start: item.span().start,
                    path,
                }),
                other => {
                    let message = format!("expected a table, found {}", other.type_str());
                    diag.error(item.span(), &path, message);
                }
            }
        }
        sections
    }
}

fn read_daemon(section: &Section, diag: &mut Diag, folder: &Path) -> DaemonSettings {
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
    }
}

fn range_message(range: &RangeInclusive<u64>) -> String {
    if *range.end() >= u64::from(u32::MAX) {
        format!("must be a whole number of at least {}", range.start())
    } else {
        format!("must be between {} and {}", range.start(), range.end())
    }
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

fn read_email(section: &Section, diag: &mut Diag, folder: &Path) -> EmailSettings {
    section.check_keys(diag, EMAIL_KEYS, None);
    let from = section.parsed(diag, "from", |address: String| {
        if is_valid_address(&address) {
            Ok(address)
        } else {
            Err(invalid_address(&address))
        }
    });
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
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read password file {}: {error}", path.display()))?;
    let password = text.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(format!("password file {} is empty", path.display()));
    }
    Ok(password.to_string())
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

fn read_digests(top: &Section, diag: &mut Diag, default_to: &[String]) -> Vec<DigestSettings> {
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
            to: section
                .addresses(diag, "to")
                .unwrap_or_else(|| default_to.to_vec()),
            send_empty: section.bool_or(diag, "send_empty", false),
        };
        digests.push(digest);
    }
    digests
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

/// The included files: every pattern's matches, sorted by name, without the main file itself.
fn include_paths(top: &Section, diag: &mut Diag, folder: &Path, main: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for (index, pattern) in top.strings(diag, "include").into_iter().enumerate() {
        let key = format!("include[{index}]");
        match glob_matches(&folder.join(pattern.get_ref())) {
            Ok(matches) => paths.extend(matches),
            Err(message) => diag.error(pattern.span(), &key, message),
        }
    }
    paths.sort();
    paths.dedup();
    paths.retain(|path| path != main);
    paths
}

fn glob_matches(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern
        .to_str()
        .ok_or_else(|| format!("include path {} is not valid UTF-8", pattern.display()))?;
    let entries = glob::glob(text).map_err(|error| format!("invalid glob pattern: {error}"))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|error| format!("cannot list included files: {error}"))?;
        if path.is_file() {
            paths.push(path);
        }
    }
    let is_literal = !text.contains(['*', '?', '[']);
    if is_literal && paths.is_empty() {
        return Err(format!("included file {text} does not exist"));
    }
    Ok(paths)
}

/// Feeds and topics gathered from the main file and its includes, with what they need to
/// check duplicates and fill in defaults.
struct Watchlists<'a> {
    daemon: &'a DaemonSettings,
    email: &'a EmailSettings,
    digest_names: Vec<&'a str>,
    folder: &'a Path,
    feed_urls: HashMap<String, Location>,
    topic_names: HashMap<String, Location>,
    feeds: Vec<FeedSettings>,
    topics: Vec<TopicSettings>,
}

impl<'a> Watchlists<'a> {
    fn new(
        daemon: &'a DaemonSettings,
        email: &'a EmailSettings,
        digests: &'a [DigestSettings],
        folder: &'a Path,
    ) -> Self {
        Watchlists {
            daemon,
            email,
            digest_names: digests.iter().map(|digest| digest.name.as_str()).collect(),
            folder,
            feed_urls: HashMap::new(),
            topic_names: HashMap::new(),
            feeds: Vec::new(),
            topics: Vec::new(),
        }
    }

    fn read(&mut self, top: &Section, diag: &mut Diag) {
        for section in top.array_of_tables(diag, "feeds") {
            if let Some(feed) = self.read_feed(&section, diag) {
                self.feeds.push(feed);
            }
        }
        for section in top.array_of_tables(diag, "topics") {
            if let Some(topic) = self.read_topic(&section, diag) {
                self.topics.push(topic);
            }
        }
    }

    fn read_feed(&mut self, section: &Section, diag: &mut Diag) -> Option<FeedSettings> {
        section.check_keys(diag, FEED_KEYS, None);
        let url = section.required_string(diag, "url").and_then(|raw| {
            let span = raw.span();
            resolve_feed_url(raw.get_ref(), self.folder)
                .map_err(|message| diag.error(span.clone(), &section.key("url"), message))
                .ok()
                .map(|url| Spanned::new(span, url))
        });
        let name = section.non_empty_string(diag, "name");
        let interval = section.duration_or(
            diag,
            "interval",
            self.daemon.poll_interval,
            MIN_POLL_INTERVAL,
        );
        let tags = read_tags(section, diag);
        let fetch_articles = section.bool_or(diag, "fetch_articles", self.daemon.fetch_articles);
        let url = url?;
        if !self.is_new_feed(&url, section, diag) {
            return None;
        }
        let url = url.into_inner();
        Some(FeedSettings {
            name: name.unwrap_or_else(|| default_feed_name(&url)),
            url,
            interval,
            tags,
            fetch_articles,
            defined_in: diag.source.path.clone(),
        })
    }

    fn is_new_feed(&mut self, url: &Spanned<Url>, section: &Section, diag: &mut Diag) -> bool {
        let mut identity = url.get_ref().clone();
        identity.set_fragment(None);
        if let Some(first) = self.feed_urls.get(identity.as_str()) {
            let message = format!("duplicate feed url {identity}; first defined at {first}");
            diag.error(url.span(), &section.key("url"), message);
            return false;
        }
        let location = diag.location(url.span());
        self.feed_urls.insert(identity.into(), location);
        true
    }

    fn read_topic(&mut self, section: &Section, diag: &mut Diag) -> Option<TopicSettings> {
        section.check_keys(diag, TOPIC_KEYS, None);
        let name = section.required_string(diag, "name");
        let query = section.required_string(diag, "query");
        let languages = read_languages(section, diag);
        let alert = section
            .parsed(diag, "alert", |alert: String| self.parse_alert(alert))
            .unwrap_or(Alert::Immediate);
        let to = section
            .addresses(diag, "to")
            .unwrap_or_else(|| self.email.to.clone());
        let name = name?;
        if let Some(first) = self.topic_names.get(name.get_ref()) {
            let message = format!(
                "duplicate topic name {:?}; first defined at {first}",
                name.get_ref()
            );
            diag.error(name.span(), &section.key("name"), message);
            return None;
        }
        let location = diag.location(name.span());
        self.topic_names.insert(name.get_ref().clone(), location);
        Some(TopicSettings {
            name: name.into_inner(),
            query: query?.into_inner(),
            languages,
            alert,
            to,
            defined_in: diag.source.path.clone(),
        })
    }

    fn parse_alert(&self, alert: String) -> Result<Alert, String> {
        if alert == IMMEDIATE {
            Ok(Alert::Immediate)
        } else if self.digest_names.contains(&alert.as_str()) {
            Ok(Alert::Digest(alert))
        } else {
            Err(format!(
                "no digest named {alert:?}; use \"immediate\" or the name of a [[digests]] entry"
            ))
        }
    }
}

fn read_tags(section: &Section, diag: &mut Diag) -> Vec<String> {
    let mut tags = Vec::new();
    for (index, tag) in section.strings(diag, "tags").into_iter().enumerate() {
        if tag.get_ref().trim().is_empty() {
            let key = format!("{}[{index}]", section.key("tags"));
            diag.error(tag.span(), &key, "tag must not be empty");
        } else {
            tags.push(tag.into_inner());
        }
    }
    tags
}

fn read_languages(section: &Section, diag: &mut Diag) -> Vec<String> {
    let mut languages = Vec::new();
    for (index, code) in section.strings(diag, "languages").into_iter().enumerate() {
        let text = code.get_ref();
        if text.len() == 2 && text.bytes().all(|byte| byte.is_ascii_lowercase()) {
            languages.push(code.into_inner());
        } else {
            let key = format!("{}[{index}]", section.key("languages"));
            let message = format!(
                "invalid language {text:?}; expected an ISO 639-1 code of two lower-case letters such as \"en\" or \"de\""
            );
            diag.error(code.span(), &key, message);
        }
    }
    languages
}

/// Turns the `url` of a feed into a URL: http(s) and file: URLs are kept, a plain path (relative
/// to the config folder) must exist and becomes an absolute file: URL.
fn resolve_feed_url(raw: &str, folder: &Path) -> Result<Url, String> {
    let raw = raw.trim();
    match Url::parse(raw) {
        Ok(url) => check_feed_scheme(url),
        Err(url::ParseError::RelativeUrlWithoutBase) => file_url(&folder.join(raw)),
        Err(error) => Err(format!("invalid url {raw:?}: {error}")),
    }
}

fn check_feed_scheme(url: Url) -> Result<Url, String> {
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|host| !host.is_empty()) => Ok(url),
        "http" | "https" => Err(format!("url {url} has no host")),
        "file" => Ok(url),
        other => Err(format!(
            "unsupported url scheme {other:?}; use an http(s) url, a file: url or a file path"
        )),
    }
}

fn file_url(path: &Path) -> Result<Url, String> {
    let absolute = std::fs::canonicalize(path).map_err(|_| {
        format!(
            "feed file {} does not exist (for a web feed write the whole url, with https://)",
            path.display()
        )
    })?;
    Url::from_file_path(&absolute)
        .map_err(|()| format!("cannot turn {} into a file: url", absolute.display()))
}

/// A feed's name when the file gives none: the host of a web feed, the file name of a local one.
fn default_feed_name(url: &Url) -> String {
    if let Some(host) = url.host_str().filter(|host| !host.is_empty()) {
        return host.to_string();
    }
    url.to_file_path()
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| url.to_string())
}

fn parse_timezone(zone: &str) -> Result<Tz, String> {
    zone.trim().parse::<Tz>().map_err(|_| {
        format!(
            "unknown time zone {zone:?}; expected an IANA name such as \"Europe/Berlin\" or \"UTC\""
        )
    })
}

/// Parses a human duration such as `"30s"`, `"15m"`, `"1h 30m"` or `"180d"` (humantime syntax).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|error| {
        format!(
            "invalid duration {text:?}: {error}; write e.g. \"30s\", \"15m\", \"24h\" or \"180d\""
        )
    })
}

fn parse_duration_at_least(text: &str, min: Duration) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration >= min {
        Ok(duration)
    } else if min == NOT_ZERO {
        Err("must be longer than zero".to_string())
    } else {
        let min = humantime::format_duration(min);
        Err(format!("must be at least {min}"))
    }
}

/// Parses a size such as `"5MiB"`, `"512KB"`, `"1.5 GB"` or `"1024"` into bytes: KB, MB, GB and
/// TB are powers of 1000, KiB, MiB, GiB and TiB powers of 1024, B or no unit means bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let invalid =
        || format!("invalid size {text:?}; write e.g. \"5MiB\", \"512KB\" or a number of bytes");
    let trimmed = text.trim();
    let unit_start = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(unit_start);
    let multiplier = size_unit(unit.trim()).ok_or_else(invalid)?;
    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(multiplier)
            .ok_or_else(|| format!("size {text:?} is too large"));
    }
    let fraction = number.parse::<f64>().map_err(|_| invalid())?;
    let bytes = (fraction * multiplier as f64).round();
    if bytes.is_finite() && bytes < u64::MAX as f64 {
        Ok(bytes as u64)
    } else {
        Err(format!("size {text:?} is too large"))
    }
}

fn size_unit(unit: &str) -> Option<u64> {
    let multiplier = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000_u64.pow(2),
        "gb" => 1000_u64.pow(3),
        "tb" => 1000_u64.pow(4),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    Some(multiplier)
}

/// Parses a local time of day written `"HH:MM"` (24-hour clock).
pub fn parse_time(text: &str) -> Result<NaiveTime, String> {
    let invalid = || format!("invalid time {text:?}; write a 24-hour time such as \"07:30\"");
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(invalid)?;
    let is_number =
        |part: &str| (1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    if !is_number(hours) || minutes.len() != 2 || !is_number(minutes) {
        return Err(invalid());
    }
    let hours = hours.parse().map_err(|_| invalid())?;
    let minutes = minutes.parse().map_err(|_| invalid())?;
    NaiveTime::from_hms_opt(hours, minutes, 0).ok_or_else(invalid)
}

/// Parses a weekday written short (`"mon"`) or in full (`"Monday"`), in any case.
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let day = match text.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => {
            return Err(format!(
                "invalid weekday {text:?}; write \"mon\" .. \"sun\" or the full English name"
            ));
        }
    };
    Ok(day)
}

/// A deliberately simple address check that catches typos, not every RFC 5322 corner: one `@`,
/// non-empty local part and domain, no spaces, no dot at either end of the domain.
pub fn is_valid_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !address.chars().any(char::is_whitespace)
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

fn invalid_address(address: &str) -> String {
    format!("invalid email address {address:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented duration examples are accepted.
    #[test]
    fn human_durations_parse() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(
            parse_duration("180d"),
            Ok(Duration::from_secs(180 * 86_400))
        );
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5_400)));
    }

    /// A duration without a unit or with an unknown one is refused with an example.
    #[test]
    fn durations_without_known_units_are_refused() {
        for text in ["15", "15x", "", "fifteen minutes"] {
            let error = parse_duration(text).expect_err(text);
            assert!(error.contains("invalid duration"), "{error}");
        }
    }

    /// Intervals under the one-minute floor are refused, naming the floor.
    #[test]
    fn interval_below_minimum_is_refused() {
        let error = parse_duration_at_least("30s", MIN_POLL_INTERVAL).unwrap_err();
        assert_eq!(error, "must be at least 1m");
        assert_eq!(
            parse_duration_at_least("0s", NOT_ZERO).unwrap_err(),
            "must be longer than zero"
        );
    }

    /// Decimal and binary units, spaces, fractions and plain bytes all parse to bytes.
    #[test]
    fn human_sizes_parse() {
        assert_eq!(parse_size("5MiB"), Ok(5 * 1024 * 1024));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("2 kib"), Ok(2048));
        assert_eq!(parse_size("1.5MB"), Ok(1_500_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("10B"), Ok(10));
    }

    /// Unknown units, missing numbers and overflow are refused.
    #[test]
    fn bad_sizes_are_refused() {
        for text in ["5XB", "MiB", "", "-5MB", "1.2.3MB"] {
            assert!(parse_size(text).is_err(), "{text:?} was accepted");
        }
        assert!(
            parse_size("99999999999TiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    /// Times are 24-hour `HH:MM`; a single-digit hour is tolerated, other shapes are not.
    #[test]
    fn times_of_day_parse() {
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("07:30"), Ok(time(7, 30)));
        assert_eq!(parse_time("7:30"), Ok(time(7, 30)));
        assert_eq!(parse_time("23:59"), Ok(time(23, 59)));
        for text in [
            "24:00", "12:60", "7:5", "0730", "07:30:00", "7.30", "-1:00", "",
        ] {
            assert!(parse_time(text).is_err(), "{text:?} was accepted");
        }
    }

    /// Weekdays are accepted short or long in any case.
    #[test]
    fn weekdays_parse() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("Sunday"), Ok(Weekday::Sun));
        assert_eq!(parse_weekday("THU"), Ok(Weekday::Thu));
        assert!(parse_weekday("mo").is_err());
        assert!(parse_weekday("montag").is_err());
    }

    /// The address check catches the usual typos.
    #[test]
    fn simple_address_check() {
        assert!(is_valid_address("alerts@example.org"));
        assert!(is_valid_address("a.b+news@mail.example.co.uk"));
        for address in [
            "example.org",
            "@example.org",
            "a@",
            "a@@b",
            "a b@c.d",
            "a@.c",
            "a@c.",
        ] {
            assert!(!is_valid_address(address), "{address:?} was accepted");
        }
    }

    /// Columns count characters, not bytes, so positions match what an editor shows.
    #[test]
    fn positions_are_one_based_characters() {
        let text = "a = 1\nb = \"äö\" x";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_column(text, x), (2, 10));
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
        };
        let debug = format!("{smtp:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
