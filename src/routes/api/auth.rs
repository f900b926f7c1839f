//! `/api/auth/*`: the original platform's contract, made strict.

use std::collections::BTreeMap;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::docs::{
    LoginRequest, LogoutRequest, PreferencesRequest, RefreshRequest, RegisterRequest,
};
use super::object;
use crate::auth::BearerAuth;
use crate::auth::service::{NewAccount, TokenPair};
use crate::domain::{
    Email, Password, PreferencesJson, PreferencesUpdate, SignLanguage, Username, refusal_errors,
};
use crate::error::{ApiError, ErrorBody};
use crate::events::{Event, Publish, Via};
use crate::models::User;
use crate::state::AppState;

/// Required string fields: 400 listing those absent, 422 for those of the wrong type.
fn required_strings<'a>(
    body: &'a Map<String, Value>,
    names: &[&'static str],
) -> Result<Vec<&'a str>, ApiError> {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| body.get(*n).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::missing_fields(&missing));
    }
    let mut wrong = BTreeMap::new();
    let values: Vec<&str> = names
        .iter()
        .filter_map(|n| match body[*n].as_str() {
            Some(s) => Some(s),
            None => {
                wrong.insert(n.to_string(), "Must be a string".to_string());
                None
            }
        })
        .collect();
    if wrong.is_empty() {
        Ok(values)
    } else {
        Err(ApiError::invalid(wrong))
    }
}

fn iso(dt: chrono::NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(dt, Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    pub id: i32,
    pub email: String,
    pub username: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterResponse {
    #[schema(example = "User registered successfully")]
    pub message: &'static str,
    pub user: UserSummary,
}

#[derive(Serialize, ToSchema)]
#[schema(as = TokenTypeName)]
pub enum TokenType {
    Bearer,
}

/// A fresh access token and refresh token.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiJ9.…", "refresh_token": "eyJhbGciOiJIUzI1NiJ9.…",
    "token_type": "Bearer", "expires_in": 900}))]
pub struct TokenPairResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl From<TokenPair> for TokenPairResponse {
    fn from(pair: TokenPair) -> Self {
        TokenPairResponse {
            access_token: pair.access_token,
            refresh_token: pair.refresh_token,
            token_type: TokenType::Bearer,
            expires_in: pair.expires_in,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginUser {
    pub id: i32,
    pub email: String,
    pub username: String,
    pub accessibility_preferences: PreferencesJson,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: LoginUser,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
pub struct CurrentUser {
    pub id: i32,
    pub email: String,
    pub username: String,
    pub accessibility_preferences: PreferencesJson,
    /// Modules this account may use, e.g. `video`.
    pub authorized_modules: Vec<String>,
    /// RFC 3339 time of the previous sign-in, or null.
    #[schema(format = DateTime, nullable)]
    pub last_login: Option<String>,
    /// The email address has been confirmed (through the link mailed at registration).
    pub email_verified: bool,
}

impl CurrentUser {
    fn of(user: &User) -> Self {
        CurrentUser {
            id: user.id,
            email: user.email.clone(),
            username: user.username.clone(),
            accessibility_preferences: user.preferences().to_json(),
            authorized_modules: user.modules(),
            last_login: user.last_login.map(iso),
            email_verified: user.email_verified_at.is_some(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageResponse {
    pub message: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct PreferencesResponse {
    #[schema(example = "Preferences updated successfully")]
    pub message: &'static str,
    pub accessibility_preferences: PreferencesJson,
}

/// `POST /api/auth/register`: create an account.
#[utoipa::path(
    post,
    path = "/api/auth/register",
    tag = "auth",
    summary = "Create an account",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The account was created", body = RegisterResponse,
            example = json!({"message": "User registered successfully",
                "user": {"id": 1, "email": "ann@example.com", "username": "ann_signs"}})),
        (status = 409, description = "The email address or username is taken", body = ErrorBody,
            example = json!({"error": "Email already registered"})),
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let fields = required_strings(&body, &["email", "username", "password"])?;
    let (email, username, password) = (fields[0], fields[1], fields[2]);
    let mut errors = BTreeMap::new();
    let email = Email::parse(email)
        .map_err(|m| errors.insert("email".into(), m.into()))
        .ok();
    let username = Username::parse(username)
        .map_err(|m| errors.insert("username".into(), m.into()))
        .ok();
    let password = Password::parse(password.to_owned())
        .map_err(|m| errors.insert("password".into(), m.into()))
        .ok();
    let sign_language = match body.get("preferred_sign_language") {
        None | Some(Value::Null) => Some(SignLanguage::default()),
        Some(Value::String(s)) => SignLanguage::parse(s)
            .map_err(|m| errors.insert("preferred_sign_language".into(), m))
            .ok(),
        Some(_) => {
            errors.insert(
                "preferred_sign_language".into(),
                SignLanguage::choices_message(),
            );
            None
        }
    };
    let (Some(email), Some(username), Some(password), Some(sign_language)) =
        (email, username, password, sign_language)
    else {
        return Err(ApiError::invalid(errors));
    };
    let user = state
        .auth
        .register(
            NewAccount {
                email,
                username,
                password,
                sign_language,
            },
            Via::Api,
        )
        .await?;
    tracing::info!(user_id = user.id, "user registered");
    if let Err(e) = state.accounts.send_verification(&user).await {
        tracing::warn!(user_id = user.id, error = %e, "confirmation mail not queued");
    }
    Ok(HttpResponse::Created().json(RegisterResponse {
        message: "User registered successfully",
        user: UserSummary {
            id: user.id,
            email: user.email,
            username: user.username,
        },
    }))
}

/// `POST /api/auth/login`: exchange credentials for tokens.
#[utoipa::path(
    post,
    path = "/api/auth/login",
    tag = "auth",
    summary = "Sign in",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: an access token, a refresh token and the account",
            body = LoginResponse),
        (status = 401, description = "The email address or password is wrong", body = ErrorBody,
            example = json!({"error": "Invalid credentials"})),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let (Some(email), Some(password)) = (text("email"), text("password")) else {
        return Err(ApiError::bad_request("Missing email or password"));
    };
    let password = SecretString::from(password.to_owned());
    let user = state.auth.verify_credentials(email, &password).await?;
    let client = crate::web::client::sign_in_client(&req, &state);
    let pair = state.auth.issue_tokens(user.id, &client).await?;
    tracing::info!(user_id = user.id, "user signed in");
    state.events.publish(Event::UserLogin {
        user_id: user.id,
        via: Via::Api,
    });
    let pair = TokenPairResponse::from(pair);
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token: pair.access_token,
        refresh_token: pair.refresh_token,
        token_type: pair.token_type,
        expires_in: pair.expires_in,
        user: LoginUser {
            id: user.id,
            accessibility_preferences: user.preferences().to_json(),
            email: user.email,
            username: user.username,
        },
    }))
}

/// `POST /api/auth/refresh`: trade a refresh token for a new pair (rotation; reusing
/// a refresh token revokes its whole family).
#[utoipa::path(
    post,
    path = "/api/auth/refresh",
    tag = "auth",
    summary = "Refresh tokens",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair; the refresh token given is spent",
            body = TokenPairResponse),
        (status = 401, description = "The refresh token is invalid, expired, spent or revoked",
            body = ErrorBody, example = json!({"error": "Invalid or expired refresh token"})),
    )
)]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let Some(token) = body
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return Err(ApiError::bad_request("Missing refresh token"));
    };
    let pair = state.auth.refresh(token).await?;
    Ok(HttpResponse::Ok().json(TokenPairResponse::from(pair)))
}

#[utoipa::path(
    post,
    path = "/api/auth/logout",
    tag = "auth",
    summary = "Sign out",
    request_body(content = LogoutRequest, description = "Optional: may be empty"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The access token (and the refresh family, if given) is revoked",
            body = MessageResponse, example = json!({"message": "Logged out successfully"})),
    )
)]
/// `POST /api/auth/logout`: the body is optional; when present it must be a JSON object
/// and may name a `refresh_token` whose family is revoked too.
pub async fn logout(
    state: web::Data<AppState>,
    auth: BearerAuth,
    req: HttpRequest,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    // Read the whole request before revoking anything: a bad body changes nothing.
    let refresh_token = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::for_status(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ));
        }
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("Malformed JSON: {e}")))?;
        let map = object(value)?;
        match map.get("refresh_token") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(ApiError::invalid(BTreeMap::from([(
                    "refresh_token".to_string(),
                    "Must be a string".to_string(),
                )])));
            }
        }
    };
    state
        .auth
        .logout(&auth.claims, refresh_token.as_deref())
        .await?;
    tracing::info!(user_id = auth.user.id, "user signed out");
    state.events.publish(Event::UserLogout {
        user_id: auth.user.id,
        via: Via::Api,
    });
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: "Logged out successfully",
    }))
}

/// `GET /api/auth/user`: the signed-in account.
#[utoipa::path(
    get,
    path = "/api/auth/user",
    tag = "auth",
    summary = "The signed-in account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account behind the bearer token", body = CurrentUser,
            example = json!({"id": 1, "email": "ann@example.com", "username": "ann_signs",
                "accessibility_preferences": {"preferred_sign_language": "BSL", "visual_density": 3,
                    "reading_level": 3, "motion_sensitivity": false, "color_contrast": "normal"},
                "authorized_modules": ["video"], "last_login": "2026-11-28T09:30:00.000000Z"})),
    )
)]
pub async fn current_user(auth: BearerAuth) -> HttpResponse {
    HttpResponse::Ok().json(CurrentUser::of(&auth.user))
}

/// `PUT /api/auth/user/preferences`: change some preferences.
#[utoipa::path(
    put,
    path = "/api/auth/user/preferences",
    tag = "auth",
    summary = "Change accessibility preferences",
    request_body = PreferencesRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences after the change", body = PreferencesResponse),
        (status = 422, description = "A value is not valid, or the caption text and background would not reach 4.5:1 (7:1 with high contrast on); nothing is changed", body = ErrorBody),
    )
)]
pub async fn update_preferences(
    state: web::Data<AppState>,
    auth: BearerAuth,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let body = object(body.into_inner())?;
    let update = PreferencesUpdate::from_json(&body).map_err(ApiError::invalid)?;
    // The caption contrast rule, on the result of the change.
    auth.user
        .preferences()
        .apply_checked(&update)
        .map_err(|refusal| ApiError::invalid(refusal_errors(refusal)))?;
    let user = if update.is_empty() {
        auth.user
    } else {
        let user = state
            .auth
            .update_preferences(auth.user.id, update, Via::Api)
            .await?;
        // At once for this person's next request; the `preferences.updated` subscriber
        // does the same for every other publisher.
        state.cache.invalidate_user(user.id).await;
        user
    };
    Ok(HttpResponse::Ok().json(PreferencesResponse {
        message: "Preferences updated successfully",
        accessibility_preferences: user.preferences().to_json(),
    }))
}
