//! Search over the listed videos: one page by keyset, its count, the matched words
//! marked and, for a match inside a transcript, the cue it is in (one statement: see
//! [`crate::models::search`]).

use std::sync::{Arc, Mutex};

use super::{VideoError, VideoService, VideoView};
use crate::db::now;
use crate::domain::SignLanguage;
use crate::models::search::{self as search_db, Direction, Order, PageRequest, SearchFilter};
use crate::video::search::{EXACT_COUNT, PAGE_SIZE, Search, highlight, mentions};
use crate::video::webvtt::TranscriptLine;

/// Text cut into runs; the marked ones matched the search.
pub type Marked = Vec<(String, bool)>;

/// The first cue of a transcript that mentions a searched word.
#[derive(Debug, Clone)]
pub struct CueMatch {
    pub start_seconds: f64,
    /// `hh:mm:ss.ttt`.
    pub start: String,
    /// The track's label.
    pub track: String,
    pub text: Marked,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub video: VideoView,
    /// Whose video it is (the shared page marks nobody as owner).
    pub owner_id: i32,
    pub title: Marked,
    pub description: Marked,
    pub cue: Option<CueMatch>,
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    /// This page as HTML, by layout: kept with the page, so dropped with it.
    pub renders: Renders,
    /// How many videos match: exact up to [`EXACT_COUNT`] …
    pub count: i64,
    /// … else estimated ("About 12,000 videos").
    pub estimated: bool,
    /// Cursors of the next and previous pages.
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// At most this many renderings are kept per page (layouts and reading levels beyond
/// them are rendered on each request).
const MAX_RENDERS: usize = 3;

/// The renderings of one shared search page, by a key the renderer chooses (its layout
/// and reading level): what every visitor with those settings is sent, rendered once.
/// A copy starts empty (a copy is made to change the page, see [`VideoService::search`]).
#[derive(Default)]
pub struct Renders(Mutex<Vec<(u32, Arc<str>)>>);

impl Renders {
    /// The rendering kept under `key`, else `render()`'s (kept while there is room).
    pub fn get_or_render<E>(
        &self,
        key: u32,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Arc<str>, E> {
        let kept = |list: &[(u32, Arc<str>)]| {
            list.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, html)| html.clone())
        };
        if let Some(html) = kept(&self.lock()) {
            return Ok(html);
        }
        // Rendered outside the lock: two visitors may both render; one copy is kept.
        let html: Arc<str> = Arc::from(render()?);
        let mut list = self.lock();
        if let Some(first) = kept(&list) {
            return Ok(first);
        }
        if list.len() < MAX_RENDERS {
            list.push((key, html.clone()));
        }
        Ok(html)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u32, Arc<str>)>> {
        // A renderer that panicked left the list whole: keep using it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clone for Renders {
    fn clone(&self) -> Self {
        Renders::default()
    }
}

impl std::fmt::Debug for Renders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Renders({})", self.lock().len())
    }
}

impl VideoService {
    /// The page of `search` that `viewer` sees, `preferred` sign language first. Every
    /// page (first or by cursor) is read as nobody's (`is_owner` false throughout) and
    /// shared from the read cache until the next change; `viewer`'s own videos are then
    /// marked as theirs.
    pub async fn search(
        &self,
        search: &Search,
        preferred: Option<SignLanguage>,
        viewer: Option<i32>,
    ) -> Result<Arc<SearchPage>, VideoError> {
        let cursor = match &search.from {
            Some((Direction::After, at)) => format!("after={}", search.cursor(at)),
            Some((Direction::Before, at)) => format!("before={}", search.cursor(at)),
            None => String::new(),
        };
        let key = format!(
            "{}|{}|{}|{cursor}",
            preferred.map(|p| p.code()).unwrap_or(""),
            search.limit.unwrap_or(PAGE_SIZE),
            search.query_string(&[])
        );
        let shared = self
            .cache
            .search(key, search.order() == Order::Rating, || {
                self.search_db(search, preferred)
            })
            .await?;
        Ok(match viewer {
            Some(me) if shared.hits.iter().any(|h| h.owner_id == me) => {
                let mut own = (*shared).clone();
                for hit in own.hits.iter_mut().filter(|h| h.owner_id == me) {
                    hit.video.is_owner = true;
                }
                Arc::new(own)
            }
            _ => shared,
        })
    }

    async fn search_db(
        &self,
        search: &Search,
        preferred: Option<SignLanguage>,
    ) -> Result<SearchPage, VideoError> {
        let s = search.clone();
        // Only first when the filters let it appear next to others.
        let preferred = preferred
            .filter(|p| {
                s.sign_languages.is_empty()
                    || (s.sign_languages.contains(p) && s.sign_languages.len() > 1)
            })
            .map(|p| p.code());
        let with_transcripts = !s.terms.is_empty();
        let page = self
            .db
            .run(move |conn| {
                let languages: Vec<&str> = s.sign_languages.iter().map(|l| l.code()).collect();
                let filter = SearchFilter {
                    terms: &s.terms,
                    sign_languages: &languages,
                    captions: s.captions.as_ref().map(|c| c.as_deref()),
                    signed: s.signed,
                    transcript: s.transcript,
                    duration: s.length.map(|l| l.bounds()),
                    since: s.within.map(|w| now() - chrono::Duration::days(w.days())),
                };
                search_db::page(
                    conn,
                    &PageRequest {
                        filter: &filter,
                        order: s.order(),
                        preferred,
                        from: s.from,
                        limit: s.limit.unwrap_or(PAGE_SIZE),
                        cap: EXACT_COUNT,
                        transcripts: with_transcripts,
                    },
                )
            })
            .await?;
        let terms = &search.terms;
        let hits = page
            .found
            .iter()
            .filter(|f| f.listed.video.is_listed())
            .map(|f| {
                let video = VideoView::listed(&f.listed, None);
                let cue = f
                    .transcripts
                    .iter()
                    .find_map(|(label, json)| first_mention(label, json, terms));
                Hit {
                    owner_id: f.listed.video.owner_id,
                    title: highlight(&video.title, terms),
                    description: highlight(&video.description, terms),
                    cue,
                    video,
                }
            })
            .collect();
        let positions: Vec<&search_db::Position> = page.found.iter().map(|f| &f.at).collect();
        let more = page.more;
        let cursor = |p: Option<&search_db::Position>| p.map(|p| search.cursor(p));
        let (first, last) = (positions.first().copied(), positions.last().copied());
        let (next, prev) = match search.from {
            None => (cursor(last).filter(|_| more), None),
            Some((Direction::After, _)) => (cursor(last).filter(|_| more), cursor(first)),
            Some((Direction::Before, _)) => (cursor(last), cursor(first).filter(|_| more)),
        };
        Ok(SearchPage {
            hits,
            renders: Renders::default(),
            count: page.count,
            estimated: page.estimated,
            next,
            prev,
        })
    }
}

fn first_mention(track: &str, json: &str, terms: &[String]) -> Option<CueMatch> {
    let lines: Vec<TranscriptLine> = serde_json::from_str(json).ok()?;
    lines
        .into_iter()
        .find(|line| mentions(&line.text, terms))
        .map(|line| CueMatch {
            start_seconds: line.start_seconds,
            start: line.start,
            track: track.to_owned(),
            text: highlight(&line.text, terms),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_is_kept_per_key_up_to_a_few_and_not_copied() {
        let renders = Renders::default();
        let render = |html: &str| {
            let html = html.to_owned();
            move || Ok::<_, ()>(html)
        };
        assert_eq!(&*renders.get_or_render(1, render("one")).unwrap(), "one");
        assert_eq!(&*renders.get_or_render(1, render("again")).unwrap(), "one");
        assert_eq!(&*renders.get_or_render(2, render("two")).unwrap(), "two");
        assert_eq!(renders.get_or_render(3, || Err("failed")), Err("failed"));
        assert_eq!(
            &*renders.get_or_render(3, render("three")).unwrap(),
            "three"
        );
        // Full: the next key is rendered every time.
        assert_eq!(&*renders.get_or_render(4, render("four")).unwrap(), "four");
        assert_eq!(
            &*renders.get_or_render(4, render("fresh")).unwrap(),
            "fresh"
        );
        assert_eq!(&*renders.get_or_render(2, render("late")).unwrap(), "two");
        let copy = renders.clone();
        assert_eq!(&*copy.get_or_render(1, render("copy")).unwrap(), "copy");
    }
}
