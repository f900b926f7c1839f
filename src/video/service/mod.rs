//! The video service: uploads, viewing rights, captions and transcripts, signed
//! editions, feedback, files, and the read models of the pages. Plain Rust (no actix,
//! no diesel): the JSON API and the HTML pages both call it; its queries live in
//! [`crate::models`] and its transactions go through [`Db::transaction`].
//!
//! One file per concern: [`uploads`] (upload, edit, retry, delete), [`access`] (who may
//! see what, listings and the watch page's read model), [`captions`] (tracks and
//! transcripts), [`cue_edit`] (the caption editor: cues and revisions), [`editions`], [`feedback`] and [`files`] (media files and the orphan
//! sweep); [`read_cache`] keeps the read models every visitor shares.

mod access;
mod captions;
mod cue_edit;
mod editions;
mod feedback;
mod files;
pub mod read_cache;
mod search;
mod uploads;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub use self::captions::{TranscriptDownload, transcript_file_name};
pub use self::cue_edit::{
    CueEdit, CuesView, EditableTrack, REVISIONS_KEPT, RevisionDetail, RevisionList, RevisionView,
    Saved,
};
pub use self::files::MediaFile;
use self::read_cache::ReadCache;
pub use self::search::{CueMatch, Hit, Marked, Renders, SearchPage};
use super::input::FieldErrors;
use super::media::MediaHelper;
use super::storage::Storage;
use crate::config::VideoSettings;
use crate::db::{Db, DbError};
use crate::events::{Event, EventBus, Publish};
// The view types, where the routes have always found them.
pub use super::views::{
    AddedCaption, Alternatives, CaptionView, EditionView, FeedbackSummary, Transcript, VideoList,
    VideoView, WatchData, WatchPage, caption_for, caption_url, poster_url, video_url,
};

/// The module a person needs to upload videos.
pub const VIDEO_MODULE: &str = "video";
/// Most videos one listing returns.
pub const LIST_LIMIT: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum VideoError {
    #[error("Video not found")]
    NotFound,
    /// No such caption track on this video.
    #[error("Caption track not found")]
    TrackNotFound,
    /// No such revision of this track (or it was pruned).
    #[error("Revision not found")]
    RevisionNotFound,
    /// Edited cues that are not valid: every problem, by cue.
    #[error("Some cues are not valid")]
    BadCues(Vec<super::cues::CueError>),
    /// The person may see the video but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    #[error("Some values are not valid")]
    Invalid(FieldErrors),
    #[error("The video is larger than the limit of {limit_mb} MB")]
    TooLarge { limit_mb: u64 },
    /// The upload would take the account past its storage quota (`VIDEO_QUOTA_MB`).
    #[error("{0}")]
    OverQuota(String),
    /// The account has made all the uploads it may make today.
    #[error("{0}")]
    DailyUploadLimit(String),
    /// The disk filled up while the file was received: nothing was kept.
    #[error(
        "The server's storage is full, so your video could not be saved. Nothing was kept. Try again later."
    )]
    StorageFull,
    /// Free space is under `VIDEO_MIN_FREE_MB`: uploads wait.
    #[error("Uploads are paused because the server is low on storage space. Try again later.")]
    LowDiskSpace,
    /// The upload is not a video we can read.
    #[error("{0}")]
    NotAVideo(String),
    /// The caption file is not valid WebVTT (SubRip, SBV), or has too many or too long
    /// cues.
    #[error("{0}")]
    BadCaptions(String),
    /// The caption file is larger than `CAPTION_MAX_BYTES`.
    #[error("The caption file is larger than {}, the largest caption file you can add.", human_bytes(*limit_bytes))]
    CaptionTooLarge { limit_bytes: u64 },
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

/// `2 MB`, `1.5 MB`, `512 KB`: a byte limit for people (1 MB = 1024 × 1024 bytes).
pub fn human_bytes(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

impl VideoError {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        VideoError::Invalid(FieldErrors::from([(name.to_owned(), message.into())]))
    }

    /// A blocking task that could not finish (it panicked or was cancelled).
    fn task(e: tokio::task::JoinError) -> Self {
        VideoError::Io(std::io::Error::other(e.to_string()))
    }
}

#[derive(Clone)]
pub struct VideoService {
    db: Db,
    storage: Arc<Storage>,
    settings: Arc<VideoSettings>,
    media: Arc<MediaHelper>,
    events: EventBus,
    wake: Arc<Notify>,
    cache: ReadCache,
    /// Uploads need a confirmed email address (`REQUIRE_VERIFIED_EMAIL`).
    verified_email_required: bool,
}

impl VideoService {
    /// A service that keeps no read models (see [`VideoService::with_read_cache`]).
    pub fn new(db: Db, storage: Storage, settings: VideoSettings, events: EventBus) -> Self {
        VideoService {
            db,
            storage: Arc::new(storage),
            media: Arc::new(MediaHelper::new(settings.media.bin.clone())),
            settings: Arc::new(settings),
            events,
            wake: Arc::new(Notify::new()),
            cache: ReadCache::off(),
            verified_email_required: false,
        }
    }

    /// Refuse uploads from accounts whose email address is not confirmed.
    pub fn with_verified_email_required(mut self, required: bool) -> Self {
        self.verified_email_required = required;
        self
    }

    /// Keep the shared read models (public watch pages, the catalogue) for `ttl`
    /// (zero: not at all). Start [`VideoService::forget_on_events`] with it when other
    /// processes change videos.
    pub fn with_read_cache(mut self, ttl: Duration) -> Self {
        self.cache = ReadCache::new(ttl);
        self
    }

    /// Drop cached read models when another instance (or the worker process) reports a
    /// change through the bus; this instance's own changes are dropped before they are
    /// published.
    pub fn forget_on_events(&self) -> tokio::task::JoinHandle<()> {
        let cache = self.cache.clone();
        self.events
            .spawn_subscriber("video-read-models", None, move |e| {
                if !e.local {
                    cache.forget_event(&e.event);
                }
                std::future::ready(())
            })
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

    /// Publish a video event, after dropping the read models it changes (workers call
    /// this for status changes).
    pub fn publish(&self, event: Event) {
        self.cache.forget_event(&event);
        self.events.publish(event);
    }

    /// A stored video changed in a way lists and pages show (`video.updated`).
    fn changed(&self, video_id: i32, owner_id: i32, change: &str) {
        self.publish(Event::VideoUpdated {
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
}
