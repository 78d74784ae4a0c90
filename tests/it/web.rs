//! The web server's rules, whatever the pages: who may read (no password only on loopback, HTTP
//! Basic with any user name, `/healthz` open), what is served (GET and HEAD), the headers every
//! answer carries, and where it listens inside `newshound run` (beside or instead of
//! `[daemon] listen`). Handler tests call the router without a socket over a real database;
//! the listener tests start the binary on 127.0.0.1.

use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use base64::Engine as _;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use crate::support::web::{
    Answer, Served, client, free_port, router_over, send, wait_until_served,
};
use crate::support::{TestConfig, bare_command, newshound_output, service_command, wait_exit};

/// The password of the tests that set one; a colon in it is part of the password.
const PASSWORD: &str = "correct horse: battery staple";

/// The headers every answer must carry, exactly as the issue gives them.
const SECURITY_HEADERS: [(&str, &str); 3] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
];

/// A test folder whose config has `[web]` with `web_lines`, and the file `web-password`
/// holding [`PASSWORD`] (with the newline an editor adds).
fn web_config(daemon_extra: &str, web_lines: &str) -> TestConfig {
    let test = TestConfig::new(daemon_extra, &format!("[web]\n{web_lines}\n"));
    std::fs::write(
        test.dir.path().join("web-password"),
        format!("{PASSWORD}\n"),
    )
    .unwrap();
    test
}

/// The router of `[web] listen` over a fresh database, as the config in `test` sets it up.
fn router_of(test: &TestConfig) -> Router {
    let config = test.load();
    drop(newshound::store::Store::open(&config.daemon.database).unwrap());
    router_over(&config)
}

/// A `Basic` Authorization value for `user` and `password`.
fn basic(user: &str, password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}")
}

/// One request through the router, without a socket: status, headers and body.
async fn ask(
    router: &Router,
    method: Method,
    path: &str,
    authorization: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, body)
}

/// Fails the test unless `headers` carry the security headers exactly.
fn assert_security_headers(what: &str, headers: &HeaderMap) {
    for (name, value) in SECURITY_HEADERS {
        let found: Vec<_> = headers.get_all(name).iter().collect();
        assert_eq!(found, [value], "{what}: {name}");
    }
}

/// Without credentials every page, the stylesheet and an unknown address answer 401 with a
/// Basic challenge, so a browser asks for the password.
#[tokio::test]
async fn without_credentials_every_page_asks_for_the_password() {
    let test = web_config("", "password_file = \"web-password\"");
    let router = router_of(&test);
    for path in ["/", "/static/style.css", "/no/such/page", "/topics/x"] {
        let (status, headers, _) = ask(&router, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        let challenge = headers[header::WWW_AUTHENTICATE].to_str().unwrap();
        assert!(challenge.starts_with("Basic realm="), "{path}: {challenge}");
    }
}

/// A wrong password, and credentials that are not well-formed Basic ones, are refused alike.
#[tokio::test]
async fn a_wrong_password_or_broken_credentials_are_refused() {
    let test = web_config("", "password_file = \"web-password\"");
    let router = router_of(&test);
    let refused = [
        basic("anna", "wrong"),
        basic("anna", ""),
        basic("anna", &format!("{PASSWORD}x")),
        basic("anna", &PASSWORD[..PASSWORD.len() - 1]),
        basic("anna", &format!("{PASSWORD}\n")),
        basic(PASSWORD, ""),
        format!("Bearer {PASSWORD}"),
        format!("Basic {PASSWORD}"),
        "Basic".to_owned(),
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(PASSWORD)
        ),
    ];
    for authorization in &refused {
        let (status, headers, _) = ask(&router, Method::GET, "/", Some(authorization)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    }
}

/// The password opens the pages with any user name (the Basic scheme needs one; the password
/// is what is checked), including an empty one.
#[tokio::test]
async fn the_password_opens_the_pages_with_any_user_name() {
    let test = web_config("", "password_file = \"web-password\"");
    let router = router_of(&test);
    for user in ["", "anna", "newshound"] {
        let authorization = basic(user, PASSWORD);
        for path in ["/", "/static/style.css"] {
            let (status, _, body) = ask(&router, Method::GET, path, Some(&authorization)).await;
            assert_eq!(status, StatusCode::OK, "{user:?} {path}");
            assert!(!body.is_empty());
        }
    }
    let lower_case = basic("anna", PASSWORD).replacen("Basic", "basic", 1);
    let (status, _, _) = ask(&router, Method::GET, "/", Some(&lower_case)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the scheme's name is case-insensitive"
    );
}

/// Without a password on loopback the pages open to anyone.
#[tokio::test]
async fn without_a_password_on_loopback_the_pages_are_open() {
    let test = TestConfig::new("", "[web]\nlisten = \"127.0.0.1:8080\"\n");
    let router = router_of(&test);
    let (status, _, body) = ask(&router, Method::GET, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&body).contains("<h1>"));
}

/// The pages only read: every other method is 405 with `Allow: GET, HEAD`, on pages, the
/// stylesheet and unknown addresses alike, before the password is asked for.
#[tokio::test]
async fn only_get_and_head_are_served() {
    for test in [
        TestConfig::new("", ""),
        web_config("", "password_file = \"web-password\""),
    ] {
        let router = router_of(&test);
        for method in [
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::OPTIONS,
        ] {
            for path in ["/", "/static/style.css", "/no/such/page"] {
                let (status, headers, _) = ask(&router, method.clone(), path, None).await;
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert_eq!(headers[header::ALLOW], "GET, HEAD", "{method} {path}");
            }
        }
    }
}

/// HEAD answers as GET does, without the body.
#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let test = TestConfig::new("", "");
    let router = router_of(&test);
    for path in ["/", "/static/style.css"] {
        let (get_status, get_headers, get_body) = ask(&router, Method::GET, path, None).await;
        let (status, headers, body) = ask(&router, Method::HEAD, path, None).await;
        assert_eq!(
            (get_status, status),
            (StatusCode::OK, StatusCode::OK),
            "{path}"
        );
        assert!(!get_body.is_empty());
        assert!(
            body.is_empty(),
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(
            headers[header::CONTENT_TYPE],
            get_headers[header::CONTENT_TYPE],
            "{path}"
        );
        assert_security_headers(&format!("HEAD {path}"), &headers);
    }
}

/// Every answer carries the CSP, Referrer-Policy and X-Content-Type-Options headers exactly as
/// the issue gives them: pages, the stylesheet, 404, 401 and 405.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let open = router_of(&TestConfig::new("", ""));
    let test = web_config("", "password_file = \"web-password\"");
    let locked = router_of(&test);
    let right = basic("", PASSWORD);
    let cases = [
        (&open, Method::GET, "/", None, StatusCode::OK),
        (
            &open,
            Method::GET,
            "/static/style.css",
            None,
            StatusCode::OK,
        ),
        (
            &open,
            Method::GET,
            "/no/such/page",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            &open,
            Method::POST,
            "/",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (&locked, Method::GET, "/", None, StatusCode::UNAUTHORIZED),
        (
            &locked,
            Method::GET,
            "/",
            Some(right.as_str()),
            StatusCode::OK,
        ),
        (
            &locked,
            Method::GET,
            "/nope",
            Some(right.as_str()),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (router, method, path, authorization, expected) in cases {
        let what = format!("{method} {path}");
        let (status, headers, _) = ask(router, method, path, authorization).await;
        assert_eq!(status, expected, "{what}");
        assert_security_headers(&what, &headers);
    }
}

/// The stylesheet is served as CSS (the browser refuses anything else under nosniff) and may be
/// kept a while.
#[tokio::test]
async fn the_stylesheet_is_served_as_css() {
    let router = router_of(&TestConfig::new("", ""));
    let (status, headers, body) = ask(&router, Method::GET, "/static/style.css", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    assert!(headers.contains_key(header::CACHE_CONTROL));
    assert!(String::from_utf8_lossy(&body).contains("prefers-color-scheme"));
}

/// A `[web] listen` that is not loopback, without a password, stops `check`, `run` and
/// `run --once` with the file, line and key and the setting to add.
#[test]
fn a_public_listen_address_without_a_password_is_refused_at_start() {
    for addr in ["0.0.0.0:8080", "[::]:8080", "192.0.2.10:8080"] {
        let test = TestConfig::new("", &format!("[web]\nlisten = \"{addr}\"\n"));
        let path = test.path();
        for args in [&["check"][..], &["run"], &["run", "--once"]] {
            let output = without_credentials(&path, args);
            assert_eq!(output.status.code(), Some(1), "{addr} {args:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            let position = format!("{}:8:10: web.listen:", path.display());
            assert!(stderr.contains(&position), "{addr} {args:?}: {stderr}");
            assert!(
                stderr.contains("[web] password_file"),
                "{addr} {args:?}: {stderr}"
            );
        }
    }
}

/// `newshound -c config args` without the systemd credentials folder, to the end.
fn without_credentials(config: &Path, args: &[&str]) -> std::process::Output {
    let mut command = crate::support::command(config, args);
    command
        .env_remove("CREDENTIALS_DIRECTORY")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// With a password the same addresses pass `check` (serving them is the operator's choice).
#[test]
fn a_public_listen_address_with_a_password_passes_check() {
    let test = web_config(
        "",
        "listen = \"0.0.0.0:8080\"\npassword_file = \"web-password\"",
    );
    let output = newshound_output(&test.path(), &["check"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `newshound web --listen` on a public address without a password refuses at once, naming the
/// setting, and never serves.
#[test]
fn web_command_refuses_a_public_address_without_a_password() {
    let test = TestConfig::new("", "");
    let port = free_port();
    for addr in [format!("0.0.0.0:{port}"), format!("[::]:{port}")] {
        let mut command = bare_command(&["-c"]);
        command
            .arg(test.path())
            .args(["web", "--listen", &addr])
            .env_remove("CREDENTIALS_DIRECTORY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let mut child = command.spawn().unwrap();
        let status = wait_exit(&mut child, Duration::from_secs(20));
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert_eq!(status.code(), Some(1), "{addr}: {stderr}");
        assert!(stderr.contains("[web] password_file"), "{addr}: {stderr}");
        assert!(
            stderr.contains("not a loopback address"),
            "{addr}: {stderr}"
        );
    }
}

/// GET `path` on the server at `base`, with Basic credentials when given.
async fn fetch(base: &str, path: &str, password: Option<&str>) -> Answer {
    let mut request = client().get(format!("{base}{path}"));
    if let Some(password) = password {
        request = request.basic_auth("reader", Some(password));
    }
    send(request)
        .await
        .unwrap_or_else(|| panic!("GET {path}: no answer"))
}

/// Inside `newshound run`, `[web] listen` with a password: `/healthz` answers without it (for
/// probes), the pages and `/metrics` ask for it and open with it, and stopping the service
/// stops the server.
#[tokio::test(flavor = "multi_thread")]
async fn inside_run_healthz_is_open_and_the_rest_asks_for_the_password() {
    let port = free_port();
    let web = format!("listen = \"127.0.0.1:{port}\"\npassword_file = \"web-password\"");
    let test = web_config("", &web);
    let log = test.dir.path().join("service.log");
    let mut service = service_command(&test.path());
    service.env_remove("CREDENTIALS_DIRECTORY");
    let served = Served::spawned(service, port, &log).await;
    let health = fetch(&served.base, "/healthz", None).await;
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    for path in ["/", "/metrics", "/static/style.css"] {
        assert_eq!(fetch(&served.base, path, None).await.status, 401, "{path}");
        assert_eq!(
            fetch(&served.base, path, Some("wrong")).await.status,
            401,
            "{path}"
        );
        let answer = fetch(&served.base, path, Some(PASSWORD)).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    let metrics = fetch(&served.base, "/metrics", Some(PASSWORD)).await;
    assert!(
        metrics.body.contains("newshound_database_up 1"),
        "{}",
        metrics.body
    );
    served.stop();
}

/// The systemd credential `web-password` (in `$CREDENTIALS_DIRECTORY`) stands for
/// `password_file` when that is absent: a public address passes `check`, and the service asks
/// for that password. A `password_file` wins over the credential.
#[tokio::test(flavor = "multi_thread")]
async fn the_systemd_credential_stands_for_the_password_file() {
    let credentials = tempfile::tempdir().unwrap();
    std::fs::write(credentials.path().join("web-password"), "from systemd\n").unwrap();

    let public = TestConfig::new("", "[web]\nlisten = \"0.0.0.0:8080\"\n");
    let output = crate::support::command(&public.path(), &["check"])
        .env("CREDENTIALS_DIRECTORY", credentials.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let port = free_port();
    let test = TestConfig::new("", &format!("[web]\nlisten = \"127.0.0.1:{port}\"\n"));
    let log = test.dir.path().join("service.log");
    let mut service = service_command(&test.path());
    service.env("CREDENTIALS_DIRECTORY", credentials.path());
    let served = Served::spawned(service, port, &log).await;
    assert_eq!(fetch(&served.base, "/", None).await.status, 401);
    assert_eq!(fetch(&served.base, "/", Some(PASSWORD)).await.status, 401);
    assert_eq!(
        fetch(&served.base, "/", Some("from systemd")).await.status,
        200
    );
    served.stop();

    let port = free_port();
    let web = format!("listen = \"127.0.0.1:{port}\"\npassword_file = \"web-password\"");
    let test = web_config("", &web);
    let log = test.dir.path().join("service.log");
    let mut service = service_command(&test.path());
    service.env("CREDENTIALS_DIRECTORY", credentials.path());
    let served = Served::spawned(service, port, &log).await;
    assert_eq!(
        fetch(&served.base, "/", Some("from systemd")).await.status,
        401
    );
    assert_eq!(fetch(&served.base, "/", Some(PASSWORD)).await.status, 200);
    served.stop();
}

/// `[daemon] listen` and `[web] listen` on two ports: both serve `/healthz`; the daemon's port
/// serves only the monitoring routes, the web port the pages too.
#[tokio::test(flavor = "multi_thread")]
async fn daemon_and_web_listeners_on_two_ports_both_serve_healthz() {
    let (daemon_port, web_port) = (free_port(), free_port());
    let test = TestConfig::new(
        &format!("listen = \"127.0.0.1:{daemon_port}\""),
        &format!("[web]\nlisten = \"127.0.0.1:{web_port}\"\n"),
    );
    let log = test.dir.path().join("service.log");
    let web = Served::spawned(service_command(&test.path()), web_port, &log).await;
    let daemon = format!("http://127.0.0.1:{daemon_port}");
    wait_until_served(&format!("{daemon}/healthz"), &log).await;
    for base in [daemon.as_str(), web.base.as_str()] {
        let health = fetch(base, "/healthz", None).await;
        assert_eq!(
            (health.status, health.body.as_str()),
            (200, "ok\n"),
            "{base}"
        );
        assert_eq!(fetch(base, "/metrics", None).await.status, 200, "{base}");
    }
    let page = fetch(&web.base, "/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_eq!(fetch(&daemon, "/", None).await.status, 404);
    web.stop();
}

/// When `[daemon] listen` and `[web] listen` name the same address it is bound once (no
/// "address in use") and serves the pages, `/healthz` and `/metrics`.
#[tokio::test(flavor = "multi_thread")]
async fn one_address_for_daemon_and_web_is_served_once() {
    let port = free_port();
    let test = TestConfig::new(
        &format!("listen = \"127.0.0.1:{port}\""),
        &format!("[web]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    let log = test.dir.path().join("service.log");
    let served = Served::spawned(service_command(&test.path()), port, &log).await;
    assert_eq!(fetch(&served.base, "/healthz", None).await.status, 200);
    assert_eq!(fetch(&served.base, "/metrics", None).await.status, 200);
    let page = fetch(&served.base, "/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert_security_headers_of(&page);
    served.stop();
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains("cannot listen"), "{log}");
}

/// [`assert_security_headers`] for an answer over a socket.
fn assert_security_headers_of(answer: &Answer) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(answer.header(name), value, "{name}");
    }
}
