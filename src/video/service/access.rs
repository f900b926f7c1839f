//! Who may see what, and the read models built from it: one video, the listings, and
//! the watch page (everything it shows in at most two database round trips, shared
//! from the read cache for a public video).

use std::sync::Arc;

use super::read_cache::SharedWatch;
use super::{LIST_LIMIT, VideoError, VideoService, VideoView, WatchData, WatchPage};
use crate::models::Video;
use crate::models::caption as caption_db;
use crate::models::feedback as feedback_db;
use crate::models::video as video_db;
use crate::models::watch::{self as watch_db, WatchRows};
use crate::video::webvtt::{self, TranscriptLine};

impl VideoService {
    async fn load(&self, id: i32) -> Result<Video, VideoError> {
        self.db
            .run(move |conn| video_db::find(conn, id))
            .await?
            .ok_or(VideoError::NotFound)
    }

    /// The video if `viewer` may see it (owner, public and ready, or a moderator and
    /// hidden by moderators); otherwise
    /// `NotFound`, so private videos do not reveal that they exist.
    pub async fn get_viewable(&self, id: i32, viewer: Option<i32>) -> Result<Video, VideoError> {
        let video = self.load(id).await?;
        if video.viewable_by(viewer) || self.moderator_sees(&video, viewer).await? {
            Ok(video)
        } else {
            Err(VideoError::NotFound)
        }
    }

    /// A hidden public video seen by a moderator (one more query, only then).
    async fn moderator_sees(&self, video: &Video, viewer: Option<i32>) -> Result<bool, VideoError> {
        let Some(id) = viewer.filter(|_| video.moderators_may_see()) else {
            return Ok(false);
        };
        let user = self
            .db
            .run(move |conn| crate::models::user::find(conn, id))
            .await?;
        Ok(user.is_some_and(|u| u.role().can_moderate() && !u.is_suspended()))
    }

    /// The video if `user_id` owns it.
    pub async fn get_owned(&self, id: i32, user_id: i32) -> Result<Video, VideoError> {
        let video = self.get_viewable(id, Some(user_id)).await?;
        if video.owner_id == user_id {
            Ok(video)
        } else {
            Err(VideoError::Forbidden(
                "Only the person who uploaded this video can change it.".into(),
            ))
        }
    }

    /// The full view of one video: captions and the signed editions the viewer may see.
    pub async fn view(&self, id: i32, viewer: Option<i32>) -> Result<VideoView, VideoError> {
        Ok(self.watch(id, viewer).await?.data.video.clone())
    }

    /// Everything the watch page shows about video `id` to `viewer`: the video, its
    /// captions and their transcripts, the editions the viewer may see and the ratings.
    /// At most two database round trips; none for a public video already in the read
    /// cache (one for a signed-in viewer whose rating of it is not kept yet).
    pub async fn watch(&self, id: i32, viewer: Option<i32>) -> Result<WatchPage, VideoError> {
        let generation = self.cache.generation();
        if let Some(found) = self.cache.peek_watch(id)
            && viewer != Some(found.owner_id)
        {
            let mine = match viewer {
                None => None,
                Some(user) => match self.cache.peek_rating(id, user) {
                    Some(kept) => kept,
                    None => {
                        let mine = self
                            .db
                            .run(move |conn| feedback_db::rating_of(conn, id, user))
                            .await?;
                        self.cache.keep_rating(id, user, mine.clone(), generation);
                        mine
                    }
                },
            };
            return Ok(WatchPage {
                data: found.data.clone(),
                mine,
            });
        }
        let rows = self
            .db
            .run(move |conn| watch_db::watch(conn, id, viewer))
            .await?
            .ok_or(VideoError::NotFound)?;
        if !rows.video.viewable_by(viewer) && !self.moderator_sees(&rows.video, viewer).await? {
            return Err(VideoError::NotFound);
        }
        let (owner_id, shared) = (rows.video.owner_id, shareable(&rows.video, viewer));
        let mine = rows.mine.clone();
        let data = Arc::new(self.watch_data(rows, viewer).await?);
        if shared {
            let watch = SharedWatch {
                owner_id,
                data: data.clone(),
            };
            self.cache.keep_watch(id, watch, generation);
            if let Some(user) = viewer {
                self.cache.keep_rating(id, user, mine.clone(), generation);
            }
        }
        Ok(WatchPage { data, mine })
    }

    async fn watch_data(
        &self,
        rows: WatchRows,
        viewer: Option<i32>,
    ) -> Result<WatchData, VideoError> {
        let mut transcripts = Vec::with_capacity(rows.captions.len());
        for caption in &rows.captions {
            transcripts.push(match &caption.transcript {
                Some(json) => serde_json::from_str::<Vec<TranscriptLine>>(json).unwrap_or_default(),
                None => self.backfill_transcript(caption).await?,
            });
        }
        Ok(WatchData {
            video: VideoView::build(&rows.video, viewer, &rows.captions, &rows.editions),
            transcripts,
            counts: rows.counts.into_iter().collect(),
        })
    }

    /// A track stored before transcripts were kept: parse its file once and store the
    /// result, so no later view reads the file.
    async fn backfill_transcript(
        &self,
        caption: &caption_db::Caption,
    ) -> Result<Vec<TranscriptLine>, VideoError> {
        let Some(path) = self.storage.path(&caption.storage_key) else {
            return Ok(Vec::new());
        };
        let lines = match tokio::fs::read(path).await {
            Ok(bytes) => webvtt::parse(&bytes)
                .map(|v| v.transcript())
                .unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, caption = caption.id, "caption file unreadable");
                return Ok(Vec::new());
            }
        };
        let json = serde_json::to_string(&lines).unwrap_or_else(|_| "[]".into());
        let id = caption.id;
        self.db
            .run(move |conn| caption_db::set_transcript(conn, id, &json))
            .await?;
        Ok(lines)
    }

    /// A person's own videos, newest first (one round trip).
    pub async fn list_own(&self, owner_id: i32) -> Result<Vec<VideoView>, VideoError> {
        let videos = self
            .db
            .run(move |conn| video_db::list_by_owner(conn, owner_id, LIST_LIMIT))
            .await?;
        Ok(videos
            .iter()
            .map(|v| VideoView::summary(v, Some(owner_id)))
            .collect())
    }
}

/// Whether what `viewer` sees of `video` is what every other non-owner sees, so it may
/// be shared from the read cache: a public, ready video seen by someone else.
fn shareable(video: &Video, viewer: Option<i32>) -> bool {
    video.is_listed() && viewer != Some(video.owner_id)
}
