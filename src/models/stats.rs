//! Aggregate counts for the metrics endpoint (computed at scrape time, cached briefly).

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{sessions, users, video_feedback, videos};
use crate::db::{DbConnection, DbError, now};

/// What `/metrics` reports from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageCounts {
    /// People per visual density (1-5).
    pub by_density: Vec<(i32, i64)>,
    /// People per reading level (1-5).
    pub by_reading_level: Vec<(i32, i64)>,
    /// Unexpired rows of the `sessions` table (database-backed browser sessions).
    pub database_sessions: i64,
    /// Session keys in Redis, when Redis is configured and they could be counted (filled
    /// in by the caller, not by [`usage`]).
    pub redis_sessions: Option<u64>,
    /// Sign-language feedback: (video id, the video's sign language, rating, how many
    /// viewers gave it).
    pub feedback: Vec<(i32, String, String, i64)>,
}

pub fn usage(conn: &mut DbConnection) -> Result<UsageCounts, DbError> {
    let by_density = users::table
        .group_by(users::visual_density)
        .select((users::visual_density, count_star()))
        .load::<(i32, i64)>(conn)?;
    let by_reading_level = users::table
        .group_by(users::reading_level)
        .select((users::reading_level, count_star()))
        .load::<(i32, i64)>(conn)?;
    let database_sessions = sessions::table
        .filter(sessions::expires_at.gt(now()))
        .count()
        .get_result::<i64>(conn)?;
    let ratings = video_feedback::table
        .group_by((video_feedback::video_id, video_feedback::rating))
        .select((
            video_feedback::video_id,
            video_feedback::rating,
            count_star(),
        ))
        .load::<(i32, String, i64)>(conn)?;
    let mut ids: Vec<i32> = ratings.iter().map(|(id, _, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut languages = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        languages.extend(
            videos::table
                .filter(videos::id.eq_any(chunk))
                .select((videos::id, videos::sign_language))
                .load::<(i32, String)>(conn)?,
        );
    }
    let feedback = ratings
        .into_iter()
        .filter_map(|(id, rating, n)| Some((id, languages.get(&id)?.clone(), rating, n)))
        .collect();
    Ok(UsageCounts {
        by_density,
        by_reading_level,
        database_sessions,
        redis_sessions: None,
        feedback,
    })
}
