//! `/media/videos/…`: the processed MP4, the poster and caption tracks, with HTTP
//! Range support (seeking) from actix-files, and each track's transcript to download
//! (`transcripts/{caption}.txt` or `.vtt`, as an attachment), only for those allowed
//! to see them.
//!
//! Viewers are identified by a Bearer token (API clients) or, failing that, by the
//! browser session (a page's `<video src>` sends cookies, not Authorization headers),
//! and go through the same `VideoService` checks.

use actix_files::NamedFile;
use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, ContentDisposition, DispositionParam,
    DispositionType, HeaderValue,
};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::extract::MaybeBearer;
use crate::error::ApiError;
use crate::state::AppState;
use crate::video::service::{MediaFile, transcript_file_name};
use crate::web::session;

/// Who is asking for media: the one place that turns a request into a viewer id.
/// A Bearer token when the request has one, else the signed-in browser session.
pub struct Viewer(pub Option<i32>);

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bearer = MaybeBearer::from_request(req, payload);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let session = req.get_session();
        let claim = state
            .as_ref()
            .and_then(|state| session::claim(&session, state.settings.session.absolute_timeout));
        Box::pin(async move {
            if let Some(id) = bearer.await?.user_id() {
                return Ok(Viewer(Some(id)));
            }
            // A suspended account's sessions (and those revoked since), sessions from
            // before a password change or reset, and sessions signed out from another
            // device see nothing more than anyone else.
            let viewer = match (claim, state) {
                (Some(claim), Some(state)) => session::check(&state.auth, &claim)
                    .await
                    .map_err(ApiError::from)?
                    .map(|u| u.id),
                _ => None,
            };
            Ok(Viewer(viewer))
        })
    }
}

fn id(raw: &str) -> Result<i32, ApiError> {
    raw.parse::<i32>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))
}

fn cache_policy(public: bool) -> HeaderValue {
    HeaderValue::from_static(if public {
        "public, max-age=3600"
    } else {
        "private, max-age=0, must-revalidate"
    })
}

fn attachment(file_name: String) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(file_name)],
    }
}

/// The header that hands a checked file to the proxy (nginx) to send.
const X_ACCEL_REDIRECT: &str = "x-accel-redirect";

/// Send `file` with ranges, its content type and a cache policy fitting who may see it;
/// with `MEDIA_X_ACCEL_PREFIX` set, only the headers and `X-Accel-Redirect`, no body:
/// the proxy sends the bytes (and answers ranges) from its internal location.
pub async fn send(
    state: &AppState,
    req: &HttpRequest,
    file: MediaFile,
) -> Result<HttpResponse, ApiError> {
    if let Some(prefix) = &state.settings.video.x_accel_prefix {
        return accel_redirect(prefix, file).await;
    }
    send_here(req, file).await
}

/// Send `file` from this process (ranges by actix-files), whatever the settings.
async fn send_here(req: &HttpRequest, file: MediaFile) -> Result<HttpResponse, ApiError> {
    let named = NamedFile::open_async(&file.path)
        .await
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "Not found"))?;
    let mime: mime::Mime = file
        .content_type
        .parse()
        .map_err(|e: mime::FromStrError| ApiError::internal(anyhow::anyhow!(e)))?;
    let mut response = named
        .set_content_type(mime)
        .disable_content_disposition()
        .into_response(req);
    response
        .headers_mut()
        .insert(CACHE_CONTROL, cache_policy(file.public));
    Ok(response)
}

async fn accel_redirect(prefix: &str, file: MediaFile) -> Result<HttpResponse, ApiError> {
    let is_file = tokio::fs::metadata(&file.path)
        .await
        .is_ok_and(|meta| meta.is_file());
    if !is_file {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Not found"));
    }
    let target = HeaderValue::from_str(&format!("{prefix}{}", file.key))
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, file.content_type))
        .insert_header((CACHE_CONTROL, cache_policy(file.public)))
        .insert_header((X_ACCEL_REDIRECT, target))
        .finish())
}

pub async fn video(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = state.videos.video_file(id(&path)?, viewer.0).await?;
    send(&state, &req, file).await
}

pub async fn poster(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = state.videos.poster_file(id(&path)?, viewer.0).await?;
    send(&state, &req, file).await
}

pub async fn caption(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (video_id, caption) = path.into_inner();
    let caption_id = caption
        .strip_suffix(".vtt")
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))?;
    let file = state
        .videos
        .caption_file(id(&video_id)?, id(caption_id)?, viewer.0)
        .await?;
    send(&state, &req, file).await
}

/// `GET /media/videos/{id}/transcripts/{caption}.txt|.vtt`: one track's transcript to
/// download, as plain text or as the WebVTT file itself.
pub async fn transcript(
    state: web::Data<AppState>,
    viewer: Viewer,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (video_id, file) = path.into_inner();
    let video_id = id(&video_id)?;
    if let Some(caption) = file.strip_suffix(".txt") {
        let download = state
            .videos
            .transcript_text(video_id, id(caption)?, viewer.0)
            .await?;
        return Ok(HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
            .insert_header((CACHE_CONTROL, cache_policy(download.public)))
            .insert_header(attachment(format!("{}.txt", download.file_name)))
            .body(download.text));
    }
    let caption_id = file
        .strip_suffix(".vtt")
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))
        .and_then(id)?;
    let watch = state.videos.watch(video_id, viewer.0).await?;
    let language = watch
        .video()
        .captions
        .iter()
        .find(|c| c.id == caption_id)
        .map(|c| c.language.clone())
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))?;
    let file = state
        .videos
        .caption_file(video_id, caption_id, viewer.0)
        .await?;
    // A download (an attachment, a few kilobytes): always sent from here, so its
    // Content-Disposition cannot be lost on the way through a proxy's internal redirect.
    let mut response = send_here(&req, file).await?;
    let name = format!("{}.vtt", transcript_file_name(video_id, &language));
    if let Ok(value) = HeaderValue::from_str(&attachment(name).to_string()) {
        response.headers_mut().insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/media/videos/{id}")
            .route("/video.mp4", web::get().to(video))
            .route("/video.mp4", web::head().to(video))
            .route("/poster.jpg", web::get().to(poster))
            .route("/poster.jpg", web::head().to(poster))
            .route("/captions/{caption}", web::get().to(caption))
            .route("/captions/{caption}", web::head().to(caption))
            .route("/transcripts/{file}", web::get().to(transcript)),
    );
}
