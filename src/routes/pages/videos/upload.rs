//! `/videos/new` and `POST /videos`: the upload form. The file is streamed to disk by
//! [`video_forms`]; a refused upload shows the form again with the person's answers
//! and an error summary.
//!
//! [`video_forms`]: crate::routes::video_forms

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{DETAILS_FIELDS, DetailsForm, field_errors, languages, page_error};
use crate::models::User;
use crate::render::{Errors, Page, PageCtx, View};
use crate::routes::pages::{SignedIn, see_other};
use crate::routes::video_forms::{UploadAnswers, read_video_upload_answers};
use crate::state::AppState;
use crate::video::input::VIDEO_EXTENSIONS;
use crate::video::{VideoError, VideoService};
use crate::web::csrf;
use crate::web::errors::PageError;
use crate::web::session;

/// The guard's refusal when the hidden CSRF field does not match.
const CSRF_REFUSED: &str = "csrf";

#[derive(Template)]
#[template(path = "pages/videos/new.html")]
struct NewContent<'a> {
    v: &'a View,
    errors: &'a Errors,
    csrf_token: &'a str,
    form: &'a DetailsForm,
    languages: Vec<(&'static str, &'static str, bool)>,
    accept: String,
    max_mb: u64,
    /// Why this person cannot upload, instead of the form.
    refused: Option<String>,
    /// "1.2 GB of 2 GB" (storage used of the quota) and uploads left today.
    usage: Option<(String, u64)>,
}

impl DetailsForm {
    /// An empty upload form: private, in the person's sign language.
    fn blank(v: &View) -> Self {
        DetailsForm {
            title: String::new(),
            description: String::new(),
            sign_language: v.sign_language().to_owned(),
            visibility: "private".into(),
        }
    }

    /// The answers of a refused upload (the file itself cannot be kept).
    fn sent(v: &View, answers: UploadAnswers) -> Self {
        DetailsForm {
            title: answers.title.unwrap_or_default(),
            description: answers.description.unwrap_or_default(),
            sign_language: answers
                .sign_language
                .unwrap_or_else(|| v.sign_language().to_owned()),
            visibility: answers.visibility.unwrap_or_else(|| "private".into()),
        }
    }
}

fn accept_list() -> String {
    let mut types: Vec<String> = VIDEO_EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
    types.extend(
        [
            "video/mp4",
            "video/quicktime",
            "video/webm",
            "video/x-msvideo",
            "video/x-matroska",
        ]
        .map(String::from),
    );
    types.join(",")
}

async fn render_new(
    ctx: &PageCtx,
    page: Page,
    videos: &VideoService,
    user: &User,
    errors: &Errors,
    form: &DetailsForm,
) -> Result<HttpResponse, PageError> {
    let token = ctx.csrf_token()?;
    let refused = match videos.check_can_upload(user) {
        Err(VideoError::Forbidden(message)) => Some(message),
        _ => None,
    };
    let page = if refused.is_some() {
        page.status(StatusCode::FORBIDDEN)
    } else {
        page
    };
    let usage =
        crate::moderation::quota::usage(videos.db(), &videos.settings().quota, user).await?;
    ctx.render(
        page,
        &NewContent {
            v: &ctx.view,
            errors,
            csrf_token: &token,
            form,
            languages: languages(&form.sign_language),
            accept: accept_list(),
            max_mb: videos.max_upload_mb(),
            refused,
            usage: Some((usage.describe(), usage.uploads_left())),
        },
    )
}

/// `GET /videos/new`
pub async fn new(
    state: web::Data<AppState>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let form = DetailsForm::blank(&ctx.view);
    let title = if state.videos.check_can_upload(&user).is_ok() {
        ctx.view.t("upload.heading")
    } else {
        ctx.view.t("upload.no_module")
    };
    render_new(
        &ctx,
        Page::new(title),
        &state.videos,
        &user,
        &Errors::default(),
        &form,
    )
    .await
}

/// Field errors of an upload in page order, anchored to their inputs.
fn upload_errors(v: &View, e: &VideoError) -> Option<Errors> {
    let file_error = |message: String| {
        let mut errors = Errors::default();
        errors.add("file", "file", message);
        errors
    };
    match e {
        VideoError::Invalid(found) => Some(field_errors(
            v,
            found,
            DETAILS_FIELDS.iter().chain(&[("file", "file")]),
        )),
        VideoError::NotAVideo(message) => Some(file_error(v.err(message))),
        VideoError::TooLarge { .. }
        | VideoError::OverQuota(_)
        | VideoError::DailyUploadLimit(_)
        | VideoError::StorageFull
        | VideoError::LowDiskSpace => Some(file_error(v.err(&e.to_string()))),
        _ => None,
    }
}

/// `POST /videos` (multipart; the CSRF token is checked from the query string by the
/// middleware and again from the hidden field, which comes before the file).
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: Multipart,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let expected = session::csrf_token(&ctx.session).unwrap_or_default();
    let mut answers = UploadAnswers::default();
    let result = read_video_upload_answers(
        &req,
        payload,
        &state.videos,
        &user,
        |extra| {
            let given = extra.get(csrf::FIELD).map_or("", String::as_str);
            if csrf::tokens_match(&expected, given) {
                Ok(())
            } else {
                Err(VideoError::Forbidden(CSRF_REFUSED.into()))
            }
        },
        &mut answers,
    )
    .await;
    match result {
        Ok(video) => {
            session::set_flash(&ctx.session, ctx.view.t("upload.done"))
                .map_err(PageError::internal)?;
            Ok(see_other(&ctx, &format!("/videos/{}", video.id)))
        }
        Err(VideoError::Forbidden(message)) if message == CSRF_REFUSED => Err(PageError::csrf()),
        Err(VideoError::Forbidden(_)) => {
            let page = Page::new(ctx.view.t("upload.no_module"));
            let form = DetailsForm::blank(&ctx.view);
            render_new(&ctx, page, &state.videos, &user, &Errors::default(), &form).await
        }
        Err(e) => {
            let Some(errors) = upload_errors(&ctx.view, &e) else {
                return Err(page_error(e));
            };
            let form = DetailsForm::sent(&ctx.view, answers);
            let status = match e {
                VideoError::TooLarge { .. } | VideoError::OverQuota(_) => {
                    StatusCode::PAYLOAD_TOO_LARGE
                }
                VideoError::DailyUploadLimit(_) => StatusCode::TOO_MANY_REQUESTS,
                VideoError::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
                VideoError::LowDiskSpace => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let page = Page::new(ctx.view.t("upload.heading"))
                .invalid()
                .status(status);
            render_new(&ctx, page, &state.videos, &user, &errors, &form).await
        }
    }
}
