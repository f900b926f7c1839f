//! Token state: issued refresh tokens (grouped in families for rotation and reuse
//! detection) and access tokens revoked before they expire.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{refresh_tokens, revoked_tokens};
use crate::db::{DbConnection, DbError, now};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshToken {
    pub jti: String,
    pub family_id: String,
    pub user_id: i32,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct NewRefreshToken<'a> {
    pub jti: &'a str,
    pub family_id: &'a str,
    pub user_id: i32,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_refresh(conn: &mut DbConnection, new: &NewRefreshToken<'_>) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh(conn: &mut DbConnection, jti: &str) -> Result<Option<RefreshToken>, DbError> {
    Ok(refresh_tokens::table
        .find(jti)
        .select(RefreshToken::as_select())
        .get_result(conn)
        .optional()?)
}

/// Mark a refresh token used, only if it is still unused and unrevoked. Returns false
/// when another request got there first (which then counts as reuse).
pub fn mark_used(conn: &mut DbConnection, jti: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::jti.eq(jti))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(Some(now())))
    .execute(conn)?;
    Ok(n == 1)
}

/// Revoke every token of a family. Returns how many rows changed.
pub fn revoke_family(conn: &mut DbConnection, family_id: &str) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now())))
    .execute(conn)?)
}

/// Revoke every refresh token family of a user (e.g. after a password change).
pub fn revoke_all_for_user(conn: &mut DbConnection, user_id: i32) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now())))
    .execute(conn)?)
}

/// Revoke every refresh token family of a user but `keep` (the sign-in that asked).
pub fn revoke_all_for_user_except(
    conn: &mut DbConnection,
    user_id: i32,
    keep: &str,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::family_id.ne(keep))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(Some(now())))
    .execute(conn)?)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = revoked_tokens)]
pub struct NewRevokedToken {
    pub jti: String,
    pub token_type: &'static str,
    pub user_id: i32,
    pub revoked_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Record a revoked token. Revoking twice is not an error.
pub fn revoke(conn: &mut DbConnection, new: &NewRevokedToken) -> Result<(), DbError> {
    match diesel::insert_into(revoked_tokens::table)
        .values(new)
        .execute(conn)
    {
        Ok(_) => Ok(()),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Sign-out: record the revoked access token and revoke every refresh token of
/// `families` (run it in a transaction).
pub fn revoke_with_families(
    conn: &mut DbConnection,
    access: &NewRevokedToken,
    families: &[String],
) -> Result<(), DbError> {
    revoke(conn, access)?;
    for family in families {
        revoke_family(conn, family)?;
    }
    Ok(())
}

/// Delete rows whose tokens have expired anyway. Returns (refresh, revoked) counts.
pub fn delete_expired(conn: &mut DbConnection) -> Result<(usize, usize), DbError> {
    let at = now();
    let refresh = diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.lt(at)))
        .execute(conn)?;
    let revoked = diesel::delete(revoked_tokens::table.filter(revoked_tokens::expires_at.lt(at)))
        .execute(conn)?;
    Ok((refresh, revoked))
}
