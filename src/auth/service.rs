//! Accounts and tokens: registration, sign-in, refresh rotation with reuse detection,
//! sign-out and authentication of access tokens. No HTTP here.

use std::sync::Arc;

use secrecy::SecretString;

use super::password::{HashError, PasswordHasher};
use super::principals::Principals;
use super::sign_ins::SignInClient;
use super::token_checks::TokenChecks;
use super::tokens::{Claims, TokenError, TokenKeys, TokenType, new_family_id};
use crate::db::{Db, DbError, now};
use crate::domain::{Email, Password, PreferencesUpdate, SignLanguage, Username};
use crate::events::{Event, EventBus, Publish, Via};
use crate::models::User;
use crate::models::sign_in as sign_in_db;
use crate::models::throttle as throttle_db;
use crate::models::token::{self as token_db, NewRefreshToken, NewRevokedToken};
use crate::models::user::{self as user_db, NewUser};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Email already registered")]
    EmailTaken,
    #[error("Username already taken")]
    UsernameTaken,
    #[error("Invalid credentials")]
    InvalidCredentials,
    /// The password was right, but moderators suspended the account.
    #[error("This account is suspended")]
    Suspended,
    #[error("Token is invalid or expired")]
    InvalidToken,
    #[error("Invalid or expired refresh token")]
    InvalidRefreshToken,
    /// Too many failed sign-ins for this account: try again after this long.
    #[error("Too many failed sign-in attempts")]
    Throttled(std::time::Duration),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<TokenError> for AuthError {
    fn from(_: TokenError) -> Self {
        AuthError::InvalidToken
    }
}

pub struct NewAccount {
    pub email: Email,
    pub username: Username,
    pub password: Password,
    pub sign_language: SignLanguage,
}

/// An access + refresh token pair.
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
}

/// How long sign-out and refresh-reuse revocation wait for every instance to confirm
/// that it dropped its cached principals before answering.
pub const REVOCATION_CONFIRM_WITHIN: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Clone)]
pub struct AuthService {
    db: Db,
    keys: Arc<TokenKeys>,
    hasher: PasswordHasher,
    default_modules: Arc<Vec<String>>,
    principals: Principals,
    throttle: LoginThrottle,
    events: EventBus,
    /// Coalesced revocation checks (PostgreSQL), when started.
    checks: Option<TokenChecks>,
    /// The sign-in registry's settings (see [`super::sign_ins`]).
    pub(super) sign_ins: super::sign_ins::SignIns,
}

/// After `max_failures` failed sign-ins for one account within `window`, further
/// attempts wait until the window ends.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    pub max_failures: u32,
    pub window: std::time::Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            max_failures: 5,
            window: std::time::Duration::from_secs(15 * 60),
        }
    }
}

impl AuthService {
    pub fn new(
        db: Db,
        keys: Arc<TokenKeys>,
        hasher: PasswordHasher,
        default_modules: Vec<String>,
        cache_ttl: std::time::Duration,
    ) -> Self {
        AuthService {
            db,
            keys,
            hasher,
            default_modules: Arc::new(default_modules),
            principals: Principals::new(cache_ttl),
            throttle: LoginThrottle::default(),
            events: EventBus::default(),
            checks: None,
            sign_ins: super::sign_ins::SignIns::default(),
        }
    }

    /// Publish account events (`user.created`, `preferences.updated`, ...) on `events`,
    /// and drop cached principals whenever `auth.principals.invalidated` is delivered
    /// (from this instance or, through Redis, from another: before it is acknowledged).
    pub fn with_events(mut self, events: EventBus) -> Self {
        self.principals.follow(&events);
        self.events = events;
        self
    }

    /// Coalesce the revocation checks of access tokens that are not cached (see
    /// [`TokenChecks`]), at most `in_flight` batches at once. Starts a task: call it
    /// inside the runtime.
    pub fn with_coalesced_checks(mut self, in_flight: usize) -> Self {
        self.checks = Some(TokenChecks::start(self.db.clone(), in_flight));
        self
    }

    /// `(checks, batches)` of the coalesced revocation checks, when they are on.
    pub fn token_check_stats(&self) -> Option<(u64, u64)> {
        self.checks.as_ref().map(TokenChecks::stats)
    }

    pub fn with_throttle(mut self, throttle: LoginThrottle) -> Self {
        self.throttle = throttle;
        self
    }

    /// After an account change: principals are dropped here at once and on every other
    /// instance as the event reaches it.
    pub(crate) fn principals_changed(&self, user_id: i32) {
        self.events.publish(Event::PrincipalsInvalidated {
            user_id: Some(user_id),
        });
    }

    /// After a revocation: principals are dropped here and, before this returns, on
    /// every instance the event reached (waiting at most [`REVOCATION_CONFIRM_WITHIN`]).
    pub(crate) async fn revoked(&self, user_id: i32) {
        self.events
            .publish_confirmed(
                Event::PrincipalsInvalidated {
                    user_id: Some(user_id),
                },
                REVOCATION_CONFIRM_WITHIN,
            )
            .await;
    }

    /// The principal cache (its stamp also guards the cached browser sessions).
    pub fn principals(&self) -> &Principals {
        &self.principals
    }

    /// The account behind a browser session: from the principal cache while its stamp
    /// holds (any account change or revocation, on any instance, drops it), else one
    /// database read.
    pub async fn session_user(&self, user_id: i32) -> Result<Option<User>, DbError> {
        let stamp = self.principals.stamp(&self.events);
        if let Some(user) = self.principals.get_user(user_id, stamp) {
            return Ok(Some(user));
        }
        let user = self.db.run(move |c| user_db::find(c, user_id)).await?;
        if let Some(user) = &user {
            self.principals.insert_user(user, stamp);
        }
        Ok(user)
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    pub(crate) fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    pub(crate) fn event_bus(&self) -> &EventBus {
        &self.events
    }

    pub async fn register(&self, account: NewAccount, via: Via) -> Result<User, AuthError> {
        // Cheap checks first so a taken email costs no bcrypt time; the unique indexes
        // still decide races.
        let email = account.email.as_str().to_owned();
        let username = account.username.as_str().to_owned();
        let (email_taken, username_taken) = self
            .db
            .run(move |c| {
                Ok((
                    user_db::email_taken(c, &email)?,
                    user_db::username_taken(c, &username)?,
                ))
            })
            .await?;
        if email_taken {
            return Err(AuthError::EmailTaken);
        }
        if username_taken {
            return Err(AuthError::UsernameTaken);
        }
        let hash = self.hasher.hash(account.password.secret()).await?;
        let modules = serde_json::to_string(&*self.default_modules).unwrap_or_else(|_| "[]".into());
        let result = self
            .db
            .run(move |c| {
                let at = now();
                user_db::insert(
                    c,
                    &NewUser {
                        email: account.email.as_str(),
                        username: account.username.as_str(),
                        password_hash: &hash,
                        preferred_sign_language: account.sign_language.code(),
                        authorized_modules: &modules,
                        created_at: at,
                        updated_at: at,
                    },
                )
            })
            .await;
        match result {
            Ok(user) => {
                self.events.publish(Event::UserCreated {
                    user_id: user.id,
                    via,
                });
                Ok(user)
            }
            Err(e) => match e.unique_violation() {
                Some(what) if what.contains("email") => Err(AuthError::EmailTaken),
                Some(_) => Err(AuthError::UsernameTaken),
                None => Err(e.into()),
            },
        }
    }

    /// Check credentials. Unknown email and wrong password fail alike, in about the same
    /// time. On success `last_login` is set.
    pub async fn verify_credentials(
        &self,
        email: &str,
        password: &SecretString,
    ) -> Result<User, AuthError> {
        let account = throttle_key(email);
        let throttle = self.throttle;
        let lookup = account.clone();
        let (wait, user) = self
            .db
            .run(move |c| {
                let wait = throttle_db::wait_time(
                    c,
                    &lookup,
                    now(),
                    throttle.window,
                    throttle.max_failures,
                )?;
                let user = match wait {
                    Some(_) => None,
                    None => user_db::find_by_email(c, &lookup)?,
                };
                Ok((wait, user))
            })
            .await?;
        if let Some(wait) = wait {
            return Err(AuthError::Throttled(wait));
        }
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let verified = self.hasher.verify(password, hash).await?;
        let Some(mut user) = user.filter(|_| verified) else {
            self.db
                .run(move |c| throttle_db::record_failure(c, &account, now(), throttle.window))
                .await?;
            return Err(AuthError::InvalidCredentials);
        };
        if user.is_suspended() {
            return Err(AuthError::Suspended);
        }
        let id = user.id;
        let at = self
            .db
            .run(move |c| {
                throttle_db::clear(c, &account)?;
                user_db::record_login(c, id)
            })
            .await?;
        user.last_login = Some(at);
        Ok(user)
    }

    /// Start a new token family for a signed-in user, listed among the account's
    /// sign-ins as `client`.
    pub async fn issue_tokens(
        &self,
        user_id: i32,
        client: &SignInClient,
    ) -> Result<TokenPair, AuthError> {
        self.issue_in_family(user_id, new_family_id(), Some(client.clone()))
            .await
    }

    /// Issue a pair in `family`: a new family's sign-in is registered as `client`; a
    /// rotation (`None`) marks the family's sign-in seen now.
    async fn issue_in_family(
        &self,
        user_id: i32,
        family: String,
        client: Option<SignInClient>,
    ) -> Result<TokenPair, AuthError> {
        let access = self.keys.issue(user_id, &family, TokenType::Access);
        let refresh = self.keys.issue(user_id, &family, TokenType::Refresh);
        let claims = refresh.claims.clone();
        self.db
            .transaction(move |c| {
                let at = now();
                token_db::insert_refresh(
                    c,
                    &NewRefreshToken {
                        jti: &claims.jti,
                        family_id: &claims.fam,
                        user_id: claims.user_id,
                        issued_at: at,
                        expires_at: claims.expires_at(),
                    },
                )?;
                match client {
                    Some(client) => sign_in_db::insert(
                        c,
                        &sign_in_db::NewSignIn {
                            id: &super::sign_ins::new_id(),
                            user_id: claims.user_id,
                            kind: sign_in_db::KIND_API,
                            family_id: Some(&claims.fam),
                            device: &client.device,
                            place: &client.place,
                            signed_in_at: at,
                            last_seen_at: at,
                            expires_at: claims.expires_at(),
                        },
                    )?,
                    None => {
                        sign_in_db::touch_family(c, &claims.fam, at, claims.expires_at())?;
                    }
                }
                Ok(())
            })
            .await?;
        Ok(TokenPair {
            access_token: access.token,
            refresh_token: refresh.token,
            expires_in: self.keys.access_ttl.as_secs(),
        })
    }

    /// Exchange a refresh token for a new pair. The presented token is used up; presenting
    /// a used token again revokes its whole family.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let claims = self
            .keys
            .decode(refresh_token, TokenType::Refresh)
            .map_err(|_| AuthError::InvalidRefreshToken)?;
        let jti = claims.jti.clone();
        let outcome = self
            .db
            .run(move |c| {
                let Some(row) = token_db::find_refresh(c, &jti)? else {
                    return Ok(RefreshOutcome::Unknown);
                };
                if row.revoked_at.is_some() || row.user_id != claims.user_id {
                    return Ok(RefreshOutcome::Revoked);
                }
                if token_db::mark_used(c, &jti)? {
                    if user_db::find(c, row.user_id)?.is_none() {
                        return Ok(RefreshOutcome::Unknown);
                    }
                    Ok(RefreshOutcome::Rotate(row.user_id, row.family_id))
                } else {
                    // Already used: someone replayed it. Revoke the family (RFC 9700).
                    token_db::revoke_family(c, &row.family_id)?;
                    Ok(RefreshOutcome::Reused(row.user_id, row.family_id))
                }
            })
            .await?;
        match outcome {
            RefreshOutcome::Rotate(user_id, family) => {
                self.issue_in_family(user_id, family, None).await
            }
            RefreshOutcome::Reused(user_id, family) => {
                self.revoked(user_id).await;
                tracing::warn!(family = %family, "refresh token reuse detected; family revoked");
                Err(AuthError::InvalidRefreshToken)
            }
            RefreshOutcome::Unknown | RefreshOutcome::Revoked => {
                Err(AuthError::InvalidRefreshToken)
            }
        }
    }

    /// Decode an access token and load its user, refusing revoked tokens and families:
    /// one database query (none while the principal is cached).
    pub async fn authenticate(&self, access_token: &str) -> Result<(User, Claims), AuthError> {
        let claims = self.keys.decode(access_token, TokenType::Access)?;
        // Taken before the database is asked: an invalidation that arrives meanwhile
        // makes this lookup's entry stale, so it is never served.
        let stamp = self.principals.stamp(&self.events);
        if let Some(user) = self.principals.get(&claims.jti, stamp) {
            return Ok((user, claims));
        }
        let (jti, fam, id) = (claims.jti.clone(), claims.fam.clone(), claims.user_id);
        let user = match &self.checks {
            Some(checks) => checks.check(id, jti, fam).await?,
            None => {
                self.db
                    .read(move |c| user_db::find_for_token(c, id, &jti, &fam))
                    .await?
            }
        }
        .ok_or(AuthError::InvalidToken)?;
        self.principals.insert(claims.jti.clone(), &user, stamp);
        Ok((user, claims))
    }

    /// Revoke an access token and its family, plus the family of `refresh_token` when it
    /// is a valid token of the same user (anything else in that field is ignored).
    pub async fn logout(
        &self,
        access: &Claims,
        refresh_token: Option<&str>,
    ) -> Result<(), AuthError> {
        let mut families = vec![access.fam.clone()];
        if let Some(Ok(rc)) = refresh_token.map(|rt| self.keys.decode(rt, TokenType::Refresh))
            && rc.user_id == access.user_id
            && rc.fam != access.fam
        {
            families.push(rc.fam);
        }
        let (user_id, revoked) = (
            access.user_id,
            NewRevokedToken {
                jti: access.jti.clone(),
                token_type: TokenType::Access.as_str(),
                user_id: access.user_id,
                revoked_at: now(),
                expires_at: access.expires_at(),
            },
        );
        self.db
            .transaction(move |c| {
                token_db::revoke_with_families(c, &revoked, &families)?;
                sign_in_db::delete_families(c, &families)?;
                Ok(())
            })
            .await?;
        self.revoked(user_id).await;
        Ok(())
    }

    /// Save preference changes. Publishes `preferences.updated` (with the names of the
    /// preferences that differ), `user.updated` when any stored value changed, and
    /// `visual_density.changed` when the density did.
    pub async fn update_preferences(
        &self,
        user_id: i32,
        update: PreferencesUpdate,
        via: Via,
    ) -> Result<User, AuthError> {
        let saved = self
            .db
            .run(move |c| {
                let Some(before) = user_db::find(c, user_id)? else {
                    return Ok(None);
                };
                let after = user_db::update_preferences(c, user_id, &update)?;
                Ok(after.map(|a| (before.preferences(), a)))
            })
            .await?;
        self.principals_changed(user_id);
        let (before, user) = saved.ok_or(AuthError::InvalidToken)?;
        let after = user.preferences();
        let changed = changed_preferences(&before, &after);
        self.events.publish(Event::PreferencesUpdated {
            user_id,
            changed: changed.iter().map(|s| (*s).to_owned()).collect(),
            via,
        });
        if !changed.is_empty() {
            self.events.publish(Event::UserUpdated {
                user_id,
                fields: changed.iter().map(|s| (*s).to_owned()).collect(),
                via,
            });
        }
        if before.density != after.density {
            self.events.publish(Event::VisualDensityChanged {
                user_id,
                from: before.density.get(),
                to: after.density.get(),
                via,
            });
        }
        Ok(user)
    }

    /// Delete expired token rows; returns how many were removed.
    pub async fn purge_expired(&self) -> Result<usize, DbError> {
        let window = self.throttle.window;
        let (a, b, c) = self
            .db
            .run(move |c| {
                let (a, b) = token_db::delete_expired(c)?;
                let floor = now() - chrono::Duration::from_std(window).unwrap_or_default();
                Ok((a, b, throttle_db::purge(c, floor)?))
            })
            .await?;
        Ok(a + b + c)
    }
}

/// The API names of the preferences that differ between `a` and `b`.
fn changed_preferences(
    a: &crate::domain::Preferences,
    b: &crate::domain::Preferences,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if a.sign_language != b.sign_language {
        out.push("preferred_sign_language");
    }
    if a.density != b.density {
        out.push("visual_density");
    }
    if a.reading_level != b.reading_level {
        out.push("reading_level");
    }
    if a.motion_sensitivity != b.motion_sensitivity {
        out.push("motion_sensitivity");
    }
    if a.contrast != b.contrast {
        out.push("color_contrast");
    }
    let (pa, pb) = (a.player.fields(), b.player.fields());
    for ((name, before), (_, after)) in pa.iter().zip(&pb) {
        if before != after {
            out.push(name);
        }
    }
    out
}

enum RefreshOutcome {
    Unknown,
    Revoked,
    Reused(i32, String),
    Rotate(i32, String),
}

/// The sign-in throttle key (and lookup) for what was typed as the email: trimmed and
/// lower-cased. No account's email contains NUL or is longer than 254 bytes, but
/// PostgreSQL cannot store NUL in text nor index a 100 kB key: such input is mapped to a
/// key it can (NUL to U+FFFD; anything overlong to its SHA-256), so these attempts are
/// throttled like any unknown account instead of failing with a database error.
pub fn throttle_key(email: &str) -> String {
    let key = email.trim().to_lowercase().replace('\0', "\u{fffd}");
    if key.len() <= 254 {
        return key;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("overlong:{hex}")
}
