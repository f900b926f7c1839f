//! The database (`DATABASE_URL`, `DATABASE_POOL_SIZE`) and how its URL is shown in logs.

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};

use super::ConfigError;
use super::env::{Env, err};

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

/// `DATABASE_URL` (default `sqlite://./data/pinkflow.db`) and `DATABASE_POOL_SIZE`.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: DatabaseUrl,
    /// Connections in the pool (default 8 on SQLite, 16 on PostgreSQL).
    pub pool_size: u32,
}

impl DatabaseSettings {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let url = DatabaseUrl::parse(&env.text("DATABASE_URL", "sqlite://./data/pinkflow.db"))
            .map_err(|m| err("DATABASE_URL", m))?;
        let default_pool = if url.is_sqlite() { 8 } else { 16 };
        let pool_size = env.number("DATABASE_POOL_SIZE", default_pool, 1..=1000)?;
        Ok(DatabaseSettings { url, pool_size })
    }
}
