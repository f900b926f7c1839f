//! Mail: where it goes (`SMTP_URL`, in lettre's `from_url` format, or `.eml` files in
//! `MAIL_OUTBOX_DIR` without it), who it is from (`MAIL_FROM`), the site's public address
//! its links start with (`PUBLIC_URL`, required in production) and the queue's retry
//! pace.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::{ExposeSecret, SecretString};

use super::env::{Env, at_most, err};
use super::{AppEnv, ConfigError, HttpSettings};

/// `SMTP_URL`, `MAIL_FROM`, `PUBLIC_URL`, `MAIL_OUTBOX_DIR`, `MAIL_RETRY_BACKOFF`,
/// `MAIL_POLL_INTERVAL`.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:25`, `smtp://host:587?tls=required`, `smtps://host:465`, with
    /// `user:password@` (kept secret: it may hold a password). `None`: `.eml` files.
    pub smtp_url: Option<SecretString>,
    /// `MAIL_FROM`, default `PinkFlow <no-reply@localhost>`.
    pub from: Mailbox,
    /// `PUBLIC_URL` without a trailing slash, e.g. `https://pinkflow.example`.
    pub public_url: String,
    /// Where mail is written without `SMTP_URL` (`MAIL_OUTBOX_DIR`, `./data/outbox`).
    pub outbox_dir: PathBuf,
    /// The first retry waits this long, each further one twice as long, at most an hour
    /// (`MAIL_RETRY_BACKOFF`, default 30 s).
    pub retry_backoff: Duration,
    /// How often the sender looks for mail queued by other processes
    /// (`MAIL_POLL_INTERVAL`, default 5 s).
    pub poll_interval: Duration,
}

impl MailSettings {
    pub(crate) fn load(
        env: &Env<'_>,
        app_env: AppEnv,
        http: &HttpSettings,
        warnings: &mut Vec<String>,
    ) -> Result<Self, ConfigError> {
        let smtp_url = match env.get("SMTP_URL") {
            None => None,
            Some(url) => {
                let url = url.trim().to_owned();
                check_smtp_url(&url)?;
                Some(SecretString::from(url))
            }
        };
        let from = env
            .text("MAIL_FROM", "PinkFlow <no-reply@localhost>")
            .parse::<Mailbox>()
            .map_err(|_| {
                err(
                    "MAIL_FROM",
                    "is not an email address (use name@example.com or \"Name <name@example.com>\")",
                )
            })?;
        let public_url = match env.get("PUBLIC_URL") {
            Some(url) => parse_public_url(&url)?,
            None if app_env.is_production() => {
                return Err(err(
                    "PUBLIC_URL",
                    "is required in production: the site's address as people reach it, e.g. https://pinkflow.example (links in mail start with it)",
                ));
            }
            None => format!("http://{}:{}", http.host, http.port),
        };
        if smtp_url.is_none() && app_env.is_production() {
            warnings.push(
                "SMTP_URL is not set: mail is written to MAIL_OUTBOX_DIR as .eml files, not sent"
                    .to_owned(),
            );
        }
        let outbox_dir = env
            .get("MAIL_OUTBOX_DIR")
            .map_or_else(|| PathBuf::from("./data/outbox"), |v| v.trim().into());
        let retry_backoff = at_most(
            "MAIL_RETRY_BACKOFF",
            env.duration("MAIL_RETRY_BACKOFF", 30)?,
            Duration::from_secs(3600),
            "must be at most 1 hour",
        )?;
        let poll_interval = at_most(
            "MAIL_POLL_INTERVAL",
            env.duration("MAIL_POLL_INTERVAL", 5)?,
            Duration::from_secs(600),
            "must be at most 10 minutes",
        )?;
        Ok(MailSettings {
            smtp_url,
            from,
            public_url,
            outbox_dir,
            retry_backoff,
            poll_interval,
        })
    }

    /// The link to `path` (which starts with `/`) on the public site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// The SMTP URL, for building the transport.
    pub fn smtp_url(&self) -> Option<&str> {
        self.smtp_url.as_ref().map(ExposeSecret::expose_secret)
    }
}

/// Refuse what lettre's `from_url` would refuse, with a message that never repeats the
/// URL (it may hold a password).
fn check_smtp_url(url: &str) -> Result<(), ConfigError> {
    use lettre::AsyncSmtpTransport;
    use lettre::Tokio1Executor;
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err(err(
            "SMTP_URL",
            "must start with smtp:// or smtps:// (e.g. smtp://mail.example:587?tls=required)",
        ));
    }
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| {
            err(
                "SMTP_URL",
                format!(
                    "is not a valid SMTP URL ({}); use smtp://host:25, smtp://host:587?tls=required or smtps://host:465, with user:password@ when the server needs them",
                    redact_error(&e.to_string(), url)
                ),
            )
        })
}

/// An error message with anything that looks like the URL's password removed.
fn redact_error(message: &str, url: &str) -> String {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(creds, _)| creds.split_once(':'))
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty());
    match password {
        Some(p) => message.replace(p, "***"),
        None => message.to_owned(),
    }
}

fn parse_public_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or(""));
    match host {
        Some(h)
            if !h.is_empty() && !h.contains(['?', '#', '@', ' ']) && !url.contains(['?', '#']) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(err(
            "PUBLIC_URL",
            "must be an http:// or https:// address such as https://pinkflow.example (no query, no fragment)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_lose_their_trailing_slash_and_must_be_http() {
        assert_eq!(
            parse_public_url("https://pink.example/").unwrap(),
            "https://pink.example"
        );
        assert_eq!(
            parse_public_url("http://127.0.0.1:8080/app").unwrap(),
            "http://127.0.0.1:8080/app"
        );
        for bad in [
            "pink.example",
            "ftp://x",
            "https://",
            "https://a?b",
            "https://u@h",
        ] {
            assert!(parse_public_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn smtp_urls_in_lettres_format_are_accepted_and_others_refused() {
        for good in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example:587?tls=required",
            "smtps://user:secret@mail.example:465",
        ] {
            assert!(check_smtp_url(good).is_ok(), "{good}");
        }
        for bad in ["http://mail.example", "mail.example:25", "smtp://"] {
            assert!(check_smtp_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_password_never_reaches_the_message() {
        let m = redact_error("bad thing near hunter2", "smtp://ann:hunter2@h:25");
        assert!(!m.contains("hunter2"));
    }
}
