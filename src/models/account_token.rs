//! Single-use account links (`account_tokens`): password reset, email verification and
//! change of address. Only the token's SHA-256 is stored; a token is used by one
//! `UPDATE … WHERE used_at IS NULL AND expires_at > now`, so two requests with the same
//! link cannot both succeed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::account_tokens;
use crate::db::{DbConnection, DbError};

pub const PURPOSE_RESET: &str = "password_reset";
pub const PURPOSE_VERIFY: &str = "verify_email";
pub const PURPOSE_EMAIL_CHANGE: &str = "email_change";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_tokens)]
pub struct AccountToken {
    pub id: i32,
    pub purpose: String,
    pub user_id: i32,
    /// The address the link was sent to (for a change of address: the new one).
    pub email: String,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = account_tokens)]
pub struct NewAccountToken<'a> {
    pub token_hash: &'a str,
    pub purpose: &'a str,
    pub user_id: i32,
    pub email: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewAccountToken<'_>) -> Result<(), DbError> {
    diesel::insert_into(account_tokens::table)
        .values(new)
        .execute(conn)?;
    Ok(())
}

/// The token with this hash and purpose, still unused and unexpired at `at`.
pub fn find_live(
    conn: &mut DbConnection,
    hash: &str,
    purpose: &str,
    at: NaiveDateTime,
) -> Result<Option<AccountToken>, DbError> {
    Ok(account_tokens::table
        .filter(account_tokens::token_hash.eq(hash))
        .filter(account_tokens::purpose.eq(purpose))
        .filter(account_tokens::used_at.is_null())
        .filter(account_tokens::expires_at.gt(at))
        .select(AccountToken::as_select())
        .get_result(conn)
        .optional()?)
}

/// Use the live token with this hash and purpose: it is returned once, then never
/// again.
pub fn consume(
    conn: &mut DbConnection,
    hash: &str,
    purpose: &str,
    at: NaiveDateTime,
) -> Result<Option<AccountToken>, DbError> {
    let Some(token) = find_live(conn, hash, purpose, at)? else {
        return Ok(None);
    };
    let n = diesel::update(
        account_tokens::table
            .find(token.id)
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(Some(at)))
    .execute(conn)?;
    Ok((n == 1).then_some(token))
}

/// Retire every unused token of `purpose` for the user (a newer one replaces them, or
/// the password they would reset was just set).
pub fn retire(
    conn: &mut DbConnection,
    user_id: i32,
    purpose: &str,
    at: NaiveDateTime,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::purpose.eq(purpose))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(Some(at)))
    .execute(conn)?)
}

/// Delete tokens that expired before `at`.
pub fn purge_expired(conn: &mut DbConnection, at: NaiveDateTime) -> Result<usize, DbError> {
    Ok(
        diesel::delete(account_tokens::table.filter(account_tokens::expires_at.lt(at)))
            .execute(conn)?,
    )
}
