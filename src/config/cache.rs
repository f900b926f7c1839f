//! The preference-aware cache: entry lifetime and the key prefix that keeps deployments
//! sharing one Redis apart.

use std::time::Duration;

use super::ConfigError;
use super::env::{Env, at_most, err};

/// `CACHE_DEFAULT_TIMEOUT`, `CACHE_KEY_PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// Time to live of entries in the preference-aware cache (default 5 minutes; 0: off).
    pub default_timeout: Duration,
    /// First part of every cache key in Redis (deployments sharing one Redis keep apart);
    /// also names the event channel and the session keys. Default `pinkflow`.
    pub key_prefix: String,
}

impl CacheSettings {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let default_timeout = at_most(
            "CACHE_DEFAULT_TIMEOUT",
            env.duration_or_off("CACHE_DEFAULT_TIMEOUT", 300)?,
            Duration::from_secs(86_400),
            "must be at most one day",
        )?;
        let key_prefix = env.text("CACHE_KEY_PREFIX", "pinkflow");
        if key_prefix.len() > 40
            || !key_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
        {
            return Err(err(
                "CACHE_KEY_PREFIX",
                "must be 1 to 40 lower-case letters, digits, - or _",
            ));
        }
        Ok(CacheSettings {
            default_timeout,
            key_prefix,
        })
    }
}
