//! Test helpers: a small real HTTP/1.1 server on 127.0.0.1 whose answers each test scripts
//! (including bodies that never end and servers that never answer), and config files in a
//! temporary folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// Path and query, exactly as sent.
    pub target: String,
    /// Header names lower-cased, values as sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The value of a header, if the client sent it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the server answers one request.
pub enum Reply {
    /// A complete response.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// 200 with a chunked body that never ends.
    Endless,
    /// Accepts the request and never answers.
    Hang,
}

impl Reply {
    /// 200 with a body and a content type.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A status with headers and no body.
    pub fn status(status: u16, headers: &[(&str, &str)]) -> Reply {
        Reply::Full {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    /// Adds a header to a full reply.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A real HTTP server on 127.0.0.1 that records every request.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl TestServer {
    /// Starts the server on a free port; it lives as long as the test's runtime.
    pub async fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> TestServer {
        TestServer::start_on(0, handler).await
    }

    /// Starts the server on 127.0.0.1:`port` (0 for a free one): a test can let requests to a
    /// port be refused first and answered later.
    pub async fn start_on(
        port: u16,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, recorded) = (Arc::clone(&handler), Arc::clone(&recorded));
                tokio::spawn(serve(stream, handler, recorded));
            }
        });
        TestServer { addr, requests }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests for one path (query included), in arrival order.
    pub fn requests_to(&self, target: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.target == target)
            .collect()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, recorded: Arc<Mutex<Vec<Request>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    recorded.lock().unwrap().push(request.clone());
    match handler(&request) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Reply::Endless => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = format!("{:x}\r\n{}\r\n", 65536, "x".repeat(65536));
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    }
}

/// Reads one request's head (up to the blank line); `None` when the peer hangs up first.
pub async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let target = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Request { target, headers })
}

/// An RSS 2.0 document with the given (title, link) items.
pub fn rss(items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(title, link)| {
            format!("<item><title>{title}</title><link>{link}</link><guid>{link}</guid></item>")
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Test feed</title><link>http://example.com/</link>{items}</channel></rss>"
    )
}

/// A small article page with enough text for the extractor.
pub fn article_page(title: &str) -> String {
    let paragraph = format!(
        "<p>{title}: the council met on Tuesday and agreed on a new budget for the coming year, \
         after long talks with the unions and the regional governments.</p>"
    );
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{title} - Test News</title></head>\
         <body><nav><a href=\"/\">Home</a></nav><article><h1>{title}</h1>{}</article>\
         <footer>Copyright</footer></body></html>",
        paragraph.repeat(5)
    )
}

/// A temporary folder holding a config file; removed when dropped.
pub struct TestConfig {
    /// The folder (database and outbox go here too).
    pub dir: tempfile::TempDir,
}

impl TestConfig {
    /// Writes `newshound.toml` with `[daemon]` defaults suited to tests (a test database, a 2 s
    /// request timeout unless `daemon_extra` sets one), then `daemon_extra` lines in `[daemon]`, then `body`.
    pub fn new(daemon_extra: &str, body: &str) -> TestConfig {
        let dir = tempfile::tempdir().unwrap();
        let mut daemon =
            String::from("[daemon]\ndatabase = \"test.db\"\nconnect_timeout = \"1s\"\n");
        if !daemon_extra.contains("request_timeout") {
            daemon.push_str("request_timeout = \"2s\"\n");
        }
        let text = format!("{daemon}{daemon_extra}\n\n{body}\n");
        std::fs::write(dir.path().join("newshound.toml"), text).unwrap();
        TestConfig { dir }
    }

    /// Path of the config file.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("newshound.toml")
    }

    /// Path of the database.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("test.db")
    }

    /// Loads and validates the config, failing the test with every problem when invalid.
    pub fn load(&self) -> newshound::config::Config {
        load(&self.path())
    }
}

/// Loads a config, failing the test with every problem when invalid.
pub fn load(path: &Path) -> newshound::config::Config {
    match newshound::config::load(path) {
        Ok(config) => config,
        Err(e) => panic!("invalid test config:\n{e}"),
    }
}

/// A `[[feeds]]` block.
pub fn feed(url: &str, name: &str) -> String {
    format!("[[feeds]]\nurl = \"{url}\"\nname = \"{name}\"\n")
}

/// The crate root, where `config/` and `tests/fixtures/` live.
pub fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where the shared development data lives: `$NEWSHOUND_SHARED_DIR` when set, else `../shared`
/// beside the crate root. A user's clone has none; tests that need it skip with a message.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("NEWSHOUND_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_root().join("../shared"))
}

/// Every file under `dir`, recursively, in a stable order.
pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// How many `<item>` / `<entry>` elements (any case, any prefix) a raw feed document holds.
/// Counts element names exactly: RSS 1.0's channel-level `<items>` sequence is not an item.
pub fn item_elements(doc: &[u8]) -> usize {
    doc.split(|&b| b == b'<')
        .skip(1)
        .filter(|tail| {
            let end = tail
                .iter()
                .position(|&b| b.is_ascii_whitespace() || b == b'>' || b == b'/')
                .unwrap_or(tail.len());
            let name = &tail[..end];
            let local = name.rsplit(|&b| b == b':').next().unwrap_or(name);
            local.eq_ignore_ascii_case(b"item") || local.eq_ignore_ascii_case(b"entry")
        })
        .count()
}

/// Issue 3, point 6: the seed story's text runs from "Der nordkoreanische Machthaber" to
/// "Quelle: Agenturen" or the paragraph before it, without the read-aloud and reading-time line,
/// the Lesetipp teaser or the teaser's author.
pub fn assert_clean_seed_article(text: &str) {
    assert!(text.starts_with("Der nordkoreanische Machthaber"), "{text}");
    let end = text.trim_end();
    assert!(
        end.ends_with("Quelle: Agenturen")
            || end.ends_with("zwischen den beiden Ländern fortzusetzen."),
        "{text}"
    );
    for noise in ["Vorlesen lassen", "Lesetipp", "Gustav Knudsen", "Lesedauer"] {
        assert!(!text.contains(noise), "{noise:?} left in:\n{text}");
    }
}

/// Copies config/demo.toml and config/demo/ into a temporary folder, so a test neither
/// depends on nor changes the checkout's demo database.
pub fn demo_copy() -> tempfile::TempDir {
    let root = crate_root().join("config");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join("demo.toml"), dir.path().join("demo.toml")).unwrap();
    copy_tree(&root.join("demo"), &dir.path().join("demo"));
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs the `newshound` binary with `-c config` and `args`, fails the test with its stderr
/// when it exits unsuccessfully, and returns its stdout.
pub fn newshound(config: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "newshound {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
