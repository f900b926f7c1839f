//! The caption editor's half of the service: a track's cues for its owner, saving
//! edited cues (all of them, one page of them, or every timing shifted), and the
//! revisions each save keeps (the last [`KEPT`], viewed and restored). Every save
//! re-parses what it writes, refreshes the track's transcript and cue count, keeps the
//! replaced file's text as a revision and drops the read models that show the track.
//!
//! Anyone but the owner gets `TrackNotFound`/`NotFound`, as for a private video.

use sha2::{Digest, Sha256};

use super::{CaptionView, VideoError, VideoService};
use crate::db::now;
use crate::models::Video;
use crate::models::caption::{self as caption_db, Caption};
use crate::models::caption_revision::{
    self as revision_db, KEPT, NewRevision, RevisionSummary, TrackChange,
};
use crate::video::cues::{self, CueFields, MAX_CUES, TimedCue, Track};
use crate::video::storage::{Area, Storage};
use crate::video::views::timestamp;
use crate::video::webvtt;

/// A track's cues as its owner edits them (`CaptionCues` in the OpenAPI document).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CaptionCues)]
pub struct CuesView {
    pub caption: CaptionView,
    /// Changes with every save: send it back with `PUT` to refuse a save over someone
    /// else's (409).
    pub version: String,
    pub cues: Vec<CueFields>,
    /// Things that are allowed but probably not meant, such as overlapping cues.
    pub warnings: Vec<String>,
}

/// An earlier version of a track (`CaptionRevision` in the OpenAPI document).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CaptionRevision)]
pub struct RevisionView {
    pub id: i32,
    pub caption_id: i32,
    pub cue_count: i32,
    /// When this version was replaced.
    #[schema(format = DateTime)]
    pub replaced_at: String,
    /// Who replaced it (null once their account is gone).
    pub replaced_by: Option<String>,
}

/// `GET …/revisions`: newest first, at most ten.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CaptionRevisionList)]
pub struct RevisionList {
    pub revisions: Vec<RevisionView>,
}

/// One revision with its cues.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = CaptionRevisionDetail)]
pub struct RevisionDetail {
    pub revision: RevisionView,
    pub cues: Vec<CueFields>,
}

impl RevisionView {
    fn of(r: &RevisionSummary) -> Self {
        RevisionView {
            id: r.id,
            caption_id: r.caption_id,
            cue_count: r.cue_count,
            replaced_at: timestamp(r.created_at),
            replaced_by: r.username.clone(),
        }
    }
}

/// A track opened for editing: the video (for its player), the track and its cues.
#[derive(Debug, Clone)]
pub struct EditableTrack {
    pub video: Video,
    pub caption: CaptionView,
    pub version: String,
    pub track: Track,
}

/// What a save changes.
#[derive(Debug, Clone)]
pub enum CueEdit {
    /// Every cue, in any order (they are put in time order).
    Replace(Vec<CueFields>),
    /// `remove` cues from `offset` replaced by `cues` (one page of the editor).
    Splice {
        offset: usize,
        remove: usize,
        cues: Vec<CueFields>,
    },
    /// Every timing moved by this many milliseconds.
    Shift(i64),
}

/// The result of a save: the track and what is worth a warning.
#[derive(Debug, Clone)]
pub struct Saved {
    pub caption: CaptionView,
    pub cue_count: usize,
    pub warnings: Vec<String>,
}

/// The short token that names the current file of a track.
fn version_of(caption: &Caption) -> String {
    Sha256::digest(caption.storage_key.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl VideoService {
    /// The video and its track `caption_id`, if `user_id` owns the video.
    async fn owned_track(
        &self,
        video_id: i32,
        caption_id: i32,
        user_id: i32,
    ) -> Result<(Video, Caption), VideoError> {
        let video = match self.get_owned(video_id, user_id).await {
            Err(VideoError::Forbidden(_)) => return Err(VideoError::NotFound),
            other => other?,
        };
        let caption = self
            .db
            .run(move |conn| caption_db::find(conn, caption_id))
            .await?
            .filter(|c| c.video_id == video_id)
            .ok_or(VideoError::TrackNotFound)?;
        Ok((video, caption))
    }

    async fn read_file(&self, caption: &Caption) -> Result<String, VideoError> {
        let path = self
            .storage
            .path(&caption.storage_key)
            .ok_or_else(|| std::io::Error::other("bad caption key"))?;
        let bytes = tokio::fs::read(path).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Track `caption_id` of video `video_id`, for its owner's editor.
    pub async fn editable_track(
        &self,
        video_id: i32,
        caption_id: i32,
        user_id: i32,
    ) -> Result<EditableTrack, VideoError> {
        let (video, caption) = self.owned_track(video_id, caption_id, user_id).await?;
        let body = self.read_file(&caption).await?;
        let track = cues::read(body.as_bytes())
            .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))?;
        Ok(EditableTrack {
            video,
            version: version_of(&caption),
            caption: CaptionView::of(&caption),
            track,
        })
    }

    /// The cues of a track as the API returns them.
    pub async fn track_cues(
        &self,
        video_id: i32,
        caption_id: i32,
        user_id: i32,
    ) -> Result<CuesView, VideoError> {
        let open = self.editable_track(video_id, caption_id, user_id).await?;
        Ok(CuesView {
            warnings: cues::overlap_warnings(&open.track.cues),
            cues: open.track.cues.iter().map(TimedCue::fields).collect(),
            caption: open.caption,
            version: open.version,
        })
    }

    /// Save an edit of a track. `version`, when given, must be the track's current one
    /// (else `Conflict`). Invalid cues give `BadCues` with every problem.
    pub async fn edit_cues(
        &self,
        video_id: i32,
        caption_id: i32,
        user_id: i32,
        version: Option<&str>,
        edit: CueEdit,
    ) -> Result<Saved, VideoError> {
        let (video, caption) = self.owned_track(video_id, caption_id, user_id).await?;
        if version.is_some_and(|v| v != version_of(&caption)) {
            return Err(changed_since());
        }
        let body = self.read_file(&caption).await?;
        let mut track = cues::read(body.as_bytes())
            .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))?;
        match edit {
            CueEdit::Replace(raw) => {
                check_count(raw.len())?;
                track.cues = cues::check(&raw, 0).map_err(VideoError::BadCues)?;
            }
            CueEdit::Splice {
                offset,
                remove,
                cues: raw,
            } => {
                let offset = offset.min(track.cues.len());
                let end = offset.saturating_add(remove).min(track.cues.len());
                check_count(track.cues.len() - (end - offset) + raw.len())?;
                let checked = cues::check(&raw, offset).map_err(VideoError::BadCues)?;
                track.cues.splice(offset..end, checked);
            }
            CueEdit::Shift(ms) => track.shift(ms).map_err(|m| VideoError::field("ms", m))?,
        }
        if track.cues.is_empty() {
            return Err(VideoError::field(
                "cues",
                "A track needs at least one cue: delete the track instead",
            ));
        }
        cues::sort(&mut track.cues);
        self.commit(&video, &caption, &body, &track, user_id).await
    }

    /// Store `track` as the new version of `caption`, keeping `old_body` as a revision.
    async fn commit(
        &self,
        video: &Video,
        caption: &Caption,
        old_body: &str,
        track: &Track,
        user_id: i32,
    ) -> Result<Saved, VideoError> {
        let text = cues::write(track);
        let limit = self.settings.max_caption_bytes;
        if text.len() as u64 > limit {
            return Err(VideoError::field(
                "cues",
                format!(
                    "The captions would be larger than the limit of {} KB: shorten or split them",
                    limit / 1024
                ),
            ));
        }
        // What is stored must read back as what was saved.
        let parsed = webvtt::parse(text.as_bytes()).map_err(|e| {
            VideoError::field("cues", format!("The captions could not be saved: {e}"))
        })?;
        let transcript = serde_json::to_string(&parsed.transcript())
            .map_err(|e| VideoError::Io(std::io::Error::other(e)))?;
        let key = Storage::new_key(Area::Captions, "vtt");
        let path = self
            .storage
            .path(&key)
            .ok_or_else(|| std::io::Error::other("bad caption key"))?;
        tokio::fs::write(&path, text.as_bytes()).await?;
        let cue_count = i32::try_from(track.cues.len()).unwrap_or(i32::MAX);
        let (caption_id, expected, old_count) =
            (caption.id, caption.storage_key.clone(), caption.cue_count);
        let (old_body, new_key) = (old_body.to_owned(), key.clone());
        let saved = self
            .db
            .run(move |conn| {
                let replaced = revision_db::save(
                    conn,
                    &NewRevision {
                        caption_id,
                        user_id: Some(user_id),
                        body: &old_body,
                        cue_count: old_count,
                        created_at: now(),
                    },
                    &expected,
                    &TrackChange {
                        storage_key: &new_key,
                        cue_count,
                        transcript: &transcript,
                    },
                )?;
                Ok(replaced.zip(caption_db::find(conn, caption_id)?))
            })
            .await;
        match saved {
            Ok(Some((old_key, row))) => {
                self.storage.remove(&old_key);
                self.changed(video.id, video.owner_id, "captions");
                Ok(Saved {
                    caption: CaptionView::of(&row),
                    cue_count: track.cues.len(),
                    warnings: cues::overlap_warnings(&track.cues),
                })
            }
            Ok(None) => {
                self.storage.remove(&key);
                Err(changed_since())
            }
            Err(e) => {
                self.storage.remove(&key);
                Err(e.into())
            }
        }
    }

    /// The revisions of a track, newest first.
    pub async fn revisions(
        &self,
        video_id: i32,
        caption_id: i32,
        user_id: i32,
    ) -> Result<RevisionList, VideoError> {
        self.owned_track(video_id, caption_id, user_id).await?;
        let rows = self
            .db
            .run(move |conn| revision_db::list(conn, caption_id))
            .await?;
        Ok(RevisionList {
            revisions: rows.iter().map(RevisionView::of).collect(),
        })
    }

    /// One revision and its cues.
    pub async fn revision(
        &self,
        video_id: i32,
        caption_id: i32,
        revision_id: i32,
        user_id: i32,
    ) -> Result<RevisionDetail, VideoError> {
        let (_, _, summary, track) = self
            .revision_track(video_id, caption_id, revision_id, user_id)
            .await?;
        Ok(RevisionDetail {
            revision: RevisionView::of(&summary),
            cues: track.cues.iter().map(TimedCue::fields).collect(),
        })
    }

    async fn revision_track(
        &self,
        video_id: i32,
        caption_id: i32,
        revision_id: i32,
        user_id: i32,
    ) -> Result<(Video, Caption, RevisionSummary, Track), VideoError> {
        let (video, caption) = self.owned_track(video_id, caption_id, user_id).await?;
        let (summary, body) = self
            .db
            .run(move |conn| revision_db::find(conn, caption_id, revision_id))
            .await?
            .ok_or(VideoError::RevisionNotFound)?;
        let track = cues::read(body.as_bytes())
            .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))?;
        Ok((video, caption, summary, track))
    }

    /// Make revision `revision_id` the track's current version; the version it replaces
    /// becomes a revision in turn.
    pub async fn restore_revision(
        &self,
        video_id: i32,
        caption_id: i32,
        revision_id: i32,
        user_id: i32,
    ) -> Result<Saved, VideoError> {
        let (video, caption, _, track) = self
            .revision_track(video_id, caption_id, revision_id, user_id)
            .await?;
        let body = self.read_file(&caption).await?;
        self.commit(&video, &caption, &body, &track, user_id).await
    }
}

/// Revisions kept per track.
pub const REVISIONS_KEPT: i64 = KEPT;

fn check_count(n: usize) -> Result<(), VideoError> {
    if n > MAX_CUES {
        return Err(VideoError::field(
            "cues",
            "A track can have at most 20,000 cues",
        ));
    }
    Ok(())
}

fn changed_since() -> VideoError {
    VideoError::Conflict(
        "These captions were changed somewhere else since you opened them. Open them again to see the changes, then make yours."
            .into(),
    )
}
