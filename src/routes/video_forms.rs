//! Reading the multipart forms of video and caption uploads, shared by the JSON API
//! (`routes::api::videos`) and the HTML pages (`routes::pages::videos`: the upload
//! screen and the caption form of the edit controls). The video file is streamed to disk
//! chunk by chunk as it arrives (never held in memory) and refused as soon as it passes
//! the size limit. The pages use the `*_answers` readers, which also hand back the text
//! fields so a refused form can be shown again as it was sent.

use actix_multipart::{Field, Multipart};
use actix_web::HttpRequest;
use actix_web::http::header::CONTENT_LENGTH;
use futures_util::TryStreamExt;

use crate::models::{User, Video};
use crate::video::input::{CaptionDetails, VideoDetails};
use crate::video::service::AddedCaption;
use crate::video::storage::{IncomingError, IncomingFile};
use crate::video::{VideoError, VideoService};

/// Room for the text fields and multipart framing around the file.
const FORM_OVERHEAD: u64 = 256 * 1024;
/// Largest text field.
const TEXT_FIELD_MAX: usize = 16 * 1024;

fn malformed(e: actix_multipart::MultipartError) -> VideoError {
    VideoError::Malformed(format!(
        "The upload could not be read: send multipart/form-data ({e})"
    ))
}

/// Refuse at once when the declared body is larger than any acceptable upload.
pub fn check_declared_length(req: &HttpRequest, limit: u64) -> Result<(), VideoError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(n) if n > limit + FORM_OVERHEAD => Err(VideoError::TooLarge {
            limit_mb: limit / (1024 * 1024),
        }),
        _ => Ok(()),
    }
}

async fn read_text(field: &mut Field) -> Result<String, VideoError> {
    let name = field.name().unwrap_or("field").to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        if bytes.len() + chunk.len() > TEXT_FIELD_MAX {
            return Err(VideoError::field(&name, "This value is too long"));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| VideoError::field(&name, "This value is not valid text"))
}

async fn skip(field: &mut Field) -> Result<(), VideoError> {
    let mut seen = 0usize;
    while let Some(chunk) = field.try_next().await.map_err(malformed)? {
        seen += chunk.len();
        if seen > TEXT_FIELD_MAX {
            return Err(VideoError::Malformed(
                "The upload has an unexpected large field".into(),
            ));
        }
    }
    Ok(())
}

fn filename_of(field: &Field) -> String {
    field
        .content_disposition()
        .and_then(|cd| cd.get_filename())
        .unwrap_or("")
        .to_owned()
}

/// Text fields other than the known ones (e.g. a CSRF token), by name.
pub type ExtraFields = std::collections::HashMap<String, String>;
/// Most extra text fields accepted.
const MAX_EXTRA_FIELDS: usize = 16;

/// Read a video upload form (`file`, `title`, `description`, `sign_language`,
/// `visibility`), store the file and queue its processing. Any refusal deletes what
/// was received. For API clients; pages use [`read_video_upload_answers`].
pub async fn read_video_upload(
    req: &HttpRequest,
    payload: Multipart,
    videos: &VideoService,
    user: &User,
) -> Result<Video, VideoError> {
    read_video_upload_guarded(req, payload, videos, user, |_| Ok(())).await
}

/// Like [`read_video_upload`], but `guard` sees the extra text fields sent *before
/// the file* (browsers send fields in document order, so put a CSRF token's hidden
/// input before the file input) and may refuse the upload before a byte of the file
/// is stored. It is also called at the end when the form has no file.
pub async fn read_video_upload_guarded(
    req: &HttpRequest,
    payload: Multipart,
    videos: &VideoService,
    user: &User,
    guard: impl Fn(&ExtraFields) -> Result<(), VideoError>,
) -> Result<Video, VideoError> {
    let mut answers = UploadAnswers::default();
    read_video_upload_answers(req, payload, videos, user, guard, &mut answers).await
}

/// The text fields of a video upload as they were sent (to show a refused form again).
#[derive(Debug, Clone, Default)]
pub struct UploadAnswers {
    pub title: Option<String>,
    pub description: Option<String>,
    pub sign_language: Option<String>,
    pub visibility: Option<String>,
}

/// [`read_video_upload_guarded`] that also hands back the text fields read, so a page
/// can show the person's answers again when the upload is refused.
pub async fn read_video_upload_answers(
    req: &HttpRequest,
    mut payload: Multipart,
    videos: &VideoService,
    user: &User,
    guard: impl Fn(&ExtraFields) -> Result<(), VideoError>,
    answers: &mut UploadAnswers,
) -> Result<Video, VideoError> {
    videos.check_can_upload(user)?;
    // Quota, daily uploads and free space: refused before the body is read; a declared
    // length over what is left is refused at once, an undeclared one mid-stream.
    let allowance = crate::moderation::quota::allowance(videos, user).await?;
    check_declared_length(req, allowance.limit).map_err(|e| match e {
        VideoError::TooLarge { .. } => allowance.too_large(videos),
        other => other,
    })?;
    let mut file: Option<(String, IncomingFile)> = None;
    let UploadAnswers {
        title,
        description,
        sign_language,
        visibility,
    } = answers;
    let mut extra = ExtraFields::new();
    let mut guarded = false;
    while let Some(mut field) = payload.try_next().await.map_err(malformed)? {
        match field.name().unwrap_or("") {
            "file" => {
                if !guarded {
                    guard(&extra)?;
                    guarded = true;
                }
                if file.is_some() {
                    return Err(VideoError::field("file", "Upload one video at a time"));
                }
                let filename = filename_of(&field);
                if filename.is_empty() {
                    // A form submitted without choosing a file sends an empty part.
                    skip(&mut field).await?;
                    continue;
                }
                let mut incoming = videos
                    .begin_upload_within(&filename, allowance.limit)
                    .await?;
                while let Some(chunk) = field.try_next().await.map_err(malformed)? {
                    incoming.write(&chunk).await.map_err(|e| match e {
                        IncomingError::TooLarge => allowance.too_large(videos),
                        other => videos.incoming_error(other),
                    })?;
                }
                file = Some((filename, incoming));
            }
            "title" => *title = Some(read_text(&mut field).await?),
            "description" => *description = Some(read_text(&mut field).await?),
            "sign_language" => *sign_language = Some(read_text(&mut field).await?),
            "visibility" => *visibility = Some(read_text(&mut field).await?),
            name => {
                let name = name.to_owned();
                if extra.len() >= MAX_EXTRA_FIELDS {
                    return Err(VideoError::Malformed(
                        "The upload has too many fields".into(),
                    ));
                }
                let value = read_text(&mut field).await?;
                extra.insert(name, value);
            }
        }
    }
    if !guarded {
        guard(&extra)?;
    }
    let details = VideoDetails::parse(
        title.as_deref(),
        description.as_deref(),
        sign_language.as_deref(),
        visibility.as_deref(),
        user.preferences().sign_language,
    );
    match (file, details) {
        (Some((filename, incoming)), Ok(details)) => {
            videos
                .finish_upload(user, details, &filename, incoming)
                .await
        }
        (file, details) => {
            // Dropping `file` deletes whatever was received.
            let mut errors = details.err().unwrap_or_default();
            if file.is_none() {
                errors.insert("file".into(), "Choose a video file to upload".into());
            }
            Err(VideoError::Invalid(errors))
        }
    }
}

/// Read a caption upload form (`file`, `language`, `label`, optional `kind`) and
/// store the track.
pub async fn read_caption_upload(
    payload: Multipart,
    videos: &VideoService,
    video_id: i32,
    user: &User,
) -> Result<AddedCaption, VideoError> {
    let mut answers = CaptionAnswers::default();
    read_caption_upload_answers(payload, videos, video_id, user, &mut answers).await
}

/// The text fields of a caption upload as they were sent.
#[derive(Debug, Clone, Default)]
pub struct CaptionAnswers {
    pub language: Option<String>,
    pub label: Option<String>,
    pub kind: Option<String>,
}

/// [`read_caption_upload`] that also hands back the text fields read, so a page can
/// show the person's answers again when the track is refused.
pub async fn read_caption_upload_answers(
    mut payload: Multipart,
    videos: &VideoService,
    video_id: i32,
    user: &User,
    answers: &mut CaptionAnswers,
) -> Result<AddedCaption, VideoError> {
    let mut bytes: Option<Vec<u8>> = None;
    let mut filename = String::new();
    let limit_bytes = videos.settings().max_caption_bytes;
    let CaptionAnswers {
        language,
        label,
        kind,
    } = answers;
    while let Some(mut field) = payload.try_next().await.map_err(malformed)? {
        match field.name().unwrap_or("") {
            "file" => {
                filename = filename_of(&field);
                let mut data = Vec::new();
                while let Some(chunk) = field.try_next().await.map_err(malformed)? {
                    if (data.len() + chunk.len()) as u64 > limit_bytes {
                        return Err(VideoError::CaptionTooLarge { limit_bytes });
                    }
                    data.extend_from_slice(&chunk);
                }
                bytes = Some(data);
            }
            "language" => *language = Some(read_text(&mut field).await?),
            "label" => *label = Some(read_text(&mut field).await?),
            "kind" => *kind = Some(read_text(&mut field).await?),
            _ => skip(&mut field).await?,
        }
    }
    let details = CaptionDetails::parse(language.as_deref(), label.as_deref(), kind.as_deref());
    match (bytes.filter(|b| !b.is_empty()), details) {
        (Some(bytes), Ok(details)) => {
            let name = Some(filename.as_str()).filter(|n| !n.is_empty());
            videos
                .add_caption(video_id, user.id, details, name, bytes)
                .await
        }
        (bytes, details) => {
            let mut errors = details.err().unwrap_or_default();
            if bytes.is_none() {
                errors.insert(
                    "file".into(),
                    "Choose a caption file (.vtt, .srt or .sbv)".into(),
                );
            }
            Err(VideoError::Invalid(errors))
        }
    }
}
