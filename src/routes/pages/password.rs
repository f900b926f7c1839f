//! `/account/password` (change it, signed in), `/forgot-password` (ask for a link: the
//! same page whether or not an account has the address) and `/reset-password?token=`
//! (choose a new one from the link). One form template serves all three.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use super::account_form::{FormPage, Input, Notice};
use super::{FormFields, SignedIn, field, see_other};
use crate::auth::account::{AccountError, plausible_link_token};
use crate::domain::{Email, Password};
use crate::render::{Errors, Page, PageCtx};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

fn minutes(state: &AppState) -> String {
    state
        .accounts
        .reset_ttl()
        .as_secs()
        .div_ceil(60)
        .to_string()
}

// ---- Change password (signed in) ----

fn render_change(ctx: &PageCtx, page: Page, errors: &Errors) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let token = ctx.csrf_token()?;
    ctx.render(
        page,
        &FormPage {
            v,
            csrf_token: &token,
            errors,
            heading: v.t("password.heading"),
            lead: vec![v.t("password.lead")],
            action: "/account/password",
            hidden: vec![],
            fields: vec![
                Input {
                    name: "current_password",
                    label: v.t("password.current"),
                    hint: None,
                    kind: "password",
                    autocomplete: "current-password",
                    value: "",
                },
                Input {
                    name: "new_password",
                    label: v.t("password.new"),
                    hint: Some(v.t("password.new.hint")),
                    kind: "password",
                    autocomplete: "new-password",
                    value: "",
                },
            ],
            submit: v.t("password.submit"),
            submit_id: "password-submit",
            links: vec![("/account", v.t("nav.account"))],
        },
    )
}

/// `GET /account/password`
pub async fn change_page(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let ctx = signed_in.ctx;
    let page = Page::new(ctx.view.t("password.heading"));
    render_change(&ctx, page, &Errors::default())
}

/// `POST /account/password`: current_password, new_password.
pub async fn change(
    state: web::Data<AppState>,
    form: FormFields,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (ctx, user) = (signed_in.ctx, signed_in.user);
    let v = &ctx.view;
    let mut errors = Errors::default();
    let current = field(&form, "current_password");
    if current.is_empty() {
        errors.add(
            "current_password",
            "current_password",
            v.err("Enter your current password"),
        );
    }
    let new = match field(&form, "new_password") {
        "" => {
            errors.add(
                "new_password",
                "new_password",
                v.err("Enter a new password"),
            );
            None
        }
        raw => Password::parse(raw.to_owned())
            .map_err(|m| errors.add("new_password", "new_password", v.err(m)))
            .ok(),
    };
    if let (Some(new), true) = (new, errors.is_empty()) {
        let current = SecretString::from(current.to_owned());
        match state
            .accounts
            .change_password(
                user.id,
                &current,
                new,
                session::sign_in_id(&ctx.session),
                None,
            )
            .await
        {
            Ok(epoch) => {
                session::continue_in_epoch(&ctx.session, user.id, epoch)
                    .map_err(PageError::internal)?;
                session::set_flash(&ctx.session, v.t("password.changed"))
                    .map_err(PageError::internal)?;
                return Ok(see_other(&ctx, "/account"));
            }
            Err(e @ AccountError::WrongPassword) => {
                errors.add(
                    "current_password",
                    "current_password",
                    v.err(&e.to_string()),
                );
            }
            Err(e) => return Err(PageError::internal(e)),
        }
    }
    render_change(&ctx, Page::new(v.t("password.heading")).invalid(), &errors)
}

// ---- Forgotten password ----

fn render_forgot(
    ctx: &PageCtx,
    page: Page,
    errors: &Errors,
    email: &str,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let token = ctx.csrf_token()?;
    ctx.render(
        page,
        &FormPage {
            v,
            csrf_token: &token,
            errors,
            heading: v.t("forgot.heading"),
            lead: vec![v.t("forgot.lead")],
            action: "/forgot-password",
            hidden: vec![],
            fields: vec![Input {
                name: "email",
                label: v.t("forgot.email"),
                hint: None,
                kind: "email",
                autocomplete: "email",
                value: email,
            }],
            submit: v.t("forgot.submit"),
            submit_id: "forgot-submit",
            links: vec![("/login", v.t("nav.login"))],
        },
    )
}

/// `GET /forgot-password`
pub async fn forgot_page(ctx: PageCtx) -> Result<HttpResponse, PageError> {
    let page = Page::new(ctx.view.t("forgot.heading"));
    render_forgot(&ctx, page, &Errors::default(), "")
}

/// `POST /forgot-password`: email. The answer does not depend on whether an account
/// has the address (only on whether it is an address at all).
pub async fn forgot(
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let raw = field(&form, "email");
    let email = match raw.trim() {
        "" => Err("Enter your email address"),
        other => Email::parse(other),
    };
    let email = match email {
        Ok(email) => email,
        Err(m) => {
            let mut errors = Errors::default();
            errors.add("email", "email", v.err(m));
            let page = Page::new(v.t("forgot.heading")).invalid();
            return render_forgot(&ctx, page, &errors, raw);
        }
    };
    state
        .accounts
        .request_reset(email.as_str())
        .await
        .map_err(PageError::internal)?;
    let heading = v.t("forgot.sent.heading");
    let body = v
        .t("forgot.sent.body")
        .replace("{minutes}", &minutes(&state));
    let page = Page::new(heading).announce(heading);
    ctx.render(
        page,
        &Notice {
            heading,
            paragraphs: vec![body, v.t("forgot.sent.more").to_owned()],
            links: vec![("/forgot-password", v.t("forgot.again"))],
        },
    )
}

// ---- Reset password (from the mailed link) ----

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn render_reset(
    ctx: &PageCtx,
    page: Page,
    errors: &Errors,
    token: &str,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let csrf = ctx.csrf_token()?;
    ctx.render(
        page,
        &FormPage {
            v,
            csrf_token: &csrf,
            errors,
            heading: v.t("reset.heading"),
            lead: vec![v.t("reset.lead")],
            action: "/reset-password",
            hidden: vec![("token", token)],
            fields: vec![Input {
                name: "new_password",
                label: v.t("password.new"),
                hint: Some(v.t("password.new.hint")),
                kind: "password",
                autocomplete: "new-password",
                value: "",
            }],
            submit: v.t("reset.submit"),
            submit_id: "reset-submit",
            links: vec![],
        },
    )
}

/// The page for a link that is wrong, used or expired (400).
fn bad_link(ctx: &PageCtx, state: &AppState) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let heading = v.t("reset.bad.heading");
    let page = Page::new(heading)
        .status(actix_web::http::StatusCode::BAD_REQUEST)
        .alert(heading);
    ctx.render(
        page,
        &Notice {
            heading,
            paragraphs: vec![v.t("reset.bad.body").replace("{minutes}", &minutes(state))],
            links: vec![("/forgot-password", v.t("forgot.again"))],
        },
    )
}

/// `GET /reset-password?token=…`
pub async fn reset_page(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.token.as_deref().unwrap_or("").trim();
    let works = plausible_link_token(token)
        && state
            .accounts
            .reset_link_works(token)
            .await
            .map_err(PageError::internal)?;
    if !works {
        return bad_link(&ctx, &state);
    }
    let page = Page::new(ctx.view.t("reset.heading"));
    render_reset(&ctx, page, &Errors::default(), token)
}

/// `POST /reset-password`: token, new_password.
pub async fn reset(
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let token = field(&form, "token").trim();
    if !plausible_link_token(token) {
        return bad_link(&ctx, &state);
    }
    let new = match field(&form, "new_password") {
        "" => Err("Enter a new password"),
        raw => Password::parse(raw.to_owned()),
    };
    let new = match new {
        Ok(p) => p,
        Err(m) => {
            let mut errors = Errors::default();
            errors.add("new_password", "new_password", v.err(m));
            let page = Page::new(v.t("reset.heading")).invalid();
            return render_reset(&ctx, page, &errors, token);
        }
    };
    match state.accounts.reset_password(token, new).await {
        Ok(()) => {
            // Signed out everywhere, this browser too.
            session::sign_out(&ctx.session);
            session::set_flash(&ctx.session, v.t("reset.done")).map_err(PageError::internal)?;
            Ok(see_other(&ctx, "/login"))
        }
        Err(AccountError::InvalidLink) => bad_link(&ctx, &state),
        Err(e) => Err(PageError::internal(e)),
    }
}
