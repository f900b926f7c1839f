//! Files: the media a viewer may fetch (processed MP4, poster, WebVTT tracks) and the
//! sweep of files no row refers to.

use std::path::PathBuf;

use super::{VideoError, VideoService};
use crate::models::caption as caption_db;
use crate::models::video as video_db;
use crate::video::storage::Area;

/// A file to send, with its content type.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub path: PathBuf,
    /// Its storage key (`processed/….mp4`): the path under `VIDEO_UPLOAD_FOLDER`.
    pub key: String,
    pub content_type: &'static str,
    /// True when anyone may see it (public and ready): caches may keep it.
    pub public: bool,
}

impl VideoService {
    /// Delete files no row refers to and that are older than `min_age`: uploads cut
    /// off mid-way, and outputs of workers that died. Returns how many were deleted.
    pub async fn sweep_orphans(&self, min_age: std::time::Duration) -> Result<usize, VideoError> {
        let referenced: std::collections::HashSet<String> = self
            .db
            .run(video_db::referenced_keys)
            .await?
            .into_iter()
            .collect();
        let storage = self.storage.clone();
        let removed = tokio::task::spawn_blocking(move || {
            let mut removed = 0;
            for area in Area::ALL {
                for key in storage.keys_older_than(area, min_age) {
                    if !referenced.contains(&key) {
                        storage.remove(&key);
                        removed += 1;
                    }
                }
            }
            removed
        })
        .await
        .map_err(VideoError::task)?;
        Ok(removed)
    }

    /// The processed MP4 of a ready video the viewer may see.
    pub async fn video_file(&self, id: i32, viewer: Option<i32>) -> Result<MediaFile, VideoError> {
        let video = self.get_viewable(id, viewer).await?;
        let key = video
            .output_key
            .as_deref()
            .filter(|_| video.is_ready())
            .ok_or(VideoError::NotFound)?;
        self.media_file(key, "video/mp4", video.is_listed())
    }

    /// The poster JPEG of a ready video the viewer may see.
    pub async fn poster_file(&self, id: i32, viewer: Option<i32>) -> Result<MediaFile, VideoError> {
        let video = self.get_viewable(id, viewer).await?;
        let key = video
            .poster_key
            .as_deref()
            .filter(|_| video.is_ready())
            .ok_or(VideoError::NotFound)?;
        self.media_file(key, "image/jpeg", video.is_listed())
    }

    /// A WebVTT track of a video the viewer may see.
    pub async fn caption_file(
        &self,
        video_id: i32,
        caption_id: i32,
        viewer: Option<i32>,
    ) -> Result<MediaFile, VideoError> {
        let video = self.get_viewable(video_id, viewer).await?;
        let caption = self
            .db
            .run(move |conn| caption_db::find(conn, caption_id))
            .await?
            .filter(|c| c.video_id == video_id)
            .ok_or(VideoError::NotFound)?;
        self.media_file(
            &caption.storage_key,
            "text/vtt; charset=utf-8",
            video.is_listed(),
        )
    }

    fn media_file(
        &self,
        key: &str,
        content_type: &'static str,
        public: bool,
    ) -> Result<MediaFile, VideoError> {
        let path = self.storage.path(key).ok_or(VideoError::NotFound)?;
        Ok(MediaFile {
            path,
            key: key.to_owned(),
            content_type,
            public,
        })
    }
}
