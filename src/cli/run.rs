//! `newshound run [--once [--all]]`: the service, or one poll cycle with a printed summary.

use std::path::Path;
use std::process::ExitCode;

use newshound::daemon;

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Poll the feeds that are due once, process new items, send what is due, and exit.
    #[arg(long)]
    once: bool,
    /// With --once: poll every feed, due or not.
    #[arg(long, requires = "once")]
    all: bool,
}

/// Runs the service until it is stopped, or one cycle with `--once`.
pub fn run(config_path: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let Some(config) = super::load_config(config_path) else {
        return Ok(ExitCode::FAILURE);
    };
    init_logging(&config.daemon.log_level);
    log_panics();
    ignore_file_size_signal();
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let runtime = super::runtime()?;
    if args.once {
        let summary = runtime.block_on(daemon::run_once(&config, args.all))?;
        println!("{summary}");
    } else {
        runtime.block_on(daemon::run_daemon(config_path.to_owned(), config))?;
        // Refreshes that outlived the grace period are abandoned, not awaited.
        runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Logs go to stderr. Under systemd (JOURNAL_STREAM set) the journal adds time stamps and has no
/// use for colours, so both are left out. `RUST_LOG` overrides the configured level.
pub(super) fn init_logging(level: &str) {
    let under_systemd = std::env::var_os("JOURNAL_STREAM").is_some();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(!under_systemd && std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if under_systemd {
        builder.without_time().init();
    } else {
        builder.init();
    }
}

/// Routes panic messages to the log. Parsers of network input are run under `catch_unwind` or
/// in their own task, so such a panic is one feed's recorded error; its message belongs in the
/// log with the rest, not as a bare line on stderr.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        tracing::error!(panic = %info, "panic caught; the affected feed or page is recorded as failed");
    }));
}

/// A file size limit (`LimitFSIZE=`, `ulimit -f`) kills a process that writes past it with
/// SIGXFSZ unless the signal is ignored; ignored, the write fails with EFBIG, which the store
/// reports as "disk full or file size limit reached" and the service pauses ingestion instead of
/// dying mid-cycle.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code and is done
    // before the runtime starts any thread.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
