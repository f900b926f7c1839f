//! The OpenAPI descriptions of the caption editor's endpoints ([`super::captions`]):
//! the `PUT …/cues` body and the responses those endpoints share. Listed in
//! [`super::docs::ApiDoc`] with the rest.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;
use crate::video::cues::CueFields;

/// `PUT /api/videos/{id}/captions/{caption_id}/cues` body: every cue of the track.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "version": "3f2c9a1b0d4e5f60",
    "cues": [
        {"start": "00:00:00.500", "end": "00:00:02.000", "text": "<v Sam>Hello!"},
        {"id": "door", "start": "00:00:02.000", "end": "00:00:04.000", "settings": "line:90%", "text": "[door bell rings]"}
    ]
}))]
pub struct CuesRequest {
    /// 1 to 20,000 cues, in any order (they are stored in time order).
    #[schema(min_items = 1, max_items = 20000)]
    pub cues: Vec<CueFields>,
    /// The `version` from `GET …/cues`: when given and the track has changed since,
    /// nothing is saved (409).
    #[schema(nullable = false)]
    pub version: Option<String>,
}

/// 404 for a track (or video) the caller does not own.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 404,
    description = "No such video or caption track, or the caller does not own the video",
    example = json!({"error": "Caption track not found"})
)]
pub struct TrackNotFound(#[allow(dead_code)] ErrorBody);

/// 404 for a revision that does not exist (any more).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 404,
    description = "No such video, caption track or revision (only the last 10 are kept), or the caller does not own the video",
    example = json!({"error": "Revision not found"})
)]
pub struct RevisionNotFound(#[allow(dead_code)] ErrorBody);

/// 409 when the track changed since the caller read it.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 409,
    description = "The track was changed since `version` was read; nothing was saved",
    example = json!({"error": "These captions were changed somewhere else since you opened them. Open them again to see the changes, then make yours."})
)]
pub struct TrackChanged(#[allow(dead_code)] ErrorBody);
