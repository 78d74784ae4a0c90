//! The web pages' own read-only connections to the database. The daemon's single writer
//! thread is never asked: a page, however slow, reads beside the polls (WAL lets readers and
//! the writer run at once) and cannot take the write lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use deadpool::unmanaged::Pool;

use super::WebError;
use crate::store::{Store, StoreError};

/// A pool of read-only [`Store`]s. Each read runs on tokio's blocking threads with one
/// connection to itself, so as many pages are read at once as there are connections.
#[derive(Clone)]
pub struct Reader {
    /// The open connections, each handed to one read at a time.
    pool: Pool<Store>,
    /// The database file, for messages.
    path: Arc<PathBuf>,
}

impl Reader {
    /// Opens `connections` read-only connections to the database at `path`, which must exist
    /// and be migrated.
    pub fn open(path: &Path, connections: usize) -> Result<Reader, StoreError> {
        let stores = (0..connections.max(1))
            .map(|_| Store::open_read_only(path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Reader {
            pool: Pool::from(stores),
            path: Arc::new(path.to_owned()),
        })
    }

    /// Runs `read` on a free connection, off the async threads.
    pub async fn read<T, F>(&self, read: F) -> Result<T, WebError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self
            .pool
            .get()
            .await
            .map_err(|e| WebError::Internal(format!("no database connection: {e}")))?;
        tokio::task::spawn_blocking(move || read(&store))
            .await
            .map_err(|e| WebError::Internal(format!("database read failed: {e}")))?
            .map_err(WebError::Store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
