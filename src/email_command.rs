//! `newshound outbox`, `newshound digest NAME [--send]` and `newshound test-email`: the email
//! side seen and driven from the command line.

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{Local, Utc};

use newshound::config::Config;
use newshound::daemon;
use newshound::notify::compose::{Envelope, compose};
use newshound::notify::queue;
use newshound::notify::render::{Rendered, render};
use newshound::notify::send::{self, Due};
use newshound::notify::transport::Mailer;
use newshound::store::{Store, StoreHandle};

/// Prints the newest `limit` messages of the outbox.
pub fn outbox(config: &Config, limit: usize) -> anyhow::Result<()> {
    if !config.daemon.database.exists() {
        println!("no database yet at {}", config.daemon.database.display());
        return Ok(());
    }
    let store = Store::open(&config.daemon.database)?;
    let messages = store.outbox(limit)?;
    if messages.is_empty() {
        println!("the outbox is empty");
    }
    for m in messages {
        let when = m.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M");
        println!(
            "#{} {when}  {:<7}  {}  {} attempt{}  {}",
            m.id,
            m.status,
            m.recipient,
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
    Ok(())
}

/// Prints the next digest `name`, or with `send` queues and delivers it now.
pub async fn digest(config: &Config, name: &str, send: bool) -> anyhow::Result<ExitCode> {
    let Some(digest) = config.digests.iter().find(|d| d.name == name) else {
        let names: Vec<&str> = config.digests.iter().map(|d| d.name.as_str()).collect();
        anyhow::bail!(
            "no digest named {name:?} in {}; configured: {}",
            config.path.display(),
            names.join(", ")
        );
    };
    let store = daemon::open_store(config).await?;
    let now = Utc::now();
    if send {
        let (config_owned, digest_owned) = (config.clone(), digest.clone());
        let queued = store
            .call(move |s| queue::queue_digest_now(s, &config_owned, &digest_owned, now))
            .await?;
        let delivered = deliver(&store, config).await?;
        println!(
            "digest {name:?}: {queued} message(s) queued; {} sent, {} waiting, {} failed",
            delivered.sent, delivered.retrying, delivered.failed
        );
        return Ok(if delivered.failed == 0 && delivered.retrying == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let (config_owned, digest_owned) = (config.clone(), digest.clone());
    let email = store
        .call(move |s| {
            let after = queue::pending_digest_start(s, &digest_owned, now)?;
            queue::digest_email(s, &config_owned, &digest_owned, after, now)
        })
        .await?;
    let rendered = render(&email);
    let next = newshound::notify::digest::next_slot(digest, now)
        .map(|t| {
            t.with_timezone(&digest.timezone)
                .format("%a %e %b %Y %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|| "never (no days or times)".into());
    println!(
        "next digest {name:?}: {next}; {} stories so far",
        email.stories.len()
    );
    println!("Subject: {}\n", rendered.subject);
    println!("{}", rendered.text);
    Ok(ExitCode::SUCCESS)
}

async fn deliver(store: &StoreHandle, config: &Config) -> anyhow::Result<send::Delivered> {
    let mailer = Mailer::new(&config.email, None).context("cannot set up email delivery")?;
    Ok(send::deliver(store, &mailer, Due::All).await?)
}

/// Sends one test message directly (not through the outbox) and prints the server's answer.
pub async fn test_email(config: &Config, to: Option<String>) -> anyhow::Result<ExitCode> {
    let to = to
        .or_else(|| config.email.to.first().cloned())
        .context("no recipient: give --to ADDRESS or set [email] to")?;
    let mailer = Mailer::new(&config.email, None).context("cannot set up email delivery")?;
    let from = queue::sender(config);
    let now = Utc::now();
    let rendered = Rendered {
        subject: "[newshound] test message".into(),
        text: format!(
            "This is a test message from newshound ({}), sent at {now}.\nIf you read this, alerts will reach you.\n",
            config.path.display()
        ),
        html: format!(
            "<!doctype html><html><body><p>This is a test message from newshound, sent at {now}.</p><p>If you read this, alerts will reach you.</p></body></html>"
        ),
    };
    let envelope = Envelope {
        from: &from,
        to: &to,
        outbox_id: 0,
        date: now,
        topics: &[],
    };
    let (_, message) = compose(&rendered, &envelope)?;
    println!(
        "sending a test message to {to} through {}",
        mailer.describe()
    );
    match mailer
        .send(&from, std::slice::from_ref(&to), &message)
        .await
    {
        Ok(delivery) => {
            println!("accepted: {}", delivery.answer);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("newshound: not delivered: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}
