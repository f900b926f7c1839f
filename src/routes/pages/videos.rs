//! The video pages: `/videos` (my videos, with live processing status),
//! `/videos/new` (upload), `/videos/{id}` (player, transcript, feedback and the owner's
//! controls) and `/catalogue` (public videos). Handlers call [`VideoService`] and hand
//! the result to the renderer; everything works without JavaScript.
//!
//! [`VideoService`]: crate::video::VideoService

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{FormFields, field, see_other, sign_in_first};
use crate::domain::SignLanguage;
use crate::models::{User, Video};
use crate::render::{Errors, Page, PageCtx, View, sign_language_name};
use crate::routes::video_forms::{
    self, UploadAnswers, read_caption_upload_answers, read_video_upload_answers,
};
use crate::state::AppState;
use crate::video::input::{VIDEO_EXTENSIONS, VideoDetails};
use crate::video::service::{FeedbackSummary, VideoView, caption_for};
use crate::video::webvtt::TranscriptLine;
use crate::video::{VideoError, VideoService};
use crate::web::csrf;
use crate::web::errors::PageError;
use crate::web::session;

/// Statuses that will change by themselves (a job is pending).
fn pending(status: &str) -> bool {
    matches!(status, "uploaded" | "queued" | "processing")
}

/// Errors of the video service as page errors (validation is handled by each form).
fn page_error(e: VideoError) -> PageError {
    match e {
        VideoError::NotFound => PageError::not_found(),
        VideoError::Forbidden(_) => PageError::new(StatusCode::FORBIDDEN),
        VideoError::Conflict(_) => PageError::new(StatusCode::CONFLICT),
        VideoError::TooLarge { .. } => PageError::new(StatusCode::PAYLOAD_TOO_LARGE),
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

/// A video's status in this person's words.
pub fn status_text(v: &View, status: &str) -> &'static str {
    v.t(&format!("status.{status}"))
}

// ---------------------------------------------------------------- my videos

/// One row of "My videos".
struct Row {
    id: i32,
    title: String,
    status: String,
    status_text: &'static str,
    progress: i32,
    pending: bool,
    failed: bool,
    error: Option<String>,
    public: bool,
    sign_language: String,
}

impl Row {
    fn new(v: &View, video: &VideoView) -> Self {
        Row {
            id: video.id,
            title: video.title.clone(),
            status: video.status.clone(),
            status_text: status_text(v, &video.status),
            progress: video.progress.clamp(0, 100),
            pending: pending(&video.status),
            failed: video.status == "failed",
            error: video.error.clone().filter(|_| video.status == "failed"),
            public: video.visibility == "public",
            sign_language: video.sign_language.clone(),
        }
    }
}

/// The live list: polled every 2 s by htmx while a job is pending (the server leaves the
/// trigger out once nothing is pending, which stops the polling).
#[derive(Template)]
#[template(path = "pages/videos/rows.html")]
struct Rows<'a> {
    v: &'a View,
    rows: &'a [Row],
    csrf_token: &'a str,
    /// `/videos/rows?seen=…` when something is pending.
    poll_url: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/videos/list.html")]
struct ListContent<'a> {
    v: &'a View,
    rows: &'a str,
    can_upload: bool,
}

/// What the list last showed: `id:status` pairs, so the next poll announces only changes.
fn seen_param(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| format!("{}:{}", r.id, r.status))
        .collect::<Vec<_>>()
        .join(",")
}

fn poll_url(rows: &[Row]) -> Option<String> {
    rows.iter().any(|r| r.pending).then(|| {
        let query = serde_urlencoded::to_string([("seen", seen_param(rows))]).unwrap_or_default();
        format!("/videos/rows?{query}")
    })
}

async fn own_rows(
    ctx: &PageCtx,
    videos: &VideoService,
    user: &User,
) -> Result<Vec<Row>, PageError> {
    let list = videos.list_own(user.id).await.map_err(page_error)?;
    Ok(list
        .iter()
        .map(|video| Row::new(&ctx.view, video))
        .collect())
}

/// `GET /videos`
pub async fn list(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let rows = own_rows(&ctx, &state.videos, user).await?;
    let token = ctx.csrf_token()?;
    let v = &ctx.view;
    let rows_html = Rows {
        v,
        rows: &rows,
        csrf_token: &token,
        poll_url: poll_url(&rows),
    }
    .render()
    .map_err(PageError::internal)?;
    let page = ctx.page_with_flash(v.t("videos.heading"));
    ctx.render(
        page,
        &ListContent {
            v,
            rows: &rows_html,
            can_upload: state.videos.check_can_upload(user).is_ok(),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct SeenQuery {
    #[serde(default)]
    seen: String,
}

/// `GET /videos/rows`: the list alone, for htmx polling. Status changes since the last
/// poll (`seen`) are announced once in `#status` by an out-of-band swap.
pub async fn rows(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SeenQuery>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    if !ctx.hx.wants_fragment() {
        return Ok(see_other(&ctx, "/videos"));
    }
    let rows = own_rows(&ctx, &state.videos, user).await?;
    let token = ctx.csrf_token()?;
    let v = &ctx.view;
    let changes: Vec<String> = rows
        .iter()
        .filter(|row| {
            query.seen.split(',').any(|seen| {
                seen.split_once(':')
                    .is_some_and(|(id, status)| id == row.id.to_string() && status != row.status)
            })
        })
        .map(|row| format!("{}: {}.", row.title, row.status_text))
        .collect();
    let mut body = Rows {
        v,
        rows: &rows,
        csrf_token: &token,
        poll_url: poll_url(&rows),
    }
    .render()
    .map_err(PageError::internal)?;
    push_announcement(&mut body, &changes.join(" "));
    Ok(fragment(body))
}

/// Append an out-of-band update of the `#status` live region (nothing when empty).
fn push_announcement(body: &mut String, message: &str) {
    if !message.is_empty() {
        body.push_str("\n<div id=\"status\" hx-swap-oob=\"innerHTML\">");
        body.push_str(&askama_escape(message));
        body.push_str("</div>");
    }
}

fn askama_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An htmx fragment that is not a page (no title, no chrome).
fn fragment(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "HX-Request"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `POST /videos/{id}/retry` (`next=video` returns to the video page, else the list).
pub async fn retry(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let id = video_id(&path)?;
    state.videos.retry(id, user.id).await.map_err(page_error)?;
    session::set_flash(&ctx.session, ctx.view.t("videos.retried")).map_err(PageError::internal)?;
    let back = match field(&form, "next") {
        "video" => format!("/videos/{id}"),
        _ => "/videos".to_owned(),
    };
    Ok(see_other(&ctx, &back))
}

// ---------------------------------------------------------------- upload

/// The guard's refusal when the hidden CSRF field does not match.
const CSRF_REFUSED: &str = "csrf";

struct UploadForm {
    title: String,
    description: String,
    sign_language: String,
    visibility: String,
}

#[derive(Template)]
#[template(path = "pages/videos/new.html")]
struct NewContent<'a> {
    v: &'a View,
    errors: &'a Errors,
    csrf_token: &'a str,
    form: &'a UploadForm,
    languages: Vec<(&'static str, &'static str, bool)>,
    accept: String,
    max_mb: u64,
    /// Why this person cannot upload, instead of the form.
    refused: Option<String>,
}

fn languages(selected: &str) -> Vec<(&'static str, &'static str, bool)> {
    crate::render::sign_languages()
        .map(|(code, name)| (code, name, code.eq_ignore_ascii_case(selected)))
        .collect()
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

fn render_new(
    ctx: &PageCtx,
    page: Page,
    videos: &VideoService,
    user: &User,
    errors: &Errors,
    form: &UploadForm,
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
        },
    )
}

/// `GET /videos/new`
pub async fn new(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let form = UploadForm {
        title: String::new(),
        description: String::new(),
        sign_language: ctx.view.sign_language().to_owned(),
        visibility: "private".into(),
    };
    let title = if state.videos.check_can_upload(user).is_ok() {
        ctx.view.t("upload.heading")
    } else {
        ctx.view.t("upload.no_module")
    };
    render_new(
        &ctx,
        Page::new(title),
        &state.videos,
        user,
        &Errors::default(),
        &form,
    )
}

/// Field errors of an upload in page order, anchored to their inputs.
fn upload_errors(v: &View, e: &VideoError) -> Option<Errors> {
    let mut errors = Errors::default();
    match e {
        VideoError::Invalid(found) => {
            for (name, anchor) in [
                ("title", "title"),
                ("description", "description"),
                ("sign_language", "sign_language"),
                ("visibility", "visibility-private"),
                ("file", "file"),
            ] {
                if let Some(message) = found.get(name) {
                    errors.add(name, anchor, v.err(message));
                }
            }
        }
        VideoError::NotAVideo(message) => errors.add("file", "file", v.err(message)),
        VideoError::TooLarge { .. } => errors.add("file", "file", v.err(&e.to_string())),
        _ => return None,
    }
    Some(errors)
}

/// `POST /videos` (multipart; the CSRF token is checked from the query string by the
/// middleware and again from the hidden field, which comes before the file).
pub async fn upload(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(sign_in_first(&ctx, &req));
    };
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
            let form = UploadForm {
                title: String::new(),
                description: String::new(),
                sign_language: ctx.view.sign_language().to_owned(),
                visibility: "private".into(),
            };
            let page = Page::new(ctx.view.t("upload.no_module"));
            render_new(&ctx, page, &state.videos, &user, &Errors::default(), &form)
        }
        Err(e) => {
            let Some(errors) = upload_errors(&ctx.view, &e) else {
                return Err(page_error(e));
            };
            // The person's answers again (the file itself cannot be kept).
            let form = UploadForm {
                title: answers.title.unwrap_or_default(),
                description: answers.description.unwrap_or_default(),
                sign_language: answers
                    .sign_language
                    .unwrap_or_else(|| ctx.view.sign_language().to_owned()),
                visibility: answers.visibility.unwrap_or_else(|| "private".into()),
            };
            let status = if matches!(e, VideoError::TooLarge { .. }) {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = Page::new(ctx.view.t("upload.heading"))
                .invalid()
                .status(status);
            render_new(&ctx, page, &state.videos, &user, &errors, &form)
        }
    }
}

// ---------------------------------------------------------------- one video

/// A caption track for the player.
struct Track {
    url: String,
    language: String,
    label: String,
    kind: String,
    default: bool,
}

/// The feedback form and its counts.
struct Feedback {
    video_id: i32,
    options: Vec<(&'static str, &'static str, bool, i64)>,
    signed_in: bool,
    error: Option<String>,
}

impl Feedback {
    fn new(v: &View, summary: &FeedbackSummary, signed_in: bool) -> Self {
        Feedback {
            video_id: summary.video_id,
            options: ["accurate", "helpful", "inaccurate"]
                .into_iter()
                .map(|r| {
                    (
                        r,
                        v.t(&format!("video.feedback.{r}")),
                        summary.mine.as_deref() == Some(r),
                        summary.counts.get(r).copied().unwrap_or(0),
                    )
                })
                .collect(),
            signed_in,
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/videos/feedback.html")]
struct FeedbackPartial<'a> {
    v: &'a View,
    f: &'a Feedback,
    csrf_token: &'a str,
}

/// The processing status of one video; polled while pending.
#[derive(Template)]
#[template(path = "pages/videos/status.html")]
struct StatusPartial<'a> {
    v: &'a View,
    id: i32,
    status: &'a str,
    status_text: &'static str,
    progress: i32,
    error: Option<&'a str>,
    /// Polled only while the job is pending.
    poll: bool,
    /// The CSRF token for the owner's "try again" form (failed videos only).
    retry_token: Option<&'a str>,
}

#[derive(Default)]
struct CaptionAnswers {
    language: String,
    label: String,
}

/// The forms of the video page as they should be shown (after a refused submission).
#[derive(Default)]
struct ShowForms {
    errors: Errors,
    caption: CaptionAnswers,
    /// The feedback form's error (a submission without a rating, no JavaScript).
    feedback_error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/videos/show.html")]
struct ShowContent<'a> {
    v: &'a View,
    video: &'a VideoView,
    language_name: &'static str,
    tracks: Vec<Track>,
    transcript: Option<(String, Vec<TranscriptLine>)>,
    edition: Option<(String, &'static str)>,
    status: &'a str,
    feedback: Option<&'a str>,
    csrf_token: &'a str,
    errors: &'a Errors,
    caption: &'a CaptionAnswers,
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
        status: &video.status,
        status_text: status_text(v, &video.status),
        progress: video.progress.clamp(0, 100),
        error: video.error.as_deref().filter(|_| video.status == "failed"),
        poll: pending(&video.status),
        retry_token: retry_token.filter(|_| video.is_owner && video.status == "failed"),
    }
    .render()
    .map_err(PageError::internal)
}

async fn render_show(
    ctx: &PageCtx,
    req: &HttpRequest,
    state: &AppState,
    id: i32,
    page: impl FnOnce(&str) -> Page,
    forms: &ShowForms,
) -> Result<HttpResponse, PageError> {
    let viewer = ctx.user.as_ref().map(|u| u.id);
    let videos = &state.videos;
    let video = videos.view(id, viewer).await.map_err(page_error)?;
    let v = &ctx.view;
    let languages = reading_languages(req, v);
    let wanted: Vec<&str> = languages.iter().map(String::as_str).collect();
    let default_track = caption_for(&video.captions, &wanted).map(|c| c.id);
    let tracks = video
        .captions
        .iter()
        .map(|c| Track {
            url: c.url.clone(),
            language: c.language.clone(),
            label: c.label.clone(),
            kind: c.kind.clone(),
            default: Some(c.id) == default_track,
        })
        .collect();
    let default_language = video
        .captions
        .iter()
        .find(|c| Some(c.id) == default_track)
        .map(|c| c.language.clone());
    let transcript = videos
        .transcript(id, viewer, default_language.as_deref())
        .await
        .map_err(page_error)?
        .map(|(caption, lines)| (caption.label, lines));
    let preferred = v.prefs.sign_language;
    let edition = if video.sign_language == preferred.code() {
        None
    } else {
        videos
            .edition_in(id, viewer, preferred)
            .await
            .map_err(page_error)?
            .map(|e| (format!("/videos/{}", e.id), preferred.name()))
    };
    let token = ctx.csrf_token()?;
    let status = render_status(v, &video, Some(&token))?;
    let feedback = if video.status == "ready" {
        let summary = videos.feedback(id, viewer).await.map_err(page_error)?;
        let mut f = Feedback::new(v, &summary, ctx.user.is_some());
        f.error.clone_from(&forms.feedback_error);
        Some(
            FeedbackPartial {
                v,
                f: &f,
                csrf_token: &token,
            }
            .render()
            .map_err(PageError::internal)?,
        )
    } else {
        None
    };
    let content = ShowContent {
        v,
        video: &video,
        language_name: sign_language_name(&video.sign_language),
        tracks,
        transcript,
        edition,
        status: &status,
        feedback: feedback.as_deref(),
        csrf_token: &token,
        errors: &forms.errors,
        caption: &forms.caption,
    };
    ctx.render(page(&video.title), &content)
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
    let video = state.videos.view(id, viewer).await.map_err(page_error)?;
    let token = ctx.csrf_token()?;
    let mut body = render_status(&ctx.view, &video, Some(&token))?;
    if !query.seen.is_empty() && query.seen != video.status {
        let message = format!(
            "{}: {}.",
            video.title,
            status_text(&ctx.view, &video.status)
        );
        push_announcement(&mut body, &message);
    }
    Ok(fragment(body))
}

/// `POST /videos/{id}/feedback` (`rating`): htmx gets the form back in place with the
/// change announced; browsers without JavaScript are sent back to the page.
pub async fn feedback(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let id = video_id(&path)?;
    let v = &ctx.view;
    let back = format!("/videos/{id}#feedback");
    let (summary, error) = match crate::video::input::Rating::parse(field(&form, "rating")) {
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
            let page = |title: &str| Page::new(title).invalid();
            return render_show(&ctx, &req, &state, id, page, &forms).await;
        }
        session::set_flash(&ctx.session, v.t("video.feedback.saved"))
            .map_err(PageError::internal)?;
        return Ok(see_other(&ctx, &back));
    }
    let token = ctx.csrf_token()?;
    let mut f = Feedback::new(v, &summary, true);
    f.error = error.clone();
    let mut body = FeedbackPartial {
        v,
        f: &f,
        csrf_token: &token,
    }
    .render()
    .map_err(PageError::internal)?;
    match error {
        None => push_announcement(&mut body, v.t("video.feedback.saved")),
        Some(message) => {
            body.push_str("\n<div id=\"alerts\" hx-swap-oob=\"innerHTML\">");
            body.push_str(&askama_escape(&message));
            body.push_str("</div>");
        }
    }
    Ok(fragment(body))
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

/// `POST /videos/{id}/captions` (multipart, CSRF token in the query string).
pub async fn add_captions(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, PageError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(sign_in_first(&ctx, &req));
    };
    // Only the owner gets this far; others see the same 404 as for a private video.
    let id = owned_video(&state, &path, user.id).await?.id;
    let mut answers = video_forms::CaptionAnswers::default();
    match read_caption_upload_answers(payload, &state.videos, id, &user, &mut answers).await {
        Ok(_) => {
            session::set_flash(&ctx.session, ctx.view.t("video.captions.added"))
                .map_err(PageError::internal)?;
            Ok(see_other(&ctx, &format!("/videos/{id}")))
        }
        Err(e) => {
            let v = &ctx.view;
            let caption = CaptionAnswers {
                language: answers.language.unwrap_or_default(),
                label: answers.label.unwrap_or_default(),
            };
            let mut errors = Errors::default();
            match &e {
                VideoError::Invalid(found) => {
                    for name in ["file", "language", "label", "kind"] {
                        if let Some(message) = found.get(name) {
                            errors.add(name, &format!("caption-{name}"), v.err(message));
                        }
                    }
                }
                VideoError::BadCaptions(message) => {
                    errors.add("file", "caption-file", message.clone());
                }
                _ => return Err(page_error(e)),
            }
            render_show(
                &ctx,
                &req,
                &state,
                id,
                |title| Page::new(title).invalid(),
                &ShowForms {
                    errors,
                    caption,
                    feedback_error: None,
                },
            )
            .await
        }
    }
}

// ---------------------------------------------------------------- edit and delete

#[derive(Template)]
#[template(path = "pages/videos/edit.html")]
struct EditContent<'a> {
    v: &'a View,
    id: i32,
    errors: &'a Errors,
    csrf_token: &'a str,
    form: &'a UploadForm,
    languages: Vec<(&'static str, &'static str, bool)>,
}

fn render_edit(
    ctx: &PageCtx,
    page: Page,
    id: i32,
    errors: &Errors,
    form: &UploadForm,
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
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let video = owned_video(&state, &path, user.id).await?;
    let id = video.id;
    let form = UploadForm {
        title: video.title,
        description: video.description,
        sign_language: video.sign_language,
        visibility: video.visibility,
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
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
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
            let v = &ctx.view;
            let mut errors = Errors::default();
            for (name, anchor) in [
                ("title", "title"),
                ("description", "description"),
                ("sign_language", "sign_language"),
                ("visibility", "visibility-private"),
            ] {
                if let Some(message) = found.get(name) {
                    errors.add(name, anchor, v.err(message));
                }
            }
            let answers = UploadForm {
                title: field(&form, "title").to_owned(),
                description: field(&form, "description").to_owned(),
                sign_language: field(&form, "sign_language").to_owned(),
                visibility: field(&form, "visibility").to_owned(),
            };
            render_edit(
                &ctx,
                Page::new(v.t("video.edit")).invalid(),
                id,
                &errors,
                &answers,
            )
        }
    }
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
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let video = owned_video(&state, &path, user.id).await?;
    let id = video.id;
    let token = ctx.csrf_token()?;
    ctx.render(
        Page::new(ctx.view.t("video.delete.heading")),
        &DeleteContent {
            v: &ctx.view,
            id,
            title: &video.title,
            csrf_token: &token,
        },
    )
}

/// `POST /videos/{id}/delete`
pub async fn delete(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let id = video_id(&path)?;
    state.videos.delete(id, user.id).await.map_err(page_error)?;
    session::set_flash(&ctx.session, ctx.view.t("video.deleted")).map_err(PageError::internal)?;
    Ok(see_other(&ctx, "/videos"))
}

// ---------------------------------------------------------------- catalogue

struct Card {
    id: i32,
    title: String,
    description: String,
    sign_language: String,
    language_name: &'static str,
    poster_url: Option<String>,
    duration: Option<String>,
}

struct CatalogueData<'a> {
    cards: Vec<Card>,
    filter: String,
    languages: Vec<(&'static str, &'static str, bool)>,
    preferred: &'a str,
}

#[derive(Template)]
#[template(path = "pages/catalogue/minimal.html")]
struct CatalogueMinimal<'a> {
    v: &'a View,
    d: &'a CatalogueData<'a>,
}

#[derive(Template)]
#[template(path = "pages/catalogue/standard.html")]
struct CatalogueStandard<'a> {
    v: &'a View,
    d: &'a CatalogueData<'a>,
}

#[derive(Template)]
#[template(path = "pages/catalogue/compact.html")]
struct CatalogueCompact<'a> {
    v: &'a View,
    d: &'a CatalogueData<'a>,
}

#[derive(serde::Deserialize)]
pub struct CatalogueQuery {
    #[serde(default)]
    sign_language: String,
}

fn duration_text(seconds: Option<f64>) -> Option<String> {
    seconds.map(|s| {
        // Whole seconds only; the value is a small, non-negative duration.
        let total = s.max(0.0).round() as u64;
        format!("{}:{:02}", total / 60, total % 60)
    })
}

/// `GET /catalogue?sign_language=BSL`
pub async fn catalogue(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, PageError> {
    let viewer = ctx.user.as_ref().map(|u| u.id);
    let v = &ctx.view;
    let only = SignLanguage::parse(query.sign_language.trim()).ok();
    let list = state
        .videos
        .list_public(viewer, only, Some(v.prefs.sign_language))
        .await
        .map_err(page_error)?;
    let filter = only.map(|s| s.code().to_owned()).unwrap_or_default();
    let d = CatalogueData {
        cards: list
            .into_iter()
            .map(|video| Card {
                language_name: sign_language_name(&video.sign_language),
                id: video.id,
                title: video.title,
                description: video.description,
                sign_language: video.sign_language,
                poster_url: video.poster_url,
                duration: duration_text(video.duration_seconds),
            })
            .collect(),
        languages: languages(&filter),
        filter,
        preferred: v.sign_language(),
    };
    let page = Page::new(v.t("catalogue.heading"));
    ctx.render_variant(
        page,
        &CatalogueMinimal { v, d: &d },
        &CatalogueStandard { v, d: &d },
        &CatalogueCompact { v, d: &d },
    )
}
