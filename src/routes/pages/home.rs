//! `/`: the home page.

use actix_web::HttpResponse;
use askama::Template;

use crate::render::{PageCtx, View};
use crate::web::errors::PageError;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomeContent<'a> {
    v: &'a View,
    signed_in: bool,
}

/// `GET /`
pub async fn home(ctx: PageCtx) -> Result<HttpResponse, PageError> {
    let page = ctx.page_with_flash(ctx.view.t("nav.home"));
    ctx.render(
        page,
        &HomeContent {
            v: &ctx.view,
            signed_in: ctx.user.is_some(),
        },
    )
}
