//! Bad input never reaches FTS5 as syntax: fixed odd strings and arbitrary ones.

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::MigrationHarness;
use proptest::prelude::*;

use super::*;
use crate::models::seed::{self, SeedVideo};
use crate::video::search::terms;

fn sqlite() -> DbConnection {
    let mut conn =
        DbConnection::Sqlite(SqliteConnection::establish(":memory:").expect("in-memory SQLite"));
    conn.run_pending_migrations(crate::db::SQLITE_MIGRATIONS)
        .expect("migrations");
    conn.batch_execute(
        "INSERT INTO video_fts (rowid, title, description, transcript) \
         VALUES (1, 'Cooking eggs', 'near the end', 'and or not')",
    )
    .expect("a row");
    conn
}

fn request<'a>(
    filter: &'a SearchFilter<'a>,
    order: Order,
    from: Option<(Direction, Position)>,
    cap: i64,
) -> PageRequest<'a> {
    PageRequest {
        filter,
        order,
        preferred: Some("BSL"),
        from,
        limit: 20,
        cap,
        transcripts: true,
    }
}

fn search(conn: &mut DbConnection, q: &str) -> Result<(), DbError> {
    let terms = terms(q);
    let filter = SearchFilter {
        terms: &terms,
        ..SearchFilter::default()
    };
    let at = Position {
        segment: 1,
        created_at: crate::db::now(),
        rank: 1.5,
        rating: 0,
        id: 1,
    };
    for order in [Order::Relevance, Order::Newest, Order::Rating] {
        for from in [
            None,
            Some((Direction::After, at)),
            Some((Direction::Before, at)),
        ] {
            page(conn, &request(&filter, order, from, 100))?;
        }
    }
    Ok(())
}

/// `n` listed BSL and ASL videos about cooking, an hour apart, the newest last; every
/// third one says "cooking" twice (a better match).
fn cooking(conn: &mut DbConnection, n: usize) {
    let owner = seed::owner(conn).unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let list: Vec<SeedVideo> = (0..n)
        .map(|i| {
            let title = if i.is_multiple_of(3) {
                format!("Cooking {i}: cooking rice")
            } else {
                format!("Cooking {i}")
            };
            let lang = if i.is_multiple_of(2) { "BSL" } else { "ASL" };
            SeedVideo::listed(
                owner,
                &title,
                lang,
                start + chrono::Duration::hours(i as i64),
            )
        })
        .collect();
    seed::videos(conn, &list).unwrap();
}

/// Every page of `filter` in `order`, read forwards by cursor, then backwards from the
/// last page: each result once, the same pages both ways.
fn walk(conn: &mut DbConnection, filter: &SearchFilter<'_>, order: Order, cap: i64) -> Vec<i32> {
    let mut pages: Vec<Vec<Position>> = Vec::new();
    let mut from = None;
    loop {
        let p = page(conn, &request(filter, order, from, cap)).unwrap();
        let at: Vec<Position> = p.found.iter().map(|f| f.at).collect();
        let more = p.more;
        if let Some(last) = at.last() {
            from = Some((Direction::After, *last));
        }
        pages.push(at);
        if !more {
            break;
        }
    }
    for i in (0..pages.len() - 1).rev() {
        let first = pages[i + 1][0];
        let p = page(
            conn,
            &request(filter, order, Some((Direction::Before, first)), cap),
        )
        .unwrap();
        let at: Vec<Position> = p.found.iter().map(|f| f.at).collect();
        assert_eq!(at, pages[i], "page {i} read backwards");
        assert_eq!(p.more, i > 0, "more before page {i}");
    }
    pages.into_iter().flatten().map(|p| p.id).collect()
}

#[test]
fn relevance_ranks_the_newest_matches_and_pages_through_every_one_once() {
    let mut conn = sqlite();
    conn.batch_execute("DELETE FROM video_fts").unwrap();
    cooking(&mut conn, 75);
    let terms = terms("cooking");
    let filter = SearchFilter {
        terms: &terms,
        ..SearchFilter::default()
    };
    let first = page(&mut conn, &request(&filter, Order::Relevance, None, 30)).unwrap();
    assert!(first.estimated, "75 matches, 30 counted: estimated");
    assert!(
        (70..=80).contains(&first.count),
        "about 75: {}",
        first.count
    );
    let exact = page(&mut conn, &request(&filter, Order::Relevance, None, 100)).unwrap();
    assert_eq!((exact.count, exact.estimated), (75, false));

    let ids = walk(&mut conn, &filter, Order::Relevance, 30);
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 75, "each result once: {ids:?}");
    // BSL (even ids) first; within it, the 31 newest matches overall are ranked (the
    // double "cooking" first), then the older ones newest first.
    let titles: Vec<String> = ids
        .iter()
        .map(|id| {
            use crate::db::schema::videos;
            videos::table
                .find(id)
                .select(videos::title)
                .first::<String>(&mut conn)
                .unwrap()
        })
        .collect();
    let bsl = titles
        .iter()
        .take_while(|t| {
            let i: usize = t[8..].split(':').next().unwrap().parse().unwrap();
            i.is_multiple_of(2)
        })
        .count();
    assert_eq!(bsl, 38, "the viewer's sign language first: {titles:?}");
    assert!(
        titles[0].contains("cooking rice"),
        "best match first: {titles:?}"
    );
    let low = 75 - 31;
    let unranked: Vec<usize> = titles[..bsl]
        .iter()
        .map(|t| t[8..].split(':').next().unwrap().parse().unwrap())
        .filter(|i| *i < low)
        .collect();
    let mut newest_first = unranked.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(unranked, newest_first, "older matches newest first");
    assert!(
        titles[..bsl - unranked.len()].iter().all(|t| t[8..]
            .split(':')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap()
            >= low),
        "ranked candidates before them"
    );
    // Every order pages the same way.
    for order in [Order::Newest, Order::Rating] {
        assert_eq!(walk(&mut conn, &filter, order, 30).len(), 75, "{order:?}");
    }
}

#[test]
fn estimates_have_two_significant_figures() {
    assert_eq!(estimate(5, 10, Some(1), Some(1), Some(5)), (5, false));
    assert_eq!(estimate(11, 10, None, None, None), (11, false));
    // 1,001 matches among the newest 4,000 of 100,000 ids: about 25,000.
    assert_eq!(
        estimate(1001, 1000, Some(96_001), Some(1), Some(100_000)),
        (25_000, true)
    );
    assert_eq!(
        estimate(1001, 1000, Some(1), Some(1), Some(1_001)),
        (1_000, true)
    );
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
