//! The job queue on the `videos` rows.
//!
//! A worker *claims* a job by moving it to `processing` with a lease (`lease_until`)
//! and a random `lease_token`. Every later write for that job is guarded by the token,
//! so a worker that lost its lease (it was too slow, or presumed dead) cannot touch
//! the row again. A job whose lease expired is claimable again; each claim counts as an
//! attempt.
//!
//! PostgreSQL claims with `SELECT … FOR UPDATE SKIP LOCKED`, so concurrent workers
//! skip each other's rows instead of waiting. SQLite has one writer at a time, so the
//! single `UPDATE … WHERE id = (SELECT …)` statement is already atomic.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::db::schema::videos;
use crate::db::{DbConnection, DbError};
use crate::models::video::{
    STATUS_FAILED, STATUS_PROCESSING, STATUS_QUEUED, STATUS_READY, STATUS_UPLOADED,
};

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Integer)]
    id: i32,
}

const PG_CLAIM: &str = "\
UPDATE videos SET status = 'processing', attempts = attempts + 1, progress = 0,
       lease_until = $1, lease_token = $2, updated_at = $3
 WHERE id = (
       SELECT id FROM videos
        WHERE (status = 'queued' OR (status = 'processing' AND lease_until < $3))
          AND attempts < $4
        ORDER BY id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
RETURNING id";

const SQLITE_CLAIM: &str = "\
UPDATE videos SET status = 'processing', attempts = attempts + 1, progress = 0,
       lease_until = ?1, lease_token = ?2, updated_at = ?3
 WHERE id = (
       SELECT id FROM videos
        WHERE (status = 'queued' OR (status = 'processing' AND lease_until < ?3))
          AND attempts < ?4
        ORDER BY id
        LIMIT 1)
   AND (status = 'queued' OR (status = 'processing' AND lease_until < ?3))
RETURNING id";

/// Move an uploaded (or failed) video into the queue. Call it inside the transaction
/// that records the upload, so nothing is lost between the two.
pub fn enqueue(conn: &mut DbConnection, id: i32, at: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        videos::table
            .find(id)
            .filter(videos::status.eq_any([STATUS_UPLOADED, STATUS_FAILED])),
    )
    .set((
        videos::status.eq(STATUS_QUEUED),
        videos::progress.eq(0),
        videos::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Put a failed job back in the queue with a fresh set of attempts (the owner asked
/// to try again). False when the video is not `failed`.
pub fn retry_failed(conn: &mut DbConnection, id: i32, at: NaiveDateTime) -> Result<bool, DbError> {
    let n = diesel::update(
        videos::table
            .find(id)
            .filter(videos::status.eq(STATUS_FAILED)),
    )
    .set((
        videos::status.eq(STATUS_QUEUED),
        videos::progress.eq(0),
        videos::attempts.eq(0),
        videos::last_error.eq(None::<String>),
        videos::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Claim the oldest claimable job: queued, or processing with an expired lease, and
/// with attempts left. Returns its id.
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
    max_attempts: i32,
) -> Result<Option<i32>, DbError> {
    let row = match conn {
        DbConnection::Pg(c) => diesel::sql_query(PG_CLAIM)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(at)
            .bind::<Integer, _>(max_attempts)
            .get_result::<IdRow>(c)
            .optional()?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQLITE_CLAIM)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(at)
            .bind::<Integer, _>(max_attempts)
            .get_result::<IdRow>(c)
            .optional()?,
    };
    Ok(row.map(|r| r.id))
}

/// Mark failed every job that has no attempts left and is not held by a live lease
/// (its last worker died). Returns `(id, owner_id)` of each.
pub fn fail_exhausted(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    max_attempts: i32,
    reason: &str,
) -> Result<Vec<(i32, i32)>, DbError> {
    let dead = videos::status
        .eq(STATUS_PROCESSING)
        .and(videos::lease_until.lt(at));
    Ok(diesel::update(
        videos::table
            .filter(videos::attempts.ge(max_attempts))
            .filter(videos::status.eq(STATUS_QUEUED).or(dead)),
    )
    .set((
        videos::status.eq(STATUS_FAILED),
        videos::last_error.eq(reason),
        videos::lease_until.eq(None::<NaiveDateTime>),
        videos::lease_token.eq(None::<String>),
        videos::updated_at.eq(at),
    ))
    .returning((videos::id, videos::owner_id))
    .get_results(conn)?)
}

/// The row of job `id` while `token` holds its lease.
type Held = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<videos::table, i32>,
        diesel::dsl::Eq<videos::lease_token, String>,
    >,
    diesel::dsl::Eq<videos::status, &'static str>,
>;

fn held(id: i32, token: &str) -> Held {
    videos::table
        .find(id)
        .filter(videos::lease_token.eq(token.to_owned()))
        .filter(videos::status.eq(STATUS_PROCESSING))
}

/// Extend the lease; false when the lease was lost (or the video deleted).
pub fn renew(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    lease_until: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held(id, token))
        .set(videos::lease_until.eq(Some(lease_until)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Record progress (0-100); false when the lease was lost.
pub fn set_progress(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    progress: i32,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held(id, token))
        .set((
            videos::progress.eq(progress.clamp(0, 99)),
            videos::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// What a successful job produced.
#[derive(Debug, Clone)]
pub struct CompletedJob {
    pub output_key: String,
    pub poster_key: Option<String>,
    pub duration_seconds: f64,
    pub width: i32,
    pub height: i32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Frames per second of the processed video, when known.
    pub frame_rate: Option<f64>,
}

/// Mark the job ready; false when the lease was lost (the caller then discards its
/// output files).
pub fn complete(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    done: &CompletedJob,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held(id, token))
        .set((
            videos::status.eq(STATUS_READY),
            videos::progress.eq(100),
            videos::output_key.eq(Some(&done.output_key)),
            videos::poster_key.eq(done.poster_key.as_ref()),
            videos::duration_seconds.eq(Some(done.duration_seconds)),
            videos::width.eq(Some(done.width)),
            videos::height.eq(Some(done.height)),
            videos::video_codec.eq(Some(&done.video_codec)),
            videos::audio_codec.eq(done.audio_codec.as_ref()),
            videos::frame_rate.eq(done.frame_rate),
            videos::lease_until.eq(None::<NaiveDateTime>),
            videos::lease_token.eq(None::<String>),
            videos::last_error.eq(None::<String>),
            videos::updated_at.eq(at),
            videos::processed_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// How a failed attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back in the queue for another attempt.
    Requeued,
    /// Marked `failed` for good.
    Failed,
    /// The lease was lost: another worker owns the job now (or it was deleted).
    LeaseLost,
}

/// Record a failed attempt. `permanent` failures (the input itself is bad) and jobs
/// with no attempts left become `failed`; others go back to the queue.
pub fn fail_attempt(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    reason: &str,
    permanent: bool,
    max_attempts: i32,
    at: NaiveDateTime,
) -> Result<FailOutcome, DbError> {
    let clear = || {
        (
            videos::last_error.eq(Some(reason.to_owned())),
            videos::lease_until.eq(None::<NaiveDateTime>),
            videos::lease_token.eq(None::<String>),
            videos::updated_at.eq(at),
        )
    };
    let failed = if permanent {
        diesel::update(held(id, token))
            .set((videos::status.eq(STATUS_FAILED), clear()))
            .execute(conn)?
    } else {
        diesel::update(held(id, token).filter(videos::attempts.ge(max_attempts)))
            .set((videos::status.eq(STATUS_FAILED), clear()))
            .execute(conn)?
    };
    if failed == 1 {
        return Ok(FailOutcome::Failed);
    }
    if permanent {
        return Ok(FailOutcome::LeaseLost);
    }
    let requeued = diesel::update(held(id, token))
        .set((
            videos::status.eq(STATUS_QUEUED),
            videos::progress.eq(0),
            clear(),
        ))
        .execute(conn)?;
    Ok(if requeued == 1 {
        FailOutcome::Requeued
    } else {
        FailOutcome::LeaseLost
    })
}

/// Give a job back without counting the attempt (the worker is shutting down).
pub fn release(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held(id, token))
        .set((
            videos::status.eq(STATUS_QUEUED),
            videos::progress.eq(0),
            videos::attempts.eq(videos::attempts - 1),
            videos::lease_until.eq(None::<NaiveDateTime>),
            videos::lease_token.eq(None::<String>),
            videos::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Jobs by status, for the worker's log line and metrics.
pub fn count_by_status(conn: &mut DbConnection, status: &str) -> Result<i64, DbError> {
    Ok(videos::table
        .filter(videos::status.eq(status.to_owned()))
        .count()
        .get_result(conn)?)
}

/// Statuses a job can be in, for validation of filters.
pub const STATUSES: [&str; 5] = [
    STATUS_UPLOADED,
    STATUS_QUEUED,
    STATUS_PROCESSING,
    STATUS_READY,
    STATUS_FAILED,
];

/// Give a job back to be tried again after `until`, without counting the attempt (the
/// disk was full: not the video's fault). It stays `processing` under an expired-by-
/// `until` lease that nobody holds, which is how a claim finds it again then.
pub fn postpone(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    reason: &str,
    until: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(held(id, token))
        .set((
            videos::progress.eq(0),
            videos::attempts.eq(videos::attempts - 1),
            videos::last_error.eq(Some(reason.to_owned())),
            videos::lease_until.eq(Some(until)),
            videos::lease_token.eq(None::<String>),
            videos::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}
