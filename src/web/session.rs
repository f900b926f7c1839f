//! Browser sessions: the cookie middleware and what a session holds (the signed-in user,
//! when they signed in, the CSRF token and a one-time flash message).
//!
//! A server session exists only for someone signed in: it is created at sign-in. A
//! signed-out browser's CSRF token and flash message live in its own cookies (see
//! [`super::visitor`]); the functions here pick the right place.

use actix_session::config::{BrowserSession, TtlExtensionPolicy};
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use sha2::Sha512;

use super::session_store::AppSessionStore;
use super::{csrf, visitor};
use crate::config::Settings;

pub const COOKIE_NAME: &str = "pinkflow_session";
const USER_ID: &str = "uid";
const SIGNED_IN_AT: &str = "signed_in_at";
/// The same instant in milliseconds (sessions revoked by moderation compare with it).
const SIGNED_IN_AT_MS: &str = "signed_in_ms";
const EPOCH: &str = "epoch";
/// The id of this session's row in the sign-in registry ([`crate::models::sign_in`]).
const SIGN_IN: &str = "sid";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// The signing key for session cookies, derived from `SECRET_KEY`.
#[expect(
    clippy::expect_used,
    reason = "HMAC takes keys of any length, so new_from_slice cannot fail"
)]
fn cookie_key(settings: &Settings) -> Key {
    let mut mac =
        Hmac::<Sha512>::new_from_slice(settings.auth.secret_key.expose_secret().as_bytes())
            .expect("HMAC accepts keys of any length");
    mac.update(b"pinkflow session cookie signing key v1");
    Key::from(&mac.finalize().into_bytes())
}

/// Cookie: HttpOnly, SameSite=Lax, Secure in production, gone when the browser closes.
/// Server state: expires after `SESSION_IDLE_TIMEOUT` without a request.
pub fn middleware(
    store: AppSessionStore,
    settings: &Settings,
) -> SessionMiddleware<AppSessionStore> {
    let idle = actix_web::cookie::time::Duration::seconds(
        i64::try_from(settings.session.idle_timeout.as_secs()).unwrap_or(i64::MAX),
    );
    SessionMiddleware::builder(store, cookie_key(settings))
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(settings.app_env.is_production())
        .cookie_path("/".to_owned())
        .session_lifecycle(
            BrowserSession::default()
                .state_ttl(idle)
                .state_ttl_extension_policy(TtlExtensionPolicy::OnEveryRequest),
        )
        .build()
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The signed-in user's id, if any. A session older than `absolute_timeout` (counted
/// from sign-in) is destroyed here.
pub fn user_id(session: &Session, absolute_timeout: std::time::Duration) -> Option<i32> {
    let id = session.get::<i32>(USER_ID).ok().flatten()?;
    let since = session.get::<i64>(SIGNED_IN_AT).ok().flatten().unwrap_or(0);
    let limit = i64::try_from(absolute_timeout.as_secs()).unwrap_or(i64::MAX);
    if unix_now().saturating_sub(since) > limit {
        session.purge();
        return None;
    }
    Some(id)
}

/// When this session signed in, in Unix milliseconds (0 when unknown).
pub fn signed_in_at_ms(session: &Session) -> i64 {
    match session.get::<i64>(SIGNED_IN_AT_MS).ok().flatten() {
        Some(ms) => ms,
        None => session
            .get::<i64>(SIGNED_IN_AT)
            .ok()
            .flatten()
            .unwrap_or(0)
            .saturating_mul(1000),
    }
}

/// The account's session epoch this session was started in (0 for sessions from
/// before epochs): a session from an older epoch has ended.
pub fn epoch(session: &Session) -> i32 {
    session.get::<i32>(EPOCH).ok().flatten().unwrap_or(0)
}

/// The id of this session's row in the sign-in registry (`None` for sessions from
/// before the registry).
pub fn sign_in_id(session: &Session) -> Option<String> {
    session.get::<String>(SIGN_IN).ok().flatten()
}

/// Start a signed-in session: a new session id, a new CSRF token, nothing carried over
/// (a waiting flash message is in its own cookie, so it survives). `epoch` is the
/// account's session epoch (see [`epoch`]); `sid` the session's registry row.
pub fn sign_in(
    session: &Session,
    user_id: i32,
    epoch: i32,
    sid: &str,
) -> Result<(), actix_session::SessionInsertError> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    start(session, user_id, epoch, now_ms.div_euclid(1000), now_ms)?;
    session.insert(SIGN_IN, sid)
}

/// Carry the signed-in session on into a new epoch (after this person changed their
/// password): a new session id, the same sign-in time; the old id stops working.
pub fn continue_in_epoch(
    session: &Session,
    user_id: i32,
    epoch: i32,
) -> Result<(), actix_session::SessionInsertError> {
    let since = session
        .get::<i64>(SIGNED_IN_AT)
        .ok()
        .flatten()
        .unwrap_or_else(unix_now);
    let since_ms = signed_in_at_ms(session);
    let sid = sign_in_id(session);
    start(session, user_id, epoch, since, since_ms)?;
    match sid {
        Some(sid) => session.insert(SIGN_IN, sid),
        None => Ok(()),
    }
}

fn start(
    session: &Session,
    user_id: i32,
    epoch: i32,
    signed_in_at: i64,
    signed_in_ms: i64,
) -> Result<(), actix_session::SessionInsertError> {
    session.renew();
    session.clear();
    session.insert(USER_ID, user_id)?;
    session.insert(SIGNED_IN_AT, signed_in_at)?;
    session.insert(SIGNED_IN_AT_MS, signed_in_ms)?;
    session.insert(EPOCH, epoch)?;
    session.insert(CSRF, csrf::new_token())?;
    Ok(())
}

/// End the session everywhere: the server-side state is deleted.
pub fn sign_out(session: &Session) {
    session.purge();
}

/// True when a stored session state belongs to someone signed in (the only states the
/// store keeps; see [`super::session_cache`]). A state with a flash message from before
/// flash messages moved to their cookie is not cached.
pub fn is_signed_in_state(state: &std::collections::HashMap<String, String>) -> bool {
    state.contains_key(USER_ID) && !state.contains_key(FLASH)
}

/// The CSRF token this browser's forms carry, if it has one: the session's when signed
/// in, else the one bound to the browser's CSRF cookie. Never starts anything.
pub fn csrf_token(session: &Session) -> Option<String> {
    session
        .get::<String>(CSRF)
        .ok()
        .flatten()
        .or_else(visitor::csrf_token)
}

/// The CSRF token for a form: the session's when signed in, else one bound to the
/// browser's CSRF cookie (issued now when it has none; no server state). `None` only
/// outside a browser request.
pub fn ensure_csrf_token(session: &Session) -> Option<String> {
    csrf_token(session).or_else(visitor::ensure_csrf_token)
}

/// Keep a message for the next page this browser sees, in a short-lived signed cookie
/// (signed in or not): a session's state never changes after sign-in, so other
/// instances can keep it in memory.
pub fn set_flash(
    _session: &Session,
    message: &str,
) -> Result<(), actix_session::SessionInsertError> {
    if !visitor::set_flash(message) {
        tracing::debug!("flash message dropped outside a browser request");
    }
    Ok(())
}

/// The message waiting for this page, if any, removed once taken: a session's (kept by
/// earlier versions, which stored it there) or the flash cookie's. A session without
/// one is left unchanged (actix-session marks a session changed, and writes it back, on
/// any `remove`, even of a missing key).
pub fn take_flash(session: &Session) -> Option<String> {
    if session.get::<String>(FLASH).ok().flatten().is_some()
        && let Some(Ok(message)) = session.remove_as::<String>(FLASH)
    {
        return Some(message);
    }
    visitor::take_flash()
}

/// What a signed-in session claims, read from it synchronously (so the check can run in
/// a future that does not hold the session).
#[derive(Debug, Clone)]
pub struct Claim {
    pub user_id: i32,
    signed_in_ms: i64,
    epoch: i32,
    pub sid: Option<String>,
}

/// The claim of this session, if it is signed in (and within `absolute_timeout`).
pub fn claim(session: &Session, absolute_timeout: std::time::Duration) -> Option<Claim> {
    let user_id = user_id(session, absolute_timeout)?;
    Some(Claim {
        user_id,
        signed_in_ms: signed_in_at_ms(session),
        epoch: epoch(session),
        sid: sign_in_id(session),
    })
}

/// The account behind `claim`, when the session still counts: the account exists and is
/// not suspended, its sessions were not revoked since, its epoch has not moved on (a
/// password change or reset elsewhere) and the session's sign-in registry row is still
/// there (not signed out from another device). One cached account read: the registry
/// row is part of it, and every instance drops the cache when a sign-in is ended. The
/// row's "last seen" is written at most once a minute.
pub async fn check(
    auth: &crate::auth::AuthService,
    claim: &Claim,
) -> Result<Option<crate::models::User>, crate::db::DbError> {
    let user = auth
        .session_account(claim.user_id, claim.sid.as_deref())
        .await?
        .filter(|u| u.session_valid(claim.signed_in_ms) && u.session_epoch == claim.epoch);
    if let (Some(_), Some(sid)) = (&user, &claim.sid) {
        auth.session_seen(sid);
    }
    Ok(user)
}
