//! `/catalogue`: search the public videos, with filters, a sort and keyset pages, the
//! viewer's sign language first, in the layout variant of the viewer's visual density
//! (1: one card at a time, 2-4: cards, 5: a table). A plain GET form (works without
//! JavaScript; the URL is shareable); with htmx the results (`#results`) update as the
//! form changes, focus stays in the form and the count is announced in `#status`.
//! Open to everyone.

use std::sync::Arc;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{alternatives_text, fragment, page_error};
use crate::domain::SignLanguage;
use crate::render::{Errors, LiveRegions, Page, PageCtx, Variant, View, sign_language_name};
use crate::state::AppState;
use crate::video::search::{Length, PAGE_SIZE, Search, Sort, Within};
use crate::video::service::{Hit, Marked, SearchPage};
use crate::web::errors::PageError;

/// Caption languages offered in the form (any other code still works in the URL).
const CAPTION_LANGUAGES: [(&str, &str); 8] = [
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("es", "Spanish"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("ja", "Japanese"),
];

/// Fields in form order, with the control each error links to.
const FIELDS: [(&str, &str); 9] = [
    ("q", "search-q"),
    ("sign_language", "filter-sign-language"),
    ("captions", "filter-captions"),
    ("signed", "filter-signed"),
    ("transcript", "filter-transcript"),
    ("length", "filter-length"),
    ("within", "filter-within"),
    ("sort", "filter-sort"),
    ("after", "search-submit"),
];

struct Cue {
    href: String,
    at: String,
    label: String,
    text: String,
}

struct Card<'a> {
    id: i32,
    title: String,
    description: String,
    sign_language: &'a str,
    language_name: &'static str,
    poster_url: Option<&'a str>,
    duration: Option<String>,
    /// "Captions: English", "Signed: BSL, ASL", "Transcript".
    alternatives: Vec<String>,
    cue: Option<Cue>,
}

/// (value, label, chosen) for a select, checkbox group or radio group.
type Options = Vec<(String, String, bool)>;

struct FormData {
    q: String,
    languages: Options,
    captions: Options,
    signed: bool,
    transcript: bool,
    lengths: Options,
    withins: Options,
    sorts: Options,
}

/// What the results (`#results`) show.
struct ResultsData<'a> {
    cards: Vec<Card<'a>>,
    /// "23 videos" (empty when the search could not run).
    count: String,
    searched: bool,
    /// Links to the same search less one filter, for "no results".
    suggestions: Vec<(String, String)>,
    next: Option<(String, String)>,
    prev: Option<(String, String)>,
}

/// The whole page: the form, and the results already rendered.
#[derive(Template)]
#[template(path = "pages/catalogue/page.html")]
struct CataloguePage<'a> {
    v: &'a View,
    d: &'a PageData,
    errors: &'a Errors,
    results: &'a str,
}

struct PageData {
    form: FormData,
}

macro_rules! variant {
    ($results:ident, $results_path:literal) => {
        #[derive(Template)]
        #[template(path = $results_path)]
        struct $results<'a> {
            v: &'a View,
            d: &'a ResultsData<'a>,
        }
    };
}

variant!(ResultsMinimal, "pages/catalogue/results_minimal.html");
variant!(ResultsStandard, "pages/catalogue/results_standard.html");
variant!(ResultsCompact, "pages/catalogue/results_compact.html");

/// The results in the viewer's layout.
fn results_html(
    v: &View,
    search: &Search,
    page: Option<&SearchPage>,
    count: String,
) -> Result<String, PageError> {
    let link = |dir: &'static str, cursor: &Option<String>, key: &str| {
        cursor.as_ref().map(|c| {
            (
                format!("/catalogue?{}", search.query_string(&[(dir, c.clone())])),
                v.t(key).replace("{n}", &PAGE_SIZE.to_string()),
            )
        })
    };
    let d = ResultsData {
        cards: page
            .map(|p| p.hits.iter().map(|h| card(v, h)).collect())
            .unwrap_or_default(),
        count,
        searched: page.is_some(),
        suggestions: page
            .filter(|p| p.hits.is_empty() && search.from.is_none())
            .map(|_| suggestions(v, search))
            .unwrap_or_default(),
        next: page.and_then(|p| link("after", &p.next, "search.next")),
        prev: page.and_then(|p| link("before", &p.prev, "search.prev")),
    };
    match v.variant {
        Variant::Minimal => ResultsMinimal { v, d: &d }.render(),
        Variant::Standard => ResultsStandard { v, d: &d }.render(),
        Variant::Compact => ResultsCompact { v, d: &d }.render(),
    }
    .map_err(PageError::internal)
}

/// What the results' HTML depends on besides the page: the layout and the reading
/// level of the copy.
fn render_key(v: &View) -> u32 {
    let layout = match v.variant {
        Variant::Minimal => 1,
        Variant::Standard => 2,
        Variant::Compact => 3,
    };
    layout * 16 + u32::from(v.reading())
}

fn duration_text(seconds: Option<f64>) -> Option<String> {
    seconds.map(|s| {
        // Whole seconds only; the value is a small, non-negative duration.
        let total = s.max(0.0).round() as u64;
        format!("{}:{:02}", total / 60, total % 60)
    })
}

/// `1234567` as "1,234,567".
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` with `&`, `<`, `>`, `"` and `'` as entities, appended to `out` (the runs
/// between them are copied whole: this runs for every card of every search page).
fn escape_into(out: &mut String, text: &str) {
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        // An ASCII byte is always a character boundary.
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Marked runs as HTML: every run escaped first, then the matched ones wrapped in
/// `<mark>`; nothing from the text can become markup.
fn marked_html(runs: &Marked) -> String {
    let length: usize = runs.iter().map(|(text, _)| text.len()).sum();
    let mut out = String::with_capacity(length + length / 8 + 16);
    for (text, marked) in runs {
        if *marked {
            out.push_str("<mark class=\"search-match\">");
            escape_into(&mut out, text);
            out.push_str("</mark>");
        } else {
            escape_into(&mut out, text);
        }
    }
    out
}

/// `hh:mm:ss.ttt` as "1:23" (or "1:02:03").
fn short_time(seconds: f64) -> String {
    let total = seconds.max(0.0).floor() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

fn card<'a>(v: &View, hit: &'a Hit) -> Card<'a> {
    let video = &hit.video;
    Card {
        id: video.id,
        title: marked_html(&hit.title),
        description: marked_html(&hit.description),
        sign_language: &video.sign_language,
        language_name: sign_language_name(&video.sign_language),
        poster_url: video.poster_url.as_deref(),
        duration: duration_text(video.duration_seconds),
        alternatives: alternatives_text(v, &video.alternatives),
        cue: hit.cue.as_ref().map(|cue| {
            let at = short_time(cue.start_seconds);
            let t = format!("{:.3}", cue.start_seconds);
            let t = t.trim_end_matches('0').trim_end_matches('.');
            Cue {
                href: format!("/videos/{}?t={t}", video.id),
                label: v
                    .t("search.cue")
                    .replace("{t}", &at)
                    .replace("{name}", &cue.track),
                at: v.t("search.cue.play").replace("{t}", &at),
                text: marked_html(&cue.text),
            }
        }),
    }
}

fn options<T: Copy + PartialEq>(
    v: &View,
    all: &[T],
    chosen: Option<T>,
    any_key: &str,
    key: impl Fn(T) -> &'static str,
    prefix: &str,
) -> Options {
    let mut out = vec![(String::new(), v.t(any_key).to_owned(), chosen.is_none())];
    out.extend(all.iter().map(|item| {
        let value = key(*item);
        (
            value.to_owned(),
            v.t(&format!("{prefix}.{value}")).to_owned(),
            chosen == Some(*item),
        )
    }));
    out
}

fn form_data(v: &View, s: &Search) -> FormData {
    let mut captions = vec![
        (
            String::new(),
            v.t("search.captions.none").to_owned(),
            s.captions.is_none(),
        ),
        (
            "any".to_owned(),
            v.t("search.captions.any").to_owned(),
            s.captions == Some(None),
        ),
    ];
    let chosen = s.captions.clone().flatten();
    captions.extend(CAPTION_LANGUAGES.iter().map(|(code, name)| {
        let picked = chosen
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(code));
        ((*code).to_owned(), format!("{name} ({code})"), picked)
    }));
    if let Some(code) = chosen
        && !CAPTION_LANGUAGES
            .iter()
            .any(|(c, _)| c.eq_ignore_ascii_case(&code))
    {
        captions.push((code.clone(), code, true));
    }
    let sorts = Sort::ALL
        .iter()
        .map(|o| {
            let key = format!("search.sort.{}", o.as_str());
            (
                o.as_str().to_owned(),
                v.t(&key).to_owned(),
                s.sort == Some(*o),
            )
        })
        .collect::<Vec<_>>();
    let mut with_default = vec![(
        String::new(),
        v.t("search.sort.relevance").to_owned(),
        s.sort.is_none(),
    )];
    with_default.extend(
        sorts
            .into_iter()
            .filter(|(value, _, _)| value != "relevance"),
    );
    FormData {
        q: s.q.clone(),
        languages: SignLanguage::all()
            .map(|l| {
                let label = if l == v.prefs.sign_language {
                    format!("{} – {} {}", l.code(), l.name(), v.t("catalogue.yours"))
                } else {
                    format!("{} – {}", l.code(), l.name())
                };
                (l.code().to_owned(), label, s.sign_languages.contains(&l))
            })
            .collect(),
        captions,
        signed: s.signed,
        transcript: s.transcript,
        lengths: options(
            v,
            &Length::ALL,
            s.length,
            "search.length.any",
            Length::as_str,
            "search.length",
        ),
        withins: options(
            v,
            &Within::ALL,
            s.within,
            "search.within.any",
            Within::as_str,
            "search.within",
        ),
        sorts: with_default,
    }
}

/// The same search less one filter each, as (link, label).
fn suggestions(v: &View, s: &Search) -> Vec<(String, String)> {
    let href = |t: Search| format!("/catalogue?{}", t.query_string(&[]));
    let remove = |name: String| v.t("search.none.remove").replace("{name}", &name);
    let mut out = Vec::new();
    if !s.sign_languages.is_empty() {
        let codes: Vec<&str> = s.sign_languages.iter().map(|l| l.code()).collect();
        let mut t = s.clone();
        t.sign_languages.clear();
        out.push((
            href(t),
            remove(format!("{}: {}", v.t("search.languages"), codes.join(", "))),
        ));
    }
    if let Some(c) = &s.captions {
        let mut t = s.clone();
        t.captions = None;
        let name = match c {
            Some(code) => format!("{}: {code}", v.t("search.captions")),
            None => v.t("search.filter.captions_any").to_owned(),
        };
        out.push((href(t), remove(name)));
    }
    if s.signed {
        let mut t = s.clone();
        t.signed = false;
        out.push((href(t), remove(v.t("search.filter.signed").to_owned())));
    }
    if s.transcript {
        let mut t = s.clone();
        t.transcript = false;
        out.push((href(t), remove(v.t("search.filter.transcript").to_owned())));
    }
    if let Some(l) = s.length {
        let mut t = s.clone();
        t.length = None;
        out.push((
            href(t),
            remove(v.t(&format!("search.length.{}", l.as_str())).to_owned()),
        ));
    }
    if let Some(w) = s.within {
        let mut t = s.clone();
        t.within = None;
        out.push((
            href(t),
            remove(v.t(&format!("search.within.{}", w.as_str())).to_owned()),
        ));
    }
    if !s.q.is_empty() {
        let mut t = s.clone();
        t.q.clear();
        t.terms.clear();
        out.push((href(t), v.t("search.none.words").replace("{t}", &s.q)));
    }
    if out.len() > 1 || (s.is_filtered() && !s.q.is_empty()) {
        out.push(("/catalogue".to_owned(), v.t("search.none.all").to_owned()));
    }
    out
}

/// "23 videos" and "23 videos found".
fn counts(v: &View, page: &SearchPage) -> (String, String) {
    let n = thousands(page.count);
    let fill = |key: &str| v.t(key).replace("{n}", &n);
    if page.estimated {
        (fill("search.count.about"), fill("search.found.about"))
    } else if page.count == 1 {
        (fill("search.count.one"), fill("search.found.one"))
    } else if page.count == 0 {
        (fill("search.count"), v.t("search.found.none").to_owned())
    } else {
        (fill("search.count"), fill("search.found"))
    }
}

/// `GET /catalogue?q=…&sign_language=BSL&captions=en&…&after=…`
pub async fn catalogue(
    ctx: PageCtx,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let v = &ctx.view;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let parsed = Search::parse(&pairs, false);
    let mut errors = Errors::default();
    let search = match parsed {
        Ok(s) => s,
        Err(found) => {
            for (name, anchor) in FIELDS {
                let key = if name == "after" && !found.contains_key("after") {
                    "before"
                } else {
                    name
                };
                if let Some(message) = found.get(key) {
                    errors.add(name, anchor, v.err(message));
                }
            }
            // Show the form with what could be read.
            let readable: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k, _)| !found.contains_key(k.as_str()))
                .cloned()
                .collect();
            Search::parse(&readable, false).unwrap_or_default()
        }
    };
    let page = if errors.is_empty() {
        // One read model, shared by every visitor (is_owner is not shown here).
        Some(
            state
                .videos
                .search(&search, Some(v.prefs.sign_language), None)
                .await
                .map_err(page_error)?,
        )
    } else {
        None
    };
    let (count, found) = page.as_ref().map(|p| counts(v, p)).unwrap_or_default();
    // Every visitor with this layout and reading level gets the same results: rendered
    // once per shared page.
    let results: Arc<str> = match &page {
        Some(p) => p
            .renders
            .get_or_render(render_key(v), || results_html(v, &search, Some(p), count))?,
        None => Arc::from(results_html(v, &search, None, count)?),
    };
    let wants_results = ctx.hx.wants_fragment()
        && req
            .headers()
            .get("hx-target")
            .is_some_and(|t| t.as_bytes() == b"results");
    if wants_results && errors.is_empty() {
        return fragment(results.to_string(), LiveRegions::announce(&found));
    }
    let mut page = Page::new(v.t("catalogue.heading")).announce(found);
    if !errors.is_empty() {
        page = page.invalid();
    }
    let d = PageData {
        form: form_data(v, &search),
    };
    let mut res = ctx.render(
        page,
        &CataloguePage {
            v,
            d: &d,
            errors: &errors,
            results: &results,
        },
    )?;
    if wants_results {
        // The error summary sits above the form: swap the whole page.
        res.headers_mut().insert(
            HeaderName::from_static("hx-retarget"),
            HeaderValue::from_static("#page"),
        );
        res.headers_mut().insert(
            HeaderName::from_static("hx-reswap"),
            HeaderValue::from_static("innerHTML"),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_runs_are_escaped_whatever_the_text() {
        let runs: Marked = vec![
            ("Tom & \"Jerry\" <b>é</b> 'ok' ".into(), false),
            ("cook<ing>".into(), true),
            ("— 手話 &".into(), false),
            (String::new(), true),
        ];
        assert_eq!(
            marked_html(&runs),
            "Tom &amp; &quot;Jerry&quot; &lt;b&gt;é&lt;/b&gt; &#39;ok&#39; \
             <mark class=\"search-match\">cook&lt;ing&gt;</mark>— 手話 &amp;\
             <mark class=\"search-match\"></mark>"
        );
        assert_eq!(marked_html(&Vec::new()), "");
    }
}
