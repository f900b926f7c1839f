//! The bus's standing subscribers, started with the application:
//!
//! - **cache**: `preferences.updated` drops that person's entries; a video becoming
//!   ready, changing or being deleted drops the catalogue (and its page). The Redis cache is shared by every
//!   instance (invalidation bumps a version stored in Redis), so acting once — on the
//!   instance that published — invalidates it everywhere; an in-process cache acts on
//!   every event it sees.
//! - **metrics**: counts every event this instance sees (`pinkflow_events_total`),
//!   records job durations from `video.processing.completed` and sign-language feedback
//!   from `video.rated` (local events only, so each is counted once across instances),
//!   and reads the queue depth from the database
//!   after each video queue change.
//! - **audit**: writes sign-ins, sign-outs, registrations, preference and module changes
//!   to `audit_log` — local events only, so each event is written exactly once.

use serde_json::{Value, json};

use super::{Envelope, Event, EventBus};
use crate::cache::Cache;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::models::audit::{self as audit_db, NewAuditEntry};
use crate::models::feedback::RATINGS;

/// The cache subscriber alone (for `pinkflow worker`, whose video events must drop the
/// shared catalogue once).
pub fn start_cache(
    bus: &EventBus,
    cache: Cache,
    metrics: Option<Metrics>,
) -> tokio::task::JoinHandle<()> {
    let shared_cache = cache.backend_name() == "redis";
    bus.spawn_subscriber("cache", metrics, move |e| {
        let cache = cache.clone();
        async move {
            if e.local || !shared_cache {
                invalidate(&cache, &e.event).await;
            } else if invalidation(&e.event).is_some() {
                // Another instance bumped the shared versions; forget our near copies.
                cache.forget_near();
            }
        }
    })
}

/// Start the three subscribers; abort the handles to stop them.
pub fn start(
    bus: &EventBus,
    cache: Cache,
    metrics: Metrics,
    db: Db,
) -> Vec<tokio::task::JoinHandle<()>> {
    let (m, queue_db) = (metrics.clone(), db.clone());
    vec![
        start_cache(bus, cache, Some(metrics.clone())),
        bus.spawn_subscriber("metrics", Some(metrics.clone()), move |e| {
            let (m, db) = (m.clone(), queue_db.clone());
            async move {
                record(&m, &e);
                if is_queue_change(&e.event) {
                    read_queue_depth(&db, &m).await;
                }
            }
        }),
        start_audit(bus, metrics, db),
    ]
}

/// Read the video queue's depth into its gauge. The queue lives in the shared database:
/// any instance can read it (after each queue change, and once at start).
pub async fn read_queue_depth(db: &Db, metrics: &Metrics) {
    match db
        .run(|c| crate::models::video_job::count_by_status(c, crate::models::video::STATUS_QUEUED))
        .await
    {
        Ok(n) => metrics.set_queue_depth(u64::try_from(n).unwrap_or(0)),
        Err(e) => tracing::debug!(error = %e, "queue depth not read"),
    }
}

/// Most audit rows waiting to be written (about 200 bytes each).
const AUDIT_QUEUE: usize = 100_000;
/// Most rows written in one transaction.
const AUDIT_BATCH: usize = 256;
/// Wait before writing a batch again after the database refused it.
const AUDIT_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// The audit trail in two stages, so that it never falls behind the bus under load:
/// the subscriber only queues audited local events (no I/O), and one writer task writes
/// whatever has queued in batches, one transaction each, retrying while the database
/// is unreachable. Only a full queue (the database down for a long time under heavy
/// sign-in traffic) loses rows, and that is logged and counted.
fn start_audit(bus: &EventBus, metrics: Metrics, db: Db) -> tokio::task::JoinHandle<()> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Envelope>(AUDIT_QUEUE);
    // The writer ends by itself once the subscriber (the only sender) is stopped and
    // what was queued is written.
    tokio::spawn(write_audit_batches(db, rx));
    let m = metrics.clone();
    m.register_lag("audit-writer");
    bus.spawn_subscriber("audit", Some(metrics), move |e| {
        let (tx, m) = (tx.clone(), m.clone());
        async move {
            if e.local && audit_details(&e.event).is_some() && tx.try_send(e).is_err() {
                tracing::error!("audit queue full: an audit row is lost");
                m.record_events_lagged("audit-writer", 1);
            }
        }
    })
}

async fn write_audit_batches(db: Db, mut rx: tokio::sync::mpsc::Receiver<Envelope>) {
    let mut batch = Vec::with_capacity(AUDIT_BATCH);
    while rx.recv_many(&mut batch, AUDIT_BATCH).await > 0 {
        let rows: Vec<AuditRow> = batch.drain(..).filter_map(|e| AuditRow::of(&e)).collect();
        let rows = std::sync::Arc::new(rows);
        loop {
            let todo = rows.clone();
            let written = db
                .transaction(move |c| {
                    let entries: Vec<NewAuditEntry<'_>> =
                        todo.iter().map(AuditRow::entry).collect();
                    audit_db::insert_each(c, &entries)
                })
                .await;
            match written {
                Ok(()) => break,
                Err(e) if e.is_unavailable() => {
                    tracing::warn!(error = %e, rows = rows.len(), "audit rows not written yet; retrying");
                    tokio::time::sleep(AUDIT_RETRY).await;
                }
                Err(e) => {
                    tracing::error!(error = %e, rows = rows.len(), "audit rows not written");
                    break;
                }
            }
        }
    }
}

/// One audit row, owned (to cross onto a blocking thread).
struct AuditRow {
    event: &'static str,
    user_id: Option<i32>,
    at: chrono::NaiveDateTime,
    origin: String,
    details: String,
}

impl AuditRow {
    fn of(e: &Envelope) -> Option<Self> {
        Some(AuditRow {
            details: audit_details(&e.event)?.to_string(),
            event: e.event.name(),
            user_id: e.event.user_id(),
            at: e.at,
            origin: e.origin.clone(),
        })
    }

    fn entry(&self) -> NewAuditEntry<'_> {
        NewAuditEntry {
            occurred_at: self.at,
            event: self.event,
            user_id: self.user_id,
            origin: &self.origin,
            details: &self.details,
        }
    }
}

/// What an event drops from the cache.
enum Invalidation {
    User(i32),
    Catalogue,
}

fn invalidation(event: &Event) -> Option<Invalidation> {
    match event {
        Event::PreferencesUpdated { user_id, .. } => Some(Invalidation::User(*user_id)),
        Event::VideoProcessingCompleted { .. }
        | Event::VideoUpdated { .. }
        | Event::VideoDeleted { .. } => Some(Invalidation::Catalogue),
        _ => None,
    }
}

async fn invalidate(cache: &Cache, event: &Event) {
    match invalidation(event) {
        Some(Invalidation::User(user_id)) => cache.invalidate_user(user_id).await,
        Some(Invalidation::Catalogue) => cache.invalidate_catalogue().await,
        None => {}
    }
}

fn is_queue_change(event: &Event) -> bool {
    matches!(
        event,
        Event::VideoUploaded { .. }
            | Event::VideoProcessingStarted { .. }
            | Event::VideoProcessingCompleted { .. }
            | Event::VideoProcessingFailed { .. }
            | Event::VideoDeleted { .. }
    )
}

fn record(metrics: &Metrics, e: &Envelope) {
    metrics.record_event(e.event.name());
    if let Event::VideoRated {
        sign_language,
        rating,
        ..
    } = &e.event
        && e.local
        && let Some(verdict) = RATINGS.iter().find(|r| **r == rating.as_str())
    {
        // Local only: each rating is counted once across instances.
        metrics.record_sign_feedback(sign_language, verdict);
    }
    if let Event::VideoProcessingCompleted {
        processing_seconds, ..
    } = &e.event
        && e.local
    {
        metrics.record_job(
            "completed",
            std::time::Duration::from_secs_f64(processing_seconds.max(0.0)),
        );
    }
}

/// The audit row's details for the audited events (`None`: not audited). Ids and
/// choices only; never secrets.
pub fn audit_details(event: &Event) -> Option<Value> {
    Some(match event {
        Event::UserCreated { via, .. }
        | Event::UserLogin { via, .. }
        | Event::UserLogout { via, .. } => json!({ "via": via }),
        Event::PreferencesUpdated { changed, via, .. } => {
            json!({ "changed": changed, "via": via })
        }
        Event::VisualDensityChanged { from, to, via, .. } => {
            json!({ "from": from, "to": to, "via": via })
        }
        Event::ModuleLoaded { module, via, .. } | Event::ModuleUnloaded { module, via, .. } => {
            json!({ "module": module, "via": via })
        }
        Event::ModuleError { module, error } => json!({ "module": module, "error": error }),
        Event::RoleChanged {
            from,
            to,
            actor_id,
            via,
            ..
        } => json!({ "from": from, "to": to, "actor_id": actor_id, "via": via }),
        Event::VideoReported {
            video_id,
            reporter_id,
            reason,
            ..
        } => json!({ "video_id": video_id, "reporter_id": reporter_id, "reason": reason }),
        Event::ModerationAction {
            action,
            actor_id,
            video_id,
            reason,
            via,
            ..
        } => json!({
            "action": action,
            "actor_id": actor_id,
            "video_id": video_id,
            "reason": reason,
            "via": via,
        }),
        // The account is gone: the trail keeps that it was, by number, and nothing else.
        Event::UserDeleted { .. } => json!({}),
        _ => return None,
    })
}

/// Write one envelope's audit row (if the event is audited), on a blocking thread.
pub async fn write_audit(db: &Db, e: &Envelope) {
    let Some(row) = AuditRow::of(e) else {
        return;
    };
    let event = row.event;
    let written = db.run(move |c| audit_db::insert(c, &row.entry())).await;
    if let Err(e) = written {
        tracing::error!(error = %e, event, "audit row not written");
    }
}
