//! "Feed broken" and "recovered" reports to the admin channels (the admin address by default): a configured feed whose current
//! run of failed polls began longer ago than `[daemon] feed_failure_alert_after` is reported
//! once; when it works again after such a report, its recovery is reported once. Each email goes
//! into the outbox in the transaction that records it against the feed
//! ([`Store::enqueue_feed_alert`]), so it is never lost nor sent twice.
//!
//! Everything shown comes from the feed row (name, URL, last error: partly from the network),
//! so it goes through the renderer's sanitiser ([`one_line_within`]: one line, no control or
//! bidi characters, cut) and is escaped in the HTML part.

use chrono::{DateTime, Utc};
use html_escape::encode_safe;

use super::channels::Notice;
use super::compose::{envelope_address, finish};
use super::queue::{Target, outgoing, targets};
use super::render::sanitize::one_line_within;
use super::render::{Rendered, SUBJECT_MAX};
use crate::config::NotifySettings;
use crate::store::{FeedAlert, FeedAlertKind, NewMessage, Store, StoreError};

/// Longest error text quoted in an email; a server's error page can be long.
const MAX_ERROR_CHARS: usize = 500;

/// Queues every broken and recovered report due at `now`, to every admin channel; returns how
/// many reports were queued.
pub fn queue_feed_alerts(
    store: &mut Store,
    settings: &NotifySettings,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let health = &settings.feed_health;
    let targets = targets(settings, health.admin.as_slice(), &health.channels);
    if targets.is_empty() {
        return Ok(0);
    }
    let threshold = chrono::Duration::from_std(health.alert_after).unwrap_or(chrono::Duration::MAX);
    let began_before = now.checked_sub_signed(threshold).unwrap_or(now);
    let mut alerts = store.feeds_to_report_broken(began_before)?;
    alerts.extend(store.feeds_to_report_recovered()?);
    let mut queued = 0;
    for alert in alerts
        .iter()
        .filter(|a| health.feeds.contains(&a.config_url))
    {
        if queue_one(store, settings, &targets, alert, now)? {
            queued += 1;
            tracing::warn!(feed = %alert.name, url = %alert.url, kind = alert.kind.outbox_kind(), "feed health report queued");
        }
    }
    Ok(queued)
}

/// Queues one report to every target, in one transaction with its record against the feed;
/// false when it was already reported.
fn queue_one(
    store: &mut Store,
    settings: &NotifySettings,
    targets: &[Target<'_>],
    alert: &FeedAlert,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let rendered = render(alert);
    let from = settings.email.sender();
    let envelope_from = envelope_address(&from);
    let outgoing = outgoing(targets, &Notice::Feed(alert));
    let base = NewMessage {
        kind: alert.kind.outbox_kind(),
        channel: "",
        name: None,
        recipient: "",
        sender: "",
        subject: "",
        hit_ids: &[],
        digest_slot: None,
    };
    let messages: Vec<NewMessage> = outgoing
        .iter()
        .map(|out| out.row(&base, &envelope_from, &rendered.subject))
        .collect();
    let id = store.enqueue_feed_alert(alert, &messages, now, |index, outbox_id| {
        outgoing[index].finish(outbox_id, now, |mailbox| {
            finish(&rendered, &from, mailbox, outbox_id, now, &[])
        })
    })?;
    Ok(id.is_some())
}

/// Subject, plain text and HTML of one report.
pub fn render(alert: &FeedAlert) -> Rendered {
    let name = one_line_within(&alert.name, 200);
    let lines = facts(alert);
    let lead = lead(alert.kind);
    let subject = match alert.kind {
        FeedAlertKind::Broken => format!("[newshound] Feed broken: {name}"),
        FeedAlertKind::Recovered => format!("[newshound] Feed recovered: {name}"),
    };
    let mut text = format!("{lead}\n\n");
    for (label, value) in &lines {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str("\n-- \nnewshound feed health\n");
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n</head>\n<body>\n",
    );
    html.push_str(&format!("<p>{}</p>\n<table>\n", encode_safe(&lead)));
    for (label, value) in &lines {
        html.push_str(&format!(
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>\n",
            encode_safe(label),
            encode_safe(value)
        ));
    }
    html.push_str("</table>\n<p>newshound feed health</p>\n</body>\n</html>\n");
    Rendered {
        subject: one_line_within(&subject, SUBJECT_MAX),
        text,
        html,
    }
}

/// The sentence a report opens with, the same in every channel.
pub(crate) fn lead(kind: FeedAlertKind) -> &'static str {
    match kind {
        FeedAlertKind::Broken => {
            "This feed has been failing; newshound keeps polling it and will tell you once it \
             works again."
        }
        FeedAlertKind::Recovered => "This feed, reported broken before, works again.",
    }
}

/// The facts shown, as (label, one-line value) pairs; the channels show the same.
pub(crate) fn facts(alert: &FeedAlert) -> Vec<(&'static str, String)> {
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or_else(
            || "unknown".to_string(),
            |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
        )
    };
    let mut lines = vec![
        ("Feed", one_line_within(&alert.name, 200)),
        ("URL", one_line_within(&alert.url, 2000)),
    ];
    match alert.kind {
        FeedAlertKind::Broken => {
            lines.push(("Failing since", time(alert.failing_since)));
            lines.push(("Failed polls", alert.failed_polls.to_string()));
            lines.push(("Last attempt", time(alert.last_polled_at)));
            let error = alert.last_error.as_deref().unwrap_or("unknown");
            lines.push(("Last error", one_line_within(error, MAX_ERROR_CHARS)));
        }
        FeedAlertKind::Recovered => {
            lines.push(("Reported broken at", time(alert.broken_reported_at)));
            lines.push(("Working again at", time(alert.last_polled_at)));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: FeedAlertKind) -> FeedAlert {
        FeedAlert {
            kind,
            feed_id: 1,
            config_url: "http://x.example/f".into(),
            url: "http://x.example/f?a=1&b=<2>".into(),
            name: "Evil <script>alert(1)</script>\r\nBcc: victim@example.org".into(),
            failing_since: Some(DateTime::from_timestamp(1_795_773_600, 0).unwrap()),
            last_error: Some("HTTP 500 <b>boom</b>".into()),
            failed_polls: 7,
            last_polled_at: Some(DateTime::from_timestamp(1_795_900_000, 0).unwrap()),
            broken_reported_at: None,
        }
    }

    /// Whatever the feed row holds is escaped in HTML and cannot break the subject line.
    #[test]
    fn feed_values_are_escaped_and_kept_on_one_line() {
        let r = render(&alert(FeedAlertKind::Broken));
        assert!(
            !r.subject.contains('\n') && !r.subject.contains('\r'),
            "{}",
            r.subject
        );
        assert!(r.subject.starts_with("[newshound] Feed broken: Evil"));
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(!r.html.contains("<b>boom"), "{}", r.html);
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
        for fact in [
            "Failing since: 2026-11-27 10:00 UTC",
            "Failed polls: 7",
            "Last error: HTTP 500 <b>boom</b>",
        ] {
            assert!(r.text.contains(fact), "{fact} missing:\n{}", r.text);
        }
        let recovered = render(&alert(FeedAlertKind::Recovered));
        assert!(
            recovered
                .subject
                .starts_with("[newshound] Feed recovered: ")
        );
    }
}
