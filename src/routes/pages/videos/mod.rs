//! The video pages, one module per screen: [`list`] (`/videos`, my videos with live
//! processing status), [`upload`] (`/videos/new`), [`show`] (`/videos/{id}`: player,
//! transcript, status panel and the player's load-time beacon) with its [`feedback`]
//! form, [`edit`] (the owner's changes: details, captions, delete, try again), the
//! caption editor ([`captions`]) with its track's earlier versions ([`revisions`]) and
//! [`catalogue`] (public videos). Handlers call [`VideoService`] and hand the result to
//! the renderer; everything works without JavaScript. This module registers the routes
//! and holds what several screens share.
//!
//! [`VideoService`]: crate::video::VideoService

mod captions;
mod catalogue;
mod edit;
mod feedback;
mod list;
mod player;
mod revisions;
mod show;
mod upload;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

use crate::domain::VideoStatus;
use crate::models::Video;
use crate::render::{Errors, LiveRegions, View};
use crate::state::AppState;
use crate::video::VideoError;
use crate::video::input::FieldErrors;
use crate::video::service::Alternatives;
use crate::web::errors::PageError;

/// The video routes, in matching order (`/videos/new` and `/videos/rows` before
/// `/videos/{id}`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/videos")
            .route(web::get().to(list::list))
            .route(web::post().to(upload::upload)),
    )
    .route("/videos/new", web::get().to(upload::new))
    .route("/videos/rows", web::get().to(list::rows))
    .route("/videos/{id}", web::get().to(show::show))
    .route("/videos/{id}/status", web::get().to(show::status))
    .route("/videos/{id}/feedback", web::post().to(feedback::feedback))
    .route("/videos/{id}/load-time", web::post().to(show::load_time))
    .route("/videos/{id}/captions", web::post().to(edit::add_captions))
    .route("/videos/{id}/retry", web::post().to(edit::retry))
    .service(
        web::resource("/videos/{id}/captions/{caption_id}/edit")
            .app_data(crate::routes::pages::form_config_with(
                captions::EDITOR_FORM_LIMIT,
            ))
            .route(web::get().to(captions::edit))
            .route(web::post().to(captions::update)),
    )
    .route(
        "/videos/{id}/captions/{caption_id}/shift",
        web::post().to(captions::shift),
    )
    .route(
        "/videos/{id}/captions/{caption_id}/revisions",
        web::get().to(revisions::list),
    )
    .route(
        "/videos/{id}/captions/{caption_id}/revisions/{revision_id}",
        web::get().to(revisions::show),
    )
    .route(
        "/videos/{id}/captions/{caption_id}/revisions/{revision_id}/restore",
        web::post().to(revisions::restore),
    )
    .service(
        web::resource("/videos/{id}/edit")
            .route(web::get().to(edit::edit))
            .route(web::post().to(edit::update)),
    )
    .service(
        web::resource("/videos/{id}/delete")
            .route(web::get().to(edit::confirm_delete))
            .route(web::post().to(edit::delete)),
    )
    .route("/catalogue", web::get().to(catalogue::catalogue));
}

/// A video's status in this person's words.
fn status_text(v: &View, status: VideoStatus) -> &'static str {
    v.t(match status {
        VideoStatus::Uploaded => "status.uploaded",
        VideoStatus::Queued => "status.queued",
        VideoStatus::Processing => "status.processing",
        VideoStatus::Ready => "status.ready",
        VideoStatus::Failed => "status.failed",
    })
}

/// Errors of the video service as page errors (validation is handled by each form).
fn page_error(e: VideoError) -> PageError {
    match e {
        VideoError::NotFound | VideoError::TrackNotFound | VideoError::RevisionNotFound => {
            PageError::not_found()
        }
        VideoError::Forbidden(_) => PageError::new(StatusCode::FORBIDDEN),
        VideoError::Conflict(_) => PageError::new(StatusCode::CONFLICT),
        VideoError::TooLarge { .. } | VideoError::OverQuota(_) => {
            PageError::new(StatusCode::PAYLOAD_TOO_LARGE)
        }
        VideoError::DailyUploadLimit(_) => PageError::new(StatusCode::TOO_MANY_REQUESTS),
        VideoError::StorageFull => PageError::new(StatusCode::INSUFFICIENT_STORAGE),
        VideoError::LowDiskSpace => PageError::new(StatusCode::SERVICE_UNAVAILABLE),
        VideoError::Malformed(_) => PageError::new(StatusCode::BAD_REQUEST),
        VideoError::Db(db) => db.into(),
        other => PageError::internal(other),
    }
}

fn video_id(raw: &str) -> Result<i32, PageError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(PageError::not_found)
}

/// The video `raw_id` names, if `user_id` owns it; anyone else gets the same 404 as for a
/// private video.
async fn owned_video(state: &AppState, raw_id: &str, user_id: i32) -> Result<Video, PageError> {
    let id = video_id(raw_id)?;
    state
        .videos
        .get_owned(id, user_id)
        .await
        .map_err(page_error)
}

/// Sign languages as (code, name, selected) for a select list or radio group.
fn languages(selected: &str) -> Vec<(&'static str, &'static str, bool)> {
    crate::render::sign_languages()
        .map(|(code, name)| (code, name, code.eq_ignore_ascii_case(selected)))
        .collect()
}

/// The answers of a video's details fields (`details_fields.html`), on the upload and
/// edit forms.
struct DetailsForm {
    title: String,
    description: String,
    sign_language: String,
    visibility: String,
}

/// The details fields in page order, each with the input its error links to.
const DETAILS_FIELDS: [(&str, &str); 4] = [
    ("title", "title"),
    ("description", "description"),
    ("sign_language", "sign_language"),
    ("visibility", "visibility-private"),
];

/// The errors `found` for `fields` (name, anchor), in that order, at this person's
/// reading level.
fn field_errors<'a>(
    v: &View,
    found: &FieldErrors,
    fields: impl IntoIterator<Item = &'a (&'a str, &'a str)>,
) -> Errors {
    let mut errors = Errors::default();
    for (name, anchor) in fields {
        if let Some(message) = found.get(*name) {
            errors.add(name, anchor, v.err(message));
        }
    }
    errors
}

/// What the status polls of the list and of a video page last showed.
#[derive(serde::Deserialize)]
pub struct SeenQuery {
    #[serde(default)]
    seen: String,
}

/// An htmx fragment that is not a page (no title, no chrome), with its live-region
/// updates.
fn fragment(mut body: String, live: LiveRegions) -> Result<HttpResponse, PageError> {
    live.append_to(&mut body)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "HX-Request"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// What a video offers besides the picture, as the phrases its page and catalogue
/// entry show before anyone presses play: "Captions: English, French", "Signed: BSL,
/// ASL", "Transcript".
pub(super) fn alternatives_text(v: &View, a: &Alternatives) -> Vec<String> {
    let mut out = Vec::new();
    let mut list = |key: &str, items: &[String]| {
        if !items.is_empty() {
            out.push(format!("{}: {}", v.t(key), items.join(", ")));
        }
    };
    list("alt.captions", &a.captions);
    list("alt.subtitles", &a.subtitles);
    list("alt.descriptions", &a.descriptions);
    list("alt.signed", &a.signed);
    if a.transcript {
        out.push(v.t("alt.transcript").to_owned());
    }
    if a.chapters {
        out.push(v.t("alt.chapters").to_owned());
    }
    out
}
