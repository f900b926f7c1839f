//! Accounts and tokens: the signing secrets (refused in production when weak or
//! published), token lifetimes, bcrypt, the principal cache, the sign-in throttle and the
//! modules new accounts get.

use std::time::Duration;

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use super::env::{Env, at_most, err, in_range};
use super::{AppEnv, ConfigError};

/// The original platform's published default secrets: never acceptable in production.
pub const PUBLISHED_DEFAULT_SECRETS: [&str; 2] = [
    "dev-secret-key-change-in-production",
    "dev-refresh-key-change-in-production",
];
/// Shortest secret accepted in production, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Everything about signing in and tokens.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Signs access tokens and session cookies (`SECRET_KEY`).
    pub secret_key: SecretString,
    /// Signs refresh tokens (`REFRESH_SECRET_KEY`; must differ from `SECRET_KEY`).
    pub refresh_secret_key: SecretString,
    /// `BCRYPT_COST`, default 12.
    pub bcrypt_cost: u32,
    /// Password hashes computed at the same time (`BCRYPT_CONCURRENCY`).
    pub bcrypt_concurrency: usize,
    /// `ACCESS_TOKEN_TTL`, default 15 minutes.
    pub access_token_ttl: Duration,
    /// `REFRESH_TOKEN_TTL`, default 7 days.
    pub refresh_token_ttl: Duration,
    /// How long an authenticated access token may be served from memory
    /// (`AUTH_CACHE_TTL`, default 2s; 0: never).
    pub cache_ttl: Duration,
    /// Failed sign-ins allowed per account within `login_throttle_window`
    /// (`LOGIN_THROTTLE_ATTEMPTS`, default 5).
    pub login_throttle_attempts: u32,
    /// `LOGIN_THROTTLE_WINDOW`, default 15 minutes.
    pub login_throttle_window: Duration,
    /// Modules new accounts may use (the original's `authorized_modules`;
    /// `DEFAULT_MODULES`, default `video`).
    pub default_modules: Vec<String>,
    /// How long a forgotten-password link works (`PASSWORD_RESET_TTL`, default 30 min).
    pub password_reset_ttl: Duration,
    /// How long an email confirmation link works, at registration or for a new
    /// address (`EMAIL_TOKEN_TTL`, default 24 h).
    pub email_token_ttl: Duration,
    /// Uploads need a confirmed address (`REQUIRE_VERIFIED_EMAIL`, default false).
    pub require_verified_email: bool,
}

impl AuthSettings {
    pub(crate) fn load(
        env: &Env<'_>,
        app_env: AppEnv,
        cpus: usize,
        warnings: &mut Vec<String>,
    ) -> Result<Self, ConfigError> {
        let secret_key = load_secret("SECRET_KEY", env.get("SECRET_KEY"), app_env, warnings)?;
        let refresh_secret_key = load_secret(
            "REFRESH_SECRET_KEY",
            env.get("REFRESH_SECRET_KEY"),
            app_env,
            warnings,
        )?;
        if secret_key.expose_secret() == refresh_secret_key.expose_secret() {
            return Err(err(
                "REFRESH_SECRET_KEY",
                "must differ from SECRET_KEY (one key signs access tokens, the other refresh tokens)",
            ));
        }

        // Any value that is not a number gets the production range in its message.
        let bcrypt_cost =
            env.parsed_or("BCRYPT_COST", 12u32, "must be a whole number from 10 to 31")?;
        let min_cost = if app_env == AppEnv::Testing { 4 } else { 10 };
        let bcrypt_cost = in_range("BCRYPT_COST", bcrypt_cost, &(min_cost..=31))?;
        let bcrypt_concurrency =
            env.number("BCRYPT_CONCURRENCY", cpus.saturating_sub(1).max(1), 1..=256)?;

        let access_token_ttl = env.duration("ACCESS_TOKEN_TTL", 900)?;
        let refresh_token_ttl = env.duration("REFRESH_TOKEN_TTL", 7 * 86_400)?;
        if refresh_token_ttl <= access_token_ttl {
            return Err(err(
                "REFRESH_TOKEN_TTL",
                "must be longer than ACCESS_TOKEN_TTL",
            ));
        }
        let cache_ttl = at_most(
            "AUTH_CACHE_TTL",
            env.duration_or_off("AUTH_CACHE_TTL", 2)?,
            Duration::from_secs(60),
            "must be at most 60 seconds (0 turns it off)",
        )?;

        let login_throttle_attempts = env.number("LOGIN_THROTTLE_ATTEMPTS", 5u32, 1..=1000)?;
        let login_throttle_window = env.duration("LOGIN_THROTTLE_WINDOW", 15 * 60)?;
        let default_modules =
            env.list("DEFAULT_MODULES", vec!["video".to_owned()], parse_module)?;
        let password_reset_ttl = at_most(
            "PASSWORD_RESET_TTL",
            env.duration("PASSWORD_RESET_TTL", 30 * 60)?,
            Duration::from_secs(24 * 3600),
            "must be at most 24 hours",
        )?;
        let email_token_ttl = at_most(
            "EMAIL_TOKEN_TTL",
            env.duration("EMAIL_TOKEN_TTL", 24 * 3600)?,
            Duration::from_secs(7 * 24 * 3600),
            "must be at most 7 days",
        )?;
        let require_verified_email = env.flag("REQUIRE_VERIFIED_EMAIL", false)?;
        Ok(AuthSettings {
            password_reset_ttl,
            email_token_ttl,
            require_verified_email,
            secret_key,
            refresh_secret_key,
            bcrypt_cost,
            bcrypt_concurrency,
            access_token_ttl,
            refresh_token_ttl,
            cache_ttl,
            login_throttle_attempts,
            login_throttle_window,
            default_modules,
        })
    }
}

fn load_secret(
    var: &'static str,
    value: Option<String>,
    env: AppEnv,
    warnings: &mut Vec<String>,
) -> Result<SecretString, ConfigError> {
    match value {
        Some(v) => {
            if env.is_production() {
                if v.len() < MIN_SECRET_BYTES {
                    return Err(err(
                        var,
                        format!(
                            "must be at least {MIN_SECRET_BYTES} bytes in production (generate one with `openssl rand -hex 32`)"
                        ),
                    ));
                }
                if PUBLISHED_DEFAULT_SECRETS.contains(&v.as_str()) {
                    return Err(err(
                        var,
                        "is a published default secret; set a random value (`openssl rand -hex 32`)",
                    ));
                }
            }
            Ok(SecretString::from(v))
        }
        None if env.is_production() => Err(err(
            var,
            "is required in production (generate one with `openssl rand -hex 32`)",
        )),
        None => {
            warnings.push(format!(
                "{var} is not set: generated a random one for this process; tokens will not survive a restart"
            ));
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            Ok(SecretString::from(hex))
        }
    }
}

fn parse_module(m: &str) -> Result<String, String> {
    if m.len() <= 32
        && m.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(m.to_owned())
    } else {
        Err(format!(
            "{m:?} is not a module name (lower-case letters, digits, _)"
        ))
    }
}
