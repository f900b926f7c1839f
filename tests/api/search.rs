//! Search (issue 14) through `GET /api/videos?scope=public`: ranking, every filter,
//! keyset pages across inserts and deletes, the viewer's sign language first across the
//! whole result set, hidden / private / unready videos never found or counted, the
//! index kept in step with edits, captions and deletions, and bad input (any `q` is
//! 200; values out of range are 422). Videos are written straight to the database
//! (`models::seed`), the index following through its triggers as for uploads.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app};
use crate::video_helpers::user_id;
use pinkflow::db::now;
use pinkflow::models::seed::{self, SeedVideo};

/// Write `videos`; returns their ids in order.
pub async fn seed_videos(app: &TestApp, videos: Vec<SeedVideo>) -> Vec<i32> {
    app.state
        .db
        .run(move |conn| {
            let mut ids = Vec::new();
            for v in &videos {
                ids.extend(seed::videos(conn, std::slice::from_ref(v))?);
            }
            Ok(ids)
        })
        .await
        .unwrap()
}

pub async fn seed_caption(app: &TestApp, id: i32, language: &str, lines: &[(f64, &str)]) {
    let lines: Vec<(f64, String)> = lines.iter().map(|(s, t)| (*s, (*t).to_owned())).collect();
    let language = language.to_owned();
    app.state
        .db
        .run(move |conn| {
            let lines: Vec<(f64, &str)> = lines.iter().map(|(s, t)| (*s, t.as_str())).collect();
            seed::caption(conn, id, &language, &language, &lines)
        })
        .await
        .unwrap();
}

/// A listed video `minutes_ago` old.
pub fn video(owner: i32, title: &str, lang: &str, minutes_ago: i64) -> SeedVideo {
    SeedVideo::listed(owner, title, lang, now() - Duration::minutes(minutes_ago))
}

async fn get(app: &TestApp, query: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = app
        .client
        .get(app.url(&format!("/api/videos?scope=public&{query}")));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, json_body(r).await)
}

fn titles(body: &Value) -> Vec<String> {
    body["videos"]
        .as_array()
        .unwrap_or_else(|| panic!("no videos in {body}"))
        .iter()
        .map(|v| v["title"].as_str().unwrap().to_owned())
        .collect()
}

async fn owner(app: &TestApp) -> (String, i32) {
    let token = app.signed_in_user("owner").await.access;
    let id = user_id(app, &token).await;
    (token, id)
}

#[tokio::test]
async fn title_matches_rank_above_description_and_transcript_matches() {
    let app = spawn_app().await;
    let (_, me) = owner(&app).await;
    let mut in_description = video(me, "Morning routine", "ASL", 1);
    in_description.description = "We make pancakes for breakfast".into();
    let ids = seed_videos(
        &app,
        vec![
            video(me, "Evening news", "ASL", 0),
            in_description,
            video(me, "Pancakes for beginners", "ASL", 5),
            video(me, "Unrelated", "ASL", 6),
        ],
    )
    .await;
    seed_caption(
        &app,
        ids[0],
        "en",
        &[(3.0, "Hello"), (83.5, "Now the pancakes recipe")],
    )
    .await;
    let (status, body) = get(&app, "q=pancakes", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        titles(&body),
        ["Pancakes for beginners", "Morning routine", "Evening news"]
    );
    assert_eq!(body["count"], 3);
    assert_eq!(body["count_estimated"], false);
    let m = &body["matches"][0];
    assert_eq!(m["video_id"], ids[0]);
    assert_eq!(m["start_seconds"], 83.5);
    assert_eq!(m["text"], "Now the pancakes recipe");
    // Stemming: "pancake" finds "pancakes"; every word is required.
    assert_eq!(get(&app, "q=pancake", None).await.1["count"], 3);
    assert_eq!(
        titles(&get(&app, "q=pancakes beginners", None).await.1),
        ["Pancakes for beginners"]
    );
}

#[tokio::test]
async fn every_filter_narrows_and_they_combine() {
    let app = spawn_app().await;
    let (_, me) = owner(&app).await;
    let mut long = video(me, "Long BSL talk", "BSL", 10);
    long.duration_seconds = 25.0 * 60.0;
    let mut medium = video(me, "Medium ASL story", "ASL", 20);
    medium.duration_seconds = 3.0 * 60.0;
    let mut old = video(me, "Old LSF film", "LSF", 60 * 24 * 40);
    old.duration_seconds = 10.0 * 60.0;
    let mut signed_a = video(me, "Signed pair ASL", "ASL", 30);
    signed_a.edition_group = Some("group-1".into());
    let mut signed_b = video(me, "Signed pair BSL", "BSL", 31);
    signed_b.edition_group = Some("group-1".into());
    let ids = seed_videos(&app, vec![long, medium, old, signed_a, signed_b]).await;
    seed_caption(&app, ids[0], "en", &[(0.0, "Welcome")]).await;
    seed_caption(&app, ids[1], "fr", &[(0.0, "Bonjour")]).await;
    seed_caption(&app, ids[1], "en-GB", &[(0.0, "Hello")]).await;

    let cases: &[(&str, &[&str])] = &[
        ("sign_language=BSL", &["Long BSL talk", "Signed pair BSL"]),
        (
            "sign_language=BSL,LSF",
            &["Long BSL talk", "Signed pair BSL", "Old LSF film"],
        ),
        (
            "sign_language=BSL&sign_language=LSF",
            &["Long BSL talk", "Signed pair BSL", "Old LSF film"],
        ),
        ("captions=any", &["Long BSL talk", "Medium ASL story"]),
        ("captions=en", &["Long BSL talk", "Medium ASL story"]),
        ("captions=fr", &["Medium ASL story"]),
        ("transcript=1", &["Long BSL talk", "Medium ASL story"]),
        ("signed=1", &["Signed pair ASL", "Signed pair BSL"]),
        ("length=over-20", &["Long BSL talk"]),
        ("length=1-5", &["Medium ASL story"]),
        ("length=5-20", &["Old LSF film"]),
        ("length=under-1", &["Signed pair ASL", "Signed pair BSL"]),
        (
            "within=month",
            &[
                "Long BSL talk",
                "Medium ASL story",
                "Signed pair ASL",
                "Signed pair BSL",
            ],
        ),
        (
            "within=day&sign_language=ASL&captions=fr",
            &["Medium ASL story"],
        ),
        (
            "signed=1&sign_language=BSL&within=week",
            &["Signed pair BSL"],
        ),
        ("captions=de", &[]),
    ];
    for (query, want) in cases {
        // Anonymous: no preferred sign language, newest first.
        let (status, body) = get(&app, query, None).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(titles(&body), *want, "{query}");
        assert_eq!(body["count"], want.len(), "{query}");
    }
}

#[tokio::test]
async fn best_rated_signing_comes_first_with_sort_rating() {
    let app = spawn_app().await;
    let (token, me) = owner(&app).await;
    let ids = seed_videos(
        &app,
        vec![
            video(me, "Newest", "ASL", 0),
            video(me, "Rated", "ASL", 5),
            video(me, "Panned", "ASL", 6),
        ],
    )
    .await;
    let viewer = app.signed_in_user("viewer").await.access;
    for (id, rating, who) in [
        (ids[1], "accurate", &token),
        (ids[1], "accurate", &viewer),
        (ids[2], "inaccurate", &viewer),
    ] {
        let r = app
            .client
            .put(app.url(&format!("/api/videos/{id}/feedback")))
            .bearer_auth(who)
            .json(&json!({"rating": rating}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let (_, body) = get(&app, "sort=rating", None).await;
    assert_eq!(titles(&body), ["Rated", "Newest", "Panned"]);
    let (_, body) = get(&app, "sort=newest", None).await;
    assert_eq!(titles(&body), ["Newest", "Rated", "Panned"]);
}

#[tokio::test]
async fn the_viewers_sign_language_comes_first_across_all_pages() {
    let app = spawn_app().await;
    let (token, me) = owner(&app).await;
    let r = app
        .client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(&token)
        .json(&json!({"preferred_sign_language": "BSL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut list: Vec<SeedVideo> = (0..30)
        .map(|i| video(me, &format!("ASL {i:02}"), "ASL", i))
        .collect();
    // The BSL video is older than every ASL one: without the rule it would be on page 2.
    list.push(video(me, "The BSL one", "BSL", 1000));
    seed_videos(&app, list).await;
    let (_, body) = get(&app, "limit=10", Some(&token)).await;
    assert_eq!(titles(&body)[0], "The BSL one");
    assert_eq!(body["count"], 31);
    // Anonymous viewers (no preference through the API) get plain newest first.
    let (_, body) = get(&app, "limit=10", None).await;
    assert_eq!(titles(&body)[0], "ASL 00");
}

#[tokio::test]
async fn keyset_pages_survive_inserts_and_deletes() {
    let app = spawn_app().await;
    let (token, me) = owner(&app).await;
    let list: Vec<SeedVideo> = (0..25)
        .map(|i| video(me, &format!("Clip {i:02}"), "ASL", i))
        .collect();
    let ids = seed_videos(&app, list).await;
    let (_, first) = get(&app, "limit=10", None).await;
    assert_eq!(titles(&first)[0], "Clip 00");
    assert_eq!(titles(&first)[9], "Clip 09");
    assert!(first.get("prev").is_none(), "first page has no previous");
    let next = first["next"].as_str().unwrap().to_owned();
    // A newer video arrives and one on the next page is deleted.
    seed_videos(&app, vec![video(me, "Brand new", "ASL", -1)]).await;
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{}", ids[12])))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "delete: {}", r.status());
    let (_, second) = get(&app, &format!("limit=10&after={next}"), None).await;
    let want: Vec<String> = [10, 11, 13, 14, 15, 16, 17, 18, 19, 20]
        .iter()
        .map(|i| format!("Clip {i:02}"))
        .collect();
    assert_eq!(titles(&second), want, "no repeats, no gaps");
    let (_, third) = get(
        &app,
        &format!("limit=10&after={}", second["next"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(titles(&third), ["Clip 21", "Clip 22", "Clip 23", "Clip 24"]);
    assert!(third.get("next").is_none(), "last page has no next");
    // Back from the second page: the first page as it is now (the new video included).
    let (_, back) = get(
        &app,
        &format!("limit=10&before={}", second["prev"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(titles(&back)[0], "Clip 00");
    assert_eq!(titles(&back)[9], "Clip 09");
    assert!(back.get("prev").is_some(), "the new video is before it");
    let (_, front) = get(
        &app,
        &format!("limit=10&before={}", back["prev"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(titles(&front), ["Brand new"]);
    assert!(front.get("prev").is_none());
}

#[tokio::test]
async fn hidden_private_and_unready_videos_are_never_found_or_counted() {
    let app = spawn_app().await;
    let (token, me) = owner(&app).await;
    let mut private = video(me, "Secret soup private", "ASL", 1);
    private.visibility = "private";
    let mut queued = video(me, "Secret soup queued", "ASL", 2);
    queued.status = "queued";
    let ids = seed_videos(
        &app,
        vec![
            private,
            queued,
            video(me, "Secret soup hidden", "ASL", 3),
            video(me, "Secret soup shown", "ASL", 4),
        ],
    )
    .await;
    seed_caption(&app, ids[2], "en", &[(1.0, "soup")]).await;
    let hidden = ids[2];
    app.state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use pinkflow::db::schema::videos;
            diesel::update(videos::table.find(hidden))
                .set(videos::hidden_at.eq(Some(now())))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    for query in ["q=soup", "q=secret", "", "captions=any", "sort=rating"] {
        let (_, body) = get(&app, query, Some(&token)).await;
        let found = titles(&body);
        assert!(
            found.iter().all(|t| t == "Secret soup shown"),
            "{query}: {found:?}"
        );
        assert_eq!(body["count"], found.len(), "{query}");
    }
    let html = app.get_html("/catalogue").await;
    assert!(html.contains("Secret soup shown"));
    assert!(html.contains(">1 video</h2>"));
    assert!(!html.contains("Secret soup hidden"));
    assert!(!html.contains("Secret soup private") && !html.contains("Secret soup queued"));
}

#[tokio::test]
async fn the_index_follows_edits_captions_and_deletions() {
    let app = spawn_app().await;
    let (token, me) = owner(&app).await;
    let ids = seed_videos(&app, vec![video(me, "Knitting basics", "ASL", 1)]).await;
    let id = ids[0];
    assert_eq!(get(&app, "q=knitting", None).await.1["count"], 1);
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&token)
        .json(&json!({"title": "Crochet basics", "description": "Hooks and yarn"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        get(&app, "q=knitting", None).await.1["count"],
        0,
        "old title gone"
    );
    assert_eq!(get(&app, "q=crochet", None).await.1["count"], 1);
    assert_eq!(get(&app, "q=yarn", None).await.1["count"], 1);
    // A caption track through the API: its words are found, at their cue.
    let vtt = "WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n\n01:05.250 --> 01:07.000\nThe stitches get tighter\n";
    let form = reqwest::multipart::Form::new()
        .text("language", "en")
        .text("label", "English")
        .part(
            "file",
            reqwest::multipart::Part::bytes(vtt.as_bytes().to_vec()).file_name("c.vtt"),
        );
    let r = app
        .client
        .post(app.url(&format!("/api/videos/{id}/captions")))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let caption_id = json_body(r).await["id"].as_i64().unwrap();
    let (_, body) = get(&app, "q=stitches", None).await;
    assert_eq!(body["count"], 1);
    assert_eq!(body["matches"][0]["start_seconds"], 65.25);
    // Deleting the track takes its words out of the index.
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{id}/captions/{caption_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "caption delete: {}", r.status());
    assert_eq!(get(&app, "q=stitches", None).await.1["count"], 0);
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(get(&app, "q=crochet", None).await.1["count"], 0);
}

#[tokio::test]
async fn any_q_answers_200_and_bad_values_422() {
    let app = spawn_app().await;
    let (_, me) = owner(&app).await;
    seed_videos(&app, vec![video(me, "Cooking with AND and NEAR", "ASL", 1)]).await;
    let long = "cook ".repeat(2_048);
    let nasty = [
        "\"",
        "\"cook",
        "NEAR(cook",
        "NEAR(",
        "*",
        "cook*",
        "AND",
        "OR",
        "NOT",
        "-",
        "-cook",
        "((((",
        "cook)",
        "title:cook",
        "^cook",
        "🍳 cook 🥚",
        "cook\0ing",
        "'; DROP TABLE videos; --",
        "%",
        "_",
        "\\",
        long.as_str(),
    ];
    for q in nasty {
        let query = serde_urlencoded::to_string([("q", q)]).unwrap();
        let (status, body) = get(&app, &query, None).await;
        assert_eq!(status, 200, "{q:?}: {body}");
        assert!(body["videos"].is_array());
        let r = app
            .client
            .get(app.url(&format!("/catalogue?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "page for {q:?}");
    }
    assert_eq!(get(&app, "q=cooking%20and", None).await.1["count"], 1);
    for query in [
        "sign_language=XYZ",
        "captions=%3Cscript%3E",
        "signed=maybe",
        "transcript=2",
        "length=long",
        "within=decade",
        "sort=best",
        "after=garbage",
        "before=00",
        "limit=0",
        "limit=101",
        "limit=x",
        "after=6331&before=6331",
    ] {
        let (status, body) = get(&app, query, None).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert!(
            body["error"].is_string() && body["fields"].is_object(),
            "{query}: {body}"
        );
    }
    // A cursor made for another order is refused too.
    let list: Vec<SeedVideo> = (0..3)
        .map(|i| video(me, &format!("Clip {i}"), "ASL", i + 5))
        .collect();
    seed_videos(&app, list).await;
    let (_, body) = get(&app, "limit=1&sort=newest", None).await;
    let next = body["next"].as_str().unwrap();
    assert_eq!(
        get(&app, &format!("limit=1&sort=rating&after={next}"), None)
            .await
            .0,
        422
    );
    assert_eq!(
        get(&app, &format!("limit=1&sort=newest&after={next}"), None)
            .await
            .0,
        200
    );
}
