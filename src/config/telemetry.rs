//! What the process tells operators: the log format and the token guarding `/metrics`.

use std::str::FromStr;

use secrecy::SecretString;

use super::ConfigError;
use super::env::{Env, err};

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

/// `LOG_FORMAT`, `METRICS_TOKEN`.
#[derive(Debug, Clone)]
pub struct TelemetrySettings {
    /// `LOG_FORMAT`, default `pretty`.
    pub log_format: LogFormat,
    /// Bearer token required by `GET /metrics` (unset: open, for a private network).
    pub metrics_token: Option<SecretString>,
}

impl TelemetrySettings {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let log_format = env.parsed("LOG_FORMAT", LogFormat::Pretty)?;
        let metrics_token = match env.get("METRICS_TOKEN") {
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
        Ok(TelemetrySettings {
            log_format,
            metrics_token,
        })
    }
}
