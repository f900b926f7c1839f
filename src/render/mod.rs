//! The renderer: the one place that decides what each person sees.
//!
//! - Page or fragment: htmx requests (`HX-Request`) get the inside of `#page` plus a
//!   `<title>` and out-of-band live-region updates ([`live`]); history-restore requests
//!   and plain browsers get the full document. Every response says `Vary: HX-Request`.
//! - Preferences become attributes on `<html>` (and on `#page-meta`, which our script
//!   copies to `<html>` after a swap) that the CSS turns into tokens.
//! - Variants: [`Variant`] (from visual density) picks layouts; [`View::t`] picks copy by
//!   reading level.

pub mod copy;
mod copy_account;
mod copy_captions;
mod copy_controls;
pub(crate) mod copy_mail;
mod copy_moderation;
mod copy_player;
mod copy_search;
mod copy_sessions;
pub mod live;
pub mod prefs;

use actix_session::{Session, SessionExt};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

pub use live::LiveRegions;

use crate::domain::{Contrast, Preferences, SIGN_LANGUAGES, SignLanguage};
use crate::models::User;
use crate::state::AppState;
use crate::web::assets::{self, AssetUrls};
use crate::web::errors::PageError;
use crate::web::{session, session_store};

/// Layout variant, chosen from visual density.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Density 1: one thing at a time, large targets, generous spacing.
    Minimal,
    /// Density 2-4.
    Standard,
    /// Density 5: compact, tables.
    Compact,
}

impl Variant {
    pub fn for_density(density: u8) -> Self {
        match density {
            1 => Variant::Minimal,
            5 => Variant::Compact,
            _ => Variant::Standard,
        }
    }
}

/// What every template knows about the person it renders for.
#[derive(Debug, Clone)]
pub struct View {
    pub prefs: Preferences,
    /// True when the preferences were chosen (account or cookie), so they override the
    /// device's `prefers-contrast` / `prefers-reduced-motion`.
    pub explicit: bool,
    pub variant: Variant,
}

impl View {
    pub fn new(prefs: Preferences, explicit: bool) -> Self {
        View {
            prefs,
            explicit,
            variant: Variant::for_density(prefs.density.get()),
        }
    }

    /// Interface copy at this person's reading level.
    pub fn t(&self, key: &str) -> &'static str {
        copy::text(key, self.reading())
    }

    /// A validation message at this person's reading level.
    pub fn err(&self, message: &str) -> String {
        copy::error_message(message, self.reading())
    }

    pub fn density(&self) -> u8 {
        self.prefs.density.get()
    }

    pub fn reading(&self) -> u8 {
        self.prefs.reading_level.get()
    }

    pub fn contrast(&self) -> &'static str {
        self.prefs.contrast.as_str()
    }

    pub fn high_contrast(&self) -> bool {
        self.prefs.contrast == Contrast::High
    }

    pub fn motion(&self) -> &'static str {
        if self.prefs.motion_sensitivity {
            "true"
        } else {
            "false"
        }
    }

    pub fn sign_language(&self) -> &'static str {
        self.prefs.sign_language.code()
    }

    /// The caption appearance and player layout as `<html>` attributes.
    pub fn player_attributes(&self) -> [(&'static str, String); 11] {
        prefs::player_attributes(&self.prefs)
    }

    /// The stored value of one player preference (`sign_layout`, `sign_corner`, ...), so
    /// forms show the current choice without JavaScript.
    pub fn player_choice(&self, field: &str) -> String {
        self.prefs
            .player
            .fields()
            .into_iter()
            .find(|(name, _)| *name == field)
            .map(|(_, value)| value)
            .unwrap_or_default()
    }

    pub fn sign_language_name(&self) -> &'static str {
        self.prefs.sign_language.name()
    }

    pub fn minimal(&self) -> bool {
        self.variant == Variant::Minimal
    }

    pub fn compact(&self) -> bool {
        self.variant == Variant::Compact
    }

    /// Reading level 1-2.
    pub fn plain(&self) -> bool {
        self.reading() <= 2
    }

    /// Reading level 4-5.
    pub fn detailed(&self) -> bool {
        self.reading() >= 4
    }

    /// The page's language (the interface is written in English).
    pub fn lang(&self) -> &'static str {
        "en"
    }
}

/// What htmx told us about the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hx {
    pub request: bool,
    pub boosted: bool,
    pub history_restore: bool,
}

impl Hx {
    pub fn from_request(req: &HttpRequest) -> Self {
        let flag = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        Hx {
            request: flag("hx-request"),
            boosted: flag("hx-boosted"),
            history_restore: flag("hx-history-restore-request"),
        }
    }

    /// A fragment for htmx, a full page for everything else (including history restores).
    pub fn wants_fragment(&self) -> bool {
        self.request && !self.history_restore
    }
}

/// Everything known about the person making a browser request.
pub struct PageCtx {
    pub hx: Hx,
    pub session: Session,
    pub user: Option<User>,
    pub view: View,
    pub path: String,
    pub secure_cookies: bool,
}

impl PageCtx {
    /// Read the session (dropping it when past its absolute timeout), load the signed-in
    /// user and work out the preferences: the account's, else the cookie's, else defaults.
    pub async fn load(req: &HttpRequest) -> Result<Self, PageError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| PageError::internal(anyhow::anyhow!("application state missing")))?;
        let session = req.get_session();
        let user = match session::claim(&session, state.settings.session.absolute_timeout) {
            None => None,
            Some(claim) => {
                // A suspended account's sessions, and those its revocation predates,
                // end here (on every instance: the change invalidates cached accounts);
                // so do sessions of an older epoch (a password change or reset elsewhere)
                // and sessions signed out from another device.
                let user = session::check(&state.auth, &claim).await?;
                if user.is_none() {
                    session::sign_out(&session);
                }
                user
            }
        };
        let view = match &user {
            // A new account's defaults are not a choice: until the person saves their
            // preferences, the device's contrast and motion settings still apply.
            Some(u) => View::new(u.preferences(), u.updated_at != u.created_at),
            None => match prefs::from_request(req) {
                Some(p) => View::new(p, true),
                None => View::new(Preferences::default(), false),
            },
        };
        if session_store::session_lost() {
            // Say why the visitor is signed out, on this page or the next one that shows
            // messages (the sign-in page, when this one needs an account).
            session::set_flash(&session, view.t("session.lost")).map_err(PageError::internal)?;
        }
        Ok(PageCtx {
            hx: Hx::from_request(req),
            session,
            user,
            view,
            path: req.path().to_owned(),
            secure_cookies: state.settings.app_env.is_production(),
        })
    }

    /// The same request rendered as if for (anonymous) defaults: used when the
    /// context itself cannot be loaded, e.g. the database is down.
    pub fn fallback(req: &HttpRequest) -> Self {
        PageCtx {
            hx: Hx::from_request(req),
            session: req.get_session(),
            user: None,
            view: View::new(prefs::from_request(req).unwrap_or_default(), false),
            path: req.path().to_owned(),
            secure_cookies: false,
        }
    }

    /// Render the rest of this response with other preferences (after saving them).
    pub fn set_preferences(&mut self, prefs: Preferences) {
        self.view = View::new(prefs, true);
    }

    /// The CSRF token for a form on this page: the signed-in session's, else one bound to
    /// this browser's CSRF cookie (set on this response when it has none). Never stored
    /// on the server, and only ever put into this response's own HTML: never into
    /// anything cached and shared (cached fragments are token-free; the chrome around
    /// them is rendered per request).
    pub fn csrf_token(&self) -> Result<String, PageError> {
        session::ensure_csrf_token(&self.session)
            .ok_or_else(|| PageError::internal(anyhow::anyhow!("no browser request scope")))
    }

    /// Render the layout variant this person's visual density calls for: the one place
    /// where pages with structural variants are told apart.
    pub fn render_variant(
        &self,
        page: Page,
        minimal: &impl Template,
        standard: &impl Template,
        compact: &impl Template,
    ) -> Result<HttpResponse, PageError> {
        match self.view.variant {
            Variant::Minimal => self.render(page, minimal),
            Variant::Standard => self.render(page, standard),
            Variant::Compact => self.render(page, compact),
        }
    }

    /// Render `content` inside the layout (or as a fragment for htmx).
    pub fn render(&self, page: Page, content: &impl Template) -> Result<HttpResponse, PageError> {
        let content = content.render().map_err(PageError::internal)?;
        self.render_html(page, &content)
    }

    pub fn render_html(&self, page: Page, content: &str) -> Result<HttpResponse, PageError> {
        let csrf = session::csrf_token(&self.session);
        let chrome = Chrome {
            v: &self.view,
            user: self.user.as_ref(),
            csrf: csrf.as_deref(),
            path: &self.path,
            content,
            banner: page.banner.as_deref(),
        }
        .render()
        .map_err(PageError::internal)?;
        let title = page.full_title(&self.view);
        let body = if self.hx.wants_fragment() {
            Fragment {
                title: &title,
                chrome: &chrome,
                announce: page.announce.as_deref(),
                alert: page.alert.as_deref(),
            }
            .render()
        } else {
            Layout {
                v: &self.view,
                title: &title,
                chrome: &chrome,
                assets: assets::urls(),
            }
            .render()
        }
        .map_err(PageError::internal)?;
        let mut res = HttpResponse::build(page.status);
        res.content_type("text/html; charset=utf-8")
            .insert_header((header::VARY, "HX-Request"))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        if self.hx.request
            && let Some(url) = &page.push_url
        {
            res.insert_header(("HX-Push-Url", url.as_str()));
        }
        Ok(res.body(body))
    }
}

/// One rendered page: status, title and the messages around the content.
pub struct Page {
    pub status: StatusCode,
    pub title: String,
    /// Prefix the title with "Error: " (validation failed).
    pub has_errors: bool,
    /// Text for the `#status` live region (htmx responses).
    pub announce: Option<String>,
    /// Text for the `#alerts` live region (htmx responses).
    pub alert: Option<String>,
    /// A visible success banner at the top of the main content.
    pub banner: Option<String>,
    /// The URL htmx should show for this response.
    pub push_url: Option<String>,
}

impl Page {
    pub fn new(title: &str) -> Self {
        Page {
            status: StatusCode::OK,
            title: title.to_owned(),
            has_errors: false,
            announce: None,
            alert: None,
            banner: None,
            push_url: None,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// A validation failure: 422 and "Error: " in the title.
    pub fn invalid(mut self) -> Self {
        self.status = StatusCode::UNPROCESSABLE_ENTITY;
        self.has_errors = true;
        self
    }

    pub fn announce(mut self, message: impl Into<String>) -> Self {
        self.announce = Some(message.into());
        self
    }

    pub fn alert(mut self, message: impl Into<String>) -> Self {
        self.alert = Some(message.into());
        self
    }

    pub fn banner(mut self, message: Option<String>) -> Self {
        self.banner = message;
        self
    }

    pub fn push_url(mut self, url: &str) -> Self {
        self.push_url = Some(url.to_owned());
        self
    }

    fn full_title(&self, v: &View) -> String {
        if self.has_errors {
            format!("{} {} – PinkFlow", v.t("error.prefix"), self.title)
        } else {
            format!("{} – PinkFlow", self.title)
        }
    }
}

/// A field's validation message, for the error summary and the inline error.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's name, also its input id (radio groups: the id of the first option).
    pub field: String,
    pub anchor: String,
    pub message: String,
}

/// Field errors in the order the fields appear on the page.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: &str, anchor: &str, message: String) {
        self.0.push(FieldError {
            field: field.to_owned(),
            anchor: anchor.to_owned(),
            message,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.get(field).is_some()
    }

    pub fn list(&self) -> &[FieldError] {
        &self.0
    }
}

/// Sign languages as (code, name) for select lists and radio groups.
pub fn sign_languages() -> impl Iterator<Item = (&'static str, &'static str)> {
    SIGN_LANGUAGES.iter().map(|(code, name, _)| (*code, *name))
}

pub fn sign_language_name(code: &str) -> &'static str {
    SignLanguage::parse(code).unwrap_or_default().name()
}

#[derive(Template)]
#[template(path = "chrome.html")]
struct Chrome<'a> {
    v: &'a View,
    user: Option<&'a User>,
    csrf: Option<&'a str>,
    path: &'a str,
    content: &'a str,
    banner: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "layout.html")]
struct Layout<'a> {
    v: &'a View,
    title: &'a str,
    chrome: &'a str,
    assets: AssetUrls,
}

#[derive(Template)]
#[template(path = "fragment.html")]
struct Fragment<'a> {
    title: &'a str,
    chrome: &'a str,
    announce: Option<&'a str>,
    alert: Option<&'a str>,
}

impl actix_web::FromRequest for PageCtx {
    type Error = PageError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { PageCtx::load(&req).await })
    }
}

impl PageCtx {
    /// A page titled `title` showing (and announcing) any flash message left for it.
    pub fn page_with_flash(&self, title: &str) -> Page {
        let mut page = Page::new(title);
        if let Some(message) = session::take_flash(&self.session) {
            page = page.announce(message.clone()).banner(Some(message));
        }
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn htmx_headers_choose_page_or_fragment() {
        use actix_web::test::TestRequest;
        let plain = Hx::from_request(&TestRequest::default().to_http_request());
        assert!(!plain.wants_fragment());
        let hx = Hx::from_request(
            &TestRequest::default()
                .insert_header(("HX-Request", "true"))
                .insert_header(("HX-Boosted", "true"))
                .to_http_request(),
        );
        assert!(hx.wants_fragment() && hx.boosted);
        let restore = Hx::from_request(
            &TestRequest::default()
                .insert_header(("HX-Request", "true"))
                .insert_header(("HX-History-Restore-Request", "true"))
                .to_http_request(),
        );
        assert!(restore.request && !restore.wants_fragment());
    }

    #[test]
    fn titles_carry_the_error_prefix_only_for_invalid_pages() {
        let v = View::new(Preferences::default(), false);
        assert_eq!(Page::new("Sign in").full_title(&v), "Sign in – PinkFlow");
        assert_eq!(
            Page::new("Sign in").invalid().full_title(&v),
            "Error: Sign in – PinkFlow"
        );
        assert_eq!(
            Page::new("x").invalid().status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn density_chooses_the_variant() {
        assert_eq!(Variant::for_density(1), Variant::Minimal);
        for d in 2..=4 {
            assert_eq!(Variant::for_density(d), Variant::Standard);
        }
        assert_eq!(Variant::for_density(5), Variant::Compact);
    }
}
