//! `/api/auth/sessions…`: where the account is signed in (browser sessions and API
//! sign-ins, i.e. refresh token families), ending one, or all but the asking sign-in.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::account::account_error;
use crate::auth::BearerAuth;
use crate::auth::account::AccountError;
use crate::auth::sign_ins::{Listed, plausible_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One place the account is signed in.
#[derive(Serialize, ToSchema)]
pub struct SignInResponse {
    /// What to end it with (`DELETE /api/auth/sessions/{id}`): 32 hexadecimal digits.
    #[schema(example = "5f2b9c0e7a1d4e3f8b6a0c9d2e1f4a7b")]
    pub id: String,
    /// `browser` (a signed-in browser session) or `api` (a refresh token family).
    #[schema(example = "api")]
    pub kind: String,
    /// Browser and system, from the User-Agent at sign-in.
    #[schema(example = "Firefox on Linux")]
    pub device: String,
    /// The network it signed in from (IPv4 /24, IPv6 /48), never the full address.
    #[schema(example = "203.0.113.0/24")]
    pub place: String,
    /// RFC 3339, UTC.
    #[schema(example = "2026-12-01T18:25:00Z")]
    pub signed_in_at: String,
    /// Last request (browser sessions, written at most once a minute) or token refresh
    /// (API sign-ins). RFC 3339, UTC.
    #[schema(example = "2026-12-01T18:40:00Z")]
    pub last_seen_at: String,
    /// The sign-in making this request.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SignInsResponse {
    /// Most recently seen first.
    pub sign_ins: Vec<SignInResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct SignedOutOthersResponse {
    /// How many listed sign-ins were ended.
    #[schema(example = 2)]
    pub signed_out: usize,
}

fn iso(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl From<Listed> for SignInResponse {
    fn from(l: Listed) -> Self {
        SignInResponse {
            id: l.row.id,
            kind: l.row.kind,
            device: l.row.device,
            place: l.row.place,
            signed_in_at: iso(l.row.signed_in_at),
            last_seen_at: iso(l.row.last_seen_at),
            current: l.current,
        }
    }
}

/// `GET /api/auth/sessions`
#[utoipa::path(
    get,
    path = "/api/auth/sessions",
    tag = "auth",
    summary = "List where the account is signed in",
    description = "Browser sessions and API sign-ins (refresh token families) that can still be used, with device, network prefix, sign-in time and last seen; the one making the request is `current`.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sign-ins", body = SignInsResponse),
    )
)]
pub async fn list(state: web::Data<AppState>, auth: BearerAuth) -> Result<HttpResponse, ApiError> {
    let listed = state
        .accounts
        .sign_ins(auth.user.id, None, Some(&auth.claims.fam))
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok().json(SignInsResponse {
        sign_ins: listed.into_iter().map(SignInResponse::from).collect(),
    }))
}

/// `DELETE /api/auth/sessions/{id}`
#[utoipa::path(
    delete,
    path = "/api/auth/sessions/{id}",
    tag = "auth",
    summary = "Sign out one sign-in",
    description = "A browser session is signed out at once, on every instance; an API sign-in's whole refresh token family (and its access tokens) is revoked. Ending the current sign-in signs this client out.",
    params(("id" = String, Path, description = "The sign-in's id from the list")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 404, description = "The account has no sign-in with that id (it ended already)", body = ErrorBody),
    )
)]
pub async fn sign_out_one(
    state: web::Data<AppState>,
    auth: BearerAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    if !plausible_id(&id) {
        return Err(account_error(AccountError::NoSuchSignIn));
    }
    state
        .accounts
        .sign_out_one(auth.user.id, &id)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::build(StatusCode::NO_CONTENT).finish())
}

/// `POST /api/auth/sessions/sign-out-others`
#[utoipa::path(
    post,
    path = "/api/auth/sessions/sign-out-others",
    tag = "auth",
    summary = "Sign out everywhere else",
    description = "Every browser session and every other API sign-in of the account ends; this sign-in carries on.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed out everywhere else", body = SignedOutOthersResponse),
    )
)]
pub async fn sign_out_others(
    state: web::Data<AppState>,
    auth: BearerAuth,
) -> Result<HttpResponse, ApiError> {
    let (_, signed_out) = state
        .accounts
        .sign_out_others(auth.user.id, None, Some(auth.claims.fam.clone()))
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok().json(SignedOutOthersResponse { signed_out }))
}
