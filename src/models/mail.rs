//! The mail queue (`mail_outbox`): a mail is a row before it is anything else.
//!
//! A sender *claims* a due row (`pending`, or `sending` whose lease ran out because its
//! sender died) by moving it to `sending` with a lease and a random token; only the
//! holder of the token may then mark it `sent` or put it back with its next attempt
//! time, so two senders never both deliver one mail. PostgreSQL claims with
//! `FOR UPDATE SKIP LOCKED`; on SQLite the single `UPDATE … WHERE id = (SELECT …)` is
//! atomic already (one writer at a time).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::db::schema::mail_outbox;
use crate::db::{DbConnection, DbError};

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_SENDING: &str = "sending";
pub const STATUS_SENT: &str = "sent";
pub const STATUS_FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct QueuedMail {
    pub id: i32,
    pub message_id: String,
    pub kind: String,
    pub user_id: Option<i32>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = mail_outbox)]
pub struct NewMail<'a> {
    pub message_id: &'a str,
    pub kind: &'a str,
    pub user_id: Option<i32>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub status: &'a str,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, new: &NewMail<'_>) -> Result<i32, DbError> {
    Ok(diesel::insert_into(mail_outbox::table)
        .values(new)
        .returning(mail_outbox::id)
        .get_result(conn)?)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Integer)]
    id: i32,
}

const PG_CLAIM: &str = "\
UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1,
       lease_until = $1, lease_token = $2
 WHERE id = (
       SELECT id FROM mail_outbox
        WHERE (status = 'pending' AND next_attempt_at <= $3)
           OR (status = 'sending' AND lease_until < $3)
        ORDER BY next_attempt_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
RETURNING id";

const SQLITE_CLAIM: &str = "\
UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1,
       lease_until = ?1, lease_token = ?2
 WHERE id = (
       SELECT id FROM mail_outbox
        WHERE (status = 'pending' AND next_attempt_at <= ?3)
           OR (status = 'sending' AND lease_until < ?3)
        ORDER BY next_attempt_at, id
        LIMIT 1)
RETURNING id";

/// Claim the next due mail for the holder of `token` until `lease_until`.
pub fn claim(
    conn: &mut DbConnection,
    token: &str,
    at: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<QueuedMail>, DbError> {
    let row = match conn {
        DbConnection::Pg(c) => diesel::sql_query(PG_CLAIM)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(at)
            .get_result::<IdRow>(c)
            .optional()?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQLITE_CLAIM)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(token)
            .bind::<Timestamp, _>(at)
            .get_result::<IdRow>(c)
            .optional()?,
    };
    match row {
        None => Ok(None),
        Some(r) => Ok(mail_outbox::table
            .find(r.id)
            .select(QueuedMail::as_select())
            .get_result(conn)
            .optional()?),
    }
}

/// Delivered: `sent`, and the bodies emptied (they may hold single-use links). False
/// when the lease was lost (another sender holds the row now).
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let n = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::lease_token.eq(token)),
    )
    .set((
        mail_outbox::status.eq(STATUS_SENT),
        mail_outbox::sent_at.eq(Some(at)),
        mail_outbox::lease_until.eq(None::<NaiveDateTime>),
        mail_outbox::lease_token.eq(None::<String>),
        mail_outbox::last_error.eq(None::<String>),
        mail_outbox::body_text.eq(""),
        mail_outbox::body_html.eq(""),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Not delivered this time: back to `pending` until `next_attempt_at`, or `failed`
/// for good when `give_up`.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i32,
    token: &str,
    error: &str,
    next_attempt_at: NaiveDateTime,
    give_up: bool,
) -> Result<bool, DbError> {
    let status = if give_up {
        STATUS_FAILED
    } else {
        STATUS_PENDING
    };
    let n = diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::lease_token.eq(token)),
    )
    .set((
        mail_outbox::status.eq(status),
        mail_outbox::next_attempt_at.eq(next_attempt_at),
        mail_outbox::lease_until.eq(None::<NaiveDateTime>),
        mail_outbox::lease_token.eq(None::<String>),
        mail_outbox::last_error.eq(Some(error)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// When the next pending mail falls due (for the sender's sleep).
pub fn next_due(conn: &mut DbConnection) -> Result<Option<NaiveDateTime>, DbError> {
    use diesel::dsl::min;
    Ok(mail_outbox::table
        .filter(mail_outbox::status.eq(STATUS_PENDING))
        .select(min(mail_outbox::next_attempt_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// How many mails are in each status.
pub fn count_by_status(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, DbError> {
    use diesel::dsl::count_star;
    Ok(mail_outbox::table
        .group_by(mail_outbox::status)
        .select((mail_outbox::status, count_star()))
        .order(mail_outbox::status)
        .load(conn)?)
}

/// The mails not yet sent (pending, sending, failed), oldest first.
pub fn unsent(conn: &mut DbConnection, limit: i64) -> Result<Vec<QueuedMail>, DbError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::status.ne(STATUS_SENT))
        .order(mail_outbox::id)
        .limit(limit)
        .select(QueuedMail::as_select())
        .load(conn)?)
}

/// Every mail to `recipient`, oldest first (tests and support).
pub fn for_recipient(conn: &mut DbConnection, recipient: &str) -> Result<Vec<QueuedMail>, DbError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::recipient.eq(recipient))
        .order(mail_outbox::id)
        .select(QueuedMail::as_select())
        .load(conn)?)
}

/// Forget an account's mail (account deletion): its address is personal data.
pub fn delete_for_user(conn: &mut DbConnection, user_id: i32) -> Result<usize, DbError> {
    Ok(
        diesel::delete(mail_outbox::table.filter(mail_outbox::user_id.eq(user_id)))
            .execute(conn)?,
    )
}
