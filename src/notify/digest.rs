//! When digests are due: each `[[digests]]` entry lists local times of day, days of the week and
//! a time zone. Pure; works on any `now`, so tests can walk across daylight-saving changes and
//! downtime without waiting.
//!
//! A digest covers the hits found after the slot it last covered up to its latest due slot. A
//! daemon that was down over several slots therefore sends one digest for all of them, not one
//! per missed slot.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::config::DigestSettings;

/// How far back the latest due slot is looked for: a week covers every weekday rule.
const LOOKBACK_DAYS: i64 = 8;

/// The latest slot of `digest` at or before `now`, in UTC; `None` only if it has no slot in the
/// last week (no times or no days).
pub fn latest_slot(digest: &DigestSettings, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&digest.timezone).date_naive();
    (0..=LOOKBACK_DAYS)
        .filter_map(|back| today.checked_sub_signed(Duration::days(back)))
        .flat_map(|day| slots_on(digest, day).into_iter().rev())
        .find(|slot| *slot <= now)
}

/// The first slot of `digest` after `after`, for "next digest at ..." messages.
pub fn next_slot(digest: &DigestSettings, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let today = after.with_timezone(&digest.timezone).date_naive();
    (0..=LOOKBACK_DAYS)
        .filter_map(|ahead| today.checked_add_signed(Duration::days(ahead)))
        .flat_map(|day| slots_on(digest, day))
        .find(|slot| *slot > after)
}

/// Whether a digest that last covered `last` is due at `now`, and for which slot.
pub fn due_slot(
    digest: &DigestSettings,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    latest_slot(digest, now).filter(|slot| *slot > last)
}

/// The slots of `digest` on the local day `day`, ascending, in UTC. A local time that does not
/// exist that day (skipped by a spring-forward change) is sent at the same clock time plus the
/// skipped hour; one that exists twice (autumn) is sent once, at its first occurrence.
fn slots_on(digest: &DigestSettings, day: NaiveDate) -> Vec<DateTime<Utc>> {
    if !digest.days.contains(&day.weekday()) {
        return Vec::new();
    }
    let mut slots: Vec<DateTime<Utc>> = digest
        .at
        .iter()
        .filter_map(|time| local_to_utc(digest, day.and_time(*time)))
        .collect();
    slots.sort_unstable();
    slots.dedup();
    slots
}

fn local_to_utc(digest: &DigestSettings, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let zone = digest.timezone;
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, Weekday};

    fn digest(at: &[&str], days: &[Weekday]) -> DigestSettings {
        DigestSettings {
            name: "Morning digest".into(),
            at: at
                .iter()
                .map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap())
                .collect(),
            timezone: chrono_tz::Europe::Berlin,
            days: days.to_vec(),
            to: vec![],
            send_empty: false,
            notify: vec![],
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    const EVERY_DAY: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// 07:30 Berlin is 05:30 UTC in summer and 06:30 UTC in winter, across the change.
    #[test]
    fn local_times_follow_daylight_saving() {
        let d = digest(&["07:30"], &EVERY_DAY);
        // Clocks went back on Sunday 2026-10-25.
        assert_eq!(
            latest_slot(&d, utc("2026-10-24T12:00:00Z")),
            Some(utc("2026-10-24T05:30:00Z"))
        );
        assert_eq!(
            latest_slot(&d, utc("2026-10-26T12:00:00Z")),
            Some(utc("2026-10-26T06:30:00Z"))
        );
        // Clocks went forward on Sunday 2026-03-29.
        assert_eq!(
            latest_slot(&d, utc("2026-03-28T12:00:00Z")),
            Some(utc("2026-03-28T06:30:00Z"))
        );
        assert_eq!(
            latest_slot(&d, utc("2026-03-29T12:00:00Z")),
            Some(utc("2026-03-29T05:30:00Z"))
        );
    }

    /// A slot inside the skipped hour is sent an hour later; a repeated hour sends once.
    #[test]
    fn skipped_and_repeated_local_times() {
        let d = digest(&["02:30"], &EVERY_DAY);
        // 2026-03-29 02:30 does not exist in Berlin: 03:30 CEST = 01:30 UTC.
        assert_eq!(
            latest_slot(&d, utc("2026-03-29T12:00:00Z")),
            Some(utc("2026-03-29T01:30:00Z"))
        );
        // 2026-10-25 02:30 exists twice: the first, CEST, is 00:30 UTC.
        assert_eq!(
            latest_slot(&d, utc("2026-10-25T12:00:00Z")),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            due_slot(&d, utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:45:00Z")),
            None
        );
    }

    /// After downtime over several slots, one digest is due: for the latest slot.
    #[test]
    fn downtime_gives_one_digest_for_the_latest_slot() {
        let d = digest(&["07:30", "17:00"], &EVERY_DAY);
        let last = utc("2026-11-20T16:00:00Z");
        let now = utc("2026-11-23T10:00:00Z");
        assert_eq!(due_slot(&d, last, now), Some(utc("2026-11-23T06:30:00Z")));
        // Once covered, nothing is due until the next slot.
        let covered = utc("2026-11-23T06:30:00Z");
        assert_eq!(due_slot(&d, covered, now), None);
        assert_eq!(next_slot(&d, now), Some(utc("2026-11-23T16:00:00Z")));
        assert_eq!(
            due_slot(&d, covered, utc("2026-11-23T16:00:00Z")),
            Some(utc("2026-11-23T16:00:00Z"))
        );
    }

    /// Only the listed weekdays have slots.
    #[test]
    fn weekdays_limit_the_slots() {
        let d = digest(
            &["07:30"],
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
        );
        // Sunday 2026-11-29 noon: the latest slot is Friday's.
        assert_eq!(
            latest_slot(&d, utc("2026-11-29T12:00:00Z")),
            Some(utc("2026-11-27T06:30:00Z"))
        );
        assert_eq!(
            next_slot(&d, utc("2026-11-29T12:00:00Z")),
            Some(utc("2026-11-30T06:30:00Z"))
        );
    }
}
