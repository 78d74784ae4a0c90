//! A test-only hostile HTTP server on 127.0.0.1, written on a raw `TcpListener` so that every
//! byte is under the test's control: slow writes, endless chunked bodies, megabytes of headers,
//! compression bombs. Every large body is generated while it is sent, never held in memory or
//! on disk, and generation stops as soon as the client hangs up.
//!
//! Each behaviour has its own path (see [`Behaviour::from_path`]); `/good.xml` is a well-behaved
//! feed whose items link to well-behaved pages on the same server, so one server can host a
//! whole cycle's feeds.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use super::http::{
    Request, read_request, write_chunk, write_chunked_head, write_last_chunk, write_response,
};

/// Items in `/many-items.xml`.
pub const MANY_ITEMS: usize = 100_000;

/// Size of the one description in `/huge-description.xml`.
pub const HUGE_DESCRIPTION_BYTES: usize = 50 * 1024 * 1024;

/// Nesting depth of `/nested.html` and of the description in `/nested-description.xml`.
pub const NESTING_LEVELS: usize = 100_000;

/// Zeros behind the gzip bomb if a client read it to the end (4 GiB).
const BOMB_BYTES: usize = 4 << 30;

/// Headers of `/huge-headers.xml`, in bytes (10 MB).
const HEADER_BYTES: usize = 10_000_000;

/// Titles of the items in `/good.xml`, so tests can find them in the database.
pub const GOOD_TITLES: [&str; 3] = [
    "Harbour council agrees budget",
    "Rail strike ends",
    "New bridge opens",
];

/// What the server does on one path.
#[derive(Debug, Clone, PartialEq)]
enum Behaviour {
    /// A small valid RSS feed whose items link to `/page/N`.
    GoodFeed,
    /// A small article page.
    GoodPage,
    /// A feed whose items link to the paths in the query (`to=/a,/b`) on this server.
    Links,
    /// A gzip body of zeros that decompresses to 4 GiB (a few MB on the wire).
    GzipBomb,
    /// 200 with a chunked feed body that never ends.
    EndlessChunked,
    /// Headers at once, then one body byte per second.
    SlowBody,
    /// One header byte per second: the status line never completes in time.
    SlowHeaders,
    /// A redirect to itself with a growing path, forever.
    RedirectLoop,
    /// A redirect to a private address (10.0.0.1) and another to the cloud metadata address.
    RedirectPrivate(&'static str),
    /// A redirect to this server by the name `localhost`: another host that resolves to loopback.
    RedirectLocalhost,
    /// 10 MB of response headers.
    HugeHeaders,
    /// A feed that says UTF-8 and holds invalid UTF-8 bytes.
    InvalidUtf8,
    /// A feed labelled UTF-8 in HTTP and XML whose body is windows-1252.
    Mislabelled,
    /// An article page labelled UTF-8 whose body is windows-1252.
    MislabelledPage,
    /// A feed labelled UTF-8 whose body is UTF-16 without a BOM.
    Utf16AsUtf8,
    /// A feed with the "billion laughs" entity expansion.
    BillionLaughs,
    /// A feed with an external entity pointing at a local file (path in the query).
    ExternalEntity,
    /// 100,000 nested `<div>`s as an article page.
    NestedPage,
    /// A feed whose one item carries 100,000 nested `<div>`s as its description.
    NestedDescription,
    /// A feed whose one item's description nests 100,000 XML elements (not CDATA).
    NestedXml,
    /// A feed with [`MANY_ITEMS`] items.
    ManyItems,
    /// A feed with one item whose description is [`HUGE_DESCRIPTION_BYTES`] long.
    HugeDescription,
    /// A JSON Feed whose fields have the wrong types.
    JsonWrongTypes,
    /// Not found.
    Missing,
}

impl Behaviour {
    fn from_path(path: &str) -> Behaviour {
        match path {
            "/good.xml" => Behaviour::GoodFeed,
            p if p.starts_with("/page/") => Behaviour::GoodPage,
            "/gzip-bomb.xml" | "/gzip-bomb.html" => Behaviour::GzipBomb,
            "/endless.xml" => Behaviour::EndlessChunked,
            "/slow-body.xml" | "/slow-body.html" => Behaviour::SlowBody,
            "/slow-headers.xml" => Behaviour::SlowHeaders,
            "/redirect-private.xml" => Behaviour::RedirectPrivate("http://10.0.0.1/feed.xml"),
            "/redirect-metadata.xml" => {
                Behaviour::RedirectPrivate("http://169.254.169.254/latest/meta-data/")
            }
            "/redirect-localhost.xml" => Behaviour::RedirectLocalhost,
            "/huge-headers.xml" => Behaviour::HugeHeaders,
            "/invalid-utf8.xml" => Behaviour::InvalidUtf8,
            "/mislabelled.xml" => Behaviour::Mislabelled,
            "/utf16-as-utf8.xml" => Behaviour::Utf16AsUtf8,
            "/mislabelled.html" => Behaviour::MislabelledPage,
            "/billion-laughs.xml" => Behaviour::BillionLaughs,
            "/external-entity.xml" => Behaviour::ExternalEntity,
            "/nested.html" => Behaviour::NestedPage,
            "/nested-description.xml" => Behaviour::NestedDescription,
            "/nested-xml.xml" => Behaviour::NestedXml,
            "/many-items.xml" => Behaviour::ManyItems,
            "/huge-description.xml" => Behaviour::HugeDescription,
            "/wrong-types.json" => Behaviour::JsonWrongTypes,
            p if p.starts_with("/redirect-loop.xml") => Behaviour::RedirectLoop,
            "/links.xml" => Behaviour::Links,
            _ => Behaviour::Missing,
        }
    }
}

/// The hostile server; it lives as long as the test's runtime.
pub struct HostileServer {
    /// Where it listens.
    pub addr: SocketAddr,
}

impl HostileServer {
    /// Starts the server on a free loopback port.
    pub async fn start() -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, addr));
            }
        });
        HostileServer { addr }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// Answers one request per connection; write errors mean the client gave up, which ends the
/// behaviour.
async fn serve(mut stream: TcpStream, addr: SocketAddr) {
    let Some(Request { target, .. }) = read_request(&mut stream).await else {
        return;
    };
    let (path, query) = match target.split_once('?') {
        Some((path, query)) if !path.starts_with("/redirect-loop") => (path.to_owned(), query),
        _ => (target.clone(), ""),
    };
    let base = format!("http://{addr}");
    let _ = match Behaviour::from_path(&path) {
        Behaviour::GoodFeed => full(&mut stream, "application/rss+xml", good_feed(&base)).await,
        Behaviour::GoodPage => full(&mut stream, "text/html", good_page(&path)).await,
        Behaviour::Links => full(&mut stream, "application/rss+xml", links(&base, query)).await,
        Behaviour::GzipBomb => gzip_bomb(&mut stream, &path).await,
        Behaviour::EndlessChunked => endless(&mut stream).await,
        Behaviour::SlowBody => slow_body(&mut stream).await,
        Behaviour::SlowHeaders => slow_headers(&mut stream).await,
        Behaviour::RedirectLoop => redirect(&mut stream, &format!("{target}x")).await,
        Behaviour::RedirectPrivate(to) => redirect(&mut stream, to).await,
        Behaviour::RedirectLocalhost => {
            let to = format!("http://localhost:{}/good.xml", addr.port());
            redirect(&mut stream, &to).await
        }
        Behaviour::HugeHeaders => huge_headers(&mut stream).await,
        Behaviour::InvalidUtf8 => full(&mut stream, RSS_UTF8, invalid_utf8()).await,
        Behaviour::Mislabelled => full(&mut stream, RSS_UTF8, mislabelled()).await,
        Behaviour::Utf16AsUtf8 => full(&mut stream, RSS_UTF8, utf16_as_utf8()).await,
        Behaviour::MislabelledPage => {
            full(&mut stream, "text/html; charset=utf-8", mislabelled_page()).await
        }
        Behaviour::BillionLaughs => full(&mut stream, RSS_UTF8, billion_laughs()).await,
        Behaviour::ExternalEntity => full(&mut stream, RSS_UTF8, external_entity(query)).await,
        Behaviour::NestedPage => full(&mut stream, "text/html", nested_page()).await,
        Behaviour::NestedDescription => full(&mut stream, RSS_UTF8, nested_description()).await,
        Behaviour::NestedXml => full(&mut stream, RSS_UTF8, nested_xml()).await,
        Behaviour::ManyItems => many_items(&mut stream).await,
        Behaviour::HugeDescription => huge_description(&mut stream).await,
        Behaviour::JsonWrongTypes => {
            full(&mut stream, "application/feed+json", json_wrong_types()).await
        }
        Behaviour::Missing => write_response(&mut stream, 404, &[], b"").await,
    };
}

const RSS_UTF8: &str = "application/rss+xml; charset=utf-8";

/// A 200 response with a body.
async fn full(
    stream: &mut TcpStream,
    content_type: &str,
    body: impl AsRef<[u8]>,
) -> std::io::Result<()> {
    write_response(
        stream,
        200,
        &[("Content-Type", content_type)],
        body.as_ref(),
    )
    .await
}

async fn redirect(stream: &mut TcpStream, to: &str) -> std::io::Result<()> {
    write_response(stream, 302, &[("Location", to)], b"").await
}

fn good_feed(base: &str) -> String {
    let items: String = GOOD_TITLES
        .iter()
        .enumerate()
        .map(|(i, title)| {
            format!(
                "<item><title>{title}</title><link>{base}/page/{i}</link>\
                 <guid>{base}/page/{i}</guid><description>{title}: the short summary.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Good</title>\
         <link>{base}/</link>{items}</channel></rss>"
    )
}

/// A feed with one item per path in `to=/a,/b`, each linking to that path on this server.
fn links(base: &str, query: &str) -> String {
    let items: String = query
        .strip_prefix("to=")
        .unwrap_or_default()
        .split(',')
        .map(|path| {
            format!(
                "<item><title>Link {path}</title><link>{base}{path}</link><guid>{path}</guid>\
                 <description>The feed's own summary of {path}.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Links</title>\
         <link>{base}/</link>{items}</channel></rss>"
    )
}

fn good_page(path: &str) -> String {
    let paragraph = format!(
        "<p>Story {path}: the council met on Tuesday and agreed on a new budget for the coming \
         year, after long talks with the unions and the regional governments.</p>"
    );
    format!(
        "<!doctype html><html lang=\"en\"><head><title>Story</title></head><body><article>\
         <h1>Story</h1>{}</article></body></html>",
        paragraph.repeat(5)
    )
}

/// gzip-compressed zeros, compressed while sent, 1 MiB of input at a time.
async fn gzip_bomb(stream: &mut TcpStream, path: &str) -> std::io::Result<()> {
    let kind = if path.ends_with(".html") {
        "text/html"
    } else {
        "application/rss+xml"
    };
    write_chunked_head(
        stream,
        &[("Content-Type", kind), ("Content-Encoding", "gzip")],
    )
    .await?;
    let zeros = vec![0u8; 1 << 20];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..BOMB_BYTES / zeros.len() {
        encoder.write_all(&zeros)?;
        let out = std::mem::take(encoder.get_mut());
        write_chunk(stream, &out).await?;
    }
    let out = encoder.finish()?;
    write_chunk(stream, &out).await?;
    write_last_chunk(stream).await
}

/// A feed that opens its channel and then repeats items forever.
async fn endless(stream: &mut TcpStream) -> std::io::Result<()> {
    write_chunked_head(stream, &[("Content-Type", "application/rss+xml")]).await?;
    write_chunk(
        stream,
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>E</title>",
    )
    .await?;
    let items = "<item><title>again</title><guid>again</guid></item>".repeat(1000);
    loop {
        write_chunk(stream, items.as_bytes()).await?;
    }
}

/// Headers at once, then a feed body one byte per second.
async fn slow_body(stream: &mut TcpStream) -> std::io::Result<()> {
    write_chunked_head(stream, &[("Content-Type", "application/rss+xml")]).await?;
    for byte in b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
        .iter()
        .cycle()
    {
        write_chunk(stream, &[*byte]).await?;
        stream.flush().await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

/// The status line and headers, one byte per second.
async fn slow_headers(stream: &mut TcpStream) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n".to_owned()
        + &"X-Slow: yes\r\n".repeat(1000);
    for byte in head.as_bytes() {
        stream.write_all(&[*byte]).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

/// 10 MB of headers in 1,000-byte lines, written as they are made.
async fn huge_headers(stream: &mut TcpStream) -> std::io::Result<()> {
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n")
        .await?;
    let value = "a".repeat(980);
    for i in 0..HEADER_BYTES / 1000 {
        stream
            .write_all(format!("X-Junk-{i:06}: {value}\r\n").as_bytes())
            .await?;
    }
    stream.write_all(b"Content-Length: 0\r\n\r\n").await?;
    stream.shutdown().await
}

/// A feed of one item; `slug` makes the item's link unique to the document.
fn one_item_feed(declaration: &str, slug: &str, title: &[u8], description: &[u8]) -> Vec<u8> {
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"{declaration}\"?><rss version=\"2.0\"><channel>\
         <title>Hostile</title><link>http://example.com/</link><item><title>"
    )
    .into_bytes();
    doc.extend_from_slice(title);
    doc.extend_from_slice(format!("</title><link>http://example.com/{slug}</link>").as_bytes());
    doc.extend_from_slice(b"<description>");
    doc.extend_from_slice(description);
    doc.extend_from_slice(b"</description></item></channel></rss>");
    doc
}

fn invalid_utf8() -> Vec<u8> {
    one_item_feed(
        "utf-8",
        "invalid-utf8",
        b"Broken \xff\xfe bytes \xc3",
        b"More \x80\x81 broken \xed\xa0\x80 text",
    )
}

fn mislabelled() -> Vec<u8> {
    // "Café crème à Zürich" in windows-1252, declared as UTF-8.
    one_item_feed(
        "utf-8",
        "mislabelled",
        b"Caf\xe9 cr\xe8me \xe0 Z\xfcrich",
        b"\x93Quoted\x94 \x96 dash",
    )
}

/// [`good_page`] about Zürich, in windows-1252.
fn mislabelled_page() -> Vec<u8> {
    let page = good_page("/Zürich");
    encoding_rs::WINDOWS_1252.encode(&page).0.into_owned()
}

fn utf16_as_utf8() -> Vec<u8> {
    let text = String::from_utf8(one_item_feed(
        "utf-16",
        "utf16",
        b"Wide title",
        b"Wide text",
    ))
    .unwrap();
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn billion_laughs() -> String {
    let mut entities = String::from("<!ENTITY lol \"lol\">");
    for level in 1..=9 {
        let previous = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        let body = format!("&{previous};").repeat(10);
        entities.push_str(&format!("<!ENTITY lol{level} \"{body}\">"));
    }
    format!(
        "<?xml version=\"1.0\"?><!DOCTYPE rss [{entities}]><rss version=\"2.0\"><channel>\
         <title>Laughs &lol9;</title><link>http://example.com/</link><item><title>Laugh &lol9;</title>\
         <link>http://example.com/laughs/1</link><description>&lol9;</description></item></channel></rss>"
    )
}

/// `query` is the local file the entity points at (`path=/tmp/...`).
fn external_entity(query: &str) -> String {
    let path = query.strip_prefix("path=").unwrap_or("/etc/hostname");
    format!(
        "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://{path}\">]>\
         <rss version=\"2.0\"><channel><title>XXE &xxe;</title><link>http://example.com/</link>\
         <item><title>Secret &xxe;</title><link>http://example.com/xxe/1</link>\
         <description>Leak: &xxe;</description></item></channel></rss>"
    )
}

fn nested_divs() -> String {
    let mut html = String::with_capacity(NESTING_LEVELS * 11 + 100);
    html.push_str(&"<div>".repeat(NESTING_LEVELS));
    html.push_str("Deep text at the bottom of the nesting.");
    html.push_str(&"</div>".repeat(NESTING_LEVELS));
    html
}

fn nested_page() -> String {
    format!(
        "<!doctype html><html><head><title>Deep</title></head><body>{}</body></html>",
        nested_divs()
    )
}

fn nested_description() -> Vec<u8> {
    let cdata = format!("<![CDATA[{}]]>", nested_divs());
    one_item_feed("utf-8", "nested", b"Deep item", cdata.as_bytes())
}

fn nested_xml() -> Vec<u8> {
    one_item_feed("utf-8", "nested-xml", b"Deep XML", nested_divs().as_bytes())
}

/// [`MANY_ITEMS`] items, streamed 1,000 at a time, newest first.
async fn many_items(stream: &mut TcpStream) -> std::io::Result<()> {
    write_chunked_head(stream, &[("Content-Type", "application/rss+xml")]).await?;
    write_chunk(
        stream,
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Many</title>\
          <link>http://example.com/</link>",
    )
    .await?;
    for block in 0..MANY_ITEMS / 1000 {
        let items: String = (block * 1000..(block + 1) * 1000)
            .map(|n| {
                format!(
                    "<item><title>Item {n}</title><link>http://example.com/many/{n}</link>\
                     <guid>many-{n}</guid></item>"
                )
            })
            .collect();
        write_chunk(stream, items.as_bytes()).await?;
    }
    write_chunk(stream, b"</channel></rss>").await?;
    write_last_chunk(stream).await
}

/// One item whose description is [`HUGE_DESCRIPTION_BYTES`] of words, streamed.
async fn huge_description(stream: &mut TcpStream) -> std::io::Result<()> {
    write_chunked_head(stream, &[("Content-Type", "application/rss+xml")]).await?;
    write_chunk(
        stream,
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>\
          <link>http://example.com/</link><item><title>Huge item</title>\
          <link>http://example.com/huge/1</link><description>",
    )
    .await?;
    let words = "council budget harbour bridge ".repeat(2185); // 65,550 bytes
    for _ in 0..HUGE_DESCRIPTION_BYTES / words.len() {
        write_chunk(stream, words.as_bytes()).await?;
    }
    write_chunk(stream, b"</description></item></channel></rss>").await?;
    write_last_chunk(stream).await
}

fn json_wrong_types() -> String {
    r#"{"version": "https://jsonfeed.org/version/1.1", "title": 42,
        "home_page_url": ["not", "a", "url"],
        "items": [
          {"id": {"nested": true}, "url": 17, "title": ["a"], "content_text": false,
           "date_published": 12345, "tags": "not-a-list", "authors": "nobody"},
          {"id": null, "content_html": {"html": "<p>x</p>"}}
        ]}"#
    .to_owned()
}
