//! `/api/videos/{id}/captions/{caption_id}/…`: the caption editor's API — a track's
//! cues (read, replace) and its revisions (list, read one, restore one). Owner only:
//! anyone else gets 404, as for a private video.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde_json::{Map, Value};

use super::caption_docs::*;
use super::object;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::video::cues::{CueFields, MAX_CUES};
use crate::video::input::FieldErrors;
use crate::video::service::{CueEdit, CuesView, RevisionDetail, RevisionList};

type Result<T> = std::result::Result<T, ApiError>;

/// Largest `PUT …/cues` body: a whole track as JSON (larger than other bodies).
pub const CUES_JSON_LIMIT: usize = 4 << 20;

fn id_of(raw: &str, what: &'static str) -> Result<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, what))
}

fn track_ids(path: &(String, String)) -> Result<(i32, i32)> {
    Ok((
        id_of(&path.0, "Video not found")?,
        id_of(&path.1, "Caption track not found")?,
    ))
}

/// `GET /api/videos/{id}/captions/{caption_id}/cues`
#[utoipa::path(
    get,
    path = "/api/videos/{id}/captions/{caption_id}/cues",
    tag = "captions",
    summary = "A caption track's cues",
    description = "Every cue of the track with its timing, settings and text (markup kept), the track's current `version`, and warnings such as overlapping cues. Owner only.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"),
        ("caption_id" = i32, Path, minimum = 1, description = "The caption track's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cues", body = CuesView),
        TrackNotFound,
    )
)]
pub async fn cues(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (id, caption) = track_ids(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.track_cues(id, caption, auth.user.id).await?))
}

/// `PUT /api/videos/{id}/captions/{caption_id}/cues`
#[utoipa::path(
    put,
    path = "/api/videos/{id}/captions/{caption_id}/cues",
    tag = "captions",
    summary = "Replace a caption track's cues",
    description = "Every cue of the track, validated like the editor's form: a start and an end time (the end after the start), 1-1,000 characters of text, at most 20,000 cues. Overlaps are allowed and reported in `warnings`. The header, STYLE, REGION and NOTE blocks before the first cue are kept. The version replaced is kept as a revision (the last 10 are kept). Owner only.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"),
        ("caption_id" = i32, Path, minimum = 1, description = "The caption track's id")),
    request_body = CuesRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved: the track as it is now", body = CuesView),
        TrackNotFound,
        TrackChanged,
        (status = 413, description = "The body is larger than 4 MiB", body = ErrorBody,
            example = json!({"error": "Request body is too large (the limit is 4 MiB)"})),
        (status = 422, description = "Some cues are not valid: `fields` names each as `cues[index].field` (index from 0)", body = ErrorBody,
            example = json!({"error": "Some values are not valid", "fields": {"cues[1].end": "The end time must be after the start time", "cues[2].text": "Enter the words of the cue"}})),
    )
)]
pub async fn put_cues(
    state: web::Data<AppState>,
    auth: BearerAuth,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    let (id, caption) = track_ids(&path)?;
    let body = object(read_json(&req, payload).await?)?;
    let version = match body.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => return Err(invalid("version", "Must be a string")),
    };
    let raw = cue_list(&body)?;
    state
        .videos
        .edit_cues(
            id,
            caption,
            auth.user.id,
            version.as_deref(),
            CueEdit::Replace(raw),
        )
        .await?;
    Ok(HttpResponse::Ok().json(state.videos.track_cues(id, caption, auth.user.id).await?))
}

/// `GET /api/videos/{id}/captions/{caption_id}/revisions`
#[utoipa::path(
    get,
    path = "/api/videos/{id}/captions/{caption_id}/revisions",
    tag = "captions",
    summary = "A caption track's revisions",
    description = "The versions earlier saves replaced, newest first; the last 10 are kept. Owner only.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"),
        ("caption_id" = i32, Path, minimum = 1, description = "The caption track's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revisions", body = RevisionList),
        TrackNotFound,
    )
)]
pub async fn revisions(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (id, caption) = track_ids(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.revisions(id, caption, auth.user.id).await?))
}

fn revision_ids(path: &(String, String, String)) -> Result<(i32, i32, i32)> {
    let (id, caption) = track_ids(&(path.0.clone(), path.1.clone()))?;
    Ok((id, caption, id_of(&path.2, "Revision not found")?))
}

/// `GET /api/videos/{id}/captions/{caption_id}/revisions/{revision_id}`
#[utoipa::path(
    get,
    path = "/api/videos/{id}/captions/{caption_id}/revisions/{revision_id}",
    tag = "captions",
    summary = "One revision of a caption track",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"),
        ("caption_id" = i32, Path, minimum = 1, description = "The caption track's id"),
        ("revision_id" = i32, Path, minimum = 1, description = "The revision's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revision and its cues", body = RevisionDetail),
        RevisionNotFound,
    )
)]
pub async fn revision(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse> {
    let (id, caption, revision) = revision_ids(&path)?;
    Ok(HttpResponse::Ok().json(
        state
            .videos
            .revision(id, caption, revision, auth.user.id)
            .await?,
    ))
}

/// `POST /api/videos/{id}/captions/{caption_id}/revisions/{revision_id}/restore`
#[utoipa::path(
    post,
    path = "/api/videos/{id}/captions/{caption_id}/revisions/{revision_id}/restore",
    tag = "captions",
    summary = "Restore a revision of a caption track",
    description = "The revision becomes the track's current version; the version it replaces is kept as a new revision.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"),
        ("caption_id" = i32, Path, minimum = 1, description = "The caption track's id"),
        ("revision_id" = i32, Path, minimum = 1, description = "The revision's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Restored: the track as it is now", body = CuesView),
        RevisionNotFound,
        TrackChanged,
    )
)]
pub async fn restore(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse> {
    let (id, caption, revision) = revision_ids(&path)?;
    state
        .videos
        .restore_revision(id, caption, revision, auth.user.id)
        .await?;
    Ok(HttpResponse::Ok().json(state.videos.track_cues(id, caption, auth.user.id).await?))
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::invalid(FieldErrors::from([(field.to_owned(), message.to_owned())]))
}

/// The body as JSON, up to [`CUES_JSON_LIMIT`] (this route's own limit).
async fn read_json(req: &HttpRequest, mut payload: web::Payload) -> Result<Value> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|m| {
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        });
    if !json {
        return Err(ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::bad_request("Could not read the request body"))?;
        if body.len() + chunk.len() > CUES_JSON_LIMIT {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request body is too large (the limit is 4 MiB)",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("Malformed JSON: {e}")))
}

/// `cues` of the body, each field type-checked (wrong types are 422 by cue and field).
fn cue_list(body: &Map<String, Value>) -> Result<Vec<CueFields>> {
    let list = match body.get("cues") {
        None => return Err(ApiError::missing_fields(&["cues"])),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid("cues", "Must be a list of cues")),
    };
    if list.is_empty() {
        return Err(invalid(
            "cues",
            "A track needs at least one cue: delete the track instead",
        ));
    }
    if list.len() > MAX_CUES {
        return Err(invalid("cues", "A track can have at most 20,000 cues"));
    }
    let mut errors = FieldErrors::new();
    let mut cues = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let Value::Object(cue) = item else {
            errors.insert(format!("cues[{i}]"), "Must be a cue object".into());
            continue;
        };
        let mut text = |name: &str, required: bool| -> Option<String> {
            match cue.get(name) {
                Some(Value::String(s)) => Some(s.clone()),
                None | Some(Value::Null) if !required => Some(String::new()),
                None => {
                    errors.insert(format!("cues[{i}].{name}"), "This field is required".into());
                    None
                }
                Some(_) => {
                    errors.insert(format!("cues[{i}].{name}"), "Must be a string".into());
                    None
                }
            }
        };
        let fields = (
            text("id", false),
            text("start", true),
            text("end", true),
            text("settings", false),
            text("text", true),
        );
        if let (Some(id), Some(start), Some(end), Some(settings), Some(text)) = fields {
            cues.push(CueFields {
                id: Some(id).filter(|s| !s.is_empty()),
                start,
                end,
                settings,
                text,
            });
        }
    }
    if errors.is_empty() {
        Ok(cues)
    } else {
        Err(ApiError::invalid(errors))
    }
}
