//! The owner's changes to a video: its details (`/videos/{id}/edit`), caption tracks
//! (`POST /videos/{id}/captions`, from the watch page), deleting it after a confirmation
//! step (`/videos/{id}/delete`) and trying a failed job again (`POST /videos/{id}/retry`).
//! Anyone but the owner gets the same 404 as for a private video.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::show::{CaptionAnswers, ShowForms, render_refused_status};
use super::{
    DETAILS_FIELDS, DetailsForm, field_errors, languages, owned_video, page_error, video_id,
};
use crate::render::{Errors, Page, PageCtx, View};
use crate::routes::pages::{FormFields, SignedIn, field, see_other};
use crate::routes::video_forms::{self, read_caption_upload_answers};
use crate::state::AppState;
use crate::video::VideoError;
use crate::video::input::VideoDetails;
use crate::web::errors::PageError;
use crate::web::session;

#[derive(Template)]
#[template(path = "pages/videos/edit.html")]
struct EditContent<'a> {
    v: &'a View,
    id: i32,
    errors: &'a Errors,
    csrf_token: &'a str,
    form: &'a DetailsForm,
    languages: Vec<(&'static str, &'static str, bool)>,
}

fn render_edit(
    ctx: &PageCtx,
    page: Page,
    id: i32,
    errors: &Errors,
    form: &DetailsForm,
) -> Result<HttpResponse, PageError> {
    let token = ctx.csrf_token()?;
    ctx.render(
        page,
        &EditContent {
            v: &ctx.view,
            id,
            errors,
            csrf_token: &token,
            form,
            languages: languages(&form.sign_language),
        },
    )
}

/// `GET /videos/{id}/edit`
pub async fn edit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let video = owned_video(&state, &path, user.id).await?;
    let id = video.id;
    let form = DetailsForm {
        title: video.title,
        description: video.description,
        sign_language: video.sign_language,
        visibility: video.visibility.as_str().to_owned(),
    };
    render_edit(
        &ctx,
        Page::new(ctx.view.t("video.edit")),
        id,
        &Errors::default(),
        &form,
    )
}

/// `POST /videos/{id}/edit`
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = owned_video(&state, &path, user.id).await?.id;
    let get = |name: &str| form.get(name).map(String::as_str);
    match VideoDetails::parse(
        get("title"),
        get("description"),
        get("sign_language"),
        get("visibility"),
        user.preferences().sign_language,
    ) {
        Ok(details) => {
            state
                .videos
                .update_details(id, user.id, details)
                .await
                .map_err(page_error)?;
            session::set_flash(&ctx.session, ctx.view.t("video.edit.saved"))
                .map_err(PageError::internal)?;
            Ok(see_other(&ctx, &format!("/videos/{id}")))
        }
        Err(found) => {
            let errors = field_errors(&ctx.view, &found, &DETAILS_FIELDS);
            let answers = DetailsForm {
                title: field(&form, "title").to_owned(),
                description: field(&form, "description").to_owned(),
                sign_language: field(&form, "sign_language").to_owned(),
                visibility: field(&form, "visibility").to_owned(),
            };
            render_edit(
                &ctx,
                Page::new(ctx.view.t("video.edit")).invalid(),
                id,
                &errors,
                &answers,
            )
        }
    }
}

/// The caption form's fields in page order, each with the input its error links to.
const CAPTION_FIELDS: [(&str, &str); 4] = [
    ("file", "caption-file"),
    ("language", "caption-language"),
    ("label", "caption-label"),
    ("kind", "caption-kind"),
];

/// `POST /videos/{id}/captions` (multipart, CSRF token in the query string). A refused
/// track shows the watch page again with the caption form's errors and answers.
pub async fn add_captions(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    // Only the owner gets this far; others see the same 404 as for a private video.
    let id = owned_video(&state, &path, user.id).await?.id;
    let mut answers = video_forms::CaptionAnswers::default();
    match read_caption_upload_answers(payload, &state.videos, id, &user, &mut answers).await {
        Ok(added) => {
            let message = added_message(&ctx.view, &added.warnings);
            session::set_flash(&ctx.session, &message).map_err(PageError::internal)?;
            Ok(see_other(&ctx, &format!("/videos/{id}")))
        }
        Err(e) => {
            let mut status = StatusCode::UNPROCESSABLE_ENTITY;
            let errors = match &e {
                VideoError::Invalid(found) => field_errors(&ctx.view, found, &CAPTION_FIELDS),
                VideoError::BadCaptions(_) | VideoError::CaptionTooLarge { .. } => {
                    if matches!(e, VideoError::CaptionTooLarge { .. }) {
                        status = StatusCode::PAYLOAD_TOO_LARGE;
                    }
                    let mut errors = Errors::default();
                    errors.add("file", "caption-file", e.to_string());
                    errors
                }
                _ => return Err(page_error(e)),
            };
            let caption = CaptionAnswers {
                language: answers.language.unwrap_or_default(),
                label: answers.label.unwrap_or_default(),
                kind: answers.kind.unwrap_or_default(),
            };
            let forms = ShowForms {
                errors,
                caption,
                feedback_error: None,
            };
            render_refused_status(&ctx, &req, &state, id, &forms, status).await
        }
    }
}

/// Most warnings the notice after an upload lists.
const SHOWN_WARNINGS: usize = 8;
/// Longest notice in bytes: it travels hex-encoded in the flash cookie (about 4 KB).
const NOTICE_MAX_BYTES: usize = 1500;

/// "The captions were added." and, when the import skipped or changed something, the
/// warnings (at most [`SHOWN_WARNINGS`] within [`NOTICE_MAX_BYTES`], then how many more).
fn added_message(v: &View, warnings: &[String]) -> String {
    let mut message = v.t("video.captions.added").to_owned();
    if warnings.is_empty() {
        return message;
    }
    message.push(' ');
    message.push_str(v.t("video.captions.warnings"));
    let mut shown = 0;
    for w in warnings.iter().take(SHOWN_WARNINGS) {
        if message.len() + w.len() + 2 > NOTICE_MAX_BYTES {
            break;
        }
        message.push(' ');
        message.push_str(w);
        if !w.ends_with('.') {
            message.push('.');
        }
        shown += 1;
    }
    if warnings.len() > shown {
        message.push_str(&format!(
            " {} {}",
            warnings.len() - shown,
            v.t("video.captions.more_warnings")
        ));
    }
    message
}

#[derive(Template)]
#[template(path = "pages/videos/delete.html")]
struct DeleteContent<'a> {
    v: &'a View,
    id: i32,
    title: &'a str,
    csrf_token: &'a str,
}

/// `GET /videos/{id}/delete`: the confirmation step (works without JavaScript).
pub async fn confirm_delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let video = owned_video(&state, &path, user.id).await?;
    let token = ctx.csrf_token()?;
    ctx.render(
        Page::new(ctx.view.t("video.delete.heading")),
        &DeleteContent {
            v: &ctx.view,
            id: video.id,
            title: &video.title,
            csrf_token: &token,
        },
    )
}

/// `POST /videos/{id}/delete`
pub async fn delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    state.videos.delete(id, user.id).await.map_err(page_error)?;
    session::set_flash(&ctx.session, ctx.view.t("video.deleted")).map_err(PageError::internal)?;
    Ok(see_other(&ctx, "/videos"))
}

/// `POST /videos/{id}/retry` (`next=video` returns to the video page, else the list).
pub async fn retry(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    state.videos.retry(id, user.id).await.map_err(page_error)?;
    session::set_flash(&ctx.session, ctx.view.t("videos.retried")).map_err(PageError::internal)?;
    let back = match field(&form, "next") {
        "video" => format!("/videos/{id}"),
        _ => "/videos".to_owned(),
    };
    Ok(see_other(&ctx, &back))
}
