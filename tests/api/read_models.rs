//! One read model per page: the database round trips of the watch page (page and htmx
//! fragment, signed out and signed in), the catalogue and "My videos", counted per
//! request by the connections' instrumentation (`Db::query_log`), so they cannot grow
//! unnoticed; transcripts come from the database, never from the caption file; and the
//! shared read models are dropped on every change.

use std::collections::HashMap;

use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::helpers::{TestApp, json_body, spawn_app_with};
use crate::video_helpers::{clip, publish, upload, upload_clip, upload_form, wait_for_outcome};

const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Sam>Hello there!\n\n00:01.000 --> 00:02.000\nGoodbye now\n";

/// An app with an embedded worker; `cache` false turns the caches off, so every view
/// takes the full path to the database.
async fn app(cache: bool) -> TestApp {
    spawn_app_with(|s: &mut HashMap<String, String>| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
        if !cache {
            s.insert("CACHE_DEFAULT_TIMEOUT".into(), "0".into());
        }
    })
    .await
}

/// A public, ready BSL video with two caption tracks, an ASL edition and two ratings.
/// Returns (BSL id, ASL id, owner's token, a viewer's token).
async fn published(app: &TestApp) -> (i64, i64, String, String) {
    let owner = app.signed_in_user("owner").await.access;
    let viewer = app.signed_in_user("viewer").await.access;
    let path = clip(app, "bsl.mp4");
    let bsl = upload_clip(app, &owner, &path, "Welcome (BSL)").await["id"]
        .as_i64()
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let form = upload_form(bytes, "asl.mp4", "Welcome (ASL)").text("sign_language", "ASL");
    let asl = json_body(upload(app, &owner, form).await).await["id"]
        .as_i64()
        .unwrap();
    for id in [bsl, asl] {
        assert_eq!(wait_for_outcome(app, &owner, id).await["status"], "ready");
        publish(app, &owner, id).await;
    }
    for (language, label) in [("en", "English"), ("fr", "Français")] {
        let form = Form::new()
            .text("language", language)
            .text("label", label)
            .part(
                "file",
                Part::bytes(VTT.as_bytes().to_vec()).file_name("c.vtt"),
            );
        assert_eq!(
            post(app, &owner, &format!("/api/videos/{bsl}/captions"), form).await,
            201
        );
    }
    let r = app
        .client
        .post(app.url(&format!("/api/videos/{bsl}/editions")))
        .bearer_auth(&owner)
        .json(&json!({"video_id": asl}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for token in [&owner, &viewer] {
        assert_eq!(rate(app, token, bsl, "accurate").await, 200);
    }
    (bsl, asl, owner, viewer)
}

async fn post(app: &TestApp, token: &str, path: &str, form: Form) -> u16 {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn rate(app: &TestApp, token: &str, id: i64, rating: &str) -> u16 {
    app.client
        .put(app.url(&format!("/api/videos/{id}/feedback")))
        .bearer_auth(token)
        .json(&json!({ "rating": rating }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A browser: its own cookies, optionally signed in (through the pages).
async fn browser(app: &TestApp, sign_in_as: Option<&str>) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    if let Some(name) = sign_in_as {
        let html = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = crate::helpers::csrf_from(&html).unwrap();
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", &format!("{name}@example.com")),
                ("password", "password123"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "signed in as {name}");
    }
    client
}

/// The statements the request to `path` started, and its body.
async fn queries(app: &TestApp, client: &reqwest::Client, path: &str, hx: bool) -> (u32, String) {
    app.state.db.query_log().start();
    let mut request = client.get(app.url(path));
    if hx {
        request = request.header("HX-Request", "true");
    }
    let r = request.send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    let body = r.text().await.unwrap();
    let path_only = path.split('?').next().unwrap_or(path);
    let log = app.state.db.query_log().take();
    let counts: Vec<u32> = log
        .iter()
        .filter(|(p, _)| p == path_only)
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(counts.len(), 1, "one request to {path} logged: {log:?}");
    (counts[0], body)
}

/// What a request costs before the page reads anything: the session and the signed-in
/// person (a page that shows no data of its own), once the browser's session, if it
/// gets one, exists.
async fn baseline(app: &TestApp, client: &reqwest::Client, signed_in: bool) -> u32 {
    let path = if signed_in { "/account" } else { "/login" };
    queries(app, client, path, false).await;
    queries(app, client, path, false).await.0
}

#[tokio::test]
async fn each_page_reads_the_database_at_most_its_budget_of_round_trips() {
    let app = app(false).await;
    let (bsl, _asl, _owner, _viewer) = published(&app).await;
    for who in [None, Some("viewer"), Some("owner")] {
        let client = browser(&app, who).await;
        let base = baseline(&app, &client, who.is_some()).await;
        let (n, html) = queries(&app, &client, &format!("/videos/{bsl}"), false).await;
        assert!(
            html.contains("Hello there!") && html.contains("<section id=\"feedback\""),
            "the whole page ({who:?}): {html}"
        );
        assert!(
            n <= base + 2,
            "watch page as {who:?}: {n} statements, baseline {base}"
        );
        let (n, _) = queries(&app, &client, &format!("/videos/{bsl}"), true).await;
        assert!(
            n <= base + 2,
            "watch fragment as {who:?}: {n}, baseline {base}"
        );
        let (n, _) = queries(&app, &client, &format!("/videos/{bsl}/status"), true).await;
        assert!(
            n <= base + 2,
            "status fragment as {who:?}: {n}, baseline {base}"
        );
        let (n, html) = queries(&app, &client, "/catalogue", false).await;
        assert!(html.contains("Welcome (BSL)"));
        // A search (issue 14): both segments of the page (the viewer's sign language
        // first), their cards and the count in one statement.
        assert!(n <= base + 1, "catalogue as {who:?}: {n}, baseline {base}");
    }
    let client = browser(&app, Some("owner")).await;
    let base = baseline(&app, &client, true).await;
    let (n, html) = queries(&app, &client, "/videos", false).await;
    assert!(html.contains("Welcome (ASL)"));
    assert!(n <= base + 1, "my videos: {n}, baseline {base}");
    // A signed-out page of a public video with no edition and no captions: still 2 at
    // most, and the catalogue filtered by sign language 1.
    let anonymous = browser(&app, None).await;
    let base = baseline(&app, &anonymous, false).await;
    let (n, _) = queries(&app, &anonymous, "/catalogue?sign_language=ASL", false).await;
    assert!(n <= base + 1, "filtered catalogue: {n}, baseline {base}");
}

/// The count the feedback list shows for `rating`.
fn count_of(html: &str, rating: &str) -> String {
    let start = html
        .find(&format!("<li data-rating=\"{rating}\">"))
        .unwrap_or_else(|| panic!("no {rating} count"));
    let item = &html[start..];
    let item = &item[..item.find("</li>").unwrap()];
    item.rsplit(": ").next().unwrap().to_owned()
}

#[tokio::test]
async fn a_cached_public_page_costs_no_round_trip_and_every_change_drops_it() {
    let app = app(true).await;
    let (bsl, asl, owner, viewer) = published(&app).await;
    let anonymous = browser(&app, None).await;
    let base = baseline(&app, &anonymous, false).await;
    let page = format!("/videos/{bsl}");
    queries(&app, &anonymous, &page, false).await;
    let (n, html) = queries(&app, &anonymous, &page, false).await;
    assert_eq!(n, base, "served from the read cache");
    assert!(html.contains("Welcome (BSL)"));
    queries(&app, &anonymous, "/catalogue", false).await;
    assert_eq!(queries(&app, &anonymous, "/catalogue", false).await.0, base);
    // Signed in: the viewer's own rating is kept too.
    let signed_in = browser(&app, Some("viewer")).await;
    let signed_in_base = baseline(&app, &signed_in, true).await;
    queries(&app, &signed_in, &page, false).await;
    let (n, html) = queries(&app, &signed_in, &page, false).await;
    assert_eq!(n, signed_in_base, "served from the read cache, signed in");
    assert!(html.contains(
        "id=\"rating-accurate\" name=\"rating\" type=\"radio\" value=\"accurate\" checked"
    ));

    let fresh = |needle: String| {
        let (app, anonymous, page) = (&app, &anonymous, page.clone());
        async move {
            let (_, html) = queries(app, anonymous, &page, false).await;
            assert!(html.contains(&needle), "the page shows {needle:?} at once");
        }
    };
    // An edit.
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{bsl}")))
        .bearer_auth(&owner)
        .json(&json!({"title": "Hello again (BSL)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    fresh("Hello again (BSL)".into()).await;
    let (_, html) = queries(&app, &anonymous, "/catalogue", false).await;
    assert!(html.contains("Hello again (BSL)"), "the catalogue too");
    // A rating (the counts change), then its withdrawal.
    assert_eq!(rate(&app, &viewer, bsl, "helpful").await, 200);
    let (_, html) = queries(&app, &signed_in, &page, false).await;
    assert!(
        html.contains("value=\"helpful\" checked"),
        "the viewer's new rating at once"
    );
    let (_, html) = queries(&app, &anonymous, &page, false).await;
    assert_eq!(count_of(&html, "helpful"), "1", "the new counts at once");
    assert_eq!(count_of(&html, "accurate"), "1");
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{bsl}/feedback")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let feedback = json_body(
        app.client
            .get(app.url(&format!("/api/videos/{bsl}/feedback")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(feedback["counts"]["accurate"], 0, "{feedback}");
    let (_, html) = queries(&app, &anonymous, &page, false).await;
    assert_eq!(
        count_of(&html, "accurate"),
        "0",
        "a withdrawn rating goes at once"
    );
    // A new caption track.
    let form = Form::new()
        .text("language", "de")
        .text("label", "Deutsch")
        .part(
            "file",
            Part::bytes(VTT.as_bytes().to_vec()).file_name("c.vtt"),
        );
    assert_eq!(
        post(&app, &owner, &format!("/api/videos/{bsl}/captions"), form).await,
        201
    );
    fresh("label=\"Deutsch\"".into()).await;
    // The edition is unlinked: the link goes, on the edition's page too.
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{asl}/editions")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, html) = queries(&app, &anonymous, &page, false).await;
    assert!(!html.contains("id=\"watch-in\""), "no edition any more");
    // Private again: gone for everyone but the owner.
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{bsl}")))
        .bearer_auth(&owner)
        .json(&json!({"visibility": "private"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = anonymous.get(app.url(&page)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (_, html) = queries(&app, &anonymous, "/catalogue", false).await;
    assert!(!html.contains("Hello again (BSL)"));
    // Deleted.
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{asl}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = anonymous
        .get(app.url(&format!("/videos/{asl}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn transcripts_are_read_from_the_database_and_old_tracks_are_filled_once() {
    let app = app(false).await;
    let (bsl, _asl, _owner, _viewer) = published(&app).await;
    // The files are not read per view: without them the transcript is still there.
    for file in crate::video_helpers::files_in(&app, "captions") {
        std::fs::remove_file(file).unwrap();
    }
    let anonymous = browser(&app, None).await;
    let (_, html) = queries(&app, &anonymous, &format!("/videos/{bsl}"), false).await;
    assert!(html.contains("Hello there!") && html.contains("Goodbye now"));

    // A track stored before transcripts were kept (no transcript in its row): read from
    // its file on the first view, stored, and from the database after that.
    let form = Form::new()
        .text("language", "de")
        .text("label", "Deutsch")
        .part(
            "file",
            Part::bytes(VTT.replace("Goodbye now", "Tschüss").into_bytes()).file_name("c.vtt"),
        );
    let owner = app.login("owner@example.com", "password123").await;
    let owner = json_body(owner).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&app, &owner, &format!("/api/videos/{bsl}/captions"), form).await,
        201
    );
    let db = app.state.db.clone();
    db.run(|conn| {
        use diesel::prelude::*;
        use pinkflow::db::schema::captions;
        diesel::update(captions::table.filter(captions::language.eq("de")))
            .set(captions::transcript.eq(None::<String>))
            .execute(conn)?;
        Ok(())
    })
    .await
    .unwrap();
    let transcript = |language: &'static str| {
        let app = &app;
        async move {
            json_body(
                app.client
                    .get(app.url(&format!("/api/videos/{bsl}/transcript?language={language}")))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let body = transcript("de").await;
    assert_eq!(body["caption"]["language"], "de", "{body}");
    assert_eq!(body["lines"][1]["text"], "Tschüss");
    assert_eq!(body["lines"][0]["speaker"], "Sam");
    let stored: Option<String> = db
        .run(|conn| {
            use diesel::prelude::*;
            use pinkflow::db::schema::captions;
            Ok(captions::table
                .filter(captions::language.eq("de"))
                .select(captions::transcript)
                .first(conn)?)
        })
        .await
        .unwrap();
    assert!(stored.is_some_and(|t| t.contains("Tschüss")), "filled in");
    for file in crate::video_helpers::files_in(&app, "captions") {
        std::fs::remove_file(file).unwrap();
    }
    assert_eq!(transcript("de").await["lines"][1]["text"], "Tschüss");
}

/// What each video offers besides the picture is said before play (MAUR DAC-1), on the
/// watch page, in every catalogue layout and in the API, from the same read models
/// (the round-trip budgets above include it).
#[tokio::test]
async fn alternatives_are_said_on_the_watch_page_the_catalogue_and_the_api() {
    let app = app(false).await;
    let (bsl, asl, _owner, _viewer) = published(&app).await;
    let anonymous = browser(&app, None).await;
    let (_, watch) = queries(&app, &anonymous, &format!("/videos/{bsl}"), false).await;
    let list = "<ul class=\"alternatives\" aria-label=\"Available\"><li>Captions: English, Français</li><li>Signed: BSL, ASL</li><li>Transcript</li></ul>";
    assert!(watch.contains(list), "watch page: {watch}");
    let (_, watch) = queries(&app, &anonymous, &format!("/videos/{asl}"), false).await;
    assert!(
        watch.contains(
            "<ul class=\"alternatives\" aria-label=\"Available\"><li>Signed: ASL, BSL</li></ul>"
        ),
        "the edition without captions: {watch}"
    );
    for density in ["1", "3", "5"] {
        let client = browser(&app, None).await;
        let token = {
            let html = client
                .get(app.url("/preferences"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            crate::helpers::csrf_from(&html).unwrap()
        };
        let r = client
            .post(app.url("/preferences"))
            .form(&[("csrf_token", token.as_str()), ("visual_density", density)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let (_, html) = queries(&app, &client, "/catalogue", false).await;
        if density == "5" {
            assert!(
                html.contains("<td>Captions: English, Français; Signed: BSL, ASL; Transcript</td>"),
                "compact catalogue: {html}"
            );
        } else {
            assert!(
                html.contains(list),
                "catalogue at density {density}: {html}"
            );
        }
    }
    let r = app
        .client
        .get(app.url("/api/videos?scope=public"))
        .send()
        .await
        .unwrap();
    let body = json_body(r).await;
    let entry = body["videos"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["id"] == bsl))
        .cloned()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(
        entry["alternatives"],
        json!({
            "captions": ["English", "Français"],
            "subtitles": [],
            "descriptions": [],
            "chapters": false,
            "signed": ["BSL", "ASL"],
            "transcript": true
        })
    );
}
