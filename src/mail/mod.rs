//! Mail, real and never lost: a mail is written ([`compose`]) and queued as a row of
//! `mail_outbox` in the same transaction as the change it reports ([`Mailer::queue`]),
//! then delivered by [`sender`], over SMTP (`SMTP_URL`) or as an `.eml` file
//! (`MAIL_OUTBOX_DIR`), with retries and back-off until it is accepted.

pub mod compose;
pub mod sender;
pub mod status;

use std::sync::Arc;

use tokio::sync::Notify;

pub use compose::{Composed, MailKind};
pub use sender::{Delivery, Sender};

use crate::config::{AppEnv, MailSettings};
use crate::db::{DbConnection, DbError, now};
use crate::models::mail as mail_db;

/// The handle services queue mail through. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    settings: Arc<MailSettings>,
    app_env: AppEnv,
    /// Wakes this process's sender when a mail is queued.
    wake: Arc<Notify>,
}

/// Who a mail is for.
#[derive(Debug, Clone)]
pub struct Recipient<'a> {
    pub user_id: Option<i32>,
    pub email: &'a str,
    pub name: &'a str,
    pub reading_level: u8,
}

impl Mailer {
    pub fn new(settings: Arc<MailSettings>, app_env: AppEnv) -> Self {
        Mailer {
            settings,
            app_env,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn settings(&self) -> &MailSettings {
        &self.settings
    }

    /// The public link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        self.settings.link(path)
    }

    /// Write `kind` for `to` and queue it on `conn` (call inside the transaction of the
    /// change it reports: both happen, or neither). Call [`Mailer::wake`] after commit.
    pub fn queue(
        &self,
        conn: &mut DbConnection,
        to: &Recipient<'_>,
        kind: &MailKind,
    ) -> Result<i32, DbError> {
        let mail = compose::compose(kind, to.name, to.reading_level)
            .map_err(|e| DbError::Task(format!("cannot write the {} mail: {e}", kind.name())))?;
        let domain = self.settings.from.email.domain().to_owned();
        let message_id = format!("{}@{domain}", uuid::Uuid::new_v4().simple());
        let at = now();
        let id = mail_db::insert(
            conn,
            &mail_db::NewMail {
                message_id: &message_id,
                kind: mail.kind,
                user_id: to.user_id,
                recipient: to.email,
                subject: &mail.subject,
                body_text: &mail.text,
                body_html: &mail.html,
                status: mail_db::STATUS_PENDING,
                attempts: 0,
                next_attempt_at: at,
                created_at: at,
            },
        )?;
        if self.app_env == AppEnv::Development
            && self.settings.smtp_url.is_none()
            && let Some(link) = kind.link()
        {
            // Development without SMTP: the link is in the .eml file, and here.
            tracing::info!(kind = mail.kind, mail = id, %link, "mail queued");
        }
        Ok(id)
    }

    /// Tell this process's sender that mail is waiting.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }
}
