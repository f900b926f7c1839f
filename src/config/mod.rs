//! Settings, read once at start-up from the environment (and `.env`).
//!
//! Every variable is parsed and validated here, in groups ([`AuthSettings`],
//! [`SessionSettings`], [`RateLimits`], [`CacheSettings`], [`VideoSettings`] …), each
//! read through the one set of helpers in `env` so a bad value stops start-up with one
//! line naming the variable. Secrets are wrapped so they never reach a log.

mod auth;
mod cache;
mod database;
mod env;
mod http;
mod mail;
mod rate_limit;
mod redis;
mod session;
mod telemetry;
mod video;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

pub use auth::{AuthSettings, MIN_SECRET_BYTES, PUBLISHED_DEFAULT_SECRETS};
pub use cache::CacheSettings;
pub use database::{DatabaseSettings, DatabaseUrl, redact_url};
pub use env::{parse_bool, parse_duration};
pub use http::HttpSettings;
pub use mail::MailSettings;
pub use rate_limit::{RateLimit, RateLimits};
pub use redis::{BreakerSettings, RedisSettings};
pub use session::SessionSettings;
pub use telemetry::{LogFormat, TelemetrySettings};
pub use video::{
    HELPER_NAME, MediaSettings, QuotaSettings, VideoSettings, WorkerSettings, X264_PRESETS,
    default_media_bin,
};

use env::Env;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Testing,
    Production,
}

impl AppEnv {
    pub fn is_production(self) -> bool {
        self == AppEnv::Production
    }
}

impl FromStr for AppEnv {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(AppEnv::Development),
            "testing" | "test" => Ok(AppEnv::Testing),
            "production" | "prod" => Ok(AppEnv::Production),
            other => Err(format!(
                "unknown environment {other:?}; use development, testing or production"
            )),
        }
    }
}

/// A variable with a bad value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// All settings of one PinkFlow process.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`: development (default), testing or production.
    pub app_env: AppEnv,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub redis: RedisSettings,
    pub auth: AuthSettings,
    pub session: SessionSettings,
    pub rate_limits: RateLimits,
    pub cache: CacheSettings,
    pub telemetry: TelemetrySettings,
    /// Video uploads, the job queue's workers and the media helper.
    pub video: VideoSettings,
    /// Outgoing mail: SMTP or `.eml` files, the sender, the public address of links.
    pub mail: MailSettings,
    /// Warnings found while loading (e.g. generated secrets), logged once telemetry is up.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Load from the process environment (call `dotenvy::dotenv()` first to include `.env`).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Load from a map, as tests do.
    pub fn from_map(map: &HashMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_lookup(|key| map.get(key).cloned())
    }

    /// Load from any key lookup. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(&lookup);
        let mut warnings = Vec::new();
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());

        let app_env = env.parsed("APP_ENV", AppEnv::Development)?;
        let http = HttpSettings::load(&env, cpus)?;
        let database = DatabaseSettings::load(&env)?;
        let redis = RedisSettings::load(&env)?;
        let auth = AuthSettings::load(&env, app_env, cpus, &mut warnings)?;
        let session = SessionSettings::load(&env)?;
        let rate_limits = RateLimits::load(&env)?;
        let cache = CacheSettings::load(&env)?;
        let telemetry = TelemetrySettings::load(&env)?;
        let video = VideoSettings::load(&env, database.url.is_sqlite())?;
        let mail = MailSettings::load(&env, app_env, &http, &mut warnings)?;
        Ok(Settings {
            app_env,
            http,
            database,
            redis,
            auth,
            session,
            rate_limits,
            cache,
            telemetry,
            video,
            mail,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests;
