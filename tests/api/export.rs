//! Taking your data: `GET /api/auth/user/export` and `/account/export` give one JSON
//! document with the profile, preferences, videos (with links) and ratings given.

use serde_json::json;

use crate::helpers::{json_body, spawn_app_with};
use crate::video_helpers::{clip, publish, upload_clip, wait_for_outcome};

async fn rate(app: &crate::helpers::TestApp, token: &str, id: i64, rating: &str) -> u16 {
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

#[tokio::test]
async fn the_export_holds_profile_preferences_videos_and_ratings() {
    // A worker in this process (PostgreSQL deployments run theirs apart), so the video
    // is processed and can be rated.
    let app = spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
    })
    .await;
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
    // A video can be rated once it is processed: the owner rates it, and so does
    // someone else (whose rating is not part of this export).
    assert_eq!(
        wait_for_outcome(&app, &tokens.access, id).await["status"],
        "ready"
    );
    publish(&app, &tokens.access, id).await;
    let rated_from = chrono::Utc::now() - chrono::Duration::seconds(5);
    assert_eq!(rate(&app, &tokens.access, id, "inaccurate").await, 200);
    assert_eq!(
        rate(&app, &tokens.access, id, "helpful").await,
        200,
        "changed"
    );
    let other = app.signed_in_user("someone").await;
    assert_eq!(rate(&app, &other.access, id, "accurate").await, 200);

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
    // Exactly the one rating this account gave, with its latest value and time.
    let feedback = doc["feedback"].as_array().unwrap();
    assert_eq!(feedback.len(), 1, "{feedback:?}");
    assert_eq!(feedback[0]["video_id"], id);
    assert_eq!(feedback[0]["rating"], "helpful");
    let at =
        chrono::DateTime::parse_from_rfc3339(feedback[0]["updated_at"].as_str().unwrap()).unwrap();
    assert!(at >= rated_from && at <= chrono::Utc::now(), "{at}");
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
