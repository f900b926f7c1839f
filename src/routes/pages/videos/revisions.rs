//! A caption track's earlier versions, for its owner: the list
//! (`/videos/{id}/captions/{caption_id}/revisions`, the last ten, newest first), one of
//! them read-only (`…/revisions/{revision_id}`, [`ROWS`] cues a page) and restoring it
//! (`POST …/restore`, which keeps the version it replaces as a new revision and returns
//! to the editor). Anyone but the owner gets the same 404 as for a private video.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::captions::kind_label;
use super::{page_error, video_id};
use crate::render::{Page, View};
use crate::routes::pages::{SignedIn, see_other};
use crate::state::AppState;
use crate::video::cues::CueFields;
use crate::video::service::{RevisionView, VideoService};
use crate::web::errors::PageError;
use crate::web::session;

/// Cues shown per page of a revision.
pub const ROWS: usize = 200;

fn number(raw: &str) -> Result<i32, PageError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(PageError::not_found)
}

/// "2026-12-01 14:03:59" from an RFC 3339 time.
fn when(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").trim_end_matches('Z').to_owned()
}

struct Listed {
    id: i32,
    when: String,
    by: String,
    cue_count: i32,
}

fn listed(v: &View, r: &RevisionView) -> Listed {
    Listed {
        id: r.id,
        when: when(&r.replaced_at),
        by: r
            .replaced_by
            .clone()
            .unwrap_or_else(|| v.t("captions.revisions.someone").to_owned()),
        cue_count: r.cue_count,
    }
}

#[derive(Template)]
#[template(path = "pages/videos/caption_revisions.html")]
struct ListContent<'a> {
    v: &'a View,
    video_id: i32,
    caption_id: i32,
    label: &'a str,
    kind: &'static str,
    revisions: Vec<Listed>,
}

/// The track's label and kind (through the editor's read, which checks ownership).
async fn track_names(
    videos: &VideoService,
    video: i32,
    caption: i32,
    user: i32,
) -> Result<(String, String), PageError> {
    let open = videos
        .editable_track(video, caption, user)
        .await
        .map_err(page_error)?;
    Ok((open.caption.label, open.caption.kind))
}

/// `GET /videos/{id}/captions/{caption_id}/revisions`
pub async fn list(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (id, caption) = (video_id(&path.0)?, number(&path.1)?);
    let found = state
        .videos
        .revisions(id, caption, user.id)
        .await
        .map_err(page_error)?;
    let (label, kind) = track_names(&state.videos, id, caption, user.id).await?;
    let v = &ctx.view;
    let page = Page::new(&format!("{}: {label}", v.t("captions.revisions")));
    ctx.render(
        page,
        &ListContent {
            v,
            video_id: id,
            caption_id: caption,
            label: &label,
            kind: kind_label(v, &kind),
            revisions: found.revisions.iter().map(|r| listed(v, r)).collect(),
        },
    )
}

#[derive(Template)]
#[template(path = "pages/videos/caption_revision.html")]
struct ShowContent<'a> {
    v: &'a View,
    video_id: i32,
    caption_id: i32,
    label: &'a str,
    revision: Listed,
    cues: &'a [CueFields],
    first: usize,
    range: String,
    previous: Option<usize>,
    next: Option<usize>,
    csrf_token: &'a str,
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

/// `GET /videos/{id}/captions/{caption_id}/revisions/{revision_id}?page=N`
pub async fn show(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    query: web::Query<PageQuery>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (id, caption, revision) = (video_id(&path.0)?, number(&path.1)?, number(&path.2)?);
    let found = state
        .videos
        .revision(id, caption, revision, user.id)
        .await
        .map_err(page_error)?;
    let (label, _) = track_names(&state.videos, id, caption, user.id).await?;
    let total = found.cues.len();
    let pages = total.div_ceil(ROWS).max(1);
    let page_no = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let first = (page_no - 1) * ROWS;
    let cues = &found.cues[first.min(total)..(first + ROWS).min(total)];
    let v = &ctx.view;
    let token = ctx.csrf_token()?;
    let revision = listed(v, &found.revision);
    let page = ctx.page_with_flash(&format!(
        "{}: {label}, {}",
        v.t("captions.revision"),
        revision.when
    ));
    ctx.render(
        page,
        &ShowContent {
            v,
            video_id: id,
            caption_id: caption,
            label: &label,
            revision,
            cues,
            first,
            range: v
                .t("captions.page")
                .replace("{from}", &(first + 1).min(total).to_string())
                .replace("{to}", &(first + cues.len()).to_string())
                .replace("{total}", &total.to_string()),
            previous: (page_no > 1).then(|| page_no - 1),
            next: (page_no < pages).then_some(page_no + 1),
            csrf_token: &token,
        },
    )
}

/// `POST /videos/{id}/captions/{caption_id}/revisions/{revision_id}/restore`
pub async fn restore(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (id, caption, revision) = (video_id(&path.0)?, number(&path.1)?, number(&path.2)?);
    state
        .videos
        .restore_revision(id, caption, revision, user.id)
        .await
        .map_err(page_error)?;
    session::set_flash(&ctx.session, ctx.view.t("captions.restored"))
        .map_err(PageError::internal)?;
    Ok(see_other(
        &ctx,
        &format!("/videos/{id}/captions/{caption}/edit"),
    ))
}
