//! Confirming the email address: `GET /verify-email?token=` shows a button (so a mail
//! scanner that opens links confirms nothing), `POST /verify-email` confirms, and
//! `POST /account/verify-email` sends a new link.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::account_form::{FormPage, Notice};
use super::{FormFields, SignedIn, field, see_other};
use crate::auth::account::plausible_link_token;
use crate::render::{Errors, Page, PageCtx};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn bad_link(ctx: &PageCtx) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let heading = v.t("reset.bad.heading");
    let page = Page::new(heading)
        .status(actix_web::http::StatusCode::BAD_REQUEST)
        .alert(heading);
    ctx.render(
        page,
        &Notice {
            heading,
            paragraphs: vec![v.t("verify.bad.body").to_owned()],
            links: vec![("/account", v.t("nav.account"))],
        },
    )
}

/// `GET /verify-email?token=…`
pub async fn page(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.token.as_deref().unwrap_or("").trim();
    let works = plausible_link_token(token)
        && state
            .accounts
            .verify_link_works(token)
            .await
            .map_err(PageError::internal)?;
    if !works {
        return bad_link(&ctx);
    }
    let v = &ctx.view;
    let csrf = ctx.csrf_token()?;
    ctx.render(
        Page::new(v.t("verify.heading")),
        &FormPage {
            v,
            csrf_token: &csrf,
            errors: &Errors::default(),
            heading: v.t("verify.heading"),
            lead: vec![v.t("verify.lead")],
            action: "/verify-email",
            hidden: vec![("token", token)],
            fields: vec![],
            submit: v.t("verify.submit"),
            submit_id: "verify-submit",
            links: vec![],
        },
    )
}

/// `POST /verify-email`: token.
pub async fn confirm(
    ctx: PageCtx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let token = field(&form, "token").trim();
    if !plausible_link_token(token) {
        return bad_link(&ctx);
    }
    match state.accounts.verify_email(token).await {
        Ok(_) => {
            session::set_flash(&ctx.session, ctx.view.t("verify.done"))
                .map_err(PageError::internal)?;
            let next = if ctx.user.is_some() {
                "/account"
            } else {
                "/login"
            };
            Ok(see_other(&ctx, next))
        }
        Err(crate::auth::account::AccountError::InvalidLink) => bad_link(&ctx),
        Err(e) => Err(PageError::internal(e)),
    }
}

/// `POST /account/verify-email`: send a new link.
pub async fn resend(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (ctx, user) = (signed_in.ctx, signed_in.user);
    if user.email_verified_at.is_none() {
        state
            .accounts
            .send_verification(&user)
            .await
            .map_err(PageError::internal)?;
    }
    session::set_flash(&ctx.session, ctx.view.t("verify.sent")).map_err(PageError::internal)?;
    Ok(see_other(&ctx, "/account"))
}
