//! Viewers' ratings of the signing: one per viewer per video.

use super::{FeedbackSummary, VideoError, VideoService};
use crate::events::Event;
use crate::models::feedback as feedback_db;
use crate::video::input::Rating;

impl VideoService {
    /// Set the viewer's rating of the signing (one per viewer per video).
    pub async fn rate(
        &self,
        video_id: i32,
        user_id: i32,
        rating: Rating,
    ) -> Result<FeedbackSummary, VideoError> {
        let video = self.get_viewable(video_id, Some(user_id)).await?;
        if !video.is_ready() {
            return Err(VideoError::Conflict(
                "The video can be rated once it has been processed.".into(),
            ));
        }
        let previous = self
            .db
            .run(move |conn| {
                let previous = feedback_db::rating_of(conn, video_id, user_id)?;
                feedback_db::set(conn, video_id, user_id, rating.as_str())?;
                Ok(previous)
            })
            .await?;
        if previous.as_deref() != Some(rating.as_str()) {
            self.publish(Event::VideoRated {
                video_id,
                user_id,
                sign_language: video.sign_language.clone(),
                rating: rating.as_str().to_owned(),
                previous,
            });
        }
        self.feedback(video_id, Some(user_id)).await
    }

    /// Withdraw the viewer's rating.
    pub async fn unrate(&self, video_id: i32, user_id: i32) -> Result<FeedbackSummary, VideoError> {
        let video = self.get_viewable(video_id, Some(user_id)).await?;
        let removed = self
            .db
            .run(move |conn| feedback_db::remove(conn, video_id, user_id))
            .await?;
        if removed > 0 {
            // The counts changed: every instance drops the page.
            self.changed(video_id, video.owner_id, "feedback");
        }
        self.feedback(video_id, Some(user_id)).await
    }

    /// Ratings of the signing, and the viewer's own.
    pub async fn feedback(
        &self,
        video_id: i32,
        viewer: Option<i32>,
    ) -> Result<FeedbackSummary, VideoError> {
        Ok(self.watch(video_id, viewer).await?.feedback())
    }
}
