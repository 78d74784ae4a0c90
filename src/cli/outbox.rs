//! `newshound outbox`: the newest messages of the outbox (emails and channel messages), with
//! their status, attempts and the answer or the last error. Channel messages show the
//! channel's name, never its URL or secrets (the answers are cleaned of them when recorded).

use std::path::Path;
use std::process::ExitCode;

use chrono::Local;

use newshound::config::EMAIL_CHANNEL;
use newshound::store::Store;

/// Arguments of `outbox`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many to show.
    #[arg(long, default_value_t = 30)]
    limit: usize,
}

/// Prints the newest messages of the outbox.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    let limit = args.limit;
    if !config.daemon.database.exists() {
        println!("no database yet at {}", config.daemon.database.display());
        return Ok(ExitCode::SUCCESS);
    }
    let store = Store::open(&config.daemon.database)?;
    let messages = store.outbox_entries(limit)?;
    if messages.is_empty() {
        println!("the outbox is empty");
    }
    for m in messages {
        let when = m.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M");
        let to = if m.channel == EMAIL_CHANNEL {
            m.recipient.clone()
        } else {
            format!("channel {}", m.channel)
        };
        println!(
            "#{} {when}  {:<7}  {}  {} attempt{}  {}",
            m.id,
            m.status,
            to,
            m.attempts,
            if m.attempts == 1 { "" } else { "s" },
            m.subject
        );
        match (&m.answer, &m.last_error) {
            (Some(answer), _) if m.status == "sent" => println!("    accepted: {answer}"),
            (_, Some(error)) => {
                let next = m.next_attempt_at.with_timezone(&Local).format("%H:%M");
                let retry = if m.status == "pending" {
                    format!(" (next attempt {next})")
                } else {
                    String::new()
                };
                println!("    error: {error}{retry}");
            }
            _ => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}
