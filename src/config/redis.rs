//! Redis (`REDIS_URL`: the cache, sessions and events the instances share) and the
//! circuit breaker that makes its outages fail fast.

use std::time::Duration;

use secrecy::SecretString;

use super::ConfigError;
use super::env::{Env, at_most, err};

/// `REDIS_URL` (unset: everything stays in this process and the database).
#[derive(Debug, Clone)]
pub struct RedisSettings {
    pub url: Option<SecretString>,
    /// The breaker in front of every Redis call.
    pub breaker: BreakerSettings,
}

/// `CIRCUIT_BREAKER_FAILURE_THRESHOLD`, `CIRCUIT_BREAKER_RECOVERY_TIMEOUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failures after which a dependency's circuit breaker opens (default 5).
    pub failure_threshold: u32,
    /// How long an open breaker fails fast before letting one trial call through (60s).
    pub recovery_timeout: Duration,
}

impl RedisSettings {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let url = match env.get("REDIS_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                    return Err(err("REDIS_URL", "must start with redis:// or rediss://"));
                }
                Some(SecretString::from(url))
            }
        };
        Ok(RedisSettings {
            url,
            breaker: BreakerSettings::load(env)?,
        })
    }
}

impl BreakerSettings {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let failure_threshold = env.number("CIRCUIT_BREAKER_FAILURE_THRESHOLD", 5u32, 1..=1000)?;
        let recovery_timeout = at_most(
            "CIRCUIT_BREAKER_RECOVERY_TIMEOUT",
            env.duration("CIRCUIT_BREAKER_RECOVERY_TIMEOUT", 60)?,
            Duration::from_secs(3_600),
            "must be at most one hour",
        )?;
        Ok(BreakerSettings {
            failure_threshold,
            recovery_timeout,
        })
    }
}
