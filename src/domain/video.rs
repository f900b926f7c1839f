//! A video's processing status and its visibility: parsed once from the database
//! column (or a form), then used as types by the models, services, templates and API.
//! Both serialize as the lower-case words stored in the database and returned by the
//! API (`"ready"`, `"public"`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a video is in its processing job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VideoStatus {
    /// Stored, not yet queued.
    Uploaded,
    /// Waiting for a worker.
    Queued,
    /// A worker is transcoding it.
    Processing,
    /// Playable.
    Ready,
    /// Processing failed (see the video's `error`).
    Failed,
}

impl VideoStatus {
    pub const ALL: [VideoStatus; 5] = [
        VideoStatus::Uploaded,
        VideoStatus::Queued,
        VideoStatus::Processing,
        VideoStatus::Ready,
        VideoStatus::Failed,
    ];

    /// The word stored in `videos.status` and returned by the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            VideoStatus::Uploaded => "uploaded",
            VideoStatus::Queued => "queued",
            VideoStatus::Processing => "processing",
            VideoStatus::Ready => "ready",
            VideoStatus::Failed => "failed",
        }
    }

    /// The status `raw` names (exactly, as stored).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// True while the job has not reached `ready` or `failed`: the status will change
    /// by itself.
    pub fn is_pending(self) -> bool {
        !matches!(self, VideoStatus::Ready | VideoStatus::Failed)
    }

    pub fn is_ready(self) -> bool {
        self == VideoStatus::Ready
    }

    pub fn is_failed(self) -> bool {
        self == VideoStatus::Failed
    }
}

/// Who may watch a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Only its owner.
    Private,
    /// Everyone, once it is ready.
    Public,
}

impl Visibility {
    /// The word stored in `videos.visibility` and returned by the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Public => "public",
        }
    }

    /// Parse what a person typed or chose (case and surrounding spaces ignored).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "private" => Ok(Visibility::Private),
            "public" => Ok(Visibility::Public),
            _ => Err("Choose private or public".into()),
        }
    }

    pub fn is_public(self) -> bool {
        self == Visibility::Public
    }
}

/// A database value that is not one of the enum's words (a broken row).
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?} in the database")]
pub struct UnknownValue {
    what: &'static str,
    value: String,
}

impl TryFrom<String> for VideoStatus {
    type Error = UnknownValue;
    fn try_from(value: String) -> Result<Self, UnknownValue> {
        VideoStatus::parse(&value).ok_or(UnknownValue {
            what: "video status",
            value,
        })
    }
}

impl TryFrom<String> for Visibility {
    type Error = UnknownValue;
    fn try_from(value: String) -> Result<Self, UnknownValue> {
        match value.as_str() {
            "private" => Ok(Visibility::Private),
            "public" => Ok(Visibility::Public),
            _ => Err(UnknownValue {
                what: "visibility",
                value,
            }),
        }
    }
}

impl fmt::Display for VideoStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `status == "ready"`: the word as stored.
impl PartialEq<&str> for VideoStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<&str> for Visibility {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_round_trip_through_the_database_and_json() {
        for status in VideoStatus::ALL {
            assert_eq!(
                VideoStatus::try_from(status.as_str().to_owned()).unwrap(),
                status
            );
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{status}\"")
            );
        }
        assert!(VideoStatus::try_from("Ready".to_owned()).is_err());
        assert_eq!(
            serde_json::to_string(&Visibility::Public).unwrap(),
            "\"public\""
        );
        assert_eq!(Visibility::parse(" Public ").unwrap(), Visibility::Public);
        assert!(Visibility::try_from("hidden".to_owned()).is_err());
        assert!(VideoStatus::Queued.is_pending() && !VideoStatus::Failed.is_pending());
    }
}
