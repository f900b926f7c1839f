//! Full-text search and filters over the listed videos (public, ready, not hidden):
//! one page by keyset (no OFFSET), its count and the rows the cards show, in ONE
//! statement. The index is `video_fts` (FTS5) on SQLite and `video_search` (tsvector,
//! GIN) on PostgreSQL, both kept in step by triggers (migration
//! `2026-12-02-000200_video_search`).
//!
//! The order puts the viewer's sign language first across the whole result set: the
//! results are two *segments* (0: that sign language, 1: the rest), each read in key
//! order, so a keyset position is (segment, key, id) and each segment can walk an index.
//!
//! **Bounded work.** The statement first takes the newest `cap + 1` matches by id, in a
//! materialized `cand` CTE (the FTS5 doclist and the primary key are both in id order,
//! so this stops early; relevance ranks them there, once). Their number is the count, exact up to `cap`; above it the count is *estimated* from how
//! much of the id range those newest matches cover. Relevance ranks only those
//! candidates exactly (`bm25` / `ts_rank`); older matches follow them, newest first, with
//! a rank above every exact one ([`filter::UNRANKED`]), so the order stays total and
//! keyset pages stay correct. A common word thus costs `cap` rank computations, not one
//! per match.

mod filter;
mod sql;
#[cfg(test)]
mod tests;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Integer, Nullable, Text};

use crate::db::{DbConnection, DbError};
use crate::models::video::{Listed, Video};
use filter::{RATING, TEXT_KINDS, UNRANKED, from_where, id_column, rank_expr};
pub use filter::{fts5_expression, websearch_text};
use sql::Sql;

/// Separates aggregated values (labels may not contain control characters, and JSON
/// escapes them).
const UNIT: &str = "\u{1f}";
/// Separates aggregated tracks.
const RECORD: &str = "\u{1e}";

/// The filters of one search (already validated).
#[derive(Debug, Default)]
pub struct SearchFilter<'a> {
    /// Words to find (letters and digits only; empty: no text search).
    pub terms: &'a [String],
    /// Only these sign languages (empty: all).
    pub sign_languages: &'a [&'a str],
    /// `Some(None)`: has captions or subtitles; `Some(Some("en"))`: in that language.
    pub captions: Option<Option<&'a str>>,
    pub signed: bool,
    pub transcript: bool,
    /// Duration in seconds, `[min, max)`.
    pub duration: Option<(f64, f64)>,
    pub since: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Best match first (needs terms).
    Relevance,
    Newest,
    /// Most "accurate" minus "inaccurate" signing ratings first.
    Rating,
}

/// A place in the ordered results: after (or before) this row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub segment: u8,
    pub created_at: NaiveDateTime,
    pub rank: f64,
    pub rating: i64,
    pub id: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    After,
    Before,
}

pub struct PageRequest<'a> {
    pub filter: &'a SearchFilter<'a>,
    pub order: Order,
    /// The viewer's sign language, listed first.
    pub preferred: Option<&'a str>,
    pub from: Option<(Direction, Position)>,
    pub limit: i64,
    /// Counted exactly, and ranked exactly, up to this many matches.
    pub cap: i64,
    /// Read each result's caption and subtitle transcripts too.
    pub transcripts: bool,
}

/// One result: where it is in the order, the card's data, and (when asked for) its
/// text tracks as (label, transcript JSON).
#[derive(Debug)]
pub struct Found {
    pub at: Position,
    pub listed: Listed,
    pub transcripts: Vec<(String, String)>,
}

/// A page of results and the count.
#[derive(Debug)]
pub struct Page {
    /// At most `limit` results, in result order.
    pub found: Vec<Found>,
    /// Whether there are more in the direction read (after the last for `After` or a
    /// first page, before the first for `Before`).
    pub more: bool,
    /// How many videos match: exact up to `cap` …
    pub count: i64,
    /// … else an estimate.
    pub estimated: bool,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    low: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    first_id: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    last_id: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    segment: Option<i32>,
    #[diesel(sql_type = Nullable<Double>)]
    rank: Option<f64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    rating: Option<i64>,
    #[diesel(embed)]
    video: Option<Video>,
    #[diesel(sql_type = Nullable<Text>)]
    tracks: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    editions: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    transcripts: Option<String>,
}

/// Key columns in result order: (expression, descending).
fn keys(order: Order) -> [(&'static str, bool); 2] {
    match order {
        Order::Relevance => [("s.rank", false), ("s.created_at", true)],
        Order::Newest => [("s.created_at", true), ("s.created_at", true)],
        Order::Rating => [("s.rating", true), ("s.created_at", true)],
    }
}

fn bind_key(sql: &mut Sql, column: &str, at: &Position) {
    match column {
        "s.rank" => sql.double(at.rank),
        "s.rating" => sql.bigint(at.rating),
        _ => sql.time(at.created_at),
    };
}

/// `(k1, k2, id)` strictly after (`later`) or before `at` in result order.
fn keyset(sql: &mut Sql, order: Order, at: &Position, later: bool) {
    let [(k1, d1), (k2, d2)] = keys(order);
    // "comes later" is `<` for a descending key.
    let cmp = |desc: bool| if desc == later { " < " } else { " > " };
    let id_cmp = cmp(true);
    sql.push(" AND (").push(k1).push(cmp(d1));
    bind_key(sql, k1, at);
    sql.push(" OR (").push(k1).push(" = ");
    bind_key(sql, k1, at);
    if k2 != k1 {
        sql.push(" AND (").push(k2).push(cmp(d2));
        bind_key(sql, k2, at);
        sql.push(" OR (").push(k2).push(" = ");
        bind_key(sql, k2, at);
        sql.push(" AND s.id").push(id_cmp).bigint(i64::from(at.id));
        sql.push("))))");
    } else {
        sql.push(" AND s.id").push(id_cmp).bigint(i64::from(at.id));
        sql.push("))");
    }
}

/// Which matches a part of the page reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Every match (orders other than relevance).
    All,
    /// The candidates: the newest `cap + 1` matches, ranked exactly (read from `cand`).
    Ranked,
    /// The older matches, newest first.
    Unranked,
}

/// One segment's (and tier's) rows in result order, or reversed for `Before`, as a
/// parenthesised `SELECT id, created_at, rank, rating, segment`.
fn part(
    sql: &mut Sql,
    req: &PageRequest<'_>,
    segment: u8,
    tier: Tier,
    at: Option<(Direction, &Position)>,
    reversed: bool,
) {
    match tier {
        Tier::Unranked => return unranked_part(sql, req, segment, at, reversed),
        Tier::Ranked => return ranked_part(sql, req, segment, at, reversed),
        Tier::All => {}
    }
    let rating = if req.order == Order::Rating {
        RATING
    } else {
        "CAST(0 AS BIGINT)"
    };
    let id = id_column(sql, req.filter);
    let rank = rank_expr(sql, req.filter);
    sql.push(
        "(SELECT s.id AS id, s.created_at AS created_at, s.rank AS rank, s.rating AS rating, CAST(",
    )
    .push(if segment == 0 { "0" } else { "1" })
    .push(" AS INTEGER) AS segment FROM (SELECT ")
    .push(id)
    .push(" AS id, v.created_at AS created_at, ")
    .push(rank)
    .push(" AS rank, ")
    .push(rating)
    .push(" AS rating");
    // Newest first across languages: walk the (created_at, id) index rather than sort.
    let newest_index = req.order == Order::Newest
        && req.filter.sign_languages.is_empty()
        && (req.preferred.is_none() || segment == 1);
    from_where(sql, req.filter, newest_index);
    segment_condition(sql, req, segment, "v");
    sql.push(") s WHERE 1 = 1");
    if let Some((direction, at)) = at {
        keyset(sql, req.order, at, direction == Direction::After);
    }
    let dir = |desc: bool| if desc != reversed { " DESC" } else { " ASC" };
    let [(k1, d1), (k2, d2)] = keys(req.order);
    sql.push(" ORDER BY ").push(k1).push(dir(d1));
    if k2 != k1 {
        sql.push(", ").push(k2).push(dir(d2));
    }
    sql.push(", s.id").push(dir(true));
    sql.push(" LIMIT ").bigint(req.limit + 1).push(")");
}

/// The candidates (the newest matches, ranked once in `cand`) in rank order.
fn ranked_part(
    sql: &mut Sql,
    req: &PageRequest<'_>,
    segment: u8,
    at: Option<(Direction, &Position)>,
    reversed: bool,
) {
    sql.push("(SELECT s.id AS id, s.created_at AS created_at, s.rank AS rank, CAST(0 AS BIGINT) AS rating, CAST(")
        .push(if segment == 0 { "0" } else { "1" })
        .push(" AS INTEGER) AS segment FROM cand s WHERE 1 = 1");
    segment_condition(sql, req, segment, "s");
    if let Some((direction, at)) = at {
        keyset(sql, req.order, at, direction == Direction::After);
    }
    let dir = |desc: bool| if desc != reversed { " DESC" } else { " ASC" };
    sql.push(" ORDER BY s.rank")
        .push(dir(false))
        .push(", s.created_at")
        .push(dir(true))
        .push(", s.id")
        .push(dir(true))
        .push(" LIMIT ")
        .bigint(req.limit + 1)
        .push(")");
}

/// The older matches: their rank falls as the id grows, so their order is the id's
/// (which the FTS5 doclist and the primary key have, so the scan stops after `limit`)
/// and a keyset inside them is a range of the id. One flat `SELECT`, so that SQLite
/// hands the order and the range to the index.
fn unranked_part(
    sql: &mut Sql,
    req: &PageRequest<'_>,
    segment: u8,
    at: Option<(Direction, &Position)>,
    reversed: bool,
) {
    let id = id_column(sql, req.filter);
    sql.push("(SELECT ")
        .push(id)
        .push(" AS id, v.created_at AS created_at, ")
        .push(UNRANKED)
        .push(" AS rank, CAST(0 AS BIGINT) AS rating, CAST(")
        .push(if segment == 0 { "0" } else { "1" })
        .push(" AS INTEGER) AS segment");
    from_where(sql, req.filter, false);
    segment_condition(sql, req, segment, "v");
    // On PostgreSQL the range is said of both joined ids, so each scan can use it.
    let ids: &[&str] = if sql.pg && !req.filter.terms.is_empty() {
        &["v.id", "vs.video_id"]
    } else {
        &[id]
    };
    for column in ids {
        sql.push(" AND ")
            .push(column)
            .push(" < (SELECT low FROM bound)");
        // A cursor here is one of them ([`page`] leaves this part out otherwise).
        if let Some((direction, at)) = at {
            let later = direction == Direction::After;
            sql.push(" AND ")
                .push(column)
                .push(if later { " < " } else { " > " })
                .bigint(i64::from(at.id));
        }
    }
    sql.push(" ORDER BY ")
        .push(id)
        .push(if reversed { " ASC" } else { " DESC" })
        .push(" LIMIT ")
        .bigint(req.limit + 1)
        .push(")");
}

/// Only the viewer's sign language (segment 0) or only the others (1), of the rows of
/// `table`.
fn segment_condition(sql: &mut Sql, req: &PageRequest<'_>, segment: u8, table: &str) {
    if let Some(pref) = req.preferred {
        sql.push(" AND ")
            .push(table)
            .push(if segment == 0 {
                ".sign_language = "
            } else {
                ".sign_language <> "
            })
            .text(pref.to_owned());
    }
}

/// Whether a part can hold rows on the side of the cursor `at` being read: the ranked
/// candidates all come before the older matches.
fn part_needed(tier: Tier, at: Option<(Direction, &Position)>) -> bool {
    let Some((direction, at)) = at else {
        return true;
    };
    let cursor_unranked = at.rank >= 1.0;
    match (tier, direction) {
        (Tier::Ranked, Direction::After) => !cursor_unranked,
        (Tier::Unranked, Direction::Before) => cursor_unranked,
        _ => true,
    }
}

/// `ORDER BY` for the combined parts, over `prefix`'s columns.
fn order_by(sql: &mut Sql, order: Order, prefix: &str, reversed: bool) {
    let dir = |desc: bool| if desc != reversed { " DESC" } else { " ASC" };
    sql.push(" ORDER BY ")
        .push(prefix)
        .push("segment")
        .push(dir(false));
    let [(k1, d1), (k2, d2)] = keys(order);
    for (i, (k, d)) in [(k1, d1), (k2, d2)].into_iter().enumerate() {
        if i == 1 && k2 == k1 {
            break;
        }
        let column = k.trim_start_matches("s.");
        sql.push(", ").push(prefix).push(column).push(dir(d));
    }
    sql.push(", ").push(prefix).push("id").push(dir(true));
}

/// The aggregated text tracks, editions and (optionally) transcripts of `v`.
fn aggregates(sql: &mut Sql, transcripts: bool) {
    sql.push(", (SELECT string_agg(c.kind || ':' || c.label, ")
        .text(UNIT.to_owned())
        .push(" ORDER BY c.kind, c.label) FROM captions c WHERE c.video_id = v.id) AS tracks")
        .push(", (SELECT string_agg(e.sign_language, ")
        .text(UNIT.to_owned())
        .push(
            " ORDER BY e.sign_language) FROM videos e WHERE e.edition_group = v.edition_group \
             AND e.id <> v.id AND e.visibility = 'public' AND e.status = 'ready' \
             AND e.hidden_at IS NULL) AS editions",
        );
    if transcripts {
        sql.push(", (SELECT string_agg(c.label || ")
            .text(UNIT.to_owned())
            .push(" || c.transcript, ")
            .text(RECORD.to_owned())
            .push(" ORDER BY c.kind, c.language, c.id) FROM captions c WHERE c.video_id = v.id AND c.kind IN ")
            .push(TEXT_KINDS)
            .push(" AND c.transcript IS NOT NULL) AS transcripts");
    } else {
        sql.push(", CAST(NULL AS TEXT) AS transcripts");
    }
}

/// One page of results, their cards' data and the count, in one statement.
pub fn page(conn: &mut DbConnection, req: &PageRequest<'_>) -> Result<Page, DbError> {
    let segments: &[u8] = if req.preferred.is_some() {
        &[0, 1]
    } else {
        &[0]
    };
    let backwards = matches!(req.from, Some((Direction::Before, _)));
    let start = req.from.map(|(_, at)| at.segment).unwrap_or(0);
    let read: Vec<u8> = segments
        .iter()
        .copied()
        .filter(|s| if backwards { *s <= start } else { *s >= start })
        .collect();
    let tiers: &[Tier] = if req.order == Order::Relevance && !req.filter.terms.is_empty() {
        &[Tier::Ranked, Tier::Unranked]
    } else {
        &[Tier::All]
    };
    let mut sql = Sql::new(conn);
    // The newest `cap + 1` matches (ranked when relevance orders): the candidates, and
    // the count (or its estimate).
    let id = id_column(&sql, req.filter);
    let rank = if tiers[0] == Tier::Ranked {
        rank_expr(&sql, req.filter)
    } else {
        "CAST(0 AS DOUBLE PRECISION)"
    };
    sql.push("WITH cand AS MATERIALIZED (SELECT ")
        .push(id)
        .push(" AS id, v.created_at AS created_at, v.sign_language AS sign_language, ")
        .push(rank)
        .push(" AS rank");
    from_where(&mut sql, req.filter, false);
    sql.push(" ORDER BY ")
        .push(id)
        .push(" DESC LIMIT ")
        .bigint(req.cap + 1)
        .push(
            "), bound AS MATERIALIZED (SELECT count(*) AS n, min(id) AS low FROM cand) \
             SELECT bound.n AS total, bound.low AS low, \
               (SELECT min(id) FROM videos) AS first_id, (SELECT max(id) FROM videos) AS last_id, \
               p.segment AS segment, p.rank AS rank, p.rating AS rating, v.*",
        );
    aggregates(&mut sql, req.transcripts);
    sql.push(" FROM bound LEFT JOIN (SELECT * FROM ");
    let mut first = true;
    for segment in &read {
        let at = req
            .from
            .as_ref()
            .filter(|(_, at)| at.segment == *segment)
            .map(|(d, at)| (*d, at));
        for tier in tiers.iter().filter(|t| part_needed(**t, at)) {
            if !first {
                sql.push(" UNION ALL SELECT * FROM ");
            }
            first = false;
            part(&mut sql, req, *segment, *tier, at, backwards);
            sql.push(if sql.pg { " AS part" } else { "" });
        }
    }
    order_by(&mut sql, req.order, "", backwards);
    sql.push(" LIMIT ")
        .bigint(req.limit + 1)
        .push(") p ON 1 = 1 LEFT JOIN videos v ON v.id = p.id");
    order_by(&mut sql, req.order, "p.", backwards);
    let rows: Vec<Row> = sql.finish().load(conn)?;
    let (count, estimated) = rows.first().map_or((0, false), |r| {
        estimate(r.total, req.cap, r.low, r.first_id, r.last_id)
    });
    let mut found: Vec<Found> = rows.into_iter().filter_map(found_of).collect();
    let more = found.len() as i64 > req.limit;
    found.truncate(usize::try_from(req.limit).unwrap_or(0));
    if backwards {
        found.reverse();
    }
    Ok(Page {
        found,
        more,
        count,
        estimated,
    })
}

fn found_of(row: Row) -> Option<Found> {
    let video = row.video?;
    let transcripts = row
        .transcripts
        .map(|all| {
            all.split(RECORD)
                .filter_map(|t| t.split_once(UNIT))
                .map(|(label, json)| (label.to_owned(), json.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Some(Found {
        at: Position {
            segment: u8::try_from(row.segment?).ok()?,
            created_at: video.created_at,
            rank: row.rank?,
            rating: row.rating?,
            id: video.id,
        },
        listed: Listed::from_aggregates(video, row.tracks, row.editions, UNIT),
        transcripts,
    })
}

/// The count: exact when at most `cap` matched; else `total` (`cap + 1`) matches were
/// found among the ids from `low` up, and the matches are taken to be spread over the
/// whole id range like that (rounded to two significant figures).
pub fn estimate(
    total: i64,
    cap: i64,
    low: Option<i32>,
    first_id: Option<i32>,
    last_id: Option<i32>,
) -> (i64, bool) {
    let (Some(low), Some(first), Some(last)) = (low, first_id, last_id) else {
        return (total, false);
    };
    if total <= cap {
        return (total, false);
    }
    let covered = f64::from(last) - f64::from(low) + 1.0;
    let range = f64::from(last) - f64::from(first) + 1.0;
    let raw = total as f64 * range / covered.max(1.0);
    let scale = 10f64.powi((raw.log10().floor() as i32 - 1).max(0));
    ((raw / scale).round() as i64 * scale as i64, true)
}
