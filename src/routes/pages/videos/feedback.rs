//! The watch page's feedback form: how good the signing is (accurate, helpful,
//! inaccurate) with the counts so far. htmx gets the form back in place with the change
//! announced; browsers without JavaScript are sent back to the page.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::show::{CaptionAnswers, ShowForms, render_refused};
use super::{fragment, page_error, video_id};
use crate::render::{Errors, LiveRegions, View};
use crate::routes::pages::{FormFields, SignedIn, field, see_other};
use crate::state::AppState;
use crate::video::input::Rating;
use crate::video::service::{FeedbackSummary, WatchPage};
use crate::web::errors::PageError;
use crate::web::session;

/// The ratings a feedback form shows: of a watch page's read model, or as a rating
/// returned them.
pub(super) struct Ratings<'a> {
    video_id: i32,
    counts: &'a std::collections::BTreeMap<String, i64>,
    mine: Option<&'a str>,
}

impl<'a> Ratings<'a> {
    pub(super) fn of_page(watch: &'a WatchPage) -> Self {
        Ratings {
            video_id: watch.video().id,
            counts: &watch.data.counts,
            mine: watch.mine.as_deref(),
        }
    }

    fn of_summary(summary: &'a FeedbackSummary) -> Self {
        Ratings {
            video_id: summary.video_id,
            counts: &summary.counts,
            mine: summary.mine.as_deref(),
        }
    }
}

/// The feedback form and its counts.
struct Feedback {
    video_id: i32,
    options: Vec<(&'static str, &'static str, bool, i64)>,
    signed_in: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/videos/feedback.html")]
struct FeedbackPartial<'a> {
    v: &'a View,
    f: &'a Feedback,
    csrf_token: &'a str,
}

/// The feedback section of a video page: the form for someone signed in (with `error`
/// when a rating was missing), the counts for everyone.
pub(super) fn render_feedback(
    v: &View,
    summary: Ratings<'_>,
    signed_in: bool,
    error: Option<String>,
    csrf_token: &str,
) -> Result<String, PageError> {
    let f = Feedback {
        video_id: summary.video_id,
        options: [
            ("accurate", "video.feedback.accurate"),
            ("helpful", "video.feedback.helpful"),
            ("inaccurate", "video.feedback.inaccurate"),
        ]
        .into_iter()
        .map(|(r, key)| {
            (
                r,
                v.t(key),
                summary.mine == Some(r),
                summary.counts.get(r).copied().unwrap_or(0),
            )
        })
        .collect(),
        signed_in,
        error,
    };
    FeedbackPartial {
        v,
        f: &f,
        csrf_token,
    }
    .render()
    .map_err(PageError::internal)
}

/// `POST /videos/{id}/feedback` (`rating`).
pub async fn feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    let v = &ctx.view;
    let back = format!("/videos/{id}#feedback");
    let (summary, error) = match Rating::parse(field(&form, "rating")) {
        Ok(rating) => (
            state
                .videos
                .rate(id, user.id, rating)
                .await
                .map_err(page_error)?,
            None,
        ),
        Err(_) => (
            state
                .videos
                .feedback(id, Some(user.id))
                .await
                .map_err(page_error)?,
            Some(v.t("video.feedback.missing").to_owned()),
        ),
    };
    if !ctx.hx.request {
        if let Some(message) = error {
            let mut errors = Errors::default();
            errors.add("rating", "rating-accurate", message.clone());
            let forms = ShowForms {
                errors,
                caption: CaptionAnswers::default(),
                feedback_error: Some(message),
            };
            return render_refused(&ctx, &req, &state, id, &forms).await;
        }
        session::set_flash(&ctx.session, v.t("video.feedback.saved"))
            .map_err(PageError::internal)?;
        return Ok(see_other(&ctx, &back));
    }
    let token = ctx.csrf_token()?;
    let body = render_feedback(
        v,
        Ratings::of_summary(&summary),
        true,
        error.clone(),
        &token,
    )?;
    let live = match &error {
        None => LiveRegions::announce(v.t("video.feedback.saved")),
        Some(message) => LiveRegions::alert(message),
    };
    fragment(body, live)
}
