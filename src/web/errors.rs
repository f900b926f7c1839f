//! Errors of the browser site: [`PageError`] for handlers, and the middleware that turns
//! every bare error response outside `/api` (ours, actix's 404/405/413, the rate
//! limiter's 429) into an accessible HTML page in the site's layout.

use std::fmt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::auth::AuthError;
use crate::db::DbError;
use crate::render::{Page, PageCtx, View};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageErrorKind {
    /// A state-changing request without a valid CSRF token.
    Csrf,
    /// A state-changing request whose session could not be read (its store was out of
    /// reach), so its CSRF token could not be checked: the visitor must sign in again.
    SessionLost,
    /// Any other status, explained by its own copy.
    Status,
}

#[derive(Debug)]
pub struct PageError {
    status: StatusCode,
    kind: PageErrorKind,
    source: Option<anyhow::Error>,
}

impl PageError {
    pub fn new(status: StatusCode) -> Self {
        PageError {
            status,
            kind: PageErrorKind::Status,
            source: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND)
    }

    pub fn csrf() -> Self {
        PageError {
            status: StatusCode::FORBIDDEN,
            kind: PageErrorKind::Csrf,
            source: None,
        }
    }

    pub fn session_lost() -> Self {
        PageError {
            status: StatusCode::FORBIDDEN,
            kind: PageErrorKind::SessionLost,
            source: None,
        }
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: PageErrorKind::Status,
            source: Some(source.into()),
        }
    }

    pub fn unavailable(source: impl Into<anyhow::Error>) -> Self {
        PageError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            kind: PageErrorKind::Status,
            source: Some(source.into()),
        }
    }

    pub fn kind(&self) -> PageErrorKind {
        self.kind
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if let Some(source) = &self.source {
            write!(f, ": {source:#}")?;
        }
        Ok(())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// A bare response; [`error_pages`] renders it with the request's context.
    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(error = %self, status = self.status.as_u16(), "page failed");
        }
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.insert_header((header::RETRY_AFTER, "5"));
        }
        res.content_type("text/plain; charset=utf-8")
            .body(self.status.canonical_reason().unwrap_or("Error"))
    }
}

impl From<DbError> for PageError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            PageError::unavailable(e)
        } else {
            PageError::internal(e)
        }
    }
}

impl From<AuthError> for PageError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Db(db) => db.into(),
            other => PageError::internal(other),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorContent<'a> {
    v: &'a View,
    heading: &'static str,
    body: &'static str,
    retry_after: Option<u64>,
}

/// The copy key for a status (statuses without their own copy share a family's).
fn copy_key(status: StatusCode, kind: PageErrorKind) -> &'static str {
    match kind {
        PageErrorKind::Csrf => return "csrf",
        PageErrorKind::SessionLost => return "session_lost",
        PageErrorKind::Status => {}
    }
    match status.as_u16() {
        403 => "403",
        404 => "404",
        405 => "405",
        413 => "413",
        429 => "429",
        503 => "503",
        s if s >= 500 => "500",
        _ => "400",
    }
}

/// Render the error page for `status`.
pub fn error_page(
    ctx: &PageCtx,
    status: StatusCode,
    kind: PageErrorKind,
    retry_after: Option<u64>,
) -> Result<HttpResponse, PageError> {
    let key = copy_key(status, kind);
    let v = &ctx.view;
    let heading = v.t(&format!("error.{key}.heading"));
    let content = ErrorContent {
        v,
        heading,
        body: v.t(&format!("error.{key}.body")),
        retry_after,
    };
    let mut res = ctx.render(
        Page::new(heading).status(status).alert(heading.to_owned()),
        &content,
    )?;
    if let Some(secs) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    Ok(res)
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Middleware: outside `/api`, replace bare 4xx/5xx responses with the error page in
/// the layout, keeping `Allow` and `Retry-After`.
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_api(res.request().path()) {
        return Ok(res);
    }
    // Rewrite bare responses only: errors raised by handlers, extractors and middleware,
    // bodies without a type or in plain text (actix's 405), and the rate limiter's 429.
    // Deliberate documents (HTML pages, the JSON of /readyz) pass through.
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bare = res.response().error().is_some()
        || content_type.is_empty()
        || content_type.starts_with("text/plain")
        || status == StatusCode::TOO_MANY_REQUESTS;
    if !bare || content_type.starts_with("text/html") {
        return Ok(res);
    }
    let kind = res
        .response()
        .error()
        .and_then(|e| e.as_error::<PageError>())
        .map_or(PageErrorKind::Status, PageError::kind);
    let retry_after = res
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let allow = res.headers().get(header::ALLOW).cloned();
    let (req, _old) = res.into_parts();
    let ctx = match PageCtx::load(&req).await {
        Ok(ctx) => ctx,
        Err(e) => {
            tracing::warn!(error = %e, "error page rendered without the visitor's context");
            PageCtx::fallback(&req)
        }
    };
    let mut page = match error_page(&ctx, status, kind, retry_after) {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "error page could not be rendered");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(status.canonical_reason().unwrap_or("Error"))
        }
    };
    if let Some(allow) = allow {
        page.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ServiceResponse::new(req, page))
}
