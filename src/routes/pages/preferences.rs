//! `/preferences`: edit the five preferences (and, on the whole-page screen, the caption
//! and player sections of [`super::preferences_player`]), signed in (saved to the account through
//! [`AuthService::update_preferences`], validated like the API) or signed out (saved in
//! the preferences cookie).
//!
//! [`AuthService::update_preferences`]: crate::auth::AuthService::update_preferences

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::preferences_player::{self as player, ChosenPlayer, Control};
use super::{FormFields, see_other};
use crate::domain::{FieldErrors, Preferences, PreferencesUpdate};
use crate::events::Via;
use crate::render::{Errors, Page, PageCtx, View, copy, prefs};
use crate::state::AppState;
use crate::web::errors::PageError;
use crate::web::session;

struct RadioOption {
    id: String,
    value: String,
    label: String,
    checked: bool,
}

struct RadioGroup {
    name: &'static str,
    legend: &'static str,
    hint: &'static str,
    error: Option<String>,
    options: Vec<RadioOption>,
}

#[derive(Template)]
#[template(path = "pages/preferences.html")]
struct PreferencesContent<'a> {
    v: &'a View,
    csrf_token: &'a str,
    errors: &'a Errors,
    signed_in: bool,
    groups: Vec<RadioGroup>,
    preview_texts: Vec<(u8, &'static str)>,
    /// Density 1 asks one question per screen: which one, and the words around it.
    step: Option<Step>,
    /// The density-1 summary after the last question: (question, answer, change link).
    answers: Vec<(&'static str, String, String)>,
    /// Density 1 with every question on one page (`?all=1`).
    all_at_once: bool,
    /// The "Captions" and "Player" sections (whole-page screen only; empty otherwise).
    captions: Vec<Control>,
    player: Vec<Control>,
    /// The caption preview's `data-caption-*` attributes and its still frame.
    caption_preview: Vec<(&'static str, String)>,
    frame_url: &'static str,
}

/// One question of the density-1 walk-through.
struct Step {
    number: usize,
    caption: String,
    submit: &'static str,
    previous: Option<String>,
}

/// How many questions the walk-through has (one per preference).
const STEPS: usize = 5;

/// "Question 2 of 5".
fn step_caption(v: &View, n: usize) -> String {
    v.t("prefs.step")
        .replace("{n}", &n.to_string())
        .replace("{total}", &STEPS.to_string())
}

/// Which screen of the preferences page a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Screen {
    /// Every question at once (densities 2-5, or `?all=1`).
    All,
    /// Density 1: question `n` (1-based) on its own.
    Question(usize),
    /// Density 1, after the last question: the answers, each with a "Change" link.
    Answers,
}

impl Screen {
    /// The screen for `v` and the `step`/`all` query or form values.
    pub(super) fn of(v: &View, step: Option<&str>, all: Option<&str>) -> Screen {
        if !v.minimal() || all == Some("1") {
            return Screen::All;
        }
        match step.map(str::trim) {
            Some("done") => Screen::Answers,
            Some(n) => match n.parse::<usize>() {
                Ok(n) if (1..=STEPS).contains(&n) => Screen::Question(n),
                _ => Screen::Question(1),
            },
            None => Screen::Question(1),
        }
    }
}

/// The value each group shows as chosen: what was submitted, else the current choice.
pub(super) struct Chosen {
    density: String,
    reading: String,
    contrast: String,
    motion: String,
    sign: String,
    player: ChosenPlayer,
}

impl Chosen {
    pub(super) fn from_prefs(p: &Preferences) -> Self {
        let j = p.to_json();
        Chosen {
            density: j.visual_density.to_string(),
            reading: j.reading_level.to_string(),
            contrast: j.color_contrast.to_owned(),
            motion: j.motion_sensitivity.to_string(),
            sign: j.preferred_sign_language.to_owned(),
            player: player::chosen(p, None),
        }
    }

    pub(super) fn with_form(mut self, form: &FormFields) -> Self {
        for (name, slot) in [
            ("visual_density", &mut self.density),
            ("reading_level", &mut self.reading),
            ("color_contrast", &mut self.contrast),
            ("motion_sensitivity", &mut self.motion),
            ("preferred_sign_language", &mut self.sign),
        ] {
            if let Some(value) = form.get(name) {
                value.clone_into(slot);
            }
        }
        for (name, slot) in self.player.iter_mut() {
            if let Some(value) = form.get(*name) {
                value.clone_into(slot);
            }
        }
        self
    }
}

fn group(
    v: &View,
    errors: &Errors,
    name: &'static str,
    key: &str,
    chosen: &str,
    values: &[(String, String)],
) -> RadioGroup {
    RadioGroup {
        name,
        legend: v.t(&format!("prefs.{key}")),
        hint: v.t(&format!("prefs.{key}.hint")),
        error: errors.get(name).map(str::to_owned),
        options: values
            .iter()
            .map(|(value, label)| RadioOption {
                id: format!("{name}-{}", value.to_ascii_lowercase()),
                value: value.clone(),
                label: label.clone(),
                checked: value == chosen,
            })
            .collect(),
    }
}

fn groups(v: &View, errors: &Errors, chosen: &Chosen) -> Vec<RadioGroup> {
    let levels = |key: &str| -> Vec<(String, String)> {
        (1..=5)
            .map(|n| (n.to_string(), v.t(&format!("prefs.{key}.{n}")).to_owned()))
            .collect()
    };
    let choices = |key: &str, values: &[&str]| -> Vec<(String, String)> {
        values
            .iter()
            .map(|value| {
                (
                    (*value).to_owned(),
                    v.t(&format!("prefs.{key}.{value}")).to_owned(),
                )
            })
            .collect()
    };
    let languages: Vec<(String, String)> = crate::render::sign_languages()
        .map(|(code, name)| (code.to_owned(), format!("{code} – {name}")))
        .collect();
    vec![
        group(
            v,
            errors,
            "visual_density",
            "density",
            &chosen.density,
            &levels("density"),
        ),
        group(
            v,
            errors,
            "reading_level",
            "reading",
            &chosen.reading,
            &levels("reading"),
        ),
        group(
            v,
            errors,
            "color_contrast",
            "contrast",
            &chosen.contrast,
            &choices("contrast", &["normal", "high"]),
        ),
        group(
            v,
            errors,
            "motion_sensitivity",
            "motion",
            &chosen.motion,
            &choices("motion", &["false", "true"]),
        ),
        group(
            v,
            errors,
            "preferred_sign_language",
            "sign",
            &chosen.sign,
            &languages,
        ),
    ]
}

pub(super) fn render(
    ctx: &PageCtx,
    page: Page,
    errors: &Errors,
    chosen: &Chosen,
    screen: Screen,
) -> Result<HttpResponse, PageError> {
    let token = ctx.csrf_token()?;
    let v = &ctx.view;
    let mut all = groups(v, errors, chosen);
    let whole = screen == Screen::All;
    let (step, answers) = match screen {
        Screen::All => (None, Vec::new()),
        Screen::Question(n) => {
            let group = all.remove(n - 1);
            all = vec![group];
            (
                Some(Step {
                    number: n,
                    caption: step_caption(v, n),
                    submit: if n < STEPS {
                        v.t("prefs.continue")
                    } else {
                        v.t("prefs.submit")
                    },
                    previous: (n > 1).then(|| format!("/preferences?step={}", n - 1)),
                }),
                Vec::new(),
            )
        }
        Screen::Answers => {
            let answers = all
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let answer = g
                        .options
                        .iter()
                        .find(|o| o.checked)
                        .map(|o| o.label.clone())
                        .unwrap_or_default();
                    (g.legend, answer, format!("/preferences?step={}", i + 1))
                })
                .collect();
            all.clear();
            (None, answers)
        }
    };
    ctx.render(
        page,
        &PreferencesContent {
            v,
            csrf_token: &token,
            errors,
            signed_in: ctx.user.is_some(),
            groups: all,
            preview_texts: (1..=5)
                .map(|l| (l, copy::text("prefs.preview.text", l)))
                .collect(),
            step,
            answers,
            all_at_once: v.minimal() && screen == Screen::All,
            captions: if whole {
                player::caption_controls(v, errors, &chosen.player)
            } else {
                Vec::new()
            },
            player: if whole {
                player::player_controls(v, errors, &chosen.player)
            } else {
                Vec::new()
            },
            caption_preview: player::preview_attributes(&chosen.player),
            frame_url: crate::web::assets::urls().preview_frame,
        },
    )
}

/// `GET /preferences` (`?step=N` / `?step=done` / `?all=1` at density 1).
pub async fn page(
    ctx: PageCtx,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let screen = Screen::of(
        &ctx.view,
        query.get("step").map(String::as_str),
        query.get("all").map(String::as_str),
    );
    let page = ctx.page_with_flash(ctx.view.t("prefs.heading"));
    render(
        &ctx,
        page,
        &Errors::default(),
        &Chosen::from_prefs(&ctx.view.prefs),
        screen,
    )
}

/// The anchor of a radio group's first option, for the error summary.
fn first_option(field: &str) -> String {
    let first = match field {
        "visual_density" | "reading_level" => "1",
        "color_contrast" => "normal",
        "motion_sensitivity" => "false",
        _ => "asl",
    };
    format!("{field}-{first}")
}

fn field_errors(v: &View, found: &FieldErrors) -> Errors {
    let mut errors = Errors::default();
    // In page order.
    for name in [
        "visual_density",
        "reading_level",
        "color_contrast",
        "motion_sensitivity",
        "preferred_sign_language",
    ] {
        if let Some(message) = found.get(name) {
            errors.add(name, &first_option(name), v.err(message));
        }
    }
    player::add_errors(v, found, &mut errors);
    errors
}

/// `POST /preferences`: saves, then shows the page again in the new variant.
pub async fn save(
    mut ctx: PageCtx,
    state: web::Data<AppState>,
    form: FormFields,
) -> Result<HttpResponse, PageError> {
    let field = |name: &str| form.get(name).map(String::as_str);
    // The screen the form was on, and the question it answered when it was one step of
    // the density-1 walk-through.
    let posted = Screen::of(&ctx.view, field("step"), field("all"));
    let asked = match posted {
        Screen::Question(n) if field("step").is_some() => Some(n),
        _ => None,
    };
    let invalid = |ctx: &PageCtx, errors: &Errors| {
        let chosen = Chosen::from_prefs(&ctx.view.prefs).with_form(&form);
        let page = Page::new(ctx.view.t("prefs.heading")).invalid();
        render(ctx, page, errors, &chosen, posted)
    };
    let update = match PreferencesUpdate::from_form(field) {
        Ok(update) => update,
        Err(found) => return invalid(&ctx, &field_errors(&ctx.view, &found)),
    };
    // The caption contrast rule, on the result of the change.
    let checked = match ctx.view.prefs.apply_checked(&update) {
        Ok(checked) => checked,
        Err((name, failure)) => {
            let mut errors = Errors::default();
            let anchor = match name {
                "color_contrast" => first_option(name),
                _ => player::anchor(name),
            };
            errors.add(name, &anchor, player::contrast_message(&ctx.view, &failure));
            return invalid(&ctx, &errors);
        }
    };
    let (saved, cookie) = match &ctx.user {
        Some(user) => {
            let user = state
                .auth
                .update_preferences(user.id, update, Via::Browser)
                .await?;
            state.cache.invalidate_user(user.id).await;
            let saved = user.preferences();
            ctx.user = Some(user);
            (saved, None)
        }
        None => (checked, Some(prefs::cookie(&checked, ctx.secure_cookies))),
    };
    ctx.set_preferences(saved);
    let message = ctx.view.t("prefs.saved");
    // Where the walk-through goes next (still at density 1): the next question, or the
    // answers after the last one. Anything else shows the whole page again.
    let minimal = ctx.view.minimal();
    let from_all = field("all") == Some("1");
    let next = match asked {
        Some(n) if minimal && n < STEPS => Screen::Question(n + 1),
        Some(_) if minimal => Screen::Answers,
        _ if minimal && from_all => Screen::All,
        _ => Screen::of(&ctx.view, None, None),
    };
    let url = match next {
        Screen::Question(n) if asked.is_some() => format!("/preferences?step={n}"),
        Screen::Answers => "/preferences?step=done".to_owned(),
        Screen::All if minimal => "/preferences?all=1".to_owned(),
        _ => "/preferences".to_owned(),
    };
    let mut res = if ctx.hx.request {
        let announce = match next {
            Screen::Question(n) if asked.is_some() => format!(
                "{}. {}",
                message.trim_end_matches('.'),
                step_caption(&ctx.view, n)
            ),
            _ => message.to_owned(),
        };
        let page = Page::new(ctx.view.t("prefs.heading"))
            .announce(announce)
            .banner(Some(message.to_owned()))
            .push_url(&url);
        render(
            &ctx,
            page,
            &Errors::default(),
            &Chosen::from_prefs(&saved),
            next,
        )?
    } else {
        session::set_flash(&ctx.session, message).map_err(PageError::internal)?;
        see_other(&ctx, &url)
    };
    if let Some(cookie) = cookie {
        res.add_cookie(&cookie).map_err(PageError::internal)?;
    }
    Ok(res)
}
