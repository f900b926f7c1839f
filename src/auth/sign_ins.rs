//! Where an account is signed in: the sign-in registry ([`crate::models::sign_in`]) that
//! both session stores share. A browser session gets a row at sign-in and keeps its id;
//! an API sign-in (refresh family) gets one when its first tokens are issued. Ending a
//! sign-in deletes its row (and revokes its family), then waits until every instance
//! dropped its cached accounts, so the session's next request, anywhere, is signed out.
//! "Last seen" is written at most once a minute per sign-in. No HTTP here.

use std::time::Duration;

use rand::RngCore;

use super::account::{AccountError, AccountService};
use super::service::AuthService;
use crate::db::{DbError, now};
use crate::models::User;
use crate::models::sign_in::{self as db, KIND_BROWSER, NewSignIn, SignIn};
use crate::models::token as refresh_db;
use crate::models::user as user_db;

/// Longest gap between two writes of a sign-in's "last seen".
pub const SEEN_EVERY: Duration = Duration::from_secs(60);

/// Who signed in from where, as the list shows it (see [`super::device`]).
#[derive(Debug, Clone)]
pub struct SignInClient {
    pub device: String,
    pub place: String,
}

impl SignInClient {
    /// From a User-Agent and the client's address (already resolved through trusted
    /// proxies).
    pub fn new(user_agent: &str, ip: Option<std::net::IpAddr>) -> Self {
        SignInClient {
            device: super::device::describe(user_agent),
            place: super::device::place(ip),
        }
    }
}

/// The registry's settings and this instance's memory of recent "last seen" writes.
#[derive(Clone)]
pub struct SignIns {
    idle: Duration,
    absolute: Duration,
    seen: moka::sync::Cache<String, ()>,
}

impl SignIns {
    /// Browser rows live `absolute` (`SESSION_ABSOLUTE_TIMEOUT`) at most and are listed
    /// while seen within `idle` (`SESSION_IDLE_TIMEOUT`).
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        SignIns {
            idle,
            absolute,
            seen: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(SEEN_EVERY)
                .build(),
        }
    }
}

impl Default for SignIns {
    fn default() -> Self {
        SignIns::new(Duration::from_secs(30 * 60), Duration::from_secs(12 * 3600))
    }
}

pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A registry id as it can be: 32 hex digits.
pub fn plausible_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl AuthService {
    /// Browser sign-ins last `absolute` at most and are listed while seen within `idle`
    /// (the session timeouts).
    pub fn with_session_timeouts(mut self, idle: Duration, absolute: Duration) -> Self {
        self.sign_ins = SignIns::new(idle, absolute);
        self
    }

    /// Give a new browser session its registry row; returns the id it keeps.
    pub async fn start_browser_sign_in(
        &self,
        user_id: i32,
        client: &SignInClient,
    ) -> Result<String, DbError> {
        let (id, client, absolute) = (new_id(), client.clone(), self.sign_ins.absolute);
        let sid = id.clone();
        self.db()
            .run(move |c| {
                let at = now();
                db::insert(
                    c,
                    &NewSignIn {
                        id: &sid,
                        user_id,
                        kind: KIND_BROWSER,
                        family_id: None,
                        device: &client.device,
                        place: &client.place,
                        signed_in_at: at,
                        last_seen_at: at,
                        expires_at: at + chrono(absolute),
                    },
                )
            })
            .await?;
        Ok(id)
    }

    /// The browser session `sid` signed out here: its row goes.
    pub async fn end_browser_sign_in(&self, sid: &str) -> Result<(), DbError> {
        let sid = sid.to_owned();
        self.db().run(move |c| db::delete(c, &sid)).await?;
        Ok(())
    }

    /// The account behind a browser session whose registry row is `sid` (`None`: a
    /// session from before the registry, checked by account alone). Cached like
    /// [`AuthService::session_user`], under the same stamp; the row is read with the
    /// account, in one query.
    pub async fn session_account(
        &self,
        user_id: i32,
        sid: Option<&str>,
    ) -> Result<Option<User>, DbError> {
        let Some(sid) = sid else {
            return self.session_user(user_id).await;
        };
        let key = format!("session:{user_id}:{sid}");
        let stamp = self.principals().stamp(self.event_bus());
        if let Some(user) = self.principals().get(&key, stamp) {
            return Ok(Some(user));
        }
        let sid = sid.to_owned();
        let user = self
            .db()
            .run(move |c| db::find_user_with_session(c, user_id, &sid, now()))
            .await?;
        if let Some(user) = &user {
            self.principals().insert(key, user, stamp);
        }
        Ok(user)
    }

    /// The browser session `sid` was just used: write its "last seen" unless this
    /// instance did within [`SEEN_EVERY`] (the write itself skips rows written by any
    /// instance within that time). Runs after the answer, on a task of its own.
    pub fn session_seen(&self, sid: &str) {
        if self.sign_ins.seen.contains_key(sid) {
            return;
        }
        self.sign_ins.seen.insert(sid.to_owned(), ());
        let (db, sid) = (self.db().clone(), sid.to_owned());
        tokio::spawn(async move {
            if let Err(e) = db
                .run(move |c| db::touch(c, &sid, now(), chrono(SEEN_EVERY)))
                .await
            {
                tracing::debug!(error = %e, "could not record when a session was last seen");
            }
        });
    }

    /// Forget expired and long-idle rows; returns how many.
    pub async fn purge_sign_ins(&self) -> Result<usize, DbError> {
        // Idle rows are kept a little longer than the idle timeout: their "last seen"
        // may lag the session's real last request by up to a minute.
        let idle = self.sign_ins.idle + 2 * SEEN_EVERY;
        self.db()
            .run(move |c| {
                let at = now();
                db::purge_expired(c, at, at - chrono(idle))
            })
            .await
    }

    pub(crate) fn session_idle(&self) -> Duration {
        self.sign_ins.idle
    }
}

/// A sign-in as the list shows it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub row: SignIn,
    /// The sign-in asking (this browser, or the API sign-in whose token asks).
    pub current: bool,
}

impl AccountService {
    /// The account's live sign-ins, most recently seen first, the current one (browser
    /// session `sid`, or API family `family`) marked.
    pub async fn sign_ins(
        &self,
        user_id: i32,
        sid: Option<&str>,
        family: Option<&str>,
    ) -> Result<Vec<Listed>, AccountError> {
        let idle = chrono(self.auth().session_idle());
        let rows = self
            .auth()
            .db()
            .run(move |c| db::live_for_user(c, user_id, now(), idle))
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| Listed {
                current: Some(row.id.as_str()) == sid
                    || (family.is_some() && row.family_id.as_deref() == family),
                row,
            })
            .collect())
    }

    /// End the sign-in `id` of the account: a browser session is signed out on its next
    /// request (on any instance), an API sign-in's whole family is revoked at once.
    /// Returns what was ended; [`AccountError::NoSuchSignIn`] when the account has none
    /// by that id.
    pub async fn sign_out_one(&self, user_id: i32, id: &str) -> Result<SignIn, AccountError> {
        let id = id.to_owned();
        let ended = self
            .auth()
            .db()
            .transaction(move |c| {
                let Some(row) = db::find(c, user_id, &id)? else {
                    return Ok(None);
                };
                if let Some(family) = &row.family_id {
                    refresh_db::revoke_family(c, family)?;
                }
                db::delete(c, &row.id)?;
                Ok(Some(row))
            })
            .await?
            .ok_or(AccountError::NoSuchSignIn)?;
        self.auth().revoked(user_id).await;
        Ok(ended)
    }

    /// End every sign-in of the account but this one (browser session `keep_sid`, or
    /// the API sign-in of `keep_family`): the registry rows go, every other refresh
    /// family is revoked and the session epoch moves on (which also ends sessions from
    /// before the registry). Returns the new epoch (for the browser session carrying
    /// on) and how many listed sign-ins were ended.
    pub async fn sign_out_others(
        &self,
        user_id: i32,
        keep_sid: Option<String>,
        keep_family: Option<String>,
    ) -> Result<(i32, usize), AccountError> {
        let outcome = self
            .auth()
            .db()
            .transaction(move |c| {
                let ended =
                    db::delete_others(c, user_id, keep_sid.as_deref(), keep_family.as_deref())?;
                match &keep_family {
                    Some(keep) => refresh_db::revoke_all_for_user_except(c, user_id, keep)?,
                    None => refresh_db::revoke_all_for_user(c, user_id)?,
                };
                let epoch = user_db::bump_epoch(c, user_id)?;
                Ok((epoch, ended))
            })
            .await?;
        self.auth().revoked(user_id).await;
        Ok(outcome)
    }
}
