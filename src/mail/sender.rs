//! Delivering the queue: one loop per process claims due mail (a lease per mail, see
//! `models::mail`), hands it to the transport and records the outcome. A failed
//! attempt waits `MAIL_RETRY_BACKOFF`, then twice as long each time, at most an hour;
//! transient failures (server down, 4xx) are retried for ever, permanent ones (5xx,
//! a malformed address) up to [`MAX_PERMANENT_ATTEMPTS`] times, then the mail is
//! `failed` and shown by `pinkflow mail status`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, header};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use super::Mailer;
use crate::config::MailSettings;
use crate::db::{Db, DbError, now};
use crate::models::mail::{self as mail_db, QueuedMail};

/// A claimed mail stays with its sender this long (a dead sender's mail is claimed
/// again after it).
const LEASE: Duration = Duration::from_secs(120);
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Attempts for mail the server refuses for good (5xx) before it is `failed`.
pub const MAX_PERMANENT_ATTEMPTS: i32 = 10;
/// One SMTP exchange gives up after this long.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where mail goes.
#[derive(Clone)]
pub enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this folder (no `SMTP_URL`).
    Files(PathBuf),
}

impl Delivery {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        match settings.smtp_url() {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| anyhow::anyhow!("SMTP_URL is not a valid SMTP URL"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Delivery::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot create MAIL_OUTBOX_DIR={}: {e}",
                        settings.outbox_dir.display()
                    )
                })?;
                Ok(Delivery::Files(settings.outbox_dir.clone()))
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Delivery::Smtp(_) => "smtp",
            Delivery::Files(_) => "files",
        }
    }
}

/// Why an attempt failed, and whether trying again can help.
struct Failure {
    message: String,
    permanent: bool,
}

/// The loop that empties the queue.
pub struct Sender {
    db: Db,
    from: Mailbox,
    delivery: Delivery,
    backoff: Duration,
    poll: Duration,
    wake: Arc<Notify>,
}

impl Sender {
    pub fn new(db: Db, mailer: &Mailer, delivery: Delivery) -> Self {
        let s = mailer.settings();
        Sender {
            db,
            from: s.from.clone(),
            delivery,
            backoff: s.retry_backoff,
            poll: s.poll_interval,
            wake: mailer.wake_handle(),
        }
    }

    /// Send what is due, then sleep until the next mail falls due, a mail is queued
    /// here, or the poll interval passes (mail queued by other processes); for ever.
    pub async fn run(self) {
        tracing::debug!(delivery = self.delivery.name(), "mail sender started");
        loop {
            if let Err(e) = self.send_due().await {
                tracing::warn!(error = %e, "mail queue unavailable; trying again");
            }
            let wait = match self.until_next_due().await {
                Some(d) => d.min(self.poll),
                None => self.poll,
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn until_next_due(&self) -> Option<Duration> {
        let next = self.db.run(mail_db::next_due).await.ok().flatten()?;
        Some((next - now()).to_std().unwrap_or(Duration::ZERO))
    }

    /// Deliver every due mail. Returns how many were delivered.
    pub async fn send_due(&self) -> Result<usize, DbError> {
        let mut delivered = 0;
        loop {
            let token = uuid::Uuid::new_v4().simple().to_string();
            let claim_token = token.clone();
            let claimed = self
                .db
                .run(move |conn| {
                    let at = now();
                    let lease = at + chrono::Duration::from_std(LEASE).unwrap_or_default();
                    mail_db::claim(conn, &claim_token, at, lease)
                })
                .await?;
            let Some(mail) = claimed else {
                return Ok(delivered);
            };
            match self.deliver(&mail).await {
                Ok(()) => {
                    self.record_sent(&mail, &token).await;
                    delivered += 1;
                }
                Err(failure) => self.record_failure(&mail, &token, failure).await?,
            }
        }
    }

    async fn record_sent(&self, mail: &QueuedMail, token: &str) {
        // Delivered: recording it must not be lost either, or the mail would go twice
        // once the lease runs out. Keep trying for most of the lease.
        let (id, token) = (mail.id, token.to_owned());
        for attempt in 0..20u32 {
            let token = token.clone();
            match self
                .db
                .run(move |conn| mail_db::mark_sent(conn, id, &token, now()))
                .await
            {
                Ok(_) => {
                    tracing::info!(mail = id, kind = %mail.kind, delivery = self.delivery.name(), "mail sent");
                    return;
                }
                Err(e) => {
                    tracing::warn!(mail = id, attempt, error = %e, "cannot record a sent mail yet");
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
            }
        }
    }

    async fn record_failure(
        &self,
        mail: &QueuedMail,
        token: &str,
        failure: Failure,
    ) -> Result<(), DbError> {
        let give_up = failure.permanent && mail.attempts >= MAX_PERMANENT_ATTEMPTS;
        let wait = backoff(self.backoff, mail.attempts);
        tracing::warn!(
            mail = mail.id,
            kind = %mail.kind,
            attempts = mail.attempts,
            retry_in_s = wait.as_secs(),
            give_up,
            error = %failure.message,
            "mail not delivered"
        );
        let (id, token, message) = (mail.id, token.to_owned(), failure.message);
        self.db
            .run(move |conn| {
                let next = now() + chrono::Duration::from_std(wait).unwrap_or_default();
                mail_db::mark_attempt_failed(conn, id, &token, &message, next, give_up)
            })
            .await?;
        Ok(())
    }

    fn message(&self, mail: &QueuedMail) -> Result<Message, Failure> {
        let to: Mailbox = mail.recipient.parse().map_err(|_| Failure {
            message: "the recipient is not a valid address".into(),
            permanent: true,
        })?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}>", mail.message_id)))
            .header(header::MIME_VERSION_1_0)
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|e| Failure {
                message: format!("cannot build the message: {e}"),
                permanent: true,
            })
    }

    async fn deliver(&self, mail: &QueuedMail) -> Result<(), Failure> {
        let message = self.message(mail)?;
        match &self.delivery {
            Delivery::Smtp(transport) => match transport.send(message).await {
                Ok(_) => Ok(()),
                Err(e) => Err(Failure {
                    message: e.to_string(),
                    permanent: e.is_permanent(),
                }),
            },
            Delivery::Files(dir) => {
                let name = format!("{}.eml", file_stem(&mail.message_id));
                let (tmp, path) = (dir.join(format!(".{name}.tmp")), dir.join(name));
                let written = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&tmp, message.formatted()).await?;
                    tokio::fs::rename(&tmp, &path).await
                };
                written.await.map_err(|e| Failure {
                    message: format!("cannot write {}: {e}", path.display()),
                    permanent: false,
                })
            }
        }
    }
}

/// The wait after the `attempts`-th failed attempt.
fn backoff(base: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    base.saturating_mul(1u32 << doublings).min(MAX_BACKOFF)
}

/// A message id as a safe file name (it is ours, but never trust a path).
fn file_stem(message_id: &str) -> String {
    message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 1), Duration::from_secs(30));
        assert_eq!(backoff(base, 2), Duration::from_secs(60));
        assert_eq!(backoff(base, 4), Duration::from_secs(240));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
        assert_eq!(backoff(base, 0), base);
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(file_stem("ab12@mail.example"), "ab12_mail.example");
        assert_eq!(file_stem("../x/y"), ".._x_y");
    }
}
