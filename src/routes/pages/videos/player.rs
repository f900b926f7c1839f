//! What the watch page's player shows, built from the watch read model for one viewer:
//! the caption tracks with their transcripts and download links, the chapters, the
//! signed editions (the one in the viewer's sign language first, played in the player
//! beside the main picture when JavaScript runs) and the video's frame rate. The
//! template (`pages/videos/player.html`) renders all of it; the labels come from the
//! copy catalogue, so `player.js` holds no words of its own.

use crate::render::{View, sign_language_name};
use crate::video::service::{CaptionView, VideoView, WatchPage, caption_for};
use crate::video::webvtt::TranscriptLine;

/// The kind of a WebVTT track that lists chapters (navigation, not captions).
const KIND_CHAPTERS: &str = "chapters";
/// The kind of a WebVTT track that describes what is seen, in words, for people who
/// cannot see the picture (read out by screen readers, not shown as captions).
const KIND_DESCRIPTIONS: &str = "descriptions";

/// A caption track for the player, with its transcript.
pub(super) struct Track<'a> {
    pub(super) id: i32,
    pub(super) url: &'a str,
    pub(super) language: &'a str,
    pub(super) label: &'a str,
    pub(super) kind: &'a str,
    /// The kind as the viewer reads it ("Captions", "Subtitles").
    pub(super) kind_label: &'static str,
    /// Shown (and marked `default`) first.
    pub(super) default: bool,
    pub(super) lines: &'a [TranscriptLine],
    /// The transcript as plain text, to download.
    pub(super) txt_url: String,
    /// The WebVTT file, to download.
    pub(super) vtt_url: String,
}

/// A text descriptions track: offered on its own switch, its cues written into a live
/// region as they come.
pub(super) struct Description<'a> {
    pub(super) id: i32,
    pub(super) url: &'a str,
    pub(super) language: &'a str,
    pub(super) label: &'a str,
}

/// A chapters track: its file and its chapters (start and title).
pub(super) struct Chapters<'a> {
    pub(super) url: &'a str,
    pub(super) language: &'a str,
    pub(super) label: &'a str,
    pub(super) lines: &'a [TranscriptLine],
}

/// A signed edition of the same content.
pub(super) struct Edition<'a> {
    pub(super) id: i32,
    pub(super) code: &'a str,
    pub(super) name: &'static str,
    pub(super) title: &'a str,
    /// Its own watch page.
    pub(super) page_url: String,
    /// Its video, once it is ready (only those are played inside the player).
    pub(super) video_url: Option<&'a str>,
    /// The one played first.
    pub(super) selected: bool,
}

pub(super) struct Player<'a> {
    /// Captions and subtitles.
    pub(super) tracks: Vec<Track<'a>>,
    pub(super) descriptions: Vec<Description<'a>>,
    pub(super) chapters: Option<Chapters<'a>>,
    pub(super) editions: Vec<Edition<'a>>,
    /// The edition played inside the player first, if any can be.
    pub(super) sign: Option<usize>,
    /// Frames per second, as text for the `data-frame-rate` attribute.
    pub(super) frame_rate: Option<String>,
}

impl<'a> Player<'a> {
    /// The player of `watch` for a viewer who reads `languages` (in order of
    /// preference; the caption track shown first is chosen by them).
    pub(super) fn build(v: &View, watch: &'a WatchPage, languages: &[&str]) -> Player<'a> {
        let video: &'a VideoView = watch.video();
        let captions: Vec<CaptionView> = video
            .captions
            .iter()
            .filter(|c| c.kind != KIND_CHAPTERS && c.kind != KIND_DESCRIPTIONS)
            .cloned()
            .collect();
        let default_track = caption_for(&captions, languages).map(|c| c.id);
        let lines = |i: usize| watch.data.transcripts.get(i).map_or(&[][..], Vec::as_slice);
        let mut tracks = Vec::new();
        let mut chapters = None;
        let mut descriptions = Vec::new();
        for (i, c) in video.captions.iter().enumerate() {
            if c.kind == KIND_DESCRIPTIONS {
                descriptions.push(Description {
                    id: c.id,
                    url: &c.url,
                    language: &c.language,
                    label: &c.label,
                });
                continue;
            }
            if c.kind == KIND_CHAPTERS {
                chapters.get_or_insert(Chapters {
                    url: &c.url,
                    language: &c.language,
                    label: &c.label,
                    lines: lines(i),
                });
                continue;
            }
            tracks.push(Track {
                id: c.id,
                url: &c.url,
                language: &c.language,
                label: &c.label,
                kind: &c.kind,
                kind_label: super::captions::kind_label(v, &c.kind),
                default: Some(c.id) == default_track,
                lines: lines(i),
                txt_url: format!("/media/videos/{}/transcripts/{}.txt", video.id, c.id),
                vtt_url: format!("/media/videos/{}/transcripts/{}.vtt", video.id, c.id),
            });
        }
        // Without a default (no language matched), the first track is the one shown.
        if !tracks.iter().any(|t| t.default)
            && let Some(first) = tracks.first_mut()
        {
            first.default = true;
        }
        let mut editions: Vec<Edition<'a>> = video
            .editions
            .iter()
            .map(|e| Edition {
                id: e.id,
                code: &e.sign_language,
                name: sign_language_name(&e.sign_language),
                title: &e.title,
                page_url: format!("/videos/{}", e.id),
                video_url: e.video_url.as_deref(),
                selected: false,
            })
            .collect();
        let preferred = v.prefs.sign_language.code();
        let sign = editions
            .iter()
            .position(|e| e.video_url.is_some() && e.code == preferred)
            .or_else(|| editions.iter().position(|e| e.video_url.is_some()));
        if let Some(e) = sign.and_then(|i| editions.get_mut(i)) {
            e.selected = true;
        }
        Player {
            tracks,
            descriptions,
            chapters,
            editions,
            sign,
            frame_rate: video
                .frame_rate
                .filter(|fps| fps.is_finite() && *fps > 0.0)
                .map(|fps| {
                    format!("{:.3}", fps)
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_owned()
                }),
        }
    }

    /// The edition played first.
    pub(super) fn sign_edition(&self) -> Option<&Edition<'a>> {
        self.sign.and_then(|i| self.editions.get(i))
    }

    /// The editions that can play inside the player.
    pub(super) fn playable(&self) -> impl Iterator<Item = &Edition<'a>> {
        self.editions.iter().filter(|e| e.video_url.is_some())
    }
}
