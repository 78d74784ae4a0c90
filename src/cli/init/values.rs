//! The values `init` takes from its options (an OPML file, feed URLs, an address, an SMTP
//! server) and from the machine (its time zone), each checked; an error names the option and
//! the value as given.

use std::path::Path;

use anyhow::Context as _;

use super::{FeedsDocument, Mailbox, SmtpServer, StarterFeed};

/// The feeds of an OPML file, through the same import as `newshound import-opml`.
pub(super) fn opml_feeds(file: &Path) -> anyhow::Result<Vec<StarterFeed>> {
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
pub(super) fn feed_url(text: &str) -> Result<String, String> {
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
pub(super) fn mailbox(text: &str) -> Result<Mailbox, String> {
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
pub(super) fn smtp_server(text: &str) -> Result<SmtpServer, String> {
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
pub(super) fn machine_timezone() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        // $TZ, the /etc/localtime link, /etc/timezone, and the zone they give.
        type Case<'a> = (Option<&'a str>, Option<&'a Path>, Option<&'a str>, &'a str);
        let cases: [Case; 7] = [
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
}
