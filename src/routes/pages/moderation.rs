//! `/moderation`: the moderators' queue (open reports grouped by video, each with
//! dismiss, hide with a reason, and suspend its owner), the hidden videos (restore) and
//! the suspended accounts (lift). Plain forms that answer with a redirect back and a
//! message; a missing reason re-renders the page with the error summary.
//!
//! Density 1 shows one reported video at a time (acting on it brings the next; "Show
//! every reported video" lists them all); density 5 lists the hidden videos and the
//! suspended accounts as tables.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::report::{page_error, reason_label};
use super::staff::Moderator;
use super::{FormFields, field, see_other};
use crate::events::Via;
use crate::models::User;
use crate::moderation::{ModerationError, VideoAction};
use crate::render::{Errors, Page, PageCtx, View};
use crate::routes::api::moderation::service;
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

struct Item {
    video_id: i32,
    title: String,
    owner_id: i32,
    owner: String,
    hidden: bool,
    /// (reason, details, reporter)
    reports: Vec<(&'static str, String, String)>,
}

#[derive(Template)]
#[template(path = "pages/moderation/queue.html")]
struct QueueContent<'a> {
    v: &'a View,
    items: Vec<Item>,
    /// Density 1: only the first item is shown; `waiting` are after it.
    one_at_a_time: bool,
    waiting: usize,
    /// (video id, title, owner, reason)
    hidden: Vec<(i32, String, String, String)>,
    /// (account id, username, reason)
    suspended: Vec<(i32, String, String)>,
    csrf_token: &'a str,
    errors: &'a Errors,
}

async fn render_queue(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    page: Page,
    errors: &Errors,
    show_all: bool,
) -> Result<HttpResponse, PageError> {
    let moderation = service(state);
    let mut queue = moderation.queue(user).await.map_err(page_error)?;
    // An error belongs to some item: then every item is shown, so it is there.
    let one_at_a_time = ctx.view.minimal() && !show_all && errors.is_empty();
    let waiting = queue.len().saturating_sub(1);
    if one_at_a_time {
        queue.truncate(1);
    }
    let (hidden, suspended) = moderation
        .hidden_and_suspended(user)
        .await
        .map_err(page_error)?;
    let v = &ctx.view;
    let token = ctx.csrf_token()?;
    let content = QueueContent {
        v,
        one_at_a_time,
        waiting,
        items: queue
            .iter()
            .map(|q| Item {
                video_id: q.video.id,
                title: q.video.title.clone(),
                owner_id: q.video.owner_id,
                owner: q.owner.clone(),
                hidden: q.video.is_hidden(),
                reports: q
                    .reports
                    .iter()
                    .map(|r| {
                        (
                            reason_label(v, &r.report.reason),
                            r.report.details.clone(),
                            r.reporter.clone(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        hidden: hidden
            .iter()
            .map(|(video, owner)| {
                (
                    video.id,
                    video.title.clone(),
                    owner.clone(),
                    video.hidden_reason.clone().unwrap_or_default(),
                )
            })
            .collect(),
        suspended: suspended
            .iter()
            .map(|u| {
                (
                    u.id,
                    u.username.clone(),
                    u.suspended_reason.clone().unwrap_or_default(),
                )
            })
            .collect(),
        csrf_token: &token,
        errors,
    };
    ctx.render(page, &content)
}

#[derive(Deserialize)]
pub struct QueueQuery {
    all: Option<String>,
}

/// `GET /moderation` (`?all=1`: every reported video, at density 1 too).
pub async fn queue(
    state: web::Data<AppState>,
    Moderator(who): Moderator,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    let page = who
        .ctx
        .page_with_flash(who.ctx.view.t("moderation.heading"));
    let show_all = query.all.as_deref() == Some("1");
    render_queue(
        &state,
        &who.ctx,
        &who.user,
        page,
        &Errors::default(),
        show_all,
    )
    .await
}

fn id(raw: &str) -> Result<i32, PageError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(PageError::not_found)
}

/// After an action: back to the queue with `message`; a missing or bad reason shows
/// the queue again with the error at `anchor`.
async fn answer(
    state: &AppState,
    ctx: &PageCtx,
    user: &User,
    result: Result<&'static str, ModerationError>,
    anchor: &str,
) -> Result<HttpResponse, PageError> {
    match result {
        Ok(key) => {
            session::set_flash(&ctx.session, ctx.view.t(key)).map_err(PageError::internal)?;
            Ok(see_other(ctx, "/moderation"))
        }
        Err(ModerationError::Invalid(_)) => {
            let mut errors = Errors::default();
            errors.add(anchor, anchor, ctx.view.t("moderation.error.reason").into());
            let page = Page::new(ctx.view.t("moderation.heading")).invalid();
            render_queue(state, ctx, user, page, &errors, true).await
        }
        Err(e) => Err(page_error(e)),
    }
}

/// `POST /moderation/videos/{id}/{action}` (`reason` to hide).
pub async fn act_on_video(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
    Moderator(who): Moderator,
) -> Result<HttpResponse, PageError> {
    let (raw_id, raw_action) = path.into_inner();
    let video_id = id(&raw_id)?;
    let action = VideoAction::parse(&raw_action).ok_or_else(PageError::not_found)?;
    let result = service(&state)
        .act_on_video(
            &who.user,
            video_id,
            action,
            field(&form, "reason"),
            Via::Browser,
        )
        .await
        .map(|_| match action {
            VideoAction::Dismiss => "moderation.done.dismiss",
            VideoAction::Hide => "moderation.done.hide",
            VideoAction::Restore => "moderation.done.restore",
        });
    let anchor = format!("hide-reason-{video_id}");
    answer(&state, &who.ctx, &who.user, result, &anchor).await
}

/// `POST /moderation/users/{id}/{action}` (`reason` to suspend; `field` names the
/// reason's input, for the error summary).
pub async fn act_on_user(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
    Moderator(who): Moderator,
) -> Result<HttpResponse, PageError> {
    let (raw_id, action) = path.into_inner();
    let user_id = id(&raw_id)?;
    let moderation = service(&state);
    let result = match action.as_str() {
        "suspend" => moderation
            .suspend(&who.user, user_id, field(&form, "reason"), Via::Browser)
            .await
            .map(|_| "moderation.done.suspend"),
        "unsuspend" => moderation
            .unsuspend(&who.user, user_id, Via::Browser)
            .await
            .map(|_| "moderation.done.unsuspend"),
        _ => return Err(PageError::new(StatusCode::NOT_FOUND)),
    };
    // Only an anchor this page renders (else the summary would link nowhere).
    let given = field(&form, "field");
    let anchor = if given.starts_with(&format!("suspend-reason-{user_id}-"))
        && given.len() < 64
        && given.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        given.to_owned()
    } else {
        "queue-heading".to_owned()
    };
    answer(&state, &who.ctx, &who.user, result, &anchor).await
}
