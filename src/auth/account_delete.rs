//! Deleting an account (GDPR article 17): confirmed with the password, it removes the
//! person's videos and their files, captions, ratings, sessions, tokens, links and
//! queued mail at once. The audit trail keeps `user.deleted` with the account's number
//! only, and the address can register again.

use secrecy::SecretString;

use super::account::{AccountError, AccountService};
use super::service::throttle_key;
use crate::db::DbError;
use crate::events::{Event, Publish};
use crate::models::mail as mail_db;
use crate::models::throttle as throttle_db;
use crate::models::user as user_db;

impl AccountService {
    /// Delete the account `user_id` when `password` is its password.
    pub async fn delete_account(
        &self,
        user_id: i32,
        password: &SecretString,
    ) -> Result<(), AccountError> {
        let db = self.auth().db().clone();
        let user = self.confirmed(user_id, password).await?;
        // Videos first, through the video service: it removes their files and drops
        // them from every cache and catalogue.
        let videos = self.videos();
        let own = videos
            .list_own(user_id)
            .await
            .map_err(|e| AccountError::Db(DbError::Task(e.to_string())))?;
        for video in own {
            videos
                .delete(video.id, user_id)
                .await
                .map_err(|e| AccountError::Db(DbError::Task(e.to_string())))?;
        }
        let throttle = throttle_key(&user.email);
        db.transaction(move |c| {
            mail_db::delete_for_user(c, user_id)?;
            throttle_db::clear(c, &throttle)?;
            user_db::delete(c, user_id)
        })
        .await?;
        // Every instance forgets the account's cached sessions and tokens before this
        // answers.
        self.auth().revoked(user_id).await;
        self.auth()
            .event_bus()
            .publish(Event::UserDeleted { user_id });
        Ok(())
    }
}
