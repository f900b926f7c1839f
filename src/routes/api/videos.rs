//! `/api/videos`: upload, list, view, change and delete sign-language videos, their
//! captions, signed editions and feedback.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::docs::*;
use super::object;
use crate::auth::BearerAuth;
use crate::auth::extract::MaybeBearer;
use crate::domain::SignLanguage;
use crate::error::{ApiError, ErrorBody};
use crate::routes::video_forms::{read_caption_upload, read_video_upload};
use crate::state::AppState;
use crate::video::input::{FieldErrors, Rating, VideoDetails};
use crate::video::search::Search;
use crate::video::service::{AddedCaption, FeedbackSummary, Transcript, VideoList, VideoView};
use crate::video::views::TranscriptMatch;

type Result<T> = std::result::Result<T, ApiError>;

fn video_id(raw: &str) -> Result<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Video not found"))
}

/// `POST /api/videos` (multipart): 202 with the queued video.
#[utoipa::path(
    post,
    path = "/api/videos",
    tag = "videos",
    summary = "Upload a video",
    description = "Needs the `video` module. The video is queued for processing; poll `GET /api/videos/{id}` for its status.",
    request_body(content = VideoUploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued; `Location` names the new video", body = VideoView,
            headers(("Location" = String, description = "`/api/videos/{id}`"))),
        (status = 400, description = "The body is not readable multipart/form-data, or has unknown fields", body = ErrorBody,
            example = json!({"error": "Unexpected form field"})),
        (status = 403, description = "The account may not upload videos (no `video` module)", body = ErrorBody,
            example = json!({"error": "Your account cannot upload videos yet: it does not have the video module. Ask an administrator to grant it (pinkflow user grant <email> video)."})),
        (status = 413, description = "The file is larger than the upload limit, or than what is left of the account's storage quota (refused before the body is read when `Content-Length` says so; nothing is kept)", body = ErrorBody,
            example = json!({"error": "The video is too large. The largest file you can upload is 2048 MB."})),
        (status = 429, description = "The account made all the uploads it may make in a day (`VIDEO_UPLOADS_PER_DAY`)", body = ErrorBody,
            example = json!({"error": "You have uploaded 20 videos in the last day, the most you can upload in a day. Try again tomorrow."})),
        (status = 503, description = "Uploads are paused: free space is under `VIDEO_MIN_FREE_MB` (or the database is unavailable)", body = ErrorBody,
            example = json!({"error": "Uploads are paused because the server is low on storage space. Try again later."})),
        (status = 507, description = "The disk filled up while the file was received; nothing was kept", body = ErrorBody,
            example = json!({"error": "The server's storage is full, so your video could not be saved. Nothing was kept. Try again later."})),
        (status = 415, description = "The body is not multipart/form-data", body = ErrorBody,
            example = json!({"error": "Unsupported Media Type"})),
        (status = 422, description = "A field is missing or not valid, or the file is not a video", body = ErrorBody,
            example = json!({"error": "Some values are not valid", "fields": {"title": "Enter a title for the video"}})),
    )
)]
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

/// `GET /api/videos?scope=mine|public&…`: the caller's own videos (default; needs a
/// token) or a search of the public catalogue (anyone; the caller's sign language
/// first), a page at a time.
#[utoipa::path(
    get,
    path = "/api/videos",
    tag = "videos",
    summary = "List or search videos",
    description = "`scope=mine` (default) lists the caller's own videos and needs a token (only `sign_language` applies). `scope=public` searches the public catalogue, open to anyone: words in `q` (title, description and caption text; any text is accepted and searched as plain words) and combinable filters, `limit` videos a page (20 by default), the caller's sign language first. Follow `next` with `after=` and `prev` with `before=`; the page's URL is shareable.",
    params(
        ("scope" = Option<String>, Query, description = "`mine` (default) or `public`"),
        ("q" = Option<String>, Query, description = "Words to find (public scope)"),
        ("sign_language" = Option<String>, Query, description = "Only these sign languages: codes separated by commas, or the parameter repeated (empty: all)"),
        ("captions" = Option<String>, Query, description = "`any`, or a caption language code such as `en`: only videos with captions (or subtitles) in it"),
        ("signed" = Option<String>, Query, description = "`1`: only videos with another signed edition"),
        ("transcript" = Option<String>, Query, description = "`1`: only videos with a transcript"),
        ("length" = Option<String>, Query, description = "`under-1`, `1-5`, `5-20` or `over-20` minutes"),
        ("within" = Option<String>, Query, description = "Uploaded within the last `day`, `week`, `month` or `year`"),
        ("sort" = Option<String>, Query, description = "`relevance` (default with `q`), `newest` (default without) or `rating` (best-rated signing)"),
        ("after" = Option<String>, Query, description = "The `next` cursor of the previous page"),
        ("before" = Option<String>, Query, description = "The `prev` cursor of the following page"),
        ("limit" = Option<i64>, Query, description = "Videos per page, 1-100 (public scope; default 20)"),
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The videos (summaries: no captions or editions); for the public scope with the count and cursors", body = VideoList),
        (status = 400, description = "The query string cannot be read", body = ErrorBody,
            example = json!({"error": "Bad request"})),
        (status = 401, description = "`scope=mine` without a token, or the token is invalid", body = ErrorBody,
            example = json!({"error": "Token is missing"})),
        (status = 422, description = "Unknown scope, or a filter, sort, cursor or limit that is not valid", body = ErrorBody,
            example = json!({"error": "Some values are not valid", "fields": {"scope": "Choose mine or public"}})),
    )
)]
pub async fn list(
    state: web::Data<AppState>,
    auth: MaybeBearer,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse> {
    let pairs = query.into_inner();
    let scope = pairs
        .iter()
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.as_str())
        .unwrap_or("mine");
    match scope {
        "mine" => {
            // Every video of one's own comes at once, but a `limit` is still checked as
            // documented.
            let search = Search::parse(&pairs, true).map_err(ApiError::invalid)?;
            let user = auth
                .0
                .as_ref()
                .ok_or_else(|| ApiError::unauthorized("Token is missing"))?;
            let mut videos = state.videos.list_own(user.id).await?;
            if !search.sign_languages.is_empty() {
                videos.retain(|v| {
                    search
                        .sign_languages
                        .iter()
                        .any(|l| l.code() == v.sign_language)
                });
            }
            Ok(HttpResponse::Ok().json(VideoList {
                videos,
                ..VideoList::default()
            }))
        }
        "public" => {
            let search = Search::parse(&pairs, true).map_err(ApiError::invalid)?;
            let preferred = auth.0.as_ref().map(|u| u.preferences().sign_language);
            let page = state
                .videos
                .search(&search, preferred, auth.user_id())
                .await?;
            let matches = page
                .hits
                .iter()
                .filter_map(|h| {
                    let cue = h.cue.as_ref()?;
                    Some(TranscriptMatch {
                        video_id: h.video.id,
                        start_seconds: cue.start_seconds,
                        start: cue.start.clone(),
                        track: cue.track.clone(),
                        text: cue.text.iter().map(|(t, _)| t.as_str()).collect(),
                    })
                })
                .collect();
            Ok(HttpResponse::Ok().json(VideoList {
                videos: page.hits.iter().map(|h| h.video.clone()).collect(),
                count: Some(page.count),
                count_estimated: Some(page.estimated),
                next: page.next.clone(),
                prev: page.prev.clone(),
                matches,
            }))
        }
        _ => Err(ApiError::invalid(FieldErrors::from([(
            "scope".into(),
            "Choose mine or public".into(),
        )]))),
    }
}

/// `GET /api/videos/{id}`.
#[utoipa::path(
    get,
    path = "/api/videos/{id}",
    tag = "videos",
    summary = "One video",
    description = "Public videos for anyone; private ones for their owner only. The token is optional.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The video, with its captions and editions", body = VideoView),
        VideoNotFound,
    )
)]
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
#[utoipa::path(
    patch,
    path = "/api/videos/{id}",
    tag = "videos",
    summary = "Change a video's details",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    request_body = VideoUpdateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed video", body = VideoView),
        NotVideoOwner,
        VideoNotFound,
    )
)]
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
    let visibility = text("visibility", current.visibility.as_str());
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
#[utoipa::path(
    post,
    path = "/api/videos/{id}/retry",
    tag = "videos",
    summary = "Process a failed video again",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Queued again", body = VideoView),
        NotVideoOwner,
        VideoNotFound,
        (status = 409, description = "The video has not failed", body = ErrorBody,
            example = json!({"error": "Only a video whose processing failed can be tried again."})),
    )
)]
pub async fn retry(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Accepted().json(state.videos.retry(id, auth.user.id).await?))
}

/// `DELETE /api/videos/{id}`: the video, its captions and all of its files.
#[utoipa::path(
    delete,
    path = "/api/videos/{id}",
    tag = "videos",
    summary = "Delete a video",
    description = "The video, its captions and all of its files.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        NotVideoOwner,
        VideoNotFound,
    )
)]
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
#[utoipa::path(
    post,
    path = "/api/videos/{id}/captions",
    tag = "videos",
    summary = "Add a caption track",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    request_body(content = CaptionUploadForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The caption track, with what the import skipped or changed", body = AddedCaption),
        (status = 400, description = "The body is not readable multipart/form-data, or has unknown fields", body = ErrorBody,
            example = json!({"error": "Unexpected form field"})),
        NotVideoOwner,
        VideoNotFound,
        (status = 413, description = "The caption file is larger than CAPTION_MAX_BYTES (2 MB by default); nothing is stored", body = ErrorBody,
            example = json!({"error": "The caption file is larger than 2 MB, the largest caption file you can add.", "fields": {"file": "The caption file is larger than 2 MB, the largest caption file you can add."}})),
        (status = 415, description = "The body is not multipart/form-data", body = ErrorBody,
            example = json!({"error": "Unsupported Media Type"})),
        (status = 422, description = "A field is missing or not valid, or the file is not WebVTT, SubRip or SBV (the message names the line), has more than 20,000 cues or a cue longer than 1,000 characters", body = ErrorBody,
            example = json!({"error": "Some values are not valid", "fields": {"language": "Enter a language tag such as en or en-GB"}})),
    )
)]
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
#[utoipa::path(
    delete,
    path = "/api/videos/{id}/captions/{caption_id}",
    tag = "videos",
    summary = "Delete a caption track",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"), ("caption_id" = i32, Path, description = "The caption track's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        NotVideoOwner,
        (status = 404, description = "No such video or caption track", body = ErrorBody,
            example = json!({"error": "Caption not found"})),
    )
)]
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
#[utoipa::path(
    get,
    path = "/api/videos/{id}/transcript",
    tag = "videos",
    summary = "A video's transcript",
    description = "The captions as plain text: the track in `language` when there is one (`en` matches `en-GB`), else the first. The token is optional.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id"), ("language" = Option<String>, Query, description = "A BCP 47 language tag")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The transcript", body = Transcript),
        (status = 400, description = "The query string cannot be read", body = ErrorBody,
            example = json!({"error": "Bad request"})),
        (status = 404, description = "No such video (visible to the caller), or it has no captions", body = ErrorBody,
            example = json!({"error": "This video has no captions yet, so there is no transcript"})),
    )
)]
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
        Some(transcript) => Ok(HttpResponse::Ok().json(transcript)),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "This video has no captions yet, so there is no transcript",
        )),
    }
}

/// `GET /api/videos/{id}/feedback`.
#[utoipa::path(
    get,
    path = "/api/videos/{id}/feedback",
    tag = "videos",
    summary = "Ratings of a video's signing",
    description = "The token is optional; with one, `mine` is the caller's rating.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The ratings", body = FeedbackSummary),
        VideoNotFound,
    )
)]
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
#[utoipa::path(
    put,
    path = "/api/videos/{id}/feedback",
    tag = "videos",
    summary = "Rate a video's signing",
    description = "One rating per viewer; sending another replaces it.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    request_body = RatingRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ratings", body = FeedbackSummary),
        (status = 409, description = "The video has not been processed yet", body = ErrorBody,
            example = json!({"error": "The video can be rated once it has been processed."})),
        VideoNotFound,
    )
)]
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
#[utoipa::path(
    delete,
    path = "/api/videos/{id}/feedback",
    tag = "videos",
    summary = "Withdraw the caller's rating",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The ratings", body = FeedbackSummary),
        VideoNotFound,
    )
)]
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
#[utoipa::path(
    post,
    path = "/api/videos/{id}/editions",
    tag = "videos",
    summary = "Link two videos as editions",
    description = "Link two of the caller's videos as editions of the same content in different sign languages.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    request_body = EditionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The video, with its editions", body = VideoView),
        NotVideoOwner,
        VideoNotFound,
        (status = 409, description = "The group would have two editions in the same sign language", body = ErrorBody,
            example = json!({"error": "These videos cannot be linked: the group would have two editions in the same sign language."})),
        (status = 422, description = "`video_id` is not one of the caller's other videos", body = ErrorBody,
            example = json!({"error": "Some values are not valid", "fields": {"video_id": "Choose one of your own videos"}})),
    )
)]
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
#[utoipa::path(
    delete,
    path = "/api/videos/{id}/editions",
    tag = "videos",
    summary = "Take a video out of its edition group",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The video, without editions", body = VideoView),
        NotVideoOwner,
        VideoNotFound,
    )
)]
pub async fn unlink_edition(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse> {
    let id = video_id(&path)?;
    Ok(HttpResponse::Ok().json(state.videos.unlink_edition(id, auth.user.id).await?))
}
