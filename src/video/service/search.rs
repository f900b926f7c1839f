//! Search over the listed videos: one page by keyset, its count, the matched words
//! marked and, for a match inside a transcript, the cue it is in (one database
//! checkout, four statements: the page's keys, its rows, the count, its transcripts).

use std::sync::Arc;

use super::{VideoError, VideoService, VideoView};
use crate::db::now;
use crate::domain::SignLanguage;
use crate::models::search::{self as search_db, Direction, PageRequest, SearchFilter};
use crate::models::video as video_db;
use crate::video::search::{COUNT_CAP, PAGE_SIZE, Search, highlight, mentions};
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
    pub title: Marked,
    pub description: Marked,
    pub cue: Option<CueMatch>,
}

#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    /// How many videos match, up to [`COUNT_CAP`] …
    pub count: i64,
    /// … and whether there are more than that.
    pub more_than: bool,
    /// Cursors of the next and previous pages.
    pub next: Option<String>,
    pub prev: Option<String>,
}

impl VideoService {
    /// The page of `search` that `viewer` sees, `preferred` sign language first. A
    /// first page as seen signed out (`viewer` `None`: nobody's `is_owner`) is shared
    /// from the read cache until the next change.
    pub async fn search(
        &self,
        search: &Search,
        preferred: Option<SignLanguage>,
        viewer: Option<i32>,
    ) -> Result<Arc<SearchPage>, VideoError> {
        if viewer.is_some() || search.from.is_some() {
            return self
                .search_db(search, preferred, viewer)
                .await
                .map(Arc::new);
        }
        let key = format!(
            "{}|{}|{}",
            preferred.map(|p| p.code()).unwrap_or(""),
            search.limit.unwrap_or(PAGE_SIZE),
            search.query_string(&[])
        );
        self.cache
            .search(key, || self.search_db(search, preferred, None))
            .await
    }

    async fn search_db(
        &self,
        search: &Search,
        preferred: Option<SignLanguage>,
        viewer: Option<i32>,
    ) -> Result<SearchPage, VideoError> {
        let s = search.clone();
        // Only first when the filters let it appear next to others.
        let preferred = preferred
            .filter(|p| {
                s.sign_languages.is_empty()
                    || (s.sign_languages.contains(p) && s.sign_languages.len() > 1)
            })
            .map(|p| p.code());
        let (positions, more, listed, count, tracks) = self
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
                let req = PageRequest {
                    filter: &filter,
                    order: s.order(),
                    preferred,
                    from: s.from,
                    limit: s.limit.unwrap_or(PAGE_SIZE),
                };
                let (positions, more) = search_db::page(conn, &req)?;
                let ids: Vec<i32> = positions.iter().map(|p| p.id).collect();
                let listed = video_db::listed_by_ids(conn, &ids)?;
                let count = search_db::count(conn, &filter, COUNT_CAP)?;
                let tracks = if s.terms.is_empty() {
                    Vec::new()
                } else {
                    search_db::transcripts(conn, &ids)?
                };
                Ok((positions, more, listed, count, tracks))
            })
            .await?;
        let terms = &search.terms;
        let hits = listed
            .iter()
            .filter(|l| l.video.is_listed())
            .map(|l| {
                let video = VideoView::listed(l, viewer);
                let cue = tracks
                    .iter()
                    .filter(|(id, _, _)| *id == l.video.id)
                    .find_map(|(_, label, json)| first_mention(label, json.as_deref()?, terms));
                Hit {
                    title: highlight(&video.title, terms),
                    description: highlight(&video.description, terms),
                    cue,
                    video,
                }
            })
            .collect();
        let cursor = |p: Option<&search_db::Position>| p.map(|p| search.cursor(p));
        let (first, last) = (positions.first(), positions.last());
        let (next, prev) = match search.from {
            None => (cursor(last).filter(|_| more), None),
            Some((Direction::After, _)) => (cursor(last).filter(|_| more), cursor(first)),
            Some((Direction::Before, _)) => (cursor(last), cursor(first).filter(|_| more)),
        };
        Ok(SearchPage {
            hits,
            count: count.min(COUNT_CAP),
            more_than: count > COUNT_CAP,
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
