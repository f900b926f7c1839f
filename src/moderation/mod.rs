//! Moderation: viewers' reports, the moderators' queue and actions (dismiss, hide,
//! restore, suspend, lift a suspension) and the admins' changes to accounts (role,
//! modules, quotas). Plain Rust: the pages and the API both call [`ModerationService`];
//! its queries live in [`crate::models::report`] and [`crate::models::moderation`].
//!
//! Every instance agrees at once: hiding or restoring a video publishes `video.updated`
//! (change `moderation`), which drops the video's cached read models here before the
//! answer and on every other instance as the event reaches it; a suspension revokes the
//! account's token families and sessions in the database, then publishes
//! `auth.principals.invalidated` and waits until every instance confirms it dropped its
//! cached principals and sessions (as sign-out does). Every action is published as
//! `moderation.action` (or `user.role.changed`) with who did it: the audit trail.

mod admin;
pub mod disk;
pub mod quota;

pub use admin::change_role;

use std::collections::BTreeMap;

use crate::auth::service::REVOCATION_CONFIRM_WITHIN;
use crate::db::{Db, DbError, now};
use crate::domain::{MODERATION_REASON_MAX, REPORT_DETAILS_MAX, ReportReason};
use crate::events::{Event, EventBus, Publish, Via};
use crate::models::moderation as moderation_db;
use crate::models::report::{self as report_db, Filed, NewReport, QueueItem};
use crate::models::user as user_db;
use crate::models::{User, Video};
use crate::video::{VideoError, VideoService};

/// Most reports one viewer may file in [`REPORT_WINDOW`].
pub const REPORTS_PER_WINDOW: i64 = 10;
/// The window of the report rate limit.
pub const REPORT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// Most videos the queue shows at once.
pub const QUEUE_LIMIT: i64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error("Not found")]
    NotFound,
    /// The person may not do this (not a moderator, an admin's account, oneself...).
    #[error("{0}")]
    Forbidden(String),
    /// Bad input: every problem, by field.
    #[error("Some values are not valid")]
    Invalid(BTreeMap<String, String>),
    #[error("You have already reported this video. Moderators will look at your report.")]
    AlreadyReported,
    #[error("You have sent too many reports. Try again later.")]
    TooManyReports,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ModerationError {
    fn field(name: &str, message: &str) -> Self {
        ModerationError::Invalid(BTreeMap::from([(name.to_owned(), message.to_owned())]))
    }
}

impl From<VideoError> for ModerationError {
    fn from(e: VideoError) -> Self {
        match e {
            VideoError::Db(db) => ModerationError::Db(db),
            VideoError::Forbidden(m) => ModerationError::Forbidden(m),
            _ => ModerationError::NotFound,
        }
    }
}

/// What a moderator did to a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoAction {
    Dismiss,
    Hide,
    Restore,
}

impl VideoAction {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "dismiss" => Some(VideoAction::Dismiss),
            "hide" => Some(VideoAction::Hide),
            "restore" => Some(VideoAction::Restore),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VideoAction::Dismiss => "dismiss",
            VideoAction::Hide => "hide",
            VideoAction::Restore => "restore",
        }
    }
}

/// A validated moderator's reason: trimmed, required, at most
/// [`MODERATION_REASON_MAX`] characters.
pub fn reason(raw: &str) -> Result<String, ModerationError> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(ModerationError::field(
            "reason",
            "Enter the reason, so the owner knows why",
        ));
    }
    if reason.chars().count() > MODERATION_REASON_MAX || reason.chars().any(char::is_control) {
        return Err(ModerationError::field(
            "reason",
            "The reason must be 500 characters or fewer, on one line",
        ));
    }
    Ok(reason.to_owned())
}

#[derive(Clone)]
pub struct ModerationService {
    db: Db,
    videos: VideoService,
    events: EventBus,
}

fn require_moderator(actor: &User) -> Result<(), ModerationError> {
    if actor.role().can_moderate() && !actor.is_suspended() {
        Ok(())
    } else {
        Err(ModerationError::Forbidden(
            "Only moderators can do this.".into(),
        ))
    }
}

fn require_admin(actor: &User) -> Result<(), ModerationError> {
    if actor.role().is_admin() && !actor.is_suspended() {
        Ok(())
    } else {
        Err(ModerationError::Forbidden(
            "Only admins can do this.".into(),
        ))
    }
}

impl ModerationService {
    pub fn new(db: Db, videos: VideoService, events: EventBus) -> Self {
        ModerationService { db, videos, events }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// `reporter` reports video `video_id` (which they must be able to see, and not
    /// own) for `reason` with optional `details`. One open report per viewer per video;
    /// at most [`REPORTS_PER_WINDOW`] reports an hour.
    pub async fn report(
        &self,
        reporter: &User,
        video_id: i32,
        reason: &str,
        details: &str,
    ) -> Result<(), ModerationError> {
        let video = self
            .videos
            .get_viewable(video_id, Some(reporter.id))
            .await?;
        let mut errors = BTreeMap::new();
        let parsed = ReportReason::parse(reason.trim());
        if parsed.is_none() {
            errors.insert(
                "reason".into(),
                "Choose why you are reporting this video".into(),
            );
        }
        let details = details.trim();
        if details.chars().count() > REPORT_DETAILS_MAX {
            errors.insert(
                "details".into(),
                "Your description must be 1000 characters or fewer".into(),
            );
        }
        let Some(reason) = parsed.filter(|_| errors.is_empty()) else {
            return Err(ModerationError::Invalid(errors));
        };
        if video.owner_id == reporter.id {
            return Err(ModerationError::Forbidden(
                "You cannot report your own video.".into(),
            ));
        }
        let (reporter_id, details) = (reporter.id, details.to_owned());
        let filed = self
            .db
            .transaction(move |c| {
                let at = now();
                if report_db::count_since(c, reporter_id, at - REPORT_WINDOW)? >= REPORTS_PER_WINDOW
                {
                    return Ok(None);
                }
                let new = NewReport {
                    video_id,
                    reporter_id,
                    reason: reason.as_str(),
                    details: &details,
                    status: report_db::STATUS_OPEN,
                    created_at: at,
                };
                Ok(Some(report_db::insert(c, &new)?))
            })
            .await?;
        match filed {
            None => Err(ModerationError::TooManyReports),
            Some(Filed::AlreadyOpen) => Err(ModerationError::AlreadyReported),
            Some(Filed::Filed(_)) => {
                self.events.publish(Event::VideoReported {
                    video_id,
                    owner_id: video.owner_id,
                    reporter_id,
                    reason: reason.as_str().to_owned(),
                });
                Ok(())
            }
        }
    }

    /// Videos with open reports, grouped, the longest-waiting first.
    pub async fn queue(&self, actor: &User) -> Result<Vec<QueueItem>, ModerationError> {
        require_moderator(actor)?;
        Ok(self.db.run(|c| report_db::queue(c, QUEUE_LIMIT)).await?)
    }

    /// Hidden videos (with their owners' usernames) and suspended accounts, for the
    /// queue page's "restore" and "lift" lists.
    pub async fn hidden_and_suspended(
        &self,
        actor: &User,
    ) -> Result<(Vec<(Video, String)>, Vec<User>), ModerationError> {
        require_moderator(actor)?;
        Ok(self
            .db
            .run(|c| {
                Ok((
                    moderation_db::hidden_videos(c, QUEUE_LIMIT)?,
                    moderation_db::suspended_users(c, QUEUE_LIMIT)?,
                ))
            })
            .await?)
    }

    /// Dismiss the open reports of a video, hide it (with `reason`, which its owner
    /// sees), or restore it. Hiding and dismissing close the video's open reports.
    pub async fn act_on_video(
        &self,
        actor: &User,
        video_id: i32,
        action: VideoAction,
        reason_raw: &str,
        via: Via,
    ) -> Result<Video, ModerationError> {
        require_moderator(actor)?;
        let reason = match action {
            VideoAction::Hide => Some(reason(reason_raw)?),
            _ => None,
        };
        let (by, why) = (actor.id, reason.clone());
        let video = self
            .db
            .transaction(move |c| {
                let at = now();
                let video = match action {
                    VideoAction::Dismiss => {
                        report_db::resolve_video(c, video_id, report_db::STATUS_DISMISSED, by, at)?;
                        crate::models::video::find(c, video_id)?
                    }
                    VideoAction::Hide => {
                        report_db::resolve_video(c, video_id, report_db::STATUS_ACTIONED, by, at)?;
                        moderation_db::hide_video(c, video_id, why.as_deref().unwrap_or(""), at)?
                    }
                    VideoAction::Restore => moderation_db::restore_video(c, video_id)?,
                };
                Ok(video)
            })
            .await?
            .ok_or(ModerationError::NotFound)?;
        if action != VideoAction::Dismiss {
            self.video_changed(&video);
        }
        self.events.publish(Event::ModerationAction {
            action: action.as_str().to_owned(),
            user_id: video.owner_id,
            actor_id: Some(actor.id),
            video_id: Some(video.id),
            reason,
            via,
        });
        Ok(video)
    }

    /// Drop the video's read models here now, and on other instances as the event
    /// reaches them.
    fn video_changed(&self, video: &Video) {
        self.videos.publish(Event::VideoUpdated {
            video_id: video.id,
            owner_id: video.owner_id,
            change: "moderation".into(),
        });
    }

    /// Suspend account `user_id` (see [`moderation_db::suspend`]); answers once every
    /// instance has dropped the account's cached principals and sessions. A moderator
    /// may suspend members only; nobody suspends themself.
    pub async fn suspend(
        &self,
        actor: &User,
        user_id: i32,
        reason_raw: &str,
        via: Via,
    ) -> Result<User, ModerationError> {
        require_moderator(actor)?;
        let why = reason(reason_raw)?;
        let target = self.target(actor, user_id).await?;
        if target.role().can_moderate() && !actor.role().is_admin() {
            return Err(ModerationError::Forbidden(
                "Only admins can suspend moderators and admins.".into(),
            ));
        }
        let video_reason = format!("The account was suspended: {why}");
        let stored = why.clone();
        let hidden = self
            .db
            .transaction(move |c| moderation_db::suspend(c, user_id, &stored, &video_reason, now()))
            .await?;
        if let Some(hidden) = &hidden {
            self.account_changed(user_id, hidden).await;
            self.events.publish(Event::ModerationAction {
                action: "suspend".into(),
                user_id,
                actor_id: Some(actor.id),
                video_id: None,
                reason: Some(why),
                via,
            });
        }
        self.user(user_id).await
    }

    /// Lift account `user_id`'s suspension, restoring the videos it hid. Its old
    /// sessions and tokens stay revoked: the person signs in again.
    pub async fn unsuspend(
        &self,
        actor: &User,
        user_id: i32,
        via: Via,
    ) -> Result<User, ModerationError> {
        require_moderator(actor)?;
        self.target(actor, user_id).await?;
        let restored = self
            .db
            .transaction(move |c| moderation_db::unsuspend(c, user_id))
            .await?;
        if let Some(restored) = &restored {
            self.account_changed(user_id, restored).await;
            self.events.publish(Event::ModerationAction {
                action: "unsuspend".into(),
                user_id,
                actor_id: Some(actor.id),
                video_id: None,
                reason: None,
                via,
            });
        }
        self.user(user_id).await
    }

    /// The account an action targets: it exists and is not the actor's own.
    async fn target(&self, actor: &User, user_id: i32) -> Result<User, ModerationError> {
        if actor.id == user_id {
            return Err(ModerationError::Forbidden(
                "You cannot do this to your own account.".into(),
            ));
        }
        self.user(user_id).await
    }

    pub async fn user(&self, user_id: i32) -> Result<User, ModerationError> {
        self.db
            .run(move |c| user_db::find(c, user_id))
            .await?
            .ok_or(ModerationError::NotFound)
    }

    /// After a suspension changed: every instance drops the account's principals
    /// before this returns, and the read models of `videos`.
    async fn account_changed(&self, user_id: i32, videos: &[i32]) {
        for &video_id in videos {
            self.videos.publish(Event::VideoUpdated {
                video_id,
                owner_id: user_id,
                change: "moderation".into(),
            });
        }
        self.events
            .publish_confirmed(
                Event::PrincipalsInvalidated {
                    user_id: Some(user_id),
                },
                REVOCATION_CONFIRM_WITHIN,
            )
            .await;
    }
}
