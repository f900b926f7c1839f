//! The `video_reports` table: viewers' reports of videos, and the moderation queue
//! built from the open ones.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{users, video_reports, videos};
use crate::db::{DbConnection, DbError};
use crate::models::Video;

pub const STATUS_OPEN: &str = "open";
pub const STATUS_DISMISSED: &str = "dismissed";
pub const STATUS_ACTIONED: &str = "actioned";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = video_reports)]
pub struct Report {
    pub id: i32,
    pub video_id: i32,
    pub reporter_id: i32,
    pub reason: String,
    pub details: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i32>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = video_reports)]
pub struct NewReport<'a> {
    pub video_id: i32,
    pub reporter_id: i32,
    pub reason: &'a str,
    pub details: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
}

/// What inserting a report did.
#[derive(Debug, PartialEq, Eq)]
pub enum Filed {
    Filed(i32),
    /// The viewer already has an open report of this video.
    AlreadyOpen,
}

pub fn insert(conn: &mut DbConnection, new: &NewReport<'_>) -> Result<Filed, DbError> {
    let open = diesel::select(diesel::dsl::exists(
        video_reports::table
            .filter(video_reports::video_id.eq(new.video_id))
            .filter(video_reports::reporter_id.eq(new.reporter_id))
            .filter(video_reports::status.eq(STATUS_OPEN)),
    ))
    .get_result::<bool>(conn)?;
    if open {
        return Ok(Filed::AlreadyOpen);
    }
    let inserted = diesel::insert_into(video_reports::table)
        .values(new)
        .returning(video_reports::id)
        .get_result::<i32>(conn);
    match inserted {
        Ok(id) => Ok(Filed::Filed(id)),
        // A concurrent report of the same viewer won the race (the unique index).
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Filed::AlreadyOpen),
        Err(e) => Err(e.into()),
    }
}

/// Reports `reporter_id` filed since `since` (for the rate limit).
pub fn count_since(
    conn: &mut DbConnection,
    reporter_id: i32,
    since: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(video_reports::table
        .filter(video_reports::reporter_id.eq(reporter_id))
        .filter(video_reports::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// One open report as the queue shows it: the report and its reporter's username.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub report: Report,
    pub reporter: String,
}

/// The queue: videos with open reports (oldest first), with the owner's username and
/// their open reports, oldest first.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub video: Video,
    pub owner: String,
    pub reports: Vec<OpenReport>,
}

/// Videos with open reports, at most `limit`, the longest-waiting first.
pub fn queue(conn: &mut DbConnection, limit: i64) -> Result<Vec<QueueItem>, DbError> {
    let rows: Vec<(Report, String)> = video_reports::table
        .inner_join(users::table.on(users::id.eq(video_reports::reporter_id)))
        .filter(video_reports::status.eq(STATUS_OPEN))
        .order((video_reports::created_at.asc(), video_reports::id.asc()))
        .limit(limit.saturating_mul(20))
        .select((Report::as_select(), users::username))
        .load(conn)?;
    let mut order: Vec<i32> = Vec::new();
    for (r, _) in &rows {
        if !order.contains(&r.video_id) {
            order.push(r.video_id);
        }
    }
    order.truncate(usize::try_from(limit).unwrap_or(0));
    let found: Vec<(Video, String)> = videos::table
        .inner_join(users::table.on(users::id.eq(videos::owner_id)))
        .filter(videos::id.eq_any(&order))
        .select((Video::as_select(), users::username))
        .load(conn)?;
    Ok(order
        .iter()
        .filter_map(|id| {
            let (video, owner) = found.iter().find(|(v, _)| v.id == *id)?.clone();
            let reports = rows
                .iter()
                .filter(|(r, _)| r.video_id == *id)
                .map(|(r, name)| OpenReport {
                    report: r.clone(),
                    reporter: name.clone(),
                })
                .collect();
            Some(QueueItem {
                video,
                owner,
                reports,
            })
        })
        .collect())
}

/// Close every open report of `video_id` as `status`; returns how many.
pub fn resolve_video(
    conn: &mut DbConnection,
    video_id: i32,
    status: &str,
    by: i32,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        video_reports::table
            .filter(video_reports::video_id.eq(video_id))
            .filter(video_reports::status.eq(STATUS_OPEN)),
    )
    .set((
        video_reports::status.eq(status),
        video_reports::resolved_at.eq(Some(at)),
        video_reports::resolved_by.eq(Some(by)),
    ))
    .execute(conn)?)
}

/// Open reports of one video.
pub fn open_count(conn: &mut DbConnection, video_id: i32) -> Result<i64, DbError> {
    Ok(video_reports::table
        .filter(video_reports::video_id.eq(video_id))
        .filter(video_reports::status.eq(STATUS_OPEN))
        .count()
        .get_result(conn)?)
}
