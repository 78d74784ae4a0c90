//! `newshound init`: writes a starter config, so that a new installation begins from a file
//! `check` accepts rather than from a blank page or the long example. The file holds the feeds
//! given (an OPML export, URLs), two example topics with the query syntax explained, immediate
//! alerts and a morning digest to the address given, SMTP or the file transport, and paths
//! suited to where it goes (under /etc: the service's state directory; elsewhere: beside it).
//!
//! Every value in the file goes through the toml crate's serialisation, so no quote, backslash
//! or newline in it can change the TOML around it; values from the command line never go into
//! comments. The file is checked in memory before it is written, written atomically (a
//! temporary file renamed into place), and then checked as `newshound check` does.

use std::fs::{File, OpenOptions, Permissions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use newshound::config::{self, ConfigErrors};

/// Arguments of `init`; the file written is the global `--config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Import the feeds of this OPML file (a feed reader's export); its folders become tags.
    #[arg(long, value_name = "FILE")]
    opml: Option<PathBuf>,
    /// A feed to poll, an http or https URL; give it once per feed (with --opml too).
    #[arg(long = "feed", value_name = "URL")]
    feeds: Vec<String>,
    /// Where alerts and the morning digest go; with --smtp also the account to log in as.
    #[arg(long, value_name = "ADDR")]
    email: Option<String>,
    /// Send through this SMTP server with STARTTLS (port 587 unless given); without it,
    /// messages are written as .eml files.
    #[arg(long, value_name = "HOST[:PORT]")]
    smtp: Option<String>,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

/// The config key whose error means "the SMTP password file is not there (yet)".
const PASSWORD_FILE_KEY: &str = "email.smtp.password_file";

/// The name of the SMTP password file beside the config, and of the systemd credential the
/// shipped unit can load from it.
const PASSWORD_FILE_NAME: &str = "smtp-password";

/// Writes the starter config, checks it and prints the next steps.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let path = std::path::absolute(config_path)
        .with_context(|| format!("cannot resolve {}", config_path.display()))?;
    if !args.force && path.symlink_metadata().is_ok() {
        bail!("{}", refusal(&path));
    }
    let force = args.force;
    let starter = Starter::from_args(&path, args)?;
    let text = starter.render();
    let pending = starter.password_file().filter(|file| !file.exists());
    validate_before_writing(&path, text.clone(), pending.as_deref())?;
    write_atomically(&path, &text, force)?;
    println!("wrote {}", path.display());
    let code = check_written(&path, pending.as_deref())?;
    if code == ExitCode::SUCCESS {
        print!("\n{}", starter.next_steps());
    }
    Ok(code)
}

/// What `init` says when the file exists and `--force` was not given.
fn refusal(path: &Path) -> String {
    format!(
        "{} exists already and was left as it is; give --force to replace it",
        path.display()
    )
}

/// Where the config goes decides where the database and the outbox go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Under /etc: the shipped systemd unit runs it, whose state directory is
    /// /var/lib/newshound (the only place it may write).
    System,
    /// Anywhere else: run by its user, keeping its data beside the config (relative paths).
    BesideConfig,
}

impl Placement {
    /// The placement of the config at `config`, an absolute path.
    fn of(config: &Path) -> Placement {
        if config.starts_with("/etc") {
            Placement::System
        } else {
            Placement::BesideConfig
        }
    }

    /// `[daemon] database`.
    fn database(self) -> &'static str {
        match self {
            Placement::System => "/var/lib/newshound/newshound.db",
            Placement::BesideConfig => "newshound.db",
        }
    }

    /// `[email.file] dir`.
    fn outbox(self) -> &'static str {
        match self {
            Placement::System => "/var/lib/newshound/outbox",
            Placement::BesideConfig => "outbox",
        }
    }
}

/// What the starter config will say, from the arguments, each checked.
struct Starter {
    /// The config file, absolute.
    path: PathBuf,
    /// Decides the data paths and how the SMTP password is read.
    placement: Placement,
    /// OPML feeds first, then the `--feed` URLs not among them.
    feeds: Vec<StarterFeed>,
    /// `--email`: recipient and sender.
    email: Option<Mailbox>,
    /// `--smtp`; the file transport without it.
    smtp: Option<SmtpServer>,
    /// The morning digest's zone: the machine's.
    timezone: String,
}

/// One `[[feeds]]` entry, as the OPML import prints it (read back) or a bare `--feed` URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StarterFeed {
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

/// The `[[feeds]]` array, for serialising and for reading the OPML import back.
#[derive(Serialize, Deserialize)]
struct FeedsDocument {
    feeds: Vec<StarterFeed>,
}

/// `--email`: the address as written, and the bare address the SMTP login uses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mailbox {
    written: String,
    bare: String,
}

/// `--smtp HOST[:PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SmtpServer {
    host: String,
    port: Option<u16>,
}

impl Starter {
    /// Checks every argument; an error names the option and the value.
    fn from_args(path: &Path, args: Args) -> anyhow::Result<Starter> {
        let mut feeds = match &args.opml {
            Some(file) => opml_feeds(file)?,
            None => Vec::new(),
        };
        for url in &args.feeds {
            let url = feed_url(url).map_err(anyhow::Error::msg)?;
            if !feeds.iter().any(|feed| feed.url == url) {
                feeds.push(StarterFeed {
                    url,
                    name: None,
                    tags: Vec::new(),
                });
            }
        }
        let email = args.email.as_deref().map(mailbox).transpose();
        let smtp = args.smtp.as_deref().map(smtp_server).transpose();
        Ok(Starter {
            path: path.to_path_buf(),
            placement: Placement::of(path),
            feeds,
            email: email.map_err(anyhow::Error::msg)?,
            smtp: smtp.map_err(anyhow::Error::msg)?,
            timezone: machine_timezone(),
        })
    }

    /// The folder of the config.
    fn folder(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("/"))
    }

    /// The SMTP password file beside the config, when the config logs in to an SMTP server.
    fn password_source(&self) -> Option<PathBuf> {
        (self.smtp.is_some() && self.email.is_some())
            .then(|| self.folder().join(PASSWORD_FILE_NAME))
    }

    /// The file `password_file` names: only beside a config run by its user, since the shipped
    /// unit's service user cannot read a root-only file and takes a credential instead.
    fn password_file(&self) -> Option<PathBuf> {
        self.password_source()
            .filter(|_| self.placement == Placement::BesideConfig)
    }
}

/// The feeds of an OPML file, through the same import as `newshound import-opml`.
fn opml_feeds(file: &Path) -> anyhow::Result<Vec<StarterFeed>> {
    let xml = std::fs::read_to_string(file)
        .with_context(|| format!("--opml: cannot read {}", file.display()))?;
    let toml = newshound::opml::feeds_toml_from_opml(&xml)
        .with_context(|| format!("--opml {}", file.display()))?;
    let document: FeedsDocument = toml::from_str(&toml)
        .with_context(|| format!("--opml {}: cannot read its feeds back", file.display()))?;
    Ok(document.feeds)
}

/// A `--feed` value that is an http(s) URL with a host; anything else is refused rather than
/// written (the config would take a bare word for a local file).
fn feed_url(text: &str) -> Result<String, String> {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "--feed {text:?}: a URL has no spaces, newlines or control characters"
        ));
    }
    let refused = |why: &str| {
        format!(
            "--feed {text:?}: {why}; write an http or https URL such as https://example.org/feed.xml"
        )
    };
    let url = url::Url::parse(text).map_err(|error| refused(&error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(refused("not an http or https URL"));
    }
    Ok(text.to_string())
}

/// An `--email` value that is an address as the config takes it (`me@example.org`,
/// `Name <me@example.org>`).
fn mailbox(text: &str) -> Result<Mailbox, String> {
    let refused = || {
        format!(
            "--email {text:?}: not an email address; write me@example.org or \"Name <me@example.org>\""
        )
    };
    if text.chars().any(char::is_control) {
        return Err(refused());
    }
    let mailbox: lettre::message::Mailbox = text.parse().map_err(|_| refused())?;
    Ok(Mailbox {
        written: text.to_string(),
        bare: mailbox.email.to_string(),
    })
}

/// An `--smtp` value: a host name or address, and a port when one follows a colon
/// (`[2001:db8::1]:2525` for IPv6).
fn smtp_server(text: &str) -> Result<SmtpServer, String> {
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => (host, Some(port)),
        _ => (text, None),
    };
    let port = port
        .map(|port| {
            port.parse::<u16>()
                .ok()
                .filter(|&port| port > 0)
                .ok_or_else(|| {
                    format!("--smtp {text:?}: the port must be a number from 1 to 65535")
                })
        })
        .transpose()?;
    let valid = !host.is_empty()
        && !host.chars().any(|c| c.is_whitespace() || c.is_control())
        && url::Host::parse(host).is_ok();
    if !valid {
        return Err(format!(
            "--smtp {text:?}: not a host name or address, such as smtp.example.org:587"
        ));
    }
    // lettre connects to an IPv6 address written without its URL brackets.
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    Ok(SmtpServer {
        host: bare.unwrap_or(host).to_string(),
        port,
    })
}

/// The machine's time zone, for the digest: `$TZ`, else the zone `/etc/localtime` links to,
/// else `/etc/timezone`, else UTC.
fn machine_timezone() -> String {
    let tz = std::env::var("TZ").ok();
    let link = std::fs::read_link("/etc/localtime").ok();
    let file = std::fs::read_to_string("/etc/timezone").ok();
    timezone_from(tz.as_deref(), link.as_deref(), file.as_deref())
}

/// The first of `$TZ`, the `/etc/localtime` link and `/etc/timezone` that names an IANA zone,
/// else UTC. `$TZ` comes first because it is the zone of the session running `init`; the link
/// before the file because `timedatectl` changes the link and may leave a stale file.
fn timezone_from(
    tz_env: Option<&str>,
    localtime_link: Option<&Path>,
    etc_timezone: Option<&str>,
) -> String {
    let candidates = [
        tz_env.map(|tz| tz.trim().trim_start_matches(':').to_string()),
        localtime_link.and_then(zone_of_zoneinfo_path),
        etc_timezone.map(|text| text.trim().to_string()),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|zone| zone.parse::<chrono_tz::Tz>().is_ok())
        .unwrap_or_else(|| "UTC".to_string())
}

/// `Europe/Berlin` from `/usr/share/zoneinfo/Europe/Berlin` (or `../usr/share/zoneinfo/...`,
/// or the `posix/` and `right/` variants).
fn zone_of_zoneinfo_path(path: &Path) -> Option<String> {
    let (_, zone) = path.to_str()?.split_once("zoneinfo/")?;
    let zone = ["posix/", "right/"]
        .iter()
        .find_map(|prefix| zone.strip_prefix(prefix))
        .unwrap_or(zone);
    Some(zone.to_string())
}

/// Validates the text about to be written as `newshound check` would the file, so that an
/// invalid config is never written. A password file the next steps create is no problem yet.
fn validate_before_writing(
    path: &Path,
    text: String,
    pending: Option<&Path>,
) -> anyhow::Result<()> {
    match config::load_text(path, text) {
        Err(errors) if !only_pending_password(&errors, pending) => {
            eprintln!("{errors}");
            bail!(
                "the starter config for {} would not pass `check` (above); nothing was written",
                path.display()
            )
        }
        _ => Ok(()),
    }
}

/// Runs `newshound check` on the written file; when the only problem is the password file the
/// next steps create, says so instead and succeeds.
fn check_written(path: &Path, pending: Option<&Path>) -> anyhow::Result<ExitCode> {
    if let Some(file) = pending
        && let Err(errors) = config::load(path)
        && only_pending_password(&errors, pending)
    {
        println!(
            "config OK but for the SMTP password file {}, which does not exist yet (see below)",
            file.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    super::check::run(path)
}

/// Whether every problem is the SMTP password file that does not exist yet.
fn only_pending_password(errors: &ConfigErrors, pending: Option<&Path>) -> bool {
    pending.is_some_and(|file| !file.exists())
        && errors
            .errors
            .iter()
            .all(|error| error.key == PASSWORD_FILE_KEY)
}

/// Writes `text` to `path` with mode 0644 (the service user reads it; it holds no secret)
/// through a temporary file beside it, so that a reader never sees half a config. Without
/// `replace`, an existing file is never overwritten, not even one that appeared meanwhile.
fn write_atomically(path: &Path, text: &str, replace: bool) -> anyhow::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create the folder {}", folder.display()))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = folder.join(format!(".{name}.init-{}", std::process::id()));
    let result = write_new_file(&temp, text).and_then(|()| move_into_place(&temp, path, replace));
    if result.is_err() {
        // The temporary file is ours; leaving it would only confuse.
        let _ = std::fs::remove_file(&temp);
    }
    result?;
    // The rename is durable once the folder is; a failure here loses nothing written.
    let _ = File::open(folder).and_then(|folder| folder.sync_all());
    Ok(())
}

/// Creates `path` (which must not exist) with mode 0644 whatever the umask, holding `text` on
/// disk.
fn write_new_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let write = || -> std::io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(path)?;
        file.set_permissions(Permissions::from_mode(0o644))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}

/// Moves the written temporary file to `path`: a rename when replacing, else a hard link,
/// which fails rather than overwrite.
fn move_into_place(temp: &Path, path: &Path, replace: bool) -> anyhow::Result<()> {
    if replace {
        return std::fs::rename(temp, path)
            .with_context(|| format!("cannot replace {}", path.display()));
    }
    match std::fs::hard_link(temp, path) {
        Ok(()) => {
            std::fs::remove_file(temp)
                .with_context(|| format!("cannot remove {}", temp.display()))?;
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{}", refusal(path))
        }
        Err(error) => Err(error).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// `text` as a TOML string, quoted and escaped by the toml crate.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `items` as a TOML array of strings.
fn toml_strings(items: &[&str]) -> String {
    let items = items
        .iter()
        .map(|item| toml::Value::String(item.to_string()));
    toml::Value::Array(items.collect()).to_string()
}

/// The two example topics: name, query, languages and alert (one immediate, one for the
/// morning digest), from the README's "Topic queries".
const EXAMPLE_TOPICS: [(&str, &str, &[&str], &str); 2] = [
    (
        "arms deals",
        "(arms OR weapon* OR Waffe OR Rakete) NEAR/20 (deal OR sale OR Verkauf OR Lieferung)",
        &["en", "de"],
        "immediate",
    ),
    (
        "summit meetings",
        "summit OR \"meets with\" OR Gipfel OR (treffen NEAR/3 (Putin OR Präsident))",
        &["en", "de"],
        DIGEST_NAME,
    ),
];

/// The name of the morning digest.
const DIGEST_NAME: &str = "morning";

const HEADER: &str = "\
# newshound configuration, written by `newshound init` as a start: feeds, two example topics,
# immediate alerts and a morning digest. Edit it, then run `newshound -c THIS_FILE check`, which
# reports every problem as FILE:LINE:COLUMN: key: message. Relative paths are resolved against
# the folder of this file. Durations are written like \"30s\", \"15m\", \"24h\", \"180d\".
# Commented-out keys show their default value. Every key is explained in the README's
# \"Configuration reference\" and in the example configs (/usr/share/doc/newshound/ when
# installed as a package).

# More [[feeds]] and [[topics]] from other files, matched relative to this folder and read in
# name order. Included files may contain only [[feeds]] and [[topics]].
# include = [\"watchlists.d/*.toml\"]
";

const DAEMON_COMMENTS: &str = "\
# How often a feed is polled unless the feed says otherwise (minimum \"1m\").
# poll_interval = \"15m\"
# Sent with every request, so site owners can see who is polling them and how to reach you.
# user_agent = \"newshound/<version> (+https://github.com/newshound/newshound)\"
# Serve GET /healthz and /metrics (Prometheus) here; off unless set. Keep it on loopback.
# listen = \"127.0.0.1:9464\"
";

const FEEDS_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Feeds. `url` is an http(s) URL, a file: URL, or a path to a local file (relative to this
# folder). `name` defaults to the host name, `interval` to daemon.poll_interval (minimum \"1m\"),
# `tags` to none. `newshound import-opml FILE` prints [[feeds]] for a feed reader's export.
";

const EXAMPLE_FEED: &str = "\
# [[feeds]]
# url = \"https://feeds.bbci.co.uk/news/world/rss.xml\"
# name = \"BBC News - World\"
# tags = [\"world\", \"en\"]
";

const TOPICS_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Topics: what to watch for. `query` is a boolean expression:
#   word              the word, matched stem to stem in the article's language, case and
#                     accents folded (sale matches sales, Verkauf matches Verkäufe)
#   a b, a AND b      both
#   a OR b            either
#   NOT a             not a; a query or an OR branch that only excludes is refused
#   \"a b c\"           the words in this order, next to each other
#   pre*              a word starting with pre (at least 2 letters)
#   a NEAR/n b        both within n words of each other, either order; NEAR alone is NEAR/10
#   title:x, body:x   x (a word, phrase or group) only in the title or only in the text
#   ( ... )           grouping
# Precedence, tightest first: NOT, NEAR, AND (written or implied), OR: `a b OR c` is
# `(a AND b) OR c`. Operators are upper case; lower-case and, or, not are ordinary words. In
# German, Dutch and the Nordic languages a word of at least 4 letters also matches as the first
# or last part of a compound (Waffe: Waffengesprächen). A query in single quotes needs no
# escaped double quotes. Instead of `query`, `terms = [\"a\", \"b phrase\"]` means any of them.
# `languages` limits a topic to articles in these ISO 639-1 languages (default: all). `alert` is
# \"immediate\" (an email per hit, at most email.max_immediate_per_hour) or the name of a
# [[digests]] entry. `newshound search 'QUERY'` tries a query on the stored articles;
# `newshound explain URL` shows why a page matched or which part of a query failed.
";

const DIGEST_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Digests collect the hits of the topics whose alert names them and send one message at each
# time in `at` (\"HH:MM\", local to `timezone`, an IANA name). `days` limits the weekdays
# (\"mon\"..\"sun\"; default every day). `send_empty` sends a digest even without hits, as a sign
# of life.
";

const EMAIL_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Who gets alerts, digests and the \"feed broken\" reports (`to`), and the sender (`from`).
# Addresses are written as in a mail client: \"me@example.org\" or \"Name <me@example.org>\".
";

const FILE_TRANSPORT_COMMENTS: &str = "\
# Messages are written as .eml files into this folder instead of being sent, which is handy for
# trying newshound out. To send them, replace [email.file] with [email.smtp]
# (`newshound init --smtp HOST` writes one), e.g.:
# [email.smtp]
# host = \"smtp.example.org\"
# security = \"starttls\"
# username = \"me@example.org\"
# password_file = \"smtp-password\"   # beside this file, mode 0600; never the password here
";

const SMTP_COMMENTS: &str = "\
# Sent through this SMTP server. `security` is \"starttls\" (port 587), \"tls\" (implicit TLS,
# port 465) or \"none\" (port 25, local relay only).
";

const PASSWORD_FILE_COMMENTS: &str = "\
# The password is read at start from this file (beside this one; trailing newline removed),
# never written here. Keep the file readable by its owner only (mode 0600).
";

const CREDENTIAL_COMMENTS: &str = "\
# The password is never written here. The shipped systemd unit runs newshound as a user that
# cannot read root's files, so the password reaches it as the systemd credential smtp-password:
# keep it in the file smtp-password beside this one (mode 0600) and add
# LoadCredential=smtp-password:<that file> to the unit (`sudo systemctl edit newshound`). With a
# username and neither password_file nor password_env, newshound reads that credential.
";

const NO_LOGIN_COMMENTS: &str = "\
# The account to log in as, if the server wants one, and the file its password is read from
# (beside this one, mode 0600), never the password itself:
# username = \"me@example.org\"
# password_file = \"smtp-password\"
";

impl Starter {
    /// The whole config file.
    fn render(&self) -> String {
        [
            HEADER.to_string(),
            self.daemon_section(),
            self.feeds_section(),
            topics_section(),
            self.digest_section(),
            self.email_section(),
        ]
        .join("\n")
    }

    fn daemon_section(&self) -> String {
        let database = toml_string(self.placement.database());
        let place = match self.placement {
            Placement::System => "in the shipped systemd unit's state directory",
            Placement::BesideConfig => "beside this file",
        };
        format!(
            "[daemon]\n# The SQLite database, {place}.\ndatabase = {database}\n{DAEMON_COMMENTS}"
        )
    }

    fn feeds_section(&self) -> String {
        if self.feeds.is_empty() {
            return format!("{FEEDS_COMMENTS}\n{EXAMPLE_FEED}");
        }
        let document = FeedsDocument {
            feeds: self.feeds.clone(),
        };
        // Invariant: a struct of strings and lists of strings always serialises as TOML.
        let feeds = toml::to_string(&document).expect("feeds of plain strings serialise as TOML");
        format!("{FEEDS_COMMENTS}\n{feeds}")
    }

    fn digest_section(&self) -> String {
        format!(
            "{DIGEST_COMMENTS}\n[[digests]]\nname = {}\nat = {}\ntimezone = {}\n\
             # days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n# send_empty = false\n",
            toml_string(DIGEST_NAME),
            toml_strings(&["07:30"]),
            toml_string(&self.timezone),
        )
    }

    fn email_section(&self) -> String {
        let addresses = match &self.email {
            Some(email) => format!(
                "from = {}\nto = {}\n",
                toml_string(&email.written),
                toml_strings(&[&email.written])
            ),
            None => "# from = \"newshound@example.org\"\n# to = [\"me@example.org\"]\n".to_string(),
        };
        format!(
            "{EMAIL_COMMENTS}[email]\n{addresses}\n{}",
            self.transport_section()
        )
    }

    fn transport_section(&self) -> String {
        let Some(smtp) = &self.smtp else {
            let dir = toml_string(self.placement.outbox());
            return format!("{FILE_TRANSPORT_COMMENTS}[email.file]\ndir = {dir}\n");
        };
        let port = match smtp.port {
            Some(port) => format!("port = {}\n", toml::Value::Integer(i64::from(port))),
            None => "# port = 587\n".to_string(),
        };
        let login = match (&self.email, self.placement) {
            (None, _) => NO_LOGIN_COMMENTS.to_string(),
            (Some(email), Placement::BesideConfig) => format!(
                "username = {}\n{PASSWORD_FILE_COMMENTS}password_file = {}\n",
                toml_string(&email.bare),
                toml_string(PASSWORD_FILE_NAME)
            ),
            (Some(email), Placement::System) => format!(
                "username = {}\n{CREDENTIAL_COMMENTS}",
                toml_string(&email.bare)
            ),
        };
        format!(
            "{SMTP_COMMENTS}[email.smtp]\nhost = {}\nsecurity = {}\n{port}{login}",
            toml_string(&smtp.host),
            toml_string("starttls")
        )
    }
}

fn topics_section() -> String {
    let topics = EXAMPLE_TOPICS.map(|(name, query, languages, alert)| {
        format!(
            "[[topics]]\nname = {}\nquery = {}\nlanguages = {}\nalert = {}\n",
            toml_string(name),
            toml_string(query),
            toml_strings(languages),
            toml_string(alert)
        )
    });
    format!("{TOPICS_COMMENTS}\n{}", topics.join("\n"))
}

impl Starter {
    /// What to do after `init`: edit the topics, the SMTP password, start the service, send a
    /// test message. Commands name the config with `-c` unless it is the default one.
    fn next_steps(&self) -> String {
        let config = shell_word(&self.path);
        let dash_c = if self.path == Path::new(crate::DEFAULT_CONFIG) {
            String::new()
        } else {
            format!(" -c {config}")
        };
        let sudo = if self.placement == Placement::System {
            "sudo "
        } else {
            ""
        };
        let mut steps = vec![format!(
            "Edit the topics in {config} (its comments explain the query syntax){}, then check it:\n     newshound{dash_c} check",
            if self.email.is_none() {
                " and set [email] to, who gets the alerts"
            } else {
                ""
            }
        )];
        if let Some(step) = self.password_step() {
            steps.push(step);
        }
        steps.push(self.service_step(&dash_c));
        let mut test = format!("Send a test message: {sudo}newshound{dash_c} test-email");
        if let (Some(file), Placement::System) = (self.password_source(), self.placement) {
            let dir = shell_word(file.parent().unwrap_or(Path::new("/")));
            test = format!(
                "Send a test message with the password as the service gets it:\n     sudo env CREDENTIALS_DIRECTORY={dir} newshound{dash_c} test-email"
            );
        }
        if self.email.is_none() {
            test.push_str(" --to me@example.org");
        }
        if self.smtp.is_none() {
            let outbox = self.folder().join(self.placement.outbox());
            test.push_str(&format!(
                "\n     (it is written into {} until [email.smtp] is set up)",
                outbox.display()
            ));
        }
        steps.push(test);
        let numbered: Vec<String> = steps
            .iter()
            .enumerate()
            .map(|(index, step)| format!("  {}. {step}\n", index + 1))
            .collect();
        format!("Next steps:\n{}", numbered.concat())
    }

    /// Where the SMTP password goes, when the config logs in.
    fn password_step(&self) -> Option<String> {
        let file = self.password_source()?;
        let file = shell_word(&file);
        Some(match self.placement {
            Placement::BesideConfig => format!(
                "Put the SMTP password into {file}, readable by you only (mode 0600):\n     install -m 0600 /dev/null {file} && \"${{EDITOR:-vi}}\" {file}"
            ),
            Placement::System => format!(
                "Put the SMTP password into {file}, readable by root only (mode 0600), and hand it to\n     \
                 the service as the credential smtp-password:\n     \
                 sudo install -m 0600 /dev/null {file} && sudoedit {file}\n     \
                 sudo systemctl edit newshound   # add the two lines:\n     \
                 [Service]\n     LoadCredential=smtp-password:{file}"
            ),
        })
    }

    /// Starting the service, whose unit reads the default config.
    fn service_step(&self, dash_c: &str) -> String {
        let start = "sudo systemctl enable --now newshound";
        if self.path == Path::new(crate::DEFAULT_CONFIG) {
            return format!("Start the service: {start}");
        }
        format!(
            "Run it: newshound{dash_c} run\n     \
             or as the service, whose unit reads {}: {start}",
            crate::DEFAULT_CONFIG
        )
    }
}

/// `path` as one shell word: as it is when it needs no quoting, else in single quotes.
fn shell_word(path: &Path) -> String {
    let text = path.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.into_owned();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A starter as `from_args` makes it, without reading the machine.
    fn starter(path: &str, email: Option<&str>, smtp: Option<&str>) -> Starter {
        Starter {
            path: PathBuf::from(path),
            placement: Placement::of(Path::new(path)),
            feeds: vec![StarterFeed {
                url: "https://example.org/feed.xml".into(),
                name: None,
                tags: Vec::new(),
            }],
            email: email.map(|email| mailbox(email).unwrap()),
            smtp: smtp.map(|smtp| smtp_server(smtp).unwrap()),
            timezone: "Europe/Berlin".into(),
        }
    }

    /// A config under /etc is the service's: its data goes to the unit's state directory;
    /// anywhere else (even a folder named etc elsewhere) keeps it beside the config.
    #[test]
    fn only_a_config_under_etc_puts_its_data_into_var_lib() {
        let cases = [
            ("/etc/newshound/newshound.toml", Placement::System),
            ("/etc/other.toml", Placement::System),
            ("/etcetera/newshound.toml", Placement::BesideConfig),
            ("/home/me/etc/newshound.toml", Placement::BesideConfig),
            ("/tmp/x/newshound.toml", Placement::BesideConfig),
        ];
        for (path, placement) in cases {
            assert_eq!(Placement::of(Path::new(path)), placement, "{path}");
        }
        assert_eq!(
            Placement::System.database(),
            "/var/lib/newshound/newshound.db"
        );
        assert_eq!(Placement::System.outbox(), "/var/lib/newshound/outbox");
        assert_eq!(Placement::BesideConfig.database(), "newshound.db");
        assert_eq!(Placement::BesideConfig.outbox(), "outbox");
    }

    /// The config written for /etc passes the validation of `check`, with the database and
    /// outbox in /var/lib/newshound, so the shipped unit can write them.
    #[test]
    fn config_for_etc_is_valid_and_keeps_its_data_in_var_lib() {
        let starter = starter("/etc/newshound/newshound.toml", None, None);
        let path = Path::new("/etc/newshound/newshound.toml");
        let config = config::load_text(path, starter.render()).unwrap();
        assert_eq!(
            config.daemon.database,
            Path::new("/var/lib/newshound/newshound.db")
        );
        assert_eq!(
            config.email.transport,
            config::Transport::File {
                dir: PathBuf::from("/var/lib/newshound/outbox")
            }
        );
        assert_eq!(config.feeds.len(), 1);
        assert_eq!(config.topics.len(), 2);
        assert_eq!(config.digests[0].timezone, chrono_tz::Europe::Berlin);
    }

    /// Under /etc with SMTP the password is the unit's credential, not a password_file the
    /// service user could not read: the config is valid without the file, logs in as the bare
    /// address, and the next steps say how to load the credential.
    #[test]
    fn smtp_config_for_etc_takes_the_password_as_a_credential() {
        let starter = starter(
            "/etc/newshound/newshound.toml",
            Some("Desk <desk@example.org>"),
            Some("mail.example.org:2525"),
        );
        let text = starter.render();
        let config = config::load_text(Path::new("/etc/newshound/newshound.toml"), text).unwrap();
        let config::Transport::Smtp(smtp) = &config.email.transport else {
            panic!("expected SMTP: {:?}", config.email.transport);
        };
        assert_eq!(smtp.host, "mail.example.org");
        assert_eq!(smtp.port, 2525);
        assert_eq!(smtp.security, config::Security::StartTls);
        assert_eq!(smtp.username.as_deref(), Some("desk@example.org"));
        assert_eq!(smtp.password_file, None);
        assert_eq!(config.email.to, vec!["Desk <desk@example.org>".to_string()]);
        assert_eq!(starter.password_file(), None);
        let steps = starter.next_steps();
        assert!(
            steps.contains("LoadCredential=smtp-password:/etc/newshound/smtp-password"),
            "{steps}"
        );
        assert!(
            steps.contains("Start the service: sudo systemctl enable --now newshound"),
            "{steps}"
        );
        assert!(!steps.contains(" -c "), "{steps}");
    }

    /// Host and port are split at the last colon; a bad port or host is refused with the value.
    #[test]
    fn smtp_values_give_host_and_port_or_are_refused() {
        let ok = [
            ("smtp.example.org", "smtp.example.org", None),
            ("smtp.example.org:465", "smtp.example.org", Some(465)),
            ("192.0.2.7:2525", "192.0.2.7", Some(2525)),
            ("[2001:db8::1]:587", "2001:db8::1", Some(587)),
            ("[2001:db8::1]", "2001:db8::1", None),
        ];
        for (text, host, port) in ok {
            let server = smtp_server(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((server.host.as_str(), server.port), (host, port), "{text}");
        }
        for text in [
            "",
            ":587",
            "smtp.example.org:0",
            "smtp.example.org:70000",
            "smtp.example.org:smtp",
            "smtp example.org",
            "smtp.example.org\n[daemon]",
            "smtp.example.org/x",
        ] {
            let error = smtp_server(text).unwrap_err();
            assert!(error.starts_with("--smtp "), "{text:?}: {error}");
        }
    }

    /// The digest's zone is the first of $TZ, the /etc/localtime link and /etc/timezone that
    /// names a real zone; nothing usable gives UTC.
    #[test]
    fn timezone_comes_from_tz_then_localtime_then_etc_timezone() {
        let link = Path::new("/usr/share/zoneinfo/Europe/Berlin");
        let relative = Path::new("../usr/share/zoneinfo/posix/America/New_York");
        let cases: [(Option<&str>, Option<&Path>, Option<&str>, &str); 7] = [
            (
                Some("Asia/Tokyo"),
                Some(link),
                Some("Europe/Paris\n"),
                "Asia/Tokyo",
            ),
            (Some(":Asia/Tokyo"), None, None, "Asia/Tokyo"),
            (Some("CET-1CEST"), Some(link), None, "Europe/Berlin"),
            (None, Some(relative), None, "America/New_York"),
            (
                None,
                Some(Path::new("/etc/zone")),
                Some("Europe/Paris\n"),
                "Europe/Paris",
            ),
            (None, None, Some("Not/AZone"), "UTC"),
            (None, None, None, "UTC"),
        ];
        for (tz, link, file, zone) in cases {
            assert_eq!(
                timezone_from(tz, link, file),
                zone,
                "{tz:?} {link:?} {file:?}"
            );
        }
    }

    /// Values the toml crate writes read back as they were, quotes, backslashes and newlines
    /// included.
    #[test]
    fn toml_values_read_back_unchanged() {
        let hostile = "a \"quoted\" \\ value'\n[daemon]\nx = '1'";
        let text = format!(
            "key = {}\nlist = {}\n",
            toml_string(hostile),
            toml_strings(&[hostile])
        );
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(table["key"].as_str(), Some(hostile));
        assert_eq!(table["list"][0].as_str(), Some(hostile));
        assert_eq!(table.len(), 2);
    }

    /// Paths with spaces or quotes are single-quoted in the printed commands.
    #[test]
    fn printed_paths_are_one_shell_word() {
        assert_eq!(shell_word(Path::new("/tmp/x/n.toml")), "/tmp/x/n.toml");
        assert_eq!(
            shell_word(Path::new("/tmp/my dir/n.toml")),
            "'/tmp/my dir/n.toml'"
        );
        assert_eq!(shell_word(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }
}
