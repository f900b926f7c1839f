//! The "Captions" and "Player" sections of `/preferences` (their controls, chosen values
//! and errors), and `POST /preferences/player`, which the player's settings form sends
//! (docs/PLAYER_PREFERENCES.md).

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use super::preferences::{Chosen, Screen, render};
use super::{FormFields, local_path, see_other};
use crate::domain::player_prefs::{
    CaptionBackground, CaptionColor, CaptionEdge, CaptionFont, CaptionOpacity, CaptionPosition,
    CaptionSize, PLAYER_FIELDS, Raw, SignCorner, SignLayout, SignSize,
};
use crate::domain::{ContrastFailure, FieldErrors, Preferences, PreferencesUpdate};
use crate::error::ApiError;
use crate::events::Via;
use crate::render::{Errors, Page, PageCtx, View, prefs};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

/// One choice of a control.
pub struct ControlOption {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A radio group (a fieldset with a legend) or a select (a label).
pub struct Control {
    pub name: &'static str,
    pub legend: &'static str,
    pub hint: &'static str,
    pub error: Option<String>,
    pub select: bool,
    pub options: Vec<ControlOption>,
}

/// The player preferences' values to show as chosen: what was submitted, else saved.
pub type ChosenPlayer = BTreeMap<&'static str, String>;

pub fn chosen(prefs: &Preferences, form: Option<&FormFields>) -> ChosenPlayer {
    prefs
        .player
        .fields()
        .into_iter()
        .map(|(name, saved)| {
            let value = form.and_then(|f| f.get(name)).cloned().unwrap_or(saved);
            (name, value)
        })
        .collect()
}

fn control(
    v: &View,
    errors: &Errors,
    chosen: &ChosenPlayer,
    name: &'static str,
    select: bool,
    options: Vec<(String, String)>,
) -> Control {
    let current = chosen.get(name).map_or("", String::as_str);
    Control {
        name,
        legend: v.t(&format!("prefs.{name}")),
        hint: v.t(&format!("prefs.{name}.hint")),
        error: errors.get(name).map(str::to_owned),
        select,
        options: options
            .into_iter()
            .map(|(value, label)| ControlOption {
                id: format!("{name}-{value}"),
                checked: value == current,
                value,
                label,
            })
            .collect(),
    }
}

/// (value, label) for names with their own copy (`prefs.<field>.<value>`).
fn named(
    v: &View,
    field: &str,
    values: impl Iterator<Item = &'static str>,
) -> Vec<(String, String)> {
    values
        .map(|value| {
            (
                value.to_owned(),
                v.t(&format!("prefs.{field}.{value}")).to_owned(),
            )
        })
        .collect()
}

/// (value, "150%") for the percentages, with a word after the special ones.
fn percents(v: &View, values: &[u16], special: &[(u16, &str)]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|n| {
            let mut label = format!("{n}%");
            if let Some((_, key)) = special.iter().find(|(s, _)| s == n) {
                label = format!("{label} {}", v.t(key));
            }
            (n.to_string(), label)
        })
        .collect()
}

pub fn caption_controls(v: &View, errors: &Errors, chosen: &ChosenPlayer) -> Vec<Control> {
    let c = |name, select, options| control(v, errors, chosen, name, select, options);
    vec![
        c(
            "caption_size",
            true,
            percents(v, CaptionSize::ALL, &[(100, "prefs.caption_size.normal")]),
        ),
        c(
            "caption_color",
            false,
            named(
                v,
                "caption_color",
                CaptionColor::ALL.iter().map(|x| x.as_str()),
            ),
        ),
        c(
            "caption_background",
            false,
            named(
                v,
                "caption_background",
                CaptionBackground::ALL.iter().map(|x| x.as_str()),
            ),
        ),
        c(
            "caption_opacity",
            true,
            percents(
                v,
                CaptionOpacity::ALL,
                &[
                    (0, "prefs.caption_opacity.none"),
                    (100, "prefs.caption_opacity.solid"),
                ],
            ),
        ),
        c(
            "caption_font",
            false,
            named(
                v,
                "caption_font",
                CaptionFont::ALL.iter().map(|x| x.as_str()),
            ),
        ),
        c(
            "caption_edge",
            false,
            named(
                v,
                "caption_edge",
                CaptionEdge::ALL.iter().map(|x| x.as_str()),
            ),
        ),
        c(
            "caption_position",
            false,
            named(
                v,
                "caption_position",
                CaptionPosition::ALL.iter().map(|x| x.as_str()),
            ),
        ),
    ]
}

pub fn player_controls(v: &View, errors: &Errors, chosen: &ChosenPlayer) -> Vec<Control> {
    let c = |name, options| control(v, errors, chosen, name, false, options);
    vec![
        c(
            "sign_layout",
            named(v, "sign_layout", SignLayout::ALL.iter().map(|x| x.as_str())),
        ),
        c(
            "sign_corner",
            named(v, "sign_corner", SignCorner::ALL.iter().map(|x| x.as_str())),
        ),
        c(
            "sign_size",
            named(v, "sign_size", SignSize::ALL.iter().map(|x| x.as_str())),
        ),
        c(
            "keyboard_shortcuts",
            named(v, "keyboard_shortcuts", ["on", "off"].into_iter()),
        ),
    ]
}

/// The preview's attributes: the chosen values (so it shows what the form says).
pub fn preview_attributes(chosen: &ChosenPlayer) -> Vec<(&'static str, String)> {
    PLAYER_FIELDS
        .iter()
        .zip(prefs::PLAYER_ATTRIBUTES)
        .map(|(field, attr)| (attr, chosen.get(field).cloned().unwrap_or_default()))
        .collect()
}

/// Where the error summary links for a player field: the select, or the first radio.
pub fn anchor(field: &str) -> String {
    match field {
        "caption_size" | "caption_opacity" => field.to_owned(),
        "caption_color" => "caption_color-white".into(),
        "caption_background" => "caption_background-black".into(),
        "caption_font" => "caption_font-sans".into(),
        "caption_edge" => "caption_edge-none".into(),
        "caption_position" => "caption_position-over".into(),
        "sign_layout" => "sign_layout-pip".into(),
        "sign_corner" => "sign_corner-top-left".into(),
        "sign_size" => "sign_size-small".into(),
        _ => "keyboard_shortcuts-on".into(),
    }
}

/// Add the player fields' errors (in page order) to `errors`.
pub fn add_errors(v: &View, found: &FieldErrors, errors: &mut Errors) {
    for name in PLAYER_FIELDS {
        if let Some(message) = found.get(name) {
            errors.add(name, &anchor(name), v.err(message));
        }
    }
}

/// Why the caption colours were refused, at the reader's level.
pub fn contrast_message(v: &View, f: &ContrastFailure) -> String {
    let picture = if f.over_light {
        v.t("prefs.caption_contrast.light")
    } else {
        v.t("prefs.caption_contrast.dark")
    };
    let high = if f.high_contrast {
        v.t("prefs.caption_contrast.high")
    } else {
        ""
    };
    v.t("prefs.caption_contrast")
        .replace("{ratio}", &f.ratio_text())
        .replace("{required}", &f.required_text())
        .replace("{picture}", picture)
        .replace("{high}", high)
}

/// The fields `POST /preferences/player` reads.
const LAYOUT_FIELDS: [&str; 3] = ["sign_layout", "sign_corner", "sign_size"];

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `POST /preferences/player` (csrf_token, any of sign_layout, sign_corner, sign_size,
/// next): saves the player layout. htmx or JSON clients get 204, browsers a 303 to `next`
/// with "Player layout saved"; bad values 422 (ErrorBody for JSON, else the preferences
/// page with its error summary).
pub async fn save(
    req: HttpRequest,
    mut ctx: PageCtx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let mut update = PreferencesUpdate::default();
    let mut found = FieldErrors::new();
    for name in LAYOUT_FIELDS {
        if let Some(value) = form.get(name)
            && let Some(Err(message)) = update.player.read(name, Raw::Form(value))
        {
            found.insert(name.to_owned(), message);
        }
    }
    let json = wants_json(&req);
    if !found.is_empty() {
        if json {
            return Ok(ApiError::invalid(found).error_response());
        }
        let mut errors = Errors::default();
        add_errors(&ctx.view, &found, &mut errors);
        let chosen = Chosen::from_prefs(&ctx.view.prefs).with_form(&form);
        let page = Page::new(ctx.view.t("prefs.heading")).invalid();
        return render(&ctx, page, &errors, &chosen, Screen::All);
    }
    let cookie = match &ctx.user {
        Some(user) if !update.is_empty() => {
            let user = state
                .auth
                .update_preferences(user.id, update, Via::Browser)
                .await?;
            state.cache.invalidate_user(user.id).await;
            ctx.user = Some(user);
            None
        }
        Some(_) => None,
        None => {
            let saved = ctx.view.prefs.apply(&update);
            Some(prefs::cookie(&saved, ctx.secure_cookies))
        }
    };
    let mut res = if ctx.hx.request || json {
        HttpResponse::NoContent()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()
    } else {
        session::set_flash(&ctx.session, ctx.view.t("player.saved"))
            .map_err(PageError::internal)?;
        let next = form
            .get("next")
            .and_then(|n| local_path(n))
            .unwrap_or("/preferences");
        see_other(&ctx, next)
    };
    if let Some(cookie) = cookie {
        res.add_cookie(&cookie).map_err(PageError::internal)?;
    }
    Ok(res)
}
