//! Database round trips per request: every pooled connection reports each statement it
//! starts (diesel's `Connection::set_instrumentation`, `StartQuery`) to the counter of
//! the request it is working for. [`counted`] gives a request (any future) its
//! counter, [`Db::run`](super::Db::run) carries it onto the blocking thread that runs
//! the queries, and the request middleware puts the total on the request's log line
//! (`db_queries`) and in the [`QueryLog`] tests read, so that a page's round trips
//! cannot grow unnoticed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};

tokio::task_local! {
    /// The counter of the request this task serves.
    static REQUEST: Arc<AtomicU32>;
}

thread_local! {
    /// The counter of the request this (blocking) thread is running queries for.
    static BOUND: RefCell<Option<Arc<AtomicU32>>> = const { RefCell::new(None) };
}

/// Run `f`, counting the statements its database calls start.
pub async fn counted<F: Future>(f: F) -> (F::Output, u32) {
    let counter = Arc::new(AtomicU32::new(0));
    let out = REQUEST.scope(counter.clone(), f).await;
    (out, counter.load(Ordering::Relaxed))
}

/// The current request's counter, to carry onto a blocking thread.
pub(super) fn current() -> Option<Arc<AtomicU32>> {
    REQUEST.try_with(Arc::clone).ok()
}

/// While alive, statements started on this thread count for `counter`.
pub(super) struct Bound(Option<Arc<AtomicU32>>);

pub(super) fn bind(counter: Option<Arc<AtomicU32>>) -> Bound {
    Bound(BOUND.with(|b| b.replace(counter)))
}

impl Drop for Bound {
    fn drop(&mut self) {
        let previous = self.0.take();
        BOUND.with(|b| *b.borrow_mut() = previous);
    }
}

/// The instrumentation every pooled connection gets.
pub(super) fn instrumentation() -> impl Instrumentation {
    |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            BOUND.with(|b| {
                if let Some(counter) = &*b.borrow() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    }
}

/// Most requests a [`QueryLog`] remembers.
const LOG_CAPACITY: usize = 256;

/// The round trips of recent requests, as `(path, statements)`: recorded only once
/// [`QueryLog::start`] is called (tests), so production pays one atomic load.
#[derive(Clone, Default)]
pub struct QueryLog {
    on: Arc<AtomicBool>,
    entries: Arc<Mutex<VecDeque<(String, u32)>>>,
}

impl QueryLog {
    /// Start recording (and forget what was recorded).
    pub fn start(&self) {
        self.lock().clear();
        self.on.store(true, Ordering::Release);
    }

    /// Record one request's count (when recording).
    pub fn record(&self, path: &str, queries: u32) {
        if self.on.load(Ordering::Acquire) {
            let mut entries = self.lock();
            if entries.len() == LOG_CAPACITY {
                entries.pop_front();
            }
            entries.push_back((path.to_owned(), queries));
        }
    }

    /// What was recorded since the last call, oldest first.
    pub fn take(&self) -> Vec<(String, u32)> {
        self.lock().drain(..).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(String, u32)>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}
