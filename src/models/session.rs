//! Browser session rows for the database-backed session store. Rows are keyed by a hash
//! of the session key; expired rows are never returned and are purged periodically.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::sessions;
use crate::db::{DbConnection, DbError, now};

/// The state of an unexpired session.
pub fn load(conn: &mut DbConnection, id: &str) -> Result<Option<String>, DbError> {
    Ok(sessions::table
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(now()))
        .select(sessions::state)
        .get_result(conn)
        .optional()?)
}

pub fn insert(
    conn: &mut DbConnection,
    id: &str,
    state: &str,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replace the state of an unexpired session; false when there is none.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    state: &str,
    expires_at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::expires_at.gt(now())),
    )
    .set((
        sessions::state.eq(state),
        sessions::expires_at.eq(expires_at),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Extend an unexpired session.
pub fn touch(conn: &mut DbConnection, id: &str, expires_at: NaiveDateTime) -> Result<(), DbError> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::expires_at.gt(now())),
    )
    .set(sessions::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::id.eq(id))).execute(conn)?;
    Ok(())
}

/// Remove expired sessions; returns how many.
pub fn delete_expired(conn: &mut DbConnection) -> Result<usize, DbError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now()))).execute(conn)?)
}
