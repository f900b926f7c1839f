//! `/`: the home page. Its content depends only on the preference profile and on whether
//! someone is signed in, so it is rendered once per profile and shared through the
//! preference-aware cache (namespace [`PAGES`]).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::cache::{CacheKey, HOME, PAGES};
use crate::render::{PageCtx, View};
use crate::state::AppState;
use crate::web::errors::PageError;

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomeContent<'a> {
    v: &'a View,
    signed_in: bool,
}

/// `GET /`
pub async fn home(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let page = ctx.page_with_flash(ctx.view.t("nav.home"));
    let signed_in = ctx.user.is_some();
    let key = CacheKey::shared(
        PAGES,
        HOME,
        &ctx.view.prefs,
        &[("signed_in", if signed_in { "true" } else { "false" })],
    );
    let content = state
        .cache
        .get_or_insert_with(&key, || async {
            HomeContent {
                v: &ctx.view,
                signed_in,
            }
            .render()
            .map_err(PageError::internal)
        })
        .await?;
    ctx.render_html(page, &content)
}
