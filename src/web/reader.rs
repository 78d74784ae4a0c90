//! The web pages' own threads and read-only connections to the database. The daemon's single
//! writer thread is never asked: a page, however slow, reads beside the polls (WAL lets readers
//! and the writer run at once) and cannot take the write lock.
//!
//! The pages' work (reading and matching a story's text again, searching) runs on a few threads
//! of its own at a lower scheduling priority (nice 10) than the daemon's. When readers keep the
//! processor busy, the kernel gives the polls, the store thread and `/healthz` the processor
//! first, and the pages take what is left: a crowd of readers slows the pages, not the service.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, oneshot};

use super::WebError;
use crate::store::{Store, StoreError};

/// Work for one of the pages' threads, on its connection.
type Job = Box<dyn FnOnce(&Store) + Send>;

/// The pages' threads, each with its own read-only [`Store`], taking jobs in order.
#[derive(Clone)]
pub struct Reader {
    /// Where jobs are queued; every thread takes the next one when it is free.
    jobs: Sender<Job>,
    /// Long reads (searches) run one at a time, so the other threads stay free for pages.
    long_reads: Arc<Semaphore>,
    /// The database file, for messages.
    path: Arc<PathBuf>,
}

impl Reader {
    /// Opens `threads` read-only connections to the database at `path` (which must exist and
    /// be migrated) and starts a thread for each.
    pub fn open(path: &Path, threads: usize) -> Result<Reader, StoreError> {
        let stores = (0..threads.max(1))
            .map(|_| Store::open_read_only(path))
            .collect::<Result<Vec<_>, _>>()?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for (index, store) in stores.into_iter().enumerate() {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("newshound-web-{index}"))
                .spawn(move || work(&store, &queue))
                .map_err(|e| StoreError::Task(format!("cannot start a web thread: {e}")))?;
        }
        Ok(Reader {
            jobs,
            long_reads: Arc::new(Semaphore::new(1)),
            path: Arc::new(path.to_owned()),
        })
    }

    /// Runs `read` on the next free thread and its connection. The closure may also render:
    /// what it returns is all the async side gets.
    pub async fn read<T, F>(&self, read: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            let _ = answer.send(read(store));
        });
        self.jobs
            .send(job)
            .map_err(|_| WebError::Internal("the web's database threads have stopped".into()))?;
        answered
            .await
            .map_err(|_| WebError::Internal("a page's database read failed".into()))?
            .map_err(WebError::Store)
    }

    /// [`Reader::read`] for a read that may take long (a search over every stored article):
    /// one runs at a time, so it never holds every thread while pages wait.
    pub async fn read_long<T, F>(&self, read: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let _slot = self
            .long_reads
            .acquire()
            .await
            .map_err(|e| WebError::Internal(format!("no search slot: {e}")))?;
        self.read(read).await
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One thread's life: lower its priority, then run jobs until the [`Reader`] is dropped. A job
/// that panics is logged and lost (its page answers 500); the thread goes on.
fn work(store: &Store, queue: &Mutex<Receiver<Job>>) {
    super::server::lower_priority();
    loop {
        let job = {
            let Ok(queue) = queue.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        if std::panic::catch_unwind(AssertUnwindSafe(|| job(store))).is_err() {
            tracing::warn!(database = %store.path().display(), "a web page's work panicked");
        }
    }
}
