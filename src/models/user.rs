//! The `users` table: the account row with its preferences and modules, and the queries
//! that read and change it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::{DbConnection, DbError, now};
use crate::domain::player_prefs::{
    CaptionBackground, CaptionColor, CaptionEdge, CaptionFont, CaptionOpacity, CaptionPosition,
    CaptionSize, PlayerPrefsUpdate, SignCorner, SignLayout, SignSize,
};
use crate::domain::{
    Contrast, Density, PlayerPrefs, Preferences, PreferencesUpdate, ReadingLevel, SignLanguage,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub email: String,
    pub username: String,
    pub password_hash: String,
    pub preferred_sign_language: String,
    pub visual_density: i32,
    pub reading_level: i32,
    pub motion_sensitivity: bool,
    pub color_contrast: String,
    pub authorized_modules: String,
    pub module_preferences: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
    pub caption_size: i32,
    pub caption_color: String,
    pub caption_background: String,
    pub caption_opacity: i32,
    pub caption_font: String,
    pub caption_edge: String,
    pub caption_position: String,
    pub sign_layout: String,
    pub sign_corner: String,
    pub sign_size: String,
    pub keyboard_shortcuts: bool,
    pub role: String,
    pub suspended_at: Option<NaiveDateTime>,
    pub suspended_reason: Option<String>,
    pub sessions_revoked_at: Option<NaiveDateTime>,
    pub video_quota_mb: Option<i32>,
    pub uploads_per_day: Option<i32>,
    /// Bumped by a password change or reset: older browser sessions end.
    pub session_epoch: i32,
    /// When the address was confirmed (`None`: not yet).
    pub email_verified_at: Option<NaiveDateTime>,
}

impl User {
    /// The stored preferences. The database's CHECK constraints keep them valid; a value
    /// that is not (e.g. a sign language removed from the list) falls back to the default.
    pub fn preferences(&self) -> Preferences {
        Preferences {
            sign_language: SignLanguage::parse(&self.preferred_sign_language).unwrap_or_default(),
            density: Density::new(self.visual_density.into()).unwrap_or_default(),
            reading_level: ReadingLevel::new(self.reading_level.into()).unwrap_or_default(),
            motion_sensitivity: self.motion_sensitivity,
            contrast: Contrast::parse(&self.color_contrast).unwrap_or_default(),
            player: self.player_prefs(),
        }
    }

    /// The stored caption appearance and player layout (each value falls back to its
    /// default the same way).
    fn player_prefs(&self) -> PlayerPrefs {
        PlayerPrefs {
            caption_size: CaptionSize::new(self.caption_size.into()).unwrap_or_default(),
            caption_color: CaptionColor::parse(&self.caption_color).unwrap_or_default(),
            caption_background: CaptionBackground::parse(&self.caption_background)
                .unwrap_or_default(),
            caption_opacity: CaptionOpacity::new(self.caption_opacity.into()).unwrap_or_default(),
            caption_font: CaptionFont::parse(&self.caption_font).unwrap_or_default(),
            caption_edge: CaptionEdge::parse(&self.caption_edge).unwrap_or_default(),
            caption_position: CaptionPosition::parse(&self.caption_position).unwrap_or_default(),
            sign_layout: SignLayout::parse(&self.sign_layout).unwrap_or_default(),
            sign_corner: SignCorner::parse(&self.sign_corner).unwrap_or_default(),
            sign_size: SignSize::parse(&self.sign_size).unwrap_or_default(),
            keyboard_shortcuts: self.keyboard_shortcuts,
        }
    }

    /// Modules this person may use (the original's `authorized_modules`, a JSON list).
    pub fn modules(&self) -> Vec<String> {
        serde_json::from_str(&self.authorized_modules).unwrap_or_default()
    }

    pub fn has_module(&self, name: &str) -> bool {
        self.modules().iter().any(|m| m == name)
    }

    /// The stored role (an unknown value counts as a member).
    pub fn role(&self) -> crate::domain::Role {
        crate::domain::Role::parse(&self.role).unwrap_or_default()
    }

    pub fn is_suspended(&self) -> bool {
        self.suspended_at.is_some()
    }

    /// Whether a browser session signed in at `signed_in_ms` (Unix milliseconds) still
    /// counts: not while the account is suspended, nor when its sessions were revoked
    /// after that sign-in.
    pub fn session_valid(&self, signed_in_ms: i64) -> bool {
        !self.is_suspended()
            && self
                .sessions_revoked_at
                .is_none_or(|at| signed_in_ms > at.and_utc().timestamp_millis())
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub password_hash: &'a str,
    pub preferred_sign_language: &'a str,
    pub authorized_modules: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewUser<'_>) -> Result<User, DbError> {
    let id: i32 = diesel::insert_into(users::table)
        .values(new)
        .returning(users::id)
        .get_result(conn)?;
    find(conn, id)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub fn find(conn: &mut DbConnection, id: i32) -> Result<Option<User>, DbError> {
    Ok(users::table
        .find(id)
        .select(User::as_select())
        .get_result(conn)
        .optional()?)
}

/// The user behind an access token, in one query: `None` when the user is gone, the
/// token's `jti` was revoked, or its refresh family was revoked.
///
/// Lookups by a unique key here use `get_result`, not `first`: `first` adds `LIMIT ?`,
/// and SQLite (since 3.47) lets the planner read a bound LIMIT, which makes it prepare
/// the statement again on every execution — most of the cost of this query, which runs
/// on every authenticated request when `AUTH_CACHE_TTL=0`.
pub fn find_for_token(
    conn: &mut DbConnection,
    id: i32,
    jti: &str,
    family: &str,
) -> Result<Option<User>, DbError> {
    use crate::db::schema::{refresh_tokens, revoked_tokens};
    use diesel::dsl::{exists, not};
    Ok(users::table
        .find(id)
        .filter(users::suspended_at.is_null())
        .filter(not(exists(revoked_tokens::table.find(jti))))
        .filter(not(exists(
            refresh_tokens::table
                .filter(refresh_tokens::family_id.eq(family))
                .filter(refresh_tokens::revoked_at.is_not_null()),
        )))
        .select(User::as_select())
        .get_result(conn)
        .optional()?)
}

/// [`find_for_token`] for many tokens at once (`(user id, jti, family)` each), answered
/// in the same order. One token takes the single query; more take one statement for the
/// whole batch on PostgreSQL, where each round trip costs the most: the batch's accounts,
/// each row carrying the revoked ids and the revoked families among the batch's.
pub fn find_for_tokens(
    conn: &mut DbConnection,
    checks: &[(i32, String, String)],
) -> Result<Vec<Option<User>>, DbError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Array, Text};
    use std::collections::{HashMap, HashSet};
    let pg = match conn {
        DbConnection::Pg(pg) if checks.len() > 1 => pg,
        conn => {
            return checks
                .iter()
                .map(|(id, jti, fam)| find_for_token(conn, *id, jti, fam))
                .collect();
        }
    };
    let ids: Vec<i32> = checks.iter().map(|c| c.0).collect();
    let jtis: Vec<String> = checks.iter().map(|c| c.1.clone()).collect();
    let fams: Vec<String> = checks.iter().map(|c| c.2.clone()).collect();
    let revoked_ids = sql::<Array<Text>>(
        "ARRAY(SELECT revoked_tokens.jti FROM revoked_tokens WHERE revoked_tokens.jti = ANY(",
    )
    .bind::<Array<Text>, _>(jtis)
    .sql("))");
    let revoked_families = sql::<Array<Text>>(
        "ARRAY(SELECT DISTINCT refresh_tokens.family_id FROM refresh_tokens \
         WHERE refresh_tokens.revoked_at IS NOT NULL AND refresh_tokens.family_id = ANY(",
    )
    .bind::<Array<Text>, _>(fams)
    .sql("))");
    let rows: Vec<(User, Vec<String>, Vec<String>)> = users::table
        .filter(users::id.eq_any(&ids))
        .filter(users::suspended_at.is_null())
        .select((User::as_select(), revoked_ids, revoked_families))
        .load(pg)?;
    let (mut revoked, mut revoked_families) = (HashSet::new(), HashSet::new());
    let mut users = HashMap::with_capacity(rows.len());
    for (user, ids, families) in rows {
        // Every row carries the same two lists: keep the first.
        if users.is_empty() {
            revoked.extend(ids);
            revoked_families.extend(families);
        }
        users.insert(user.id, user);
    }
    Ok(checks
        .iter()
        .map(|(id, jti, fam)| {
            if revoked.contains(jti) || revoked_families.contains(fam) {
                None
            } else {
                users.get(id).cloned()
            }
        })
        .collect())
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email)),
    ))
    .get_result(conn)?)
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub fn username_taken(conn: &mut DbConnection, username: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        users::table.filter(lower(users::username).eq(username.to_lowercase())),
    ))
    .get_result(conn)?)
}

pub fn record_login(conn: &mut DbConnection, id: i32) -> Result<NaiveDateTime, DbError> {
    let at = now();
    diesel::update(users::table.find(id))
        .set(users::last_login.eq(Some(at)))
        .execute(conn)?;
    Ok(at)
}

pub fn update_preferences(
    conn: &mut DbConnection,
    id: i32,
    update: &PreferencesUpdate,
) -> Result<Option<User>, DbError> {
    let changes = PreferencesChangeset {
        preferred_sign_language: update.sign_language.map(|v| v.code()),
        visual_density: update.density.map(|v| i32::from(v.get())),
        reading_level: update.reading_level.map(|v| i32::from(v.get())),
        motion_sensitivity: update.motion_sensitivity,
        color_contrast: update.contrast.map(|v| v.as_str()),
        player: PlayerChangeset::of(&update.player),
        updated_at: now(),
    };
    diesel::update(users::table.find(id))
        .set(&changes)
        .execute(conn)?;
    find(conn, id)
}

pub fn set_modules(conn: &mut DbConnection, id: i32, modules: &[String]) -> Result<usize, DbError> {
    let json = serde_json::to_string(modules).unwrap_or_else(|_| "[]".into());
    Ok(diesel::update(users::table.find(id))
        .set((
            users::authorized_modules.eq(json),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?)
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct PreferencesChangeset<'a> {
    preferred_sign_language: Option<&'a str>,
    visual_density: Option<i32>,
    reading_level: Option<i32>,
    motion_sensitivity: Option<bool>,
    color_contrast: Option<&'a str>,
    #[diesel(embed)]
    player: PlayerChangeset,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct PlayerChangeset {
    caption_size: Option<i32>,
    caption_color: Option<&'static str>,
    caption_background: Option<&'static str>,
    caption_opacity: Option<i32>,
    caption_font: Option<&'static str>,
    caption_edge: Option<&'static str>,
    caption_position: Option<&'static str>,
    sign_layout: Option<&'static str>,
    sign_corner: Option<&'static str>,
    sign_size: Option<&'static str>,
    keyboard_shortcuts: Option<bool>,
}

impl PlayerChangeset {
    fn of(u: &PlayerPrefsUpdate) -> Self {
        PlayerChangeset {
            caption_size: u.caption_size.map(|v| i32::from(v.get())),
            caption_color: u.caption_color.map(CaptionColor::as_str),
            caption_background: u.caption_background.map(CaptionBackground::as_str),
            caption_opacity: u.caption_opacity.map(|v| i32::from(v.get())),
            caption_font: u.caption_font.map(CaptionFont::as_str),
            caption_edge: u.caption_edge.map(CaptionEdge::as_str),
            caption_position: u.caption_position.map(CaptionPosition::as_str),
            sign_layout: u.sign_layout.map(SignLayout::as_str),
            sign_corner: u.sign_corner.map(SignCorner::as_str),
            sign_size: u.sign_size.map(SignSize::as_str),
            keyboard_shortcuts: u.keyboard_shortcuts,
        }
    }
}

/// Store a new password hash and end every browser session but the one re-started by
/// the caller (the epoch moves on). Returns the new epoch.
pub fn set_password(conn: &mut DbConnection, id: i32, hash: &str) -> Result<i32, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now()),
        ))
        .returning(users::session_epoch)
        .get_result(conn)?)
}

/// End every browser session of the account but the one re-started by the caller (the
/// epoch moves on). Returns the new epoch.
pub fn bump_epoch(conn: &mut DbConnection, id: i32) -> Result<i32, DbError> {
    Ok(diesel::update(users::table.find(id))
        .set(users::session_epoch.eq(users::session_epoch + 1))
        .returning(users::session_epoch)
        .get_result(conn)?)
}

/// Give the account a new address, confirmed at `at` (the link to it was followed).
/// `Ok(false)` when another account has the address.
pub fn change_email(
    conn: &mut DbConnection,
    id: i32,
    email: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    match diesel::update(users::table.find(id))
        .set((
            users::email.eq(email),
            users::email_verified_at.eq(Some(at)),
            users::updated_at.eq(at),
        ))
        .execute(conn)
    {
        Ok(n) => Ok(n == 1),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Record that `email` is confirmed, if it is still the account's address.
pub fn mark_verified(
    conn: &mut DbConnection,
    id: i32,
    email: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        users::table
            .find(id)
            .filter(users::email.eq(email))
            .filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(Some(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Delete the account row; its tokens, links, videos, captions and ratings go with it
/// (foreign keys cascade). Returns whether a row was deleted.
pub fn delete(conn: &mut DbConnection, id: i32) -> Result<bool, DbError> {
    Ok(diesel::delete(users::table.find(id)).execute(conn)? == 1)
}
