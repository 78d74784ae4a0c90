//! `newshound test-email [--to ADDRESS]`: one message straight through the configured
//! transport (not the outbox), with the server's answer printed.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use newshound::config::Config;
use newshound::notify::compose::{Envelope, compose};
use newshound::notify::render::Rendered;
use newshound::notify::transport::Mailer;

/// Arguments of `test-email`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recipient; defaults to `[email] to`.
    #[arg(long)]
    to: Option<String>,
}

/// Sends the test message.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    super::runtime()?.block_on(test_email(&config, args.to))
}

/// Sends one test message directly (not through the outbox) and prints the server's answer.
async fn test_email(config: &Config, to: Option<String>) -> anyhow::Result<ExitCode> {
    let to = to
        .or_else(|| config.email.to.first().cloned())
        .context("no recipient: give --to ADDRESS or set [email] to")?;
    send_test_email(config, to).await
}

/// Sends the test message to `to` through `[email]`'s transport and prints the answer; for
/// `test-email` and `test-channel` of an email channel.
pub async fn send_test_email(config: &Config, to: String) -> anyhow::Result<ExitCode> {
    let mailer = Mailer::new(&config.email, None).context("cannot set up email delivery")?;
    let from = config.email.sender();
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
    let result = mailer
        .send(&from, std::slice::from_ref(&to), &message)
        .await;
    Ok(print_answer(result.map(|delivery| delivery.answer)))
}

/// Prints what the server or receiver answered a test message; the exit code says whether it
/// was accepted. For `test-email` and `test-channel`.
pub fn print_answer(result: Result<String, impl std::fmt::Display>) -> ExitCode {
    match result {
        Ok(answer) => {
            println!("accepted: {answer}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("newshound: not delivered: {e}");
            ExitCode::FAILURE
        }
    }
}
