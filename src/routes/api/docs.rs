//! The OpenAPI 3.1 document of the JSON API, generated from the handlers'
//! `#[utoipa::path]` attributes, served at `GET /api/openapi.json` and rendered for
//! people at `/developers`.
//!
//! Every response is described by the type its handler returns (they derive
//! `utoipa::ToSchema`: the auth responses in [`super::auth`], [`crate::error::ErrorBody`],
//! the video views, the domain's preferences and sign languages). The request bodies are
//! described here: the handlers read `serde_json::Value` (or multipart) and validate by
//! hand, for strict types and field-by-field messages, so these types only *describe*
//! what they accept, and the schemathesis run (`make fuzz-api`) checks that the two agree.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use actix_web::http::header;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, RefOr, Required, ResponseBuilder, Type,
};
use utoipa::{Modify, OpenApi, ToSchema};

pub use super::preferences_doc::PreferencesRequest;
use super::{account, auth, captions, moderation, sessions, videos};
use crate::domain::SignLanguage;
use crate::error::ErrorBody;
use crate::video::input::{CaptionKind, Rating, Visibility};

/// Sign-language codes, matched without regard to case or surrounding spaces (spelled
/// with character classes: ECMA-262 before 2025 has no inline `(?i)`).
pub const SIGN_LANGUAGE_PATTERN: &str = "^ *([Aa][Ss][Ll]|[Bb][Ss][Ll]|[Aa][Uu][Ss][Ll][Aa][Nn]|[Nn][Zz][Ss][Ll]|[Ii][Ss][Ll]|[Ll][Ss][Ff]|[Ll][Ss][Qq]|[Dd][Gg][Ss]|[Ll][Ss][Ee]|[Ll][Ii][Ss]|[Ll][Ii][Bb][Rr][Aa][Ss]|[Jj][Ss][Ll]) *$";

/// `POST /api/auth/register` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ann@example.com", "username": "ann_signs",
    "password": "correct horse battery", "preferred_sign_language": "BSL"}))]
pub struct RegisterRequest {
    /// An email address (stored in lower case; unique): a local part of at most 64
    /// characters, `@`, and a domain whose last label is at least two letters. (The pattern
    /// allows one dot in the local part, so that it can bound its length; the server
    /// accepts any number of single dots.)
    #[schema(
        max_length = 254,
        pattern = r"^ *[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,32}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,31})?@([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63} *$"
    )]
    pub email: String,
    /// 3-32 letters, digits, `_` or `-` (unique).
    #[schema(pattern = "^ *[A-Za-z0-9_-]{3,32} *$")]
    pub username: String,
    /// At least 8 characters and at most 72 bytes (UTF-8): about 72 letters, fewer with
    /// accents or emoji. Longer passwords are refused, never truncated.
    #[schema(min_length = 8, max_length = 72)]
    pub password: String,
    /// Defaults to `ASL`.
    #[schema(
        nullable,
        pattern = "^ *([Aa][Ss][Ll]|[Bb][Ss][Ll]|[Aa][Uu][Ss][Ll][Aa][Nn]|[Nn][Zz][Ss][Ll]|[Ii][Ss][Ll]|[Ll][Ss][Ff]|[Ll][Ss][Qq]|[Dd][Gg][Ss]|[Ll][Ss][Ee]|[Ll][Ii][Ss]|[Ll][Ii][Bb][Rr][Aa][Ss]|[Jj][Ss][Ll]) *$"
    )]
    pub preferred_sign_language: Option<String>,
}

/// `POST /api/auth/login` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ann@example.com", "password": "correct horse battery"}))]
pub struct LoginRequest {
    #[schema(min_length = 1)]
    pub email: String,
    #[schema(min_length = 1)]
    pub password: String,
}

/// `POST /api/auth/refresh` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"refresh_token": "eyJhbGciOiJIUzI1NiJ9.…"}))]
pub struct RefreshRequest {
    /// A refresh token from sign-in or an earlier refresh. Each can be used once.
    #[schema(min_length = 1)]
    pub refresh_token: String,
}

/// `POST /api/auth/logout` body (optional).
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"refresh_token": "eyJhbGciOiJIUzI1NiJ9.…"}))]
pub struct LogoutRequest {
    /// When given, this refresh token's whole family is revoked too.
    #[schema(nullable)]
    pub refresh_token: Option<String>,
}

/// `POST /api/videos` form (multipart/form-data).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoUploadForm {
    /// The video file (one), its file name ending in `.mp4`, `.mov`, `.webm`, `.avi` or
    /// `.mkv`, at most the server's upload limit. Anything else is a 422.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    pub file: String,
    /// 1-200 characters, one line.
    #[schema(max_length = 200)]
    pub title: String,
    /// At most 5,000 characters.
    #[schema(max_length = 5000, nullable = false)]
    pub description: Option<String>,
    /// Defaults to the uploader's preferred sign language.
    #[schema(
        nullable = false,
        pattern = "^ *([Aa][Ss][Ll]|[Bb][Ss][Ll]|[Aa][Uu][Ss][Ll][Aa][Nn]|[Nn][Zz][Ss][Ll]|[Ii][Ss][Ll]|[Ll][Ss][Ff]|[Ll][Ss][Qq]|[Dd][Gg][Ss]|[Ll][Ss][Ee]|[Ll][Ii][Ss]|[Ll][Ii][Bb][Rr][Aa][Ss]|[Jj][Ss][Ll]) *$"
    )]
    pub sign_language: Option<String>,
    /// `private` (default) or `public`.
    #[schema(nullable = false, value_type = Option<Visibility>)]
    pub visibility: Option<String>,
}

/// `POST /api/videos/{id}/captions` form (multipart/form-data).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptionUploadForm {
    /// A WebVTT (`.vtt`) file of at most 1 MiB.
    #[schema(value_type = String, format = Binary, content_media_type = "text/vtt")]
    pub file: String,
    /// A BCP 47 language tag, e.g. `en` or `en-GB`.
    #[schema(max_length = 35)]
    pub language: String,
    /// The track's name as shown in players, e.g. `English`.
    #[schema(nullable = false)]
    pub label: Option<String>,
    /// `captions` (default), `subtitles`, `chapters` or `descriptions`.
    #[schema(nullable = false, value_type = Option<CaptionKind>)]
    pub kind: Option<String>,
}

/// `PATCH /api/videos/{id}` body: any of the four details (strings; unknown keys are
/// ignored). The result must still be valid: a non-empty title, a known sign language.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"title": "Greetings in BSL", "visibility": "public"}))]
pub struct VideoUpdateRequest {
    #[schema(nullable = false, max_length = 200)]
    pub title: Option<String>,
    #[schema(nullable = false, max_length = 5000)]
    pub description: Option<String>,
    #[schema(
        nullable = false,
        pattern = "^ *([Aa][Ss][Ll]|[Bb][Ss][Ll]|[Aa][Uu][Ss][Ll][Aa][Nn]|[Nn][Zz][Ss][Ll]|[Ii][Ss][Ll]|[Ll][Ss][Ff]|[Ll][Ss][Qq]|[Dd][Gg][Ss]|[Ll][Ss][Ee]|[Ll][Ii][Ss]|[Ll][Ii][Bb][Rr][Aa][Ss]|[Jj][Ss][Ll]) *$"
    )]
    pub sign_language: Option<String>,
    #[schema(nullable = false, value_type = Option<Visibility>)]
    pub visibility: Option<String>,
}

/// `PUT /api/videos/{id}/feedback` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"rating": "accurate"}))]
pub struct RatingRequest {
    #[schema(value_type = Rating)]
    pub rating: String,
}

/// `POST /api/videos/{id}/editions` body.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"video_id": 2}))]
pub struct EditionRequest {
    /// Another of the caller's videos, in a different sign language.
    #[schema(minimum = 1)]
    pub video_id: i32,
}

/// 404 for a video the caller cannot see (shared by the video endpoints' documents).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 404,
    description = "No such video, or it is private and not the caller's",
    example = json!({"error": "Video not found"})
)]
pub struct VideoNotFound(#[allow(dead_code)] ErrorBody);

/// 403 for a video the caller may see but not change.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 403,
    description = "The caller may see the video but not change it",
    example = json!({"error": "Only the person who uploaded this video can change it."})
)]
pub struct NotVideoOwner(#[allow(dead_code)] ErrorBody);

/// The document: every operation under `/api` (tests/api/openapi.rs checks it against
/// [`super::routes`], and debug builds refuse requests to routes missing from it).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "PinkFlow API",
        description = "The JSON API of PinkFlow, a deaf-first accessible web platform. \
            Every endpoint speaks JSON; errors are always `{\"error\": \"…\"}` with `fields` \
            for invalid values. Authenticated endpoints take `Authorization: Bearer <access token>` \
            from `POST /api/auth/login`.",
        license(name = "GPL-3.0-or-later", identifier = "GPL-3.0-or-later")
    ),
    paths(
        auth::register,
        auth::login,
        auth::refresh,
        auth::logout,
        auth::current_user,
        auth::update_preferences,
        account::change_password,
        account::forgot_password,
        account::reset_password,
        account::verify_email,
        account::resend_verification,
        account::delete_account,
        account::export,
        account::change_email,
        account::confirm_email_change,
        sessions::list,
        sessions::sign_out_one,
        sessions::sign_out_others,
        videos::upload,
        videos::list,
        videos::show,
        videos::update,
        videos::delete,
        videos::retry,
        videos::add_caption,
        videos::delete_caption,
        captions::cues,
        captions::put_cues,
        captions::revisions,
        captions::revision,
        captions::restore,
        videos::transcript,
        videos::feedback,
        videos::rate,
        videos::unrate,
        videos::link_edition,
        videos::unlink_edition,
        moderation::report,
        moderation::queue,
        moderation::act_on_video,
        moderation::act_on_user,
        moderation::set_role,
        openapi_json,
    ),
    components(schemas(ErrorBody, SignLanguage)),
    modifiers(&CommonResponses),
    tags(
        (name = "auth", description = "Accounts, tokens and preferences"),
        (name = "videos", description = "Sign-language videos, their captions, editions and feedback"),
        (name = "captions", description = "The caption editor: a track's cues and its revisions"),
        (name = "moderation", description = "Reports, the moderation queue, suspensions and roles"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

/// Adds what every operation shares: the bearer scheme and the error responses the
/// middleware and extractors produce (bad bodies, rate limits, an unavailable database).
struct CommonResponses;

/// Operations whose JSON body may be left out altogether.
const OPTIONAL_BODIES: &[&str] = &["/api/auth/logout"];

fn error_response(description: &str, example: serde_json::Value) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                "ErrorBody",
            ))))
            .example(Some(example))
            .build(),
    )
}

fn seconds_header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1)),
        ))
        .description(Some(description))
        .build()
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/auth/login` or `/api/auth/refresh`",
                    ))
                    .build(),
            ),
        );
        add_links(openapi);
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                    body.required = Some(if OPTIONAL_BODIES.contains(&path.as_str()) {
                        Required::False
                    } else {
                        Required::True
                    });
                }
                let has_body = op.request_body.is_some();
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, r: ResponseBuilder| {
                    responses
                        .entry(code.to_owned())
                        .or_insert_with(|| RefOr::T(r.build()));
                };
                if has_body {
                    add(
                        "400",
                        error_response(
                            "The body is not a JSON object, or required fields are missing",
                            json!({"error": "Missing required fields",
                                "fields": {"email": "This field is required"}}),
                        ),
                    );
                    add(
                        "413",
                        error_response(
                            "The body is larger than 1 MiB",
                            json!({"error": "Request body is too large (the limit is 1 MiB)"}),
                        ),
                    );
                    add(
                        "415",
                        error_response(
                            "The body is not `application/json`",
                            json!({"error": "Content-Type must be application/json"}),
                        ),
                    );
                    add(
                        "422",
                        error_response(
                            "Some values are of the wrong type or not valid",
                            json!({"error": "Some values are not valid",
                                "fields": {"visual_density": "Visual density must be a whole number from 1 to 5"}}),
                        ),
                    );
                }
                if secured {
                    add(
                        "401",
                        error_response(
                            "The bearer token is missing, invalid, expired or revoked",
                            json!({"error": "Token is invalid or expired"}),
                        ),
                    );
                }
                add(
                    "429",
                    error_response(
                        "Too many requests from this address (or failed sign-ins for this account)",
                        json!({"error": "Too many requests. Try again in 12 seconds."}),
                    )
                    .header("Retry-After", seconds_header("Seconds to wait")),
                );
                if let Some(RefOr::T(r)) = responses.get_mut("401") {
                    r.headers
                        .entry("WWW-Authenticate".to_owned())
                        .or_insert_with(|| {
                            RefOr::T(
                                HeaderBuilder::new()
                                    .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                                    .description(Some("`Bearer`"))
                                    .build(),
                            )
                        });
                }
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, r: ResponseBuilder| {
                    responses
                        .entry(code.to_owned())
                        .or_insert_with(|| RefOr::T(r.build()));
                };
                add(
                    "503",
                    error_response(
                        "The database is unavailable; try again shortly",
                        json!({"error": "The service is temporarily unavailable. Please try again shortly."}),
                    )
                    .header("Retry-After", seconds_header("Seconds to wait")),
                );
            }
        }
    }
}

/// OpenAPI links between operations, so that clients (and schemathesis' stateful
/// phase) can follow the real flows: register → sign in → refresh → refresh … → sign out.
fn add_links(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    let links: [(&str, &str, &str, &str, &str, serde_json::Value); 4] = [
        (
            "/api/auth/register",
            "201",
            "SignIn",
            "login",
            "Sign in with the account just created",
            json!({"email": "$request.body#/email", "password": "$request.body#/password"}),
        ),
        (
            "/api/auth/login",
            "200",
            "Refresh",
            "refresh",
            "Trade the refresh token for a new pair",
            json!({"refresh_token": "$response.body#/refresh_token"}),
        ),
        (
            "/api/auth/refresh",
            "200",
            "RefreshAgain",
            "refresh",
            "Trade the new refresh token for the next pair",
            json!({"refresh_token": "$response.body#/refresh_token"}),
        ),
        (
            "/api/auth/login",
            "200",
            "SignOut",
            "logout",
            "Sign out, revoking this refresh token's family too",
            json!({"refresh_token": "$response.body#/refresh_token"}),
        ),
    ];
    for (path, status, name, target, description, body) in links {
        let Some(item) = openapi.paths.paths.get_mut(path) else {
            continue;
        };
        let Some(op) = item.post.as_mut() else {
            continue;
        };
        if let Some(RefOr::T(response)) = op.responses.responses.get_mut(status) {
            response.links.insert(
                name.to_owned(),
                RefOr::T(
                    LinkBuilder::new()
                        .operation_id(target)
                        .description(description)
                        .request_body(Some(body))
                        .build(),
                ),
            );
        }
    }
}

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi)
}

/// Whether the document has an operation for `method` on `path` (an actix pattern such
/// as `/api/videos/{id}`, which is also OpenAPI's path syntax).
pub fn documents(method: &actix_web::http::Method, path: &str) -> bool {
    use utoipa::openapi::HttpMethod;
    let wanted = match *method {
        actix_web::http::Method::GET => HttpMethod::Get,
        actix_web::http::Method::POST => HttpMethod::Post,
        actix_web::http::Method::PUT => HttpMethod::Put,
        actix_web::http::Method::DELETE => HttpMethod::Delete,
        actix_web::http::Method::PATCH => HttpMethod::Patch,
        actix_web::http::Method::HEAD => HttpMethod::Head,
        actix_web::http::Method::OPTIONS => HttpMethod::Options,
        _ => return false,
    };
    document().paths.get_path_operation(path, wanted).is_some()
}

fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| serde_json::to_string_pretty(document()).unwrap_or_default())
}

/// `GET /api/openapi.json`
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    summary = "This OpenAPI document",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API",
        content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(document_json())
}
