//! The `FROM … WHERE …` of a search: the text match (FTS5 on SQLite, `tsvector` on
//! PostgreSQL), the listed-video condition and every filter, plus the expressions the
//! order needs (rank, rating). Nothing typed by a person is ever spliced into the text:
//! every value is bound.

use super::SearchFilter;
use super::sql::Sql;

/// What a listed video must be, as literals so the partial indexes apply.
const LISTED: &str = "v.visibility = 'public' AND v.status = 'ready' AND v.hidden_at IS NULL";
/// The kinds of track that make a transcript.
pub(super) const TEXT_KINDS: &str = "('captions', 'subtitles')";

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

/// The column holding the video id that the scan walks in order: on SQLite with words,
/// the FTS table's rowid (so a range or an order on it is the index's own).
pub(super) fn id_column(sql: &Sql, filter: &SearchFilter<'_>) -> &'static str {
    if !filter.terms.is_empty() && !sql.pg {
        "video_fts.rowid"
    } else {
        "v.id"
    }
}

/// `FROM …` with the text search's join, then `WHERE` the video is listed and passes
/// every filter. On SQLite the FTS table is always the outer loop (`CROSS JOIN`: without
/// statistics the planner would probe the index once per listed video), and
/// `newest_index` walks the (created_at, id) keyset index.
pub(super) fn from_where(sql: &mut Sql, filter: &SearchFilter<'_>, newest_index: bool) {
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

/// The exact rank (lower is better on both backends; at most 0).
pub(super) fn rank_expr(sql: &Sql, filter: &SearchFilter<'_>) -> &'static str {
    if filter.terms.is_empty() {
        "CAST(0 AS DOUBLE PRECISION)"
    } else if sql.pg {
        "CAST(0 - ts_rank(vs.document, query) AS DOUBLE PRECISION)"
    } else {
        "bm25(video_fts, 10.0, 4.0, 1.0)"
    }
}

/// The rank of a match outside the ranked candidates: above every exact rank (which is
/// at most 0), in 1..2, falling as the id grows, so that these rows follow the ranked
/// ones newest (highest id) first and a keyset on the rank is a keyset on the id.
pub(super) const UNRANKED: &str = "(2.0 - CAST(v.id AS DOUBLE PRECISION) / 2147483648.0)";

/// Most "accurate" minus "inaccurate" signing ratings.
pub(super) const RATING: &str = "((SELECT count(*) FROM video_feedback f WHERE f.video_id = v.id AND f.rating = 'accurate') \
     - (SELECT count(*) FROM video_feedback f WHERE f.video_id = v.id AND f.rating = 'inaccurate'))";
