//! `/api/auth/password…`: change the password (Bearer; every other sign-in and browser
//! session ends, this sign-in carries on), ask for a reset link (the same answer for
//! any address) and set a new password with the link (every sign-in ends). Request
//! bodies are described here for the OpenAPI document.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::MessageResponse;
use super::object;
use crate::auth::BearerAuth;
use crate::auth::account::{AccountError, plausible_link_token};
use crate::domain::{Email, Password};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// `POST /api/auth/password` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"current_password": "correct horse battery", "new_password": "a new long passphrase"}))]
pub struct ChangePasswordRequest {
    #[schema(min_length = 1)]
    pub current_password: String,
    /// At least 8 characters and at most 72 bytes (UTF-8).
    #[schema(min_length = 8, max_length = 72)]
    pub new_password: String,
}

/// `POST /api/auth/password/forgot` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ann@example.com"}))]
pub struct ForgotPasswordRequest {
    /// The account's email address.
    #[schema(min_length = 3, max_length = 254)]
    pub email: String,
}

/// `POST /api/auth/password/reset` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"token": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "new_password": "a new long passphrase"}))]
pub struct ResetPasswordRequest {
    /// The token from the mailed link (64 hexadecimal digits).
    #[schema(min_length = 64, max_length = 64, pattern = "^[0-9a-fA-F]{64}$")]
    pub token: String,
    /// At least 8 characters and at most 72 bytes (UTF-8).
    #[schema(min_length = 8, max_length = 72)]
    pub new_password: String,
}

/// The token of a mailed link, trimmed: 404 (like a used or expired link) when it does
/// not have a link token's shape.
fn link_token(token: &str) -> Result<&str, ApiError> {
    let token = token.trim();
    if !plausible_link_token(token) {
        return Err(account_error(AccountError::InvalidLink));
    }
    Ok(token)
}

/// A string field: 400 when absent, 422 when not a string.
fn string<'a>(body: &'a serde_json::Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Err(ApiError::missing_fields(&[name])),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::invalid(BTreeMap::from([(
            name.to_owned(),
            "Must be a string".to_owned(),
        )]))),
    }
}

fn field_error(name: &str, message: &str) -> ApiError {
    ApiError::invalid(BTreeMap::from([(name.to_owned(), message.to_owned())]))
}

/// 403: the password given does not allow the change (`field` names it).
fn wrong_password(field: &str, message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, message.to_owned())
        .with_fields(std::iter::once((field.to_owned(), message.to_owned())).collect())
}

pub(super) fn account_error(e: AccountError) -> ApiError {
    match e {
        AccountError::WrongPassword => wrong_password("current_password", &e.to_string()),
        // No link with that token works (wrong, used or expired): 404.
        AccountError::InvalidLink => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        AccountError::NotFound => ApiError::unauthorized("Token is invalid or expired"),
        AccountError::NoSuchSignIn => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        AccountError::EmailTaken => ApiError::new(StatusCode::CONFLICT, e.to_string())
            .with_fields(std::iter::once(("new_email".to_owned(), e.to_string())).collect()),
        AccountError::SameEmail => field_error("new_email", &e.to_string()),
        AccountError::Db(db) => db.into(),
        AccountError::Hash(h) => ApiError::internal(h),
    }
}

/// `POST /api/auth/password`
#[utoipa::path(
    post,
    path = "/api/auth/password",
    tag = "auth",
    summary = "Change the password",
    description = "Needs the current password. Every other sign-in (refresh token family) and every browser session of the account is revoked; this sign-in carries on. A notice is emailed.",
    request_body = ChangePasswordRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = MessageResponse,
            example = json!({"message": "Password changed"})),
        (status = 403, description = "The current password is wrong", body = ErrorBody),
        (status = 422, description = "The new password is not valid", body = ErrorBody),
    )
)]
pub async fn change_password(
    state: web::Data<AppState>,
    auth: BearerAuth,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let current = string(&body, "current_password")?;
    let new = string(&body, "new_password")?;
    if current.is_empty() {
        return Err(field_error(
            "current_password",
            "Enter your current password",
        ));
    }
    let new = Password::parse(new.to_owned()).map_err(|m| field_error("new_password", m))?;
    state
        .accounts
        .change_password(
            auth.user.id,
            &SecretString::from(current.to_owned()),
            new,
            None,
            Some(auth.claims.fam.clone()),
        )
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: "Password changed",
    }))
}

/// `POST /api/auth/password/forgot`
#[utoipa::path(
    post,
    path = "/api/auth/password/forgot",
    tag = "auth",
    summary = "Ask for a password reset link",
    description = "The answer is the same whether or not an account has the address. When one has, a single-use link valid for PASSWORD_RESET_TTL (30 minutes) is emailed; at most 3 an hour per address.",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 202, description = "Accepted (whether or not the address has an account)", body = MessageResponse,
            example = json!({"message": "If an account uses this address, a link to reset its password has been sent"})),
        (status = 422, description = "Not an email address", body = ErrorBody),
    )
)]
pub async fn forgot_password(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let email = Email::parse(string(&body, "email")?).map_err(|m| field_error("email", m))?;
    state
        .accounts
        .request_reset(email.as_str())
        .await
        .map_err(account_error)?;
    Ok(
        HttpResponse::build(StatusCode::ACCEPTED).json(MessageResponse {
            message: "If an account uses this address, a link to reset its password has been sent",
        }),
    )
}

/// `POST /api/auth/password/reset`
#[utoipa::path(
    post,
    path = "/api/auth/password/reset",
    tag = "auth",
    summary = "Set a new password with a reset link",
    description = "Uses the link up; every sign-in and browser session of the account is revoked.",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, description = "Changed: sign in with the new password", body = MessageResponse,
            example = json!({"message": "Password changed"})),
        (status = 404, description = "The link is wrong, used or expired", body = ErrorBody),
        (status = 422, description = "The new password is not valid", body = ErrorBody),
    )
)]
pub async fn reset_password(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let token = string(&body, "token")?;
    let new = string(&body, "new_password")?;
    let token = link_token(token)?;
    let new = Password::parse(new.to_owned()).map_err(|m| field_error("new_password", m))?;
    state
        .accounts
        .reset_password(token, new)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: "Password changed",
    }))
}

/// `POST /api/auth/email/verify` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"token": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}))]
pub struct VerifyEmailRequest {
    /// The token from the mailed link (64 hexadecimal digits).
    #[schema(min_length = 64, max_length = 64, pattern = "^[0-9a-fA-F]{64}$")]
    pub token: String,
}

/// `POST /api/auth/email/verify`
#[utoipa::path(
    post,
    path = "/api/auth/email/verify",
    tag = "auth",
    summary = "Confirm the email address with the mailed link",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Confirmed", body = MessageResponse,
            example = json!({"message": "Email address confirmed"})),
        (status = 404, description = "The link is wrong, used or expired", body = ErrorBody),
    )
)]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let token = link_token(string(&body, "token")?)?;
    state
        .accounts
        .verify_email(token)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: "Email address confirmed",
    }))
}

/// `POST /api/auth/email/verify/resend`
#[utoipa::path(
    post,
    path = "/api/auth/email/verify/resend",
    tag = "auth",
    summary = "Mail a new confirmation link",
    description = "Older links stop working. Nothing is sent when the address is confirmed already.",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "Sent (or nothing to confirm)", body = MessageResponse,
            example = json!({"message": "A new confirmation link has been sent"})),
    )
)]
pub async fn resend_verification(
    state: web::Data<AppState>,
    auth: BearerAuth,
) -> Result<HttpResponse, ApiError> {
    if auth.user.email_verified_at.is_none() {
        state
            .accounts
            .send_verification(&auth.user)
            .await
            .map_err(account_error)?;
    }
    Ok(
        HttpResponse::build(StatusCode::ACCEPTED).json(MessageResponse {
            message: "A new confirmation link has been sent",
        }),
    )
}

/// `DELETE /api/auth/user` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"password": "correct horse battery"}))]
pub struct DeleteAccountRequest {
    /// The account's password, to confirm.
    #[schema(min_length = 1)]
    pub password: String,
}

/// `DELETE /api/auth/user`
#[utoipa::path(
    delete,
    path = "/api/auth/user",
    tag = "auth",
    summary = "Delete the account",
    description = "Confirmed with the password. Removes the account's videos (and their files), captions, ratings, sessions and tokens at once; the address can register again.",
    request_body = DeleteAccountRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = MessageResponse,
            example = json!({"message": "Account deleted"})),
        (status = 403, description = "The password is wrong", body = ErrorBody),
        (status = 422, description = "No password given", body = ErrorBody),
    )
)]
pub async fn delete_account(
    state: web::Data<AppState>,
    auth: BearerAuth,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let password = string(&body, "password")?;
    if password.is_empty() {
        return Err(field_error("password", "Enter your password"));
    }
    state
        .accounts
        .delete_account(auth.user.id, &SecretString::from(password.to_owned()))
        .await
        .map_err(|e| match e {
            AccountError::WrongPassword => wrong_password("password", "Your password is wrong"),
            other => account_error(other),
        })?;
    tracing::info!(user_id = auth.user.id, "account deleted");
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: "Account deleted",
    }))
}

/// `GET /api/auth/user/export`
#[utoipa::path(
    get,
    path = "/api/auth/user/export",
    tag = "auth",
    summary = "Download your data",
    description = "One JSON document: profile, preferences, videos (details and links, with their caption tracks) and the ratings this account gave.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export, as an attachment", body = crate::auth::account_export::AccountExport),
    )
)]
pub async fn export(
    state: web::Data<AppState>,
    auth: BearerAuth,
) -> Result<HttpResponse, ApiError> {
    let doc = state
        .accounts
        .export(&auth.user)
        .await
        .map_err(account_error)?;
    Ok(export_response(&doc))
}

/// The export as a download (`pinkflow-<username>.json`).
pub fn export_response(doc: &crate::auth::account_export::AccountExport) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"pinkflow-{}.json\"",
                doc.profile.username
            ),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(doc)
}

/// `POST /api/auth/email` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"new_email": "ann.new@example.com", "current_password": "correct horse battery"}))]
pub struct ChangeEmailRequest {
    /// The new address (stored in lower case).
    #[schema(min_length = 3, max_length = 254)]
    pub new_email: String,
    #[schema(min_length = 1)]
    pub current_password: String,
}

/// `POST /api/auth/email`
#[utoipa::path(
    post,
    path = "/api/auth/email",
    tag = "auth",
    summary = "Ask to change the email address",
    description = "Needs the current password. A single-use link valid for EMAIL_TOKEN_TTL (24 hours) is mailed to the new address; the address changes only when the link is followed (POST /api/auth/email/confirm), and then counts as confirmed; the old address gets a notice.",
    request_body = ChangeEmailRequest,
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The link was sent to the new address", body = MessageResponse,
            example = json!({"message": "A link to confirm the new address has been sent to it"})),
        (status = 403, description = "The current password is wrong", body = ErrorBody),
        (status = 409, description = "Another account has the address (as registration says)", body = ErrorBody,
            example = json!({"error": "Email already registered"})),
        (status = 422, description = "Not an email address, or the account's own already", body = ErrorBody),
    )
)]
pub async fn change_email(
    state: web::Data<AppState>,
    auth: BearerAuth,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let new_email = string(&body, "new_email")?;
    let current = string(&body, "current_password")?;
    let new_email = Email::parse(new_email).map_err(|m| field_error("new_email", m))?;
    if current.is_empty() {
        return Err(field_error(
            "current_password",
            "Enter your current password",
        ));
    }
    state
        .accounts
        .request_email_change(
            auth.user.id,
            &SecretString::from(current.to_owned()),
            &new_email,
        )
        .await
        .map_err(account_error)?;
    Ok(
        HttpResponse::build(StatusCode::ACCEPTED).json(MessageResponse {
            message: "A link to confirm the new address has been sent to it",
        }),
    )
}

/// `POST /api/auth/email/confirm`
#[utoipa::path(
    post,
    path = "/api/auth/email/confirm",
    tag = "auth",
    summary = "Change the email address with the mailed link",
    description = "Uses the link up. The account takes the new address, confirmed; the old address gets a notice.",
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "Changed", body = MessageResponse,
            example = json!({"message": "Email address changed"})),
        (status = 404, description = "The link is wrong, used or expired", body = ErrorBody),
        (status = 409, description = "Another account took the address meanwhile (the link is used up)", body = ErrorBody),
    )
)]
pub async fn confirm_email_change(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let token = link_token(string(&body, "token")?)?;
    state
        .accounts
        .confirm_email_change(token)
        .await
        .map_err(account_error)?;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: "Email address changed",
    }))
}
