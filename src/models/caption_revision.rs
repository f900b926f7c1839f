//! The `caption_revisions` table: earlier versions of a caption track, kept when the
//! editor saves or restores one, the newest [`KEPT`] per track.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{caption_revisions, captions, users};
use crate::db::{DbConnection, DbError};

/// Revisions kept per track; older ones are deleted as new ones are made.
pub const KEPT: i64 = 10;

/// A revision without its body, with the name of who replaced it.
#[derive(Debug, Clone, Queryable)]
pub struct RevisionSummary {
    pub id: i32,
    pub caption_id: i32,
    pub cue_count: i32,
    pub created_at: NaiveDateTime,
    pub username: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = caption_revisions)]
pub struct NewRevision<'a> {
    pub caption_id: i32,
    pub user_id: Option<i32>,
    pub body: &'a str,
    pub cue_count: i32,
    pub created_at: NaiveDateTime,
}

/// The new state of a track after an edit.
pub struct TrackChange<'a> {
    pub storage_key: &'a str,
    pub cue_count: i32,
    pub transcript: &'a str,
}

/// In one transaction: keep `revision` (the track as it was), point the track at its
/// new file, and delete all but the newest [`KEPT`] revisions. `expected_key` is the
/// file the edit started from: when the track has moved on since, nothing is changed
/// and `Ok(None)` is returned. Otherwise the replaced file's key.
pub fn save(
    conn: &mut DbConnection,
    revision: &NewRevision<'_>,
    expected_key: &str,
    change: &TrackChange<'_>,
) -> Result<Option<String>, DbError> {
    crate::db::write_transaction(conn, |conn| {
        let current: Option<String> = captions::table
            .find(revision.caption_id)
            .select(captions::storage_key)
            .first(conn)
            .optional()?;
        if current.as_deref() != Some(expected_key) {
            return Ok(None);
        }
        diesel::insert_into(caption_revisions::table)
            .values(revision)
            .execute(conn)?;
        diesel::update(captions::table.find(revision.caption_id))
            .set((
                captions::storage_key.eq(change.storage_key),
                captions::cue_count.eq(change.cue_count),
                captions::transcript.eq(Some(change.transcript)),
            ))
            .execute(conn)?;
        let keep: Vec<i32> = caption_revisions::table
            .filter(caption_revisions::caption_id.eq(revision.caption_id))
            .order(caption_revisions::id.desc())
            .limit(KEPT)
            .select(caption_revisions::id)
            .load(conn)?;
        diesel::delete(
            caption_revisions::table
                .filter(caption_revisions::caption_id.eq(revision.caption_id))
                .filter(caption_revisions::id.ne_all(keep)),
        )
        .execute(conn)?;
        Ok(Some(expected_key.to_owned()))
    })
    .map_err(DbError::Query)
}

/// A track's revisions, newest first.
pub fn list(conn: &mut DbConnection, caption_id: i32) -> Result<Vec<RevisionSummary>, DbError> {
    Ok(caption_revisions::table
        .left_join(users::table)
        .filter(caption_revisions::caption_id.eq(caption_id))
        .order(caption_revisions::id.desc())
        .limit(KEPT)
        .select((
            caption_revisions::id,
            caption_revisions::caption_id,
            caption_revisions::cue_count,
            caption_revisions::created_at,
            users::username.nullable(),
        ))
        .load(conn)?)
}

/// One revision of a track, with its body.
pub fn find(
    conn: &mut DbConnection,
    caption_id: i32,
    id: i32,
) -> Result<Option<(RevisionSummary, String)>, DbError> {
    let row: Option<(i32, i32, i32, NaiveDateTime, Option<String>, String)> =
        caption_revisions::table
            .left_join(users::table)
            .filter(caption_revisions::caption_id.eq(caption_id))
            .filter(caption_revisions::id.eq(id))
            .select((
                caption_revisions::id,
                caption_revisions::caption_id,
                caption_revisions::cue_count,
                caption_revisions::created_at,
                users::username.nullable(),
                caption_revisions::body,
            ))
            .first(conn)
            .optional()?;
    Ok(
        row.map(|(id, caption_id, cue_count, created_at, username, body)| {
            (
                RevisionSummary {
                    id,
                    caption_id,
                    cue_count,
                    created_at,
                    username,
                },
                body,
            )
        }),
    )
}
