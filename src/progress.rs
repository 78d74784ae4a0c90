//! Progress of long jobs over the stored articles (building the search index, `rematch`): a
//! bar with rate and time left on a terminal, a log line every few seconds otherwise (the
//! service, pipes), so a user knows a large job is moving and roughly when it ends.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a line is logged when there is no terminal to draw a bar on.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// One job's progress, counted in items (articles).
#[derive(Debug)]
pub struct Progress {
    /// What the job does, as the log lines say it.
    label: String,
    /// The bar, when stderr is a terminal.
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    started: Instant,
    last_logged: Instant,
}

impl Progress {
    /// Starts reporting a job of `total` items.
    pub fn new(label: &str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{msg}: [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(label.to_owned());
            bar
        });
        let now = Instant::now();
        Progress {
            label: label.to_owned(),
            bar,
            total,
            done: 0,
            started: now,
            last_logged: now,
        }
    }

    /// Counts `items` more as done.
    pub fn advance(&mut self, items: u64) {
        self.done += items;
        if let Some(bar) = &self.bar {
            bar.inc(items);
            return;
        }
        if self.last_logged.elapsed() >= LOG_EVERY {
            self.last_logged = Instant::now();
            self.log_line();
        }
    }

    /// Ends the report: clears the bar (the caller says what came of the job).
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn log_line(&self) {
        let elapsed = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = self.done as f64 / elapsed;
        let left = self.total.saturating_sub(self.done) as f64 / rate.max(0.001);
        let percent = (self.done * 100).checked_div(self.total).unwrap_or(100);
        tracing::info!(
            done = self.done,
            total = self.total,
            "{}: {} of {} ({percent}%), {rate:.0}/s, about {left:.0} s left",
            self.label,
            self.done,
            self.total
        );
    }
}
