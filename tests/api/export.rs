//! Taking your data: `GET /api/auth/user/export` and `/account/export` give one JSON
//! document with the profile, preferences, videos (with links) and ratings given.

use serde_json::json;

use crate::helpers::{json_body, spawn_app};
use crate::video_helpers::{clip, upload_clip};

#[tokio::test]
async fn the_export_holds_profile_preferences_videos_and_ratings() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("taker").await;
    let r = app
        .client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(&tokens.access)
        .json(&json!({"visual_density": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let path = clip(&app, "taker.mp4");
    let video = upload_clip(&app, &tokens.access, &path, "Mine").await;
    let id = video["id"].as_i64().unwrap();
    let r = app
        .client
        .put(app.url(&format!("/api/videos/{id}/feedback")))
        .bearer_auth(&tokens.access)
        .json(&json!({"rating": "helpful"}))
        .send()
        .await
        .unwrap();
    let rated = r.status().is_success();

    let r = app
        .client
        .get(app.url("/api/auth/user/export"))
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, "attachment; filename=\"pinkflow-taker.json\"");
    let doc = json_body(r).await;
    assert_eq!(doc["format"], "pinkflow-account-export/1");
    assert_eq!(doc["profile"]["email"], "taker@example.com");
    assert_eq!(doc["profile"]["username"], "taker");
    assert_eq!(doc["accessibility_preferences"]["visual_density"], 5);
    assert_eq!(doc["videos"][0]["title"], "Mine");
    assert_eq!(doc["videos"][0]["id"], id);
    if rated {
        assert_eq!(doc["feedback"][0]["video_id"], id);
        assert_eq!(doc["feedback"][0]["rating"], "helpful");
    }
    assert!(
        !doc.to_string().contains("password"),
        "no password hash: {doc}"
    );
    assert_eq!(
        app.client
            .get(app.url("/api/auth/user/export"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // The page gives the same document to the signed-in browser.
    app.browser_user("pagetaker").await;
    let html = app.get_html("/account").await;
    assert!(html.contains("href=\"/account/export\""));
    let r = app.get("/account/export").await;
    assert_eq!(r.status(), 200);
    let doc = json_body(r).await;
    assert_eq!(doc["profile"]["username"], "pagetaker");
    assert_eq!(doc["videos"], json!([]));
}
