//! `/videos/{id}`: the watch page — player with caption tracks, transcript, a link to a
//! signed edition in the viewer's sign language, the processing status panel (polled by
//! htmx while a job is pending), the [feedback](super::feedback) form and the owner's
//! forms — and the player's load-time beacon.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::captions::kind_label;
use super::feedback::Ratings;
use super::feedback::render_feedback;
use super::player::Player;
use super::{SeenQuery, fragment, page_error, status_text, video_id};
use crate::domain::VideoStatus;
use crate::render::{Errors, LiveRegions, Page, PageCtx, View, sign_language_name};
use crate::routes::pages::{FormFields, field, see_other};
use crate::state::AppState;
use crate::video::input::CaptionKind;
use crate::video::service::VideoView;
use crate::web::errors::PageError;

/// The processing status of one video; polled while pending.
#[derive(Template)]
#[template(path = "pages/videos/status.html")]
struct StatusPartial<'a> {
    v: &'a View,
    id: i32,
    status: VideoStatus,
    status_text: &'static str,
    progress: i32,
    error: Option<&'a str>,
    /// Polled only while the job is pending.
    poll: bool,
    /// The CSRF token for the owner's "try again" form (failed videos only).
    retry_token: Option<&'a str>,
}

/// The answers of the caption form, shown again when a track is refused.
#[derive(Default)]
pub(super) struct CaptionAnswers {
    pub(super) language: String,
    pub(super) label: String,
    pub(super) kind: String,
}

/// A track in the owner's list: its editor is one link away.
struct OwnedTrack<'a> {
    id: i32,
    label: &'a str,
    language: &'a str,
    kind: &'static str,
}

/// The forms of the video page as they should be shown (after a refused submission).
#[derive(Default)]
pub(super) struct ShowForms {
    pub(super) errors: Errors,
    pub(super) caption: CaptionAnswers,
    /// The feedback form's error (a submission without a rating, no JavaScript).
    pub(super) feedback_error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/videos/show.html")]
struct ShowContent<'a> {
    v: &'a View,
    video: &'a VideoView,
    language_name: &'static str,
    player: Player<'a>,
    edition: Option<(String, &'static str)>,
    /// What the video offers besides the picture, said before play.
    alternatives: Vec<String>,
    status: &'a str,
    feedback: Option<&'a str>,
    csrf_token: &'a str,
    errors: &'a Errors,
    caption: &'a CaptionAnswers,
    /// The kinds of track, as (value, label, chosen) for the caption form.
    kinds: Vec<(&'static str, &'static str, bool)>,
    /// `?t=83.5` (a search result's cue): the player starts there, as a media fragment
    /// (`#t=83.5`), so it works without JavaScript too.
    start: Option<String>,
    owned_tracks: Vec<OwnedTrack<'a>>,
    /// Signed in and not the owner: the "Report this video" link shows.
    can_report: bool,
}

/// The viewer's reading languages: `Accept-Language` in order, then the interface's.
fn reading_languages(req: &HttpRequest, v: &View) -> Vec<String> {
    let mut tags: Vec<(String, f32)> = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let tag = it.next()?.trim();
            if tag.is_empty() || tag == "*" {
                return None;
            }
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((tag.to_owned(), q))
        })
        .collect();
    tags.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut out: Vec<String> = tags.into_iter().map(|(t, _)| t).collect();
    out.push(v.lang().to_owned());
    out
}

fn render_status(
    v: &View,
    video: &VideoView,
    retry_token: Option<&str>,
) -> Result<String, PageError> {
    StatusPartial {
        v,
        id: video.id,
        status: video.status,
        status_text: status_text(v, video.status),
        progress: video.progress.clamp(0, 100),
        error: video.error.as_deref().filter(|_| video.status.is_failed()),
        poll: video.status.is_pending(),
        retry_token: retry_token.filter(|_| video.is_owner && video.status.is_failed()),
    }
    .render()
    .map_err(PageError::internal)
}

/// The start time `?t=` asks for, in seconds (0 to 24 h; anything else is ignored).
fn start_time(req: &HttpRequest) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).ok()?;
    let t: f64 = pairs
        .iter()
        .find(|(k, _)| k == "t")?
        .1
        .trim()
        .parse()
        .ok()?;
    (t.is_finite() && (0.0..=86_400.0).contains(&t)).then(|| {
        let text = format!("{t:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
}

/// The watch page of video `id`, titled by `page` (given the video's title), with its
/// forms as `forms` says.
async fn render_show(
    ctx: &PageCtx,
    req: &HttpRequest,
    state: &AppState,
    id: i32,
    page: impl FnOnce(&str) -> Page,
    forms: &ShowForms,
) -> Result<HttpResponse, PageError> {
    let viewer = ctx.user.as_ref().map(|u| u.id);
    // One read model: video, captions, transcripts, editions and ratings.
    let watch = state.videos.watch(id, viewer).await.map_err(page_error)?;
    let video = watch.video();
    let v = &ctx.view;
    let languages = reading_languages(req, v);
    let wanted: Vec<&str> = languages.iter().map(String::as_str).collect();
    let player = Player::build(v, &watch, &wanted);
    let preferred = v.prefs.sign_language;
    let edition = if video.sign_language == preferred.code() {
        None
    } else {
        watch
            .edition_in(preferred.code())
            .map(|e| (format!("/videos/{}", e.id), preferred.name()))
    };
    let token = ctx.csrf_token()?;
    let status = render_status(v, video, Some(&token))?;
    let feedback = if video.status.is_ready() {
        let error = forms.feedback_error.clone();
        Some(render_feedback(
            v,
            Ratings::of_page(&watch),
            ctx.user.is_some(),
            error,
            &token,
        )?)
    } else {
        None
    };
    let content = ShowContent {
        start: start_time(req),
        v,
        video,
        language_name: sign_language_name(&video.sign_language),
        player,
        edition,
        alternatives: super::alternatives_text(v, &video.alternatives),
        status: &status,
        feedback: feedback.as_deref(),
        csrf_token: &token,
        errors: &forms.errors,
        caption: &forms.caption,
        kinds: CaptionKind::ALL
            .iter()
            .map(|k| {
                let chosen = forms.caption.kind.eq_ignore_ascii_case(k.as_str());
                (k.as_str(), kind_label(v, k.as_str()), chosen)
            })
            .collect(),
        owned_tracks: video
            .captions
            .iter()
            .map(|c| OwnedTrack {
                id: c.id,
                label: &c.label,
                language: &c.language,
                kind: kind_label(v, &c.kind),
            })
            .collect(),
        can_report: ctx.user.is_some() && !video.is_owner,
    };
    ctx.render(page(&video.title), &content)
}

/// The watch page again after one of its forms was refused: 422, "Error: " in the title,
/// the forms as `forms` says.
pub(super) async fn render_refused(
    ctx: &PageCtx,
    req: &HttpRequest,
    state: &AppState,
    id: i32,
    forms: &ShowForms,
) -> Result<HttpResponse, PageError> {
    render_show(
        ctx,
        req,
        state,
        id,
        |title| Page::new(title).invalid(),
        forms,
    )
    .await
}

/// [`render_refused`] with another status than 422 (413 for a caption file too large).
pub(super) async fn render_refused_status(
    ctx: &PageCtx,
    req: &HttpRequest,
    state: &AppState,
    id: i32,
    forms: &ShowForms,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, PageError> {
    render_show(
        ctx,
        req,
        state,
        id,
        |title| Page::new(title).invalid().status(status),
        forms,
    )
    .await
}

/// `GET /videos/{id}`
pub async fn show(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    render_show(
        &ctx,
        &req,
        &state,
        id,
        |title| ctx.page_with_flash(title),
        &ShowForms::default(),
    )
    .await
}

/// `GET /videos/{id}/status`: the status panel alone, for htmx polling; a change of
/// status since `seen` is announced once in `#status`.
pub async fn status(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SeenQuery>,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    if !ctx.hx.wants_fragment() {
        return Ok(see_other(&ctx, &format!("/videos/{id}")));
    }
    let viewer = ctx.user.as_ref().map(|u| u.id);
    let watch = state.videos.watch(id, viewer).await.map_err(page_error)?;
    let video = watch.video();
    let token = ctx.csrf_token()?;
    let body = render_status(&ctx.view, video, Some(&token))?;
    let change = if !query.seen.is_empty() && query.seen != video.status.as_str() {
        format!("{}: {}.", video.title, status_text(&ctx.view, video.status))
    } else {
        String::new()
    };
    fragment(body, LiveRegions::announce(&change))
}

/// The longest time to first frame the player's beacon may report (ten minutes).
const LOAD_TIME_MAX_MS: u32 = 600_000;

/// `POST /videos/{id}/load-time` (`ms`): the player's beacon, sent once per page view by
/// `a11y.js` — how many milliseconds the first frame took to show after play was
/// pressed. Recorded in `pinkflow_video_load_seconds` by the video's sign language;
/// answers 204. A value that is not a whole number of milliseconds up to ten minutes
/// is refused (422), as is a video the viewer cannot watch (404).
pub async fn load_time(
    ctx: PageCtx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let id = video_id(&path)?;
    let Some(ms) = field(&form, "ms")
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|ms| *ms <= LOAD_TIME_MAX_MS)
    else {
        return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY));
    };
    let video = state
        .videos
        .get_viewable(id, ctx.user.as_ref().map(|u| u.id))
        .await
        .map_err(page_error)?;
    if !video.is_ready() {
        return Err(PageError::new(StatusCode::CONFLICT));
    }
    state
        .metrics
        .record_video_load(&video.sign_language, f64::from(ms) / 1000.0);
    Ok(HttpResponse::NoContent().finish())
}
