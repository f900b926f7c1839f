//! Search over the listed videos: one page by keyset, its count, the matched words
//! marked and, for a match inside a transcript, the cue it is in (one statement: see
//! [`crate::models::search`]).

use std::sync::Arc;

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
    /// How many videos match: exact up to [`EXACT_COUNT`] …
    pub count: i64,
    /// … else estimated ("About 12,000 videos").
    pub estimated: bool,
    /// Cursors of the next and previous pages.
    pub next: Option<String>,
    pub prev: Option<String>,
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
