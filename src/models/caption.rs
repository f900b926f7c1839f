//! The `captions` table: WebVTT tracks of a video.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::captions;
use crate::db::{DbConnection, DbError};

pub const KIND_CAPTIONS: &str = "captions";
pub const KIND_SUBTITLES: &str = "subtitles";
pub const KIND_CHAPTERS: &str = "chapters";
pub const KIND_DESCRIPTIONS: &str = "descriptions";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = captions)]
pub struct Caption {
    pub id: i32,
    pub video_id: i32,
    pub language: String,
    pub label: String,
    pub kind: String,
    pub storage_key: String,
    pub cue_count: i32,
    pub created_at: NaiveDateTime,
    /// The cues as transcript lines (JSON), parsed once when the track was stored;
    /// `None` for tracks stored before the column existed (filled on first read).
    pub transcript: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = captions)]
pub struct NewCaption<'a> {
    pub video_id: i32,
    pub language: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub storage_key: &'a str,
    pub cue_count: i32,
    pub created_at: NaiveDateTime,
    pub transcript: Option<&'a str>,
}

/// Insert a track, replacing the video's track of the same language and kind.
/// Returns the new row and the storage key of the replaced track, if any.
pub fn replace(
    conn: &mut DbConnection,
    new: &NewCaption<'_>,
) -> Result<(Caption, Option<String>), DbError> {
    // Written first, read after: on SQLite a transaction that reads before it writes
    // fails at once (SQLITE_BUSY, no waiting) when another connection committed in
    // between, e.g. the worker updating the video; one that starts with its write waits
    // its turn (busy_timeout).
    crate::db::write_transaction(conn, |conn| {
        let old: Option<(i32, String)> = diesel::delete(
            captions::table
                .filter(captions::video_id.eq(new.video_id))
                .filter(captions::language.eq(new.language))
                .filter(captions::kind.eq(new.kind)),
        )
        .returning((captions::id, captions::storage_key))
        .get_result(conn)
        .optional()?;
        let id: i32 = diesel::insert_into(captions::table)
            .values(new)
            .returning(captions::id)
            .get_result(conn)?;
        let row = captions::table
            .find(id)
            .select(Caption::as_select())
            .first(conn)?;
        Ok((row, old.map(|(_, key)| key)))
    })
    .map_err(DbError::Query)
}

pub fn for_video(conn: &mut DbConnection, video_id: i32) -> Result<Vec<Caption>, DbError> {
    Ok(captions::table
        .filter(captions::video_id.eq(video_id))
        .order((captions::language.asc(), captions::kind.asc()))
        .select(Caption::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i32) -> Result<Option<Caption>, DbError> {
    Ok(captions::table
        .find(id)
        .select(Caption::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConnection, id: i32) -> Result<usize, DbError> {
    Ok(diesel::delete(captions::table.find(id)).execute(conn)?)
}

/// Store the parsed transcript of a track stored before transcripts were kept.
pub fn set_transcript(
    conn: &mut DbConnection,
    id: i32,
    transcript: &str,
) -> Result<usize, DbError> {
    Ok(diesel::update(captions::table.find(id))
        .set(captions::transcript.eq(Some(transcript)))
        .execute(conn)?)
}
