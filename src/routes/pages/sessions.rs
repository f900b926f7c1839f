//! `/account/sessions`: where the account is signed in (browser sessions and API
//! sign-ins, with device, network, signed in and last seen; this browser marked), with
//! "sign out" for each other one and "sign out everywhere else".

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};

use super::{SignedIn, see_other};
use crate::auth::account::AccountError;
use crate::auth::sign_ins::{Listed, plausible_id};
use crate::models::sign_in::KIND_API;
use crate::render::{Errors, Page, PageCtx, View};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

/// One sign-in as the page shows it.
struct Row {
    id: String,
    device: String,
    kind: &'static str,
    place: String,
    signed_in: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "pages/sessions.html")]
struct SessionsPage<'a> {
    v: &'a View,
    errors: &'a Errors,
    csrf_token: &'a str,
    rows: Vec<Row>,
    /// Another sign-in is listed (so "sign out everywhere else" has something to do).
    others: bool,
}

fn when(at: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
        .format("%-d %B %Y, %H:%M UTC")
        .to_string()
}

fn row(v: &View, listed: Listed) -> Row {
    let r = listed.row;
    Row {
        kind: if r.kind == KIND_API {
            v.t("sessions.kind.api")
        } else {
            v.t("sessions.kind.browser")
        },
        id: r.id,
        device: r.device,
        place: r.place,
        signed_in: when(r.signed_in_at),
        last_seen: when(r.last_seen_at),
        current: listed.current,
    }
}

async fn render(
    ctx: &PageCtx,
    state: &AppState,
    user_id: i32,
    page: Page,
    errors: &Errors,
) -> Result<HttpResponse, PageError> {
    let sid = session::sign_in_id(&ctx.session);
    let listed = state
        .accounts
        .sign_ins(user_id, sid.as_deref(), None)
        .await
        .map_err(account_error)?;
    let v = &ctx.view;
    let rows: Vec<Row> = listed.into_iter().map(|l| row(v, l)).collect();
    let others = rows.iter().any(|r| !r.current);
    let token = ctx.csrf_token()?;
    ctx.render(
        page,
        &SessionsPage {
            v,
            errors,
            csrf_token: &token,
            rows,
            others,
        },
    )
}

fn account_error(e: AccountError) -> PageError {
    match e {
        AccountError::Db(db) => db.into(),
        other => PageError::internal(other),
    }
}

/// `GET /account/sessions`
pub async fn page(
    state: web::Data<AppState>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let page = ctx.page_with_flash(ctx.view.t("sessions.heading"));
    render(&ctx, &state, user.id, page, &Errors::default()).await
}

/// `POST /account/sessions/{id}/sign-out`: end that sign-in. Ending this browser's own
/// is signing out here.
pub async fn sign_out_one(
    state: web::Data<AppState>,
    path: web::Path<String>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let v = &ctx.view;
    let ended = if plausible_id(&id) {
        state.accounts.sign_out_one(user.id, &id).await
    } else {
        Err(AccountError::NoSuchSignIn)
    };
    match ended {
        Ok(row) => {
            if session::sign_in_id(&ctx.session).as_deref() == Some(row.id.as_str()) {
                session::sign_out(&ctx.session);
                session::set_flash(&ctx.session, v.t("sessions.signed_out_here"))
                    .map_err(PageError::internal)?;
                return Ok(see_other(&ctx, "/login"));
            }
            let message = v.t("sessions.ended").replace("{device}", &row.device);
            session::set_flash(&ctx.session, &message).map_err(PageError::internal)?;
            Ok(see_other(&ctx, "/account/sessions"))
        }
        Err(AccountError::NoSuchSignIn) => {
            let mut errors = Errors::default();
            errors.add(
                "sign-ins",
                "sign-ins",
                v.err("That sign-in has ended already"),
            );
            let page = Page::new(v.t("sessions.heading"))
                .invalid()
                .status(StatusCode::NOT_FOUND);
            render(&ctx, &state, user.id, page, &errors).await
        }
        Err(e) => Err(account_error(e)),
    }
}

/// `POST /account/sessions/sign-out-others`: end every sign-in but this browser's.
pub async fn sign_out_others(
    state: web::Data<AppState>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let sid = session::sign_in_id(&ctx.session);
    let (epoch, _) = state
        .accounts
        .sign_out_others(user.id, sid, None)
        .await
        .map_err(account_error)?;
    session::continue_in_epoch(&ctx.session, user.id, epoch).map_err(PageError::internal)?;
    session::set_flash(&ctx.session, ctx.view.t("sessions.ended_others"))
        .map_err(PageError::internal)?;
    Ok(see_other(&ctx, "/account/sessions"))
}
