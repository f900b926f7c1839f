//! `/account/email` (ask to change the address: new address and current password) and
//! `/confirm-email?token=` (the mailed link: a button, so a mail scanner that opens
//! links changes nothing; `POST /confirm-email` makes the change).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;

use super::account_form::{FormPage, Input, Notice};
use super::{FormFields, SignedIn, field, see_other};
use crate::auth::account::{AccountError, plausible_link_token};
use crate::domain::Email;
use crate::render::{Errors, Page, PageCtx};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

fn minutes(state: &AppState) -> String {
    state
        .accounts
        .email_ttl()
        .as_secs()
        .div_ceil(60)
        .to_string()
}

fn render_form(
    ctx: &PageCtx,
    page: Page,
    errors: &Errors,
    current: &str,
    new_email: &str,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let token = ctx.csrf_token()?;
    let now = v.t("email.now").replace("{email}", current);
    ctx.render(
        page,
        &FormPage {
            v,
            csrf_token: &token,
            errors,
            heading: v.t("email.heading"),
            lead: vec![&now, v.t("email.lead")],
            action: "/account/email",
            hidden: vec![],
            fields: vec![
                Input {
                    name: "new_email",
                    label: v.t("email.new"),
                    hint: None,
                    kind: "email",
                    autocomplete: "email",
                    value: new_email,
                },
                Input {
                    name: "current_password",
                    label: v.t("email.password"),
                    hint: None,
                    kind: "password",
                    autocomplete: "current-password",
                    value: "",
                },
            ],
            submit: v.t("email.submit"),
            submit_id: "email-submit",
            links: vec![("/account", v.t("nav.account"))],
        },
    )
}

/// `GET /account/email`
pub async fn page(SignedIn { ctx, user }: SignedIn) -> Result<HttpResponse, PageError> {
    let page = Page::new(ctx.view.t("email.heading"));
    render_form(&ctx, page, &Errors::default(), &user.email, "")
}

/// `POST /account/email`: new_email, current_password.
pub async fn request(
    state: web::Data<AppState>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let mut errors = Errors::default();
    let raw = field(&form, "new_email");
    let email = match raw.trim() {
        "" => Err("Enter your new email address"),
        other => Email::parse(other),
    }
    .map_err(|m| errors.add("new_email", "new_email", v.err(m)))
    .ok();
    let current = field(&form, "current_password");
    if current.is_empty() {
        errors.add(
            "current_password",
            "current_password",
            v.err("Enter your current password"),
        );
    }
    if let (Some(email), true) = (&email, errors.is_empty()) {
        let current = SecretString::from(current.to_owned());
        match state
            .accounts
            .request_email_change(user.id, &current, email)
            .await
        {
            Ok(()) => {
                let heading = v.t("email.sent.heading");
                let body = v
                    .t("email.sent.body")
                    .replace("{email}", email.as_str())
                    .replace("{minutes}", &minutes(&state));
                return ctx.render(
                    Page::new(heading).announce(heading),
                    &Notice {
                        heading,
                        paragraphs: vec![body],
                        links: vec![("/account", v.t("nav.account"))],
                    },
                );
            }
            Err(e @ AccountError::WrongPassword) => {
                errors.add(
                    "current_password",
                    "current_password",
                    v.err(&e.to_string()),
                );
            }
            Err(e @ (AccountError::EmailTaken | AccountError::SameEmail)) => {
                errors.add("new_email", "new_email", v.err(&e.to_string()));
            }
            Err(e) => return Err(PageError::internal(e)),
        }
    }
    let page = Page::new(v.t("email.heading")).invalid();
    render_form(&ctx, page, &errors, &user.email, raw)
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// A page saying why nothing changed (400 for a dead link, 409 for a taken address).
fn refused(ctx: &PageCtx, status: StatusCode, taken: bool) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let (heading, body) = if taken {
        (
            v.t("confirm_email.taken.heading"),
            v.t("confirm_email.taken.body"),
        )
    } else {
        (v.t("reset.bad.heading"), v.t("confirm_email.bad.body"))
    };
    ctx.render(
        Page::new(heading).status(status).alert(heading),
        &Notice {
            heading,
            paragraphs: vec![body.to_owned()],
            links: vec![("/account/email", v.t("account.change_email"))],
        },
    )
}

/// `GET /confirm-email?token=…`
pub async fn confirm_page(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.token.as_deref().unwrap_or("").trim();
    let email = if plausible_link_token(token) {
        state
            .accounts
            .email_change_link(token)
            .await
            .map_err(PageError::internal)?
    } else {
        None
    };
    let Some(email) = email else {
        return refused(&ctx, StatusCode::BAD_REQUEST, false);
    };
    let v = &ctx.view;
    let csrf = ctx.csrf_token()?;
    let lead = v.t("confirm_email.lead").replace("{email}", &email);
    ctx.render(
        Page::new(v.t("confirm_email.heading")),
        &FormPage {
            v,
            csrf_token: &csrf,
            errors: &Errors::default(),
            heading: v.t("confirm_email.heading"),
            lead: vec![&lead],
            action: "/confirm-email",
            hidden: vec![("token", token)],
            fields: vec![],
            submit: v.t("confirm_email.submit"),
            submit_id: "confirm-email-submit",
            links: vec![],
        },
    )
}

/// `POST /confirm-email`: token.
pub async fn confirm(
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let token = field(&form, "token").trim();
    if !plausible_link_token(token) {
        return refused(&ctx, StatusCode::BAD_REQUEST, false);
    }
    match state.accounts.confirm_email_change(token).await {
        Ok((_, email)) => {
            let done = ctx.view.t("confirm_email.done").replace("{email}", &email);
            session::set_flash(&ctx.session, &done).map_err(PageError::internal)?;
            let next = if ctx.user.is_some() {
                "/account"
            } else {
                "/login"
            };
            Ok(see_other(&ctx, next))
        }
        Err(AccountError::InvalidLink) => refused(&ctx, StatusCode::BAD_REQUEST, false),
        Err(AccountError::EmailTaken) => refused(&ctx, StatusCode::CONFLICT, true),
        Err(e) => Err(PageError::internal(e)),
    }
}
