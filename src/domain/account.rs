//! Account fields parsed once: an [`Email`] (lower case, plausible syntax), a
//! [`Username`] and a [`Password`] (length rules; kept secret, never printed).

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// An email address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err("Enter your email address");
        }
        if value.len() > 254 {
            return Err("Email address must be 254 characters or fewer");
        }
        if !is_email_syntax(&value) {
            return Err("Enter an email address in the correct format, like name@example.com");
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `local@domain` with the usual unquoted local-part characters and a dotted domain
/// of letters, digits and hyphens (no IP literals, no quoted local parts).
fn is_email_syntax(value: &str) -> bool {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

/// A username: 3-32 letters, digits, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("Enter a username");
        }
        let len = value.chars().count();
        if !(3..=32).contains(&len) {
            return Err("Username must be between 3 and 32 characters");
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(
                "Username can only contain letters, numbers, underscores (_) and hyphens (-)",
            );
        }
        Ok(Username(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 8 characters and at most 72 bytes (bcrypt's limit; longer
/// passwords are refused, never silently truncated).
pub struct Password(SecretString);

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_BYTES: usize = 72;

impl Password {
    pub fn parse(raw: String) -> Result<Self, &'static str> {
        if raw.is_empty() {
            return Err("Enter a password");
        }
        if raw.chars().count() < PASSWORD_MIN_CHARS {
            return Err("Password must be at least 8 characters");
        }
        if raw.len() > PASSWORD_MAX_BYTES {
            return Err(
                "Password must be 72 bytes or fewer (about 72 letters, fewer with accents or emoji)",
            );
        }
        Ok(Password(SecretString::from(raw)))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@@example.com",
            "\"><script>@x",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn usernames_follow_the_rules() {
        assert!(Username::parse("deaf_user-1").is_ok());
        for bad in ["ab", "a b c", "name!", &"x".repeat(33), "émile"] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_have_bounds_in_characters_and_bytes() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(Password::parse("a".repeat(72)).is_ok());
        assert!(Password::parse("a".repeat(73)).is_err());
        // 24 three-byte characters = 72 bytes: fine; 25 = 75 bytes: refused.
        assert!(Password::parse("€".repeat(24)).is_ok());
        assert!(Password::parse("€".repeat(25)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secretpass".into()).unwrap()),
            "Password(***)"
        );
    }
}
