//! Cross-site request forgery protection for the browser site: every state-changing
//! request outside `/api` must carry this browser's token — its signed-in session's, or
//! for a signed-out browser the HMAC of its CSRF cookie (see [`super::visitor`]) — in
//! the `X-CSRF-Token` header
//! (htmx sends it), the `csrf_token` field of a url-encoded form or, for
//! `multipart/form-data` (uploads, whose bodies are never buffered here), a `csrf_token`
//! query parameter. `/api` uses Bearer tokens instead.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use rand::RngCore;
use subtle::ConstantTimeEq;

use super::errors::PageError;
use super::session;

pub const HEADER: &str = "x-csrf-token";
pub const FIELD: &str = "csrf_token";

/// 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time comparison (the length is not secret).
pub fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn field_of(pairs: Vec<(String, String)>) -> Option<String> {
    pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v)
}

/// The token from the form body (leaving the body in place for the handler), or from the
/// query string of a multipart request.
async fn token_from_form(req: &mut ServiceRequest) -> Result<Option<String>, actix_web::Error> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        return Ok(serde_urlencoded::from_str(req.query_string())
            .ok()
            .and_then(field_of));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(None);
    }
    let body = req.extract::<Bytes>().await?;
    let token = serde_urlencoded::from_bytes(&body).ok().and_then(field_of);
    req.set_payload(body.into());
    Ok(token)
}

/// Middleware: refuse state-changing browser requests without this browser's token.
pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_safe(req.method()) || is_api(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let expected = session::csrf_token(&req.get_session());
    let header_token = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let given = match header_token {
        Some(t) => Some(t),
        None => match token_from_form(&mut req).await {
            Ok(t) => t,
            Err(e) => return Ok(req.error_response(e)),
        },
    };
    let valid = match (expected, given) {
        (Some(expected), Some(given)) => tokens_match(&expected, &given),
        _ => false,
    };
    if !valid {
        if super::session_store::session_lost() {
            tracing::info!(path = %req.path(), "request refused: its session could not be read");
            return Ok(req.error_response(PageError::session_lost()));
        }
        tracing::info!(path = %req.path(), "request refused: missing or invalid CSRF token");
        return Ok(req.error_response(PageError::csrf()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_exactly() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        assert!(tokens_match(&a, &a.clone()));
        assert!(!tokens_match(&a, &a[..63]));
        assert!(!tokens_match(&a, ""));
        assert!(!tokens_match("", ""));
    }
}
