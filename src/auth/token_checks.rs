//! Revocation checks of access tokens, coalesced: requests that arrive while earlier
//! checks are in flight wait together and are answered by one batch of statements
//! ([`user_db::find_for_tokens`]), so a busy instance pays a few database round trips
//! per batch instead of one per request. An idle instance answers each check alone, with
//! the single query, as before.
//!
//! Each check still reads the database after its request arrived, so a revocation
//! committed before that is always seen: coalescing changes the cost, not the answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::db::{Db, DbError};
use crate::models::User;
use crate::models::user as user_db;

/// Most checks answered by one batch.
const BATCH_MAX: usize = 64;

struct Check {
    token: (i32, String, String),
    reply: oneshot::Sender<Result<Option<User>, DbError>>,
}

/// The queue of pending checks, drained by one dispatcher task.
#[derive(Clone)]
pub struct TokenChecks {
    queue: mpsc::UnboundedSender<Check>,
    stats: Arc<Stats>,
}

/// How many checks were answered, in how many batches.
#[derive(Debug, Default)]
pub struct Stats {
    pub checks: AtomicU64,
    pub batches: AtomicU64,
}

impl TokenChecks {
    /// Start the dispatcher on the current runtime: at most `in_flight` batches run at
    /// once (each holds one pooled connection); checks that arrive meanwhile form the
    /// next batch.
    pub fn start(db: Db, in_flight: usize) -> Self {
        let (queue, mut pending) = mpsc::unbounded_channel::<Check>();
        let slots = Arc::new(Semaphore::new(in_flight.max(1)));
        let stats = Arc::new(Stats::default());
        let counts = stats.clone();
        tokio::spawn(async move {
            while let Some(first) = pending.recv().await {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    return;
                };
                // Everything that queued up while waiting for a slot goes in this batch.
                let mut batch = vec![first];
                while batch.len() < BATCH_MAX {
                    match pending.try_recv() {
                        Ok(check) => batch.push(check),
                        Err(_) => break,
                    }
                }
                counts.batches.fetch_add(1, Ordering::Relaxed);
                counts
                    .checks
                    .fetch_add(batch.len() as u64, Ordering::Relaxed);
                let db = db.clone();
                tokio::spawn(async move {
                    let _slot = slot;
                    let (tokens, replies): (Vec<_>, Vec<_>) =
                        batch.into_iter().map(|c| (c.token, c.reply)).unzip();
                    match db
                        .run(move |conn| user_db::find_for_tokens(conn, &tokens))
                        .await
                    {
                        Ok(users) => {
                            for (reply, user) in replies.into_iter().zip(users) {
                                let _ = reply.send(Ok(user));
                            }
                        }
                        Err(e) => {
                            let (unavailable, message) = (e.is_unavailable(), e.to_string());
                            for reply in replies {
                                let _ = reply.send(Err(if unavailable {
                                    DbError::Unavailable(message.clone())
                                } else {
                                    DbError::Task(message.clone())
                                }));
                            }
                        }
                    }
                });
            }
        });
        TokenChecks { queue, stats }
    }

    /// Checks answered and batches run so far.
    pub fn stats(&self) -> (u64, u64) {
        (
            self.stats.checks.load(Ordering::Relaxed),
            self.stats.batches.load(Ordering::Relaxed),
        )
    }

    /// The user behind the token `(user_id, jti, family)` when it is not revoked.
    pub async fn check(
        &self,
        user_id: i32,
        jti: String,
        family: String,
    ) -> Result<Option<User>, DbError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Check {
                token: (user_id, jti, family),
                reply,
            })
            .map_err(|_| DbError::Task("token checks stopped".into()))?;
        answer
            .await
            .map_err(|_| DbError::Task("token check dropped".into()))?
    }
}
