//! Parsers for the human-written values of a config: durations, sizes, times of day, weekdays,
//! time zones and email addresses. Each returns a lower-case message on error.

use std::time::Duration;

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;

/// Smallest duration that is not zero, the floor of timeouts and other "must be positive" values.
pub(super) const NOT_ZERO: Duration = Duration::from_nanos(1);

pub(super) fn parse_timezone(zone: &str) -> Result<Tz, String> {
    zone.trim().parse::<Tz>().map_err(|_| {
        format!(
            "unknown time zone {zone:?}; expected an IANA name such as \"Europe/Berlin\" or \"UTC\""
        )
    })
}

/// Parses a human duration such as `"30s"`, `"15m"`, `"1h 30m"` or `"180d"` (humantime syntax).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|error| {
        format!(
            "invalid duration {text:?}: {error}; write e.g. \"30s\", \"15m\", \"24h\" or \"180d\""
        )
    })
}

pub(super) fn parse_duration_at_least(text: &str, min: Duration) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration >= min {
        Ok(duration)
    } else if min == NOT_ZERO {
        Err("must be longer than zero".to_string())
    } else {
        let min = humantime::format_duration(min);
        Err(format!("must be at least {min}"))
    }
}

/// Parses a size such as `"5MiB"`, `"512KB"`, `"1.5 GB"` or `"1024"` into bytes: KB, MB, GB and
/// TB are powers of 1000, KiB, MiB, GiB and TiB powers of 1024, B or no unit means bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let invalid =
        || format!("invalid size {text:?}; write e.g. \"5MiB\", \"512KB\" or a number of bytes");
    let trimmed = text.trim();
    let unit_start = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(unit_start);
    let multiplier = size_unit(unit.trim()).ok_or_else(invalid)?;
    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(multiplier)
            .ok_or_else(|| format!("size {text:?} is too large"));
    }
    let fraction = number.parse::<f64>().map_err(|_| invalid())?;
    let bytes = (fraction * multiplier as f64).round();
    if bytes.is_finite() && bytes < u64::MAX as f64 {
        Ok(bytes as u64)
    } else {
        Err(format!("size {text:?} is too large"))
    }
}

fn size_unit(unit: &str) -> Option<u64> {
    let multiplier = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "mb" => 1000_u64.pow(2),
        "gb" => 1000_u64.pow(3),
        "tb" => 1000_u64.pow(4),
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    Some(multiplier)
}

/// Parses a local time of day written `"HH:MM"` (24-hour clock).
pub fn parse_time(text: &str) -> Result<NaiveTime, String> {
    let invalid = || format!("invalid time {text:?}; write a 24-hour time such as \"07:30\"");
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(invalid)?;
    let is_number =
        |part: &str| (1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
    if !is_number(hours) || minutes.len() != 2 || !is_number(minutes) {
        return Err(invalid());
    }
    let hours = hours.parse().map_err(|_| invalid())?;
    let minutes = minutes.parse().map_err(|_| invalid())?;
    NaiveTime::from_hms_opt(hours, minutes, 0).ok_or_else(invalid)
}

/// Parses a weekday written short (`"mon"`) or in full (`"Monday"`), in any case.
pub fn parse_weekday(text: &str) -> Result<Weekday, String> {
    let day = match text.trim().to_ascii_lowercase().as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => {
            return Err(format!(
                "invalid weekday {text:?}; write \"mon\" .. \"sun\" or the full English name"
            ));
        }
    };
    Ok(day)
}

/// Whether `text` is an email address as people write it: `alerts@example.org`,
/// `newshound <alerts@example.org>`, `"Last, First" <jane@example.org>`, or a display name in
/// any script. The rule is lettre's parser of an RFC 5322 mailbox, the one the emails are built
/// with, so an address that passes here can be sent; a typo (no `@`, a space in the address, a
/// domain ending in a dot, an unquoted comma) does not pass.
pub fn is_valid_address(text: &str) -> bool {
    text.parse::<lettre::message::Mailbox>().is_ok()
}

/// `address` unchanged if it is one ([`is_valid_address`]), else the error naming it.
pub(super) fn parse_address(address: String) -> Result<String, String> {
    if is_valid_address(&address) {
        Ok(address)
    } else {
        Err(invalid_address(&address))
    }
}

/// The error for text that is no address, with the forms that are (the last as a TOML literal
/// string, which needs no escaped quotes).
pub(super) fn invalid_address(address: &str) -> String {
    format!(
        "invalid email address {address:?}; write \"alerts@example.org\", \
         \"Name <alerts@example.org>\" or, for a name with a comma, \
         '\"Last, First\" <alerts@example.org>'"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::sections::MIN_POLL_INTERVAL;

    /// The documented duration examples are accepted.
    #[test]
    fn human_durations_parse() {
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(
            parse_duration("180d"),
            Ok(Duration::from_secs(180 * 86_400))
        );
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5_400)));
    }

    /// A duration without a unit or with an unknown one is refused with an example.
    #[test]
    fn durations_without_known_units_are_refused() {
        for text in ["15", "15x", "", "fifteen minutes"] {
            let error = parse_duration(text).expect_err(text);
            assert!(error.contains("invalid duration"), "{error}");
        }
    }

    /// Intervals under the one-minute floor are refused, naming the floor.
    #[test]
    fn interval_below_minimum_is_refused() {
        let error = parse_duration_at_least("30s", MIN_POLL_INTERVAL).unwrap_err();
        assert_eq!(error, "must be at least 1m");
        assert_eq!(
            parse_duration_at_least("0s", NOT_ZERO).unwrap_err(),
            "must be longer than zero"
        );
    }

    /// Decimal and binary units, spaces, fractions and plain bytes all parse to bytes.
    #[test]
    fn human_sizes_parse() {
        assert_eq!(parse_size("5MiB"), Ok(5 * 1024 * 1024));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("2 kib"), Ok(2048));
        assert_eq!(parse_size("1.5MB"), Ok(1_500_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("10B"), Ok(10));
    }

    /// Unknown units, missing numbers and overflow are refused.
    #[test]
    fn bad_sizes_are_refused() {
        for text in ["5XB", "MiB", "", "-5MB", "1.2.3MB"] {
            assert!(parse_size(text).is_err(), "{text:?} was accepted");
        }
        assert!(
            parse_size("99999999999TiB")
                .unwrap_err()
                .contains("too large")
        );
    }

    /// Times are 24-hour `HH:MM`; a single-digit hour is tolerated, other shapes are not.
    #[test]
    fn times_of_day_parse() {
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("07:30"), Ok(time(7, 30)));
        assert_eq!(parse_time("7:30"), Ok(time(7, 30)));
        assert_eq!(parse_time("23:59"), Ok(time(23, 59)));
        for text in [
            "24:00", "12:60", "7:5", "0730", "07:30:00", "7.30", "-1:00", "",
        ] {
            assert!(parse_time(text).is_err(), "{text:?} was accepted");
        }
    }

    /// Weekdays are accepted short or long in any case.
    #[test]
    fn weekdays_parse() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("Sunday"), Ok(Weekday::Sun));
        assert_eq!(parse_weekday("THU"), Ok(Weekday::Thu));
        assert!(parse_weekday("mo").is_err());
        assert!(parse_weekday("montag").is_err());
    }

    /// The address check catches the usual typos.
    #[test]
    fn simple_address_check() {
        assert!(is_valid_address("alerts@example.org"));
        assert!(is_valid_address("a.b+news@mail.example.co.uk"));
        for address in [
            "example.org",
            "@example.org",
            "a@",
            "a@@b",
            "a b@c.d",
            "a@.c",
            "a@c.",
        ] {
            assert!(!is_valid_address(address), "{address:?} was accepted");
        }
    }

    /// Every RFC 5322 form people write passes (papercut 1 of issue 13); a list, a name with
    /// an unquoted comma or text around the address does not.
    #[test]
    fn addresses_take_the_forms_people_write() {
        for address in [
            "newshound <alerts@example.org>",
            "\"Doe, Jane\" <jane@example.org>",
            "Jürgen Weiß <jw@example.org>",
            "<alerts@example.org>",
            "analyst@localhost",
        ] {
            assert!(is_valid_address(address), "{address:?} was refused");
        }
        for address in [
            "Doe, Jane <jane@example.org>",
            "a@example.org, b@example.org",
            "Name <alerts@example.org",
            "Name alerts@example.org",
            "Name <alerts@example.org> x",
        ] {
            assert!(!is_valid_address(address), "{address:?} was accepted");
        }
    }
}
