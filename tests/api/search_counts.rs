//! Counts, ranking and sharing over many matches (issue 14 item 3): up to 1,000 matches
//! the count is exact; above, "About N videos" on the page, in the htmx announcement and
//! as `count_estimated` in the API. Relevance ranks the newest 1,000 matches exactly and
//! the older ones follow newest first: keyset pages still give every match once,
//! forwards and backwards. Every page (first or by cursor) is shared from the read
//! cache until a change, and marks only the viewer's own videos as theirs.

use chrono::Duration;
use serde_json::Value;

use crate::helpers::{TestApp, json_body, spawn_app};
use crate::video_helpers::user_id;
use pinkflow::db::now;
use pinkflow::models::seed::{self, SeedVideo};

/// `n` listed videos, oldest first, alternately about cooking (twice over in every
/// fifth cooking title) and gardening; in one transaction.
async fn seed_many(app: &TestApp, owner: i32, n: usize) {
    let start = now() - Duration::days(30);
    let list: Vec<SeedVideo> = (0..n)
        .map(|i| {
            let title = match (i % 2, i % 10) {
                (0, 0) => format!("Cooking {i}: cooking pasta"),
                (0, _) => format!("Cooking {i}"),
                _ => format!("Gardening {i}"),
            };
            SeedVideo::listed(owner, &title, "BSL", start + Duration::minutes(i as i64))
        })
        .collect();
    app.state
        .db
        .run(move |conn| {
            use diesel::Connection;
            conn.transaction(|conn| {
                for chunk in list.chunks(500) {
                    seed::videos(conn, chunk)?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
}

async fn api(app: &TestApp, query: &str) -> Value {
    let r = app
        .client
        .get(app.url(&format!("/api/videos?scope=public&{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{query}");
    json_body(r).await
}

fn ids(body: &Value) -> Vec<i64> {
    body["videos"]
        .as_array()
        .unwrap_or_else(|| panic!("no videos in {body}"))
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn above_a_thousand_matches_the_count_is_an_estimate_and_every_match_pages_once() {
    let app = spawn_app().await;
    let token = app.signed_in_user("owner").await.access;
    let me = user_id(&app, &token).await;
    seed_many(&app, me, 2_400).await;

    // 1,200 cooking videos, every other id: the newest 1,001 span 2,001 of the 2,400
    // ids, so about 1,001 × 2,400 / 2,001 ≈ 1,200.
    let body = api(&app, "q=cooking&limit=100").await;
    assert_eq!(body["count_estimated"], true, "{body}");
    assert_eq!(body["count"], 1_200);
    // A smaller result is counted exactly.
    let small = api(&app, "q=cooking+pasta").await;
    assert_eq!(
        (small["count"].as_i64(), small["count_estimated"].as_bool()),
        (Some(240), Some(false))
    );

    // The page says it is an estimate, and so does the announcement.
    let html = app.get_html("/catalogue?q=cooking").await;
    assert!(html.contains(">About 1,200 videos</h2>"), "{html}");
    let r = app
        .client
        .get(app.url("/catalogue?q=cooking"))
        .header("HX-Request", "true")
        .header("HX-Target", "results")
        .send()
        .await
        .unwrap();
    let fragment = r.text().await.unwrap();
    assert!(
        fragment.contains(
            "<div id=\"status\" hx-swap-oob=\"innerHTML\">About 1,200 videos found</div>"
        ),
        "{fragment}"
    );
    let exact = app.get_html("/catalogue?q=cooking+pasta").await;
    assert!(exact.contains(">240 videos</h2>"), "{exact}");

    // Relevance: the double "cooking" titles among the newest 1,000 matches first, the
    // 200 oldest matches last, newest first; every match exactly once across pages.
    let mut pages: Vec<Vec<i64>> = vec![ids(&body)];
    let mut last = body.clone();
    while let Some(cursor) = last["next"].as_str().map(str::to_owned) {
        last = api(&app, &format!("q=cooking&limit=100&after={cursor}")).await;
        pages.push(ids(&last));
        assert!(pages.len() <= 13, "pages end");
    }
    let all: Vec<i64> = pages.iter().flatten().copied().collect();
    let mut unique = all.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        (all.len(), unique.len()),
        (1_200, 1_200),
        "every match once"
    );
    let tail = &all[1_000..];
    assert!(
        tail.windows(2).all(|w| w[0] > w[1]),
        "older matches newest first"
    );
    assert!(
        all[..1_000].iter().all(|id| *id > tail[0]),
        "the ranked newest matches before them"
    );
    let first = api(&app, "q=cooking&limit=5").await;
    let titles: Vec<&str> = first["videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.iter().all(|t| t.contains("pasta")),
        "best matches first: {titles:?}"
    );
    // Backwards from the last page gives the same pages.
    let mut page = last;
    for i in (0..pages.len() - 1).rev() {
        let prev = page["prev"].as_str().expect("a previous page").to_owned();
        page = api(&app, &format!("q=cooking&limit=100&before={prev}")).await;
        assert_eq!(ids(&page), pages[i], "page {i} read backwards");
    }
    assert!(
        page["prev"].is_null(),
        "no page before the first: {}",
        page["prev"]
    );
}

#[tokio::test]
async fn every_page_is_shared_from_the_cache_and_marks_only_the_viewers_own_videos() {
    let app = spawn_app().await;
    let owner = app.signed_in_user("owner").await.access;
    let me = user_id(&app, &owner).await;
    let other = app.signed_in_user("other").await.access;
    seed_many(&app, me, 30).await;
    let get = |query: String, token: Option<String>| {
        let app = &app;
        async move {
            let mut req = app
                .client
                .get(app.url(&format!("/api/videos?scope=public&{query}")));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200, "{query}");
            json_body(r).await
        }
    };
    let owned = |body: &Value| -> Vec<bool> {
        body["videos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["is_owner"].as_bool().unwrap())
            .collect()
    };
    let first = get("q=cooking&limit=5".into(), None).await;
    assert_eq!(owned(&first), [false; 5], "signed out: nobody's");
    let mine = get("q=cooking&limit=5".into(), Some(owner.clone())).await;
    assert_eq!(
        owned(&mine),
        [true; 5],
        "the owner's own, from the same shared page"
    );
    assert_eq!(ids(&mine), ids(&first));
    let theirs = get("q=cooking&limit=5".into(), Some(other.clone())).await;
    assert_eq!(owned(&theirs), [false; 5], "someone else's");

    // A page by cursor is kept too: the second read costs no statement.
    let next = format!(
        "q=cooking&limit=5&after={}",
        first["next"].as_str().unwrap()
    );
    app.state.db.query_log().start();
    let second = get(next.clone(), None).await;
    let again = get(next.clone(), None).await;
    let log = app.state.db.query_log().take();
    let counts: Vec<u32> = log
        .iter()
        .filter(|(p, _)| p == "/api/videos")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(counts.len(), 2, "{log:?}");
    assert!(counts[0] >= 1 && counts[1] == 0, "kept: {counts:?}");
    assert_eq!(ids(&again), ids(&second));
    // Signed in (the same default preferences, so the same shared pages): page 2 is
    // the owner's own for the owner only.
    let signed_in = format!(
        "q=cooking&limit=5&after={}",
        theirs["next"].as_str().unwrap()
    );
    let theirs = get(signed_in.clone(), Some(other.clone())).await;
    assert_eq!(owned(&theirs), [false; 5]);
    let mine = get(signed_in, Some(owner.clone())).await;
    assert_eq!((ids(&mine), owned(&mine)), (ids(&theirs), vec![true; 5]));
    // A change through the service drops it.
    let id = ids(&second)[0];
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&owner)
        .json(&serde_json::json!({"title": "Cooking, renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let after = get(next, None).await;
    let titles: Vec<&str> = after["videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Cooking, renamed"),
        "fresh after the edit: {titles:?}"
    );
}
