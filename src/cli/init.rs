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
//!
//! Here: the arguments, what they become ([`Starter`]), checking and writing; `values` reads
//! and checks the option values (and the machine's time zone), `template` makes the file's
//! text, `steps` the next steps printed after it.

use std::fs::{File, OpenOptions, Permissions};
use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use newshound::config::{self, ConfigErrors};

use values::{feed_url, machine_timezone, mailbox, opml_feeds, smtp_server};

mod steps;
mod template;
mod values;

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
    /// The feed's URL, also what makes two entries the same feed.
    url: String,
    /// The OPML outline's title; a `--feed` has none (the config then uses the host name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// The OPML folders around it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

/// The `[[feeds]]` array, for serialising and for reading the OPML import back.
#[derive(Serialize, Deserialize)]
struct FeedsDocument {
    /// Serialised as `[[feeds]]`, the shape the config reads.
    feeds: Vec<StarterFeed>,
}

/// `--email`: the address as written, and the bare address the SMTP login uses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mailbox {
    /// As given, display name and all: `from` and `to` take it so.
    written: String,
    /// Only the address: the SMTP `username`.
    bare: String,
}

/// `--smtp HOST[:PORT]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SmtpServer {
    /// Name or address (IPv6 without brackets) to connect to.
    host: String,
    /// Written only when given; STARTTLS's 587 applies otherwise.
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
    let result = write_new_file(&temp, text)
        .with_context(|| format!("cannot write {} (as {})", path.display(), temp.display()))
        .and_then(|()| move_into_place(&temp, path, replace));
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
fn write_new_file(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(path)?;
    file.set_permissions(Permissions::from_mode(0o644))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
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
}
