//! The `videos` table: uploaded sign-language videos. The row is also the processing
//! job; the queue's SQL lives in [`crate::models::video_job`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::videos;
use crate::db::{DbConnection, DbError, now};
use crate::domain::{UnknownValue, VideoStatus, Visibility};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::sql_types::Text;

/// The column values, for queries (the row itself carries the enums).
pub const STATUS_UPLOADED: &str = VideoStatus::Uploaded.as_str();
pub const STATUS_QUEUED: &str = VideoStatus::Queued.as_str();
pub const STATUS_PROCESSING: &str = VideoStatus::Processing.as_str();
pub const STATUS_READY: &str = VideoStatus::Ready.as_str();
pub const STATUS_FAILED: &str = VideoStatus::Failed.as_str();

pub const VISIBILITY_PRIVATE: &str = Visibility::Private.as_str();
pub const VISIBILITY_PUBLIC: &str = Visibility::Public.as_str();

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = videos)]
#[diesel(check_for_backend(crate::db::MultiBackend))]
pub struct Video {
    pub id: i32,
    pub owner_id: i32,
    pub title: String,
    pub description: String,
    pub sign_language: String,
    /// Checked when the row is read: an unknown word fails the query.
    #[diesel(deserialize_as = Word<Visibility>)]
    pub visibility: Visibility,
    #[diesel(deserialize_as = Word<VideoStatus>)]
    pub status: VideoStatus,
    pub progress: i32,
    pub original_filename: String,
    pub source_key: String,
    pub source_size: i64,
    pub output_key: Option<String>,
    pub poster_key: Option<String>,
    pub duration_seconds: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    pub edition_group: Option<String>,
    pub attempts: i32,
    pub lease_until: Option<NaiveDateTime>,
    pub lease_token: Option<String>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
    /// Frames per second of the processed video, read when it was processed.
    pub frame_rate: Option<f64>,
    /// Set when moderators hid the video; it then shows only to its owner (and
    /// moderators), with the reason.
    pub hidden_at: Option<NaiveDateTime>,
    pub hidden_reason: Option<String>,
}

/// A text column read as the enum `T`: an unknown word fails the row (for `Queryable`
/// and for `QueryableByName`, which wants `Into` rather than `TryFrom`).
#[derive(Debug, diesel::deserialize::FromSqlRow)]
pub struct Word<T>(T);

impl<T, DB> FromSql<Text, DB> for Word<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
    T: TryFrom<String, Error = UnknownValue>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Word(T::try_from(String::from_sql(bytes)?)?))
    }
}

impl From<Word<Visibility>> for Visibility {
    fn from(word: Word<Visibility>) -> Self {
        word.0
    }
}

impl From<Word<VideoStatus>> for VideoStatus {
    fn from(word: Word<VideoStatus>) -> Self {
        word.0
    }
}

impl Video {
    pub fn is_public(&self) -> bool {
        self.visibility.is_public()
    }

    pub fn is_ready(&self) -> bool {
        self.status.is_ready()
    }

    /// True while the job has not reached `ready` or `failed`.
    pub fn is_pending(&self) -> bool {
        self.status.is_pending()
    }

    /// True when moderators hid the video.
    pub fn is_hidden(&self) -> bool {
        self.hidden_at.is_some()
    }

    /// Public, ready and not hidden: what anyone may see, list and cache.
    pub fn is_listed(&self) -> bool {
        self.is_public() && self.is_ready() && !self.is_hidden()
    }

    /// Whether `viewer` may see this video: its owner always; anyone once it is listed.
    pub fn viewable_by(&self, viewer: Option<i32>) -> bool {
        viewer == Some(self.owner_id) || self.is_listed()
    }

    /// Whether moderators (and admins) may see it although `viewable_by` says no: a
    /// public, ready video that moderators hid (so they can judge and restore it).
    pub fn moderators_may_see(&self) -> bool {
        self.is_public() && self.is_ready() && self.is_hidden()
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = videos)]
pub struct NewVideo<'a> {
    pub owner_id: i32,
    pub title: &'a str,
    pub description: &'a str,
    pub sign_language: &'a str,
    pub visibility: &'a str,
    pub status: &'a str,
    pub progress: i32,
    pub original_filename: &'a str,
    pub source_key: &'a str,
    pub source_size: i64,
    pub duration_seconds: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<&'a str>,
    pub audio_codec: Option<&'a str>,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewVideo<'_>) -> Result<Video, DbError> {
    let id: i32 = diesel::insert_into(videos::table)
        .values(new)
        .returning(videos::id)
        .get_result(conn)?;
    find(conn, id)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub fn find(conn: &mut DbConnection, id: i32) -> Result<Option<Video>, DbError> {
    Ok(videos::table
        .find(id)
        .select(Video::as_select())
        .first(conn)
        .optional()?)
}

/// Video `id`, which must exist (e.g. just written in the same transaction).
pub fn get(conn: &mut DbConnection, id: i32) -> Result<Video, DbError> {
    Ok(videos::table
        .find(id)
        .select(Video::as_select())
        .first(conn)?)
}

/// A person's own videos, newest first.
pub fn list_by_owner(
    conn: &mut DbConnection,
    owner_id: i32,
    limit: i64,
) -> Result<Vec<Video>, DbError> {
    Ok(videos::table
        .filter(videos::owner_id.eq(owner_id))
        .order((videos::created_at.desc(), videos::id.desc()))
        .limit(limit)
        .select(Video::as_select())
        .load(conn)?)
}

/// A public video as the catalogue lists it, with what it offers besides the picture.
#[derive(Debug)]
pub struct Listed {
    pub video: Video,
    /// Its text tracks as `kind:label`, sorted.
    pub tracks: Vec<(String, String)>,
    /// The sign languages of its other public, ready editions, sorted.
    pub edition_languages: Vec<String>,
}

impl Listed {
    /// From aggregated columns: `tracks` as `kind:label` and `editions` as sign
    /// languages, each list joined by `separator` (see [`crate::models::search`]).
    pub fn from_aggregates(
        video: Video,
        tracks: Option<String>,
        editions: Option<String>,
        separator: &str,
    ) -> Listed {
        let split = |joined: Option<String>| -> Vec<String> {
            joined
                .map(|j| j.split(separator).map(str::to_owned).collect())
                .unwrap_or_default()
        };
        Listed {
            video,
            tracks: split(tracks)
                .into_iter()
                .filter_map(|t| {
                    let (kind, label) = t.split_once(':')?;
                    Some((kind.to_owned(), label.to_owned()))
                })
                .collect(),
            edition_languages: split(editions),
        }
    }
}

pub fn delete(conn: &mut DbConnection, id: i32) -> Result<usize, DbError> {
    Ok(diesel::delete(videos::table.find(id)).execute(conn)?)
}

/// Change the title, description, sign language or visibility.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = videos)]
pub struct VideoDetailsChangeset<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub sign_language: Option<&'a str>,
    pub visibility: Option<&'a str>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_details(
    conn: &mut DbConnection,
    id: i32,
    changes: &VideoDetailsChangeset<'_>,
) -> Result<usize, DbError> {
    Ok(diesel::update(videos::table.find(id))
        .set(changes)
        .execute(conn)?)
}

/// The other videos of the same signed-edition group (same content, other sign
/// languages), ordered by sign language.
pub fn editions_of(conn: &mut DbConnection, video: &Video) -> Result<Vec<Video>, DbError> {
    let Some(group) = &video.edition_group else {
        return Ok(Vec::new());
    };
    Ok(videos::table
        .filter(videos::edition_group.eq(group))
        .filter(videos::id.ne(video.id))
        .order((videos::sign_language.asc(), videos::id.asc()))
        .select(Video::as_select())
        .load(conn)?)
}

/// Put every video of group `from` (or the single video `id` when it has no group)
/// into group `to`.
pub fn set_edition_group(
    conn: &mut DbConnection,
    id: i32,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<usize, DbError> {
    let at = now();
    let changes = (
        videos::edition_group.eq(to.map(str::to_owned)),
        videos::updated_at.eq(at),
    );
    Ok(match from {
        Some(group) => diesel::update(videos::table.filter(videos::edition_group.eq(group)))
            .set(changes)
            .execute(conn)?,
        None => diesel::update(videos::table.find(id))
            .set(changes)
            .execute(conn)?,
    })
}

/// Put `video` and `other` (and the rest of their groups) in one edition group, unless
/// the group would then hold two editions in the same sign language (`false`). Run it
/// in a transaction.
pub fn link_editions(
    conn: &mut DbConnection,
    video: &Video,
    other: &Video,
) -> Result<bool, DbError> {
    let same_group = video.edition_group.is_some() && video.edition_group == other.edition_group;
    if !same_group {
        let mut languages: Vec<String> = editions_of(conn, video)?
            .into_iter()
            .chain(editions_of(conn, other)?)
            .map(|v| v.sign_language)
            .chain([video.sign_language.clone(), other.sign_language.clone()])
            .collect();
        let before = languages.len();
        languages.sort_unstable();
        languages.dedup();
        if languages.len() != before {
            return Ok(false);
        }
    }
    let group = video
        .edition_group
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    set_edition_group(conn, video.id, video.edition_group.as_deref(), Some(&group))?;
    set_edition_group(conn, other.id, other.edition_group.as_deref(), Some(&group))?;
    Ok(true)
}

/// Remove one video from its edition group; a group left with one video dissolves.
pub fn leave_edition_group(conn: &mut DbConnection, video: &Video) -> Result<(), DbError> {
    let Some(group) = &video.edition_group else {
        return Ok(());
    };
    set_edition_group(conn, video.id, None, None)?;
    let left: i64 = videos::table
        .filter(videos::edition_group.eq(group))
        .count()
        .get_result(conn)?;
    if left == 1 {
        set_edition_group(conn, video.id, Some(group), None)?;
    }
    Ok(())
}

/// Every storage key the `videos` and `captions` tables reference.
pub fn referenced_keys(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    use crate::db::schema::captions;
    let rows: Vec<(String, Option<String>, Option<String>)> = videos::table
        .select((videos::source_key, videos::output_key, videos::poster_key))
        .load(conn)?;
    let mut keys: Vec<String> = rows
        .into_iter()
        .flat_map(|(a, b, c)| [Some(a), b, c])
        .flatten()
        .collect();
    keys.extend(
        captions::table
            .select(captions::storage_key)
            .load::<String>(conn)?,
    );
    Ok(keys)
}
