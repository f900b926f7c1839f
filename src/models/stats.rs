//! Aggregate counts for the metrics endpoint (computed at scrape time, cached briefly).

use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::schema::{sessions, users};
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
    Ok(UsageCounts {
        by_density,
        by_reading_level,
        database_sessions,
        redis_sessions: None,
    })
}
