//! `newshound feeds`: every configured feed with its poll state, as a table.

use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, Local, Utc};

use newshound::store::{FeedState, Store};

/// Columns of the table.
const HEADER: [&str; 8] = [
    "NAME",
    "URL",
    "LAST POLL",
    "STATUS",
    "ITEMS",
    "ERRORS",
    "NEXT POLL",
    "LAST ERROR",
];

/// Prints the feeds of the config at `config_path`.
pub fn run(config_path: &Path) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    // A read-only command: a database that does not exist yet is not created.
    let store = if config.daemon.database.exists() {
        Some(Store::open(&config.daemon.database)?)
    } else {
        None
    };
    let mut rows = vec![HEADER.map(String::from)];
    for feed in &config.feeds {
        let state = match &store {
            Some(store) => store.feed_state(feed.url.as_str())?,
            None => None,
        };
        rows.push(feed_row(&feed.name, feed.url.as_str(), state.as_ref()));
    }
    print_table(&rows);
    Ok(ExitCode::SUCCESS)
}

fn feed_row(name: &str, url: &str, state: Option<&FeedState>) -> [String; 8] {
    let Some(s) = state else {
        return [name, url, "never", "-", "0", "0", "now", ""].map(String::from);
    };
    let status = match &s.disabled_reason {
        Some(_) => "disabled".to_owned(),
        None => s.last_status.clone().unwrap_or_else(|| "-".into()),
    };
    let next = if s.disabled_reason.is_some() {
        "never".to_owned()
    } else {
        local_time(Some(s.next_poll_at))
    };
    [
        name.to_owned(),
        s.url.clone(),
        local_time(s.last_polled_at),
        status,
        s.item_count.to_string(),
        s.consecutive_errors.to_string(),
        next,
        s.disabled_reason
            .clone()
            .or_else(|| s.last_error.clone())
            .unwrap_or_default(),
    ]
}

fn local_time(t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) if t.timestamp() > 0 => {
            t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
        }
        Some(_) => "now".into(),
        None => "never".into(),
    }
}

fn print_table(rows: &[[String; 8]]) {
    let mut widths = [0usize; 8];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
}
