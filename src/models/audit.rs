//! The audit trail (`audit_log`): one row per audited event, written by the instance
//! that published it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{audit_log, users};
use crate::db::{DbConnection, DbError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i32,
    pub occurred_at: NaiveDateTime,
    pub event: String,
    pub user_id: Option<i32>,
    pub origin: String,
    pub details: String,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditEntry<'a> {
    pub occurred_at: NaiveDateTime,
    pub event: &'a str,
    pub user_id: Option<i32>,
    pub origin: &'a str,
    pub details: &'a str,
}

pub fn insert(conn: &mut DbConnection, entry: &NewAuditEntry<'_>) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// Write several entries (run it in a transaction to write all or none).
pub fn insert_each(conn: &mut DbConnection, entries: &[NewAuditEntry<'_>]) -> Result<(), DbError> {
    for entry in entries {
        insert(conn, entry)?;
    }
    Ok(())
}

/// The newest `limit` entries (of one account when `user_id` is given), newest first,
/// each with the account's current email when it still exists.
pub fn recent(
    conn: &mut DbConnection,
    user_id: Option<i32>,
    limit: i64,
) -> Result<Vec<(AuditEntry, Option<String>)>, DbError> {
    let filter = AuditFilter {
        user_id,
        ..AuditFilter::default()
    };
    filtered(conn, &filter, limit)
}

/// What the admin's audit page filters by (each `None`: any).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i32>,
    pub event: Option<String>,
    /// From this instant (inclusive).
    pub from: Option<NaiveDateTime>,
    /// Before this instant.
    pub until: Option<NaiveDateTime>,
}

/// The newest `limit` entries that pass `filter`, newest first, with emails (as
/// [`recent`]).
pub fn filtered(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<(AuditEntry, Option<String>)>, DbError> {
    let mut query = audit_log::table
        .select(AuditEntry::as_select())
        .order((audit_log::occurred_at.desc(), audit_log::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(id) = filter.user_id {
        query = query.filter(audit_log::user_id.eq(id));
    }
    if let Some(event) = &filter.event {
        query = query.filter(audit_log::event.eq(event.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_log::occurred_at.ge(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_log::occurred_at.lt(until));
    }
    let entries: Vec<AuditEntry> = query.load(conn)?;
    let mut ids: Vec<i32> = entries.iter().filter_map(|e| e.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let emails: Vec<(i32, String)> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::email))
        .load(conn)?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let email = e
                .user_id
                .and_then(|id| emails.iter().find(|(i, _)| *i == id))
                .map(|(_, m)| m.clone());
            (e, email)
        })
        .collect())
}
