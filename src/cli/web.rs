//! `newshound web [--listen ADDR]`: the web pages alone over an existing database, for a copy
//! of it on a laptop or beside a daemon running elsewhere on the same file. It only reads.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use newshound::config::Config;
use newshound::web::server::{self, WEB_LIMITS};
use newshound::web::{self, Reader, Site, WebState};
use tokio_util::sync::CancellationToken;

/// Where the pages are served when neither `--listen` nor `[web] listen` says.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Connections the pages read the database through.
const READ_CONNECTIONS: usize = 4;

/// Arguments of `web`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to serve on (default: `[web] listen`, else 127.0.0.1:8080). Anything but a
    /// loopback address needs `[web] password_file`.
    #[arg(long)]
    listen: Option<SocketAddr>,
}

/// Serves the pages until Ctrl-C or SIGTERM.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    super::run::init_logging(&config.daemon.log_level);
    let addr = match listen_address(&config, args.listen) {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("newshound: {message}");
            return Ok(ExitCode::FAILURE);
        }
    };
    // Opened once for writing, so an older database is migrated and its search index built;
    // the pages then read through their own read-only connections.
    let Some(store) = super::existing_store(&config)? else {
        return Ok(ExitCode::FAILURE);
    };
    drop(store);
    let reader = Reader::open(&config.daemon.database, READ_CONNECTIONS)?;
    super::runtime()?.block_on(serve(addr, &config, reader))?;
    Ok(ExitCode::SUCCESS)
}

/// `--listen`, else `[web] listen`, else the default; refused when it is not loopback and no
/// password is set, since the pages show everything stored.
fn listen_address(config: &Config, given: Option<SocketAddr>) -> Result<SocketAddr, String> {
    let addr = given
        .or(config.web.listen)
        .unwrap_or_else(|| DEFAULT_LISTEN.parse().expect("a valid address literal"));
    if !addr.ip().is_loopback() && config.web.password.is_none() {
        return Err(format!(
            "{addr} is not a loopback address and the pages have no password: set [web] \
             password_file in {} (or the systemd credential web-password), or listen on \
             127.0.0.1",
            config.path.display()
        ));
    }
    Ok(addr)
}

async fn serve(addr: SocketAddr, config: &Config, reader: Reader) -> anyhow::Result<()> {
    let listener = server::bind(addr, "web --listen").await?;
    let (_site_tx, site) = tokio::sync::watch::channel(Arc::new(Site::new(config)));
    let router = web::router(WebState { reader, site }, None);
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    tokio::spawn(async move {
        wait_for_stop().await;
        stop.cancel();
    });
    eprintln!(
        "newshound: serving {} on http://{addr}/ (Ctrl-C stops)",
        config.daemon.database.display()
    );
    server::serve(listener, router, WEB_LIMITS, cancel).await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn wait_for_stop() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
