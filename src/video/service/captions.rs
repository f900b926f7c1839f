//! Caption tracks and transcripts: a WebVTT file is validated and parsed once, when it
//! is stored; its transcript is kept with the track, so no view reads the file again.

use super::{CaptionView, MAX_CAPTION_BYTES, Transcript, VideoError, VideoService};
use crate::db::now;
use crate::models::caption::{self as caption_db, NewCaption};
use crate::video::input::CaptionDetails;
use crate::video::storage::{Area, Storage};
use crate::video::webvtt;

impl VideoService {
    /// Validate and store a WebVTT track (replacing the same language and kind).
    pub async fn add_caption(
        &self,
        video_id: i32,
        user_id: i32,
        details: CaptionDetails,
        bytes: Vec<u8>,
    ) -> Result<CaptionView, VideoError> {
        self.get_owned(video_id, user_id).await?;
        if bytes.len() as u64 > MAX_CAPTION_BYTES {
            return Err(VideoError::BadCaptions(
                "The caption file is larger than 1 MB".into(),
            ));
        }
        let parsed = webvtt::parse(&bytes).map_err(|e| {
            VideoError::BadCaptions(format!("The caption file is not valid WebVTT. {e}"))
        })?;
        let transcript = serde_json::to_string(&parsed.transcript())
            .map_err(|e| VideoError::Io(std::io::Error::other(e)))?;
        let key = Storage::new_key(Area::Captions, "vtt");
        let path = self
            .storage
            .path(&key)
            .ok_or_else(|| std::io::Error::other("bad caption key"))?;
        tokio::fs::write(&path, &bytes).await?;
        let cue_count = i32::try_from(parsed.cues.len()).unwrap_or(i32::MAX);
        let db_key = key.clone();
        let result = self
            .db
            .run(move |conn| {
                caption_db::replace(
                    conn,
                    &NewCaption {
                        video_id,
                        language: &details.language,
                        label: &details.label,
                        kind: details.kind.as_str(),
                        storage_key: &db_key,
                        cue_count,
                        created_at: now(),
                        transcript: Some(&transcript),
                    },
                )
            })
            .await;
        match result {
            Ok((caption, replaced)) => {
                if let Some(old) = replaced {
                    self.storage.remove(&old);
                }
                self.changed(video_id, user_id, "captions");
                Ok(CaptionView::of(&caption))
            }
            Err(e) => {
                self.storage.remove(&key);
                Err(e.into())
            }
        }
    }

    /// Remove one caption track.
    pub async fn delete_caption(
        &self,
        video_id: i32,
        caption_id: i32,
        user_id: i32,
    ) -> Result<(), VideoError> {
        self.get_owned(video_id, user_id).await?;
        let caption = self
            .db
            .run(move |conn| caption_db::find(conn, caption_id))
            .await?
            .filter(|c| c.video_id == video_id)
            .ok_or(VideoError::NotFound)?;
        self.db
            .run(move |conn| caption_db::delete(conn, caption_id))
            .await?;
        self.storage.remove(&caption.storage_key);
        self.changed(video_id, user_id, "captions");
        Ok(())
    }

    /// The transcript of a video from its captions: the track in `language` when
    /// there is one, else the first track. `None` when the video has no captions.
    pub async fn transcript(
        &self,
        video_id: i32,
        viewer: Option<i32>,
        language: Option<&str>,
    ) -> Result<Option<Transcript>, VideoError> {
        let page = self.watch(video_id, viewer).await?;
        Ok(page
            .transcript(language)
            .map(|(caption, lines)| Transcript {
                video_id,
                caption: caption.clone(),
                lines: lines.to_vec(),
            }))
    }
}
