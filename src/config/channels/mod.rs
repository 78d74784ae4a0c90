//! Validates the `[[channels]]` of the main file into [`ChannelSettings`], and the `notify`
//! lists (of topics, digests and `[daemon] admin_channels`) that route to them.
//!
//! A channel's URL and secrets are read at load, from the file its key names or else from the
//! systemd credential `<name>-<what>` in `$CREDENTIALS_DIRECTORY`, so a missing or malformed
//! one fails `check` rather than a send hours later. Messages name the file, never what it
//! holds: a webhook, Slack or ntfy URL is itself a credential.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use url::Url;

use super::reader::{Diag, Location, Section};
use super::sections::{parse_base_url, read_secret_file};
use super::units::NOT_ZERO;
use super::{ChannelKind, ChannelSettings, EMAIL_CHANNEL, EmailSettings, Secret, SecretUrl};

/// How long one delivery may take when `timeout` is not given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The `kind`s a channel may have.
const KINDS: &[&str] = &["email", "webhook", "ntfy", "slack", "matrix"];
/// The keys every channel takes, whatever its kind.
const COMMON_KEYS: &[&str] = &["name", "kind", "timeout", "max_per_hour"];
/// The longest channel name: names appear in `outbox` listings and credential file names.
const MAX_NAME_CHARS: usize = 64;
/// What Standard Webhooks secrets begin with; the rest is the key in standard base64.
const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

/// The keys a channel of `kind` takes besides [`COMMON_KEYS`].
fn kind_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "email" => &["to"],
        "webhook" => &["url_file", "secret_file"],
        "ntfy" => &["url_file", "token_file"],
        "slack" => &["url_file"],
        "matrix" => &["homeserver", "room", "token_file"],
        _ => &[],
    }
}

/// The default of every `notify` and of `admin_channels`: the `[email]` channel.
pub(super) fn default_notify() -> Vec<String> {
    vec![EMAIL_CHANNEL.to_string()]
}

/// The channels of a config, read before the topics and digests whose `notify` names them.
pub(super) struct Channels {
    /// Every channel read without mistakes: the implicit `email` first, then the
    /// `[[channels]]` in file order.
    pub(super) settings: Vec<ChannelSettings>,
    /// Every name given, also of entries with other mistakes, so that a broken channel is
    /// reported once rather than again at every `notify` naming it.
    names: Vec<String>,
    /// The channels whose kind is known and is not email: a `to` routed only to these would
    /// reach nobody.
    not_email: Vec<String>,
    /// Where each name was first written, for the message about a duplicate.
    defined_at: HashMap<String, Location>,
}

/// Reads the `[[channels]]` of the main file, after the implicit `email` channel of `[email]`.
pub(super) fn read_channels(
    top: &Section,
    diag: &mut Diag,
    folder: &Path,
    email: &EmailSettings,
) -> Channels {
    let mut channels = Channels::with_email(email);
    for section in top.array_of_tables(diag, "channels") {
        if let Some(channel) = channels.read_channel(&section, diag, folder, email) {
            channels.settings.push(channel);
        }
    }
    channels
}

impl Channels {
    /// Only the `email` channel that `[email]` stands for.
    fn with_email(email: &EmailSettings) -> Channels {
        let implicit_email = ChannelSettings {
            name: EMAIL_CHANNEL.to_string(),
            kind: ChannelKind::Email {
                to: email.to.clone(),
            },
            timeout: DEFAULT_TIMEOUT,
            max_per_hour: email.max_immediate_per_hour,
            secret_files: Vec::new(),
        };
        Channels {
            settings: vec![implicit_email],
            names: default_notify(),
            not_email: Vec::new(),
            defined_at: HashMap::new(),
        }
    }

    fn read_channel(
        &mut self,
        section: &Section,
        diag: &mut Diag,
        folder: &Path,
        email: &EmailSettings,
    ) -> Option<ChannelSettings> {
        let name = self.read_name(section, diag);
        let kind = read_kind(section, diag);
        check_channel_keys(section, diag, kind);
        let timeout = section.duration_or(diag, "timeout", DEFAULT_TIMEOUT, NOT_ZERO);
        let default_max = u64::from(email.max_immediate_per_hour);
        let max_per_hour =
            section.integer_or(diag, "max_per_hour", default_max, 1..=u64::from(u32::MAX));
        let (name, kind) = (name?, kind?);
        if kind != EMAIL_CHANNEL {
            self.not_email.push(name.clone());
        }
        let mut secrets = SecretReader {
            section,
            folder,
            channel: &name,
            kind,
            files: Vec::new(),
        };
        let kind = secrets.read_kind(diag)?;
        let secret_files = secrets.files;
        Some(ChannelSettings {
            name,
            kind,
            timeout,
            max_per_hour: u32::try_from(max_per_hour).unwrap_or(u32::MAX),
            secret_files,
        })
    }

    /// The channel's `name` when it is well formed, not reserved and not taken.
    fn read_name(&mut self, section: &Section, diag: &mut Diag) -> Option<String> {
        let name = section.required_string(diag, "name")?;
        let text = name.get_ref();
        let problem = if text == EMAIL_CHANNEL {
            Some(format!(
                "{EMAIL_CHANNEL:?} is the channel of the [email] section; pick another name"
            ))
        } else if let Some(first) = self.defined_at.get(text) {
            Some(format!(
                "duplicate channel name {text:?}; first defined at {first}"
            ))
        } else {
            self.defined_at
                .insert(text.clone(), diag.location(name.span()));
            self.names.push(text.clone());
            check_channel_name(text).err()
        };
        match problem {
            Some(message) => {
                diag.error(name.span(), &section.key("name"), message);
                None
            }
            None => Some(name.into_inner()),
        }
    }

    /// The channel names listed under `key` (`notify`, `admin_channels`), each checked to name
    /// a channel once; `None` when the key is absent or not a list of strings.
    pub(super) fn read_notify(
        &self,
        section: &Section,
        diag: &mut Diag,
        key: &str,
    ) -> Option<Vec<String>> {
        section.checked_strings(diag, key, |name, kept| {
            if !self.names.iter().any(|known| known == name) {
                Some(format!(
                    "no channel named {name:?}; the channels are: {}",
                    self.names.join(", ")
                ))
            } else if kept.iter().any(|listed| listed == name) {
                Some(format!("channel {name:?} is listed twice"))
            } else {
                None
            }
        })
    }

    /// Reports the `to` of `section` when `notify` names no email channel: those recipients
    /// would never hear anything.
    pub(super) fn check_to_is_emailed(
        &self,
        section: &Section,
        diag: &mut Diag,
        notify: &[String],
    ) {
        let Some(to) = section.value("to") else {
            return;
        };
        if notify.iter().all(|name| self.not_email.contains(name)) {
            let message = "recipients are given but notify names no email channel; add \
                           \"email\" to notify, or remove to";
            diag.error(to.span(), &section.key("to"), message);
        }
    }
}

/// The `kind`, one of [`KINDS`].
fn read_kind(section: &Section, diag: &mut Diag) -> Option<&'static str> {
    let kind = section.required_string(diag, "kind")?;
    let known = KINDS
        .iter()
        .find(|known| **known == kind.get_ref().as_str());
    if known.is_none() {
        let message = format!(
            "unknown channel kind {:?}; expected one of: {}",
            kind.get_ref(),
            KINDS.join(", ")
        );
        diag.error(kind.span(), &section.key("kind"), message);
    }
    known.copied()
}

/// Reports the keys a channel of `kind` does not take, naming the ones it does; when the kind
/// is unknown, only keys no kind takes.
fn check_channel_keys(section: &Section, diag: &mut Diag, kind: Option<&str>) {
    match kind {
        Some(kind) => {
            let known = [COMMON_KEYS, kind_keys(kind)].concat();
            let hint = format!("a {kind} channel takes: {}", known.join(", "));
            section.check_keys(diag, &known, Some(&hint));
        }
        None => {
            let mut known = COMMON_KEYS.to_vec();
            for key in KINDS.iter().flat_map(|kind| kind_keys(kind)) {
                if !known.contains(key) {
                    known.push(key);
                }
            }
            section.check_keys(diag, &known, None);
        }
    }
}

/// A channel name: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`, so it
/// can name a systemd credential and be written in a shell without quotes.
fn check_channel_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_well = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if starts_well && rest_well && name.len() <= MAX_NAME_CHARS {
        Ok(())
    } else {
        Err(format!(
            "invalid channel name {name:?}; use up to {MAX_NAME_CHARS} letters, digits, '.', '_' \
             and '-', starting with a letter or digit"
        ))
    }
}

/// Reads what one channel needs, its URLs and secrets each from the file its key names or else
/// from the systemd credential `<channel>-<what>`, and keeps every file read.
struct SecretReader<'s, 't, 'i> {
    section: &'s Section<'t, 'i>,
    folder: &'s Path,
    channel: &'s str,
    kind: &'static str,
    /// Every secret or URL file read, for the warning about files every user can read.
    files: Vec<PathBuf>,
}

/// A URL or secret as read, with where to report a problem with what it holds.
struct SecretText {
    text: String,
    path: PathBuf,
    span: Range<usize>,
    key: String,
}

impl SecretReader<'_, '_, '_> {
    fn read_kind(&mut self, diag: &mut Diag) -> Option<ChannelKind> {
        match self.kind {
            "email" => Some(ChannelKind::Email {
                to: self.section.addresses(diag, "to").unwrap_or_default(),
            }),
            "webhook" => {
                let url = self.url(diag, parse_secret_url);
                let secret = self.webhook_secret(diag);
                Some(ChannelKind::Webhook {
                    url: url?,
                    secret: secret?,
                })
            }
            "ntfy" => {
                let url = self.url(diag, parse_ntfy_topic_url);
                let token = self.read(diag, "token_file", "token", false);
                Some(ChannelKind::Ntfy {
                    url: url?,
                    token: token.map(|token| Secret::new(token.text)),
                })
            }
            "slack" => Some(ChannelKind::Slack {
                url: self.url(diag, parse_secret_url)?,
            }),
            "matrix" => {
                let homeserver = self.homeserver(diag);
                let room = self.room(diag);
                let token = self.read(diag, "token_file", "token", true);
                Some(ChannelKind::Matrix {
                    homeserver: homeserver?,
                    room: room?,
                    token: Secret::new(token?.text),
                })
            }
            _ => None,
        }
    }

    /// The URL of `url_file` (or the credential `<channel>-url`), checked by `parse`.
    fn url(
        &mut self,
        diag: &mut Diag,
        parse: fn(&str) -> Result<Url, String>,
    ) -> Option<SecretUrl> {
        let read = self.read(diag, "url_file", "url", true)?;
        self.checked(diag, &read, "url", parse(&read.text))
            .map(SecretUrl::new)
    }

    /// The `whsec_` secret of `secret_file` (or the credential `<channel>-secret`).
    fn webhook_secret(&mut self, diag: &mut Diag) -> Option<Secret> {
        let read = self.read(diag, "secret_file", "secret", true)?;
        self.checked(diag, &read, "secret", check_webhook_secret(&read.text))?;
        Some(Secret::new(read.text))
    }

    /// The Matrix `homeserver`, written inline (it is no secret).
    fn homeserver(&self, diag: &mut Diag) -> Option<Url> {
        let text = self.section.required_string(diag, "homeserver")?;
        let example = "https://matrix.example.org";
        parse_base_url(text.get_ref(), "homeserver", example)
            .map_err(|message| diag.error(text.span(), &self.section.key("homeserver"), message))
            .ok()
    }

    /// The Matrix `room` id: `!` and an opaque part, with `:server` before room version 12
    /// (an alias, `#name:server`, is refused: the API posts to ids).
    fn room(&self, diag: &mut Diag) -> Option<String> {
        let room = self.section.required_string(diag, "room")?;
        let id = room.get_ref();
        if id.len() > 1 && id.starts_with('!') && !id.chars().any(char::is_whitespace) {
            return Some(room.into_inner());
        }
        let message = format!(
            "invalid room id {:?}; write the room's id, \"!opaque:server\" or \"!opaque\" (in \
             the room's settings), not its alias",
            room.get_ref()
        );
        diag.error(room.span(), &self.section.key("room"), message);
        None
    }

    /// `result` of checking what `read` holds, its problem reported at the key (or the
    /// channel, for a credential) and naming the file, never its content.
    fn checked<T>(
        &self,
        diag: &mut Diag,
        read: &SecretText,
        what: &str,
        result: Result<T, String>,
    ) -> Option<T> {
        result
            .map_err(|problem| {
                let message = format!(
                    "{} {what} file {}: {problem}",
                    self.kind,
                    read.path.display()
                );
                diag.error(read.span.clone(), &read.key, message);
            })
            .ok()
    }

    /// The text of the file named by `key`, else of the credential `<channel>-<what>`; a
    /// missing one is an error when `required`.
    fn read(
        &mut self,
        diag: &mut Diag,
        key: &str,
        what: &str,
        required: bool,
    ) -> Option<SecretText> {
        if self.section.value(key).is_some() {
            let file = self.section.required_string(diag, key)?;
            let path = self.folder.join(file.get_ref());
            return self.read_file(diag, path, what, file.span(), self.section.key(key));
        }
        let credential = format!("{}-{what}", self.channel);
        let at_channel = self.section.start..self.section.start;
        match credential_path(&credential) {
            Some(path) => self.read_file(diag, path, what, at_channel, self.section.path.clone()),
            None => {
                if required {
                    let message = format!(
                        "{} channel {:?} needs {key} (or the systemd credential {credential})",
                        self.kind, self.channel
                    );
                    diag.error(at_channel, &self.section.path, message);
                }
                None
            }
        }
    }

    fn read_file(
        &mut self,
        diag: &mut Diag,
        path: PathBuf,
        what: &str,
        span: Range<usize>,
        key: String,
    ) -> Option<SecretText> {
        match read_secret_file(&path, &format!("{} {what}", self.kind)) {
            Ok(text) => {
                self.files.push(path.clone());
                Some(SecretText {
                    text,
                    path,
                    span,
                    key,
                })
            }
            Err(message) => {
                diag.error(span, &key, message);
                None
            }
        }
    }
}

/// The file of the systemd credential `name`, when the service was given one.
fn credential_path(name: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
    Some(Path::new(&dir).join(name)).filter(|path| path.exists())
}

/// The http(s) URL a file holds. The problem never quotes the text, which is a credential.
fn parse_secret_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|error| format!("does not hold an http(s) URL ({error})"))?;
    let has_host = url.host_str().is_some_and(|host| !host.is_empty());
    if matches!(url.scheme(), "http" | "https") && has_host {
        Ok(url)
    } else {
        Err("does not hold an http(s) URL with a host".to_string())
    }
}

/// An ntfy topic's URL, `https://server/topic`: an http(s) URL with at least one path segment.
fn parse_ntfy_topic_url(text: &str) -> Result<Url, String> {
    let url = parse_secret_url(text)?;
    let has_topic = url
        .path_segments()
        .is_some_and(|mut segments| segments.any(|segment| !segment.is_empty()));
    if has_topic {
        Ok(url)
    } else {
        Err("names no topic; write the topic's URL, https://server/topic".to_string())
    }
}

/// A Standard Webhooks secret: `whsec_` and then the key in standard base64.
fn check_webhook_secret(text: &str) -> Result<(), String> {
    let Some(key) = text.strip_prefix(WEBHOOK_SECRET_PREFIX) else {
        return Err(format!(
            "the secret must start with {WEBHOOK_SECRET_PREFIX} (a Standard Webhooks secret)"
        ));
    };
    match STANDARD.decode(key) {
        Ok(bytes) if !bytes.is_empty() => Ok(()),
        _ => Err(format!(
            "the secret must be {WEBHOOK_SECRET_PREFIX} followed by standard base64"
        )),
    }
}

#[cfg(test)]
mod tests;
