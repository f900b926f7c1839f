//! The admins' changes to accounts: role, video module, quotas, and finding accounts.
//! Each is published as `moderation.action` (or `user.role.changed`) with the actor,
//! and drops the account's cached principals on every instance before it answers.

use super::{ModerationError, ModerationService, require_admin};
use crate::auth::service::REVOCATION_CONFIRM_WITHIN;
use crate::db::{Db, DbError};
use crate::domain::Role;
use crate::events::{Event, EventBus, Publish, Via};
use crate::models::User;
use crate::models::moderation as moderation_db;
use crate::models::user as user_db;
use crate::video::service::VIDEO_MODULE;

impl ModerationService {
    /// Give account `user_id` the role `role_raw` (admins only; not their own role).
    pub async fn set_role(
        &self,
        actor: &User,
        user_id: i32,
        role_raw: &str,
        via: Via,
    ) -> Result<User, ModerationError> {
        require_admin(actor)?;
        let role = Role::parse(role_raw)
            .ok_or_else(|| ModerationError::field("role", "Choose member, moderator or admin"))?;
        let target = self.target(actor, user_id).await?;
        change_role(&self.db, &self.events, &target, role, Some(actor.id), via).await?;
        self.user(user_id).await
    }

    /// Let account `user_id` upload videos, or not (admins only).
    pub async fn set_video_module(
        &self,
        actor: &User,
        user_id: i32,
        allowed: bool,
        via: Via,
    ) -> Result<User, ModerationError> {
        require_admin(actor)?;
        let target = self.user(user_id).await?;
        if target.has_module(VIDEO_MODULE) != allowed {
            let mut modules = target.modules();
            if allowed {
                modules.push(VIDEO_MODULE.to_owned());
            } else {
                modules.retain(|m| m != VIDEO_MODULE);
            }
            self.db
                .run(move |c| user_db::set_modules(c, user_id, &modules))
                .await?;
            let module = VIDEO_MODULE.to_owned();
            self.events.publish(if allowed {
                Event::ModuleLoaded {
                    user_id,
                    module,
                    via,
                }
            } else {
                Event::ModuleUnloaded {
                    user_id,
                    module,
                    via,
                }
            });
            self.publish_admin(
                actor,
                user_id,
                "modules",
                Some(format!("video: {allowed}")),
                via,
            )
            .await;
        }
        self.user(user_id).await
    }

    /// Override account `user_id`'s storage quota and daily uploads (`None`: the
    /// defaults). Admins only.
    pub async fn set_quota(
        &self,
        actor: &User,
        user_id: i32,
        quota_mb: Option<i32>,
        uploads_per_day: Option<i32>,
        via: Via,
    ) -> Result<User, ModerationError> {
        require_admin(actor)?;
        self.user(user_id).await?;
        self.db
            .run(move |c| moderation_db::set_quota(c, user_id, quota_mb, uploads_per_day))
            .await?;
        let what = format!(
            "quota_mb: {}, uploads_per_day: {}",
            quota_mb.map_or("default".into(), |v| v.to_string()),
            uploads_per_day.map_or("default".into(), |v| v.to_string())
        );
        self.publish_admin(actor, user_id, "quota", Some(what), via)
            .await;
        self.user(user_id).await
    }

    async fn publish_admin(
        &self,
        actor: &User,
        user_id: i32,
        action: &str,
        reason: Option<String>,
        via: Via,
    ) {
        self.events.publish(Event::ModerationAction {
            action: action.into(),
            user_id,
            actor_id: Some(actor.id),
            video_id: None,
            reason,
            via,
        });
        self.events
            .publish_confirmed(
                Event::PrincipalsInvalidated {
                    user_id: Some(user_id),
                },
                REVOCATION_CONFIRM_WITHIN,
            )
            .await;
    }

    /// Accounts whose email or username contains `query`.
    pub async fn find_users(
        &self,
        actor: &User,
        query: &str,
    ) -> Result<Vec<User>, ModerationError> {
        require_admin(actor)?;
        let query = query.trim().chars().take(100).collect::<String>();
        Ok(self
            .db
            .run(move |c| moderation_db::find_users(c, &query, 50))
            .await?)
    }
}

/// Store `role` for `target` and publish it (with `actor_id`, `None` for the CLI):
/// shared by the admin page and `pinkflow user role`.
pub async fn change_role(
    db: &Db,
    events: &EventBus,
    target: &User,
    role: Role,
    actor_id: Option<i32>,
    via: Via,
) -> Result<bool, DbError> {
    let from = target.role();
    if from == role {
        return Ok(false);
    }
    let id = target.id;
    db.run(move |c| moderation_db::set_role(c, id, role.as_str()))
        .await?;
    events.publish(Event::RoleChanged {
        user_id: id,
        from: from.as_str().into(),
        to: role.as_str().into(),
        actor_id,
        via,
    });
    events
        .publish_confirmed(
            Event::PrincipalsInvalidated { user_id: Some(id) },
            REVOCATION_CONFIRM_WITHIN,
        )
        .await;
    Ok(true)
}
