//! Caption tracks and transcripts: a caption file (WebVTT, SubRip or SBV, in UTF-8,
//! UTF-16 or Windows-1252) is imported once, when it is stored, as UTF-8 WebVTT; its
//! transcript is kept with the track, so no view reads the file again.

use super::{AddedCaption, CaptionView, Transcript, VideoError, VideoService};
use crate::db::now;
use crate::models::caption::{self as caption_db, NewCaption};
use crate::video::caption_import::{self, Limits};
use crate::video::input::CaptionDetails;
use crate::video::storage::{Area, Storage};

impl VideoService {
    /// Import and store a caption track (replacing the same language and kind):
    /// `filename` helps tell SubRip and SBV from WebVTT; what was skipped comes back as
    /// warnings.
    pub async fn add_caption(
        &self,
        video_id: i32,
        user_id: i32,
        details: CaptionDetails,
        filename: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<AddedCaption, VideoError> {
        self.get_owned(video_id, user_id).await?;
        let limit_bytes = self.settings.max_caption_bytes;
        if bytes.len() as u64 > limit_bytes {
            return Err(VideoError::CaptionTooLarge { limit_bytes });
        }
        let imported = caption_import::import(filename, &bytes, Limits::default())
            .map_err(|e| VideoError::BadCaptions(e.to_string()))?;
        let transcript = serde_json::to_string(&imported.doc.transcript())
            .map_err(|e| VideoError::Io(std::io::Error::other(e)))?;
        let key = Storage::new_key(Area::Captions, "vtt");
        let path = self
            .storage
            .path(&key)
            .ok_or_else(|| std::io::Error::other("bad caption key"))?;
        tokio::fs::write(&path, &imported.vtt).await?;
        let cue_count = i32::try_from(imported.doc.cues.len()).unwrap_or(i32::MAX);
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
                Ok(AddedCaption {
                    caption: CaptionView::of(&caption),
                    warnings: imported.warnings,
                })
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

    /// Track `caption_id` of a video the viewer may see, as a plain-text transcript
    /// for download: the title, the track's label, then one `[time] Speaker: text` line
    /// per cue. Read from the watch page's read model.
    pub async fn transcript_text(
        &self,
        video_id: i32,
        caption_id: i32,
        viewer: Option<i32>,
    ) -> Result<TranscriptDownload, VideoError> {
        let page = self.watch(video_id, viewer).await?;
        let video = page.video();
        let i = video
            .captions
            .iter()
            .position(|c| c.id == caption_id)
            .ok_or(VideoError::NotFound)?;
        let caption = &video.captions[i];
        let mut text = format!("{}\n{}\n\n", video.title, caption.label);
        for line in page.data.transcripts.get(i).into_iter().flatten() {
            text.push_str(&format!("[{}] ", line.start));
            if let Some(speaker) = &line.speaker {
                text.push_str(&format!("{speaker}: "));
            }
            text.push_str(&line.text);
            text.push('\n');
        }
        Ok(TranscriptDownload {
            file_name: transcript_file_name(video_id, &caption.language),
            text,
            public: video.is_listed(),
        })
    }
}

/// A transcript to download.
#[derive(Debug, Clone)]
pub struct TranscriptDownload {
    /// File name without extension, e.g. `transcript-3-en-GB`.
    pub file_name: String,
    pub text: String,
    /// True when anyone may see it: caches may keep it.
    pub public: bool,
}

/// `transcript-{id}-{language}`, with only letters, digits and hyphens.
pub fn transcript_file_name(video_id: i32, language: &str) -> String {
    let language: String = language
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(35)
        .collect();
    format!("transcript-{video_id}-{language}")
}
