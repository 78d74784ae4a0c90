//! The service's backfill of new and changed topics: when it starts or reloads, each topic whose
//! definition (query and languages, see `TopicSettings::fingerprint`) differs from the one it
//! last applied to the stored articles is applied to the articles of the last `[daemon]
//! backfill` period, in the background, so polls are not delayed. Its hits are stored as
//! backfilled: no immediate alert, only the topic's next digest.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::rematch::{Window, rematch};
use crate::store::{Store, StoreError};

/// One backfill at a time: a reload during a backfill waits for it, then finds the topics it
/// did already recorded and leaves them alone.
static RUNNING: Mutex<()> = Mutex::new(());

/// Starts the backfill of `config`'s new and changed topics over the articles first seen
/// before `loaded_at` (those after it are matched by the pipeline with these topics).
pub(super) fn spawn(
    tracker: &TaskTracker,
    config: &Config,
    loaded_at: DateTime<Utc>,
    cancel: CancellationToken,
) {
    if config.daemon.backfill.is_zero() || config.topics.is_empty() {
        return;
    }
    let config = Arc::new(config.clone());
    tracker.spawn_blocking(move || {
        let _one_at_a_time = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = backfill(&config, loaded_at, &cancel) {
            tracing::error!(%error, "topic backfill failed; it is tried again at the next start or reload");
        }
    });
}

fn backfill(
    config: &Config,
    loaded_at: DateTime<Utc>,
    cancel: &CancellationToken,
) -> Result<(), StoreError> {
    let mut store = Store::open(&config.daemon.database)?;
    let known = store.topic_fingerprints()?;
    let topics = config.topic_set();
    let since = chrono::Duration::from_std(config.daemon.backfill)
        .ok()
        .and_then(|period| loaded_at.checked_sub_signed(period));
    let window = Window {
        since,
        until: loaded_at,
    };
    for (settings, topic) in config.topics.iter().zip(topics.topics()) {
        if cancel.is_cancelled() {
            return Ok(());
        }
        let fingerprint = settings.fingerprint();
        if known.get(&settings.name) == Some(&fingerprint) {
            continue;
        }
        let found = rematch(&mut store, topic, window, false, false)?;
        tracing::info!(
            topic = %found.topic,
            added = found.added,
            searched = found.searched,
            read = found.candidates,
            ms = found.elapsed.as_millis() as u64,
            "backfilled a new or changed topic over the stored articles"
        );
        store.set_topic_fingerprint(&settings.name, &fingerprint, Utc::now())?;
    }
    Ok(())
}
