//! The browser site: server-rendered pages that work without JavaScript and are
//! enhanced by htmx. Handlers extract, call a service and hand the result to the
//! renderer ([`crate::render`]).

mod account;
mod account_form;
mod admin;
mod auth;
mod delete_account;
mod developers;
mod email;
mod home;
mod moderation;
mod password;
mod preferences;
mod preferences_player;
mod report;
mod sessions;
mod signed_in;
mod staff;
mod verify;
mod videos;

use std::collections::HashMap;

use actix_governor::Governor;
use actix_web::error::UrlencodedError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

pub use signed_in::SignedIn;

use crate::http::rate_limit::RateLimiters;
use crate::render::{Hx, PageCtx};
use crate::web::errors::PageError;

/// Largest form body accepted.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Form fields by name (a repeated name keeps its last value).
pub type FormFields = web::Form<HashMap<String, String>>;

fn form_config() -> web::FormConfig {
    form_config_with(FORM_LIMIT)
}

/// The form settings of a route whose forms may be larger than [`FORM_LIMIT`].
pub(crate) fn form_config_with(limit: usize) -> web::FormConfig {
    web::FormConfig::default()
        .limit(limit)
        .error_handler(form_error)
}

fn form_error(err: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    let status = match err {
        UrlencodedError::Overflow { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        UrlencodedError::ContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        _ => StatusCode::BAD_REQUEST,
    };
    PageError::new(status).into()
}

/// A field's value, or "" when absent.
pub fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

/// `raw` if it is a path on this site (so `?next=` cannot send anyone elsewhere).
pub fn local_path(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.len() <= 2048
        && !raw
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    ok.then_some(raw)
}

/// Go to `location` after a successful post (or when a page needs sign-in): 303 for
/// browsers, and for htmx a client-side navigation (`HX-Location`) that swaps the page
/// in place and updates the address bar.
pub fn see_other(ctx: &PageCtx, location: &str) -> HttpResponse {
    redirect(ctx.hx, location)
}

/// [`see_other`] for a request htmx did (or did not) send.
fn redirect(hx: Hx, location: &str) -> HttpResponse {
    if hx.request {
        let target = serde_json::json!({"path": location, "target": "#page"}).to_string();
        HttpResponse::Ok()
            .insert_header(("HX-Location", target))
            .insert_header((header::VARY, "HX-Request"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .insert_header((header::VARY, "HX-Request"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    }
}

/// Any path nobody handles: 404 (an HTML page outside `/api`, JSON inside it).
pub async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError::not_found())
}

pub fn configure(cfg: &mut web::ServiceConfig, limits: &RateLimiters) {
    cfg.app_data(form_config())
        .route("/", web::get().to(home::home))
        .route("/developers", web::get().to(developers::page))
        .service(
            web::resource("/login")
                .route(web::get().to(auth::login_page))
                .route(
                    web::post()
                        .to(auth::login)
                        .wrap(Governor::new(&limits.login)),
                ),
        )
        .service(
            web::resource("/register")
                .route(web::get().to(auth::register_page))
                .route(
                    web::post()
                        .to(auth::register)
                        .wrap(Governor::new(&limits.register)),
                ),
        )
        .route("/logout", web::post().to(auth::logout))
        .service(
            web::resource("/account/password")
                .route(web::get().to(password::change_page))
                .route(
                    web::post()
                        .to(password::change)
                        .wrap(Governor::new(&limits.login)),
                ),
        )
        .service(
            web::resource("/account/email")
                .route(web::get().to(email::page))
                .route(
                    web::post()
                        .to(email::request)
                        .wrap(Governor::new(&limits.login)),
                ),
        )
        .service(
            web::resource("/confirm-email")
                .route(web::get().to(email::confirm_page))
                .route(
                    web::post()
                        .to(email::confirm)
                        .wrap(Governor::new(&limits.password_reset)),
                ),
        )
        .route("/account/sessions", web::get().to(sessions::page))
        .route(
            "/account/sessions/sign-out-others",
            web::post().to(sessions::sign_out_others),
        )
        .route(
            "/account/sessions/{id}/sign-out",
            web::post().to(sessions::sign_out_one),
        )
        .route("/account/export", web::get().to(delete_account::export))
        .service(
            web::resource("/account/delete")
                .route(web::get().to(delete_account::page))
                .route(
                    web::post()
                        .to(delete_account::delete)
                        .wrap(Governor::new(&limits.login)),
                ),
        )
        .service(
            web::resource("/verify-email")
                .route(web::get().to(verify::page))
                .route(
                    web::post()
                        .to(verify::confirm)
                        .wrap(Governor::new(&limits.password_reset)),
                ),
        )
        .route(
            "/account/verify-email",
            web::post()
                .to(verify::resend)
                .wrap(Governor::new(&limits.password_reset)),
        )
        .service(
            web::resource("/forgot-password")
                .route(web::get().to(password::forgot_page))
                .route(
                    web::post()
                        .to(password::forgot)
                        .wrap(Governor::new(&limits.password_reset)),
                ),
        )
        .service(
            web::resource("/reset-password")
                .route(web::get().to(password::reset_page))
                .route(
                    web::post()
                        .to(password::reset)
                        .wrap(Governor::new(&limits.password_reset)),
                ),
        )
        .route("/account", web::get().to(account::account))
        .service(
            web::resource("/preferences")
                .route(web::get().to(preferences::page))
                .route(web::post().to(preferences::save)),
        )
        .route(
            "/preferences/player",
            web::post().to(preferences_player::save),
        )
        .service(
            web::resource("/videos/{id}/report")
                .route(web::get().to(report::form))
                .route(web::post().to(report::submit)),
        )
        .route("/moderation", web::get().to(moderation::queue))
        .route("/admin/users", web::get().to(admin::users))
        .route("/admin/users/{id}", web::get().to(admin::user))
        .route("/admin/users/{id}/{change}", web::post().to(admin::change))
        .route("/admin/audit", web::get().to(admin::audit))
        .route(
            "/moderation/videos/{id}/{action}",
            web::post().to(moderation::act_on_video),
        )
        .route(
            "/moderation/users/{id}/{action}",
            web::post().to(moderation::act_on_user),
        )
        .configure(videos::configure);
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/account"), Some("/account"));
        assert_eq!(local_path("/preferences?x=1"), Some("/preferences?x=1"));
        for bad in [
            "",
            "account",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "/ /x",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
