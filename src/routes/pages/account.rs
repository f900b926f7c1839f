use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};

use super::sign_in_first;
use crate::render::{PageCtx, Variant, View};
use crate::web::errors::PageError;

/// The account page's fields, shared by its three layouts.
struct AccountData<'a> {
    v: &'a View,
    username: &'a str,
    email: &'a str,
    last_login: String,
    prefs: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "pages/account/minimal.html")]
struct Minimal<'a> {
    v: &'a View,
    username: &'a str,
    prefs: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "pages/account/standard.html")]
struct Standard<'a> {
    v: &'a View,
    username: &'a str,
    email: &'a str,
    last_login: String,
    prefs: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "pages/account/compact.html")]
struct Compact<'a> {
    v: &'a View,
    username: &'a str,
    email: &'a str,
    last_login: String,
    prefs: Vec<(&'static str, String)>,
}

/// The five preferences as (setting, chosen value) in this person's words.
pub fn preference_rows(v: &View) -> Vec<(&'static str, String)> {
    vec![
        (
            v.t("prefs.density"),
            v.t(&format!("prefs.density.{}", v.density())).to_owned(),
        ),
        (
            v.t("prefs.reading"),
            v.t(&format!("prefs.reading.{}", v.reading())).to_owned(),
        ),
        (
            v.t("prefs.contrast"),
            v.t(&format!("prefs.contrast.{}", v.contrast())).to_owned(),
        ),
        (
            v.t("prefs.motion"),
            v.t(&format!("prefs.motion.{}", v.motion())).to_owned(),
        ),
        (
            v.t("prefs.sign"),
            format!("{} – {}", v.sign_language(), v.sign_language_name()),
        ),
    ]
}

/// `GET /account`
pub async fn account(ctx: PageCtx, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(user) = &ctx.user else {
        return Ok(sign_in_first(&ctx, &req));
    };
    let v = &ctx.view;
    let data = AccountData {
        v,
        username: &user.username,
        email: &user.email,
        last_login: user.last_login.map_or_else(
            || "—".to_owned(),
            |at| {
                DateTime::<Utc>::from_naive_utc_and_offset(at, Utc)
                    .format("%-d %B %Y, %H:%M UTC")
                    .to_string()
            },
        ),
        prefs: preference_rows(v),
    };
    let page = ctx.page_with_flash(v.t("account.heading"));
    // The layout variant is the renderer's choice, made from the visual density.
    match v.variant {
        Variant::Minimal => ctx.render(
            page,
            &Minimal {
                v: data.v,
                username: data.username,
                prefs: data.prefs,
            },
        ),
        Variant::Standard => ctx.render(
            page,
            &Standard {
                v: data.v,
                username: data.username,
                email: data.email,
                last_login: data.last_login,
                prefs: data.prefs,
            },
        ),
        Variant::Compact => ctx.render(
            page,
            &Compact {
                v: data.v,
                username: data.username,
                email: data.email,
                last_login: data.last_login,
                prefs: data.prefs,
            },
        ),
    }
}
