//! The caption editor (`/videos/{id}/captions/{caption_id}/edit`): one row per cue with
//! its start, end, words and position settings, [`PAGE_ROWS`] rows a page. It is one
//! plain form: the submit button pressed says what to do (`action=save`,
//! `insert:N`, `delete:N`), so it works without JavaScript; inserting and deleting
//! re-show the form with the change (not saved yet), saving checks every row (GOV.UK
//! error summary linking to each field, 422) and keeps the version it replaces. A
//! second form shifts every timing of the track (`POST …/shift`). With JavaScript,
//! `caption-editor.js` adds "Set start/end to the player's time" to each row.
//! Anyone but the owner gets the same 404 as for a private video.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{page_error, video_id};
use crate::render::{Errors, Page, PageCtx, View};
use crate::routes::pages::{FormFields, SignedIn, field, see_other};
use crate::state::AppState;
use crate::video::VideoError;
use crate::video::cues::{self, CueFields, MAX_CUES, format_ms, parse_time};
use crate::video::service::{CaptionView, CueEdit, EditableTrack, video_url};
use crate::web::errors::PageError;
use crate::web::session;

/// Cues shown (and sent) per page of the editor.
pub const PAGE_ROWS: usize = 50;
/// Most rows one submission may carry (a page plus the cues inserted into it).
const MAX_ROWS: usize = 1_000;
/// Largest editor form (a page of long cues).
pub const EDITOR_FORM_LIMIT: usize = 256 * 1024;

/// What is wrong with one row, by field.
#[derive(Default)]
struct RowErrors {
    start: Option<String>,
    end: Option<String>,
    settings: Option<String>,
    text: Option<String>,
}

/// One row of the form.
struct Row {
    /// The row's index on this page (its field names: `cue-{i}-start` …).
    i: usize,
    /// The cue's number in the whole track (1-based), for labels and messages.
    n: usize,
    fields: CueFields,
    overlap: bool,
    /// Focus goes here after the page loads (a row just inserted, or after a deletion).
    focus: bool,
    errors: RowErrors,
}

impl Row {
    fn described_by(&self, field: &str) -> String {
        let error = match field {
            "start" => self.errors.start.is_some(),
            "end" => self.errors.end.is_some(),
            "settings" => self.errors.settings.is_some(),
            _ => self.errors.text.is_some(),
        };
        let hint = if field == "start" || field == "end" {
            format!("cue-{}-time-hint", self.i)
        } else {
            String::new()
        };
        let error = if error {
            format!("cue-{}-{field}-error", self.i)
        } else {
            String::new()
        };
        format!("{hint} {error}").trim().to_owned()
    }
}

#[derive(Template)]
#[template(path = "pages/videos/captions_edit.html")]
struct EditorContent<'a> {
    v: &'a View,
    video_id: i32,
    video_title: &'a str,
    caption: &'a CaptionView,
    kind: &'static str,
    player: Option<String>,
    csrf_token: &'a str,
    errors: &'a Errors,
    version: &'a str,
    page: usize,
    original: usize,
    rows: Vec<Row>,
    range: String,
    previous: Option<usize>,
    next: Option<usize>,
    unsaved: bool,
    /// The shift form's answer and error.
    shift: &'a str,
    shift_error: Option<&'a str>,
    focus_save: bool,
}

/// The label of a track kind, in this person's words.
pub(super) fn kind_label(v: &View, kind: &str) -> &'static str {
    v.t(match kind {
        "subtitles" => "kind.subtitles",
        "chapters" => "kind.chapters",
        "descriptions" => "kind.descriptions",
        _ => "kind.captions",
    })
}

/// What a render shows besides the stored track.
struct Shown<'a> {
    page: usize,
    /// The rows as sent (re-shown after an action), else the stored cues of `page`.
    rows: Option<Vec<CueFields>>,
    /// How many stored cues the rows stand for (sent back as `original`).
    original: Option<usize>,
    errors: Errors,
    row_errors: Vec<(usize, &'static str, String)>,
    focus: Option<usize>,
    unsaved: bool,
    shift: &'a str,
    shift_error: Option<String>,
}

impl Shown<'_> {
    fn page(page: usize) -> Self {
        Shown {
            page,
            rows: None,
            original: None,
            errors: Errors::default(),
            row_errors: Vec::new(),
            focus: None,
            unsaved: false,
            shift: "",
            shift_error: None,
        }
    }
}

fn pages_of(total: usize) -> usize {
    total.div_ceil(PAGE_ROWS).max(1)
}

fn render(
    ctx: &PageCtx,
    open: &EditableTrack,
    shown: Shown<'_>,
    page: Page,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let total = open.track.cues.len();
    let page_no = shown.page.clamp(1, pages_of(total));
    let offset = (page_no - 1) * PAGE_ROWS;
    let stored = &open.track.cues[offset.min(total)..(offset + PAGE_ROWS).min(total)];
    let original = shown.original.unwrap_or(stored.len());
    let fields: Vec<CueFields> = shown
        .rows
        .unwrap_or_else(|| stored.iter().map(|c| c.fields()).collect());
    let mut latest_end = offset
        .checked_sub(1)
        .and_then(|i| open.track.cues.get(i))
        .map_or(0, |c| c.end_ms);
    let mut rows = Vec::with_capacity(fields.len());
    for (i, fields) in fields.into_iter().enumerate() {
        let (start, end) = (parse_time(&fields.start), parse_time(&fields.end));
        let overlap = start.is_some_and(|s| s < latest_end);
        latest_end = latest_end.max(end.unwrap_or(0));
        let mut errors = RowErrors::default();
        for (row, field, message) in &shown.row_errors {
            if *row == i {
                let slot = match *field {
                    "start" | "id" => &mut errors.start,
                    "end" => &mut errors.end,
                    "settings" => &mut errors.settings,
                    _ => &mut errors.text,
                };
                slot.get_or_insert_with(|| message.clone());
            }
        }
        rows.push(Row {
            i,
            n: offset + i + 1,
            fields,
            overlap,
            focus: shown.focus == Some(i),
            errors,
        });
    }
    let focus_save = shown.focus.is_some_and(|f| f >= rows.len());
    let range = v
        .t("captions.page")
        .replace("{from}", &(offset + 1).min(total).to_string())
        .replace("{to}", &(offset + stored.len()).to_string())
        .replace("{total}", &total.to_string());
    let token = ctx.csrf_token()?;
    let content = EditorContent {
        v,
        video_id: open.video.id,
        video_title: &open.video.title,
        caption: &open.caption,
        kind: kind_label(v, &open.caption.kind),
        player: (open.video.is_ready() && open.video.output_key.is_some())
            .then(|| video_url(open.video.id)),
        csrf_token: &token,
        errors: &shown.errors,
        version: &open.version,
        page: page_no,
        original,
        rows,
        range,
        previous: (page_no > 1).then(|| page_no - 1),
        next: (page_no < pages_of(total)).then_some(page_no + 1),
        unsaved: shown.unsaved,
        shift: shown.shift,
        shift_error: shown.shift_error.as_deref(),
        focus_save,
    };
    ctx.render(page, &content)
}

fn ids(path: &(String, String)) -> Result<(i32, i32), PageError> {
    let caption = path
        .1
        .parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(PageError::not_found)?;
    Ok((video_id(&path.0)?, caption))
}

fn editor_url(video: i32, caption: i32, page: usize) -> String {
    format!("/videos/{video}/captions/{caption}/edit?page={page}")
}

fn title(v: &View, open: &EditableTrack) -> String {
    format!("{}: {}", v.t("captions.edit"), open.caption.label)
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

fn page_number(raw: &str) -> usize {
    raw.trim().parse::<usize>().unwrap_or(1).max(1)
}

/// `GET /videos/{id}/captions/{caption_id}/edit?page=N`
pub async fn edit(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (id, caption) = ids(&path)?;
    let open = state
        .videos
        .editable_track(id, caption, user.id)
        .await
        .map_err(page_error)?;
    let page = ctx.page_with_flash(&title(&ctx.view, &open));
    let shown = Shown::page(page_number(query.page.as_deref().unwrap_or("1")));
    render(&ctx, &open, shown, page)
}

/// The rows of a submitted page (`count` rows of `cue-{i}-…` fields).
fn rows_of(form: &FormFields) -> Result<Vec<CueFields>, PageError> {
    let count: usize = field(form, "count").trim().parse().unwrap_or(0);
    if count > MAX_ROWS {
        return Err(PageError::new(StatusCode::PAYLOAD_TOO_LARGE));
    }
    Ok((0..count)
        .map(|i| {
            let get = |name: &str| field(form, &format!("cue-{i}-{name}")).to_owned();
            CueFields {
                id: Some(get("id")).filter(|s| !s.trim().is_empty()),
                start: get("start"),
                end: get("end"),
                settings: get("settings"),
                text: get("text"),
            }
        })
        .collect())
}

/// `POST /videos/{id}/captions/{caption_id}/edit`: save, or insert/delete a row.
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (id, caption) = ids(&path)?;
    let open = state
        .videos
        .editable_track(id, caption, user.id)
        .await
        .map_err(page_error)?;
    let v = &ctx.view;
    let page_no = page_number(field(&form, "page"));
    let offset = (page_no - 1) * PAGE_ROWS;
    let original: usize = field(&form, "original").trim().parse().unwrap_or(0);
    let mut rows = rows_of(&form)?;
    let mut shown = Shown::page(page_no);
    shown.original = Some(original.min(PAGE_ROWS));
    let action = field(&form, "action");
    if let Some(at) = action.strip_prefix("insert:") {
        let at = at.parse::<usize>().unwrap_or(rows.len()).min(rows.len());
        if open.track.cues.len() - original.min(open.track.cues.len()) + rows.len() >= MAX_CUES {
            return Err(PageError::new(StatusCode::UNPROCESSABLE_ENTITY));
        }
        let start = at
            .checked_sub(1)
            .and_then(|i| rows.get(i))
            .and_then(|r| parse_time(&r.end))
            .unwrap_or(0);
        rows.insert(
            at,
            CueFields {
                start: format_ms(start),
                end: format_ms(start + 2_000),
                ..CueFields::default()
            },
        );
        shown.focus = Some(at);
        shown.unsaved = true;
        shown.rows = Some(rows);
        let page = Page::new(&title(v, &open)).announce(v.t("captions.inserted"));
        return render(&ctx, &open, shown, page);
    }
    if let Some(at) = action.strip_prefix("delete:") {
        let at = at.parse::<usize>().ok().filter(|at| *at < rows.len());
        let Some(at) = at else {
            return Err(PageError::new(StatusCode::BAD_REQUEST));
        };
        rows.remove(at);
        shown.focus = Some(at);
        shown.unsaved = true;
        shown.rows = Some(rows);
        let page = Page::new(&title(v, &open)).announce(v.t("captions.deleted"));
        return render(&ctx, &open, shown, page);
    }
    if action != "save" {
        return Err(PageError::new(StatusCode::BAD_REQUEST));
    }
    let edit = CueEdit::Splice {
        offset,
        remove: original.min(PAGE_ROWS),
        cues: rows.clone(),
    };
    let version = field(&form, "version");
    match state
        .videos
        .edit_cues(id, caption, user.id, Some(version), edit)
        .await
    {
        Ok(saved) => {
            let mut message = v.t("captions.saved").to_owned();
            let overlaps = saved.warnings.len();
            if overlaps > 0 {
                message = format!("{message} {overlaps} {}", v.t("captions.overlaps"));
            }
            session::set_flash(&ctx.session, &message).map_err(PageError::internal)?;
            Ok(see_other(&ctx, &editor_url(id, caption, page_no)))
        }
        Err(e) => {
            let status = match &e {
                VideoError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            shown.errors = save_errors(v, e, offset, &mut shown.row_errors, rows.len())?;
            shown.rows = Some(rows);
            shown.unsaved = true;
            let page = Page::new(&title(v, &open)).invalid().status(status);
            render(&ctx, &open, shown, page)
        }
    }
}

/// The summary (and the rows' inline errors) for a refused save.
fn save_errors(
    v: &View,
    e: VideoError,
    offset: usize,
    row_errors: &mut Vec<(usize, &'static str, String)>,
    rows: usize,
) -> Result<Errors, PageError> {
    let mut errors = Errors::default();
    match e {
        VideoError::BadCues(found) => {
            for err in found {
                let row = err.index.saturating_sub(offset);
                let anchor_field = match err.field {
                    "id" => "start",
                    f => f,
                };
                let message = v.err(&err.message);
                errors.add(
                    &format!("cue-{row}-{}", err.field),
                    &format!("cue-{row}-{anchor_field}"),
                    format!("{} {}: {message}", v.t("captions.cue"), err.index + 1),
                );
                row_errors.push((row, err.field, message));
            }
        }
        VideoError::Invalid(found) => {
            for message in found.values() {
                let anchor = if rows > 0 { "cue-0-start" } else { "save-top" };
                errors.add("cues", anchor, v.err(message));
            }
        }
        VideoError::Conflict(message) | VideoError::BadCaptions(message) => {
            errors.add("cues", "save-top", v.err(&message));
        }
        other => return Err(page_error(other)),
    }
    Ok(errors)
}

/// `POST /videos/{id}/captions/{caption_id}/shift` (`ms`): move every timing.
pub async fn shift(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: FormFields,
    SignedIn { ctx, user }: SignedIn,
) -> Result<HttpResponse, PageError> {
    let (id, caption) = ids(&path)?;
    let page_no = page_number(field(&form, "page"));
    let raw = field(&form, "ms");
    let result = match cues::parse_shift(raw) {
        Ok(ms) => {
            let version = field(&form, "version");
            state
                .videos
                .edit_cues(id, caption, user.id, Some(version), CueEdit::Shift(ms))
                .await
        }
        Err(message) => Err(VideoError::field("ms", message)),
    };
    let message = match result {
        Ok(_) => {
            session::set_flash(&ctx.session, ctx.view.t("captions.shifted"))
                .map_err(PageError::internal)?;
            return Ok(see_other(&ctx, &editor_url(id, caption, page_no)));
        }
        Err(VideoError::Invalid(found)) => found.into_values().next().unwrap_or_default(),
        Err(VideoError::Conflict(message)) => message,
        Err(e) => return Err(page_error(e)),
    };
    let open = state
        .videos
        .editable_track(id, caption, user.id)
        .await
        .map_err(page_error)?;
    let message = ctx.view.err(&message);
    let mut shown = Shown::page(page_no);
    shown.errors.add("ms", "shift-ms", message.clone());
    shown.shift = raw;
    shown.shift_error = Some(message);
    let page = Page::new(&title(&ctx.view, &open)).invalid();
    render(&ctx, &open, shown, page)
}
