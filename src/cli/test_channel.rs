//! `newshound test-channel NAME`: one test message straight through a channel (not the outbox),
//! with the receiver's answer printed, so an operator can check a channel's URL and secret
//! before the first alert depends on them.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use newshound::config::{ChannelKind, Config};
use newshound::notify::channels::{self, ChannelSender, Notice};

/// Arguments of `test-channel`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The channel's name (`email`, or a `[[channels]]` name).
    name: String,
    /// For an email channel: the recipient; defaults to the channel's first `to`.
    #[arg(long)]
    to: Option<String>,
}

/// Sends the test message.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    super::runtime()?.block_on(test_channel(&config, args))
}

async fn test_channel(config: &Config, args: Args) -> anyhow::Result<ExitCode> {
    let Some(channel) = config.channels.iter().find(|c| c.name == args.name) else {
        let names: Vec<&str> = config.channels.iter().map(|c| c.name.as_str()).collect();
        eprintln!(
            "newshound: no channel named {:?} in {}; channels: {}",
            args.name,
            config.path.display(),
            names.join(", ")
        );
        return Ok(ExitCode::FAILURE);
    };
    if let ChannelKind::Email { to } = &channel.kind {
        let to = args
            .to
            .or_else(|| to.first().cloned())
            .context("no recipient: give --to ADDRESS or set the channel's to")?;
        return super::test_email::send_test_email(config, to).await;
    }
    let now = Utc::now();
    let origin = config.path.display().to_string();
    let notice = Notice::Test {
        sent_at: now,
        origin: &origin,
    };
    let payload = channels::render(&channel.kind, &notice)
        .context("this channel has no message of its own")?;
    let sender = ChannelSender::new().context("cannot set up channel delivery")?;
    println!(
        "sending a test message through channel {:?}: {}",
        channel.name,
        channels::describe(channel)
    );
    let id = format!("msg_newshound_test_{}", now.timestamp_micros());
    let result = sender.send(channel, &id, &payload.body).await;
    Ok(super::test_email::print_answer(
        result.map(|delivery| delivery.answer),
    ))
}
