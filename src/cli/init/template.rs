//! The text of the starter config: comments adapted from config/example.toml and the README,
//! and every value serialised by the toml crate.

use super::{FeedsDocument, PASSWORD_FILE_NAME, Placement, Starter};

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

/// What the file is, how to check it, where every key is explained; the commented `include`.
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

/// The `[daemon]` keys a new user most likely changes, commented out at their defaults.
const DAEMON_COMMENTS: &str = "\
# How often a feed is polled unless the feed says otherwise (minimum \"1m\").
# poll_interval = \"15m\"
# Sent with every request, so site owners can see who is polling them and how to reach you.
# user_agent = \"newshound/<version> (+https://github.com/newshound/newshound)\"
# Serve GET /healthz and /metrics (Prometheus) here; off unless set. Keep it on loopback.
# listen = \"127.0.0.1:9464\"
";

/// What a `[[feeds]]` entry takes, above the feeds given.
const FEEDS_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Feeds. `url` is an http(s) URL, a file: URL, or a path to a local file (relative to this
# folder). `name` defaults to the host name, `interval` to daemon.poll_interval (minimum \"1m\"),
# `tags` to none. `newshound import-opml FILE` prints [[feeds]] for a feed reader's export.
";

/// The commented example feed written when no feed was given, so the shape is at hand.
const EXAMPLE_FEED: &str = "\
# [[feeds]]
# url = \"https://feeds.bbci.co.uk/news/world/rss.xml\"
# name = \"BBC News - World\"
# tags = [\"world\", \"en\"]
";

/// The query syntax (the README's "Topic queries"), so the examples can be edited in place.
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

/// What a `[[digests]]` entry takes.
const DIGEST_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Digests collect the hits of the topics whose alert names them and send one message at each
# time in `at` (\"HH:MM\", local to `timezone`, an IANA name). `days` limits the weekdays
# (\"mon\"..\"sun\"; default every day). `send_empty` sends a digest even without hits, as a sign
# of life.
";

/// What `[email]` `from` and `to` mean and how addresses are written.
const EMAIL_COMMENTS: &str = "\
# ---------------------------------------------------------------------------------------------
# Who gets alerts, digests and the \"feed broken\" reports (`to`), and the sender (`from`).
# Addresses are written as in a mail client: \"me@example.org\" or \"Name <me@example.org>\".
";

/// Why messages end up as files, and the `[email.smtp]` block that sends them instead.
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

/// The `security` choices of `[email.smtp]`.
const SMTP_COMMENTS: &str = "\
# Sent through this SMTP server. `security` is \"starttls\" (port 587), \"tls\" (implicit TLS,
# port 465) or \"none\" (port 25, local relay only).
";

/// Where the password of a config run by its user comes from.
const PASSWORD_FILE_COMMENTS: &str = "\
# The password is read at start from this file (beside this one; trailing newline removed),
# never written here. Keep the file readable by its owner only (mode 0600).
";

/// Where the password of the service's config comes from: the unit's credential, since its
/// user cannot read a root-only file.
const CREDENTIAL_COMMENTS: &str = "\
# The password is never written here. The shipped systemd unit runs newshound as a user that
# cannot read root's files, so the password reaches it as the systemd credential smtp-password:
# keep it in the file smtp-password beside this one (mode 0600) and add
# LoadCredential=smtp-password:<that file> to the unit (`sudo systemctl edit newshound`). With a
# username and neither password_file nor password_env, newshound reads that credential.
";

/// The login keys, commented out, when no `--email` says which account to use.
const NO_LOGIN_COMMENTS: &str = "\
# The account to log in as, if the server wants one, and the file its password is read from
# (beside this one, mode 0600), never the password itself:
# username = \"me@example.org\"
# password_file = \"smtp-password\"
";

impl Starter {
    /// The whole config file.
    pub(super) fn render(&self) -> String {
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

    /// `[daemon]`: the database where the placement puts it.
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

    /// The feeds given, else the commented example.
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

    /// The morning digest, at 07:30 in the machine's zone.
    fn digest_section(&self) -> String {
        format!(
            "{DIGEST_COMMENTS}\n[[digests]]\nname = {}\nat = {}\ntimezone = {}\n\
             # days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n# send_empty = false\n",
            toml_string(DIGEST_NAME),
            toml_strings(&["07:30"]),
            toml_string(&self.timezone),
        )
    }

    /// `[email]`: the address given, else commented placeholders; then the transport.
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

    /// `[email.smtp]` with STARTTLS and the login when `--smtp` was given, else `[email.file]`.
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

/// The two example topics, under the query syntax.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
