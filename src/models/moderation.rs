//! Moderation's writes to `users` and `videos`: roles, suspension (which revokes every
//! token family and hides the account's videos), hiding and restoring videos, quotas,
//! and finding accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, users, videos};
use crate::db::{DbConnection, DbError, now};
use crate::models::{User, Video};

pub fn set_role(conn: &mut DbConnection, id: i32, role: &str) -> Result<usize, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set((users::role.eq(role), users::updated_at.eq(now())))
        .execute(conn)?)
}

/// Hide video `id` (unless it is hidden already); the video as it is now.
pub fn hide_video(
    conn: &mut DbConnection,
    id: i32,
    reason: &str,
    at: NaiveDateTime,
) -> Result<Option<Video>, DbError> {
    diesel::update(videos::table.find(id).filter(videos::hidden_at.is_null()))
        .set((
            videos::hidden_at.eq(Some(at)),
            videos::hidden_reason.eq(Some(reason)),
        ))
        .execute(conn)?;
    crate::models::video::find(conn, id)
}

/// Show video `id` again; the video as it is now.
pub fn restore_video(conn: &mut DbConnection, id: i32) -> Result<Option<Video>, DbError> {
    diesel::update(videos::table.find(id))
        .set((
            videos::hidden_at.eq(None::<NaiveDateTime>),
            videos::hidden_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    crate::models::video::find(conn, id)
}

/// Suspend account `id` at `at` (run in a transaction): it cannot sign in, its browser
/// sessions end, every refresh family (so every access token) is revoked, and its
/// videos that are not hidden yet are hidden with `video_reason`, stamped `at` (so
/// lifting the suspension restores exactly those). Returns the ids of the videos hidden
/// now, or `None` when there is no such account or it is suspended already.
pub fn suspend(
    conn: &mut DbConnection,
    id: i32,
    reason: &str,
    video_reason: &str,
    at: NaiveDateTime,
) -> Result<Option<Vec<i32>>, DbError> {
    let n = diesel::update(users::table.find(id).filter(users::suspended_at.is_null()))
        .set((
            users::suspended_at.eq(Some(at)),
            users::suspended_reason.eq(Some(reason)),
            users::sessions_revoked_at.eq(Some(at)),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(at)))
    .execute(conn)?;
    // Nothing of this account is signed in any more: its list starts afresh.
    crate::models::sign_in::delete_others(conn, id, None, None)?;
    let hidden: Vec<i32> = videos::table
        .filter(videos::owner_id.eq(id))
        .filter(videos::hidden_at.is_null())
        .select(videos::id)
        .load(conn)?;
    diesel::update(videos::table.filter(videos::id.eq_any(&hidden)))
        .set((
            videos::hidden_at.eq(Some(at)),
            videos::hidden_reason.eq(Some(video_reason)),
        ))
        .execute(conn)?;
    Ok(Some(hidden))
}

/// Lift account `id`'s suspension (run in a transaction), restoring the videos the
/// suspension hid. Returns their ids, or `None` when the account is not suspended.
pub fn unsuspend(conn: &mut DbConnection, id: i32) -> Result<Option<Vec<i32>>, DbError> {
    let Some(user) = crate::models::user::find(conn, id)? else {
        return Ok(None);
    };
    let Some(at) = user.suspended_at else {
        return Ok(None);
    };
    diesel::update(users::table.find(id))
        .set((
            users::suspended_at.eq(None::<NaiveDateTime>),
            users::suspended_reason.eq(None::<String>),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let restored: Vec<i32> = videos::table
        .filter(videos::owner_id.eq(id))
        .filter(videos::hidden_at.eq(Some(at)))
        .select(videos::id)
        .load(conn)?;
    diesel::update(videos::table.filter(videos::id.eq_any(&restored)))
        .set((
            videos::hidden_at.eq(None::<NaiveDateTime>),
            videos::hidden_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(Some(restored))
}

/// Per-account overrides of the storage quota and daily uploads (`None`: default).
pub fn set_quota(
    conn: &mut DbConnection,
    id: i32,
    quota_mb: Option<i32>,
    uploads_per_day: Option<i32>,
) -> Result<usize, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set((
            users::video_quota_mb.eq(quota_mb),
            users::uploads_per_day.eq(uploads_per_day),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// Accounts whose email or username contains `query` (any case), at most `limit`,
/// by email. An empty query lists the first accounts.
pub fn find_users(conn: &mut DbConnection, query: &str, limit: i64) -> Result<Vec<User>, DbError> {
    let escaped: String = query
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let pattern = format!("%{escaped}%");
    Ok(users::table
        .filter(
            lower(users::email)
                .like(&pattern)
                .escape('\\')
                .or(lower(users::username).like(&pattern).escape('\\')),
        )
        .order(users::email.asc())
        .limit(limit)
        .select(User::as_select())
        .load(conn)?)
}

/// Bytes stored for `owner_id`'s videos (their uploaded files).
pub fn storage_used(conn: &mut DbConnection, owner_id: i32) -> Result<i64, DbError> {
    // Summed here: SUM's type differs between the backends (NUMERIC on PostgreSQL).
    let sizes: Vec<i64> = videos::table
        .filter(videos::owner_id.eq(owner_id))
        .select(videos::source_size)
        .load(conn)?;
    Ok(sizes.iter().sum())
}

/// Videos `owner_id` uploaded since `since`.
pub fn uploads_since(
    conn: &mut DbConnection,
    owner_id: i32,
    since: NaiveDateTime,
) -> Result<i64, DbError> {
    Ok(videos::table
        .filter(videos::owner_id.eq(owner_id))
        .filter(videos::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

/// Hidden videos, most recently hidden first, with their owner's username.
pub fn hidden_videos(conn: &mut DbConnection, limit: i64) -> Result<Vec<(Video, String)>, DbError> {
    Ok(videos::table
        .inner_join(users::table.on(users::id.eq(videos::owner_id)))
        .filter(videos::hidden_at.is_not_null())
        .order((videos::hidden_at.desc(), videos::id.desc()))
        .limit(limit)
        .select((Video::as_select(), users::username))
        .load(conn)?)
}

/// Suspended accounts, most recently suspended first.
pub fn suspended_users(conn: &mut DbConnection, limit: i64) -> Result<Vec<User>, DbError> {
    Ok(users::table
        .filter(users::suspended_at.is_not_null())
        .order((users::suspended_at.desc(), users::id.desc()))
        .limit(limit)
        .select(User::as_select())
        .load(conn)?)
}
