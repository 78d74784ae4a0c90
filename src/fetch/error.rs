//! Why a fetch failed, and the one joiner of foreign error chains.
//!
//! # Each cause once
//! An error is shown by its `Display` alone in most places (the logs' `error = %e`, the
//! `last_error` recorded against a feed or a message) and by its whole `source()` chain at the
//! command line's edge (`{:#}`). So newshound's errors follow one rule: a message either embeds
//! its cause's text or returns the cause from `source()`, never both, and they embed it, so that
//! `Display` alone says everything. Errors of other crates are not that consistent: lettre and
//! feed-rs write their cause into their message *and* return it from `source()`, reqwest and
//! hyper leave it to `source()` and wrap it in lines that restate the request. [`error_chain`]
//! turns any of them into one line that says each thing once.

use std::error::Error;
use std::time::Duration;

use url::Url;

use super::guard::RefusedAddress;
use super::{FetchSettings, MAX_REDIRECTS};

/// Why a fetch failed; every variant names the URL or path.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The whole fetch took longer than the request timeout.
    #[error("{url}: timed out after {after:?}")]
    Timeout {
        /// The URL being fetched.
        url: Url,
        /// The limit that ran out.
        after: Duration,
    },
    /// DNS, connection, TLS or protocol failure.
    #[error("{url}: {message}")]
    Network {
        /// The URL being fetched.
        url: Url,
        /// The error's causes, each once ([`error_chain`]).
        message: String,
    },
    /// The server answered with an error status.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL that answered.
        url: Url,
        /// The status code.
        status: u16,
        /// `Retry-After` of a 429 or 503.
        retry_after: Option<Duration>,
    },
    /// The body was larger than allowed (or endless) and was cut off.
    #[error("{url}: body larger than {limit} bytes, cut off")]
    TooLarge {
        /// The URL being fetched.
        url: Url,
        /// The configured limit.
        limit: u64,
    },
    /// A redirect chain longer than [`MAX_REDIRECTS`], or a loop.
    #[error("{url}: more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects {
        /// The URL first requested.
        url: Url,
    },
    /// A redirect without a usable `Location`.
    #[error("{url}: redirect without a valid Location header")]
    BadRedirect {
        /// The URL that redirected.
        url: Url,
    },
    /// The address guard or the scheme rules refused the URL.
    #[error("{url}: refused: {reason}")]
    Refused {
        /// The refused URL.
        url: Url,
        /// Why.
        reason: String,
    },
    /// A fetch that failed after a redirect, wrapped so that the message names the URL asked
    /// for (the feed) as well as the one that failed. The failure is part of the message, so it
    /// is not the error's `source()` too (see the module docs).
    #[error("{from}: redirected to {failure}")]
    Redirected {
        /// The URL first requested.
        from: Url,
        /// The failure at the redirect target.
        failure: Box<FetchError>,
    },
    /// A local file could not be read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// The I/O error.
        message: String,
    },
}

impl FetchError {
    /// The failure itself, through any [`FetchError::Redirected`] wrapper.
    fn innermost(&self) -> &FetchError {
        match self {
            FetchError::Redirected { failure, .. } => failure.innermost(),
            other => other,
        }
    }

    /// The URL that failed (`None` for files and redirect wrappers).
    fn failed_url(&self) -> Option<&Url> {
        match self {
            FetchError::Timeout { url, .. }
            | FetchError::Network { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::TooManyRedirects { url }
            | FetchError::BadRedirect { url }
            | FetchError::Refused { url, .. } => Some(url),
            FetchError::Redirected { .. } | FetchError::File { .. } => None,
        }
    }

    /// Wraps a failure at a redirect target so that it names `start` too.
    pub(super) fn after_redirect_from(self, start: &Url) -> FetchError {
        match self.failed_url() {
            Some(url) if url != start => FetchError::Redirected {
                from: start.clone(),
                failure: Box::new(self),
            },
            _ => self,
        }
    }

    /// The server's `Retry-After`, when it sent one with a 429 or 503.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.innermost() {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// HTTP status of the failure, when the server answered.
    pub fn http_status(&self) -> Option<u16> {
        match self.innermost() {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True for 410 Gone: the publisher says the feed will not come back.
    pub fn is_gone(&self) -> bool {
        self.http_status() == Some(410)
    }

    /// True when retrying cannot help (refused by the guard or the scheme rules).
    pub fn is_refusal(&self) -> bool {
        matches!(self.innermost(), FetchError::Refused { .. })
    }

    /// True when the body was over the size limit: a page that large (or a compression bomb)
    /// will be as large next time, so a page fetch is not retried.
    pub fn is_too_large(&self) -> bool {
        matches!(self.innermost(), FetchError::TooLarge { .. })
    }
}

/// A reqwest error as a [`FetchError`]. reqwest's own timeouts (connect, and a read that sees no
/// byte for `request_timeout`) can fire together with the whole-fetch limit; both say which
/// limit ran out, like [`FetchError::Timeout`] does.
pub(super) fn network_error(
    url: &Url,
    err: &reqwest::Error,
    settings: &FetchSettings,
) -> FetchError {
    if let Some(refused) = find_source::<RefusedAddress>(err) {
        return FetchError::Refused {
            url: url.clone(),
            reason: refused.to_string(),
        };
    }
    if err.is_timeout() && err.is_connect() {
        return FetchError::Network {
            url: url.clone(),
            message: format!("connect timed out after {:?}", settings.connect_timeout),
        };
    }
    if err.is_timeout() {
        return FetchError::Timeout {
            url: url.clone(),
            after: settings.request_timeout,
        };
    }
    // reqwest's own line names the request (the URL the message starts with) and its kind; its
    // causes say what went wrong.
    let mut message = err.source().map_or_else(|| err.to_string(), error_chain);
    if message.contains("message head is too large") {
        // hyper's words for a response whose headers exceed its buffer (about 400 KiB).
        message = format!("response headers too large ({message})");
    }
    FetchError::Network {
        url: url.clone(),
        message,
    }
}

/// The first error of type `T` in `err`'s chain, `err` included.
fn find_source<'a, T: Error + 'static>(err: &'a (dyn Error + 'static)) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Lines of reqwest and hyper that only wrap their cause and say nothing the rest of the line
/// does not, as (prefix, word): a line starting with the prefix (ignoring case) is left out when
/// an earlier line holds the word, or always when the word is empty. They are the request and
/// its URL (the message starts with the URL), the step of the client that failed ("client error
/// (Connect)"), and reqwest's "error resolving DNS" under hyper's "dns error" (issue 13).
const RESTATING_WRAPPERS: &[(&str, &str)] = &[
    ("error sending request for url (", ""),
    ("client error (", ""),
    ("error resolving dns", "dns"),
];

/// `err` and its causes as one line, "error: cause: cause", each said once: a part is left out
/// when it only wraps its cause (reqwest's request line, hyper's "client error (Connect)",
/// reqwest's "error resolving DNS" under hyper's "dns error") or when a part before it already
/// contains its text (ignoring case; an error that writes its cause into its message), and a
/// part that contains the one before it replaces it. When every part is a wrapper, `err`'s own
/// text is the line.
pub fn error_chain(err: &(dyn Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(err);
    while let Some(e) = current {
        push_new_part(&mut parts, e.to_string());
        current = e.source();
    }
    if parts.is_empty() {
        return err.to_string();
    }
    parts.join(": ")
}

/// Adds `text` to the chain's parts unless it restates them (see [`error_chain`]).
fn push_new_part(parts: &mut Vec<String>, text: String) {
    let lower = text.to_lowercase();
    let said_before = |word: &str| parts.iter().any(|p| p.to_lowercase().contains(word));
    let is_wrapper = RESTATING_WRAPPERS
        .iter()
        .any(|(prefix, word)| lower.starts_with(prefix) && (word.is_empty() || said_before(word)));
    if lower.trim().is_empty() || is_wrapper || said_before(&lower) {
        return;
    }
    if parts
        .last()
        .is_some_and(|last| lower.contains(&last.to_lowercase()))
    {
        parts.pop();
    }
    parts.push(text);
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use super::*;

    /// An error chain as other crates build them: each line's text, its cause below it.
    #[derive(Debug)]
    struct Layer {
        text: &'static str,
        cause: Option<Box<Layer>>,
    }

    impl Layer {
        fn chain(lines: &[&'static str]) -> Layer {
            let (first, rest) = lines.split_first().expect("at least one line");
            Layer {
                text: first,
                cause: (!rest.is_empty()).then(|| Box::new(Layer::chain(rest))),
            }
        }
    }

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.text)
        }
    }

    impl Error for Layer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            self.cause.as_deref().map(|c| c as _)
        }
    }

    /// The joiner's rule, one row per kind of repeat; a fix adds a row naming its issue.
    #[test]
    fn error_chain_says_each_cause_once() {
        let rows: &[(&str, &[&str], &str)] = &[
            (
                "issue 13: reqwest's and hyper's DNS lines said the DNS part twice",
                &[
                    "error sending request for url (http://news.example.invalid/feed.xml)",
                    "client error (Connect)",
                    "dns error",
                    "error resolving DNS",
                    "failed to lookup address information: Name or service not known",
                ],
                "dns error: failed to lookup address information: Name or service not known",
            ),
            (
                "reqwest's DNS line stays when nothing before it says DNS",
                &["error resolving DNS", "no record for news.example.invalid"],
                "error resolving DNS: no record for news.example.invalid",
            ),
            (
                "a refused connection keeps hyper's step and the OS error",
                &[
                    "client error (Connect)",
                    "tcp connect error",
                    "Connection refused (os error 111)",
                ],
                "tcp connect error: Connection refused (os error 111)",
            ),
            (
                "issue 13: a message that embeds its cause (lettre, feed-rs) is not followed by it",
                &[
                    "network error: Connection refused (os error 111)",
                    "Connection refused (os error 111)",
                ],
                "network error: Connection refused (os error 111)",
            ),
            (
                "a repeat is recognised whatever its case",
                &["DNS error: no answer", "dns error: NO ANSWER"],
                "DNS error: no answer",
            ),
            (
                "a cause that contains the line above it replaces that line",
                &["tls error", "tls error: certificate expired"],
                "tls error: certificate expired",
            ),
            (
                "distinct causes are all kept, in order",
                &["builder error", "invalid certificate", "bad PEM"],
                "builder error: invalid certificate: bad PEM",
            ),
            (
                "a chain of wrappers only still says something",
                &["client error (Connect)"],
                "client error (Connect)",
            ),
        ];
        for (why, lines, expected) in rows {
            assert_eq!(error_chain(&Layer::chain(lines)), *expected, "{why}");
        }
    }

    /// A failure after a redirect names both URLs and its cause once, shown alone or as a chain.
    #[test]
    fn redirected_failure_is_said_once_in_a_chain() {
        let error = FetchError::Network {
            url: Url::parse("https://b.example/feed").unwrap(),
            message: "tcp connect error: Connection refused (os error 111)".into(),
        }
        .after_redirect_from(&Url::parse("https://a.example/feed").unwrap());
        let shown = error.to_string();
        let chain = format!("{:#}", anyhow::Error::from(error));
        assert_eq!(chain, shown);
        assert_eq!(
            shown,
            "https://a.example/feed: redirected to https://b.example/feed: tcp connect error: \
             Connection refused (os error 111)"
        );
    }
}
