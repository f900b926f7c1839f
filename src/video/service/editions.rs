//! Signed editions: the same content in other sign languages, linked by their owner.

use super::{EditionView, VideoError, VideoService, VideoView};
use crate::domain::SignLanguage;
use crate::models::video as video_db;

impl VideoService {
    /// Link two of the owner's videos as signed editions of the same content. Each
    /// group holds at most one video per sign language.
    pub async fn link_edition(
        &self,
        video_id: i32,
        other_id: i32,
        user_id: i32,
    ) -> Result<VideoView, VideoError> {
        if video_id == other_id {
            return Err(VideoError::field(
                "video_id",
                "Choose a different video to link",
            ));
        }
        let video = self.get_owned(video_id, user_id).await?;
        let other = self
            .get_owned(other_id, user_id)
            .await
            .map_err(|e| match e {
                VideoError::NotFound | VideoError::Forbidden(_) => {
                    VideoError::field("video_id", "Choose one of your own videos")
                }
                other => other,
            })?;
        let linked = self
            .db
            .transaction(move |conn| video_db::link_editions(conn, &video, &other))
            .await?;
        if !linked {
            return Err(VideoError::Conflict(
                "These videos cannot be linked: the group would have two editions in the same sign language.".into(),
            ));
        }
        self.changed(video_id, user_id, "editions");
        self.changed(other_id, user_id, "editions");
        self.view(video_id, Some(user_id)).await
    }

    /// Take a video out of its edition group.
    pub async fn unlink_edition(
        &self,
        video_id: i32,
        user_id: i32,
    ) -> Result<VideoView, VideoError> {
        let video = self.get_owned(video_id, user_id).await?;
        self.db
            .transaction(move |conn| video_db::leave_edition_group(conn, &video))
            .await?;
        // (An `editions` change drops every cached page: the others' lists change too.)
        self.changed(video_id, user_id, "editions");
        self.view(video_id, Some(user_id)).await
    }

    /// The edition of `video_id` in `sign_language`, if one exists and the viewer may
    /// see it (for the "Watch in …" control).
    pub async fn edition_in(
        &self,
        video_id: i32,
        viewer: Option<i32>,
        sign_language: SignLanguage,
    ) -> Result<Option<EditionView>, VideoError> {
        let page = self.watch(video_id, viewer).await?;
        Ok(page.edition_in(sign_language.code()).cloned())
    }
}
