//! `/catalogue`: the public videos, newest first with the viewer's sign language ahead
//! (or only one sign language when filtered), in the layout variant of the viewer's
//! visual density. Open to everyone.

use super::alternatives_text;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{languages, page_error};
use crate::domain::SignLanguage;
use crate::render::{Page, PageCtx, View, sign_language_name};
use crate::state::AppState;
use crate::web::errors::PageError;

struct Card<'a> {
    id: i32,
    title: &'a str,
    description: &'a str,
    sign_language: &'a str,
    language_name: &'static str,
    poster_url: Option<&'a str>,
    duration: Option<String>,
    /// "Captions: English", "Signed: BSL, ASL", "Transcript".
    alternatives: Vec<String>,
}

struct CatalogueData<'a> {
    cards: Vec<Card<'a>>,
    filter: String,
    languages: Vec<(&'static str, &'static str, bool)>,
    preferred: &'a str,
}

#[derive(Template)]
#[template(path = "pages/catalogue/minimal.html")]
struct CatalogueMinimal<'a> {
    v: &'a View,
    d: &'a CatalogueData<'a>,
}

#[derive(Template)]
#[template(path = "pages/catalogue/standard.html")]
struct CatalogueStandard<'a> {
    v: &'a View,
    d: &'a CatalogueData<'a>,
}

#[derive(Template)]
#[template(path = "pages/catalogue/compact.html")]
struct CatalogueCompact<'a> {
    v: &'a View,
    d: &'a CatalogueData<'a>,
}

#[derive(serde::Deserialize)]
pub struct CatalogueQuery {
    #[serde(default)]
    sign_language: String,
}

fn duration_text(seconds: Option<f64>) -> Option<String> {
    seconds.map(|s| {
        // Whole seconds only; the value is a small, non-negative duration.
        let total = s.max(0.0).round() as u64;
        format!("{}:{:02}", total / 60, total % 60)
    })
}

/// `GET /catalogue?sign_language=BSL`
pub async fn catalogue(
    ctx: PageCtx,
    state: web::Data<AppState>,
    query: web::Query<CatalogueQuery>,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let only = SignLanguage::parse(query.sign_language.trim()).ok();
    // One read model, shared by every visitor (is_owner is not shown here).
    let list = state.videos.catalogue(only).await.map_err(page_error)?;
    let preferred = v.prefs.sign_language.code();
    let filter = only.map(|s| s.code().to_owned()).unwrap_or_default();
    // The preferred sign language first, newest first within each group.
    let ordered = list
        .iter()
        .filter(|video| video.sign_language == preferred)
        .chain(list.iter().filter(|video| video.sign_language != preferred));
    let d = CatalogueData {
        cards: ordered
            .map(|video| Card {
                language_name: sign_language_name(&video.sign_language),
                id: video.id,
                title: &video.title,
                description: &video.description,
                sign_language: &video.sign_language,
                poster_url: video.poster_url.as_deref(),
                duration: duration_text(video.duration_seconds),
                alternatives: alternatives_text(v, &video.alternatives),
            })
            .collect(),
        languages: languages(&filter),
        filter,
        preferred: v.sign_language(),
    };
    let page = Page::new(v.t("catalogue.heading"));
    ctx.render_variant(
        page,
        &CatalogueMinimal { v, d: &d },
        &CatalogueStandard { v, d: &d },
        &CatalogueCompact { v, d: &d },
    )
}
