//! Per-client request quotas (`RATE_LIMIT_*`, written `COUNT/UNIT` such as `5/minute`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::ConfigError;
use super::env::Env;

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

/// The quotas of the limited routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// `RATE_LIMIT_REGISTER`, default 5/minute.
    pub register: RateLimit,
    /// `RATE_LIMIT_LOGIN`, default 10/minute.
    pub login: RateLimit,
    /// `RATE_LIMIT_REFRESH`, default 20/minute.
    pub refresh: RateLimit,
    /// `RATE_LIMIT_API`, default 100/hour.
    pub api: RateLimit,
    /// `RATE_LIMIT_PASSWORD_RESET`, default 10/hour: forgotten-password requests.
    pub password_reset: RateLimit,
}

impl RateLimits {
    pub(crate) fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let limit = |var: &'static str, default: RateLimit| env.parsed(var, default);
        Ok(RateLimits {
            register: limit("RATE_LIMIT_REGISTER", per(5, 60))?,
            login: limit("RATE_LIMIT_LOGIN", per(10, 60))?,
            refresh: limit("RATE_LIMIT_REFRESH", per(20, 60))?,
            api: limit("RATE_LIMIT_API", per(100, 3_600))?,
            password_reset: limit("RATE_LIMIT_PASSWORD_RESET", per(10, 3_600))?,
        })
    }
}

const fn per(count: u32, secs: u64) -> RateLimit {
    RateLimit {
        count,
        period: Duration::from_secs(secs),
    }
}
