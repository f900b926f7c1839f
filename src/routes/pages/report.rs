//! `GET/POST /videos/{id}/report`: a signed-in viewer reports a video to the
//! moderators, with a reason and optional text. The reporter is sent back to the video
//! with "Report received"; a problem (no reason, reporting twice, too many reports) is
//! shown in the error summary, with the answers kept.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{FormFields, SignedIn, field, see_other};
use crate::domain::ReportReason;
use crate::models::User;
use crate::moderation::ModerationError;
use crate::render::{Errors, Page, PageCtx, View};
use crate::routes::api::moderation::service;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

#[derive(Template)]
#[template(path = "pages/moderation/report.html")]
struct ReportContent<'a> {
    v: &'a View,
    id: i32,
    title: &'a str,
    reasons: Vec<(&'static str, &'static str, bool)>,
    details: &'a str,
    csrf_token: &'a str,
    errors: &'a Errors,
}

fn video_id(raw: &str) -> Result<i32, PageError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(PageError::not_found)
}

pub(super) fn page_error(e: ModerationError) -> PageError {
    match e {
        ModerationError::NotFound => PageError::not_found(),
        ModerationError::Forbidden(_) => PageError::new(StatusCode::FORBIDDEN),
        ModerationError::Db(db) => db.into(),
        _ => PageError::new(StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// The reason's copy key.
fn reason_key(r: ReportReason) -> &'static str {
    match r {
        ReportReason::WrongLanguage => "report.reason.wrong_language",
        ReportReason::Inaccurate => "report.reason.inaccurate",
        ReportReason::Inappropriate => "report.reason.inappropriate",
        ReportReason::Copyright => "report.reason.copyright",
        ReportReason::Other => "report.reason.other",
    }
}

/// A reason as this person reads it.
pub(super) fn reason_label(v: &View, raw: &str) -> &'static str {
    ReportReason::parse(raw).map_or("", |r| v.t(reason_key(r)))
}

fn render(
    ctx: &PageCtx,
    page: Page,
    id: i32,
    title: &str,
    chosen: &str,
    details: &str,
    errors: &Errors,
) -> Result<HttpResponse, PageError> {
    let token = ctx.csrf_token()?;
    let v = &ctx.view;
    let content = ReportContent {
        v,
        id,
        title,
        reasons: ReportReason::ALL
            .iter()
            .map(|r| (r.as_str(), v.t(reason_key(*r)), r.as_str() == chosen))
            .collect(),
        details,
        csrf_token: &token,
        errors,
    };
    ctx.render(page, &content)
}

async fn reportable(state: &AppState, id: i32, user: &User) -> Result<String, PageError> {
    let video = state
        .videos
        .get_viewable(id, Some(user.id))
        .await
        .map_err(|_| PageError::not_found())?;
    if video.owner_id == user.id {
        return Err(PageError::new(StatusCode::FORBIDDEN));
    }
    Ok(video.title)
}

/// `GET /videos/{id}/report`.
pub async fn form(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    let title = reportable(&state, id, &user).await?;
    let page = Page::new(ctx.view.t("report.heading"));
    render(&ctx, page, id, &title, "", "", &Errors::default())
}

/// `POST /videos/{id}/report` (`reason`, `details`).
pub async fn submit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    let title = reportable(&state, id, &user).await?;
    let (reason, details) = (field(&form, "reason"), field(&form, "details"));
    let v = &ctx.view;
    let mut errors = Errors::default();
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    match service(&state).report(&user, id, reason, details).await {
        Ok(()) => {
            session::set_flash(&ctx.session, v.t("report.received"))
                .map_err(PageError::internal)?;
            return Ok(see_other(&ctx, &format!("/videos/{id}")));
        }
        Err(ModerationError::Invalid(fields)) => {
            if fields.contains_key("reason") {
                errors.add(
                    "reason",
                    "reason-wrong_language",
                    v.t("report.error.reason").into(),
                );
            }
            if fields.contains_key("details") {
                errors.add("details", "details", v.t("report.error.details").into());
            }
        }
        Err(ModerationError::AlreadyReported) => {
            status = StatusCode::CONFLICT;
            errors.add(
                "reason",
                "reason-wrong_language",
                v.t("report.error.twice").into(),
            );
        }
        Err(ModerationError::TooManyReports) => {
            status = StatusCode::TOO_MANY_REQUESTS;
            errors.add(
                "reason",
                "reason-wrong_language",
                v.t("report.error.too_many").into(),
            );
        }
        Err(e) => return Err(page_error(e)),
    }
    let page = Page::new(v.t("report.heading")).invalid().status(status);
    render(&ctx, page, id, &title, reason, details, &errors)
}
