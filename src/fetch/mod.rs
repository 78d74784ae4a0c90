//! Polite, bounded HTTP (and local file) fetching of feeds and article pages.
//!
//! One [`Fetcher`] holds two reqwest clients: one for the feeds the user configured (trusted), and
//! one for article links, which come from the network and so go through the address guard: a
//! host that resolves to a loopback, private, link-local or unspecified address is refused unless
//! `allow_private_networks` is set. The guard sits in the DNS resolver, so the address checked is
//! the address connected to (no DNS rebinding window), and IP-literal hosts are checked before
//! each request. A configured feed is trusted, and so are its redirects within its own host; a
//! redirect to another host is the server's choice and is guarded like an article link.
//! Redirects are followed here, not by reqwest, so that permanent moves can be
//! recorded, every hop is guarded, and no `Referer` is ever sent.
//!
//! # Files
//! This file holds the clients, limits, redirects and body reading; `error` why a fetch failed
//! (and the joiner that says each cause of an error once); `guard` the address guard; `headers`
//! reads the response headers that steer politeness (validators, charset, max-age,
//! Retry-After).

mod error;
mod guard;
mod headers;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use error::network_error;
pub use error::{FetchError, error_chain};
pub use guard::is_public_address;
use guard::{GuardedResolver, refuse_private_literal, refuse_private_peer};
use headers::header_string;
pub use headers::{cache_max_age, charset, media_type, retry_after};

/// At most this many redirects are followed for one fetch.
pub const MAX_REDIRECTS: usize = 5;

/// The per-host limits are pruned of idle hosts when this many are tracked.
const HOST_MAP_CLEANUP_AT: usize = 4096;

const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";
const PAGE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8";

/// The fetch-related part of the daemon settings.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Sent with every request; should name the software and a contact URL.
    pub user_agent: String,
    /// Whole-fetch limit: connecting, every redirect hop and the body.
    pub request_timeout: Duration,
    /// Limit for establishing one TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Bodies larger than this (after decompression) are cut off and the fetch fails.
    pub max_body_bytes: u64,
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Lets article links reach loopback and private addresses (for intranet news sites).
    pub allow_private_networks: bool,
}

/// Who asked for a URL, which decides how far it is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A feed the user configured: trusted, may be a file.
    ConfiguredFeed,
    /// A link found in a feed: guarded; a file: link only when the feed itself is a file.
    ArticleLink {
        /// The feed that carried the link is a local file.
        from_file_feed: bool,
    },
    /// A page the user named on the command line (`newshound extract URL`): trusted like a
    /// configured feed, asked for as a page.
    CommandLine,
}

/// Validators from the previous response, echoed exactly as the server sent them.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    /// `ETag` of the last response, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` of the last response, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A successful response with its body.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from after redirects; the base for relative links.
    pub final_url: Url,
    /// HTTP status (200 for files).
    pub status: u16,
    /// The body, at most `max_body_bytes`, decompressed.
    pub body: Vec<u8>,
    /// `charset` parameter of `Content-Type`.
    pub charset: Option<String>,
    /// Media type of `Content-Type` without parameters, lower-case (`None` for files).
    pub content_type: Option<String>,
    /// Validators to send next time.
    pub validators: Validators,
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// Set when every hop up to here was 301/308: the URL to use from now on.
    pub moved_permanently_to: Option<Url>,
}

/// What a fetch produced.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// 304: the stored copy is current; nothing to parse or store.
    NotModified {
        /// `Cache-Control: max-age` of the 304.
        max_age: Option<Duration>,
    },
    /// A body to parse.
    Fetched(Box<Fetched>),
}

impl Fetched {
    /// True unless the server said the body is something other than HTML (a PDF, an image, a
    /// feed): such a body has no article text to extract. A missing type counts as HTML.
    pub fn is_html(&self) -> bool {
        self.content_type
            .as_deref()
            .is_none_or(|t| t.contains("html"))
    }
}

/// The HTTP side of newshound: clients, limits and politeness in one place.
pub struct Fetcher {
    feed_client: Client,
    page_client: Client,
    settings: FetchSettings,
    global: Arc<Semaphore>,
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Fetcher {
    /// Builds the two clients. Fails only if the TLS backend cannot start.
    pub fn new(settings: FetchSettings) -> Result<Fetcher, reqwest::Error> {
        let feed_client = client_builder(&settings).build()?;
        let mut page_builder = client_builder(&settings);
        if !settings.allow_private_networks {
            page_builder = page_builder
                .dns_resolver(Arc::new(GuardedResolver))
                .no_proxy();
        }
        let page_client = page_builder.build()?;
        Ok(Fetcher {
            feed_client,
            page_client,
            global: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            per_host: Mutex::new(HashMap::new()),
            settings,
        })
    }

    /// Fetches `url` with the limits and politeness rules, conditionally when validators are
    /// given. Waiting for a concurrency slot does not count against the timeout.
    pub async fn fetch(
        &self,
        url: &Url,
        origin: Origin,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        match url.scheme() {
            "http" | "https" => {}
            "file" => return self.read_file(url, origin).await,
            other => {
                return Err(FetchError::Refused {
                    url: url.clone(),
                    reason: format!("unsupported scheme {other:?}"),
                });
            }
        }
        let _permits = self.acquire(url).await;
        let limit = self.settings.request_timeout;
        match tokio::time::timeout(limit, self.fetch_http(url, origin, validators)).await {
            Ok(result) => result.map_err(|e| e.after_redirect_from(url)),
            Err(_) => Err(FetchError::Timeout {
                url: url.clone(),
                after: limit,
            }),
        }
    }

    async fn acquire(&self, url: &Url) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let host_limit = {
            let mut map = self.per_host.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= HOST_MAP_CLEANUP_AT {
                // Article links reach many hosts; forget the ones nobody is using right now.
                map.retain(|_, limit| Arc::strong_count(limit) > 1);
            }
            Arc::clone(map.entry(host).or_insert_with(|| {
                Arc::new(Semaphore::new(self.settings.per_host_concurrency.max(1)))
            }))
        };
        // Neither semaphore is ever closed, so acquiring cannot fail; the host slot is taken
        // first so that a busy host does not hold global slots while it waits.
        let host_permit = host_limit
            .acquire_owned()
            .await
            .expect("per-host semaphore is never closed");
        let global_permit = Arc::clone(&self.global)
            .acquire_owned()
            .await
            .expect("global semaphore is never closed");
        (host_permit, global_permit)
    }

    async fn fetch_http(
        &self,
        start: &Url,
        origin: Origin,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let accept = match origin {
            Origin::ConfiguredFeed => FEED_ACCEPT,
            Origin::CommandLine | Origin::ArticleLink { .. } => PAGE_ACCEPT,
        };
        let mut url = start.clone();
        let mut moved_to = None;
        let mut all_permanent = true;
        for hop in 0..=MAX_REDIRECTS {
            let guarded = self.is_guarded(origin, start, &url);
            if guarded {
                refuse_private_literal(&url)?;
            }
            let link = matches!(origin, Origin::ArticleLink { .. });
            let client = if guarded || link {
                &self.page_client
            } else {
                &self.feed_client
            };
            let response = send(client, &url, accept, validators, &self.settings).await?;
            if guarded {
                refuse_private_peer(&url, response.remote_addr())?;
            }
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                if hop == MAX_REDIRECTS {
                    break;
                }
                let next = redirect_target(&url, response.headers())?;
                all_permanent &= matches!(status.as_u16(), 301 | 308);
                if all_permanent {
                    moved_to = Some(next.clone());
                }
                tracing::debug!(from = %url, to = %next, status = status.as_u16(), "redirect");
                url = next;
                continue;
            }
            return self.finish(url, response, moved_to).await;
        }
        Err(FetchError::TooManyRedirects { url: start.clone() })
    }

    /// Whether `url`, reached from `start`, goes through the address guard. Article links
    /// always do. A URL the user gave (a configured feed, the command line) is trusted, and so
    /// are redirects within its host; a redirect to another host is the server's choice, not the
    /// user's, so it is guarded like a link: a public feed must not be able to send newshound to
    /// an internal service or a cloud metadata address. `allow_private_networks` lifts all of it.
    fn is_guarded(&self, origin: Origin, start: &Url, url: &Url) -> bool {
        if self.settings.allow_private_networks {
            return false;
        }
        match origin {
            Origin::ArticleLink { .. } => true,
            Origin::ConfiguredFeed | Origin::CommandLine => url.host() != start.host(),
        }
    }

    async fn finish(
        &self,
        url: Url,
        response: reqwest::Response,
        moved_to: Option<Url>,
    ) -> Result<FetchOutcome, FetchError> {
        let status = response.status();
        let headers = response.headers().clone();
        let max_age = cache_max_age(&headers);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified { max_age });
        }
        if !status.is_success() {
            let retry_after = match status.as_u16() {
                429 | 503 => retry_after(&headers, std::time::SystemTime::now()),
                _ => None,
            };
            return Err(FetchError::Status {
                url,
                status: status.as_u16(),
                retry_after,
            });
        }
        let body = read_capped(response, &url, &self.settings).await?;
        Ok(FetchOutcome::Fetched(Box::new(Fetched {
            status: status.as_u16(),
            body,
            charset: charset(&headers),
            content_type: media_type(&headers),
            validators: Validators {
                etag: header_string(&headers, header::ETAG),
                last_modified: header_string(&headers, header::LAST_MODIFIED),
            },
            max_age,
            moved_permanently_to: moved_to,
            final_url: url,
        })))
    }

    async fn read_file(&self, url: &Url, origin: Origin) -> Result<FetchOutcome, FetchError> {
        if origin
            == (Origin::ArticleLink {
                from_file_feed: false,
            })
        {
            return Err(FetchError::Refused {
                url: url.clone(),
                reason: "file: link in a feed fetched over the network".into(),
            });
        }
        let path = url.to_file_path().map_err(|()| FetchError::Refused {
            url: url.clone(),
            reason: "not a local file path".into(),
        })?;
        let file_err = |e: std::io::Error| FetchError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let len = tokio::fs::metadata(&path).await.map_err(file_err)?.len();
        if len > self.settings.max_body_bytes {
            return Err(FetchError::TooLarge {
                url: url.clone(),
                limit: self.settings.max_body_bytes,
            });
        }
        let body = tokio::fs::read(&path).await.map_err(file_err)?;
        Ok(FetchOutcome::Fetched(Box::new(Fetched {
            final_url: url.clone(),
            status: 200,
            body,
            charset: None,
            content_type: None,
            validators: Validators::default(),
            max_age: None,
            moved_permanently_to: None,
        })))
    }
}

fn client_builder(settings: &FetchSettings) -> reqwest::ClientBuilder {
    Client::builder()
        .user_agent(settings.user_agent.clone())
        .connect_timeout(settings.connect_timeout)
        .read_timeout(settings.request_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .pool_idle_timeout(Duration::from_secs(30))
        // As many idle connections as requests may run against one host: with fewer, a burst of
        // page fetches to one site closes and reopens connections (and TLS sessions) each time.
        .pool_max_idle_per_host(settings.per_host_concurrency.max(1))
}

async fn send(
    client: &Client,
    url: &Url,
    accept: &'static str,
    validators: &Validators,
    settings: &FetchSettings,
) -> Result<reqwest::Response, FetchError> {
    let mut request = client
        .get(url.clone())
        .header(header::ACCEPT, HeaderValue::from_static(accept));
    if let Some(etag) = validators.etag.as_deref() {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(last_modified) = validators.last_modified.as_deref() {
        request = request.header(header::IF_MODIFIED_SINCE, last_modified);
    }
    request
        .send()
        .await
        .map_err(|e| network_error(url, &e, settings))
}

async fn read_capped(
    mut response: reqwest::Response,
    url: &Url,
    settings: &FetchSettings,
) -> Result<Vec<u8>, FetchError> {
    let limit = settings.max_body_bytes;
    let too_large = || FetchError::TooLarge {
        url: url.clone(),
        limit,
    };
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| network_error(url, &e, settings))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn redirect_target(url: &Url, headers: &HeaderMap) -> Result<Url, FetchError> {
    headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| url.join(location).ok())
        .filter(|next| matches!(next.scheme(), "http" | "https"))
        .ok_or_else(|| FetchError::BadRedirect { url: url.clone() })
}
