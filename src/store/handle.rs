//! The store as the daemon's tasks share it: one thread owns the [`Store`] (and so its one
//! connection) and runs the calls sent to it over a channel, in order, while the async callers
//! wait for the answer without blocking the runtime.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tokio::sync::{mpsc, oneshot};

use super::{Store, StoreError};

/// The store shared by the daemon's tasks: one connection owned by one thread, which runs the
/// calls sent to it in order. SQLite allows one writer at a time anyway; a thread per waiting
/// call (the blocking pool behind a mutex) only added threads (one per feed refresh waiting),
/// context switches and per-thread allocator arenas.
///
/// Calls sent with [`StoreHandle::call_first`] run before the queued ones: recording that the
/// mail server accepted a message must not wait behind a cycle's page writes, because until it
/// commits, a crash makes the message go out again.
#[derive(Clone)]
pub struct StoreHandle {
    calls: mpsc::UnboundedSender<StoreCall>,
    urgent: mpsc::UnboundedSender<StoreCall>,
}

/// A call queued for the store thread.
type StoreCall = Box<dyn FnOnce(&mut Store) + Send>;

impl StoreHandle {
    /// Moves `store` onto its own thread, which ends (closing the connection) when the last
    /// handle is dropped.
    pub fn new(mut store: Store) -> StoreHandle {
        let (calls, mut queue) = mpsc::unbounded_channel::<StoreCall>();
        let (urgent, mut first) = mpsc::unbounded_channel::<StoreCall>();
        std::thread::Builder::new()
            .name("newshound-store".into())
            .spawn(move || {
                // Every urgent call also queues a no-op wake-up, so the thread never sleeps
                // while one waits.
                while let Some(call) = queue.blocking_recv() {
                    while let Ok(urgent) = first.try_recv() {
                        urgent(&mut store);
                    }
                    call(&mut store);
                }
            })
            .expect("the OS refused to start the store thread");
        StoreHandle { calls, urgent }
    }

    /// Runs `f` on the store thread and waits for its result without blocking the runtime. A
    /// panic in `f` ends that call only, as an error: every write is a transaction, which rolls
    /// back when it unwinds, so the connection stays usable.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.submit(f, false).await
    }

    /// [`StoreHandle::call`], run before every call already queued (after the one running).
    /// For short writes whose delay widens a crash window, such as marking a message sent.
    pub async fn call_first<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.submit(f, true).await
    }

    async fn submit<T, F>(&self, f: F, urgent: bool) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        self.enqueue(f, urgent)?.await.map_err(|_| stopped())?
    }

    /// Queues `f` and returns where its result will arrive.
    fn enqueue<T, F>(
        &self,
        f: F,
        urgent: bool,
    ) -> Result<oneshot::Receiver<Result<T, StoreError>>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let call: StoreCall = Box::new(move |store| {
            let outcome = catch_unwind(AssertUnwindSafe(|| f(store)))
                .unwrap_or_else(|panic| Err(StoreError::Task(panic_message(&panic))));
            // The caller may have given up waiting (shutdown); the result is then not needed.
            let _ = reply.send(outcome);
        });
        if urgent {
            self.urgent.send(call).map_err(|_| stopped())?;
            self.calls.send(Box::new(|_| {})).map_err(|_| stopped())?;
        } else {
            self.calls.send(call).map_err(|_| stopped())?;
        }
        Ok(result)
    }
}

fn stopped() -> StoreError {
    StoreError::Task("the store thread has stopped".into())
}

/// The text of a panic payload, for the error that replaces the call's result.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("unknown cause");
    format!("database call panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An urgent call (marking a message sent) runs before calls queued earlier, right after
    /// the one running; the others keep their order.
    #[test]
    fn urgent_calls_overtake_queued_ones() {
        let dir = tempfile::tempdir().unwrap();
        let handle = StoreHandle::new(Store::open(&dir.path().join("q.db")).unwrap());
        let order = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let log = |name: &'static str| {
            let order = std::sync::Arc::clone(&order);
            move |_: &mut Store| {
                order.lock().unwrap().push(name);
                Ok(())
            }
        };
        let running = handle
            .enqueue(
                move |_: &mut Store| {
                    wait.recv().unwrap();
                    Ok(())
                },
                false,
            )
            .unwrap();
        let results = [
            handle.enqueue(log("queued 1"), false).unwrap(),
            handle.enqueue(log("queued 2"), false).unwrap(),
            handle.enqueue(log("urgent"), true).unwrap(),
        ];
        release.send(()).unwrap();
        running.blocking_recv().unwrap().unwrap();
        for result in results {
            result.blocking_recv().unwrap().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["urgent", "queued 1", "queued 2"]);
    }
}
