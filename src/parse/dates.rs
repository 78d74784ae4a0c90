//! feed-rs's lenient timestamp reading, done again for the item cap ([`super::cap`]), which must
//! rank items by the dates feed-rs would give them before feed-rs has seen them. feed-rs keeps its
//! reader private; this follows its three attempts (RFC 3339, RFC 2822, RFC 1123) and their
//! regex fixes step by step, in plain string code, and a test holds the two equal on a table of
//! odd dates.

use chrono::{DateTime, Utc};

/// Month abbreviations as RFC 2822 writes them.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Weekday abbreviations as RFC 2822 writes them.
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// The timestamp feed-rs would read from `text`, or `None` where it reads none.
///
/// A date that is already valid RFC 3339 or RFC 2822 is read as it is: feed-rs's fixes do not
/// change what such a date says, and a feed of many items is worth the shortcut.
pub(super) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let trimmed = text.trim();
    DateTime::parse_from_rfc3339(trimmed)
        .or_else(|_| DateTime::parse_from_rfc2822(trimmed))
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| lenient(text))
}

/// feed-rs's three attempts, in its order.
fn lenient(text: &str) -> Option<DateTime<Utc>> {
    rfc3339_lenient(text)
        .or_else(|| rfc2822_lenient(text))
        .or_else(|| rfc1123_lenient(text))
}

/// RFC 3339, with a colon put into a `+hhmm` offset and a bare date taken as midnight UTC.
fn rfc3339_lenient(original: &str) -> Option<DateTime<Utc>> {
    let mut text = original.trim().to_string();
    if let Some(sign) = find_from(&text, 0, |s, at| {
        s[at..].starts_with(['+', '-']) && digits_at(s, at + 1, 4)
    }) {
        text.insert(sign + 3, ':');
    }
    let len = text.len();
    if len >= 3 && text.as_bytes()[len - 3] == b'-' && digits_at(&text, len - 2, 2) {
        text.push_str("T00:00:00+00:00");
    }
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// RFC 2822 after feed-rs's fixes, each applied to the first place it fits: `UTC` (or a final
/// `-0000`) as `+0000`, the weekday dropped, long month names cut, month-day-year turned round,
/// hour 24 as 00, and single-digit hours padded.
fn rfc2822_lenient(original: &str) -> Option<DateTime<Utc>> {
    let mut text = original.trim().to_string();
    let utc = text.find("UTC").map(|at| at..at + 3);
    let minus_zero = text.ends_with("-0000").then(|| text.len() - 5..text.len());
    if let Some(range) = [utc, minus_zero]
        .into_iter()
        .flatten()
        .min_by_key(|r| r.start)
    {
        text.replace_range(range, "+0000");
    }
    if let Some((at, end)) = first_match(&text, weekday_with_comma) {
        text.replace_range(at..end, "");
    }
    if let Some((at, end)) = first_match(&text, |s, at| {
        month_at(s, at).map(|m| m + letters_len(&s[m..]))
    }) {
        text.replace_range(at + 3..end, "");
    }
    if let Some((at, (day, year, end))) = first_match(&text, month_day_year) {
        let turned = format!(
            "{} {} {}",
            &text[day..year - 1],
            &text[at..at + 3],
            &text[year..end]
        );
        text.replace_range(at..end, &turned);
    }
    if let Some(at) = text.find(" 24:") {
        text.replace_range(at..at + 4, " 00:");
    }
    if let Some(at) = find_from(&text, 0, |s, at| {
        s[at..].starts_with(' ') && digits_at(s, at + 1, 1) && s[at + 2..].starts_with(':')
    }) {
        text.insert(at + 1, '0');
    }
    DateTime::parse_from_rfc2822(&text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// RFC 1123 without the weekday, with a final ` Z` as `+0000`.
fn rfc1123_lenient(original: &str) -> Option<DateTime<Utc>> {
    let mut text = original.trim().to_string();
    if text.ends_with(" Z") {
        text.replace_range(text.len() - 2.., " +0000");
    }
    let bytes = text.as_bytes();
    if bytes.len() >= 5 && bytes[..3].iter().all(u8::is_ascii_alphabetic) && &bytes[3..5] == b", " {
        text.replace_range(..5, "");
    }
    DateTime::parse_from_str(&text, "%d %b %Y %H:%M:%S %z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The first byte position from `from` on (at a character boundary) where `fits` holds.
fn find_from(text: &str, from: usize, fits: impl Fn(&str, usize) -> bool) -> Option<usize> {
    (from..text.len()).find(|&at| text.is_char_boundary(at) && fits(text, at))
}

/// The leftmost match of a pattern given as "what a match starting at `at` found, if any".
fn first_match<T>(text: &str, match_at: impl Fn(&str, usize) -> Option<T>) -> Option<(usize, T)> {
    (0..text.len())
        .filter(|&at| text.is_char_boundary(at))
        .find_map(|at| match_at(text, at).map(|end| (at, end)))
}

/// True when `count` ASCII digits start at byte `at`.
fn digits_at(text: &str, at: usize, count: usize) -> bool {
    text.as_bytes()
        .get(at..at + count)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// How many ASCII lower-case letters `text` starts with.
fn letters_len(text: &str) -> usize {
    text.bytes().take_while(u8::is_ascii_lowercase).count()
}

/// The end of a month abbreviation starting at `at`.
fn month_at(text: &str, at: usize) -> Option<usize> {
    MONTHS
        .iter()
        .any(|m| text[at..].starts_with(m))
        .then_some(at + 3)
}

/// The end of `Weekday[a-z]*, ` starting at `at`.
fn weekday_with_comma(text: &str, at: usize) -> Option<usize> {
    if !WEEKDAYS.iter().any(|d| text[at..].starts_with(d)) {
        return None;
    }
    let after = at + 3 + letters_len(&text[at + 3..]);
    text[after..].starts_with(", ").then_some(after + 2)
}

/// Where `Mon D(D) YYYY` starting at `at` has its day and year, and where it ends.
fn month_day_year(text: &str, at: usize) -> Option<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let day = month_at(text, at)? + 1;
    if bytes.get(day - 1) != Some(&b' ') {
        return None;
    }
    let day_len = bytes[day..]
        .iter()
        .take(2)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let year = day + day_len + 1;
    let fits = day_len > 0 && bytes.get(year - 1) == Some(&b' ') && digits_at(text, year, 4);
    fits.then_some((day, year, year + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What feed-rs itself reads from `text` as an RSS 2.0 `<pubDate>`.
    fn feed_rs_reading(text: &str) -> Option<DateTime<Utc>> {
        let doc = format!(
            "<rss version=\"2.0\"><channel><item><pubDate>{text}</pubDate></item></channel></rss>"
        );
        let feed = feed_rs::parser::parse(doc.as_bytes()).expect("a well-formed document");
        feed.entries[0].published
    }

    /// The cap ranks items by the same dates feed-rs gives them, odd forms included.
    #[test]
    fn timestamps_read_as_feed_rs_reads_them() {
        let rows = [
            "2024-01-05T10:00:00Z",
            "2024-01-05T10:00:00+0100",
            "2024-01-05T10:00:00.123-05:00",
            "2024-01-05",
            " 2024-01-05T10:00:00Z ",
            "Tue, 10 Jun 2003 04:00:00 GMT",
            "Tue, 10 Jun 2003 04:00:00 +0200",
            "10 Jun 2003 04:00:00 GMT",
            "Tuesday, 10 June 2003 04:00:00 GMT",
            "Thurs, 13 Jul 2011 07:38:00 GMT",
            "Wed, 25 Aug 2012 10:00:00 UTC",
            "Wed, 25 Aug 2012 10:00:00 -0000",
            "Wed, Aug 25 2012 10:00:00 +0000",
            "Wed, 25 Aug 2012 24:10:00 +0000",
            "Wed, 25 Aug 2012 9:10:00 +0000",
            "Tue, 15 Nov 2022 20:15:04 Z",
            "Mon, 01 Sep 2025 10:00:00 EST",
            "01 Sep 2025",
            "yesterday",
            "",
            "2025-13-45",
            "Sat, 5 March 2011 1:02:03 UTC",
            "Montag, 1 Sep 2025 10:00:00 +0200",
            "Mär 2025",
            "Wed, 10 Jun 2003 04:00:00 GMT",
            "Tue, 10 Jun 2003 04:00:00 UT",
            "Tue, 10 Jun 2003 4:00:00 +0000",
            "2003-06-10T04:00:00+02:00",
            "2003-06-10 04:00:00Z",
        ];
        for text in rows {
            assert_eq!(parse_timestamp(text), feed_rs_reading(text), "{text:?}");
        }
    }
}
