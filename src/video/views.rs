//! What the video service hands to clients: the JSON API returns these types as they
//! are (they carry `utoipa::ToSchema`, so the OpenAPI document describes them), and the
//! pages render them. Built from table rows here, nowhere else.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::webvtt::TranscriptLine;
use crate::domain::{SignLanguage, VideoStatus, Visibility};
use crate::models::Video;
use crate::models::caption::{Caption, KIND_CAPTIONS};
use crate::models::video::Listed;
use crate::video::input::{CaptionKind, Rating};

/// A caption track as shown to clients (`Caption` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Caption, description = "A caption track.")]
pub struct CaptionView {
    pub id: i32,
    /// BCP 47 language tag.
    pub language: String,
    pub label: String,
    /// `captions`, `subtitles`, `chapters` or `descriptions`.
    #[schema(value_type = CaptionKind)]
    pub kind: String,
    pub cue_count: i32,
    /// The WebVTT file, e.g. `/media/videos/1/captions/3.vtt`.
    pub url: String,
}

impl CaptionView {
    pub fn of(caption: &Caption) -> Self {
        CaptionView {
            url: caption_url(caption.video_id, caption.id),
            id: caption.id,
            language: caption.language.clone(),
            label: caption.label.clone(),
            kind: caption.kind.clone(),
            cue_count: caption.cue_count,
        }
    }
}

/// A caption track just added, with what the upload's parsing skipped or changed
/// (`CaptionAdded` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CaptionAdded, description = "A caption track just added.")]
pub struct AddedCaption {
    #[serde(flatten)]
    pub caption: CaptionView,
    /// What was skipped or changed, e.g. "Line 21: a block without a timing line was
    /// skipped" or "The SubRip (.srt) file was converted to WebVTT."; empty when nothing was.
    pub warnings: Vec<String>,
}

/// Another signed edition of the same content.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Edition)]
pub struct EditionView {
    pub id: i32,
    pub title: String,
    /// The edition's sign language code, e.g. `BSL`.
    #[schema(value_type = SignLanguage)]
    pub sign_language: String,
    /// `/api/videos/{id}` of the edition.
    pub url: String,
    /// The edition's processed video, once it is ready (the player plays it beside
    /// the main picture).
    pub video_url: Option<String>,
}

/// What a video offers besides its picture (MAUR DAC-1): its text tracks by kind (their
/// labels), the sign languages it is signed in (its own, then its public, ready
/// editions'), and whether it has a transcript (any captions or subtitles).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Alternatives {
    pub captions: Vec<String>,
    pub subtitles: Vec<String>,
    pub descriptions: Vec<String>,
    pub chapters: bool,
    /// Sign language codes, the video's own first.
    pub signed: Vec<String>,
    pub transcript: bool,
}

impl Alternatives {
    /// From `(kind, label)` pairs and the editions' sign languages.
    pub fn of<'a>(
        own: &str,
        tracks: impl IntoIterator<Item = (&'a str, &'a str)>,
        editions: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut out = Alternatives {
            signed: vec![own.to_owned()],
            ..Alternatives::default()
        };
        for (kind, label) in tracks {
            let list = match kind {
                "captions" => &mut out.captions,
                "subtitles" => &mut out.subtitles,
                "descriptions" => &mut out.descriptions,
                "chapters" => {
                    out.chapters = true;
                    continue;
                }
                _ => continue,
            };
            if !list.iter().any(|l| l == label) {
                list.push(label.to_owned());
            }
        }
        out.transcript = !out.captions.is_empty() || !out.subtitles.is_empty();
        for language in editions {
            if !out.signed.iter().any(|s| s == language) {
                out.signed.push(language.to_owned());
            }
        }
        out
    }
}

/// Everything a client (API or page) shows about one video (`Video` in the OpenAPI
/// document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Video, description = "A video. Listings leave `captions` and `editions` empty.")]
pub struct VideoView {
    pub id: i32,
    pub title: String,
    pub description: String,
    /// Sign language code, e.g. `BSL`.
    #[schema(value_type = SignLanguage)]
    pub sign_language: String,
    pub visibility: Visibility,
    pub status: VideoStatus,
    /// Processing progress, 0-100.
    pub progress: i32,
    pub original_filename: String,
    pub size_bytes: i64,
    pub duration_seconds: Option<f64>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub video_codec: Option<String>,
    pub audio_codec: Option<String>,
    /// Frames per second of the processed video (read when it was processed).
    pub frame_rate: Option<f64>,
    /// Set once the video is ready.
    pub video_url: Option<String>,
    pub poster_url: Option<String>,
    pub captions: Vec<CaptionView>,
    pub editions: Vec<EditionView>,
    /// What the video offers besides the picture, said before anyone presses play.
    pub alternatives: Alternatives,
    pub attempts: i32,
    /// Why processing failed (or why the last attempt failed, while it is retried).
    pub error: Option<String>,
    /// Whether the caller owns the video.
    pub is_owner: bool,
    /// Set when moderators hid the video (only its owner and moderators see it then):
    /// the reason they gave.
    pub hidden_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// `GET /api/videos`: a listing. The public scope (a search) adds its count, the
/// cursors of the next and previous pages and the transcript cues that matched.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct VideoList {
    pub videos: Vec<VideoView>,
    /// How many videos match (public scope): exact up to 1,000 …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// … above that an estimate (two significant figures), and then this is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count_estimated: Option<bool>,
    /// Pass as `after` for the next page (absent on the last page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// Pass as `before` for the previous page (absent on the first page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    /// For videos whose transcript mentions a searched word: the first such cue.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<TranscriptMatch>,
}

/// A transcript cue that mentions a searched word; play the video from `start_seconds`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TranscriptMatch {
    pub video_id: i32,
    pub start_seconds: f64,
    /// `hh:mm:ss.ttt`.
    pub start: String,
    /// The caption track's label.
    pub track: String,
    pub text: String,
}

/// A video's captions as plain text, from one track.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Transcript {
    pub video_id: i32,
    /// The caption track the transcript was read from.
    pub caption: CaptionView,
    pub lines: Vec<TranscriptLine>,
}

/// Ratings of a video's signing (`Feedback` in the OpenAPI document).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Feedback, description = "Ratings of a video's signing.",
    example = json!({"video_id": 1, "counts": {"accurate": 3, "helpful": 1, "inaccurate": 0}, "mine": "accurate"}))]
pub struct FeedbackSummary {
    pub video_id: i32,
    /// How many viewers gave each rating.
    pub counts: BTreeMap<String, i64>,
    /// The caller's rating, if any (null without a token).
    #[schema(value_type = Option<Rating>)]
    pub mine: Option<String>,
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

pub(crate) fn timestamp(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl VideoView {
    /// Public, ready and not hidden: what anyone may see and caches may share.
    pub fn is_listed(&self) -> bool {
        self.visibility.is_public() && self.status.is_ready() && self.hidden_reason.is_none()
    }

    /// The short form used in listings (no captions or editions).
    pub fn summary(video: &Video, viewer: Option<i32>) -> Self {
        Self::build(video, viewer, &[], &[])
    }

    /// A catalogue entry: the short form, with the alternatives the listing read.
    pub fn listed(listed: &Listed, viewer: Option<i32>) -> Self {
        let mut view = Self::summary(&listed.video, viewer);
        view.alternatives = Alternatives::of(
            &listed.video.sign_language,
            listed.tracks.iter().map(|(k, l)| (k.as_str(), l.as_str())),
            listed.edition_languages.iter().map(String::as_str),
        );
        view
    }

    /// The full form: the video's captions, and those of `editions` the viewer may see.
    pub fn build(
        video: &Video,
        viewer: Option<i32>,
        captions: &[Caption],
        editions: &[Video],
    ) -> Self {
        let ready = video.is_ready();
        let alternatives = Alternatives::of(
            &video.sign_language,
            captions.iter().map(|c| (c.kind.as_str(), c.label.as_str())),
            editions
                .iter()
                .filter(|e| e.is_listed())
                .map(|e| e.sign_language.as_str()),
        );
        VideoView {
            alternatives,
            id: video.id,
            title: video.title.clone(),
            description: video.description.clone(),
            sign_language: video.sign_language.clone(),
            visibility: video.visibility,
            status: video.status,
            progress: video.progress,
            original_filename: video.original_filename.clone(),
            size_bytes: video.source_size,
            duration_seconds: video.duration_seconds,
            width: video.width,
            height: video.height,
            video_codec: video.video_codec.clone(),
            audio_codec: video.audio_codec.clone(),
            frame_rate: video.frame_rate,
            hidden_reason: video
                .is_hidden()
                .then(|| video.hidden_reason.clone().unwrap_or_default()),
            video_url: (ready && video.output_key.is_some()).then(|| video_url(video.id)),
            poster_url: (ready && video.poster_key.is_some()).then(|| poster_url(video.id)),
            captions: captions.iter().map(CaptionView::of).collect(),
            editions: editions
                .iter()
                .filter(|e| e.viewable_by(viewer))
                .map(|e| EditionView {
                    url: format!("/api/videos/{}", e.id),
                    video_url: (e.is_ready() && e.output_key.is_some()).then(|| video_url(e.id)),
                    id: e.id,
                    title: e.title.clone(),
                    sign_language: e.sign_language.clone(),
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
/// primary language (`en` ~ `en-GB`); captions before subtitles. Chapters and
/// descriptions tracks are never the default (they are not the words said).
pub fn caption_for<'a>(captions: &'a [CaptionView], languages: &[&str]) -> Option<&'a CaptionView> {
    let primary = |tag: &str| tag.split('-').next().unwrap_or(tag).to_ascii_lowercase();
    let rank = |c: &CaptionView| u8::from(c.kind != KIND_CAPTIONS);
    let spoken: Vec<&CaptionView> = captions
        .iter()
        .filter(|c| CaptionKind::is_spoken(&c.kind))
        .collect();
    for wanted in languages {
        let mut exact: Vec<&CaptionView> = spoken
            .iter()
            .copied()
            .filter(|c| c.language.eq_ignore_ascii_case(wanted))
            .collect();
        exact.sort_by_key(|c| rank(c));
        if let Some(c) = exact.first() {
            return Some(c);
        }
        let mut close: Vec<&CaptionView> = spoken
            .iter()
            .copied()
            .filter(|c| primary(&c.language) == primary(wanted))
            .collect();
        close.sort_by_key(|c| rank(c));
        if let Some(c) = close.first() {
            return Some(c);
        }
    }
    None
}

/// The index of the track a transcript is read from: among the captions and subtitles
/// (never chapters or descriptions), the one in `language` (exact, then the same
/// primary language) when there is one, else the first.
pub fn transcript_track(captions: &[CaptionView], language: Option<&str>) -> Option<usize> {
    let spoken = |c: &CaptionView| CaptionKind::is_spoken(&c.kind);
    language
        .and_then(|l| {
            captions
                .iter()
                .position(|c| spoken(c) && c.language.eq_ignore_ascii_case(l))
                .or_else(|| {
                    // "en" matches "en-GB" and the other way round.
                    let primary = l.split('-').next().unwrap_or(l);
                    captions.iter().position(|c| {
                        spoken(c)
                            && c.language
                                .split('-')
                                .next()
                                .is_some_and(|p| p.eq_ignore_ascii_case(primary))
                    })
                })
        })
        .or_else(|| captions.iter().position(spoken))
}

/// The watch page's read model, viewer-independent part: the video with its captions and
/// editions, the transcript of every track and the rating counts. The same value serves
/// every viewer of the same class (the owner, or anyone else), so a public video's is
/// cached and shared.
#[derive(Debug)]
pub struct WatchData {
    pub video: VideoView,
    /// The transcript of each of `video.captions`, in the same order.
    pub transcripts: Vec<Vec<TranscriptLine>>,
    /// How many viewers gave each rating.
    pub counts: BTreeMap<String, i64>,
}

/// Everything the watch page shows about one video, for one viewer.
#[derive(Debug, Clone)]
pub struct WatchPage {
    pub data: Arc<WatchData>,
    /// The viewer's own rating.
    pub mine: Option<String>,
}

impl WatchPage {
    pub fn video(&self) -> &VideoView {
        &self.data.video
    }

    /// The transcript from the track in `language` (see [`transcript_track`]); `None`
    /// when the video has no captions.
    pub fn transcript(&self, language: Option<&str>) -> Option<(&CaptionView, &[TranscriptLine])> {
        let i = transcript_track(&self.data.video.captions, language)?;
        Some((
            self.data.video.captions.get(i)?,
            self.data.transcripts.get(i).map_or(&[][..], Vec::as_slice),
        ))
    }

    /// The edition in `sign_language` the viewer may see, if any.
    pub fn edition_in(&self, sign_language: &str) -> Option<&EditionView> {
        self.data
            .video
            .editions
            .iter()
            .find(|e| e.sign_language == sign_language)
    }

    /// The ratings and the viewer's own, as the API returns them.
    pub fn feedback(&self) -> FeedbackSummary {
        FeedbackSummary {
            video_id: self.data.video.id,
            counts: self.data.counts.clone(),
            mine: self.mine.clone(),
        }
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

    #[test]
    fn the_transcript_track_is_the_language_asked_for_else_the_first() {
        let tracks = [track(1, "en-GB", "captions"), track(2, "fr", "captions")];
        assert_eq!(transcript_track(&tracks, Some("FR")), Some(1));
        assert_eq!(transcript_track(&tracks, Some("en")), Some(0));
        assert_eq!(transcript_track(&tracks, Some("de")), Some(0));
        assert_eq!(transcript_track(&tracks, None), Some(0));
        assert_eq!(transcript_track(&[], Some("en")), None);
    }

    #[test]
    fn chapters_and_descriptions_are_neither_default_nor_transcript() {
        let tracks = [
            track(1, "en", "chapters"),
            track(2, "en", "descriptions"),
            track(3, "en", "subtitles"),
        ];
        assert_eq!(caption_for(&tracks, &["en"]).map(|c| c.id), Some(3));
        assert_eq!(transcript_track(&tracks, Some("en")), Some(2));
        assert_eq!(transcript_track(&tracks, None), Some(2));
        assert_eq!(transcript_track(&tracks[..2], None), None);
        assert!(caption_for(&tracks[..2], &["en"]).is_none());
    }
}
