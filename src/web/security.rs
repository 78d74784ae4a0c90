//! What every answer of the web pages goes through: only GET and HEAD are served, a password
//! (HTTP Basic) when `[web]` has one, and headers that keep a browser from running, framing or
//! leaking anything a feed slipped into a page.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use subtle::ConstantTimeEq;
use tokio::sync::watch;

use super::Site;

/// The Content-Security-Policy of every answer: no scripts at all, styles only from the
/// stylesheet, images only inline (the charts are inline SVG).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";

/// The realm a browser shows when it asks for the password.
const REALM: &str = "Basic realm=\"newshound\", charset=\"UTF-8\"";

/// `router` behind the method rule, the password and the headers.
pub fn wrap(router: Router, site: watch::Receiver<Arc<Site>>) -> Router {
    router
        .layer(middleware::from_fn_with_state(site, require_password))
        .layer(middleware::from_fn(only_get_and_head))
        .layer(middleware::map_response(with_security_headers))
}

/// 405 for anything but GET and HEAD: the pages only read.
pub async fn only_get_and_head(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let mut response = super::monitor::text(StatusCode::METHOD_NOT_ALLOWED, "use GET\n".into());
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

/// Asks for the password (any user name) on everything but `/healthz`, when one is set.
async fn require_password(
    axum::extract::State(site): axum::extract::State<watch::Receiver<Arc<Site>>>,
    request: Request,
    next: Next,
) -> Response {
    let password = site.borrow().settings.password.clone();
    match password {
        Some(password)
            if request.uri().path() != "/healthz"
                && !is_authorised(request.headers(), &password) =>
        {
            let mut response = (StatusCode::UNAUTHORIZED, "password required\n").into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(REALM));
            response
        }
        _ => next.run(request).await,
    }
}

/// Whether the request's Basic credentials carry `password`. The comparison takes the same
/// time wherever the first wrong byte is, so the password cannot be guessed byte by byte.
pub fn is_authorised(headers: &HeaderMap, password: &str) -> bool {
    let Some(given) = basic_password(headers) else {
        return false;
    };
    bool::from(given.as_bytes().ct_eq(password.as_bytes()))
}

/// The password part of a `Basic` Authorization header.
fn basic_password(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_user, password) = text.split_once(':')?;
    Some(password.to_owned())
}

/// The headers every answer carries.
async fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
