//! The loopback HTTP/1.1 server (hyper 1): one listener per loopback address, keep-alive,
//! feeds with `ETag`/`Last-Modified` and 304s, pages built per request from the cached pools.

use std::convert::Infallible;
use std::net::{Ipv4Addr, TcpListener as StdListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::content::Sim;

/// Request counters, printed when the simulator stops.
#[derive(Default)]
pub struct Stats {
    pub feeds: AtomicU64,
    pub not_modified: AtomicU64,
    pub pages: AtomicU64,
    pub not_found: AtomicU64,
    pub bytes: AtomicU64,
    pub connections: AtomicU64,
}

/// What every request handler needs.
pub struct Server {
    pub sim: Sim,
    pub port: u16,
    pub hosts: usize,
    pub latency: Duration,
    pub stats: Stats,
    /// When each feed was requested (Unix ms, feed index), kept when `serve --poll-log` asks.
    pub poll_log: Option<std::sync::Mutex<Vec<(u64, usize)>>>,
    modified: SystemTime,
    last_modified: HeaderValue,
}

impl Server {
    pub fn new(sim: Sim, port: u16, hosts: usize, latency: Duration) -> Server {
        let modified = sim.feed_modified();
        let last_modified = HeaderValue::from_str(&httpdate::fmt_http_date(modified))
            .expect("an HTTP date is a valid header value");
        Server {
            sim,
            port,
            hosts,
            latency,
            stats: Stats::default(),
            poll_log: None,
            modified,
            last_modified,
        }
    }

    /// `http://127.0.0.x:port`, the origin of feed `i` and its pages.
    pub fn base(&self, i: usize) -> String {
        format!("http://127.0.0.{}:{}", i % self.hosts + 1, self.port)
    }

    /// The URL of feed `i`.
    pub fn feed_url(&self, i: usize) -> String {
        let file = if self.sim.feed(i).atom {
            "atom.xml"
        } else {
            "feed.xml"
        };
        format!("{}/f{i}/{file}", self.base(i))
    }
}

/// Binds `127.0.0.1` … `127.0.0.hosts` on one port (`port`, or one the system picks for 0).
pub fn bind(hosts: usize, port: u16) -> std::io::Result<(Vec<StdListener>, u16)> {
    let mut last_err = None;
    for _ in 0..20 {
        let first = StdListener::bind((Ipv4Addr::LOCALHOST, port))?;
        let chosen = first.local_addr()?.port();
        let mut all = vec![first];
        let mut failed = None;
        for h in 2..=hosts {
            match StdListener::bind((Ipv4Addr::new(127, 0, 0, h as u8), chosen)) {
                Ok(l) => all.push(l),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            None => {
                for l in &all {
                    l.set_nonblocking(true)?;
                }
                return Ok((all, chosen));
            }
            // Another program holds this port on one of the addresses: try another port.
            Some(e) if port == 0 => last_err = Some(e),
            Some(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no free port")))
}

/// Accepts connections on every listener until the process ends.
pub async fn run(server: Arc<Server>, listeners: Vec<StdListener>) -> std::io::Result<()> {
    let mut tasks = tokio::task::JoinSet::new();
    for std_listener in listeners {
        let listener = TcpListener::from_std(std_listener)?;
        let server = Arc::clone(&server);
        tasks.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                server.stats.connections.fetch_add(1, Relaxed);
                let server = Arc::clone(&server);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&server), req));
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// What a path names.
enum Route {
    Feed(usize),
    Page(usize, usize),
}

/// `/f{i}/feed.xml`, `/f{i}/atom.xml` or `/f{i}/YYYY/MM/{slug}-a{j}.html`.
fn route(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/f")?;
    let slash = rest.find('/')?;
    let i: usize = rest[..slash].parse().ok()?;
    let tail = &rest[slash + 1..];
    if tail == "feed.xml" || tail == "atom.xml" {
        return Some(Route::Feed(i));
    }
    let stem = tail.strip_suffix(".html")?;
    let j: usize = stem[stem.rfind("-a")? + 2..].parse().ok()?;
    Some(Route::Page(i, j))
}

async fn handle(
    server: Arc<Server>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if !server.latency.is_zero() {
        tokio::time::sleep(server.latency).await;
    }
    let sim = &server.sim;
    let response = match route(req.uri().path()) {
        Some(Route::Feed(i)) if i < sim.params.feeds => {
            let feed = sim.feed(i);
            let file = if feed.atom { "atom.xml" } else { "feed.xml" };
            if !req.uri().path().ends_with(file) {
                not_found(&server)
            } else {
                feed_response(&server, &req, i)
            }
        }
        Some(Route::Page(i, j)) if i < sim.params.feeds && j < sim.params.items => {
            let feed = sim.feed(i);
            let item = sim.item(&feed, j);
            if item.path != req.uri().path() {
                not_found(&server)
            } else {
                let body = sim.page(&feed, &item);
                server.stats.pages.fetch_add(1, Relaxed);
                server.stats.bytes.fetch_add(body.len() as u64, Relaxed);
                Response::builder()
                    .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
                    .body(Full::new(Bytes::from(body)))
                    .expect("static headers are valid")
            }
        }
        _ => not_found(&server),
    };
    Ok(response)
}

fn feed_response(server: &Server, req: &Request<Incoming>, i: usize) -> Response<Full<Bytes>> {
    let sim = &server.sim;
    if let Some(log) = &server.poll_log {
        let at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        log.lock().unwrap_or_else(|e| e.into_inner()).push((at, i));
    }
    let etag = sim.feed_etag(i);
    let headers = req.headers();
    // If-None-Match wins over If-Modified-Since (RFC 9110, 13.2.2).
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        Some(v) => v.to_str().is_ok_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag.as_str()))
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| since >= server.modified),
    };
    let feed = sim.feed(i);
    let builder = Response::builder()
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, server.last_modified.clone());
    if not_modified {
        server.stats.not_modified.fetch_add(1, Relaxed);
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Full::new(Bytes::new()))
            .expect("static headers are valid");
    }
    let body = sim.feed_xml(&feed, &server.base(i));
    server.stats.feeds.fetch_add(1, Relaxed);
    server.stats.bytes.fetch_add(body.len() as u64, Relaxed);
    let content_type = if feed.atom {
        "application/atom+xml; charset=utf-8"
    } else {
        "application/rss+xml; charset=utf-8"
    };
    builder
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static headers are valid")
}

fn not_found(server: &Server) -> Response<Full<Bytes>> {
    server.stats.not_found.fetch_add(1, Relaxed);
    Response::builder()
        .status(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Full::new(Bytes::from_static(b"not found\n")))
        .expect("static headers are valid")
}
