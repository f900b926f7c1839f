//! Reading the environment: the one place a variable's text becomes a number, a
//! duration, a flag or a list, so every setting reports bad values the same way
//! (`VARIABLE: message`).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use super::ConfigError;

/// Build the error for `variable`.
pub(crate) fn err(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        message: message.into(),
    }
}

/// The variables of one load. Empty values count as unset.
pub(crate) struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Env<'a> {
    pub(crate) fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Env { lookup }
    }

    /// The value as written (not trimmed), or `None` when unset or blank.
    pub(crate) fn get(&self, var: &str) -> Option<String> {
        (self.lookup)(var).filter(|v| !v.trim().is_empty())
    }

    /// The trimmed value, or `default`.
    pub(crate) fn text(&self, var: &str, default: &str) -> String {
        self.get(var)
            .map_or_else(|| default.to_owned(), |v| v.trim().to_owned())
    }

    /// Any `FromStr` value (trimmed), or `default`; the parser's own message on failure.
    pub(crate) fn parsed<T: FromStr>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.get(var) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|e| err(var, format!("{e}"))),
        }
    }

    /// Like [`Env::parsed`], with `message` for any value that does not parse.
    pub(crate) fn parsed_or<T: FromStr>(
        &self,
        var: &'static str,
        default: T,
        message: &str,
    ) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(v) => v.trim().parse().map_err(|_| err(var, message)),
        }
    }

    /// A whole number in `range`, or `default`: "must be a whole number from A to B".
    pub(crate) fn number<T>(
        &self,
        var: &'static str,
        default: T,
        range: RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: FromStr + PartialOrd + fmt::Display,
    {
        let value = self.parsed_or(var, default, &range_message(&range))?;
        in_range(var, value, &range)
    }

    /// A duration (see [`parse_duration`]), `default_secs` seconds when unset.
    pub(crate) fn duration(
        &self,
        var: &'static str,
        default_secs: u64,
    ) -> Result<Duration, ConfigError> {
        match self.get(var) {
            None => Ok(Duration::from_secs(default_secs)),
            Some(v) => parse_duration(&v).map_err(|m| err(var, m)),
        }
    }

    /// Like [`Env::duration`], where a plain `0` turns the feature off (zero).
    pub(crate) fn duration_or_off(
        &self,
        var: &'static str,
        default_secs: u64,
    ) -> Result<Duration, ConfigError> {
        match self.get(var) {
            Some(v) if v.trim() == "0" => Ok(Duration::ZERO),
            _ => self.duration(var, default_secs),
        }
    }

    /// `true`/`false` (see [`parse_bool`]), or `default`.
    pub(crate) fn flag(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(v) => parse_bool(&v).map_err(|m| err(var, m)),
        }
    }

    /// A comma-separated list, each item (trimmed, blanks skipped) through `item`;
    /// `default` when unset.
    pub(crate) fn list<T>(
        &self,
        var: &'static str,
        default: Vec<T>,
        item: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(item)
                .collect::<Result<_, _>>()
                .map_err(|m| err(var, m)),
        }
    }
}

fn range_message<T: fmt::Display>(range: &RangeInclusive<T>) -> String {
    format!(
        "must be a whole number from {} to {}",
        range.start(),
        range.end()
    )
}

/// `value` when it is in `range`, else "must be a whole number from A to B".
pub(crate) fn in_range<T: PartialOrd + fmt::Display>(
    var: &'static str,
    value: T,
    range: &RangeInclusive<T>,
) -> Result<T, ConfigError> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(err(var, range_message(range)))
    }
}

/// `value` when it is at most `max`, else `message`.
pub(crate) fn at_most(
    var: &'static str,
    value: Duration,
    max: Duration,
    message: &str,
) -> Result<Duration, ConfigError> {
    if value > max {
        Err(err(var, message))
    } else {
        Ok(value)
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

/// `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("{other:?} is not true or false")),
    }
}
