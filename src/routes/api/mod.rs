//! The JSON API under `/api`.

pub mod auth;
pub mod videos;

use actix_governor::Governor;
use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
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

pub fn configure(cfg: &mut web::ServiceConfig, limits: &RateLimiters) {
    cfg.service(
        web::scope("/api")
            .app_data(json_config())
            .configure(|cfg| configure_videos(cfg, limits))
            .service(
                web::scope("/auth")
                    .service(
                        web::resource("/register")
                            .wrap(Governor::new(&limits.register))
                            .route(web::post().to(auth::register)),
                    )
                    .service(
                        web::resource("/login")
                            .wrap(Governor::new(&limits.login))
                            .route(web::post().to(auth::login)),
                    )
                    .service(
                        web::resource("/refresh")
                            .wrap(Governor::new(&limits.refresh))
                            .route(web::post().to(auth::refresh)),
                    )
                    .service(
                        web::resource("/logout")
                            .wrap(Governor::new(&limits.api))
                            .route(web::post().to(auth::logout)),
                    )
                    .service(
                        web::resource("/user")
                            .wrap(Governor::new(&limits.api))
                            .route(web::get().to(auth::current_user)),
                    )
                    .service(
                        web::resource("/user/preferences")
                            .wrap(Governor::new(&limits.api))
                            .route(web::put().to(auth::update_preferences)),
                    ),
            ),
    );
}

fn configure_videos(cfg: &mut web::ServiceConfig, limits: &RateLimiters) {
    cfg.service(
        web::scope("/videos")
            .wrap(Governor::new(&limits.api))
            .service(
                web::resource("")
                    .route(web::post().to(videos::upload))
                    .route(web::get().to(videos::list)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(videos::show))
                    .route(web::patch().to(videos::update))
                    .route(web::delete().to(videos::delete)),
            )
            .service(web::resource("/{id}/retry").route(web::post().to(videos::retry)))
            .service(web::resource("/{id}/captions").route(web::post().to(videos::add_caption)))
            .service(
                web::resource("/{id}/captions/{caption_id}")
                    .route(web::delete().to(videos::delete_caption)),
            )
            .service(web::resource("/{id}/transcript").route(web::get().to(videos::transcript)))
            .service(
                web::resource("/{id}/feedback")
                    .route(web::get().to(videos::feedback))
                    .route(web::put().to(videos::rate))
                    .route(web::delete().to(videos::unrate)),
            )
            .service(
                web::resource("/{id}/editions")
                    .route(web::post().to(videos::link_edition))
                    .route(web::delete().to(videos::unlink_edition)),
            ),
    );
}
