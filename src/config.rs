//! Settings, read once at start-up from the environment (and `.env`).
//!
//! Every variable is parsed and validated here; a bad value stops start-up with
//! one line naming the variable. Secrets are wrapped so they never reach a log.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

/// The original platform's published default secrets: never acceptable in production.
pub const PUBLISHED_DEFAULT_SECRETS: [&str; 2] = [
    "dev-secret-key-change-in-production",
    "dev-refresh-key-change-in-production",
];
/// Shortest secret accepted in production, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pretty" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?}; use pretty or json")),
        }
    }
}

/// Which database the `DATABASE_URL` names.
#[derive(Debug, Clone)]
pub enum DatabaseUrl {
    /// A SQLite file path.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (kept secret: it may hold a password).
    Postgres(SecretString),
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(
                    "give SQLite a file path, e.g. sqlite://./data/pinkflow.db (in-memory databases are not shared between connections)"
                        .into(),
                );
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(SecretString::from(raw.to_owned())))
        } else {
            Err("must start with sqlite:// or postgres://".into())
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// The URL with any password removed, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => redact_url(url.expose_secret()),
        }
    }
}

/// Replace the password of `scheme://user:password@host/...` with `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => url.to_owned(),
    }
}

/// A rate limit such as `5/minute`: `count` requests per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub period: Duration,
}

impl RateLimit {
    /// Interval after which one request of the quota is replenished.
    pub fn replenish_interval(&self) -> Duration {
        self.period / self.count
    }
}

impl FromStr for RateLimit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = "use COUNT/UNIT, e.g. 5/minute (units: second, minute, hour, day)";
        let (count, unit) = s.trim().split_once('/').ok_or_else(|| usage.to_string())?;
        let count: u32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{count:?} is not a whole number; {usage}"))?;
        if count == 0 {
            return Err(format!("the count must be at least 1; {usage}"));
        }
        if count > 1_000_000_000 {
            return Err(format!("the count is too large; {usage}"));
        }
        let secs = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "second" | "seconds" => 1,
            "m" | "min" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3_600,
            "d" | "day" | "days" => 86_400,
            other => return Err(format!("unknown unit {other:?}; {usage}")),
        };
        Ok(RateLimit {
            count,
            period: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "second",
            60 => "minute",
            3_600 => "hour",
            _ => "day",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// Parse `900`, `900s`, `15m`, `12h` or `7d` into a duration.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 's')) => (&s[..i], 1),
        Some((i, 'm')) => (&s[..i], 60),
        Some((i, 'h')) => (&s[..i], 3_600),
        Some((i, 'd')) => (&s[..i], 86_400),
        _ => (s, 1),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a duration; use seconds (900) or 15m, 12h, 7d"))?;
    let secs = n
        .checked_mul(mult)
        .filter(|&v| v > 0 && v <= 10 * 365 * 86_400)
        .ok_or_else(|| format!("{s:?} must be between 1 second and 10 years"))?;
    Ok(Duration::from_secs(secs))
}

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

fn err(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// All settings of one PinkFlow process.
#[derive(Debug, Clone)]
pub struct Settings {
    pub app_env: AppEnv,
    pub host: String,
    pub port: u16,
    pub database_url: DatabaseUrl,
    pub database_pool_size: u32,
    pub redis_url: Option<SecretString>,
    pub secret_key: SecretString,
    pub refresh_secret_key: SecretString,
    pub bcrypt_cost: u32,
    pub bcrypt_concurrency: usize,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How long an authenticated access token may be served from memory (0: never).
    pub auth_cache_ttl: Duration,
    /// Failed sign-ins allowed per account within `login_throttle_window`.
    pub login_throttle_attempts: u32,
    pub login_throttle_window: Duration,
    /// A browser session ends after this long without a request.
    pub session_idle_timeout: Duration,
    /// A browser session ends this long after sign-in, however active it is.
    pub session_absolute_timeout: Duration,
    pub rate_limit_register: RateLimit,
    pub rate_limit_login: RateLimit,
    pub rate_limit_refresh: RateLimit,
    pub rate_limit_api: RateLimit,
    pub trusted_proxies: Vec<IpNet>,
    pub cors_allowed_origins: Vec<String>,
    pub video_upload_folder: PathBuf,
    pub log_format: LogFormat,
    pub workers: usize,
    /// Modules new accounts may use (the original's `authorized_modules`).
    pub default_modules: Vec<String>,
    /// Video uploads and processing.
    pub video: VideoSettings,
    /// Consecutive failures after which a dependency's circuit breaker opens.
    pub circuit_breaker_failure_threshold: u32,
    /// How long an open breaker fails fast before letting one trial call through.
    pub circuit_breaker_recovery_timeout: Duration,
    /// Time to live of entries in the preference-aware cache (0: caching off).
    pub cache_default_timeout: Duration,
    /// First part of every cache key in Redis (deployments sharing one Redis keep apart).
    pub cache_key_prefix: String,
    /// Bearer token required by `GET /metrics` (unset: open, for a private network).
    pub metrics_token: Option<SecretString>,
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
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        fn parsed<T: FromStr>(
            var: &'static str,
            value: Option<String>,
            default: T,
        ) -> Result<T, ConfigError>
        where
            T::Err: fmt::Display,
        {
            match value {
                None => Ok(default),
                Some(v) => v.trim().parse().map_err(|e| err(var, format!("{e}"))),
            }
        }
        let mut warnings = Vec::new();

        let app_env = parsed("APP_ENV", get("APP_ENV"), AppEnv::Development)?;
        let host = get("HOST").unwrap_or_else(|| "127.0.0.1".into());
        host.parse::<IpAddr>().map(|_| ()).or_else(|_| {
            if host == "localhost" {
                Ok(())
            } else {
                Err(err("HOST", format!("{host:?} is not an IP address")))
            }
        })?;
        let port: u16 = parsed("PORT", get("PORT"), 8080u16)
            .map_err(|_| err("PORT", "must be a port number from 0 to 65535"))?;

        let database_url = DatabaseUrl::parse(
            &get("DATABASE_URL").unwrap_or_else(|| "sqlite://./data/pinkflow.db".into()),
        )
        .map_err(|m| err("DATABASE_URL", m))?;
        let default_pool = if database_url.is_sqlite() { 8 } else { 16 };
        let database_pool_size: u32 = parsed(
            "DATABASE_POOL_SIZE",
            get("DATABASE_POOL_SIZE"),
            default_pool,
        )
        .map_err(|_| {
            err(
                "DATABASE_POOL_SIZE",
                "must be a whole number from 1 to 1000",
            )
        })?;
        if !(1..=1000).contains(&database_pool_size) {
            return Err(err(
                "DATABASE_POOL_SIZE",
                "must be a whole number from 1 to 1000",
            ));
        }

        let redis_url = match get("REDIS_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                    return Err(err("REDIS_URL", "must start with redis:// or rediss://"));
                }
                Some(SecretString::from(url))
            }
        };

        let secret_key = load_secret("SECRET_KEY", get("SECRET_KEY"), app_env, &mut warnings)?;
        let refresh_secret_key = load_secret(
            "REFRESH_SECRET_KEY",
            get("REFRESH_SECRET_KEY"),
            app_env,
            &mut warnings,
        )?;
        if secret_key.expose_secret() == refresh_secret_key.expose_secret() {
            return Err(err(
                "REFRESH_SECRET_KEY",
                "must differ from SECRET_KEY (one key signs access tokens, the other refresh tokens)",
            ));
        }

        let bcrypt_cost: u32 = parsed("BCRYPT_COST", get("BCRYPT_COST"), 12u32)
            .map_err(|_| err("BCRYPT_COST", "must be a whole number from 10 to 31"))?;
        let min_cost = if app_env == AppEnv::Testing { 4 } else { 10 };
        if !(min_cost..=31).contains(&bcrypt_cost) {
            return Err(err(
                "BCRYPT_COST",
                format!("must be a whole number from {min_cost} to 31"),
            ));
        }
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let bcrypt_concurrency: usize = parsed(
            "BCRYPT_CONCURRENCY",
            get("BCRYPT_CONCURRENCY"),
            cpus.saturating_sub(1).max(1),
        )
        .map_err(|_| err("BCRYPT_CONCURRENCY", "must be a whole number from 1 to 256"))?;
        if !(1..=256).contains(&bcrypt_concurrency) {
            return Err(err(
                "BCRYPT_CONCURRENCY",
                "must be a whole number from 1 to 256",
            ));
        }

        let duration = |var: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(var) {
                None => Ok(Duration::from_secs(default)),
                Some(v) => parse_duration(&v).map_err(|m| err(var, m)),
            }
        };
        let access_token_ttl = duration("ACCESS_TOKEN_TTL", 900)?;
        let refresh_token_ttl = duration("REFRESH_TOKEN_TTL", 7 * 86_400)?;
        if refresh_token_ttl <= access_token_ttl {
            return Err(err(
                "REFRESH_TOKEN_TTL",
                "must be longer than ACCESS_TOKEN_TTL",
            ));
        }

        let auth_cache_ttl = match get("AUTH_CACHE_TTL") {
            Some(v) if v.trim() == "0" => Duration::ZERO,
            _ => duration("AUTH_CACHE_TTL", 2)?,
        };
        if auth_cache_ttl > Duration::from_secs(60) {
            return Err(err(
                "AUTH_CACHE_TTL",
                "must be at most 60 seconds (0 turns it off)",
            ));
        }

        let login_throttle_attempts: u32 = parsed(
            "LOGIN_THROTTLE_ATTEMPTS",
            get("LOGIN_THROTTLE_ATTEMPTS"),
            5u32,
        )
        .map_err(|_| {
            err(
                "LOGIN_THROTTLE_ATTEMPTS",
                "must be a whole number from 1 to 1000",
            )
        })?;
        if !(1..=1000).contains(&login_throttle_attempts) {
            return Err(err(
                "LOGIN_THROTTLE_ATTEMPTS",
                "must be a whole number from 1 to 1000",
            ));
        }
        let login_throttle_window = duration("LOGIN_THROTTLE_WINDOW", 15 * 60)?;

        let limit = |var: &'static str, default: &str| -> Result<RateLimit, ConfigError> {
            get(var)
                .unwrap_or_else(|| default.into())
                .parse()
                .map_err(|m: String| err(var, m))
        };
        let session_idle_timeout = duration("SESSION_IDLE_TIMEOUT", 30 * 60)?;
        let session_absolute_timeout = duration("SESSION_ABSOLUTE_TIMEOUT", 12 * 3_600)?;
        if session_absolute_timeout < session_idle_timeout {
            return Err(err(
                "SESSION_ABSOLUTE_TIMEOUT",
                "must be at least as long as SESSION_IDLE_TIMEOUT",
            ));
        }

        let rate_limit_register = limit("RATE_LIMIT_REGISTER", "5/minute")?;
        let rate_limit_login = limit("RATE_LIMIT_LOGIN", "10/minute")?;
        let rate_limit_refresh = limit("RATE_LIMIT_REFRESH", "20/minute")?;
        let rate_limit_api = limit("RATE_LIMIT_API", "100/hour")?;

        let trusted_proxies = match get("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => parse_proxies(&list).map_err(|m| err("TRUSTED_PROXIES", m))?,
        };
        let cors_allowed_origins = match get("CORS_ALLOWED_ORIGINS") {
            None => Vec::new(),
            Some(list) => parse_origins(&list).map_err(|m| err("CORS_ALLOWED_ORIGINS", m))?,
        };

        let video_upload_folder =
            PathBuf::from(get("VIDEO_UPLOAD_FOLDER").unwrap_or_else(|| "./data/videos".into()));
        let log_format = parsed("LOG_FORMAT", get("LOG_FORMAT"), LogFormat::Pretty)?;
        let workers: usize = parsed("WORKERS", get("WORKERS"), cpus)
            .map_err(|_| err("WORKERS", "must be a whole number from 1 to 256"))?;
        if !(1..=256).contains(&workers) {
            return Err(err("WORKERS", "must be a whole number from 1 to 256"));
        }

        let default_modules = match get("DEFAULT_MODULES") {
            None => vec!["video".to_string()],
            Some(list) => parse_modules(&list).map_err(|m| err("DEFAULT_MODULES", m))?,
        };

        let video = load_video_settings(&get, database_url.is_sqlite())?;

        let circuit_breaker_failure_threshold: u32 = parsed(
            "CIRCUIT_BREAKER_FAILURE_THRESHOLD",
            get("CIRCUIT_BREAKER_FAILURE_THRESHOLD"),
            5u32,
        )
        .map_err(|_| {
            err(
                "CIRCUIT_BREAKER_FAILURE_THRESHOLD",
                "must be a whole number from 1 to 1000",
            )
        })?;
        if !(1..=1000).contains(&circuit_breaker_failure_threshold) {
            return Err(err(
                "CIRCUIT_BREAKER_FAILURE_THRESHOLD",
                "must be a whole number from 1 to 1000",
            ));
        }
        let circuit_breaker_recovery_timeout = duration("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", 60)?;
        if circuit_breaker_recovery_timeout > Duration::from_secs(3_600) {
            return Err(err(
                "CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
                "must be at most one hour",
            ));
        }
        let cache_default_timeout = match get("CACHE_DEFAULT_TIMEOUT") {
            Some(v) if v.trim() == "0" => Duration::ZERO,
            _ => duration("CACHE_DEFAULT_TIMEOUT", 300)?,
        };
        if cache_default_timeout > Duration::from_secs(86_400) {
            return Err(err("CACHE_DEFAULT_TIMEOUT", "must be at most one day"));
        }
        let cache_key_prefix = get("CACHE_KEY_PREFIX").unwrap_or_else(|| "pinkflow".into());
        let cache_key_prefix = cache_key_prefix.trim().to_owned();
        if cache_key_prefix.len() > 40
            || !cache_key_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(err(
                "CACHE_KEY_PREFIX",
                "must be 1 to 40 lower-case letters, digits, - or _",
            ));
        }
        let metrics_token = match get("METRICS_TOKEN") {
            None => None,
            Some(token) => {
                let token = token.trim().to_owned();
                if token.len() < 16 || !token.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(err(
                        "METRICS_TOKEN",
                        "must be at least 16 printable characters without spaces (e.g. `openssl rand -hex 32`)",
                    ));
                }
                Some(SecretString::from(token))
            }
        };

        Ok(Settings {
            video,
            circuit_breaker_failure_threshold,
            circuit_breaker_recovery_timeout,
            cache_default_timeout,
            cache_key_prefix,
            metrics_token,
            default_modules,
            app_env,
            host,
            port,
            database_url,
            database_pool_size,
            redis_url,
            secret_key,
            refresh_secret_key,
            bcrypt_cost,
            bcrypt_concurrency,
            access_token_ttl,
            refresh_token_ttl,
            auth_cache_ttl,
            login_throttle_attempts,
            login_throttle_window,
            session_idle_timeout,
            session_absolute_timeout,
            rate_limit_register,
            rate_limit_login,
            rate_limit_refresh,
            rate_limit_api,
            trusted_proxies,
            cors_allowed_origins,
            video_upload_folder,
            log_format,
            workers,
            warnings,
        })
    }
}

/// Settings of the video upload, queue and workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoSettings {
    /// Largest upload accepted (`VIDEO_MAX_SIZE_MB`, default 500), in bytes.
    pub max_upload_bytes: u64,
    /// Processing attempts before a job is marked failed (`VIDEO_MAX_ATTEMPTS`, default 3).
    pub max_attempts: i32,
    /// Largest output height in pixels (`VIDEO_MAX_HEIGHT`, default 720; even).
    pub max_height: u32,
    /// libx264 preset (`VIDEO_X264_PRESET`, default `veryfast`).
    pub x264_preset: String,
    /// Jobs one worker process runs at the same time (`WORKER_CONCURRENCY`, default 1).
    pub worker_concurrency: usize,
    /// Whether `pinkflow serve` runs one worker in-process (`WORKER_EMBEDDED`; default on
    /// for SQLite, off for PostgreSQL).
    pub worker_embedded: bool,
    /// How long a claimed job stays leased without renewal (`WORKER_LEASE_DURATION`, 60s).
    pub lease_duration: Duration,
    /// How often an idle worker looks for jobs (`WORKER_POLL_INTERVAL`, default 2s).
    pub poll_interval: Duration,
    /// The `pinkflow-media` helper that runs FFmpeg (`MEDIA_BIN`; default: next to the
    /// running executable, else on `PATH`).
    pub media_bin: PathBuf,
}

/// Where the `pinkflow-media` helper is when `MEDIA_BIN` is unset: next to the running
/// executable when it is there, else looked up on `PATH`.
pub fn default_media_bin() -> PathBuf {
    let name = crate::video::media::HELPER_NAME;
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(name)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(name))
}

/// x264 presets accepted by `VIDEO_X264_PRESET`.
pub const X264_PRESETS: [&str; 9] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];

fn load_video_settings(
    get: &impl Fn(&str) -> Option<String>,
    is_sqlite: bool,
) -> Result<VideoSettings, ConfigError> {
    fn number<T>(
        get: &impl Fn(&str) -> Option<String>,
        var: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display + Copy,
    {
        let message = || {
            format!(
                "must be a whole number from {} to {}",
                range.start(),
                range.end()
            )
        };
        let value = match get(var) {
            None => default,
            Some(v) => v.trim().parse().map_err(|_| err(var, message()))?,
        };
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(err(var, message()))
        }
    }
    let duration = |var: &'static str, default: u64| -> Result<Duration, ConfigError> {
        match get(var) {
            None => Ok(Duration::from_secs(default)),
            Some(v) => parse_duration(&v).map_err(|m| err(var, m)),
        }
    };

    let max_mb: u64 = number(get, "VIDEO_MAX_SIZE_MB", 500, 1..=100_000)?;
    let max_attempts: i32 = number(get, "VIDEO_MAX_ATTEMPTS", 3, 1..=20)?;
    let max_height: u32 = number(get, "VIDEO_MAX_HEIGHT", 720, 144..=4320)?;
    if !max_height.is_multiple_of(2) {
        return Err(err("VIDEO_MAX_HEIGHT", "must be an even number of pixels"));
    }
    let x264_preset = get("VIDEO_X264_PRESET")
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "veryfast".into());
    if !X264_PRESETS.contains(&x264_preset.as_str()) {
        return Err(err(
            "VIDEO_X264_PRESET",
            format!("use one of {}", X264_PRESETS.join(", ")),
        ));
    }
    let worker_concurrency: usize = number(get, "WORKER_CONCURRENCY", 1, 1..=64)?;
    let worker_embedded = match get("WORKER_EMBEDDED") {
        None => is_sqlite,
        Some(v) => parse_bool(&v).map_err(|m| err("WORKER_EMBEDDED", m))?,
    };
    let lease_duration = duration("WORKER_LEASE_DURATION", 60)?;
    if lease_duration > Duration::from_secs(3_600) {
        return Err(err(
            "WORKER_LEASE_DURATION",
            "must be at most one hour (the lease is renewed while a job runs)",
        ));
    }
    let poll_interval = duration("WORKER_POLL_INTERVAL", 2)?;
    if poll_interval > Duration::from_secs(600) {
        return Err(err("WORKER_POLL_INTERVAL", "must be at most 10 minutes"));
    }
    let media_bin = get("MEDIA_BIN")
        .map(|v| PathBuf::from(v.trim()))
        .unwrap_or_else(default_media_bin);
    Ok(VideoSettings {
        max_upload_bytes: max_mb * 1024 * 1024,
        max_attempts,
        max_height,
        x264_preset,
        worker_concurrency,
        worker_embedded,
        lease_duration,
        poll_interval,
        media_bin,
    })
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("{other:?} is not true or false")),
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

fn parse_proxies(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range"))
        })
        .collect()
}

fn parse_modules(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|m| {
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
        })
        .collect()
}

fn parse_origins(list: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|origin| {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && origin != "*";
            if ok {
                Ok(origin.to_owned())
            } else {
                Err(format!(
                    "{origin:?} is not an origin; use scheme://host[:port] without a trailing slash"
                ))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_map(&map)
    }

    const GOOD_A: &str = "0123456789abcdef0123456789abcdef-a";
    const GOOD_B: &str = "0123456789abcdef0123456789abcdef-b";

    #[test]
    fn defaults_apply_in_development() {
        let s = load(&[]).unwrap();
        assert_eq!(s.app_env, AppEnv::Development);
        assert_eq!(s.port, 8080);
        assert_eq!(s.host, "127.0.0.1");
        assert_eq!(s.bcrypt_cost, 12);
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.refresh_token_ttl, Duration::from_secs(604_800));
        assert_eq!(s.rate_limit_login.to_string(), "10/minute");
        assert_eq!(s.rate_limit_api.to_string(), "100/hour");
        assert!(s.database_url.is_sqlite());
        assert!(s.cors_allowed_origins.is_empty());
        assert_eq!(s.warnings.len(), 2, "both secrets were generated");
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("PORT", "eighty"),
            ("APP_ENV", "staging"),
            ("DATABASE_URL", "mysql://x"),
            ("BCRYPT_COST", "3"),
            ("RATE_LIMIT_LOGIN", "ten per minute"),
            ("RATE_LIMIT_API", "0/hour"),
            ("ACCESS_TOKEN_TTL", "-5"),
            ("TRUSTED_PROXIES", "10.0.0.0/99"),
            ("CORS_ALLOWED_ORIGINS", "*"),
            ("LOG_FORMAT", "xml"),
            ("REDIS_URL", "localhost:6379"),
            ("DEFAULT_MODULES", "video,Bad Module"),
            ("WORKERS", "0"),
            ("BCRYPT_CONCURRENCY", "0"),
            ("DATABASE_POOL_SIZE", "0"),
            ("HOST", "not a host"),
            ("AUTH_CACHE_TTL", "5m"),
            ("LOGIN_THROTTLE_ATTEMPTS", "0"),
            ("LOGIN_THROTTLE_WINDOW", "never"),
            ("SESSION_IDLE_TIMEOUT", "forever"),
            ("SESSION_ABSOLUTE_TIMEOUT", "0"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "0"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "many"),
            ("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "0"),
            ("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "2h"),
            ("CACHE_DEFAULT_TIMEOUT", "later"),
            ("CACHE_DEFAULT_TIMEOUT", "2d"),
            ("METRICS_TOKEN", "short"),
            ("CACHE_KEY_PREFIX", "Has Spaces"),
            ("METRICS_TOKEN", "has spaces in it, sixteen+"),
        ] {
            let e = load(&[(var, value)]).unwrap_err();
            assert_eq!(e.variable, var, "{var}={value} gave {e}");
        }
    }

    #[test]
    fn production_refuses_missing_short_equal_or_published_secrets() {
        let prod = ("APP_ENV", "production");
        assert_eq!(load(&[prod]).unwrap_err().variable, "SECRET_KEY");
        let e = load(&[
            prod,
            ("SECRET_KEY", "short"),
            ("REFRESH_SECRET_KEY", GOOD_B),
        ])
        .unwrap_err();
        assert_eq!(e.variable, "SECRET_KEY");
        let e = load(&[prod, ("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_A)]).unwrap_err();
        assert_eq!(e.variable, "REFRESH_SECRET_KEY");
        let e = load(&[
            prod,
            ("SECRET_KEY", GOOD_A),
            ("REFRESH_SECRET_KEY", "dev-refresh-key-change-in-production"),
        ])
        .unwrap_err();
        assert_eq!(e.variable, "REFRESH_SECRET_KEY");
        let e = load(&[
            prod,
            ("SECRET_KEY", "dev-secret-key-change-in-production"),
            ("REFRESH_SECRET_KEY", GOOD_B),
        ])
        .unwrap_err();
        assert_eq!(e.variable, "SECRET_KEY");
        let ok = load(&[prod, ("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_B)]).unwrap();
        assert!(ok.warnings.is_empty());
    }

    #[test]
    fn rate_limits_parse() {
        let r: RateLimit = "5/minute".parse().unwrap();
        assert_eq!(r.count, 5);
        assert_eq!(r.replenish_interval(), Duration::from_secs(12));
        assert!("5/fortnight".parse::<RateLimit>().is_err());
        assert!("/minute".parse::<RateLimit>().is_err());
        assert_eq!(
            "100/h".parse::<RateLimit>().unwrap().to_string(),
            "100/hour"
        );
    }

    #[test]
    fn session_timeouts_have_defaults_and_must_be_ordered() {
        let s = load(&[]).unwrap();
        assert_eq!(s.session_idle_timeout, Duration::from_secs(1_800));
        assert_eq!(s.session_absolute_timeout, Duration::from_secs(43_200));
        let s = load(&[
            ("SESSION_IDLE_TIMEOUT", "10m"),
            ("SESSION_ABSOLUTE_TIMEOUT", "1h"),
        ])
        .unwrap();
        assert_eq!(s.session_idle_timeout, Duration::from_secs(600));
        assert_eq!(s.session_absolute_timeout, Duration::from_secs(3_600));
        let e = load(&[
            ("SESSION_IDLE_TIMEOUT", "2h"),
            ("SESSION_ABSOLUTE_TIMEOUT", "1h"),
        ])
        .unwrap_err();
        assert_eq!(e.variable, "SESSION_ABSOLUTE_TIMEOUT");
    }

    #[test]
    fn resilience_cache_and_metrics_settings() {
        let s = load(&[]).unwrap();
        assert_eq!(s.circuit_breaker_failure_threshold, 5);
        assert_eq!(s.circuit_breaker_recovery_timeout, Duration::from_secs(60));
        assert_eq!(s.cache_default_timeout, Duration::from_secs(300));
        assert!(s.metrics_token.is_none());
        assert_eq!(s.cache_key_prefix, "pinkflow");
        let token = "0123456789abcdef0123";
        let s = load(&[
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "3"),
            ("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", "2s"),
            ("CACHE_DEFAULT_TIMEOUT", "10m"),
            ("METRICS_TOKEN", token),
        ])
        .unwrap();
        assert_eq!(s.circuit_breaker_failure_threshold, 3);
        assert_eq!(s.circuit_breaker_recovery_timeout, Duration::from_secs(2));
        assert_eq!(s.cache_default_timeout, Duration::from_secs(600));
        assert_eq!(s.metrics_token.as_ref().unwrap().expose_secret(), token);
        assert!(!format!("{s:?}").contains(token), "the token is redacted");
        let off = load(&[("CACHE_DEFAULT_TIMEOUT", "0")]).unwrap();
        assert_eq!(off.cache_default_timeout, Duration::ZERO);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("900").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn database_urls_redact_passwords() {
        let url = DatabaseUrl::parse("postgres://app:hunter2@db:5432/pf").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/pf");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
        match DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap() {
            DatabaseUrl::Sqlite(p) => assert_eq!(p, PathBuf::from("/tmp/x.db")),
            DatabaseUrl::Postgres(_) => panic!("wrong backend"),
        }
    }

    #[test]
    fn video_settings_have_defaults() {
        let s = load(&[]).unwrap();
        assert_eq!(s.video.max_upload_bytes, 500 * 1024 * 1024);
        assert_eq!(s.video.max_attempts, 3);
        assert_eq!(s.video.max_height, 720);
        assert_eq!(s.video.x264_preset, "veryfast");
        assert_eq!(s.video.worker_concurrency, 1);
        assert!(s.video.worker_embedded, "embedded by default on SQLite");
        assert_eq!(s.video.lease_duration, Duration::from_secs(60));
        assert_eq!(s.video.poll_interval, Duration::from_secs(2));
        let pg = load(&[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert!(
            !pg.video.worker_embedded,
            "separate workers by default on PostgreSQL"
        );
        let on = load(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("WORKER_EMBEDDED", "yes"),
        ])
        .unwrap();
        assert!(on.video.worker_embedded);
    }

    #[test]
    fn video_settings_parse_and_name_bad_variables() {
        let s = load(&[
            ("VIDEO_MAX_SIZE_MB", "2"),
            ("VIDEO_MAX_ATTEMPTS", "5"),
            ("VIDEO_MAX_HEIGHT", "480"),
            ("VIDEO_X264_PRESET", "Medium"),
            ("WORKER_CONCURRENCY", "4"),
            ("WORKER_EMBEDDED", "off"),
            ("WORKER_LEASE_DURATION", "2m"),
            ("WORKER_POLL_INTERVAL", "1"),
        ])
        .unwrap();
        assert_eq!(s.video.max_upload_bytes, 2 * 1024 * 1024);
        assert_eq!(s.video.max_attempts, 5);
        assert_eq!(s.video.max_height, 480);
        assert_eq!(s.video.x264_preset, "medium");
        assert_eq!(s.video.worker_concurrency, 4);
        assert!(!s.video.worker_embedded);
        assert_eq!(s.video.lease_duration, Duration::from_secs(120));
        assert_eq!(s.video.poll_interval, Duration::from_secs(1));
        for (var, value) in [
            ("VIDEO_MAX_SIZE_MB", "0"),
            ("VIDEO_MAX_SIZE_MB", "lots"),
            ("VIDEO_MAX_ATTEMPTS", "0"),
            ("VIDEO_MAX_HEIGHT", "721"),
            ("VIDEO_MAX_HEIGHT", "100"),
            ("VIDEO_X264_PRESET", "placebo"),
            ("WORKER_CONCURRENCY", "0"),
            ("WORKER_EMBEDDED", "maybe"),
            ("WORKER_LEASE_DURATION", "0"),
            ("WORKER_LEASE_DURATION", "2h"),
            ("WORKER_POLL_INTERVAL", "never"),
        ] {
            let e = load(&[(var, value)]).unwrap_err();
            assert_eq!(e.variable, var, "{var}={value} gave {e}");
        }
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let s = load(&[("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_B)]).unwrap();
        let debug = format!("{s:?}");
        assert!(!debug.contains(GOOD_A) && !debug.contains(GOOD_B));
    }
}
