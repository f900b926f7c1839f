//! One error type for the JSON API: every failure becomes `{"error": "..."}` (plus
//! `"fields"` for validation) with the right status. Internal causes are logged with
//! their chain and never shown to the client.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::auth::service::AuthError;
use crate::db::DbError;
use crate::video::VideoError;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub fields: Option<BTreeMap<String, String>>,
    pub retry_after: Option<u64>,
    source: Option<anyhow::Error>,
}

/// Every error: a message for people and, for validation errors, one message per field.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": "Some values are not valid",
    "fields": {"visual_density": "Visual density must be a whole number from 1 to 5"}}))]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            fields: None,
            retry_after: None,
            source: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn missing_fields(missing: &[&str]) -> Self {
        let fields = missing
            .iter()
            .map(|f| (f.to_string(), "This field is required".to_string()))
            .collect();
        Self::new(StatusCode::BAD_REQUEST, "Missing required fields").with_fields(fields)
    }

    pub fn invalid(fields: BTreeMap<String, String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Some values are not valid",
        )
        .with_fields(fields)
    }

    pub fn with_fields(mut self, fields: BTreeMap<String, String>) -> Self {
        self.fields = Some(fields);
        self
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many requests. Try again in {retry_after} second{}.",
                if retry_after == 1 { "" } else { "s" }
            ),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error");
        e.source = Some(source.into());
        e
    }

    pub fn unavailable(source: impl Into<anyhow::Error>) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable. Please try again shortly.",
        );
        e.source = Some(source.into());
        e.retry_after = Some(5);
        e
    }

    /// The canonical message for a bare status code produced outside our handlers.
    pub fn for_status(status: StatusCode) -> Self {
        let message = match status.as_u16() {
            400 => "Bad request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Resource not found",
            405 => "Method not allowed",
            408 => "Request timed out",
            413 => "Request body is too large (the limit is 1 MiB)",
            415 => "Content-Type must be application/json",
            429 => "Too many requests",
            503 => "The service is temporarily unavailable. Please try again shortly.",
            s if s >= 500 => "Internal server error",
            _ => status.canonical_reason().unwrap_or("Error"),
        };
        Self::new(status, message)
    }

    pub fn to_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            builder.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        builder.json(ErrorBody {
            error: self.message.clone(),
            fields: self.fields.clone(),
        })
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source:#}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            match &self.source {
                Some(source) => {
                    tracing::error!(error = %format!("{source:#}"), status = self.status.as_u16(), "request failed")
                }
                None => {
                    tracing::error!(status = self.status.as_u16(), message = %self.message, "request failed")
                }
            }
        }
        self.to_response()
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_unavailable() {
            ApiError::unavailable(e)
        } else {
            ApiError::internal(e)
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::EmailTaken | AuthError::UsernameTaken => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            AuthError::InvalidCredentials => ApiError::unauthorized("Invalid credentials"),
            AuthError::Suspended => ApiError::new(
                StatusCode::FORBIDDEN,
                "This account is suspended by moderators. You cannot sign in.",
            ),
            AuthError::InvalidToken => ApiError::unauthorized("Token is invalid or expired"),
            AuthError::InvalidRefreshToken => {
                ApiError::unauthorized("Invalid or expired refresh token")
            }
            AuthError::Throttled(wait) => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-in attempts for this account. Try again in {}.",
                        human_wait(wait)
                    ),
                );
                e.retry_after = Some(wait.as_secs().max(1));
                e
            }
            AuthError::Db(db) => db.into(),
            AuthError::Hash(h) => ApiError::internal(h),
        }
    }
}

impl From<VideoError> for ApiError {
    fn from(e: VideoError) -> Self {
        match e {
            VideoError::NotFound => ApiError::new(StatusCode::NOT_FOUND, "Video not found"),
            VideoError::TrackNotFound | VideoError::RevisionNotFound => {
                ApiError::new(StatusCode::NOT_FOUND, e.to_string())
            }
            VideoError::BadCues(errors) => {
                let fields = errors
                    .into_iter()
                    .map(|c| (format!("cues[{}].{}", c.index, c.field), c.message))
                    .collect();
                ApiError::invalid(fields)
            }
            VideoError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, m),
            VideoError::Invalid(fields) => ApiError::invalid(fields),
            VideoError::TooLarge { limit_mb } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The video is too large. The largest file you can upload is {limit_mb} MB."
                ),
            ),
            VideoError::NotAVideo(m) | VideoError::BadCaptions(m) => {
                let fields = BTreeMap::from([("file".to_string(), m.clone())]);
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m).with_fields(fields)
            }
            VideoError::CaptionTooLarge { .. } => {
                let m = e.to_string();
                let fields = BTreeMap::from([("file".to_string(), m.clone())]);
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m).with_fields(fields)
            }
            VideoError::OverQuota(m) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, m),
            VideoError::DailyUploadLimit(m) => {
                let mut api = ApiError::new(StatusCode::TOO_MANY_REQUESTS, m);
                api.retry_after = Some(3600);
                api
            }
            VideoError::StorageFull => {
                ApiError::new(StatusCode::INSUFFICIENT_STORAGE, e.to_string())
            }
            VideoError::LowDiskSpace => {
                let mut api = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
                api.retry_after = Some(60);
                api
            }
            VideoError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            VideoError::Malformed(m) => ApiError::bad_request(m),
            VideoError::Db(db) => db.into(),
            VideoError::Io(io) => ApiError::internal(io),
        }
    }
}

/// "40 seconds", "1 minute", "15 minutes": rounded up, for people.
pub fn human_wait(wait: std::time::Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    if secs < 60 {
        let secs = secs.max(1);
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let mins = secs.div_ceil(60);
        format!("{mins} minute{}", if mins == 1 { "" } else { "s" })
    }
}

#[cfg(test)]
mod tests {
    use super::human_wait;
    use std::time::Duration;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(human_wait(Duration::from_millis(300)), "1 second");
        assert_eq!(human_wait(Duration::from_secs(42)), "42 seconds");
        assert_eq!(human_wait(Duration::from_secs(61)), "2 minutes");
        assert_eq!(human_wait(Duration::from_secs(900)), "15 minutes");
    }
}
