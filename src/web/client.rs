//! The device and network a request comes from, for the sign-in registry: the
//! User-Agent in words and the client address's prefix (through trusted proxies, as
//! the rate limits see it).

use actix_web::HttpRequest;
use actix_web::http::header::USER_AGENT;

use crate::auth::sign_ins::SignInClient;
use crate::http::rate_limit::client_ip;
use crate::state::AppState;

/// Who is signing in with `req`, as the list of sign-ins will show it.
pub fn sign_in_client(req: &HttpRequest, state: &AppState) -> SignInClient {
    let ua = req
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = client_ip(
        req.peer_addr().map(|a| a.ip()),
        req.headers(),
        &state.settings.http.trusted_proxies,
    );
    SignInClient::new(ua, ip)
}
