//! Browser sessions: how long one lasts idle, and at most.

use std::time::Duration;

use super::ConfigError;
use super::env::{Env, err};

/// `SESSION_IDLE_TIMEOUT`, `SESSION_ABSOLUTE_TIMEOUT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// A browser session ends after this long without a request (default 30 minutes).
    pub idle_timeout: Duration,
    /// A browser session ends this long after sign-in, however active it is (12 hours).
    pub absolute_timeout: Duration,
}

impl SessionSettings {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let idle_timeout = env.duration("SESSION_IDLE_TIMEOUT", 30 * 60)?;
        let absolute_timeout = env.duration("SESSION_ABSOLUTE_TIMEOUT", 12 * 3_600)?;
        if absolute_timeout < idle_timeout {
            return Err(err(
                "SESSION_ABSOLUTE_TIMEOUT",
                "must be at least as long as SESSION_IDLE_TIMEOUT",
            ));
        }
        Ok(SessionSettings {
            idle_timeout,
            absolute_timeout,
        })
    }
}
