//! `/account/delete`: delete the account, confirmed with the password (afterwards this
//! browser is signed out and the home page says it is done), and `/account/export`:
//! take your data.

use actix_web::{HttpResponse, web};
use secrecy::SecretString;

use super::account_form::{FormPage, Input};
use super::{FormFields, SignedIn, field, see_other};
use crate::auth::account::AccountError;
use crate::render::{Errors, Page, PageCtx};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

fn render(ctx: &PageCtx, page: Page, errors: &Errors) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let token = ctx.csrf_token()?;
    ctx.render(
        page,
        &FormPage {
            v,
            csrf_token: &token,
            errors,
            heading: v.t("delete.heading"),
            lead: vec![v.t("delete.lead"), v.t("delete.lead2")],
            action: "/account/delete",
            hidden: vec![],
            fields: vec![Input {
                name: "password",
                label: v.t("delete.password"),
                hint: None,
                kind: "password",
                autocomplete: "current-password",
                value: "",
            }],
            submit: v.t("delete.submit"),
            submit_id: "delete-submit",
            links: vec![("/account", v.t("delete.keep"))],
        },
    )
}

/// `GET /account/delete`
pub async fn page(signed_in: SignedIn) -> Result<HttpResponse, PageError> {
    let ctx = signed_in.ctx;
    render(
        &ctx,
        Page::new(ctx.view.t("delete.heading")),
        &Errors::default(),
    )
}

/// `POST /account/delete`: password.
pub async fn delete(
    state: web::Data<AppState>,
    form: FormFields,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (ctx, user) = (signed_in.ctx, signed_in.user);
    let v = &ctx.view;
    let mut errors = Errors::default();
    let password = field(&form, "password");
    if password.is_empty() {
        errors.add("password", "password", v.err("Enter your password"));
    } else {
        let secret = SecretString::from(password.to_owned());
        match state.accounts.delete_account(user.id, &secret).await {
            Ok(()) => {
                tracing::info!(user_id = user.id, "account deleted (browser)");
                session::sign_out(&ctx.session);
                session::set_flash(&ctx.session, v.t("delete.done"))
                    .map_err(PageError::internal)?;
                return Ok(see_other(&ctx, "/"));
            }
            Err(AccountError::WrongPassword) => {
                errors.add("password", "password", v.err("Your password is wrong"));
            }
            Err(e) => return Err(PageError::internal(e)),
        }
    }
    render(&ctx, Page::new(v.t("delete.heading")).invalid(), &errors)
}

/// `GET /account/export`: the data export as a download (the API's document).
pub async fn export(
    state: web::Data<AppState>,
    signed_in: SignedIn,
) -> Result<HttpResponse, PageError> {
    let doc = state
        .accounts
        .export(&signed_in.user)
        .await
        .map_err(PageError::internal)?;
    Ok(crate::routes::api::account::export_response(&doc))
}
