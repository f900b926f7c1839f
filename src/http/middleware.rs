//! Cross-cutting HTTP middleware: the request id, one log line and one metrics sample per
//! request, JSON bodies for bare errors under `/api`, and the security headers.

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};

use actix_web::web;

use crate::error::ApiError;
use crate::state::AppState;

/// The id of one request, echoed as `X-Request-Id` and present on its log line.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Outermost middleware: assigns the request id, turns bare error responses under
/// `/api` into JSON, and writes exactly one log line per request. Only the method, the
/// path (never the query string), the status and the latency are logged.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().clone();
    let path = req.path().to_owned();
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let metrics = state.as_ref().map(|s| s.metrics.clone());

    // (The request must not be cloned before routing, so an error that escapes the
    // inner services is logged here and rendered by actix itself.)
    let (res, db_queries) = crate::db::queries::counted(next.call(req)).await;
    if let Some(state) = &state {
        state.db.query_log().record(&path, db_queries);
    }
    let res = match res {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            if let Some(m) = &metrics {
                m.record_request(method.as_str(), "unmatched", status, started.elapsed());
            }
            tracing::info!(request_id = %id, %method, %path, status, db_queries, "request");
            return Err(e);
        }
    };
    let mut res = if path == "/api" || path.starts_with("/api/") {
        json_error_body(res)
    } else {
        res
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(m) = &metrics {
        // The matched route pattern, never the raw path: bounded label values.
        let route = res.request().match_pattern();
        m.record_request(
            method.as_str(),
            route.as_deref().unwrap_or("unmatched"),
            status,
            elapsed,
        );
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, %path, status, latency_ms, db_queries, "request");
    } else {
        tracing::info!(request_id = %id, %method, %path, status, latency_ms, db_queries, "request");
    }
    Ok(res)
}

/// Replace a non-JSON error body (actix's own 404, 405, payload errors...) with the
/// API's `{"error": ...}` shape, keeping headers such as `Allow` and `Retry-After`.
fn json_error_body(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (req, old) = res.into_parts();
    let mut new = ApiError::for_status(status).to_response();
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = old.headers().get(&name) {
            new.headers_mut().insert(name, v.clone());
        }
    }
    ServiceResponse::new(req, new)
}

/// Security headers on every response. The CSP allows no inline script or style.
pub fn security_headers(production: bool) -> DefaultHeaders {
    let mut h = DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             media-src 'self' blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .add((
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ))
        .add((
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ));
    if production {
        h = h.add((
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        ));
    }
    h
}
