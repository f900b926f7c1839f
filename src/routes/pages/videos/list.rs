//! `/videos`: my videos, with each one's processing status. While a job is pending the
//! list polls `/videos/rows` every 2 s, and status changes are announced once in the
//! `#status` live region.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{SeenQuery, fragment, page_error, status_text};
use crate::domain::VideoStatus;
use crate::models::User;
use crate::render::{LiveRegions, PageCtx, View};
use crate::routes::pages::{SignedIn, see_other};
use crate::state::AppState;
use crate::video::VideoService;
use crate::video::service::VideoView;
use crate::web::errors::PageError;

/// One row of "My videos".
struct Row {
    id: i32,
    title: String,
    status: VideoStatus,
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
            status: video.status,
            status_text: status_text(v, video.status),
            progress: video.progress.clamp(0, 100),
            pending: video.status.is_pending(),
            failed: video.status.is_failed(),
            error: video.error.clone().filter(|_| video.status.is_failed()),
            public: video.visibility.is_public(),
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

/// The rows of the list, ready to be polled while something is pending.
fn render_rows(ctx: &PageCtx, rows: &[Row]) -> Result<String, PageError> {
    let token = ctx.csrf_token()?;
    Rows {
        v: &ctx.view,
        rows,
        csrf_token: &token,
        poll_url: poll_url(rows),
    }
    .render()
    .map_err(PageError::internal)
}

/// `GET /videos`
pub async fn list(
    state: web::Data<AppState>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let rows = own_rows(&ctx, &state.videos, &user).await?;
    let rows_html = render_rows(&ctx, &rows)?;
    let v = &ctx.view;
    let page = ctx.page_with_flash(v.t("videos.heading"));
    ctx.render(
        page,
        &ListContent {
            v,
            rows: &rows_html,
            can_upload: state.videos.check_can_upload(&user).is_ok(),
        },
    )
}

/// `GET /videos/rows`: the list alone, for htmx polling. Status changes since the last
/// poll (`seen`) are announced once in `#status` by an out-of-band swap.
pub async fn rows(
    state: web::Data<AppState>,
    query: web::Query<SeenQuery>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    if !ctx.hx.wants_fragment() {
        return Ok(see_other(&ctx, "/videos"));
    }
    let rows = own_rows(&ctx, &state.videos, &user).await?;
    let changes: Vec<String> = rows
        .iter()
        .filter(|row| {
            query.seen.split(',').any(|seen| {
                seen.split_once(':').is_some_and(|(id, status)| {
                    id == row.id.to_string() && status != row.status.as_str()
                })
            })
        })
        .map(|row| format!("{}: {}.", row.title, row.status_text))
        .collect();
    let body = render_rows(&ctx, &rows)?;
    fragment(body, LiveRegions::announce(&changes.join(" ")))
}
