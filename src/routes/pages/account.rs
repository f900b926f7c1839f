//! `/account`: the signed-in home — who you are and your preferences at a glance, in the
//! layout variant of your visual density.

use actix_web::HttpResponse;
use askama::Template;
use chrono::{DateTime, Utc};

use super::SignedIn;
use crate::render::View;
use crate::web::errors::PageError;

/// What the account page shows, in all three layouts.
struct AccountData<'a> {
    username: &'a str,
    email: &'a str,
    last_login: String,
    prefs: Vec<(&'static str, String)>,
    /// The address is confirmed.
    verified: bool,
    /// For the "send the confirmation link again" form.
    csrf_token: String,
}

#[derive(Template)]
#[template(path = "pages/account/minimal.html")]
struct Minimal<'a> {
    v: &'a View,
    d: &'a AccountData<'a>,
}

#[derive(Template)]
#[template(path = "pages/account/standard.html")]
struct Standard<'a> {
    v: &'a View,
    d: &'a AccountData<'a>,
}

#[derive(Template)]
#[template(path = "pages/account/compact.html")]
struct Compact<'a> {
    v: &'a View,
    d: &'a AccountData<'a>,
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
pub async fn account(SignedIn { ctx, user }: SignedIn) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let d = AccountData {
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
        verified: user.email_verified_at.is_some(),
        csrf_token: ctx.csrf_token()?,
    };
    let page = ctx.page_with_flash(v.t("account.heading"));
    ctx.render_variant(
        page,
        &Minimal { v, d: &d },
        &Standard { v, d: &d },
        &Compact { v, d: &d },
    )
}
