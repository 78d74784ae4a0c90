//! The web pages served by the real binary on 127.0.0.1 (`newshound web`, or the service with
//! `[web] listen`), and plain HTTP requests to them.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use super::process::command;
use super::service::{spawn_logged, stop};

/// How long a server gets to answer its first request.
const START_LIMIT: Duration = Duration::from_secs(60);

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One answer: status, headers (names lower-cased by reqwest) and body.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// The value of a header, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A client for loopback only: no proxy from the environment, no redirects followed.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Sends `request` and reads the whole answer; `None` when nothing answers.
pub async fn send(request: reqwest::RequestBuilder) -> Option<Answer> {
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.ok()?;
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// `GET url`, failing the test when nothing answers.
pub async fn get(url: &str) -> Answer {
    send(client().get(url))
        .await
        .unwrap_or_else(|| panic!("GET {url}: no answer"))
}

/// Asks `url` every 100 ms until something answers; fails the test with `log` after a minute.
pub async fn wait_until_served(url: &str, log: &Path) {
    let deadline = Instant::now() + START_LIMIT;
    while send(client().get(url)).await.is_none() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("nothing answers {url}; log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A running `newshound ... web` or `run`, stopped with SIGTERM by [`Served::stop`], or killed
/// when dropped (a test that failed).
pub struct Served {
    /// The process; taken by `stop`.
    child: Option<Child>,
    /// Where it serves, `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Served {
    /// `newshound -c config web --listen 127.0.0.1:PORT`, once it answers; its log in `log`.
    pub async fn web(config: &Path, port: u16, log: &Path) -> Served {
        let listen = format!("127.0.0.1:{port}");
        let mut web = command(config, &["web", "--listen", &listen]);
        web.env("RUST_LOG", "info");
        Served::spawned(web, port, log).await
    }

    /// Starts `command` (the service, say), logging to `log`, and waits until its `port` on
    /// 127.0.0.1 answers `/healthz`, whatever the status.
    pub async fn spawned(command: Command, port: u16, log: &Path) -> Served {
        let served = Served {
            child: Some(spawn_logged(command, Some(log))),
            base: format!("http://127.0.0.1:{port}"),
        };
        wait_until_served(&served.url("/healthz"), log).await;
        served
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops it as systemd does and fails the test unless it exits 0 in time.
    pub fn stop(mut self) {
        if let Some(child) = self.child.take() {
            stop(child);
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The router of `[web] listen` over the database of `config` (without the service's `/healthz`
/// and `/metrics`), for requests without a socket (`tower::ServiceExt::oneshot`).
pub fn router_over(config: &newshound::config::Config) -> axum::Router {
    use newshound::web::{self, Reader, Site, WebState};
    let reader = Reader::open(&config.daemon.database, 2).unwrap();
    let (_, site) = tokio::sync::watch::channel(std::sync::Arc::new(Site::new(config)));
    web::router(WebState { reader, site }, None)
}

/// The status and body of `GET path` through `router`.
pub async fn page_of(router: axum::Router, path: &str) -> (axum::http::StatusCode, String) {
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;
    let request = axum::http::Request::get(path)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}
