//! Per-account sign-in throttle: at most `max` failures per window, counted in the
//! database so every instance sees the same count.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::login_throttle;
use crate::db::{DbConnection, DbError};

fn chrono_window(window: Duration) -> chrono::Duration {
    chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX)
}

/// How long `account` must wait before trying again, if it is locked.
pub fn wait_time(
    conn: &mut DbConnection,
    account: &str,
    now: NaiveDateTime,
    window: Duration,
    max: u32,
) -> Result<Option<Duration>, DbError> {
    let row: Option<(i32, NaiveDateTime)> = login_throttle::table
        .find(account)
        .select((login_throttle::failures, login_throttle::window_started_at))
        .get_result(conn)
        .optional()?;
    Ok(row.and_then(|(failures, started)| {
        let ends = started + chrono_window(window);
        (failures >= max as i32 && ends > now).then(|| (ends - now).to_std().unwrap_or_default())
    }))
}

/// Count one failure: in the current window, or as the first of a new one.
pub fn record_failure(
    conn: &mut DbConnection,
    account: &str,
    now: NaiveDateTime,
    window: Duration,
) -> Result<(), DbError> {
    let window_floor = now - chrono_window(window);
    crate::db::write_transaction(conn, |c| {
        let counted = diesel::update(
            login_throttle::table
                .find(account)
                .filter(login_throttle::window_started_at.gt(window_floor)),
        )
        .set(login_throttle::failures.eq(login_throttle::failures + 1))
        .execute(c)?;
        if counted == 0 {
            diesel::delete(login_throttle::table.find(account)).execute(c)?;
            diesel::insert_into(login_throttle::table)
                .values((
                    login_throttle::account.eq(account),
                    login_throttle::failures.eq(1),
                    login_throttle::window_started_at.eq(now),
                ))
                .execute(c)?;
        }
        Ok::<_, DbError>(())
    })
    .or_else(|e| match e.unique_violation() {
        // Another instance started the window at the same moment: count in it.
        Some(_) => diesel::update(login_throttle::table.find(account))
            .set(login_throttle::failures.eq(login_throttle::failures + 1))
            .execute(conn)
            .map(|_| ())
            .map_err(DbError::from),
        None => Err(e),
    })
}

/// Forget the failures of an account (after a successful sign-in).
pub fn clear(conn: &mut DbConnection, account: &str) -> Result<(), DbError> {
    diesel::delete(login_throttle::table.find(account)).execute(conn)?;
    Ok(())
}

/// Delete windows that ended before `before`.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize, DbError> {
    Ok(
        diesel::delete(login_throttle::table.filter(login_throttle::window_started_at.lt(before)))
            .execute(conn)?,
    )
}
