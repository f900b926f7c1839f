//! Listed videos and caption tracks written straight to the database, without files or
//! transcoding: for the search benchmark (`pinkflow seed-search`) and tests. The
//! search index follows through its triggers, as it does for real uploads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{captions, videos};
use crate::db::{DbConnection, DbError};
use crate::models::video::{STATUS_READY, VISIBILITY_PUBLIC};

/// One video to write (public and ready unless `visibility` / `status` say otherwise).
#[derive(Debug, Clone)]
pub struct SeedVideo {
    pub owner_id: i32,
    pub title: String,
    pub description: String,
    pub sign_language: String,
    pub duration_seconds: f64,
    pub created_at: NaiveDateTime,
    pub edition_group: Option<String>,
    pub visibility: &'static str,
    pub status: &'static str,
}

impl SeedVideo {
    pub fn listed(owner_id: i32, title: &str, sign_language: &str, at: NaiveDateTime) -> Self {
        SeedVideo {
            owner_id,
            title: title.to_owned(),
            description: String::new(),
            sign_language: sign_language.to_owned(),
            duration_seconds: 30.0,
            created_at: at,
            edition_group: None,
            visibility: VISIBILITY_PUBLIC,
            status: STATUS_READY,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = videos)]
struct Row<'a> {
    owner_id: i32,
    title: &'a str,
    description: &'a str,
    sign_language: &'a str,
    visibility: &'a str,
    status: &'a str,
    progress: i32,
    original_filename: &'a str,
    source_key: &'a str,
    source_size: i64,
    duration_seconds: Option<f64>,
    width: Option<i32>,
    height: Option<i32>,
    edition_group: Option<&'a str>,
    attempts: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    processed_at: Option<NaiveDateTime>,
}

/// Write `list` (in one statement on PostgreSQL); returns the new rows' ids, in the
/// order of `list`.
pub fn videos(conn: &mut DbConnection, list: &[SeedVideo]) -> Result<Vec<i32>, DbError> {
    let rows: Vec<Row<'_>> = list
        .iter()
        .map(|v| Row {
            owner_id: v.owner_id,
            title: &v.title,
            description: &v.description,
            sign_language: &v.sign_language,
            visibility: v.visibility,
            status: v.status,
            progress: 100,
            original_filename: "seed.mp4",
            source_key: "originals/seed.mp4",
            source_size: 1,
            duration_seconds: Some(v.duration_seconds),
            width: Some(320),
            height: Some(240),
            edition_group: v.edition_group.as_deref(),
            attempts: 1,
            created_at: v.created_at,
            updated_at: v.created_at,
            processed_at: Some(v.created_at),
        })
        .collect();
    // Batch inserts do not compile through the multi-backend connection: PostgreSQL
    // takes one statement, SQLite one per row (cheap inside the caller's transaction).
    Ok(match conn {
        DbConnection::Pg(pg) => {
            let mut ids: Vec<i32> = diesel::insert_into(videos::table)
                .values(&rows)
                .returning(videos::id)
                .get_results(pg)?;
            // The ids are drawn in the order of the rows.
            ids.sort_unstable();
            ids
        }
        DbConnection::Sqlite(lite) => rows
            .iter()
            .map(|row| {
                diesel::insert_into(videos::table)
                    .values(row)
                    .returning(videos::id)
                    .get_result(lite)
            })
            .collect::<Result<_, _>>()?,
    })
}

/// One caption track of `video_id` whose cues are `lines` (start seconds, text), 2 s
/// each.
pub fn caption(
    conn: &mut DbConnection,
    video_id: i32,
    language: &str,
    label: &str,
    lines: &[(f64, &str)],
) -> Result<(), DbError> {
    let transcript: Vec<serde_json::Value> = lines
        .iter()
        .map(|(start, text)| {
            let s = start.max(0.0);
            let whole = s as u64;
            serde_json::json!({
                "start_seconds": s,
                "start": format!("{:02}:{:02}:{:02}.{:03}", whole / 3600, whole / 60 % 60, whole % 60,
                                 ((s - whole as f64) * 1000.0).round() as u64 % 1000),
                "speaker": null,
                "text": text,
            })
        })
        .collect();
    let json = serde_json::Value::Array(transcript).to_string();
    let at = crate::db::now();
    diesel::insert_into(captions::table)
        .values((
            captions::video_id.eq(video_id),
            captions::language.eq(language),
            captions::label.eq(label),
            captions::kind.eq("captions"),
            captions::storage_key.eq(format!("captions/seed-{video_id}-{language}.vtt")),
            captions::cue_count.eq(i32::try_from(lines.len()).unwrap_or(i32::MAX)),
            captions::created_at.eq(at),
            captions::transcript.eq(Some(json)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The account that owns seeded videos (`seed@example.invalid`, which cannot sign in:
/// its password hash is not a bcrypt hash), created when missing.
pub fn owner(conn: &mut DbConnection) -> Result<i32, DbError> {
    use crate::db::schema::users;
    const EMAIL: &str = "seed@example.invalid";
    let found: Option<i32> = users::table
        .filter(users::email.eq(EMAIL))
        .select(users::id)
        .first(conn)
        .optional()?;
    if let Some(id) = found {
        return Ok(id);
    }
    let at = crate::db::now();
    Ok(diesel::insert_into(users::table)
        .values((
            users::email.eq(EMAIL),
            users::username.eq("seed-owner"),
            users::password_hash.eq("!"),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .returning(users::id)
        .get_result(conn)?)
}
