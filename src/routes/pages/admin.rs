//! `/admin/...`: admins find accounts, change their role, video module, quotas and
//! suspension, and read the audit trail filtered by account, action and date. Plain
//! forms with redirects and the error summary, like every page.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::report::page_error;
use super::staff::Admin;
use super::{FormFields, SignedIn, field, see_other};
use crate::domain::Role;
use crate::events::{Event, Via};
use crate::models::User;
use crate::models::audit::{self as audit_db, AuditFilter};
use crate::moderation::{ModerationError, quota};
use crate::render::{Errors, Page, PageCtx, View};
use crate::routes::api::moderation::{AccountView, service};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "pages/admin/users.html")]
struct UsersContent<'a> {
    v: &'a View,
    query: &'a str,
    users: Vec<AccountView>,
}

/// `GET /admin/users?q=`.
pub async fn users(
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
    Admin(who): Admin,
) -> Result<HttpResponse, PageError> {
    let found = service(&state)
        .find_users(&who.user, &query.q)
        .await
        .map_err(page_error)?;
    let content = UsersContent {
        v: &who.ctx.view,
        query: query.q.trim(),
        users: found.iter().map(AccountView::of).collect(),
    };
    who.ctx.render(
        who.ctx
            .page_with_flash(who.ctx.view.t("admin.users.heading")),
        &content,
    )
}

#[derive(Template)]
#[template(path = "pages/admin/user.html")]
struct UserContent<'a> {
    v: &'a View,
    u: AccountView,
    own: bool,
    usage: String,
    audit_link: String,
    roles: Vec<(&'static str, &'static str)>,
    quota_mb: String,
    per_day: String,
    default_quota_mb: u64,
    default_per_day: u32,
    csrf_token: &'a str,
    errors: &'a Errors,
}

fn id(raw: &str) -> Result<i32, PageError> {
    raw.parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(PageError::not_found)
}

async fn render_user(
    state: &AppState,
    who: &SignedIn,
    target: &User,
    page: Page,
    errors: &Errors,
    answers: Option<(&str, &str)>,
) -> Result<HttpResponse, PageError> {
    let settings = &state.settings.video.quota;
    let usage = quota::usage(&state.db, settings, target).await?;
    let token = who.ctx.csrf_token()?;
    let v = &who.ctx.view;
    let link = serde_urlencoded::to_string([("user", target.email.as_str())]).unwrap_or_default();
    let (quota_mb, per_day) = match answers {
        Some((q, d)) => (q.to_owned(), d.to_owned()),
        None => (
            target
                .video_quota_mb
                .map(|v| v.to_string())
                .unwrap_or_default(),
            target
                .uploads_per_day
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
    };
    let content = UserContent {
        v,
        u: AccountView::of(target),
        own: target.id == who.user.id,
        usage: format!(
            "{} ({} {} / {})",
            usage.describe(),
            usage.uploads_today,
            v.t("admin.quota.today"),
            usage.uploads_per_day
        ),
        audit_link: format!("/admin/audit?{link}"),
        roles: Role::ALL
            .iter()
            .map(|r| {
                (
                    r.as_str(),
                    v.t(match r {
                        Role::Member => "admin.role.member",
                        Role::Moderator => "admin.role.moderator",
                        Role::Admin => "admin.role.admin",
                    }),
                )
            })
            .collect(),
        quota_mb,
        per_day,
        default_quota_mb: settings.quota_mb,
        default_per_day: settings.uploads_per_day,
        csrf_token: &token,
        errors,
    };
    who.ctx.render(page, &content)
}

/// `GET /admin/users/{id}`.
pub async fn user(
    state: web::Data<AppState>,
    path: web::Path<String>,
    Admin(who): Admin,
) -> Result<HttpResponse, PageError> {
    let target = service(&state).user(id(&path)?).await.map_err(page_error)?;
    let page = who.ctx.page_with_flash(&target.username);
    render_user(&state, &who, &target, page, &Errors::default(), None).await
}

/// A whole number of at least 0, or empty (the default).
fn limit(raw: &str) -> Result<Option<i32>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i32>()
        .ok()
        .filter(|v| (0..=100_000_000).contains(v))
        .map(Some)
        .ok_or(())
}

/// `POST /admin/users/{id}/{change}`: `role` (`role`), `modules` (`video` yes/no),
/// `quota` (`quota_mb`, `uploads_per_day`; empty: default), `suspend` (`reason`),
/// `unsuspend`.
pub async fn change(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
    Admin(who): Admin,
) -> Result<HttpResponse, PageError> {
    let (raw_id, change) = path.into_inner();
    let user_id = id(&raw_id)?;
    let moderation = service(&state);
    let actor = &who.user;
    let v = &who.ctx.view;
    let result = match change.as_str() {
        "role" => moderation
            .set_role(actor, user_id, field(&form, "role"), Via::Browser)
            .await
            .map(|_| "admin.done.role"),
        "modules" => {
            let allowed = match field(&form, "video") {
                "yes" => true,
                "no" => false,
                _ => return Err(PageError::new(StatusCode::BAD_REQUEST)),
            };
            moderation
                .set_video_module(actor, user_id, allowed, Via::Browser)
                .await
                .map(|_| "admin.done.modules")
        }
        "quota" => {
            let (q, d) = (field(&form, "quota_mb"), field(&form, "uploads_per_day"));
            let mut errors = Errors::default();
            let quota_mb = limit(q).unwrap_or_else(|()| {
                errors.add("quota_mb", "quota_mb", v.t("admin.error.number").into());
                None
            });
            let per_day = limit(d).unwrap_or_else(|()| {
                errors.add(
                    "uploads_per_day",
                    "uploads_per_day",
                    v.t("admin.error.number").into(),
                );
                None
            });
            if !errors.is_empty() {
                let target = moderation.user(user_id).await.map_err(page_error)?;
                let page = Page::new(&target.username).invalid();
                return render_user(&state, &who, &target, page, &errors, Some((q, d))).await;
            }
            moderation
                .set_quota(actor, user_id, quota_mb, per_day, Via::Browser)
                .await
                .map(|_| "admin.done.quota")
        }
        "suspend" => moderation
            .suspend(actor, user_id, field(&form, "reason"), Via::Browser)
            .await
            .map(|_| "moderation.done.suspend"),
        "unsuspend" => moderation
            .unsuspend(actor, user_id, Via::Browser)
            .await
            .map(|_| "moderation.done.unsuspend"),
        _ => return Err(PageError::not_found()),
    };
    match result {
        Ok(key) => {
            session::set_flash(&who.ctx.session, v.t(key)).map_err(PageError::internal)?;
            Ok(see_other(&who.ctx, &format!("/admin/users/{user_id}")))
        }
        Err(ModerationError::Invalid(fields)) => {
            let mut errors = Errors::default();
            for name in fields.keys() {
                let key = if name == "role" {
                    "admin.error.role"
                } else {
                    "moderation.error.reason"
                };
                errors.add(name, name, v.t(key).into());
            }
            let target = moderation.user(user_id).await.map_err(page_error)?;
            let page = Page::new(&target.username).invalid();
            render_user(&state, &who, &target, page, &errors, None).await
        }
        Err(e) => Err(page_error(e)),
    }
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template)]
#[template(path = "pages/admin/audit.html")]
struct AuditContent<'a> {
    v: &'a View,
    f: &'a AuditQuery,
    actions: &'static [&'static str],
    /// (when, event, account, actor, details)
    rows: Vec<(String, String, String, String, String)>,
    errors: &'a Errors,
}

fn date(raw: &str) -> Result<Option<chrono::NaiveDate>, ()> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ())
}

/// `GET /admin/audit?user=&action=&from=&to=` (dates `YYYY-MM-DD`, `to` inclusive).
pub async fn audit(
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
    Admin(who): Admin,
) -> Result<HttpResponse, PageError> {
    let ctx: &PageCtx = &who.ctx;
    let v = &ctx.view;
    let f = query.into_inner();
    let mut errors = Errors::default();
    let mut filter = AuditFilter::default();
    match date(&f.from) {
        Ok(d) => filter.from = d.and_then(|d| d.and_hms_opt(0, 0, 0)),
        Err(()) => errors.add("from", "from", v.t("admin.error.date").into()),
    }
    match date(&f.to) {
        Ok(d) => {
            filter.until = d
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        }
        Err(()) => errors.add("to", "to", v.t("admin.error.date").into()),
    }
    let action = f.action.trim();
    if !action.is_empty() {
        if !Event::NAMES.contains(&action) {
            return Err(PageError::new(StatusCode::BAD_REQUEST));
        }
        filter.event = Some(action.to_owned());
    }
    let email = f.user.trim().to_lowercase();
    let db = state.db.clone();
    let rows = if errors.is_empty() {
        let found = db
            .run(move |c| {
                if !email.is_empty() {
                    match crate::models::user::find_by_email(c, &email)? {
                        Some(u) => filter.user_id = Some(u.id),
                        None => return Ok(None),
                    }
                }
                Ok(Some(audit_db::filtered(c, &filter, 200)?))
            })
            .await?;
        match found {
            Some(rows) => rows,
            None => {
                errors.add("user", "user", v.t("admin.error.user").into());
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let rows = rows
        .into_iter()
        .map(|(e, email)| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let actor = match details.get("actor_id").and_then(serde_json::Value::as_i64) {
                Some(id) => format!("#{id}"),
                None => "-".into(),
            };
            (
                e.occurred_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                e.event,
                email.unwrap_or_else(|| e.user_id.map_or("-".into(), |id| format!("#{id}"))),
                actor,
                e.details,
            )
        })
        .collect();
    let mut page = Page::new(v.t("admin.audit.heading"));
    if !errors.is_empty() {
        page = page.invalid();
    }
    let content = AuditContent {
        v,
        f: &f,
        actions: &Event::NAMES,
        rows,
        errors: &errors,
    };
    ctx.render(page, &content)
}
