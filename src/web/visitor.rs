//! What the site keeps for a browser that has no server session (nobody signed in): it
//! lives in the browser, never in the session store, so a crawler or a flood of
//! cookieless requests costs no database row and no Redis key.
//!
//! - **CSRF** (the signed double-submit cookie of the OWASP CSRF cheat sheet): a random
//!   value in its own cookie (`pinkflow_csrf`; `__Host-pinkflow_csrf` in production, where
//!   it is `Secure`), HttpOnly and SameSite=Lax, and the form token is an HMAC-SHA256 of
//!   that value under a key derived from `SECRET_KEY`. A POST passes when its token is the
//!   HMAC of the cookie it came with (compared in constant time): another browser's token
//!   fails (its cookie differs), and a forged token needs the key. The cookie is only set
//!   when a page actually shows a form ([`ensure_csrf_token`]). Signed-in browsers use
//!   the token stored in their session instead (see [`super::session`]), which is new at
//!   every sign-in.
//! - **Flash messages** ("Your account was created", "please sign in again") for such a
//!   browser go into a signed cookie that expires after [`FLASH_TTL_SECS`] and is removed
//!   once shown.
//!
//! The state of one request is a task-local set up by the [`cookies`] middleware (inside
//! the session middleware, around the error pages and the CSRF check); the cookies it
//! needs are written on the way out. Outside that scope (the JSON API) there is nothing
//! to read and nothing is written.

use std::cell::{Cell, RefCell};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::{Sha256, Sha512};

use crate::config::Settings;

type HmacSha256 = Hmac<Sha256>;

/// The CSRF cookie outside production (plain HTTP cannot carry the `__Host-` prefix).
pub const CSRF_COOKIE: &str = "pinkflow_csrf";
/// The CSRF cookie in production: `Secure`, `Path=/`, no `Domain`, so no subdomain or
/// plain-HTTP page can plant one.
pub const CSRF_COOKIE_HOST: &str = "__Host-pinkflow_csrf";
pub const FLASH_COOKIE: &str = "pinkflow_flash";
pub const FLASH_COOKIE_HOST: &str = "__Host-pinkflow_flash";
/// How long a signed-out visitor's flash message waits for the next page.
pub const FLASH_TTL_SECS: i64 = 120;
/// Random bytes in the CSRF cookie (hex in the cookie).
const CSRF_VALUE_BYTES: usize = 32;

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A key for one purpose, derived from `SECRET_KEY` (like the session cookie key).
fn derived_key(settings: &Settings, purpose: &[u8]) -> HmacSha256 {
    let mut master =
        <Hmac<Sha512> as Mac>::new_from_slice(settings.auth.secret_key.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    master.update(purpose);
    let key = master.finalize().into_bytes();
    <HmacSha256 as Mac>::new_from_slice(&key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

/// The keys and cookie names, built once at start-up (application data).
#[derive(Clone)]
pub struct VisitorKeys {
    csrf: HmacSha256,
    flash: HmacSha256,
    secure: bool,
}

impl VisitorKeys {
    pub fn new(settings: &Settings) -> Self {
        VisitorKeys {
            csrf: derived_key(settings, b"pinkflow csrf token key v1"),
            flash: derived_key(settings, b"pinkflow flash cookie key v1"),
            secure: settings.app_env.is_production(),
        }
    }

    pub fn csrf_cookie_name(&self) -> &'static str {
        if self.secure {
            CSRF_COOKIE_HOST
        } else {
            CSRF_COOKIE
        }
    }

    pub fn flash_cookie_name(&self) -> &'static str {
        if self.secure {
            FLASH_COOKIE_HOST
        } else {
            FLASH_COOKIE
        }
    }

    /// The form token for a CSRF cookie value.
    pub fn token_for(&self, cookie_value: &str) -> String {
        let mut mac = self.csrf.clone();
        mac.update(b"csrf\0");
        mac.update(cookie_value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    fn flash_mac(&self, body: &str) -> HmacSha256 {
        let mut mac = self.flash.clone();
        mac.update(b"flash\0");
        mac.update(body.as_bytes());
        mac
    }

    /// `expires.hex(message).hex(mac)`.
    fn seal_flash(&self, message: &str, expires: i64) -> String {
        let body = format!("{expires}.{}", hex(message.as_bytes()));
        let mac = hex(&self.flash_mac(&body).finalize().into_bytes());
        format!("{body}.{mac}")
    }

    /// The message of a flash cookie that is intact and unexpired.
    fn open_flash(&self, value: &str, now: i64) -> Option<String> {
        let (body, mac) = value.rsplit_once('.')?;
        let mac = unhex(mac)?;
        self.flash_mac(body).verify_slice(&mac).ok()?;
        let (expires, message) = body.split_once('.')?;
        if expires.parse::<i64>().ok()? < now {
            return None;
        }
        String::from_utf8(unhex(message)?).ok()
    }
}

/// A well-formed CSRF cookie value: 64 lower-case hex digits.
fn valid_csrf_value(value: &str) -> bool {
    value.len() == CSRF_VALUE_BYTES * 2
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn new_csrf_value() -> String {
    let mut bytes = [0u8; CSRF_VALUE_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

enum FlashOut {
    Unchanged,
    Set(String),
    Clear,
}

/// One request's view of the visitor cookies.
struct Visitor {
    keys: web::Data<VisitorKeys>,
    /// The CSRF cookie's value: the one the browser sent, or one issued now.
    csrf: RefCell<Option<String>>,
    csrf_issued: Cell<bool>,
    /// The message of the flash cookie the browser sent (until taken).
    flash_in: RefCell<Option<String>>,
    /// The browser sent a flash cookie (valid or not): it goes once read.
    flash_cookie_sent: bool,
    flash_out: RefCell<FlashOut>,
}

tokio::task_local! {
    static VISITOR: Visitor;
}

impl Visitor {
    fn read(keys: web::Data<VisitorKeys>, req: &ServiceRequest) -> Self {
        let csrf = req
            .cookie(keys.csrf_cookie_name())
            .map(|c| c.value().to_owned())
            .filter(|v| valid_csrf_value(v));
        let flash = req.cookie(keys.flash_cookie_name());
        let flash_in = flash
            .as_ref()
            .and_then(|c| keys.open_flash(c.value(), chrono::Utc::now().timestamp()));
        Visitor {
            csrf: RefCell::new(csrf),
            csrf_issued: Cell::new(false),
            flash_in: RefCell::new(flash_in),
            flash_cookie_sent: flash.is_some(),
            flash_out: RefCell::new(FlashOut::Unchanged),
            keys,
        }
    }

    fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.keys.secure)
            .finish()
    }

    /// Add the cookies this request changed to `res`.
    fn write(&self, res: &mut HttpResponse) {
        let mut cookies = Vec::new();
        if self.csrf_issued.get()
            && let Some(value) = self.csrf.borrow().clone()
        {
            cookies.push(self.cookie(self.keys.csrf_cookie_name(), value));
        }
        match &*self.flash_out.borrow() {
            FlashOut::Unchanged => {}
            FlashOut::Set(message) => {
                let expires = chrono::Utc::now().timestamp() + FLASH_TTL_SECS;
                let mut c = self.cookie(
                    self.keys.flash_cookie_name(),
                    self.keys.seal_flash(message, expires),
                );
                c.set_max_age(CookieDuration::seconds(FLASH_TTL_SECS));
                cookies.push(c);
            }
            FlashOut::Clear => {
                let mut c = self.cookie(self.keys.flash_cookie_name(), String::new());
                c.make_removal();
                cookies.push(c);
            }
        }
        if super::session_store::session_lost() {
            // The session this browser named cannot be read (its store is out of reach):
            // it is signed out, and told so once, not on every request that names it.
            let mut c = self.cookie(super::session::COOKIE_NAME, String::new());
            c.make_removal();
            cookies.push(c);
        }
        for cookie in cookies {
            if let Err(e) = res.add_cookie(&cookie) {
                tracing::warn!(error = %e, cookie = cookie.name(), "could not set a cookie");
            }
        }
    }
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Middleware (inside the session middleware): gives each browser request its visitor
/// cookies and writes the ones it changed.
pub async fn cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let keys = req.app_data::<web::Data<VisitorKeys>>().cloned();
    let Some(keys) = keys.filter(|_| !is_api(req.path())) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let visitor = Visitor::read(keys, &req);
    VISITOR
        .scope(visitor, async move {
            let mut res = next.call(req).await?.map_into_boxed_body();
            let _ = VISITOR.try_with(|v| v.write(res.response_mut()));
            Ok(res)
        })
        .await
}

/// The CSRF token for this browser's cookie, if it has one (sent or issued now).
pub fn csrf_token() -> Option<String> {
    VISITOR
        .try_with(|v| v.csrf.borrow().as_deref().map(|c| v.keys.token_for(c)))
        .ok()
        .flatten()
}

/// The CSRF token for this browser's cookie, issuing the cookie when it has none.
/// `None` outside a browser request.
pub fn ensure_csrf_token() -> Option<String> {
    VISITOR
        .try_with(|v| {
            let mut csrf = v.csrf.borrow_mut();
            let value = csrf.get_or_insert_with(|| {
                v.csrf_issued.set(true);
                new_csrf_value()
            });
            v.keys.token_for(value)
        })
        .ok()
}

/// Keep `message` for the next page this browser sees, in the flash cookie. False
/// outside a browser request.
pub fn set_flash(message: &str) -> bool {
    VISITOR
        .try_with(|v| *v.flash_out.borrow_mut() = FlashOut::Set(message.to_owned()))
        .is_ok()
}

/// The flash message waiting for this page (set by this request or an earlier one),
/// removed once taken.
pub fn take_flash() -> Option<String> {
    VISITOR
        .try_with(|v| {
            let mut out = v.flash_out.borrow_mut();
            let clear = || {
                if v.flash_cookie_sent {
                    FlashOut::Clear
                } else {
                    FlashOut::Unchanged
                }
            };
            if let FlashOut::Set(message) = std::mem::replace(&mut *out, FlashOut::Unchanged) {
                *out = clear();
                return Some(message);
            }
            let message = v.flash_in.borrow_mut().take();
            if message.is_some() {
                *out = clear();
            }
            message
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::csrf::tokens_match;

    fn keys(secret: &str) -> VisitorKeys {
        let mut map = std::collections::HashMap::new();
        map.insert("APP_ENV".to_owned(), "testing".to_owned());
        map.insert("SECRET_KEY".to_owned(), secret.to_owned());
        map.insert(
            "REFRESH_SECRET_KEY".to_owned(),
            "unit-refresh-secret-0123456789abcdef0123456".to_owned(),
        );
        map.insert("DATABASE_URL".to_owned(), "sqlite://unit.db".to_owned());
        VisitorKeys::new(&Settings::from_map(&map).unwrap())
    }

    #[test]
    fn tokens_depend_on_the_cookie_and_the_key() {
        let k = keys("unit-secret-0123456789abcdef0123456789abcdef");
        let (a, b) = (new_csrf_value(), new_csrf_value());
        assert!(valid_csrf_value(&a) && a != b);
        assert_eq!(k.token_for(&a), k.token_for(&a));
        assert_ne!(k.token_for(&a), k.token_for(&b));
        let other = keys("other-secret-0123456789abcdef0123456789abcde");
        assert_ne!(k.token_for(&a), other.token_for(&a));
        assert!(tokens_match(&k.token_for(&a), &k.token_for(&a)));
        assert!(!tokens_match(&k.token_for(&a), ""));
        assert!(!tokens_match("", ""));
        assert!(!valid_csrf_value("zz") && !valid_csrf_value(&a.to_uppercase()));
    }

    #[test]
    fn flash_cookies_are_signed_and_expire() {
        let k = keys("unit-secret-0123456789abcdef0123456789abcdef");
        let sealed = k.seal_flash("Your account was created.", 1_000);
        assert_eq!(
            k.open_flash(&sealed, 999).as_deref(),
            Some("Your account was created.")
        );
        assert_eq!(k.open_flash(&sealed, 1_001), None, "expired");
        let forged = k.seal_flash("x", 1_000).replace("78", "79");
        assert_eq!(k.open_flash(&forged, 0), None, "altered");
        let later = sealed.replacen("1000", "9999", 1);
        assert_eq!(k.open_flash(&later, 0), None, "extended");
        for junk in ["", ".", "..", "1.zz.zz", "a.b.c.d"] {
            assert_eq!(k.open_flash(junk, 0), None, "{junk:?}");
        }
    }
}
