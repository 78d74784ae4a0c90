//! `/api/hits?topic=&since=&limit=`: the stored hits, newest first, as a JSON array of the
//! objects `hits --json` prints one per line ([`JsonHit`]), for scripts that reach newshound
//! over HTTP rather than through its database file.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{WebError, WebState};
use crate::store::{HitFilter, JsonHit};

/// Hits in an answer when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 100;

/// The most hits one answer holds: a script wanting more narrows by `since`.
pub const MAX_LIMIT: usize = 1000;

/// The parameters, all optional and read as text, so that a bad value gets a message naming
/// it.
#[derive(Debug, Default, Deserialize)]
pub struct HitsParams {
    /// Only this topic's hits; empty for all.
    topic: Option<String>,
    /// Only hits found in this period before now (`24h`, `7d`) or since this RFC 3339 time.
    since: Option<String>,
    /// At most this many, from 1 to [`MAX_LIMIT`].
    limit: Option<String>,
}

/// Why `/api/hits` answers with an error: a bad parameter gets a JSON message, as a script
/// expects; a failed read the error page.
#[derive(Debug)]
pub enum ApiError {
    /// A parameter is not understood; the message names it.
    BadParameter(String),
    /// The database could not be read.
    Web(WebError),
}

impl From<WebError> for ApiError {
    fn from(error: WebError) -> ApiError {
        ApiError::Web(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadParameter(message) => {
                let body = serde_json::json!({ "error": message }).to_string();
                json_response(StatusCode::BAD_REQUEST, body)
            }
            ApiError::Web(error) => error.into_response(),
        }
    }
}

/// `/api/hits`.
pub async fn hits(
    State(state): State<WebState>,
    Query(params): Query<HitsParams>,
) -> Result<Response, ApiError> {
    let filter = filter(params, Utc::now()).map_err(ApiError::BadParameter)?;
    let hits = state.reader.read(move |store| store.hits(&filter)).await?;
    let objects: Vec<JsonHit<'_>> = hits.iter().map(JsonHit::from).collect();
    // Plain strings, numbers and lists always serialise.
    let body = serde_json::to_string(&objects).unwrap_or_else(|_| "[]".into());
    Ok(json_response(StatusCode::OK, body))
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The hits `params` ask for at `now`, or the message saying which parameter is wrong.
fn filter(params: HitsParams, now: DateTime<Utc>) -> Result<HitFilter, String> {
    let limit = match params.limit.as_deref().map(str::trim) {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| format!("limit={text:?} is not a whole number from 1 to {MAX_LIMIT}"))?,
    };
    let since = match params.since.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(since(text, now)?),
    };
    Ok(HitFilter {
        topic: params.topic.filter(|t| !t.is_empty()),
        since,
        limit: Some(limit),
        ..HitFilter::default()
    })
}

/// `since` as a duration back from `now` (`24h`, `7d`) or an RFC 3339 time. A `+` of a time
/// zone offset that was not percent-encoded arrives as a space, and is read as the `+`.
fn since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(period) = humantime::parse_duration(text) {
        return back_from(now, period)
            .ok_or_else(|| format!("since={text:?} reaches back too far"));
    }
    DateTime::parse_from_rfc3339(&text.replace(' ', "+"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "since={text:?} is neither a period such as 24h or 7d nor an RFC 3339 time \
                 such as 2026-01-31T08:00:00Z"
            )
        })
}

/// `now` less `period`, if representable.
fn back_from(now: DateTime<Utc>, period: Duration) -> Option<DateTime<Utc>> {
    chrono::Duration::from_std(period)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn params(topic: Option<&str>, since: Option<&str>, limit: Option<&str>) -> HitsParams {
        HitsParams {
            topic: topic.map(str::to_owned),
            since: since.map(str::to_owned),
            limit: limit.map(str::to_owned),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap()
    }

    /// Each parameter as scripts write it: a period or a time (a `+` offset even when it
    /// arrived as a space), the default and largest limit, an empty topic as none.
    #[test]
    fn parameters_are_read_as_scripts_write_them() {
        let cases = [
            (params(None, None, None), None, None, DEFAULT_LIMIT),
            (
                params(Some("Arms deals"), Some("24h"), Some("5")),
                Some("Arms deals"),
                Some(Utc.with_ymd_and_hms(2026, 1, 31, 12, 0, 0).unwrap()),
                5,
            ),
            (
                params(Some(""), Some("7d"), Some("1000")),
                None,
                Some(Utc.with_ymd_and_hms(2026, 1, 25, 12, 0, 0).unwrap()),
                1000,
            ),
            (
                params(None, Some("2026-01-31T08:00:00Z"), Some("")),
                None,
                Some(Utc.with_ymd_and_hms(2026, 1, 31, 8, 0, 0).unwrap()),
                DEFAULT_LIMIT,
            ),
            (
                params(None, Some("2026-01-31T09:00:00 01:00"), None),
                None,
                Some(Utc.with_ymd_and_hms(2026, 1, 31, 8, 0, 0).unwrap()),
                DEFAULT_LIMIT,
            ),
        ];
        for (given, topic, since, limit) in cases {
            let seen = format!("{given:?}");
            let filter = filter(given, now()).unwrap();
            assert_eq!(filter.topic.as_deref(), topic, "{seen}");
            assert_eq!(filter.since, since, "{seen}");
            assert_eq!(filter.limit, Some(limit), "{seen}");
        }
    }

    /// A bad value is refused with a message naming the parameter and what it takes.
    #[test]
    fn bad_parameters_are_refused_with_a_message_naming_them() {
        let cases = [
            (params(None, None, Some("0")), "limit=\"0\""),
            (params(None, None, Some("1001")), "from 1 to 1000"),
            (params(None, None, Some("ten")), "limit=\"ten\""),
            (params(None, Some("yesterday"), None), "since=\"yesterday\""),
            (params(None, Some("2026-13-01"), None), "such as 24h or 7d"),
            (params(None, Some("500000y"), None), "too far"),
        ];
        for (given, expected) in cases {
            let seen = format!("{given:?}");
            let message = filter(given, now()).unwrap_err();
            assert!(message.contains(expected), "{seen}: {message}");
        }
    }
}
