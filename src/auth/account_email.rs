//! Changing the email address: the current password is checked, a single-use link (its
//! SHA-256 stored, valid `EMAIL_TOKEN_TTL`) goes to the new address, and the change
//! happens only when it is followed: the new address then counts as confirmed and the
//! old one gets a notice. An address another account has is refused as registration
//! refuses it, when asked and again when the link is followed. No HTTP here.

use secrecy::SecretString;

use super::account::{AccountError, AccountService, hash_token, minutes, recipient};
use crate::db::now;
use crate::domain::Email;
use crate::mail::{MailKind, Recipient};
use crate::models::account_token::{self as token_db, PURPOSE_EMAIL_CHANGE, PURPOSE_VERIFY};
use crate::models::user as user_db;

impl AccountService {
    /// Ask to move the account to `new_email`: mails the confirmation link to it.
    pub async fn request_email_change(
        &self,
        user_id: i32,
        current: &SecretString,
        new_email: &Email,
    ) -> Result<(), AccountError> {
        let db = self.auth().db().clone();
        let user = self.confirmed(user_id, current).await?;
        let new_email = new_email.as_str().to_owned();
        if new_email == user.email {
            return Err(AccountError::SameEmail);
        }
        let (mail, ttl) = (self.mailer().clone(), self.email_ttl());
        let link = self.mailer().link("/confirm-email?token=");
        db.transaction(move |c| {
            if user_db::email_taken(c, &new_email)? {
                return Ok(Err(AccountError::EmailTaken));
            }
            let token = Self::issue(c, PURPOSE_EMAIL_CHANGE, user.id, &new_email, ttl)?;
            let to = Recipient {
                email: &new_email,
                ..recipient(&user)
            };
            let kind = MailKind::EmailChange {
                link: format!("{link}{token}"),
                minutes: minutes(ttl),
            };
            mail.queue(c, &to, &kind)?;
            Ok(Ok(()))
        })
        .await??;
        self.mailer().wake();
        Ok(())
    }

    /// The new address a live change link would give the account, if it is one.
    pub async fn email_change_link(&self, token: &str) -> Result<Option<String>, AccountError> {
        let hash = hash_token(token);
        Ok(self
            .auth()
            .db()
            .run(move |c| token_db::find_live(c, &hash, PURPOSE_EMAIL_CHANGE, now()))
            .await?
            .map(|t| t.email))
    }

    /// Follow a change link (once): the account takes the new address, confirmed, and
    /// the old address is told. Returns the account's id and its new address.
    /// [`AccountError::EmailTaken`] when another account took the address meanwhile
    /// (the link is then used up).
    pub async fn confirm_email_change(&self, token: &str) -> Result<(i32, String), AccountError> {
        let hash = hash_token(token);
        let mail = self.mailer().clone();
        let outcome = self
            .auth()
            .db()
            .transaction(move |c| {
                let at = now();
                let Some(t) = token_db::consume(c, &hash, PURPOSE_EMAIL_CHANGE, at)? else {
                    return Ok(Err(AccountError::InvalidLink));
                };
                let Some(user) = user_db::find(c, t.user_id)? else {
                    return Ok(Err(AccountError::InvalidLink));
                };
                if user_db::email_taken(c, &t.email)?
                    || !user_db::change_email(c, user.id, &t.email, at)?
                {
                    return Ok(Err(AccountError::EmailTaken));
                }
                // Links to the old address (confirming it) mean nothing now.
                token_db::retire(c, user.id, PURPOSE_VERIFY, at)?;
                mail.queue(
                    c,
                    &recipient(&user),
                    &MailKind::EmailChanged {
                        new_email: t.email.clone(),
                    },
                )?;
                Ok(Ok((user.id, t.email)))
            })
            .await;
        let (user_id, email) = match outcome {
            Ok(Ok(done)) => done,
            // The link is used up even when the address was taken meanwhile.
            Ok(Err(e)) => return Err(e),
            Err(e) => return Err(e.into()),
        };
        self.mailer().wake();
        self.auth().principals_changed(user_id);
        Ok((user_id, email))
    }
}
