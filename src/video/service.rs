//! The video service: uploads, viewing rights, captions, signed editions, feedback and
//! deletion. Plain Rust (no actix): the JSON API and the HTML pages both call it.

use std::path::PathBuf;
use std::sync::Arc;

use diesel::Connection;
use serde::Serialize;
use tokio::sync::Notify;
use utoipa::ToSchema;

use super::input::{
    CaptionDetails, CaptionKind, FieldErrors, Rating, VideoDetails, Visibility, video_extension,
};
use super::media::{MediaError, MediaHelper};
use super::storage::{Area, IncomingError, IncomingFile, Storage};
use super::webvtt::{self, TranscriptLine};
use crate::config::VideoSettings;
use crate::db::{Db, DbError, now};
use crate::domain::SignLanguage;
use crate::events::{Event, EventBus, Publish};
use crate::models::User;
use crate::models::caption::{self as caption_db, Caption, NewCaption};
use crate::models::feedback as feedback_db;
use crate::models::video::{self as video_db, NewVideo, STATUS_UPLOADED, Video};
use crate::models::video_job;

/// The module a person needs to upload videos.
pub const VIDEO_MODULE: &str = "video";
/// Largest caption file accepted.
pub const MAX_CAPTION_BYTES: u64 = 1024 * 1024;
/// Most videos one listing returns.
pub const LIST_LIMIT: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("Video not found")]
    NotFound,
    /// The person may see the video but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    #[error("Some values are not valid")]
    Invalid(FieldErrors),
    #[error("The video is larger than the limit of {limit_mb} MB")]
    TooLarge { limit_mb: u64 },
    /// The upload is not a video we can read.
    #[error("{0}")]
    NotAVideo(String),
    /// The caption file is not valid WebVTT.
    #[error("{0}")]
    BadCaptions(String),
    #[error("{0}")]
    Conflict(String),
    /// The request itself could not be read (e.g. broken multipart).
    #[error("{0}")]
    Malformed(String),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

impl VideoError {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        VideoError::Invalid(FieldErrors::from([(name.to_owned(), message.into())]))
    }
}

impl From<diesel::result::Error> for VideoError {
    fn from(e: diesel::result::Error) -> Self {
        VideoError::Db(DbError::Query(e))
    }
}

/// A caption track as shown to clients (`Caption` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Caption, description = "A caption track.")]
pub struct CaptionView {
    pub id: i32,
    /// BCP 47 language tag.
    pub language: String,
    pub label: String,
    #[schema(value_type = CaptionKind)]
    pub kind: String,
    pub cue_count: i32,
    /// The WebVTT file, e.g. `/media/videos/1/captions/3.vtt`.
    pub url: String,
}

/// Another signed edition of the same content.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Edition)]
pub struct EditionView {
    pub id: i32,
    pub title: String,
    #[schema(value_type = SignLanguage)]
    pub sign_language: String,
    /// `/api/videos/{id}` of the edition.
    pub url: String,
}

/// Everything a client (API or page) shows about one video (`Video` in the OpenAPI
/// document).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Video, description = "A video. Listings leave `captions` and `editions` empty.")]
pub struct VideoView {
    pub id: i32,
    pub title: String,
    pub description: String,
    #[schema(value_type = SignLanguage)]
    pub sign_language: String,
    #[schema(value_type = Visibility)]
    pub visibility: String,
    #[schema(value_type = crate::routes::api::docs::VideoStatus)]
    pub status: String,
    /// Processing progress, 0-100.
    pub progress: i32,
    pub original_filename: String,
    pub size_bytes: i64,
    pub duration_seconds: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    /// Set once the video is ready.
    pub video_url: Option<String>,
    pub poster_url: Option<String>,
    pub captions: Vec<CaptionView>,
    pub editions: Vec<EditionView>,
    pub attempts: i32,
    /// Why processing failed (or why the last attempt failed, while it is retried).
    pub error: Option<String>,
    /// Whether the caller owns the video.
    pub is_owner: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// `GET /api/videos`: a listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VideoList {
    pub videos: Vec<VideoView>,
}

/// A video's captions as plain text, from one track.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Transcript {
    pub video_id: i32,
    /// The caption track the transcript was read from.
    pub caption: CaptionView,
    pub lines: Vec<TranscriptLine>,
}

/// Paths of a video's media, for the media routes (and the pages' players).
pub fn video_url(id: i32) -> String {
    format!("/media/videos/{id}/video.mp4")
}
pub fn poster_url(id: i32) -> String {
    format!("/media/videos/{id}/poster.jpg")
}
pub fn caption_url(video_id: i32, caption_id: i32) -> String {
    format!("/media/videos/{video_id}/captions/{caption_id}.vtt")
}

fn timestamp(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl VideoView {
    /// The short form used in listings (no captions or editions).
    pub fn summary(video: &Video, viewer: Option<i32>) -> Self {
        Self::build(video, viewer, Vec::new(), Vec::new())
    }

    fn build(
        video: &Video,
        viewer: Option<i32>,
        captions: Vec<Caption>,
        editions: Vec<Video>,
    ) -> Self {
        let ready = video.is_ready();
        VideoView {
            id: video.id,
            title: video.title.clone(),
            description: video.description.clone(),
            sign_language: video.sign_language.clone(),
            visibility: video.visibility.clone(),
            status: video.status.clone(),
            progress: video.progress,
            original_filename: video.original_filename.clone(),
            size_bytes: video.source_size,
            duration_seconds: video.duration_seconds,
            width: video.width,
            height: video.height,
            video_codec: video.video_codec.clone(),
            audio_codec: video.audio_codec.clone(),
            video_url: (ready && video.output_key.is_some()).then(|| video_url(video.id)),
            poster_url: (ready && video.poster_key.is_some()).then(|| poster_url(video.id)),
            captions: captions
                .into_iter()
                .map(|c| CaptionView {
                    url: caption_url(video.id, c.id),
                    id: c.id,
                    language: c.language,
                    label: c.label,
                    kind: c.kind,
                    cue_count: c.cue_count,
                })
                .collect(),
            editions: editions
                .into_iter()
                .filter(|e| e.viewable_by(viewer))
                .map(|e| EditionView {
                    url: format!("/api/videos/{}", e.id),
                    id: e.id,
                    title: e.title,
                    sign_language: e.sign_language,
                })
                .collect(),
            attempts: video.attempts,
            error: video.last_error.clone(),
            is_owner: viewer == Some(video.owner_id),
            created_at: timestamp(video.created_at),
            updated_at: timestamp(video.updated_at),
        }
    }
}

/// The track to mark `default` for a viewer who reads `languages` (BCP 47 tags in order
/// of preference, e.g. from `Accept-Language`): an exact match first, then the same
/// primary language (`en` ~ `en-GB`); captions before subtitles.
pub fn caption_for<'a>(captions: &'a [CaptionView], languages: &[&str]) -> Option<&'a CaptionView> {
    let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let rank = |c: &CaptionView| u8::from(c.kind != crate::models::caption::KIND_CAPTIONS);
    for wanted in languages {
        let mut exact: Vec<&CaptionView> = captions
            .iter()
            .filter(|c| c.language.eq_ignore_ascii_case(wanted))
            .collect();
        exact.sort_by_key(|c| rank(c));
        if let Some(c) = exact.first() {
            return Some(c);
        }
        let mut close: Vec<&CaptionView> = captions
            .iter()
            .filter(|c| primary(&c.language) == primary(wanted))
            .collect();
        close.sort_by_key(|c| rank(c));
        if let Some(c) = close.first() {
            return Some(c);
        }
    }
    None
}

/// Ratings of a video's signing (`Feedback` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Feedback, description = "Ratings of a video's signing.",
    example = json!({"video_id": 1, "counts": {"accurate": 3, "helpful": 1, "inaccurate": 0}, "mine": "accurate"}))]
pub struct FeedbackSummary {
    pub video_id: i32,
    /// How many viewers gave each rating.
    pub counts: std::collections::BTreeMap<String, i64>,
    /// The caller's rating, if any (null without a token).
    #[schema(value_type = Option<Rating>)]
    pub mine: Option<String>,
}

/// A file to send, with its content type.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub path: PathBuf,
    pub content_type: &'static str,
    /// True when anyone may see it (public and ready): caches may keep it.
    pub public: bool,
}

#[derive(Clone)]
pub struct VideoService {
    db: Db,
    storage: Arc<Storage>,
    settings: Arc<VideoSettings>,
    media: Arc<MediaHelper>,
    events: EventBus,
    wake: Arc<Notify>,
}

impl VideoService {
    pub fn new(db: Db, storage: Storage, settings: VideoSettings, events: EventBus) -> Self {
        VideoService {
            db,
            storage: Arc::new(storage),
            media: Arc::new(MediaHelper::new(settings.media.bin.clone())),
            settings: Arc::new(settings),
            events,
            wake: Arc::new(Notify::new()),
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
    pub fn storage(&self) -> &Storage {
        &self.storage
    }
    pub fn settings(&self) -> &VideoSettings {
        &self.settings
    }
    /// Runs FFmpeg (the `pinkflow-media` helper).
    pub fn media(&self) -> &MediaHelper {
        &self.media
    }
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// A stored video changed in a way lists and pages show (`video.updated`).
    fn changed(&self, video_id: i32, owner_id: i32, change: &str) {
        self.events.publish(Event::VideoUpdated {
            video_id,
            owner_id,
            change: change.to_owned(),
        });
    }
    /// Notified when a job is queued, so an in-process worker starts at once.
    pub fn wake(&self) -> &Arc<Notify> {
        &self.wake
    }

    /// Upload limit in whole megabytes, for messages.
    pub fn max_upload_mb(&self) -> u64 {
        self.settings.max_upload_bytes / (1024 * 1024)
    }

    /// May `user` upload? `Forbidden` explains why not.
    pub fn check_can_upload(&self, user: &User) -> Result<(), VideoError> {
        if user.has_module(VIDEO_MODULE) {
            Ok(())
        } else {
            Err(VideoError::Forbidden(
                "Your account cannot upload videos yet: it does not have the video module. \
                 Ask an administrator to grant it (pinkflow user grant <email> video)."
                    .into(),
            ))
        }
    }

    /// Start receiving the file `filename` (its extension must be allowed). Write the
    /// chunks with [`IncomingFile::write`] (map [`IncomingError::TooLarge`] with
    /// [`VideoService::too_large`]), then call [`VideoService::finish_upload`].
    pub async fn begin_upload(&self, filename: &str) -> Result<IncomingFile, VideoError> {
        let ext = video_extension(filename)
            .ok_or_else(|| VideoError::field("file", super::input::extension_message()))?;
        Ok(self
            .storage
            .incoming(ext, self.settings.max_upload_bytes)
            .await?)
    }

    pub fn too_large(&self) -> VideoError {
        VideoError::TooLarge {
            limit_mb: self.max_upload_mb(),
        }
    }

    pub fn incoming_error(&self, e: IncomingError) -> VideoError {
        match e {
            IncomingError::TooLarge => self.too_large(),
            IncomingError::Io(io) => VideoError::Io(io),
        }
    }

    /// Probe the received file, keep it under a generated name and record the video
    /// *and* its job in one transaction. On any error the file is deleted.
    pub async fn finish_upload(
        &self,
        owner: &User,
        details: VideoDetails,
        original_filename: &str,
        mut file: IncomingFile,
    ) -> Result<Video, VideoError> {
        self.check_can_upload(owner)?;
        file.finish().await?;
        if file.written() == 0 {
            return Err(VideoError::field("file", "The selected file is empty"));
        }
        let probe_path = file.path().to_owned();
        let media = self.media.clone();
        let info = tokio::task::spawn_blocking(move || media.probe(&probe_path))
            .await
            .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))?
            .map_err(|e| match e {
                MediaError::Invalid(m) => VideoError::NotAVideo(m),
                other => VideoError::Io(std::io::Error::other(other.to_string())),
            })?;

        let key = Storage::new_key(Area::Originals, file.ext());
        let size = file.written() as i64;
        let storage = self.storage.clone();
        let (from, key_moved) = (file.path().to_owned(), key.clone());
        tokio::task::spawn_blocking(move || storage.persist(&from, &key_moved))
            .await
            .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))??;
        // The file now lives under `key`; the incoming guard has nothing left to delete.
        let _ = file.keep();

        let owner_id = owner.id;
        let filename = super::input::display_filename(original_filename);
        let db_key = key.clone();
        let result = self
            .db
            .run(move |conn| {
                conn.transaction(|conn| {
                    let at = now();
                    let video = video_db::insert(
                        conn,
                        &NewVideo {
                            owner_id,
                            title: &details.title,
                            description: &details.description,
                            sign_language: details.sign_language.code(),
                            visibility: details.visibility.as_str(),
                            status: STATUS_UPLOADED,
                            progress: 0,
                            original_filename: &filename,
                            source_key: &db_key,
                            source_size: size,
                            duration_seconds: info.duration_seconds,
                            width: i32::try_from(info.width).ok(),
                            height: i32::try_from(info.height).ok(),
                            video_codec: Some(&info.video_codec),
                            audio_codec: info.audio_codec.as_deref(),
                            attempts: 0,
                            created_at: at,
                            updated_at: at,
                        },
                    )?;
                    video_job::enqueue(conn, video.id, at)?;
                    video_db::find(conn, video.id)?
                        .ok_or(DbError::Query(diesel::result::Error::NotFound))
                })
            })
            .await;
        match result {
            Ok(video) => {
                self.events.publish(Event::VideoUploaded {
                    video_id: video.id,
                    owner_id,
                });
                self.wake.notify_one();
                Ok(video)
            }
            Err(e) => {
                self.storage.remove(&key);
                Err(e.into())
            }
        }
    }

    async fn load(&self, id: i32) -> Result<Video, VideoError> {
        self.db
            .run(move |conn| video_db::find(conn, id))
            .await?
            .ok_or(VideoError::NotFound)
    }

    /// The video if `viewer` may see it (owner, or public and ready); otherwise
    /// `NotFound`, so private videos do not reveal that they exist.
    pub async fn get_viewable(&self, id: i32, viewer: Option<i32>) -> Result<Video, VideoError> {
        let video = self.load(id).await?;
        if video.viewable_by(viewer) {
            Ok(video)
        } else {
            Err(VideoError::NotFound)
        }
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
        let video = self.get_viewable(id, viewer).await?;
        let v = video.clone();
        let (captions, editions) = self
            .db
            .run(move |conn| {
                Ok((
                    caption_db::for_video(conn, v.id)?,
                    video_db::editions_of(conn, &v)?,
                ))
            })
            .await?;
        Ok(VideoView::build(&video, viewer, captions, editions))
    }

    /// A person's own videos, newest first.
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

    /// The public catalogue, newest first; `preferred` sign language first when
    /// given, or only `only` when filtering.
    pub async fn list_public(
        &self,
        viewer: Option<i32>,
        only: Option<crate::domain::SignLanguage>,
        preferred: Option<crate::domain::SignLanguage>,
    ) -> Result<Vec<VideoView>, VideoError> {
        let filter = only.map(|s| s.code());
        let mut videos = self
            .db
            .run(move |conn| video_db::list_public(conn, filter, LIST_LIMIT))
            .await?;
        if let Some(pref) = preferred {
            // Stable: keeps newest-first within each group.
            videos.sort_by_key(|v| v.sign_language != pref.code());
        }
        Ok(videos
            .iter()
            .map(|v| VideoView::summary(v, viewer))
            .collect())
    }

    /// Delete a video, its captions and feedback, and all of its files.
    pub async fn delete(&self, id: i32, user_id: i32) -> Result<(), VideoError> {
        let video = self.get_owned(id, user_id).await?;
        let v = video.clone();
        let caption_keys = self
            .db
            .run(move |conn| {
                conn.transaction(|conn| {
                    let keys: Vec<String> = caption_db::for_video(conn, v.id)?
                        .into_iter()
                        .map(|c| c.storage_key)
                        .collect();
                    video_db::leave_edition_group(conn, &v)?;
                    video_db::delete(conn, v.id)?;
                    Ok::<_, DbError>(keys)
                })
            })
            .await?;
        let storage = self.storage.clone();
        let keys: Vec<String> = [Some(video.source_key), video.output_key, video.poster_key]
            .into_iter()
            .flatten()
            .chain(caption_keys)
            .collect();
        tokio::task::spawn_blocking(move || {
            for key in keys {
                storage.remove(&key);
            }
        })
        .await
        .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))?;
        self.events.publish(Event::VideoDeleted {
            video_id: id,
            owner_id: user_id,
        });
        Ok(())
    }

    /// Queue a failed video again with a fresh set of attempts.
    pub async fn retry(&self, id: i32, user_id: i32) -> Result<VideoView, VideoError> {
        self.get_owned(id, user_id).await?;
        let queued = self
            .db
            .run(move |conn| video_job::retry_failed(conn, id, now()))
            .await?;
        if !queued {
            return Err(VideoError::Conflict(
                "Only a video whose processing failed can be tried again.".into(),
            ));
        }
        self.wake.notify_one();
        self.view(id, Some(user_id)).await
    }

    /// Change the title, description, sign language or visibility.
    pub async fn update_details(
        &self,
        id: i32,
        user_id: i32,
        details: VideoDetails,
    ) -> Result<VideoView, VideoError> {
        self.get_owned(id, user_id).await?;
        self.db
            .run(move |conn| {
                video_db::update_details(
                    conn,
                    id,
                    &video_db::VideoDetailsChangeset {
                        title: Some(&details.title),
                        description: Some(&details.description),
                        sign_language: Some(details.sign_language.code()),
                        visibility: Some(details.visibility.as_str()),
                        updated_at: Some(now()),
                    },
                )
            })
            .await?;
        self.changed(id, user_id, "details");
        self.view(id, Some(user_id)).await
    }

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
                Ok(CaptionView {
                    url: caption_url(video_id, caption.id),
                    id: caption.id,
                    language: caption.language,
                    label: caption.label,
                    kind: caption.kind,
                    cue_count: caption.cue_count,
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
    ) -> Result<Option<(CaptionView, Vec<TranscriptLine>)>, VideoError> {
        let video = self.get_viewable(video_id, viewer).await?;
        let captions = self
            .db
            .run(move |conn| caption_db::for_video(conn, video.id))
            .await?;
        let chosen = language
            .and_then(|l| {
                captions
                    .iter()
                    .find(|c| c.language.eq_ignore_ascii_case(l))
                    .or_else(|| {
                        // "en" matches "en-GB" and the other way round.
                        let primary = l.split('-').next().unwrap_or(l);
                        captions.iter().find(|c| {
                            c.language
                                .split('-')
                                .next()
                                .is_some_and(|p| p.eq_ignore_ascii_case(primary))
                        })
                    })
            })
            .or(captions.first());
        let Some(caption) = chosen.cloned() else {
            return Ok(None);
        };
        let path = self
            .storage
            .path(&caption.storage_key)
            .ok_or(VideoError::NotFound)?;
        let bytes = tokio::fs::read(path).await?;
        let lines = webvtt::parse(&bytes)
            .map(|v| v.transcript())
            .unwrap_or_default();
        Ok(Some((
            CaptionView {
                url: caption_url(video_id, caption.id),
                id: caption.id,
                language: caption.language,
                label: caption.label,
                kind: caption.kind,
                cue_count: caption.cue_count,
            },
            lines,
        )))
    }

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
            .run(move |conn| {
                conn.transaction(|conn| {
                    let same_group =
                        video.edition_group.is_some() && video.edition_group == other.edition_group;
                    if !same_group {
                        let mut languages: Vec<String> = video_db::editions_of(conn, &video)?
                            .into_iter()
                            .chain(video_db::editions_of(conn, &other)?)
                            .map(|v| v.sign_language)
                            .chain([video.sign_language.clone(), other.sign_language.clone()])
                            .collect();
                        let before = languages.len();
                        languages.sort_unstable();
                        languages.dedup();
                        if languages.len() != before {
                            return Ok(false);
                        }
                    }
                    let group = video
                        .edition_group
                        .clone()
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                    video_db::set_edition_group(
                        conn,
                        video.id,
                        video.edition_group.as_deref(),
                        Some(&group),
                    )?;
                    video_db::set_edition_group(
                        conn,
                        other.id,
                        other.edition_group.as_deref(),
                        Some(&group),
                    )?;
                    Ok::<_, DbError>(true)
                })
            })
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
            .run(move |conn| video_db::leave_edition_group(conn, &video))
            .await?;
        self.changed(video_id, user_id, "editions");
        self.view(video_id, Some(user_id)).await
    }

    /// The edition of `video_id` in `sign_language`, if one exists and the viewer may
    /// see it (for the "Watch in …" control).
    pub async fn edition_in(
        &self,
        video_id: i32,
        viewer: Option<i32>,
        sign_language: crate::domain::SignLanguage,
    ) -> Result<Option<EditionView>, VideoError> {
        let view = self.view(video_id, viewer).await?;
        Ok(view
            .editions
            .into_iter()
            .find(|e| e.sign_language == sign_language.code()))
    }

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
            self.events.publish(Event::VideoRated {
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
        self.get_viewable(video_id, Some(user_id)).await?;
        self.db
            .run(move |conn| feedback_db::remove(conn, video_id, user_id))
            .await?;
        self.feedback(video_id, Some(user_id)).await
    }

    /// Ratings of the signing, and the viewer's own.
    pub async fn feedback(
        &self,
        video_id: i32,
        viewer: Option<i32>,
    ) -> Result<FeedbackSummary, VideoError> {
        self.get_viewable(video_id, viewer).await?;
        let (counts, mine) = self
            .db
            .run(move |conn| {
                let counts = feedback_db::counts(conn, video_id)?;
                let mine = match viewer {
                    Some(user) => feedback_db::rating_of(conn, video_id, user)?,
                    None => None,
                };
                Ok((counts, mine))
            })
            .await?;
        Ok(FeedbackSummary {
            video_id,
            counts: counts.into_iter().collect(),
            mine,
        })
    }

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
        .map_err(|e| VideoError::Io(std::io::Error::other(e.to_string())))?;
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
        self.media_file(key, "video/mp4", video.is_public())
    }

    /// The poster JPEG of a ready video the viewer may see.
    pub async fn poster_file(&self, id: i32, viewer: Option<i32>) -> Result<MediaFile, VideoError> {
        let video = self.get_viewable(id, viewer).await?;
        let key = video
            .poster_key
            .as_deref()
            .filter(|_| video.is_ready())
            .ok_or(VideoError::NotFound)?;
        self.media_file(key, "image/jpeg", video.is_public())
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
            video.is_public() && video.is_ready(),
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
            content_type,
            public,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(id: i32, language: &str, kind: &str) -> CaptionView {
        CaptionView {
            id,
            language: language.into(),
            label: language.into(),
            kind: kind.into(),
            cue_count: 1,
            url: caption_url(1, id),
        }
    }

    #[test]
    fn the_default_track_follows_the_viewers_languages() {
        let tracks = [
            track(1, "fr", "captions"),
            track(2, "en-US", "subtitles"),
            track(3, "en-US", "captions"),
            track(4, "de", "captions"),
        ];
        assert_eq!(caption_for(&tracks, &["en-US"]).map(|c| c.id), Some(3));
        assert_eq!(
            caption_for(&tracks, &["en-GB", "fr"]).map(|c| c.id),
            Some(3)
        );
        assert_eq!(caption_for(&tracks, &["es", "de"]).map(|c| c.id), Some(4));
        assert!(caption_for(&tracks, &["es"]).is_none());
        assert!(caption_for(&[], &["en"]).is_none());
    }
}
