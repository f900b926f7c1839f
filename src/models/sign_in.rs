//! The `sign_ins` registry: where an account is signed in. One row per browser session
//! (its id is kept in the session) and one per API sign-in (a refresh token family).
//! Both session stores (Redis and the database) use it, so listing and ending sessions
//! works alike whichever keeps them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, sign_ins, users};
use crate::db::{DbConnection, DbError};
use crate::models::User;

pub const KIND_BROWSER: &str = "browser";
pub const KIND_API: &str = "api";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sign_ins)]
pub struct SignIn {
    pub id: String,
    pub user_id: i32,
    pub kind: String,
    pub family_id: Option<String>,
    pub device: String,
    pub place: String,
    pub signed_in_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sign_ins)]
pub struct NewSignIn<'a> {
    pub id: &'a str,
    pub user_id: i32,
    pub kind: &'a str,
    pub family_id: Option<&'a str>,
    pub device: &'a str,
    pub place: &'a str,
    pub signed_in_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewSignIn<'_>) -> Result<(), DbError> {
    diesel::insert_into(sign_ins::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

/// The account `user_id` when the browser session `sid` is still one of its sign-ins
/// (unexpired at `at`): one query, the account read the session check makes anyway.
/// `Ok(None)` when either is gone.
pub fn find_user_with_session(
    conn: &mut DbConnection,
    user_id: i32,
    sid: &str,
    at: NaiveDateTime,
) -> Result<Option<User>, DbError> {
    Ok(users::table
        .inner_join(
            sign_ins::table.on(sign_ins::user_id
                .eq(users::id)
                .and(sign_ins::id.eq(sid))
                .and(sign_ins::kind.eq(KIND_BROWSER))
                .and(sign_ins::expires_at.gt(at))),
        )
        .filter(users::id.eq(user_id))
        .select(User::as_select())
        .get_result(conn)
        .optional()?)
}

/// The account's sign-ins that may still be used at `at`: browser sessions unexpired
/// and seen within `idle`, API sign-ins whose family still has a usable refresh token.
/// Most recently seen first.
pub fn live_for_user(
    conn: &mut DbConnection,
    user_id: i32,
    at: NaiveDateTime,
    idle: chrono::Duration,
) -> Result<Vec<SignIn>, DbError> {
    let rows: Vec<SignIn> = sign_ins::table
        .filter(sign_ins::user_id.eq(user_id))
        .filter(sign_ins::expires_at.gt(at))
        .order((sign_ins::last_seen_at.desc(), sign_ins::id.asc()))
        .select(SignIn::as_select())
        .load(conn)?;
    let live_families: Vec<String> = refresh_tokens::table
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .filter(refresh_tokens::used_at.is_null())
        .filter(refresh_tokens::expires_at.gt(at))
        .select(refresh_tokens::family_id)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| match (r.kind.as_str(), &r.family_id) {
            (KIND_API, Some(family)) => live_families.contains(family),
            (KIND_BROWSER, _) => r.last_seen_at > at - idle,
            _ => false,
        })
        .collect())
}

/// The sign-in `id` of the account, if it has one by that id.
pub fn find(conn: &mut DbConnection, user_id: i32, id: &str) -> Result<Option<SignIn>, DbError> {
    Ok(sign_ins::table
        .filter(sign_ins::id.eq(id))
        .filter(sign_ins::user_id.eq(user_id))
        .select(SignIn::as_select())
        .get_result(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> Result<usize, DbError> {
    Ok(diesel::delete(sign_ins::table.filter(sign_ins::id.eq(id))).execute(conn)?)
}

/// Forget the API sign-ins of these families (they were revoked).
pub fn delete_families(conn: &mut DbConnection, families: &[String]) -> Result<usize, DbError> {
    Ok(
        diesel::delete(sign_ins::table.filter(sign_ins::family_id.eq_any(families)))
            .execute(conn)?,
    )
}

/// Forget every sign-in of the account but the browser session `keep_sid` and the API
/// sign-in of `keep_family`. Returns how many went.
pub fn delete_others(
    conn: &mut DbConnection,
    user_id: i32,
    keep_sid: Option<&str>,
    keep_family: Option<&str>,
) -> Result<usize, DbError> {
    let rows: Vec<(String, Option<String>)> = sign_ins::table
        .filter(sign_ins::user_id.eq(user_id))
        .select((sign_ins::id, sign_ins::family_id))
        .load(conn)?;
    let gone: Vec<String> = rows
        .into_iter()
        .filter(|(id, family)| {
            Some(id.as_str()) != keep_sid
                && (keep_family.is_none() || family.as_deref() != keep_family)
        })
        .map(|(id, _)| id)
        .collect();
    if gone.is_empty() {
        return Ok(0);
    }
    Ok(diesel::delete(sign_ins::table.filter(sign_ins::id.eq_any(&gone))).execute(conn)?)
}

/// Record that browser session `id` was seen at `at`, unless it was within `every`
/// (so concurrent instances write at most once per interval).
pub fn touch(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
    every: chrono::Duration,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        sign_ins::table
            .filter(sign_ins::id.eq(id))
            .filter(sign_ins::last_seen_at.lt(at - every)),
    )
    .set(sign_ins::last_seen_at.eq(at))
    .execute(conn)?)
}

/// A refresh of family `family` at `at`: seen now, usable until `expires_at`.
pub fn touch_family(
    conn: &mut DbConnection,
    family: &str,
    at: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(
        diesel::update(sign_ins::table.filter(sign_ins::family_id.eq(family)))
            .set((
                sign_ins::last_seen_at.eq(at),
                sign_ins::expires_at.eq(expires_at),
            ))
            .execute(conn)?,
    )
}

/// Delete rows that expired before `at`, and browser rows not seen since `idle_before`.
pub fn purge_expired(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    idle_before: NaiveDateTime,
) -> Result<usize, DbError> {
    let expired =
        diesel::delete(sign_ins::table.filter(sign_ins::expires_at.le(at))).execute(conn)?;
    let idle = diesel::delete(
        sign_ins::table
            .filter(sign_ins::kind.eq(KIND_BROWSER))
            .filter(sign_ins::last_seen_at.lt(idle_before)),
    )
    .execute(conn)?;
    Ok(expired + idle)
}
