//! `newshound digest NAME [--send]`: what the next digest would contain, or sending it now.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;

use newshound::config::{Config, NotifySettings};
use newshound::daemon;
use newshound::notify::Outlets;
use newshound::notify::queue;
use newshound::notify::render::render;
use newshound::notify::send::{self, Due};
use newshound::notify::transport::Mailer;
use newshound::store::StoreHandle;

/// Arguments of `digest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The `[[digests]]` name, e.g. "Morning digest".
    name: String,
    /// Queue and deliver it now instead of printing it; the next scheduled digest then
    /// starts from now.
    #[arg(long)]
    send: bool,
}

/// Prints or sends the digest named in `args`.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    super::runtime()?.block_on(digest(&config, &args.name, args.send))
}

/// Prints the next digest `name`, or with `send` queues and delivers it now.
async fn digest(config: &Config, name: &str, send: bool) -> anyhow::Result<ExitCode> {
    let settings = Arc::new(config.notify_settings());
    let Some(digest) = settings.digest(name).cloned() else {
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
        let (shared, digest_owned) = (Arc::clone(&settings), digest.clone());
        let queued = store
            .call(move |s| queue::queue_digest_now(s, &shared, &digest_owned, now))
            .await?;
        let delivered = deliver(&store, &settings).await?;
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
    let (shared, digest_owned) = (Arc::clone(&settings), digest.clone());
    let email = store
        .call(move |s| {
            let after = queue::pending_digest_start(s, &digest_owned, now)?;
            queue::digest_email(s, &shared, &digest_owned, after, now)
        })
        .await?;
    let rendered = render(&email);
    let next = newshound::notify::digest::next_slot(&digest, now)
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

async fn deliver(
    store: &StoreHandle,
    settings: &NotifySettings,
) -> anyhow::Result<send::Delivered> {
    let mailer = Mailer::new(&settings.email, None).context("cannot set up email delivery")?;
    let outlets = Outlets::new(settings, Some(mailer));
    Ok(send::deliver(store, &outlets, Due::All).await?)
}
