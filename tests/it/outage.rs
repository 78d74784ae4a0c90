//! Outages (issue 8, part 2), with the real binary: the mail server down for several cycles,
//! feeds whose host does not resolve or refuses connections, the database's disk full, and the
//! database locked by another process. Each must end in a clear error, lose nothing and
//! duplicate nothing once the outage is over.
//!
//! A single cycle of SMTP outage through the demo is `email::smtp_outage_loses_nothing_and_
//! duplicates_nothing`; here alerts pile up over several cycles of new items.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::newsroom::{TOPICS, feed_document, item, item_at, page};
use crate::support::{
    Reply, SmtpOptions, SmtpServer, TestConfig, TestServer, command, db, header, newshound,
    newshound_output, service_command, signal, spawn_logged, unqp,
};

/// The feed of the outage tests: `/feed.xml` lists the first `visible` items of the crash
/// test's feed 0, newest first; their pages are served too.
async fn feed_server(visible: Arc<AtomicUsize>) -> TestServer {
    let base = Arc::new(std::sync::OnceLock::<String>::new());
    let base_in = Arc::clone(&base);
    let server = TestServer::start(move |request| {
        let base = base_in.get().cloned().unwrap_or_default();
        if request.target == "/feed.xml" {
            let document = feed_document(0, visible.load(Ordering::SeqCst), &base);
            return Reply::ok("application/rss+xml", document);
        }
        match item_at(&request.target) {
            Some((0, n)) => Reply::ok("text/html; charset=utf-8", page(&item(0, n))),
            _ => Reply::status(404, &[]),
        }
    })
    .await;
    base.set(format!("http://{}", server.addr)).unwrap();
    server
}

/// The outage tests' usual setup: the [`feed_server`] showing `visible` items at first, and a
/// config that polls it as "Desk" for the immediate topics, after `email` (an `[email]`
/// section, or nothing).
struct Desk {
    /// How many items the feed shows; a test raises it to make news.
    visible: Arc<AtomicUsize>,
    server: TestServer,
    config: TestConfig,
}

impl Desk {
    async fn start(visible: usize, email: &str) -> Desk {
        let visible = Arc::new(AtomicUsize::new(visible));
        let server = feed_server(Arc::clone(&visible)).await;
        let body = format!(
            "{email}[[feeds]]\nurl = \"{}\"\nname = \"Desk\"\n\n{}",
            server.url("/feed.xml"),
            topics()
        );
        let config = TestConfig::new("allow_private_networks = true", &body);
        Desk {
            visible,
            server,
            config,
        }
    }
}

/// `[[topics]]` for the crash test's immediate topics.
fn topics() -> String {
    TOPICS
        .iter()
        .map(|(name, word)| {
            format!("[[topics]]\nname = \"{name}\"\nquery = \"{word}\"\nalert = \"immediate\"\n\n")
        })
        .collect()
}

fn smtp_section(port: u16) -> String {
    format!(
        "[email]\nfrom = \"newshound@example.com\"\nto = [\"reader@example.com\"]\n\
         max_immediate_per_hour = 1000\n\n[email.smtp]\nhost = \"127.0.0.1\"\nport = {port}\n\
         security = \"none\"\n\n"
    )
}

/// Hits the first `n` items of feed 0 imply: (topic, path).
fn expected_hits(n: usize) -> Vec<(String, String)> {
    let mut hits: Vec<(String, String)> = (0..n)
        .flat_map(|i| {
            let item = item(0, i);
            item.topics
                .iter()
                .map(|t| ((*t).to_owned(), item.path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    hits.sort();
    hits
}

fn stored_hits(database: &Path, base: &str) -> Vec<(String, String)> {
    let conn = db(database);
    let mut hits: Vec<(String, String)> = conn
        .prepare("SELECT h.topic, a.url FROM hits h JOIN articles a ON a.id = h.article_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|row| {
            let (topic, url) = row.unwrap();
            (topic, url.strip_prefix(base).unwrap_or(&url).to_owned())
        })
        .collect();
    hits.sort();
    hits
}

fn one(database: &Path, sql: &str) -> i64 {
    db(database).query_row(sql, [], |r| r.get(0)).unwrap()
}

fn integrity(database: &Path) -> String {
    db(database)
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// Runs `newshound -c config args` with warnings logged and the files it writes limited to
/// `bytes`, and returns its output whatever the exit status.
fn run_with_file_size_limit(config: &Path, args: &[&str], bytes: u64) -> Output {
    let mut run = command(config, args);
    run.env("RUST_LOG", "warn");
    file_size_limit(&mut run, bytes);
    run.output().unwrap()
}

/// The mail server is down for three cycles, each finding new items: each cycle renders its
/// alert into the outbox, where it waits with the connection error. Once the server is back one
/// cycle delivers the three, each once, in order, with its own Message-ID; no story is in two
/// of them; a further cycle sends nothing.
#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_for_several_cycles_then_back_delivers_every_alert_once() {
    let mut smtp = SmtpServer::start(SmtpOptions::plain());
    let Desk {
        visible,
        server,
        config,
    } = Desk::start(0, &smtp_section(smtp.port)).await;
    smtp.stop();
    for cycle in 1..=3 {
        visible.store(cycle * 4, Ordering::SeqCst);
        let summary = newshound(&config.path(), &["run", "--once", "--all"]);
        assert!(
            summary.contains(&format!(
                "emails: 1 queued, 0 sent, {cycle} waiting, 0 failed"
            )),
            "cycle {cycle}: {summary}"
        );
    }
    let listing = newshound(&config.path(), &["outbox"]);
    assert!(
        listing.contains("pending") && listing.contains("127.0.0.1"),
        "the outbox shows the waiting alerts and the server they wait for:\n{listing}"
    );

    smtp.restart();
    let back = newshound(&config.path(), &["run", "--once", "--all"]);
    assert!(
        back.contains("emails: 0 queued, 3 sent, 0 waiting, 0 failed"),
        "{back}"
    );
    let again = newshound(&config.path(), &["run", "--once", "--all"]);
    assert!(
        again.contains("emails: 0 queued, 0 sent, 0 waiting"),
        "{again}"
    );

    let messages = smtp.messages();
    assert_eq!(messages.len(), 3, "{}", smtp.log());
    let ids: Vec<String> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap())
        .collect();
    for (index, id) in ids.iter().enumerate() {
        assert!(
            id.starts_with(&format!("<outbox-{}.", index + 1)),
            "{ids:?}"
        );
    }
    let bodies: Vec<String> = messages
        .iter()
        .map(|m| unqp(&String::from_utf8_lossy(m)))
        .collect();
    let hits = expected_hits(12);
    assert!(hits.len() >= 4, "the items imply hits: {hits:?}");
    assert_eq!(
        stored_hits(&config.database(), &format!("http://{}", server.addr)),
        hits
    );
    for (_, path) in &hits {
        let url = server.url(path);
        let carrying = bodies.iter().filter(|b| b.contains(&url)).count();
        assert_eq!(carrying, 1, "{url} is in {carrying} alerts");
    }
}

/// A feed whose host does not resolve (`.invalid` never does, RFC 6761; the local resolver
/// answers at once, without the internet) and one whose port refuses connections fail with
/// errors naming the host and the cause, recorded against each feed, while the third feed
/// completes: its items and hits are stored.
#[tokio::test(flavor = "multi_thread")]
async fn unreachable_feeds_fail_clearly_while_the_others_complete() {
    let visible = Arc::new(AtomicUsize::new(5));
    let server = feed_server(visible).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}/feed.xml", closed.local_addr().unwrap());
    drop(closed);
    let body = format!(
        "[[feeds]]\nurl = \"{}\"\nname = \"Good\"\n\n[[feeds]]\nurl = \"{refused}\"\nname = \"Refused\"\n\n\
         [[feeds]]\nurl = \"http://news.example.invalid/feed.xml\"\nname = \"Nowhere\"\n\n{}",
        server.url("/feed.xml"),
        topics()
    );
    let config = TestConfig::new("allow_private_networks = true", &body);
    let started = Instant::now();
    let summary = newshound(&config.path(), &["run", "--once"]);
    assert!(
        summary.contains("feeds: 1 ok, 0 not modified, 2 failed"),
        "{summary}"
    );
    assert!(summary.contains("articles: 5 new"), "{summary}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "failures take no longer than the timeouts"
    );
    let conn = db(&config.database());
    let error_of = |name: &str| -> String {
        conn.query_row(
            "SELECT last_status || ': ' || COALESCE(last_error, '') FROM feeds WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap()
    };
    let nowhere = error_of("Nowhere").to_lowercase();
    assert!(
        nowhere.starts_with("error: ")
            && nowhere.contains("news.example.invalid")
            && (nowhere.contains("dns")
                || nowhere.contains("resolve")
                || nowhere.contains("lookup")),
        "{nowhere}"
    );
    let refused_error = error_of("Refused").to_lowercase();
    assert!(
        refused_error.starts_with("error: ")
            && refused_error.contains("127.0.0.1")
            && (refused_error.contains("refused") || refused_error.contains("connect")),
        "{refused_error}"
    );
    assert_eq!(error_of("Good"), "ok: ");
    eprintln!("unreachable feeds: {nowhere}\nunreachable feeds: {refused_error}");
    assert_eq!(
        stored_hits(&config.database(), &format!("http://{}", server.addr)),
        expected_hits(5)
    );
}

/// Limits the files the child writes to `bytes` (RLIMIT_FSIZE), as a full disk does, and
/// ignores SIGXFSZ so that a write past the limit fails with EFBIG instead of killing it.
fn file_size_limit(command: &mut Command, bytes: u64) {
    // SAFETY: only async-signal-safe calls (signal, setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Nothing half-written: the database is consistent, every extracted article has its text, and
/// every hit its article and story.
fn assert_consistent(database: &Path) {
    assert_eq!(integrity(database), "ok");
    let conn = db(database);
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "foreign keys");
    assert_eq!(
        one(
            database,
            "SELECT count(*) FROM articles WHERE page_status = 'ok' AND (text IS NULL OR story_id IS NULL)"
        ),
        0
    );
    assert_eq!(
        one(database, "SELECT count(*) FROM hits WHERE story_id IS NULL"),
        0
    );
}

/// A new database on a full disk fails to open, saying why, and opens once there is room. Then
/// the disk fills up (the process may write no more than the database's size plus 64 KB) while
/// 36 new items arrive: `run --once` stops the cycle with an error that says the disk is full
/// and names the database, without a panic; nothing is half-written. The service under the same
/// limit says it pauses ingestion and keeps running. Once space is back the next run stores
/// every item and hit, once.
#[tokio::test(flavor = "multi_thread")]
async fn full_disk_stops_ingestion_clearly_and_the_next_run_resumes() {
    let Desk {
        visible,
        server,
        config,
    } = Desk::start(4, "").await;
    let database = config.database();
    // Not even room for the schema: the new database's first writes fail, and say why.
    let tiny = run_with_file_size_limit(&config.path(), &["run", "--once"], 8 * 1024);
    let stderr = String::from_utf8_lossy(&tiny.stderr);
    assert!(!tiny.status.success(), "{stderr}");
    assert!(
        stderr.contains("disk full or file size limit reached"),
        "{stderr}"
    );
    assert!(!stderr.contains("panic"), "{stderr}");
    eprintln!("full disk, new database: {:?}", stderr.trim());
    newshound(&config.path(), &["run", "--once"]);
    assert_eq!(one(&database, "SELECT count(*) FROM articles"), 4);
    let size = std::fs::metadata(&database).unwrap().len();
    let limit = size + 64 * 1024;

    visible.store(40, Ordering::SeqCst);
    let full = run_with_file_size_limit(&config.path(), &["run", "--once", "--all"], limit);
    let stderr = String::from_utf8_lossy(&full.stderr);
    assert!(!full.status.success(), "{stderr}");
    assert!(
        stderr.contains("disk full or file size limit reached")
            && stderr.contains(&database.display().to_string()),
        "{stderr}"
    );
    assert!(!stderr.contains("panic"), "{stderr}");
    assert_consistent(&database);
    let extracted_while_full = one(
        &database,
        "SELECT count(*) FROM articles WHERE page_status = 'ok'",
    );
    assert!(extracted_while_full < 40, "the limit stopped ingestion");
    eprintln!(
        "full disk: run --once said {:?}; {extracted_while_full} of 40 pages stored",
        stderr.trim()
    );

    // The service under the same limit: one clear line, and it keeps running.
    db(&database)
        .execute("UPDATE feeds SET next_poll_at = 0", [])
        .unwrap();
    let log_path = config.dir.path().join("service.log");
    let mut service = service_command(&config.path());
    service.env("RUST_LOG", "warn");
    file_size_limit(&mut service, limit);
    let mut child = spawn_logged(service, Some(&log_path));
    let deadline = Instant::now() + Duration::from_secs(20);
    let log = loop {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("ingestion is paused") || Instant::now() > deadline {
            break log;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the service died:\n{log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        log.contains("ingestion is paused") && log.contains("disk full"),
        "{log}"
    );
    assert!(!log.contains("panic"), "{log}");
    eprintln!("full disk: the service logged\n{}", log.trim());
    assert!(child.try_wait().unwrap().is_none(), "still running");
    signal(&child, "TERM");
    child.wait().unwrap();
    assert_consistent(&database);

    let resumed = newshound(&config.path(), &["run", "--once", "--all"]);
    assert!(resumed.contains("feeds: 1 ok"), "{resumed}");
    assert_consistent(&database);
    assert_eq!(one(&database, "SELECT count(*) FROM articles"), 40);
    assert_eq!(
        one(&database, "SELECT count(DISTINCT url) FROM articles"),
        40
    );
    assert_eq!(
        stored_hits(&database, &format!("http://{}", server.addr)),
        expected_hits(40)
    );
}

/// Another process holds the database's write lock (`BEGIN EXCLUSIVE`): `run --once` waits its
/// busy timeout (10 s), then fails with an error saying the database is locked by another
/// process and naming it; nothing is half-written. Once the lock is released it runs.
#[tokio::test(flavor = "multi_thread")]
async fn locked_database_waits_then_fails_naming_it_and_works_after_release() {
    let Desk {
        visible,
        server,
        config,
    } = Desk::start(3, "").await;
    let database = config.database();
    newshound(&config.path(), &["run", "--once"]);
    visible.store(6, Ordering::SeqCst);

    let holder = db(&database);
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = Instant::now();
    let locked = newshound_output(&config.path(), &["run", "--once", "--all"]);
    let waited = started.elapsed();
    let stderr = String::from_utf8_lossy(&locked.stderr);
    assert!(!locked.status.success(), "{stderr}");
    assert!(
        stderr.contains("is locked by another process")
            && stderr.contains(&database.display().to_string()),
        "{stderr}"
    );
    assert!(waited >= Duration::from_secs(9), "waited only {waited:?}");
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);

    assert_consistent(&database);
    let after = newshound(&config.path(), &["run", "--once", "--all"]);
    assert!(after.contains("articles: 3 new"), "{after}");
    assert_eq!(
        stored_hits(&database, &format!("http://{}", server.addr)),
        expected_hits(6)
    );
}
