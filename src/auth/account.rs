//! Accounts people run themselves: change the password, recover a forgotten one,
//! confirm the address. Every change that should end other sign-ins bumps the account's
//! session epoch (browser sessions) and revokes its refresh families (API sign-ins),
//! then waits until every instance dropped its cached principals. Mail goes through the
//! queue in the same transaction. No HTTP here.

use std::time::Duration;

use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::AuthService;
use super::password::HashError;
use crate::db::{DbConnection, DbError, now};
use crate::domain::Password;
use crate::mail::{MailKind, Mailer, Recipient};
use crate::models::User;
use crate::models::account_token::{self as token_db, NewAccountToken};
use crate::models::sign_in as sign_in_db;
use crate::models::throttle as throttle_db;
use crate::models::token as refresh_db;
use crate::models::user as user_db;
use crate::video::VideoService;

/// Forgotten-password requests per address within [`RESET_ADDRESS_WINDOW`]; more are
/// answered alike and send nothing.
pub const RESET_PER_ADDRESS: u32 = 3;
pub const RESET_ADDRESS_WINDOW: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("Your current password is wrong")]
    WrongPassword,
    #[error("This link does not work: it is wrong, used or expired")]
    InvalidLink,
    #[error("Account not found")]
    NotFound,
    /// No sign-in of this account has that id (ended already, or never its own).
    #[error("There is no such sign-in")]
    NoSuchSignIn,
    /// Another account has the address (registration says the same).
    #[error("Email already registered")]
    EmailTaken,
    #[error("This is already your email address")]
    SameEmail,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

#[derive(Clone)]
pub struct AccountService {
    auth: AuthService,
    mail: Mailer,
    videos: VideoService,
    reset_ttl: Duration,
    email_ttl: Duration,
}

/// A fresh 256-bit token (hex) and the SHA-256 (hex) that is stored.
fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = hash_token(&token);
    (token, hash)
}

/// Whether `token` has the shape [`new_token`] gives a link (64 hexadecimal digits):
/// anything else is refused before the database is asked.
pub fn plausible_link_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) fn minutes(d: Duration) -> u64 {
    d.as_secs().div_ceil(60)
}

pub(super) fn recipient(user: &User) -> Recipient<'_> {
    Recipient {
        user_id: Some(user.id),
        email: &user.email,
        name: &user.username,
        reading_level: u8::try_from(user.reading_level).unwrap_or(3),
    }
}

impl AccountService {
    pub fn new(
        auth: AuthService,
        mail: Mailer,
        videos: VideoService,
        reset_ttl: Duration,
        email_ttl: Duration,
    ) -> Self {
        AccountService {
            auth,
            mail,
            videos,
            reset_ttl,
            email_ttl,
        }
    }

    pub(crate) fn auth(&self) -> &AuthService {
        &self.auth
    }

    pub(crate) fn videos(&self) -> &VideoService {
        &self.videos
    }

    pub fn reset_ttl(&self) -> Duration {
        self.reset_ttl
    }

    pub(crate) fn mailer(&self) -> &Mailer {
        &self.mail
    }

    /// Issue a token for `purpose` (retiring older unused ones) on `conn`.
    pub(super) fn issue(
        conn: &mut DbConnection,
        purpose: &str,
        user_id: i32,
        email: &str,
        ttl: Duration,
    ) -> Result<String, DbError> {
        let at = now();
        token_db::retire(conn, user_id, purpose, at)?;
        let (token, hash) = new_token();
        token_db::insert(
            conn,
            &NewAccountToken {
                token_hash: &hash,
                purpose,
                user_id,
                email,
                created_at: at,
                expires_at: at + chrono::Duration::from_std(ttl).unwrap_or_default(),
            },
        )?;
        Ok(token)
    }

    /// Change the password (the current one is checked first). Every other browser
    /// session but `keep_sid` (the browser asking) and every refresh family but
    /// `keep_family` (the API sign-in asking) is revoked, their sign-ins leave the
    /// registry, and a notice is mailed. Returns the new session epoch, for the browser
    /// session that asked to carry on with.
    /// The account `user_id`, when `password` is its password: the step every change
    /// that asks for the current password starts with.
    pub(crate) async fn confirmed(
        &self,
        user_id: i32,
        password: &SecretString,
    ) -> Result<User, AccountError> {
        let user = self
            .auth
            .db()
            .run(move |c| user_db::find(c, user_id))
            .await?
            .ok_or(AccountError::NotFound)?;
        if self
            .auth
            .hasher()
            .verify(password, Some(user.password_hash.clone()))
            .await?
        {
            Ok(user)
        } else {
            Err(AccountError::WrongPassword)
        }
    }

    pub async fn change_password(
        &self,
        user_id: i32,
        current: &SecretString,
        new: Password,
        keep_sid: Option<String>,
        keep_family: Option<String>,
    ) -> Result<i32, AccountError> {
        let db = self.auth.db().clone();
        let user = self.confirmed(user_id, current).await?;
        let hash = self.auth.hasher().hash(new.secret()).await?;
        let (mail, reset_link) = (self.mail.clone(), self.mail.link("/forgot-password"));
        let epoch = db
            .transaction(move |c| {
                let epoch = user_db::set_password(c, user_id, &hash)?;
                sign_in_db::delete_others(c, user_id, keep_sid.as_deref(), keep_family.as_deref())?;
                match &keep_family {
                    Some(keep) => refresh_db::revoke_all_for_user_except(c, user_id, keep)?,
                    None => refresh_db::revoke_all_for_user(c, user_id)?,
                };
                token_db::retire(c, user_id, token_db::PURPOSE_RESET, now())?;
                mail.queue(
                    c,
                    &recipient(&user),
                    &MailKind::PasswordChanged { reset_link },
                )?;
                Ok(epoch)
            })
            .await?;
        self.mail.wake();
        self.auth.revoked(user_id).await;
        Ok(epoch)
    }

    /// A forgotten-password request for `email`. Answered alike whether or not an
    /// account has it: the same bcrypt-sized work is done here either way, and the rest
    /// (looking the address up, the per-address limit, the token and the mail) happens
    /// after the answer, on a task of its own.
    pub async fn request_reset(&self, email: &str) -> Result<(), AccountError> {
        let email = email.trim().to_lowercase();
        let decoy = SecretString::from(email.clone());
        self.auth.hasher().verify(&decoy, None).await?;
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.send_reset(email).await {
                tracing::warn!(error = %e, "forgotten-password mail not queued");
            }
        });
        Ok(())
    }

    async fn send_reset(&self, email: String) -> Result<(), AccountError> {
        let (mail, ttl) = (self.mail.clone(), self.reset_ttl);
        let key = format!("reset:{email}");
        let link = self.mail.link("/reset-password?token=");
        let queued = self
            .auth
            .db()
            .transaction(move |c| {
                let at = now();
                // Count this request first (the row update serialises concurrent
                // requests for one address), then see whether it is over the limit.
                throttle_db::record_failure(c, &key, at, RESET_ADDRESS_WINDOW)?;
                let over = RESET_PER_ADDRESS + 1;
                if throttle_db::wait_time(c, &key, at, RESET_ADDRESS_WINDOW, over)?.is_some() {
                    return Ok(false);
                }
                let Some(user) = user_db::find_by_email(c, &email)? else {
                    return Ok(false);
                };
                let token = Self::issue(c, token_db::PURPOSE_RESET, user.id, &user.email, ttl)?;
                let kind = MailKind::PasswordReset {
                    link: format!("{link}{token}"),
                    minutes: minutes(ttl),
                };
                mail.queue(c, &recipient(&user), &kind)?;
                Ok(true)
            })
            .await?;
        if queued {
            self.mail.wake();
        }
        Ok(())
    }

    /// True when `token` is a live reset link (the page shows the form, or says why not).
    pub async fn reset_link_works(&self, token: &str) -> Result<bool, AccountError> {
        let hash = hash_token(token);
        Ok(self
            .auth
            .db()
            .run(move |c| token_db::find_live(c, &hash, token_db::PURPOSE_RESET, now()))
            .await?
            .is_some())
    }

    /// Set a new password with a reset link: the link is used up, and every session
    /// and token of the account is revoked.
    pub async fn reset_password(&self, token: &str, new: Password) -> Result<(), AccountError> {
        if !self.reset_link_works(token).await? {
            return Err(AccountError::InvalidLink);
        }
        let hash = self.auth.hasher().hash(new.secret()).await?;
        let token_hash = hash_token(token);
        let user_id = self
            .auth
            .db()
            .transaction(move |c| {
                let at = now();
                let Some(t) = token_db::consume(c, &token_hash, token_db::PURPOSE_RESET, at)?
                else {
                    return Ok(None);
                };
                user_db::set_password(c, t.user_id, &hash)?;
                refresh_db::revoke_all_for_user(c, t.user_id)?;
                sign_in_db::delete_others(c, t.user_id, None, None)?;
                token_db::retire(c, t.user_id, token_db::PURPOSE_RESET, at)?;
                Ok(Some(t.user_id))
            })
            .await?
            .ok_or(AccountError::InvalidLink)?;
        self.auth.revoked(user_id).await;
        Ok(())
    }

    /// Mail `user` a link to confirm their address (older links stop working).
    pub async fn send_verification(&self, user: &User) -> Result<(), AccountError> {
        let (mail, ttl, user) = (self.mail.clone(), self.email_ttl, user.clone());
        let link = self.mail.link("/verify-email?token=");
        self.auth
            .db()
            .transaction(move |c| {
                let token = Self::issue(c, token_db::PURPOSE_VERIFY, user.id, &user.email, ttl)?;
                let kind = MailKind::VerifyEmail {
                    link: format!("{link}{token}"),
                    minutes: minutes(ttl),
                };
                mail.queue(c, &recipient(&user), &kind)?;
                Ok(())
            })
            .await?;
        self.mail.wake();
        Ok(())
    }

    /// True when `token` is a live confirmation link.
    pub async fn verify_link_works(&self, token: &str) -> Result<bool, AccountError> {
        let hash = hash_token(token);
        Ok(self
            .auth
            .db()
            .run(move |c| token_db::find_live(c, &hash, token_db::PURPOSE_VERIFY, now()))
            .await?
            .is_some())
    }

    /// Confirm the address with the mailed link (once). Returns the account's id.
    pub async fn verify_email(&self, token: &str) -> Result<i32, AccountError> {
        let hash = hash_token(token);
        let user_id = self
            .auth
            .db()
            .transaction(move |c| {
                let at = now();
                let Some(t) = token_db::consume(c, &hash, token_db::PURPOSE_VERIFY, at)? else {
                    return Ok(None);
                };
                // The address must still be the account's (it may have changed since).
                let confirmed = user_db::mark_verified(c, t.user_id, &t.email, at)?;
                let still_current =
                    user_db::find(c, t.user_id)?.is_some_and(|u| u.email == t.email);
                Ok((confirmed || still_current).then_some(t.user_id))
            })
            .await?
            .ok_or(AccountError::InvalidLink)?;
        self.auth.principals_changed(user_id);
        Ok(user_id)
    }

    /// Forget expired links; returns how many.
    pub async fn purge_expired(&self) -> Result<usize, DbError> {
        self.auth
            .db()
            .run(|c| token_db::purge_expired(c, now()))
            .await
    }

    pub fn email_ttl(&self) -> Duration {
        self.email_ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(ha, hash_token(&a));
        assert_ne!(ha, a);
        assert_eq!(minutes(Duration::from_secs(1800)), 30);
    }
}
