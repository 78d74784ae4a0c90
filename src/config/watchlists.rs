//! Gathers the `[[feeds]]` and `[[topics]]` of the main file and its includes, checking
//! duplicates across files, the channels topics name, and filling in defaults from `[daemon]`.

use std::collections::HashMap;
use std::path::Path;

use toml::Spanned;
use url::Url;

use super::channels::{Channels, default_notify};
use super::reader::{Diag, Location, Section};
use super::sections::{IMMEDIATE, MIN_POLL_INTERVAL};
use super::{Alert, DaemonSettings, DigestSettings, FeedSettings, NtfyOptions, TopicSettings};
use crate::matcher::{Query, QueryError, any_of, parse_query, parse_terms_entry};

const FEED_KEYS: &[&str] = &["url", "name", "interval", "tags", "fetch_articles"];
const TOPIC_KEYS: &[&str] = &[
    "name",
    "query",
    "terms",
    "languages",
    "alert",
    "to",
    "notify",
    "ntfy_priority",
    "ntfy_tags",
];
/// ntfy's priority names and their numbers; "urgent" is ntfy's other name for "max".
const NTFY_PRIORITIES: &[(&str, u8)] = &[
    ("min", 1),
    ("low", 2),
    ("default", 3),
    ("high", 4),
    ("max", 5),
    ("urgent", 5),
];
/// The longest ntfy tag taken: tags are short words or emoji codes.
const MAX_NTFY_TAG_CHARS: usize = 64;

/// Feeds and topics gathered from the main file and its includes, with what they need to
/// check duplicates and fill in defaults.
pub(super) struct Watchlists<'a> {
    daemon: &'a DaemonSettings,
    channels: &'a Channels,
    digest_names: Vec<&'a str>,
    folder: &'a Path,
    feed_urls: HashMap<String, Location>,
    topic_names: HashMap<String, Location>,
    pub(super) feeds: Vec<FeedSettings>,
    pub(super) topics: Vec<TopicSettings>,
}

impl<'a> Watchlists<'a> {
    pub(super) fn new(
        daemon: &'a DaemonSettings,
        channels: &'a Channels,
        digests: &'a [DigestSettings],
        folder: &'a Path,
    ) -> Self {
        Watchlists {
            daemon,
            channels,
            digest_names: digests.iter().map(|digest| digest.name.as_str()).collect(),
            folder,
            feed_urls: HashMap::new(),
            topic_names: HashMap::new(),
            feeds: Vec::new(),
            topics: Vec::new(),
        }
    }

    pub(super) fn read(&mut self, top: &Section, diag: &mut Diag) {
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
        let tags = read_tags(section, diag, "tags", usize::MAX);
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
        let query = read_query(section, diag);
        let languages = read_languages(section, diag);
        let alert = section
            .parsed(diag, "alert", |alert: String| self.parse_alert(alert))
            .unwrap_or(Alert::Immediate);
        let to = section.addresses(diag, "to").unwrap_or_default();
        let notify = self.read_topic_notify(section, diag, &alert);
        let ntfy = read_ntfy_options(section, diag);
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
        let (query_text, parsed) = query?;
        Some(TopicSettings {
            name: name.into_inner(),
            query: query_text,
            parsed,
            languages,
            alert,
            to,
            notify,
            ntfy,
            defined_in: diag.source.path.clone(),
        })
    }

    /// The topic's `notify`. A topic whose hits go into a digest may not set it (the digest's
    /// decides); an immediate one may give `to` only when it names an email channel.
    fn read_topic_notify(&self, section: &Section, diag: &mut Diag, alert: &Alert) -> Vec<String> {
        let notify = self.channels.read_notify(section, diag, "notify");
        match alert {
            Alert::Digest(digest) => {
                if let Some(value) = section.value("notify") {
                    let message = format!(
                        "this topic's hits go into the digest {digest:?}, whose notify decides \
                         where they are sent; set notify on that [[digests]] entry instead"
                    );
                    diag.error(value.span(), &section.key("notify"), message);
                }
            }
            Alert::Immediate => {
                let routed = notify.clone().unwrap_or_else(default_notify);
                self.channels.check_to_is_emailed(section, diag, &routed);
            }
        }
        notify.unwrap_or_else(default_notify)
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

/// The topic's query text and parsed query, from `query` (the language of
/// [`crate::matcher::query`]) or from `terms` (words and phrases, any of which matches; the text
/// is then its canonical query form); exactly one of the two must be given.
fn read_query(section: &Section, diag: &mut Diag) -> Option<(String, Query)> {
    match (section.value("query"), section.value("terms")) {
        (Some(_), Some(terms)) => {
            let message = "give either `query` or `terms`, not both";
            diag.error(terms.span(), &section.key("terms"), message);
            None
        }
        (None, None) => {
            let message = "missing required key `query` (or `terms`, a list of words and phrases)";
            diag.error(section.start..section.start, &section.path, message);
            None
        }
        (Some(_), None) => {
            let text = section.required_string(diag, "query")?;
            match parse_query(text.get_ref()) {
                Ok(query) => Some((text.into_inner(), query)),
                Err(error) => {
                    report_in_string(diag, &text, &section.key("query"), error);
                    None
                }
            }
        }
        (None, Some(_)) => {
            let query = read_terms(section, diag)?;
            Some((query.to_string(), query))
        }
    }
}

/// The `terms` list as one query matching any of its entries.
fn read_terms(section: &Section, diag: &mut Diag) -> Option<Query> {
    let list = section.get::<Vec<Spanned<String>>>(diag, "terms")?;
    let span = list.span();
    let mut parts = Vec::new();
    let mut failed = false;
    for (index, entry) in list.into_inner().into_iter().enumerate() {
        let key = format!("{}[{index}]", section.key("terms"));
        match parse_terms_entry(entry.get_ref()) {
            Ok(part) => parts.push(part),
            Err(error) => {
                report_in_string(diag, &entry, &key, error);
                failed = true;
            }
        }
    }
    if failed {
        return None;
    }
    let query = any_of(parts);
    if query.is_none() {
        let message = "must list at least one word or phrase";
        diag.error(span, &section.key("terms"), message);
    }
    query
}

/// Reports a query error at its line and column inside the TOML string that holds the query.
fn report_in_string(diag: &mut Diag, string: &Spanned<String>, key: &str, error: QueryError) {
    let span = string.span();
    let token = diag.source.text_of(span.clone());
    let position = span.start + offset_in_token(token, error.offset);
    diag.error(position..position, key, error.message);
}

/// Where byte `offset` of a string's value lies in the string as written (`token`, quotes
/// included). Literal strings map one to one after the opening quotes (and the newline that
/// TOML trims after `'''`); in basic strings each escape sequence is walked over.
fn offset_in_token(token: &str, offset: usize) -> usize {
    let (quotes, basic) = if token.starts_with("'''") {
        (3, false)
    } else if token.starts_with("\"\"\"") {
        (3, true)
    } else if token.starts_with('\'') {
        (1, false)
    } else if token.starts_with('"') {
        (1, true)
    } else {
        return 0;
    };
    let mut start = quotes;
    if quotes == 3 {
        let after = &token[quotes..];
        start += [("\r\n", 2), ("\n", 1)]
            .iter()
            .find(|(newline, _)| after.starts_with(newline))
            .map_or(0, |(_, length)| *length);
    }
    let content = token.get(start..).unwrap_or_default();
    let inside = if basic {
        raw_offset_of_decoded(content, offset)
    } else {
        offset.min(content.len())
    };
    start + inside
}

/// The offset in a basic string's raw content where decoded byte `decoded` comes from.
fn raw_offset_of_decoded(raw: &str, decoded: usize) -> usize {
    let mut produced = 0;
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        // A backslash at the end of a line drops the line break and the blanks after it.
        if c == '\\' && chars.peek().is_some_and(|(_, next)| next.is_whitespace()) {
            while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
            continue;
        }
        if produced >= decoded {
            return at;
        }
        if c != '\\' {
            produced += c.len_utf8();
            continue;
        }
        match chars.next() {
            Some((_, kind @ ('u' | 'U' | 'x'))) => {
                let digits = match kind {
                    'u' => 4,
                    'U' => 8,
                    _ => 2,
                };
                let hex: String = (0..digits)
                    .filter_map(|_| chars.next())
                    .map(|(_, c)| c)
                    .collect();
                let length = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .map_or(1, char::len_utf8);
                produced += length;
            }
            _ => produced += 1,
        }
    }
    raw.len()
}

/// The tags listed under `key`, each non-empty and at most `max_chars` characters long.
fn read_tags(section: &Section, diag: &mut Diag, key: &str, max_chars: usize) -> Vec<String> {
    section
        .checked_strings(diag, key, |tag, _| {
            if tag.trim().is_empty() {
                Some("tag must not be empty".to_string())
            } else if tag.chars().count() > max_chars {
                Some(format!("tag is longer than {max_chars} characters"))
            } else {
                None
            }
        })
        .unwrap_or_default()
}

/// A topic's `ntfy_priority` and `ntfy_tags`.
fn read_ntfy_options(section: &Section, diag: &mut Diag) -> NtfyOptions {
    NtfyOptions {
        priority: section.parsed(diag, "ntfy_priority", |value: toml::Value| {
            parse_ntfy_priority(&value)
        }),
        tags: read_tags(section, diag, "ntfy_tags", MAX_NTFY_TAG_CHARS),
    }
}

/// An ntfy priority: 1 to 5, or its name (`min` .. `max`, `urgent` being `max`).
fn parse_ntfy_priority(value: &toml::Value) -> Result<u8, String> {
    let priority = match value {
        toml::Value::Integer(number) => u8::try_from(*number)
            .ok()
            .filter(|number| (1..=5).contains(number)),
        toml::Value::String(name) => NTFY_PRIORITIES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name.trim()))
            .map(|(_, number)| *number),
        _ => None,
    };
    priority.ok_or_else(|| {
        "expected a priority from 1 to 5, or one of: min, low, default, high, max, urgent"
            .to_string()
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of TOML string maps a byte of its value back to where it is written.
    #[test]
    fn value_offsets_map_into_the_string_as_written() {
        let cases = [
            ("'a OR'", 2, 3),
            ("'''\nab'''", 1, 5),
            ("'''\r\nab'''", 1, 6),
            ("'''ab'''", 1, 4),
            ("\"ab\"", 1, 2),
            (r#""\"a\" b""#, 4, 7),
            (r#""\u00e4 b""#, 3, 8),
            (r#""\U000000e4 b""#, 3, 12),
            ("\"\"\"\na \\\n   b\"\"\"", 2, 11),
            (r#""\t\\x""#, 2, 5),
        ];
        for (token, offset, expected) in cases {
            assert_eq!(
                offset_in_token(token, offset),
                expected,
                "{token:?} at {offset}"
            );
        }
    }
}
