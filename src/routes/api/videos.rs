//! `/api/videos`: upload, list, view, change and delete sign-language videos, their
//! captions, signed editions and feedback.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::object;
use crate::auth::BearerAuth;
use crate::auth::extract::MaybeBearer;
use crate::domain::SignLanguage;
use crate::error::ApiError;
use crate::routes::video_forms::{read_caption_upload, read_video_upload};
use crate::state::AppState;
use crate::video::input::{FieldErrors, Rating, VideoDetails};

type Result<T> = std::result::Result<T, ApiError>;

fn video_id(raw: &str) -> Result<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Video not found"))
}

/// `POST /api/videos` (multipart): 202 with the queued video.
pub async fn upload(
    state: web::Data<AppState>,
    auth: BearerAuth,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse> {
    let video = read_video_upload(&req, payload, &state.videos, &auth.user).await?;
    let view = state.videos.view(video.id, Some(auth.user.id)).await?;
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", format!("/api/videos/{}", video.id)))
        .json(view))
}

#[derive(Deserialize)]
pub struct ListQuery {
    scope: Option<String>,
    sign_language: Option<String>,
}

/// `GET /api/videos?scope=mine|public&sign_language=BSL`: the caller's own videos
/// (default; needs a token) or the public catalogue (anyone; the caller's sign
/// language first).
pub async fn list(
    state: web::Data<AppState>,
    auth: MaybeBearer,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse> {
    let only = match query.sign_language.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(
            SignLanguage::parse(raw)
                .map_err(|m| ApiError::invalid(FieldErrors::from([("sign_language".into(), m)])))?,
        ),
    };
    let videos = match query.scope.as_deref().unwrap_or("mine") {
        "mine" => {
            let user = auth
                .0
                .as_ref()
                .ok_or_else(|| ApiError::unauthorized("Token is missing"))?;
            let mut own = state.videos.list_own(user.id).await?;
            if let Some(lang) = only {
                own.retain(|v| v.sign_language == lang.code());
            }
            own
        }
        "public" => {
            let preferred = auth.0.as_ref().map(|u| u.preferences().sign_language);
            state
                .videos
                .list_public(auth.user_id(), only, preferred)
                .await?
        }
        _ => {
            return Err(ApiError::invalid(FieldErrors::from([(
                "scope".into(),
                "Choose mine or public".into(),
            )])));
        }
    };
    Ok(HttpResponse::Ok().json(json!({ "videos": videos })))
}

/// `GET /api/videos/{id}`.
pub async fn show(
    state: web::Data<AppState>,
    auth: MaybeBearer,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.view(id, auth.user_id()).await?))
}

/// `PATCH /api/videos/{id}` (JSON: any of `title`, `description`, `sign_language`,
/// `visibility`).
pub async fn update(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    let body = object(body.into_inner())?;
    let current = state.videos.get_owned(id, auth.user.id).await?;
    let mut errors = FieldErrors::new();
    let mut text = |name: &str, current: &str| -> String {
        match body.get(name) {
            None => current.to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                errors.insert(name.into(), "Must be a string".into());
                current.to_owned()
            }
        }
    };
    let title = text("title", &current.title);
    let description = text("description", &current.description);
    let sign_language = text("sign_language", &current.sign_language);
    let visibility = text("visibility", &current.visibility);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let default = SignLanguage::parse(&current.sign_language).unwrap_or_default();
    let details = VideoDetails::parse(
        Some(&title),
        Some(&description),
        Some(&sign_language),
        Some(&visibility),
        default,
    )
    .map_err(ApiError::invalid)?;
    Ok(HttpResponse::Ok().json(
        state
            .videos
            .update_details(id, auth.user.id, details)
            .await?,
    ))
}

/// `POST /api/videos/{id}/retry`: queue a failed video again (202).
pub async fn retry(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Accepted().json(state.videos.retry(id, auth.user.id).await?))
}

/// `DELETE /api/videos/{id}`: the video, its captions and all of its files.
pub async fn delete(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    state.videos.delete(id, auth.user.id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/videos/{id}/captions` (multipart `file`, `language`, `label`, `kind`).
pub async fn add_caption(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    // Check ownership before reading the body.
    state.videos.get_owned(id, auth.user.id).await?;
    let caption = read_caption_upload(payload, &state.videos, id, &auth.user).await?;
    Ok(HttpResponse::Created().json(caption))
}

/// `DELETE /api/videos/{id}/captions/{caption_id}`.
pub async fn delete_caption(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (id, caption) = path.into_inner();
    let id = video_id(&id)?;
    let caption: i32 = caption
        .parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "Caption not found"))?;
    state
        .videos
        .delete_caption(id, caption, auth.user.id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct TranscriptQuery {
    language: Option<String>,
}

/// `GET /api/videos/{id}/transcript?language=en`: the captions as plain text.
pub async fn transcript(
    state: web::Data<AppState>,
    auth: MaybeBearer,
    path: web::Path<String>,
    query: web::Query<TranscriptQuery>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    let found = state
        .videos
        .transcript(id, auth.user_id(), query.language.as_deref())
        .await?;
    match found {
        Some((caption, lines)) => Ok(HttpResponse::Ok().json(json!({
            "video_id": id,
            "caption": caption,
            "lines": lines,
        }))),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "This video has no captions yet, so there is no transcript",
        )),
    }
}

/// `GET /api/videos/{id}/feedback`.
pub async fn feedback(
    state: web::Data<AppState>,
    auth: MaybeBearer,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.feedback(id, auth.user_id()).await?))
}

/// `PUT /api/videos/{id}/feedback` (JSON `{"rating": "accurate" | "helpful" |
/// "inaccurate"}`): one rating per viewer, changed by sending another.
pub async fn rate(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    let body = object(body.into_inner())?;
    let rating = body
        .get("rating")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::missing_fields(&["rating"]))
        .and_then(|r| {
            Rating::parse(r)
                .map_err(|m| ApiError::invalid(FieldErrors::from([("rating".into(), m)])))
        })?;
    Ok(HttpResponse::Ok().json(state.videos.rate(id, auth.user.id, rating).await?))
}

/// `DELETE /api/videos/{id}/feedback`: withdraw the caller's rating.
pub async fn unrate(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.unrate(id, auth.user.id).await?))
}

/// `POST /api/videos/{id}/editions` (JSON `{"video_id": other}`): link two of the
/// caller's videos as editions of the same content in different sign languages.
pub async fn link_edition(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    let body = object(body.into_inner())?;
    let other = body
        .get("video_id")
        .ok_or_else(|| ApiError::missing_fields(&["video_id"]))?
        .as_i64()
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| {
            ApiError::invalid(FieldErrors::from([(
                "video_id".into(),
                "Must be the id of one of your videos".into(),
            )]))
        })?;
    Ok(HttpResponse::Ok().json(state.videos.link_edition(id, other, auth.user.id).await?))
}

/// `DELETE /api/videos/{id}/editions`: take the video out of its edition group.
pub async fn unlink_edition(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.unlink_edition(id, auth.user.id).await?))
}
