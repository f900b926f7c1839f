//! `/api/videos/{id}/reports` (a viewer reports a video), `/api/moderation/...` (the
//! moderators' queue and actions) and `/api/admin/...` (roles): thin handlers over
//! [`ModerationService`]. A member calling a moderator's endpoint gets 403.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::object;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ErrorBody};
use crate::events::Via;
use crate::models::User;
use crate::models::report::QueueItem;
use crate::moderation::{ModerationError, ModerationService, VideoAction};
use crate::state::AppState;

type Result<T> = std::result::Result<T, ApiError>;

impl From<ModerationError> for ApiError {
    fn from(e: ModerationError) -> Self {
        match e {
            ModerationError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "Not found"),
            ModerationError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            ModerationError::Invalid(fields) => ApiError::invalid(fields),
            e @ ModerationError::AlreadyReported => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            e @ ModerationError::TooManyReports => {
                let mut api = ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.to_string());
                api.retry_after = Some(3600);
                api
            }
            ModerationError::Db(db) => db.into(),
        }
    }
}

/// The service for this request.
pub fn service(state: &AppState) -> ModerationService {
    ModerationService::new(state.db.clone(), state.videos.clone(), state.events.clone())
}

fn id(raw: &str) -> Result<i32> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))
}

/// A string field of `body` ("" when absent); 422 when it is there but not a string.
fn text_field(body: &serde_json::Map<String, Value>, name: &str) -> Result<String> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(ApiError::invalid(
            [(name.to_owned(), "Must be a string".to_owned())].into(),
        )),
    }
}

/// The caller, who must be a moderator (or admin): 403 otherwise.
fn moderator(auth: BearerAuth) -> Result<User> {
    if auth.user.role().can_moderate() {
        Ok(auth.user)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Only moderators can do this.",
        ))
    }
}

/// `POST /api/videos/{id}/reports` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "wrong_language", "details": "This is Auslan, not BSL."}))]
pub struct ReportRequest {
    /// Why the video is reported.
    #[schema(pattern = "^ *(wrong_language|inaccurate|inappropriate|copyright|other) *$")]
    pub reason: String,
    /// Anything moderators should know (at most 1000 characters).
    #[schema(max_length = 1000, nullable = false)]
    pub details: Option<String>,
}

/// A report was received.
#[derive(Serialize, ToSchema)]
pub struct ReportReceived {
    pub message: String,
}

/// `POST /api/videos/{id}/reports`: report a video to the moderators.
#[utoipa::path(
    post,
    path = "/api/videos/{id}/reports",
    tag = "moderation",
    summary = "Report a video",
    description = "One open report per viewer per video; at most 10 reports an hour. You cannot report your own video.",
    params(("id" = i32, Path, minimum = 1, description = "The video's id")),
    request_body = ReportRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Received", body = ReportReceived),
        (status = 403, description = "The caller's own video", body = ErrorBody,
            example = json!({"error": "You cannot report your own video."})),
        (status = 404, description = "No such video, or the caller cannot see it", body = ErrorBody,
            example = json!({"error": "Not found"})),
        (status = 409, description = "The caller has an open report of this video already", body = ErrorBody,
            example = json!({"error": "You have already reported this video. Moderators will look at your report."})),
    )
)]
pub async fn report(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let video_id = id(&path)?;
    let body = object(body.into_inner())?;
    if !body.contains_key("reason") {
        return Err(ApiError::missing_fields(&["reason"]));
    }
    let (reason, details) = (text_field(&body, "reason")?, text_field(&body, "details")?);
    service(&state)
        .report(&auth.user, video_id, &reason, &details)
        .await?;
    Ok(HttpResponse::Created().json(ReportReceived {
        message: "Report received. Moderators will look at it.".into(),
    }))
}

/// One open report in the queue.
#[derive(Serialize, ToSchema)]
pub struct QueuedReport {
    pub reason: String,
    pub details: String,
    pub reporter: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// A reported video and its open reports.
#[derive(Serialize, ToSchema)]
pub struct QueuedVideo {
    pub video_id: i32,
    pub title: String,
    pub owner_id: i32,
    pub owner: String,
    /// Set when the video is hidden: the reason given.
    pub hidden_reason: Option<String>,
    pub reports: Vec<QueuedReport>,
}

/// `GET /api/moderation/reports`.
#[derive(Serialize, ToSchema)]
pub struct Queue {
    pub videos: Vec<QueuedVideo>,
}

fn timestamp(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl QueuedVideo {
    fn of(item: &QueueItem) -> Self {
        QueuedVideo {
            video_id: item.video.id,
            title: item.video.title.clone(),
            owner_id: item.video.owner_id,
            owner: item.owner.clone(),
            hidden_reason: item
                .video
                .hidden_reason
                .clone()
                .filter(|_| item.video.is_hidden()),
            reports: item
                .reports
                .iter()
                .map(|r| QueuedReport {
                    reason: r.report.reason.clone(),
                    details: r.report.details.clone(),
                    reporter: r.reporter.clone(),
                    created_at: timestamp(r.report.created_at),
                })
                .collect(),
        }
    }
}

/// `GET /api/moderation/reports`: the queue.
#[utoipa::path(
    get,
    path = "/api/moderation/reports",
    tag = "moderation",
    summary = "The moderation queue",
    description = "Videos with open reports, the longest-waiting first, each with its reports. Moderators and admins only.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The queue", body = Queue),
        (status = 403, description = "The caller is not a moderator", body = ErrorBody,
            example = json!({"error": "Only moderators can do this."})),
    )
)]
pub async fn queue(state: web::Data<AppState>, auth: BearerAuth) -> Result<HttpResponse> {
    let actor = moderator(auth)?;
    let items = service(&state).queue(&actor).await?;
    Ok(HttpResponse::Ok().json(Queue {
        videos: items.iter().map(QueuedVideo::of).collect(),
    }))
}

/// `POST /api/moderation/videos/{id}/{action}` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "The signing is not the language it says."}))]
pub struct ModerationRequest {
    /// Required to hide a video or suspend an account (the owner sees it): at most 500
    /// characters.
    #[schema(max_length = 500, nullable = false)]
    pub reason: Option<String>,
}

/// A video after a moderator's action.
#[derive(Serialize, ToSchema)]
pub struct ModeratedVideo {
    pub video_id: i32,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
}

/// `POST /api/moderation/videos/{id}/{action}`: dismiss its reports, hide or restore.
#[utoipa::path(
    post,
    path = "/api/moderation/videos/{id}/{action}",
    tag = "moderation",
    summary = "Dismiss a video's reports, hide it or restore it",
    description = "`dismiss` closes the open reports; `hide` (needs `reason`) takes the video out of the catalogue, search, pages and media for everyone but its owner and moderators, and closes the reports; `restore` shows it again. Every instance agrees within a second.",
    params(
        ("id" = i32, Path, minimum = 1, description = "The video's id"),
        ("action" = String, Path, description = "`dismiss`, `hide` or `restore`", pattern = "^(dismiss|hide|restore)$"),
    ),
    request_body = ModerationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = ModeratedVideo),
        (status = 403, description = "The caller is not a moderator", body = ErrorBody,
            example = json!({"error": "Only moderators can do this."})),
        (status = 404, description = "No such video or action", body = ErrorBody,
            example = json!({"error": "Not found"})),
    )
)]
pub async fn act_on_video(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let (raw_id, raw_action) = path.into_inner();
    let video_id = id(&raw_id)?;
    let action = VideoAction::parse(&raw_action)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found"))?;
    let actor = moderator(auth)?;
    let body = object(body.into_inner())?;
    let reason = text_field(&body, "reason")?;
    let video = service(&state)
        .act_on_video(&actor, video_id, action, &reason, Via::Api)
        .await?;
    Ok(HttpResponse::Ok().json(ModeratedVideo {
        video_id: video.id,
        hidden: video.is_hidden(),
        hidden_reason: video.hidden_reason.filter(|_| video.hidden_at.is_some()),
    }))
}

/// An account as moderators and admins see it.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: i32,
    pub email: String,
    pub username: String,
    /// `member`, `moderator` or `admin`.
    pub role: String,
    pub suspended: bool,
    pub suspended_reason: Option<String>,
    /// May upload videos.
    pub video_module: bool,
    /// Storage quota override in MB (`null`: `VIDEO_QUOTA_MB`).
    pub video_quota_mb: Option<i32>,
    /// Daily uploads override (`null`: `VIDEO_UPLOADS_PER_DAY`).
    pub uploads_per_day: Option<i32>,
}

impl AccountView {
    pub fn of(u: &User) -> Self {
        AccountView {
            id: u.id,
            email: u.email.clone(),
            username: u.username.clone(),
            role: u.role().as_str().into(),
            suspended: u.is_suspended(),
            suspended_reason: u.suspended_reason.clone(),
            video_module: u.has_module(crate::video::service::VIDEO_MODULE),
            video_quota_mb: u.video_quota_mb,
            uploads_per_day: u.uploads_per_day,
        }
    }
}

/// `POST /api/moderation/users/{id}/{action}`: suspend an account or lift it.
#[utoipa::path(
    post,
    path = "/api/moderation/users/{id}/{action}",
    tag = "moderation",
    summary = "Suspend an account, or lift its suspension",
    description = "`suspend` (needs `reason`): the account cannot sign in, every session and token it has stops working on every instance before this answers, and its videos are hidden. `unsuspend` lifts it and shows the videos the suspension hid; the person signs in again. Moderators suspend members; admins anyone but themselves.",
    params(
        ("id" = i32, Path, minimum = 1, description = "The account's id"),
        ("action" = String, Path, description = "`suspend` or `unsuspend`", pattern = "^(suspend|unsuspend)$"),
    ),
    request_body = ModerationRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account now", body = AccountView),
        (status = 403, description = "The caller may not do this", body = ErrorBody,
            example = json!({"error": "Only moderators can do this."})),
        (status = 404, description = "No such account or action", body = ErrorBody,
            example = json!({"error": "Not found"})),
    )
)]
pub async fn act_on_user(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let (raw_id, action) = path.into_inner();
    let user_id = id(&raw_id)?;
    let actor = moderator(auth)?;
    let body = object(body.into_inner())?;
    let reason = text_field(&body, "reason")?;
    let moderation = service(&state);
    let user = match action.as_str() {
        "suspend" => {
            moderation
                .suspend(&actor, user_id, &reason, Via::Api)
                .await?
        }
        "unsuspend" => moderation.unsuspend(&actor, user_id, Via::Api).await?,
        _ => return Err(ApiError::new(StatusCode::NOT_FOUND, "Not found")),
    };
    Ok(HttpResponse::Ok().json(AccountView::of(&user)))
}

/// `PUT /api/admin/users/{id}/role` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"role": "moderator"}))]
pub struct RoleRequest {
    #[schema(
        pattern = "^ *([Mm][Ee][Mm][Bb][Ee][Rr]|[Mm][Oo][Dd][Ee][Rr][Aa][Tt][Oo][Rr]|[Aa][Dd][Mm][Ii][Nn]) *$"
    )]
    pub role: String,
}

/// `PUT /api/admin/users/{id}/role`: change an account's role.
#[utoipa::path(
    put,
    path = "/api/admin/users/{id}/role",
    tag = "moderation",
    summary = "Change an account's role",
    description = "Admins only, and not their own role.",
    params(("id" = i32, Path, minimum = 1, description = "The account's id")),
    request_body = RoleRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account now", body = AccountView),
        (status = 403, description = "The caller is not an admin, or this is their own account", body = ErrorBody,
            example = json!({"error": "Only admins can do this."})),
        (status = 404, description = "No such account", body = ErrorBody,
            example = json!({"error": "Not found"})),
    )
)]
pub async fn set_role(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse> {
    let user_id = id(&path)?;
    let body = object(body.into_inner())?;
    if !body.contains_key("role") {
        return Err(ApiError::missing_fields(&["role"]));
    }
    let role = text_field(&body, "role")?;
    let user = service(&state)
        .set_role(&auth.user, user_id, &role, Via::Api)
        .await?;
    Ok(HttpResponse::Ok().json(AccountView::of(&user)))
}
