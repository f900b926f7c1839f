//! The watch page's reads in at most two round trips: the video joined with its caption
//! tracks (transcripts included) and, as scalar subqueries of the same statement, the
//! rating counts and the viewer's own rating; then, only when the video belongs to an
//! edition group, the other editions.

use diesel::prelude::*;

use crate::db::schema::{captions, video_feedback, videos};
use crate::db::{DbConnection, DbError};
use crate::models::caption::Caption;
use crate::models::feedback::RATINGS;
use crate::models::video::{Video, editions_of};

/// The rows behind one watch page.
#[derive(Debug)]
pub struct WatchRows {
    pub video: Video,
    /// Ordered by language, then kind.
    pub captions: Vec<Caption>,
    pub editions: Vec<Video>,
    /// `(rating, count)` in the order of [`RATINGS`].
    pub counts: Vec<(String, i64)>,
    /// The viewer's own rating.
    pub mine: Option<String>,
}

type Row = (
    Video,
    Option<Caption>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

/// Video `id` with everything its page shows; `None` when there is no such video.
/// `viewer`'s rating is read when given.
pub fn watch(
    conn: &mut DbConnection,
    id: i32,
    viewer: Option<i32>,
) -> Result<Option<WatchRows>, DbError> {
    let count = |rating: &'static str| {
        video_feedback::table
            .filter(video_feedback::video_id.eq(id))
            .filter(video_feedback::rating.eq(rating))
            .count()
            .single_value()
    };
    // Ids start at 1: 0 is nobody (a signed-out viewer has no rating).
    let viewer_id = viewer.unwrap_or(0);
    let mine = video_feedback::table
        .filter(video_feedback::video_id.eq(id))
        .filter(video_feedback::user_id.eq(viewer_id))
        .select(video_feedback::rating)
        .single_value();
    let rows: Vec<Row> = videos::table
        .left_join(captions::table)
        .filter(videos::id.eq(id))
        .order((captions::language.asc(), captions::kind.asc()))
        .select((
            Video::as_select(),
            Option::<Caption>::as_select(),
            count(RATINGS[0]),
            count(RATINGS[1]),
            count(RATINGS[2]),
            mine,
        ))
        .load(conn)?;
    let mut rows = rows.into_iter();
    let Some((video, first, a, b, c, mine)) = rows.next() else {
        return Ok(None);
    };
    let captions: Vec<Caption> = first
        .into_iter()
        .chain(rows.filter_map(|row| row.1))
        .collect();
    let counts = RATINGS
        .iter()
        .zip([a, b, c])
        .map(|(r, n)| ((*r).to_owned(), n.unwrap_or(0)))
        .collect();
    let editions = editions_of(conn, &video)?;
    Ok(Some(WatchRows {
        video,
        captions,
        editions,
        counts,
        mine,
    }))
}
