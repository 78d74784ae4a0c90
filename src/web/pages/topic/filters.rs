//! The topic page's filters (language, period, backfill) and where a page starts: read from
//! the address's query, written back into the links of the pager, and offered as a GET form.

use chrono::{DateTime, Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use crate::store::HitFilter;
use crate::web::layout;
use crate::web::{Site, WebError};

/// The languages offered by the filter when the topic watches every language.
const COMMON_LANGUAGES: [&str; 8] = ["de", "en", "es", "fr", "it", "nl", "pl", "pt"];

/// The address's query, as given: every value is checked by [`Filters::parse`], so that a bad
/// one gets this site's error page rather than the framework's.
#[derive(Debug, Default, Deserialize)]
pub(in crate::web::pages) struct TopicQuery {
    /// An ISO 639-1 code; empty or absent for every language.
    pub(super) language: Option<String>,
    /// `24h`, `7d`, `30d` or `all` (the default).
    pub(super) period: Option<String>,
    /// `all` (the default), `new` (found as the articles came in) or `backfill`.
    pub(super) backfill: Option<String>,
    /// `SECONDS:ID`, the key of the last hit of the previous page.
    pub(super) before: Option<String>,
}

/// A filter with a few named choices: parsed from the address, written back into it, and
/// offered as a `<select>`.
trait Choice: Copy + PartialEq + 'static {
    /// Its name in the address.
    const NAME: &'static str;
    /// Every choice, in the order offered.
    const ALL: &'static [Self];
    /// This choice's value in the address.
    fn value(self) -> &'static str;
    /// What the form shows for it.
    fn label(self) -> &'static str;
}

/// How far back the page looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Day,
    Week,
    Month,
    All,
}

impl Choice for Period {
    const NAME: &'static str = "period";
    const ALL: &'static [Period] = &[Period::Day, Period::Week, Period::Month, Period::All];

    fn value(self) -> &'static str {
        match self {
            Period::Day => "24h",
            Period::Week => "7d",
            Period::Month => "30d",
            Period::All => "all",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Period::Day => "last 24 hours",
            Period::Week => "last 7 days",
            Period::Month => "last 30 days",
            Period::All => "all time",
        }
    }
}

impl Period {
    /// The earliest time a hit may have been found, from `now`.
    fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let back = match self {
            Period::Day => Duration::hours(24),
            Period::Week => Duration::days(7),
            Period::Month => Duration::days(30),
            Period::All => return None,
        };
        now.checked_sub_signed(back)
    }
}

/// Which hits by how they were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Any,
    AsTheyCameIn,
    Backfilled,
}

impl Choice for Found {
    const NAME: &'static str = "backfill";
    const ALL: &'static [Found] = &[Found::Any, Found::AsTheyCameIn, Found::Backfilled];

    fn value(self) -> &'static str {
        match self {
            Found::Any => "all",
            Found::AsTheyCameIn => "new",
            Found::Backfilled => "backfill",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Found::Any => "all",
            Found::AsTheyCameIn => "only new",
            Found::Backfilled => "only backfilled",
        }
    }
}

impl Found {
    /// The store's condition on `backfill`.
    fn backfill(self) -> Option<bool> {
        match self {
            Found::Any => None,
            Found::AsTheyCameIn => Some(false),
            Found::Backfilled => Some(true),
        }
    }
}

/// The page's filters and where it starts, checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Filters {
    /// Only stories whose lead is in this language.
    language: Option<String>,
    /// How far back.
    period: Period,
    /// Which hits by how they were found.
    found: Found,
    /// The key of the last hit of the previous page; `None` on the first page.
    pub(super) before: Option<(DateTime<Utc>, i64)>,
}

impl Filters {
    /// The filters of `query`; a value that is not one of the page's is refused, naming it.
    pub(super) fn parse(query: &TopicQuery) -> Result<Filters, WebError> {
        let language = given(&query.language).map(language_code).transpose()?;
        let period: Option<Period> = choice(given(&query.period))?;
        let found: Option<Found> = choice(given(&query.backfill))?;
        let before = given(&query.before).map(parse_cursor).transpose()?;
        Ok(Filters {
            language,
            period: period.unwrap_or(Period::All),
            found: found.unwrap_or(Found::Any),
            before,
        })
    }

    /// What the store reads: at most `limit` hits of `topic`.
    pub(super) fn hit_filter(&self, topic: &str, now: DateTime<Utc>, limit: usize) -> HitFilter {
        HitFilter {
            topic: Some(topic.to_owned()),
            since: self.period.since(now),
            limit: Some(limit),
            before: self.before,
            language: self.language.clone(),
            backfill: self.found.backfill(),
            story: None,
        }
    }

    /// The address of this topic's page with these filters, starting after `before`.
    pub(super) fn address(&self, topic: &str, before: Option<(DateTime<Utc>, i64)>) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(language) = &self.language {
            query.append_pair("language", language);
        }
        if self.period != Period::All {
            query.append_pair("period", self.period.value());
        }
        if self.found != Found::Any {
            query.append_pair("backfill", self.found.value());
        }
        if let Some((created_at, id)) = before {
            query.append_pair("before", &format!("{}:{id}", created_at.timestamp()));
        }
        let query = query.finish();
        let path = layout::topic_path(topic);
        if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        }
    }
}

/// A value of the address's query, unless it is empty (a form sends empty fields).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// An ISO 639 code of two or three letters, in lower case.
fn language_code(given: &str) -> Result<String, WebError> {
    let code = given.to_ascii_lowercase();
    if (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(code)
    } else {
        Err(WebError::BadRequest(format!(
            "language {given:?} is not a language code"
        )))
    }
}

/// The choice whose address value is `given`, if one is given.
fn choice<T: Choice>(given: Option<&str>) -> Result<Option<T>, WebError> {
    let Some(given) = given else {
        return Ok(None);
    };
    T::ALL
        .iter()
        .copied()
        .find(|option| option.value() == given)
        .map(Some)
        .ok_or_else(|| {
            let known: Vec<&str> = T::ALL.iter().map(|o| o.value()).collect();
            WebError::BadRequest(format!(
                "{} {given:?} is not one of {}",
                T::NAME,
                known.join(", ")
            ))
        })
}

/// A `<select>` of every choice of `T`, `chosen` selected.
fn select<T: Choice>(label: &str, chosen: T) -> Markup {
    html! {
        label {
            (label)
            select name=(T::NAME) {
                @for &option in T::ALL {
                    option value=(option.value()) selected[option == chosen] { (option.label()) }
                }
            }
        }
    }
}

/// `SECONDS:ID`, the key of a hit in the newest-first order.
fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, i64), WebError> {
    let bad = || WebError::BadRequest(format!("before {cursor:?} is not SECONDS:ID"));
    let (seconds, id) = cursor.split_once(':').ok_or_else(bad)?;
    let seconds: i64 = seconds.parse().map_err(|_| bad())?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp(seconds, 0).ok_or_else(bad)?;
    Ok((at, id))
}

/// The filters as a GET form, which works without scripts; it starts again at the newest.
pub(super) fn form(site: &Site, topic: &str, filters: &Filters) -> Markup {
    let mut languages: Vec<String> = site
        .topics
        .topics()
        .iter()
        .find(|t| t.name == topic)
        .map(|t| t.languages.clone())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| COMMON_LANGUAGES.map(str::to_owned).to_vec());
    if let Some(chosen) = &filters.language
        && !languages.contains(chosen)
    {
        languages.push(chosen.clone());
    }
    html! {
        form.filters method="get" action=(layout::topic_path(topic)) {
            label {
                "Language"
                select name="language" {
                    option value="" selected[filters.language.is_none()] { "any" }
                    @for code in &languages {
                        option value=(code) selected[filters.language.as_ref() == Some(code)] {
                            (code)
                        }
                    }
                }
            }
            (select("Period", filters.period))
            (select("Backfilled hits", filters.found))
            button type="submit" { "Show" }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// The filters round-trip through the address, the default ones left out, and a value
    /// the page does not know is refused with its name.
    #[test]
    fn filters_round_trip_through_the_address() {
        let query = TopicQuery {
            language: Some("DE".into()),
            period: Some("7d".into()),
            backfill: Some("backfill".into()),
            before: None,
        };
        let filters = Filters::parse(&query).unwrap();
        let before = Some((Utc.timestamp_opt(1_700_000_000, 0).unwrap(), 42));
        assert_eq!(
            filters.address("Arms deals", before),
            "/topics/Arms%20deals?language=de&period=7d&backfill=backfill&before=1700000000%3A42"
        );
        assert_eq!(
            Filters::parse(&TopicQuery::default())
                .unwrap()
                .address("t", None),
            "/topics/t"
        );
        let bad = TopicQuery {
            period: Some("1y".into()),
            ..TopicQuery::default()
        };
        let error = Filters::parse(&bad).unwrap_err().to_string();
        assert_eq!(error, "period \"1y\" is not one of 24h, 7d, 30d, all");
        let bad = TopicQuery {
            before: Some("yesterday".into()),
            ..TopicQuery::default()
        };
        assert!(Filters::parse(&bad).is_err());
    }
}
