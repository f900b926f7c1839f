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

/// Start a signed-in session: a new session id, a new CSRF token, nothing carried over
/// (a waiting flash message is in its own cookie, so it survives). `epoch` is the
/// account's session epoch (see [`epoch`]).
pub fn sign_in(
    session: &Session,
    user_id: i32,
    epoch: i32,
) -> Result<(), actix_session::SessionInsertError> {
    let now_ms = chrono::Utc::now().timestamp_millis();
    start(session, user_id, epoch, now_ms.div_euclid(1000), now_ms)
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
    start(session, user_id, epoch, since, since_ms)
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
