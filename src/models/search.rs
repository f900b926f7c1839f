//! Full-text search and filters over the listed videos (public, ready, not hidden):
//! one page by keyset (no OFFSET), and a capped count. The index is `video_fts` (FTS5)
//! on SQLite and `video_search` (tsvector, GIN) on PostgreSQL, both kept in step by
//! triggers (migration `2026-12-02-000200_video_search`).
//!
//! The order puts the viewer's sign language first across the whole result set: the
//! results are two *segments* (0: that sign language, 1: the rest), each read in key
//! order, so a keyset position is (segment, key, id) and each segment can walk an index.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{BigInt, Double, Integer, Text, Timestamp};

use crate::db::{DbConnection, DbError, MultiBackend};

/// What a listed video must be, as literals so the partial indexes apply.
const LISTED: &str = "v.visibility = 'public' AND v.status = 'ready' AND v.hidden_at IS NULL";
/// The kinds of track that make a transcript.
const TEXT_KINDS: &str = "('captions', 'subtitles')";

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
}

#[derive(Debug, QueryableByName)]
struct Row {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Timestamp)]
    created_at: NaiveDateTime,
    #[diesel(sql_type = Double)]
    rank: f64,
    #[diesel(sql_type = BigInt)]
    rating: i64,
}

/// A raw SQL statement built piece by piece, with placeholders for the backend.
struct Sql {
    query: Option<BoxedSqlQuery<'static, MultiBackend, SqlQuery>>,
    pg: bool,
    binds: usize,
}

impl Sql {
    fn new(conn: &DbConnection) -> Self {
        Sql {
            query: Some(diesel::sql_query("").into_boxed()),
            pg: matches!(conn, DbConnection::Pg(_)),
            binds: 0,
        }
    }

    fn push(&mut self, text: &str) -> &mut Self {
        if let Some(q) = self.query.take() {
            self.query = Some(q.sql(text));
        }
        self
    }

    fn placeholder(&mut self) {
        self.binds += 1;
        let ph = if self.pg {
            format!("${}", self.binds)
        } else {
            "?".to_owned()
        };
        self.push(&ph);
    }

    fn text(&mut self, value: String) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<Text, _>(value));
        }
        self
    }

    fn time(&mut self, value: NaiveDateTime) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<Timestamp, _>(value));
        }
        self
    }

    fn double(&mut self, value: f64) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<Double, _>(value));
        }
        self
    }

    fn bigint(&mut self, value: i64) -> &mut Self {
        self.placeholder();
        if let Some(q) = self.query.take() {
            self.query = Some(q.bind::<BigInt, _>(value));
        }
        self
    }

    fn finish(self) -> BoxedSqlQuery<'static, MultiBackend, SqlQuery> {
        self.query
            .unwrap_or_else(|| diesel::sql_query("").into_boxed())
    }
}

/// The terms as an FTS5 expression: each one a quoted string (a `"` inside is
/// doubled), all required. Nothing in it is FTS5 syntax but the quotes.
pub fn fts5_expression(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The terms as `websearch_to_tsquery` input: words separated by spaces (all required;
/// the terms carry no quotes, `-` or `or`, so nothing in it is an operator).
pub fn websearch_text(terms: &[String]) -> String {
    terms
        .iter()
        .filter(|t| !t.eq_ignore_ascii_case("or"))
        .map(|t| t.replace(['"', '-', '\0'], " "))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `FROM …` with the text search's join, then `WHERE` the video is listed. On SQLite the
/// FTS table is always the outer loop (`CROSS JOIN`: without statistics the planner would
/// probe the index once per listed video), and `newest_index` walks the keyset index.
fn from_where(sql: &mut Sql, filter: &SearchFilter<'_>) {
    from_where_with(sql, filter, false);
}

fn from_where_with(sql: &mut Sql, filter: &SearchFilter<'_>, newest_index: bool) {
    if filter.terms.is_empty() {
        sql.push(if newest_index && !sql.pg {
            " FROM videos v INDEXED BY videos_listed_newest_idx WHERE "
        } else {
            " FROM videos v WHERE "
        })
        .push(LISTED);
    } else if sql.pg {
        sql.push(" FROM videos v JOIN video_search vs ON vs.video_id = v.id, websearch_to_tsquery('english', ")
            .text(websearch_text(filter.terms))
            .push(") AS query WHERE vs.document @@ query AND ")
            .push(LISTED);
    } else {
        sql.push(
            " FROM video_fts CROSS JOIN videos v ON v.id = video_fts.rowid WHERE video_fts MATCH ",
        )
        .text(fts5_expression(filter.terms))
        .push(" AND ")
        .push(LISTED);
    }
    if !filter.sign_languages.is_empty() {
        sql.push(" AND v.sign_language IN (");
        for (i, lang) in filter.sign_languages.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.text((*lang).to_owned());
        }
        sql.push(")");
    }
    if let Some(language) = filter.captions {
        sql.push(" AND EXISTS (SELECT 1 FROM captions c WHERE c.video_id = v.id AND c.kind IN ")
            .push(TEXT_KINDS);
        if let Some(language) = language {
            let language = language.to_ascii_lowercase();
            sql.push(" AND (lower(c.language) = ")
                .text(language.clone())
                .push(" OR lower(c.language) LIKE ")
                .text(format!("{language}-%"))
                .push(")");
        }
        sql.push(")");
    }
    if filter.transcript {
        sql.push(" AND EXISTS (SELECT 1 FROM captions t WHERE t.video_id = v.id AND t.kind IN ")
            .push(TEXT_KINDS)
            .push(")");
    }
    if filter.signed {
        sql.push(
            " AND v.edition_group IS NOT NULL AND EXISTS (SELECT 1 FROM videos e \
             WHERE e.edition_group = v.edition_group AND e.id <> v.id \
             AND e.visibility = 'public' AND e.status = 'ready' AND e.hidden_at IS NULL)",
        );
    }
    if let Some((min, max)) = filter.duration {
        sql.push(" AND v.duration_seconds >= ")
            .double(min)
            .push(" AND v.duration_seconds < ")
            .double(max);
    }
    if let Some(since) = filter.since {
        sql.push(" AND v.created_at >= ").time(since);
    }
}

/// The rank expression (lower is better on both backends).
fn rank_expr(sql: &Sql, filter: &SearchFilter<'_>) -> &'static str {
    if filter.terms.is_empty() {
        "CAST(0 AS DOUBLE PRECISION)"
    } else if sql.pg {
        "CAST(0 - ts_rank(vs.document, query) AS DOUBLE PRECISION)"
    } else {
        "bm25(video_fts, 10.0, 4.0, 1.0)"
    }
}

const RATING: &str = "((SELECT count(*) FROM video_feedback f WHERE f.video_id = v.id AND f.rating = 'accurate') \
     - (SELECT count(*) FROM video_feedback f WHERE f.video_id = v.id AND f.rating = 'inaccurate'))";

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
        sql.push(")))");
    } else {
        sql.push(" AND s.id").push(id_cmp).bigint(i64::from(at.id));
        sql.push("))");
    }
}

/// One segment's rows in result order (or reversed, for `Before`).
fn segment_rows(
    conn: &mut DbConnection,
    req: &PageRequest<'_>,
    segment: u8,
    at: Option<(Direction, &Position)>,
    limit: i64,
    reversed: bool,
) -> Result<Vec<Row>, DbError> {
    let mut sql = Sql::new(conn);
    let rank = rank_expr(&sql, req.filter);
    let rating = if req.order == Order::Rating {
        RATING
    } else {
        "CAST(0 AS BIGINT)"
    };
    sql.push("SELECT s.id, s.created_at, s.rank, s.rating FROM (SELECT v.id AS id, v.created_at AS created_at, ")
        .push(rank)
        .push(" AS rank, ")
        .push(rating)
        .push(" AS rating");
    // Newest first across languages: walk the (created_at, id) index rather than sort.
    let newest_index = req.order == Order::Newest
        && req.filter.sign_languages.is_empty()
        && (req.preferred.is_none() || segment == 1);
    from_where_with(&mut sql, req.filter, newest_index);
    if let Some(pref) = req.preferred {
        sql.push(if segment == 0 {
            " AND v.sign_language = "
        } else {
            " AND v.sign_language <> "
        })
        .text(pref.to_owned());
    }
    sql.push(") s WHERE 1 = 1");
    if let Some((direction, at)) = at {
        keyset(&mut sql, req.order, at, direction == Direction::After);
    }
    sql.push(" ORDER BY ");
    let [(k1, d1), (k2, d2)] = keys(req.order);
    let dir = |desc: bool| if desc != reversed { " DESC" } else { " ASC" };
    sql.push(k1).push(dir(d1));
    if k2 != k1 {
        sql.push(", ").push(k2).push(dir(d2));
    }
    sql.push(", s.id").push(dir(true));
    sql.push(" LIMIT ").bigint(limit);
    Ok(sql.finish().load::<Row>(conn)?)
}

/// One page of results: at most `limit` positions, and whether there are more in the
/// direction read (after the last for `After` or a first page, before the first for
/// `Before`).
pub fn page(
    conn: &mut DbConnection,
    req: &PageRequest<'_>,
) -> Result<(Vec<Position>, bool), DbError> {
    let segments: &[u8] = if req.preferred.is_some() {
        &[0, 1]
    } else {
        &[0]
    };
    let want = req.limit + 1;
    let backwards = matches!(req.from, Some((Direction::Before, _)));
    let start = req.from.map(|(_, at)| at.segment).unwrap_or(0);
    let order: Vec<u8> = if backwards {
        segments
            .iter()
            .copied()
            .filter(|s| *s <= start)
            .rev()
            .collect()
    } else {
        segments.iter().copied().filter(|s| *s >= start).collect()
    };
    let mut out: Vec<Position> = Vec::new();
    for segment in order {
        let left = want - out.len() as i64;
        if left <= 0 {
            break;
        }
        let at = req
            .from
            .as_ref()
            .filter(|(_, at)| at.segment == segment)
            .map(|(d, at)| (*d, at));
        let rows = segment_rows(conn, req, segment, at, left, backwards)?;
        out.extend(rows.into_iter().map(|r| Position {
            segment,
            created_at: r.created_at,
            rank: r.rank,
            rating: r.rating,
            id: r.id,
        }));
    }
    let more = out.len() as i64 > req.limit;
    out.truncate(usize::try_from(req.limit).unwrap_or(0));
    if backwards {
        out.reverse();
    }
    Ok((out, more))
}

/// How many videos match, counting at most `cap + 1` (more than `cap`: "more than").
pub fn count(conn: &mut DbConnection, filter: &SearchFilter<'_>, cap: i64) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut sql = Sql::new(conn);
    sql.push("SELECT count(*) AS n FROM (SELECT 1 AS one");
    from_where(&mut sql, filter);
    sql.push(" LIMIT ").bigint(cap + 1).push(") c");
    Ok(sql.finish().get_result::<Count>(conn)?.n)
}

/// The transcripts (JSON lines) of the caption and subtitle tracks of `ids`, as
/// (video id, track label, transcript).
pub fn transcripts(
    conn: &mut DbConnection,
    ids: &[i32],
) -> Result<Vec<(i32, String, Option<String>)>, DbError> {
    use crate::db::schema::captions;
    use crate::models::caption::{KIND_CAPTIONS, KIND_SUBTITLES};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(captions::table
        .filter(captions::video_id.eq_any(ids))
        .filter(captions::kind.eq_any([KIND_CAPTIONS, KIND_SUBTITLES]))
        .order((captions::video_id, captions::kind, captions::language))
        .select((captions::video_id, captions::label, captions::transcript))
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    use diesel::sqlite::SqliteConnection;
    use diesel_migrations::MigrationHarness;
    use proptest::prelude::*;

    use super::*;
    use crate::video::search::terms;

    fn sqlite() -> DbConnection {
        let mut conn = DbConnection::Sqlite(
            SqliteConnection::establish(":memory:").expect("in-memory SQLite"),
        );
        conn.run_pending_migrations(crate::db::SQLITE_MIGRATIONS)
            .expect("migrations");
        conn.batch_execute(
            "INSERT INTO video_fts (rowid, title, description, transcript) \
             VALUES (1, 'Cooking eggs', 'near the end', 'and or not')",
        )
        .expect("a row");
        conn
    }

    fn search(conn: &mut DbConnection, q: &str) -> Result<(), DbError> {
        let terms = terms(q);
        let filter = SearchFilter {
            terms: &terms,
            ..SearchFilter::default()
        };
        for order in [Order::Relevance, Order::Newest, Order::Rating] {
            page(
                conn,
                &PageRequest {
                    filter: &filter,
                    order,
                    preferred: Some("BSL"),
                    from: None,
                    limit: 20,
                },
            )?;
        }
        count(conn, &filter, 100)?;
        Ok(())
    }

    #[test]
    fn fts_operators_and_odd_text_are_plain_words() {
        let mut conn = sqlite();
        for q in [
            "\"",
            "NEAR(",
            "NEAR(a b",
            "*",
            "a*",
            "AND",
            "OR",
            "NOT",
            "-",
            "a - b",
            "(((",
            ")",
            "title:eggs",
            "^eggs",
            "🍳🥚",
            "a\0b",
            "{title description}: x",
            "\"\"\"",
        ] {
            search(&mut conn, q).unwrap_or_else(|e| panic!("{q:?}: {e}"));
        }
        search(&mut conn, &"word ".repeat(2_000)).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn any_text_is_a_valid_fts5_query(q in any::<String>()) {
            let mut conn = sqlite();
            prop_assert!(search(&mut conn, &q).is_ok());
        }

        #[test]
        fn expressions_hold_only_quoted_words(q in any::<String>()) {
            let expr = fts5_expression(&terms(&q));
            for part in expr.split(' ').filter(|p| !p.is_empty()) {
                prop_assert!(part.starts_with('"') && part.ends_with('"') && part.len() >= 3);
                prop_assert!(part[1..part.len() - 1].chars().all(char::is_alphanumeric));
            }
            let web = websearch_text(&terms(&q));
            prop_assert!(!web.contains(['"', '-', '\0']));
        }
    }
}
