//! The notify step the daemon runs after a poll cycle and on a timer: put what is due into the
//! outbox (alerts, digests, feed health reports), then deliver what the outbox holds.

use std::sync::Arc;

use chrono::Utc;

use super::queue;
use super::send::{self, Delivered, Due, Outlets};
use super::transport::Mailer;
use crate::config::{EmailSettings, NotifySettings};
use crate::store::{StoreError, StoreHandle};

/// What one notify step did.
#[derive(Debug, Clone, Default)]
pub struct NotifyReport {
    /// Messages put into the outbox.
    pub queued: usize,
    /// Delivery results.
    pub delivered: Delivered,
}

impl NotifyReport {
    /// Whether the step queued or delivered anything (a change worth a log line).
    pub fn did_something(&self) -> bool {
        self.queued + self.delivered.sent + self.delivered.retrying + self.delivered.failed > 0
    }
}

/// The transport for the settings, or `None` (logged) when it cannot be built: messages then
/// wait in the outbox until it can.
fn mailer_or_log(email: &EmailSettings) -> Option<Mailer> {
    match Mailer::new(email, None) {
        Ok(mailer) => Some(mailer),
        Err(e) => {
            tracing::error!(error = %e, "cannot set up email delivery; messages wait in the outbox");
            None
        }
    }
}

/// The outlets of `settings`: the email transport (logged when it cannot be built) and the
/// channels.
pub fn outlets_or_log(settings: &NotifySettings) -> Outlets {
    Outlets::new(settings, mailer_or_log(&settings.email))
}

/// Puts due alerts and digests into the outbox, then delivers what is pending (`due`).
pub async fn notify_step(
    store: &StoreHandle,
    settings: &Arc<NotifySettings>,
    outlets: &Outlets,
    due: Due,
) -> Result<NotifyReport, StoreError> {
    let shared = Arc::clone(settings);
    let queued = store
        .call(move |s| queue::queue_due(s, &shared, Utc::now()))
        .await?;
    let delivered = send::deliver(store, outlets, due).await?;
    Ok(NotifyReport {
        queued: queued.alerts + queued.digests + queued.feed_alerts,
        delivered,
    })
}
