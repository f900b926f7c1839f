//! Validated input for the video services: parse once at the edge (API handler or
//! page form), then trust the values. Errors are per field, written for people.

use std::collections::BTreeMap;

use crate::domain::SignLanguage;
pub use crate::domain::Visibility;
use crate::models::caption::{KIND_CAPTIONS, KIND_CHAPTERS, KIND_DESCRIPTIONS, KIND_SUBTITLES};
use crate::models::feedback::RATINGS;

/// Field name → message.
pub type FieldErrors = BTreeMap<String, String>;

/// File extensions accepted for uploads (the content is probed as well).
pub const VIDEO_EXTENSIONS: [&str; 5] = ["mp4", "mov", "webm", "avi", "mkv"];
pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;
pub const FILENAME_MAX: usize = 255;

/// The allow-listed, lower-case extension of `filename`, if it has one.
pub fn video_extension(filename: &str) -> Option<&'static str> {
    let (_, ext) = filename.rsplit_once('.')?;
    VIDEO_EXTENSIONS
        .iter()
        .find(|e| e.eq_ignore_ascii_case(ext))
        .copied()
}

/// The message for a refused extension.
pub fn extension_message() -> String {
    format!(
        "Choose a video file ending in .{}",
        VIDEO_EXTENSIONS.join(", .")
    )
}

/// A file name fit for display only: its last path component, without control
/// characters, trimmed, at most 255 characters (a longer name is shortened before its
/// extension, marked with "…"). Cleaning a cleaned name changes nothing.
pub fn display_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let name = cleaned.trim();
    if name.is_empty() {
        return "video".to_owned();
    }
    if name.chars().count() <= FILENAME_MAX {
        return name.to_owned();
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.chars().count() <= 16)
        .map(|e| format!(".{e}"))
        .unwrap_or_default();
    let keep = FILENAME_MAX - 1 - ext.chars().count();
    let stem: String = name.chars().take(keep).collect();
    format!("{}…{ext}", stem.trim_end())
}

/// The details of an upload, besides the file.
#[derive(Debug, Clone)]
pub struct VideoDetails {
    pub title: String,
    pub description: String,
    pub sign_language: SignLanguage,
    pub visibility: Visibility,
}

impl VideoDetails {
    /// Validate the raw form values. `default_sign_language` (the uploader's
    /// preference) is used when none is given; visibility defaults to private.
    pub fn parse(
        title: Option<&str>,
        description: Option<&str>,
        sign_language: Option<&str>,
        visibility: Option<&str>,
        default_sign_language: SignLanguage,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = title.map(str::trim).unwrap_or("");
        if title.is_empty() {
            errors.insert("title".into(), "Enter a title for the video".into());
        } else if title.chars().count() > TITLE_MAX {
            errors.insert(
                "title".into(),
                format!("The title must be {TITLE_MAX} characters or fewer"),
            );
        } else if title.chars().any(char::is_control) {
            errors.insert("title".into(), "The title must be one line of text".into());
        }
        let description = description.map(str::trim).unwrap_or("");
        if description.chars().count() > DESCRIPTION_MAX {
            errors.insert(
                "description".into(),
                format!("The description must be {DESCRIPTION_MAX} characters or fewer"),
            );
        }
        let sign_language = match sign_language.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(default_sign_language),
            Some(raw) => SignLanguage::parse(raw),
        };
        let visibility = match visibility.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Visibility::Private),
            Some(raw) => Visibility::parse(raw),
        };
        let sign_language = sign_language.map_err(|m| errors.insert("sign_language".into(), m));
        let visibility = visibility.map_err(|m| errors.insert("visibility".into(), m));
        match (sign_language, visibility) {
            (Ok(sign_language), Ok(visibility)) if errors.is_empty() => Ok(VideoDetails {
                title: title.to_owned(),
                description: description.to_owned(),
                sign_language,
                visibility,
            }),
            _ => Err(errors),
        }
    }
}

/// What a track holds, as HTML's `<track kind>` names it: `captions` (speech and
/// sounds, for deaf viewers), `subtitles` (a translation of the speech), `chapters`
/// (titles of the parts, for navigation) or `descriptions` (of what is seen). Only
/// captions and subtitles make a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = CaptionKindName, rename_all = "lowercase")]
pub enum CaptionKind {
    Captions,
    Subtitles,
    Chapters,
    Descriptions,
}

impl CaptionKind {
    pub const ALL: [CaptionKind; 4] = [
        CaptionKind::Captions,
        CaptionKind::Subtitles,
        CaptionKind::Chapters,
        CaptionKind::Descriptions,
    ];

    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| "Choose captions, subtitles, chapters or descriptions".into())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CaptionKind::Captions => KIND_CAPTIONS,
            CaptionKind::Subtitles => KIND_SUBTITLES,
            CaptionKind::Chapters => KIND_CHAPTERS,
            CaptionKind::Descriptions => KIND_DESCRIPTIONS,
        }
    }

    /// Whether the track's words are the video's speech (a transcript is made of them).
    pub fn is_spoken(kind: &str) -> bool {
        kind == KIND_CAPTIONS || kind == KIND_SUBTITLES
    }
}

/// The details of a caption track, besides the file.
#[derive(Debug, Clone)]
pub struct CaptionDetails {
    /// A BCP 47 language tag such as `en` or `pt-BR`.
    pub language: String,
    pub label: String,
    pub kind: CaptionKind,
}

/// A plausible BCP 47 tag: a 2-3 letter language, then 1-8 character subtags.
pub fn parse_language_tag(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    let message = || "Enter a language code such as en, fr or pt-BR".to_string();
    if raw.is_empty() || raw.len() > 35 {
        return Err(message());
    }
    let mut parts = raw.split('-');
    let primary = parts.next().unwrap_or("");
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(message());
    }
    let mut tag = primary.to_ascii_lowercase();
    for sub in parts {
        if !(1..=8).contains(&sub.len()) || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(message());
        }
        tag.push('-');
        // Conventional case: regions upper-case, scripts title-case, others lower.
        match sub.len() {
            2 if sub.bytes().all(|b| b.is_ascii_alphabetic()) => {
                tag.push_str(&sub.to_ascii_uppercase())
            }
            4 if sub.bytes().all(|b| b.is_ascii_alphabetic()) => {
                let lower = sub.to_ascii_lowercase();
                tag.push_str(&lower[..1].to_ascii_uppercase());
                tag.push_str(&lower[1..]);
            }
            _ => tag.push_str(&sub.to_ascii_lowercase()),
        }
    }
    Ok(tag)
}

impl CaptionDetails {
    pub fn parse(
        language: Option<&str>,
        label: Option<&str>,
        kind: Option<&str>,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let language = parse_language_tag(language.unwrap_or(""))
            .map_err(|m| errors.insert("language".into(), m));
        let label = label.map(str::trim).unwrap_or("");
        if label.is_empty() {
            errors.insert(
                "label".into(),
                "Enter a label people will see, such as English".into(),
            );
        } else if label.chars().count() > 64 || label.chars().any(char::is_control) {
            errors.insert(
                "label".into(),
                "The label must be one line of 64 characters or fewer".into(),
            );
        }
        let kind = match kind.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(CaptionKind::Captions),
            Some(raw) => CaptionKind::parse(raw),
        }
        .map_err(|m| errors.insert("kind".into(), m));
        match (language, kind) {
            (Ok(language), Ok(kind)) if errors.is_empty() => Ok(CaptionDetails {
                language,
                label: label.to_owned(),
                kind,
            }),
            _ => Err(errors),
        }
    }
}

/// A viewer's rating of the signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(&'static str);

impl Rating {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim().to_ascii_lowercase();
        RATINGS
            .iter()
            .find(|r| **r == raw)
            .map(|r| Rating(r))
            .ok_or_else(|| format!("Choose one of: {}", RATINGS.join(", ")))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

/// In the OpenAPI document: `RatingName`, one of [`RATINGS`].
impl utoipa::PartialSchema for Rating {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(RATINGS))
            .into()
    }
}

impl utoipa::ToSchema for Rating {
    fn name() -> std::borrow::Cow<'static, str> {
        "RatingName".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_and_display_names() {
        assert_eq!(video_extension("My Clip.MP4"), Some("mp4"));
        assert_eq!(video_extension("a.mkv"), Some("mkv"));
        assert_eq!(video_extension("notes.txt"), None);
        assert_eq!(video_extension("mp4"), None);
        assert_eq!(display_filename("C:\\Users\\x\\clip.mp4"), "clip.mp4");
        assert_eq!(display_filename("../../etc/passwd"), "passwd");
        assert_eq!(display_filename("a\u{0}b\n.mp4"), "ab.mp4");
        assert_eq!(display_filename(""), "video");
        let long = format!("{} b.avi", "a".repeat(254));
        let shown = display_filename(&long);
        assert_eq!(shown.chars().count(), FILENAME_MAX);
        assert!(shown.ends_with("a….avi"), "{shown}");
        assert_eq!(display_filename(&shown), shown);
    }

    #[test]
    fn details_validate_per_field() {
        let asl = SignLanguage::parse("ASL").unwrap();
        let ok =
            VideoDetails::parse(Some(" Hello "), None, Some("bsl"), Some("PUBLIC"), asl).unwrap();
        assert_eq!(ok.title, "Hello");
        assert_eq!(ok.sign_language.code(), "BSL");
        assert_eq!(ok.visibility, Visibility::Public);
        let defaults = VideoDetails::parse(Some("x"), None, None, None, asl).unwrap();
        assert_eq!(defaults.visibility, Visibility::Private);
        assert_eq!(defaults.sign_language.code(), "ASL");
        let long = "x".repeat(201);
        let e = VideoDetails::parse(Some(&long), None, Some("Klingon"), Some("secret"), asl)
            .unwrap_err();
        assert_eq!(
            e.keys().collect::<Vec<_>>(),
            ["sign_language", "title", "visibility"]
        );
        let e = VideoDetails::parse(None, None, None, None, asl).unwrap_err();
        assert_eq!(e["title"], "Enter a title for the video");
    }

    #[test]
    fn caption_details_and_language_tags() {
        assert_eq!(parse_language_tag("EN").unwrap(), "en");
        assert_eq!(parse_language_tag("pt-br").unwrap(), "pt-BR");
        assert_eq!(parse_language_tag("zh-hant-tw").unwrap(), "zh-Hant-TW");
        for bad in ["", "e", "english", "en_GB", "en--GB", "../x"] {
            assert!(parse_language_tag(bad).is_err(), "{bad}");
        }
        let d = CaptionDetails::parse(Some("en"), Some("English"), None).unwrap();
        assert_eq!(d.kind, CaptionKind::Captions);
        let e = CaptionDetails::parse(Some("?"), Some(""), Some("karaoke")).unwrap_err();
        assert_eq!(e.len(), 3);
        for kind in CaptionKind::ALL {
            let d =
                CaptionDetails::parse(Some("en"), Some("English"), Some(kind.as_str())).unwrap();
            assert_eq!(d.kind, kind);
        }
        let d = CaptionDetails::parse(Some("en"), Some("Parts"), Some(" Chapters ")).unwrap();
        assert_eq!(d.kind, CaptionKind::Chapters);
        assert!(CaptionKind::is_spoken("subtitles") && !CaptionKind::is_spoken("descriptions"));
    }

    #[test]
    fn ratings() {
        assert_eq!(Rating::parse("Accurate").unwrap().as_str(), "accurate");
        assert!(Rating::parse("great").is_err());
    }
}
