//! The JSON API under `/api`.

pub mod account;
pub mod auth;
pub mod caption_docs;
pub mod captions;
pub mod docs;
pub mod moderation;
mod preferences_doc;
pub mod sessions;
pub mod videos;

use actix_governor::Governor;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::JsonPayloadError;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, from_fn};
use actix_web::{HttpRequest, Route, web};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::http::rate_limit::RateLimiters;

/// Largest JSON body accepted.
pub const JSON_LIMIT: usize = 1 << 20;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .content_type_required(true)
        .error_handler(json_error)
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE)
        }
        JsonPayloadError::ContentType => ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        JsonPayloadError::Deserialize(e) => ApiError::bad_request(format!("Malformed JSON: {e}")),
        _ => ApiError::bad_request("Could not read the request body"),
    };
    api.into()
}

/// The body as a JSON object, or 400.
pub fn object(body: Value) -> Result<Map<String, Value>, ApiError> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request(
            "The request body must be a JSON object",
        )),
    }
}

/// Which rate limit guards a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Register,
    Login,
    Refresh,
    Api,
    /// Forgotten-password requests and resets (`RATE_LIMIT_PASSWORD_RESET`).
    PasswordReset,
}

/// One route of the API: method, path (with the `/api` prefix), rate limit and handler.
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub limit: Limit,
    route: fn() -> Route,
}

/// Every route under `/api`. [`configure`] registers exactly these, and
/// `tests/api/openapi.rs` fails when this table and the OpenAPI document
/// ([`docs::ApiDoc`]) disagree: a new endpoint must be added here *and* documented.
pub fn routes() -> Vec<ApiRoute> {
    use Limit::*;
    let r = |method: Method, path, limit, route| ApiRoute {
        method,
        path,
        limit,
        route,
    };
    vec![
        r(Method::POST, "/api/auth/register", Register, || {
            web::post().to(auth::register)
        }),
        r(Method::POST, "/api/auth/login", Login, || {
            web::post().to(auth::login)
        }),
        r(Method::POST, "/api/auth/refresh", Refresh, || {
            web::post().to(auth::refresh)
        }),
        r(Method::POST, "/api/auth/logout", Api, || {
            web::post().to(auth::logout)
        }),
        r(Method::GET, "/api/auth/user", Api, || {
            web::get().to(auth::current_user)
        }),
        r(Method::DELETE, "/api/auth/user", Api, || {
            web::delete().to(account::delete_account)
        }),
        r(Method::GET, "/api/auth/user/export", Api, || {
            web::get().to(account::export)
        }),
        r(Method::PUT, "/api/auth/user/preferences", Api, || {
            web::put().to(auth::update_preferences)
        }),
        r(Method::POST, "/api/auth/password", Login, || {
            web::post().to(account::change_password)
        }),
        r(
            Method::POST,
            "/api/auth/password/forgot",
            PasswordReset,
            || web::post().to(account::forgot_password),
        ),
        r(
            Method::POST,
            "/api/auth/password/reset",
            PasswordReset,
            || web::post().to(account::reset_password),
        ),
        r(
            Method::POST,
            "/api/auth/email/verify",
            PasswordReset,
            || web::post().to(account::verify_email),
        ),
        r(
            Method::POST,
            "/api/auth/email/verify/resend",
            PasswordReset,
            || web::post().to(account::resend_verification),
        ),
        r(Method::POST, "/api/auth/email", Login, || {
            web::post().to(account::change_email)
        }),
        r(
            Method::POST,
            "/api/auth/email/confirm",
            PasswordReset,
            || web::post().to(account::confirm_email_change),
        ),
        r(Method::GET, "/api/auth/sessions", Api, || {
            web::get().to(sessions::list)
        }),
        r(
            Method::POST,
            "/api/auth/sessions/sign-out-others",
            Api,
            || web::post().to(sessions::sign_out_others),
        ),
        r(Method::DELETE, "/api/auth/sessions/{id}", Api, || {
            web::delete().to(sessions::sign_out_one)
        }),
        r(Method::POST, "/api/videos", Api, || {
            web::post().to(videos::upload)
        }),
        r(Method::GET, "/api/videos", Api, || {
            web::get().to(videos::list)
        }),
        r(Method::GET, "/api/videos/{id}", Api, || {
            web::get().to(videos::show)
        }),
        r(Method::PATCH, "/api/videos/{id}", Api, || {
            web::patch().to(videos::update)
        }),
        r(Method::DELETE, "/api/videos/{id}", Api, || {
            web::delete().to(videos::delete)
        }),
        r(Method::POST, "/api/videos/{id}/retry", Api, || {
            web::post().to(videos::retry)
        }),
        r(Method::POST, "/api/videos/{id}/captions", Api, || {
            web::post().to(videos::add_caption)
        }),
        r(
            Method::DELETE,
            "/api/videos/{id}/captions/{caption_id}",
            Api,
            || web::delete().to(videos::delete_caption),
        ),
        r(
            Method::GET,
            "/api/videos/{id}/captions/{caption_id}/cues",
            Api,
            || web::get().to(captions::cues),
        ),
        r(
            Method::PUT,
            "/api/videos/{id}/captions/{caption_id}/cues",
            Api,
            || web::put().to(captions::put_cues),
        ),
        r(
            Method::GET,
            "/api/videos/{id}/captions/{caption_id}/revisions",
            Api,
            || web::get().to(captions::revisions),
        ),
        r(
            Method::GET,
            "/api/videos/{id}/captions/{caption_id}/revisions/{revision_id}",
            Api,
            || web::get().to(captions::revision),
        ),
        r(
            Method::POST,
            "/api/videos/{id}/captions/{caption_id}/revisions/{revision_id}/restore",
            Api,
            || web::post().to(captions::restore),
        ),
        r(Method::GET, "/api/videos/{id}/transcript", Api, || {
            web::get().to(videos::transcript)
        }),
        r(Method::GET, "/api/videos/{id}/feedback", Api, || {
            web::get().to(videos::feedback)
        }),
        r(Method::PUT, "/api/videos/{id}/feedback", Api, || {
            web::put().to(videos::rate)
        }),
        r(Method::DELETE, "/api/videos/{id}/feedback", Api, || {
            web::delete().to(videos::unrate)
        }),
        r(Method::POST, "/api/videos/{id}/editions", Api, || {
            web::post().to(videos::link_edition)
        }),
        r(Method::DELETE, "/api/videos/{id}/editions", Api, || {
            web::delete().to(videos::unlink_edition)
        }),
        r(Method::POST, "/api/videos/{id}/reports", Api, || {
            web::post().to(moderation::report)
        }),
        r(Method::GET, "/api/moderation/reports", Api, || {
            web::get().to(moderation::queue)
        }),
        r(
            Method::POST,
            "/api/moderation/videos/{id}/{action}",
            Api,
            || web::post().to(moderation::act_on_video),
        ),
        r(
            Method::POST,
            "/api/moderation/users/{id}/{action}",
            Api,
            || web::post().to(moderation::act_on_user),
        ),
        r(Method::PUT, "/api/admin/users/{id}/role", Api, || {
            web::put().to(moderation::set_role)
        }),
        r(Method::GET, "/api/openapi.json", Api, || {
            web::get().to(docs::openapi_json)
        }),
    ]
}

/// Register [`routes`] under `/api`: one resource per path, each behind its limiter.
/// Add API routes to [`routes`], never here, so the documentation check sees them.
pub fn configure(cfg: &mut web::ServiceConfig, limits: &RateLimiters) {
    let mut scope = web::scope("/api")
        .app_data(json_config())
        .wrap(from_fn(documented_only));
    let mut by_path: Vec<(&'static str, Limit, Vec<Route>)> = Vec::new();
    for route in routes() {
        match by_path.iter_mut().find(|(p, _, _)| *p == route.path) {
            Some((_, limit, routes)) => {
                debug_assert_eq!(*limit, route.limit, "one limit per path: {}", route.path);
                routes.push((route.route)());
            }
            None => by_path.push((route.path, route.limit, vec![(route.route)()])),
        }
    }
    for (path, limit, routes) in by_path {
        let config = match limit {
            Limit::Register => &limits.register,
            Limit::Login => &limits.login,
            Limit::Refresh => &limits.refresh,
            Limit::Api => &limits.api,
            Limit::PasswordReset => &limits.password_reset,
        };
        // Every path in `routes` starts with /api (a unit test checks it).
        let path = path.strip_prefix("/api").unwrap_or(path);
        let resource = routes
            .into_iter()
            .fold(web::resource(path), |res, route| res.route(route));
        scope = scope.service(resource.wrap(Governor::new(config)));
    }
    cfg.service(scope);
}

/// Debug builds only (so every test, `make fuzz-api` and local runs): a request that
/// reaches an `/api` handler whose route is not in the OpenAPI document fails with a 500
/// that names the route, however the route was registered. Release builds pass through.
/// A 404 or 405 (no handler for that method) and a 429 (the path's rate limiter answered
/// before any handler ran, whatever the method) are not a route reached.
async fn documented_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    if cfg!(debug_assertions) && !matches!(res.status().as_u16(), 404 | 405 | 429) {
        let req = res.request();
        if let Some(pattern) = req.match_pattern()
            && !docs::documents(req.method(), &pattern)
        {
            let error = ApiError::internal(anyhow::anyhow!(
                "{} {pattern} is routed but missing from the OpenAPI document: add \
                 #[utoipa::path] to its handler and list it in routes::api::docs::ApiDoc",
                req.method()
            ));
            let response = actix_web::ResponseError::error_response(&error);
            return Ok(res.into_response(response));
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    #[actix_web::test]
    async fn every_route_is_under_the_api_prefix() {
        for route in routes() {
            assert!(route.path.starts_with("/api/"), "{}", route.path);
        }
    }

    #[actix_web::test]
    async fn an_undocumented_route_fails_loudly_in_debug_builds() {
        let app = test::init_service(
            App::new().service(
                web::scope("/api")
                    .wrap(from_fn(documented_only))
                    .route("/openapi.json", web::get().to(docs::openapi_json))
                    .route(
                        "/undocumented/{id}",
                        web::get().to(|| async { HttpResponse::Ok().finish() }),
                    ),
            ),
        )
        .await;
        let ok = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/openapi.json")
                .to_request(),
        )
        .await;
        assert_eq!(ok.status(), 200);
        let undocumented = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/undocumented/7")
                .to_request(),
        )
        .await;
        assert_eq!(
            undocumented.status(),
            500,
            "debug builds refuse undocumented routes"
        );
    }

    #[actix_web::test]
    async fn a_rate_limited_answer_is_not_a_route_reached() {
        // A path's limiter answers 429 for any method before a handler runs (schemathesis
        // sends TRACE and DELETE to POST-only, rate-limited paths).
        let app = test::init_service(App::new().service(
            web::scope("/api").wrap(from_fn(documented_only)).route(
                "/limited",
                web::route().to(|| async { HttpResponse::TooManyRequests().finish() }),
            ),
        ))
        .await;
        let limited = test::call_service(
            &app,
            test::TestRequest::default()
                .method(actix_web::http::Method::TRACE)
                .uri("/api/limited")
                .to_request(),
        )
        .await;
        assert_eq!(limited.status(), 429);
    }
}
