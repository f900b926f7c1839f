//! Sign-language videos: where uploads are kept and how large they may be, the job
//! queue's workers, and the `pinkflow-media` helper that runs FFmpeg.

use std::path::PathBuf;
use std::time::Duration;

use super::ConfigError;
use super::env::{Env, at_most, err};

/// The media helper's file name, next to `pinkflow` or on `PATH`.
pub const HELPER_NAME: &str = "pinkflow-media";

/// x264 presets accepted by `VIDEO_X264_PRESET`.
pub const X264_PRESETS: [&str; 9] = [
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
];

/// Settings of the video upload, queue and workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoSettings {
    /// Where uploads and processed files live (`VIDEO_UPLOAD_FOLDER`, default
    /// `./data/videos`).
    pub upload_folder: PathBuf,
    /// Largest upload accepted (`VIDEO_MAX_SIZE_MB`, default 500), in bytes.
    pub max_upload_bytes: u64,
    /// Largest caption file accepted (`CAPTION_MAX_BYTES`, default 2 MiB), in bytes.
    pub max_caption_bytes: u64,
    /// Processing attempts before a job is marked failed (`VIDEO_MAX_ATTEMPTS`, default 3).
    pub max_attempts: i32,
    /// The processes that run the queue's jobs.
    pub worker: WorkerSettings,
    /// The FFmpeg helper and what it produces.
    pub media: MediaSettings,
    /// `MEDIA_X_ACCEL_PREFIX` (unset: off): when set, e.g. `/protected-media/`, media
    /// routes check who may see a file and answer with `X-Accel-Redirect: <prefix><key>`
    /// and no body, so a proxy (nginx, an `internal` location aliased to
    /// `VIDEO_UPLOAD_FOLDER`) sends the bytes, ranges included.
    pub x_accel_prefix: Option<String>,
    /// What one account may store and upload, and the disk space uploads leave free.
    pub quota: QuotaSettings,
}

/// `VIDEO_QUOTA_MB`, `VIDEO_UPLOADS_PER_DAY`, `VIDEO_MIN_FREE_MB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaSettings {
    /// Storage per account (`VIDEO_QUOTA_MB`, default 2048), in MB; admins override it
    /// per account.
    pub quota_mb: u64,
    /// Uploads per account per day (`VIDEO_UPLOADS_PER_DAY`, default 20).
    pub uploads_per_day: u32,
    /// Uploads are refused with 503 while the upload folder's file system has less free
    /// space than this (`VIDEO_MIN_FREE_MB`, default 0: off), in MB.
    pub min_free_mb: u64,
}

/// `WORKER_*`: the processes that run the video queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerSettings {
    /// Jobs one worker process runs at the same time (`WORKER_CONCURRENCY`, default 1).
    pub concurrency: usize,
    /// Whether `pinkflow serve` runs one worker in-process (`WORKER_EMBEDDED`; default on
    /// for SQLite, off for PostgreSQL).
    pub embedded: bool,
    /// How long a claimed job stays leased without renewal (`WORKER_LEASE_DURATION`, 60s).
    pub lease_duration: Duration,
    /// How often an idle worker looks for jobs (`WORKER_POLL_INTERVAL`, default 2s).
    pub poll_interval: Duration,
}

/// `MEDIA_BIN`, `VIDEO_MAX_HEIGHT`, `VIDEO_X264_PRESET`: the transcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaSettings {
    /// The `pinkflow-media` helper that runs FFmpeg (`MEDIA_BIN`; default: next to the
    /// running executable, else on `PATH`).
    pub bin: PathBuf,
    /// Largest output height in pixels (`VIDEO_MAX_HEIGHT`, default 720; even).
    pub max_height: u32,
    /// libx264 preset (`VIDEO_X264_PRESET`, default `veryfast`).
    pub x264_preset: String,
}

/// Where the `pinkflow-media` helper is when `MEDIA_BIN` is unset: next to the running
/// executable when it is there, else looked up on `PATH`.
pub fn default_media_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(HELPER_NAME)))
        .filter(|path| path.is_file())
        .unwrap_or_else(|| PathBuf::from(HELPER_NAME))
}

impl VideoSettings {
    pub(crate) fn load(env: &Env<'_>, is_sqlite: bool) -> Result<Self, ConfigError> {
        let upload_folder = PathBuf::from(
            env.get("VIDEO_UPLOAD_FOLDER")
                .unwrap_or_else(|| "./data/videos".into()),
        );
        let max_mb: u64 = env.number("VIDEO_MAX_SIZE_MB", 500, 1..=100_000)?;
        let max_attempts = env.number("VIDEO_MAX_ATTEMPTS", 3i32, 1..=20)?;
        let max_caption_bytes = env.number(
            "CAPTION_MAX_BYTES",
            2 * 1024 * 1024u64,
            1024..=64 * 1024 * 1024,
        )?;
        let media = MediaSettings::load(env)?;
        let worker = WorkerSettings::load(env, is_sqlite)?;
        let x_accel_prefix = env
            .get("MEDIA_X_ACCEL_PREFIX")
            .map(|v| parse_x_accel_prefix(v.trim()))
            .transpose()?;
        let quota = QuotaSettings {
            quota_mb: env.number("VIDEO_QUOTA_MB", 2048u64, 1..=100_000_000)?,
            uploads_per_day: env.number("VIDEO_UPLOADS_PER_DAY", 20u32, 1..=1_000_000)?,
            min_free_mb: env.number("VIDEO_MIN_FREE_MB", 0u64, 0..=100_000_000)?,
        };
        Ok(VideoSettings {
            upload_folder,
            max_upload_bytes: max_mb * 1024 * 1024,
            max_caption_bytes,
            max_attempts,
            worker,
            media,
            x_accel_prefix,
            quota,
        })
    }
}

/// An absolute URI path ending in `/`, of characters that need no escaping in a header
/// or a URI: `/protected-media/`.
fn parse_x_accel_prefix(value: &str) -> Result<String, ConfigError> {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | '~'));
    if value.len() >= 2
        && value.starts_with('/')
        && value.ends_with('/')
        && plain
        && !value.contains("//")
        && !value.split('/').any(|part| part == "." || part == "..")
    {
        Ok(value.to_owned())
    } else {
        Err(err(
            "MEDIA_X_ACCEL_PREFIX",
            "must be a path that starts and ends with / (letters, digits, - _ . ~), e.g. /protected-media/",
        ))
    }
}

impl MediaSettings {
    fn load(env: &Env<'_>) -> Result<Self, ConfigError> {
        let max_height = env.number("VIDEO_MAX_HEIGHT", 720u32, 144..=4320)?;
        if !max_height.is_multiple_of(2) {
            return Err(err("VIDEO_MAX_HEIGHT", "must be an even number of pixels"));
        }
        let x264_preset = env
            .text("VIDEO_X264_PRESET", "veryfast")
            .to_ascii_lowercase();
        if !X264_PRESETS.contains(&x264_preset.as_str()) {
            return Err(err(
                "VIDEO_X264_PRESET",
                format!("use one of {}", X264_PRESETS.join(", ")),
            ));
        }
        let bin = env
            .get("MEDIA_BIN")
            .map(|v| PathBuf::from(v.trim()))
            .unwrap_or_else(default_media_bin);
        Ok(MediaSettings {
            bin,
            max_height,
            x264_preset,
        })
    }
}

impl WorkerSettings {
    fn load(env: &Env<'_>, is_sqlite: bool) -> Result<Self, ConfigError> {
        let concurrency = env.number("WORKER_CONCURRENCY", 1usize, 1..=64)?;
        let embedded = env.flag("WORKER_EMBEDDED", is_sqlite)?;
        let lease_duration = at_most(
            "WORKER_LEASE_DURATION",
            env.duration("WORKER_LEASE_DURATION", 60)?,
            Duration::from_secs(3_600),
            "must be at most one hour (the lease is renewed while a job runs)",
        )?;
        let poll_interval = at_most(
            "WORKER_POLL_INTERVAL",
            env.duration("WORKER_POLL_INTERVAL", 2)?,
            Duration::from_secs(600),
            "must be at most 10 minutes",
        )?;
        Ok(WorkerSettings {
            concurrency,
            embedded,
            lease_duration,
            poll_interval,
        })
    }
}
