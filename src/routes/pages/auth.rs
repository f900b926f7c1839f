//! Sign-in, registration and sign-out for browsers. Validation, the identical failure
//! message and the rate limits are the API's (the same domain types, [`AuthService`]
//! and limiters).
//!
//! [`AuthService`]: crate::auth::AuthService

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::{FormFields, field, local_path, see_other};
use crate::auth::AuthError;
use crate::auth::service::NewAccount;
use crate::domain::{
    Email, Password, PlayerPrefsUpdate, PreferencesUpdate, SignLanguage, Username,
};
use crate::events::{Event, Publish, Via};
use crate::render::{Errors, Page, PageCtx, View, prefs, sign_languages};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginContent<'a> {
    v: &'a View,
    csrf_token: &'a str,
    errors: &'a Errors,
    email: &'a str,
    next: &'a str,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn next_or_account(raw: &str) -> &str {
    local_path(raw).unwrap_or("/account")
}

fn render_login(
    ctx: &PageCtx,
    page: Page,
    errors: &Errors,
    email: &str,
    next: &str,
) -> Result<HttpResponse, PageError> {
    let token = ctx.csrf_token()?;
    let next = local_path(next).unwrap_or("");
    ctx.render(
        page,
        &LoginContent {
            v: &ctx.view,
            csrf_token: &token,
            errors,
            email,
            next,
        },
    )
}

/// `GET /login[?next=/path]`
pub async fn login_page(
    ctx: PageCtx,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = query.next.as_deref().unwrap_or("");
    if ctx.user.is_some() {
        return Ok(see_other(&ctx, next_or_account(next)));
    }
    let page = ctx.page_with_flash(ctx.view.t("login.heading"));
    render_login(&ctx, page, &Errors::default(), "", next)
}

/// `POST /login`: email, password, next.
pub async fn login(
    mut ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let (email, password, next) = (
        field(&form, "email"),
        field(&form, "password"),
        field(&form, "next"),
    );
    let mut errors = Errors::default();
    if email.trim().is_empty() {
        errors.add("email", "email", ctx.view.err("Enter your email address"));
    }
    if password.is_empty() {
        errors.add("password", "password", ctx.view.err("Enter your password"));
    }
    if errors.is_empty() {
        let secret = SecretString::from(password.to_owned());
        match state.auth.verify_credentials(email, &secret).await {
            Ok(user) => {
                let client = crate::web::client::sign_in_client(&req, &state);
                let sid = state.auth.start_browser_sign_in(user.id, &client).await?;
                session::sign_in(&ctx.session, user.id, user.session_epoch, &sid)
                    .map_err(PageError::internal)?;
                tracing::info!(user_id = user.id, "user signed in (browser)");
                state.events.publish(Event::UserLogin {
                    user_id: user.id,
                    via: Via::Browser,
                });
                ctx.user = Some(user);
                return Ok(see_other(&ctx, next_or_account(next)));
            }
            Err(AuthError::InvalidCredentials) => {
                errors.add("email", "email", ctx.view.t("login.failed").to_owned());
            }
            Err(AuthError::Suspended) => {
                errors.add("email", "email", ctx.view.t("login.suspended").to_owned());
                let page = Page::new(ctx.view.t("login.heading"))
                    .invalid()
                    .status(actix_web::http::StatusCode::FORBIDDEN);
                return render_login(&ctx, page, &errors, email, next);
            }
            Err(AuthError::Throttled(wait)) => {
                // Too many failures for this account: say how long to wait, in the form.
                let message = format!(
                    "{} {}.",
                    ctx.view.t("login.throttled"),
                    crate::error::human_wait(wait)
                );
                errors.add("email", "email", ctx.view.err(&message));
                let page = Page::new(ctx.view.t("login.heading"))
                    .invalid()
                    .status(actix_web::http::StatusCode::TOO_MANY_REQUESTS);
                let mut res = render_login(&ctx, page, &errors, email, next)?;
                res.headers_mut().insert(
                    actix_web::http::header::RETRY_AFTER,
                    actix_web::http::header::HeaderValue::from(wait.as_secs().max(1)),
                );
                return Ok(res);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = Page::new(ctx.view.t("login.heading")).invalid();
    render_login(&ctx, page, &errors, email, next)
}

#[derive(Template)]
#[template(path = "pages/register.html")]
struct RegisterContent<'a> {
    v: &'a View,
    csrf_token: &'a str,
    errors: &'a Errors,
    email: &'a str,
    username: &'a str,
    /// (code, name, selected)
    languages: Vec<(&'static str, &'static str, bool)>,
}

fn render_register(
    ctx: &PageCtx,
    page: Page,
    errors: &Errors,
    form: Option<&FormFields>,
) -> Result<HttpResponse, PageError> {
    let token = ctx.csrf_token()?;
    fn get<'f>(form: Option<&'f FormFields>, name: &str) -> &'f str {
        form.map_or("", |f| field(f, name))
    }
    let sign_language: &str = match get(form, "preferred_sign_language") {
        "" => ctx.view.sign_language(),
        code => SignLanguage::parse(code).map_or("", SignLanguage::code),
    };
    let languages = sign_languages()
        .map(|(code, name)| (code, name, code == sign_language))
        .collect();
    ctx.render(
        page,
        &RegisterContent {
            v: &ctx.view,
            csrf_token: &token,
            errors,
            email: get(form, "email"),
            username: get(form, "username"),
            languages,
        },
    )
}

/// `GET /register`
pub async fn register_page(ctx: PageCtx) -> Result<HttpResponse, PageError> {
    if ctx.user.is_some() {
        return Ok(see_other(&ctx, "/account"));
    }
    let page = Page::new(ctx.view.t("register.heading"));
    render_register(&ctx, page, &Errors::default(), None)
}

/// `POST /register`: email, username, password, preferred_sign_language.
pub async fn register(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let mut errors = Errors::default();
    let email = Email::parse(field(&form, "email"))
        .map_err(|m| errors.add("email", "email", v.err(m)))
        .ok();
    let username = Username::parse(field(&form, "username"))
        .map_err(|m| errors.add("username", "username", v.err(m)))
        .ok();
    let password = Password::parse(field(&form, "password").to_owned())
        .map_err(|m| errors.add("password", "password", v.err(m)))
        .ok();
    let sign_language = match field(&form, "preferred_sign_language") {
        "" => Some(ctx.view.prefs.sign_language),
        code => SignLanguage::parse(code)
            .map_err(|m| {
                errors.add(
                    "preferred_sign_language",
                    "preferred_sign_language",
                    v.err(&m),
                )
            })
            .ok(),
    };
    if let (Some(email), Some(username), Some(password), Some(sign_language)) =
        (email, username, password, sign_language)
    {
        let account = NewAccount {
            email,
            username,
            password,
            sign_language,
        };
        match state.auth.register(account, Via::Browser).await {
            Ok(user) => {
                tracing::info!(user_id = user.id, "user registered (browser)");
                if let Err(e) = state.accounts.send_verification(&user).await {
                    tracing::warn!(user_id = user.id, error = %e, "confirmation mail not queued");
                }
                // Choices made before registering (the preferences cookie) carry over.
                if ctx.view.explicit {
                    let p = ctx.view.prefs;
                    let update = PreferencesUpdate {
                        sign_language: None,
                        density: Some(p.density),
                        reading_level: Some(p.reading_level),
                        motion_sensitivity: Some(p.motion_sensitivity),
                        contrast: Some(p.contrast),
                        player: PlayerPrefsUpdate::all(p.player),
                    };
                    state
                        .auth
                        .update_preferences(user.id, update, Via::Browser)
                        .await?;
                }
                // Signed in at once: nobody should type the same details twice.
                let client = crate::web::client::sign_in_client(&req, &state);
                let sid = state.auth.start_browser_sign_in(user.id, &client).await?;
                session::sign_in(&ctx.session, user.id, user.session_epoch, &sid)
                    .map_err(PageError::internal)?;
                state.events.publish(Event::UserLogin {
                    user_id: user.id,
                    via: Via::Browser,
                });
                session::set_flash(&ctx.session, v.t("register.done"))
                    .map_err(PageError::internal)?;
                return Ok(see_other(&ctx, "/account"));
            }
            Err(e @ AuthError::EmailTaken) => errors.add("email", "email", v.err(&e.to_string())),
            Err(e @ AuthError::UsernameTaken) => {
                errors.add("username", "username", v.err(&e.to_string()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = Page::new(v.t("register.heading")).invalid();
    render_register(&ctx, page, &errors, Some(&form))
}

/// `POST /logout`: the session is destroyed server-side; the preferences stay on this
/// device in the preferences cookie.
pub async fn logout(ctx: PageCtx, state: web::Data<AppState>) -> HttpResponse {
    let mut res = see_other(&ctx, "/");
    if let Some(user) = &ctx.user {
        tracing::info!(user_id = user.id, "user signed out (browser)");
        state.events.publish(Event::UserLogout {
            user_id: user.id,
            via: Via::Browser,
        });
        // Keep the person's choices on this device (defaults they never chose are not
        // written, so the device's own contrast and motion settings keep applying).
        if ctx.view.explicit {
            let cookie = prefs::cookie(&user.preferences(), ctx.secure_cookies);
            if let Err(e) = res.add_cookie(&cookie) {
                tracing::warn!(error = %e, "could not keep the preferences cookie");
            }
        }
    }
    if let Some(sid) = session::sign_in_id(&ctx.session)
        && let Err(e) = state.auth.end_browser_sign_in(&sid).await
    {
        tracing::warn!(error = %e, "could not forget the sign-in of a signed-out session");
    }
    session::sign_out(&ctx.session);
    res
}
