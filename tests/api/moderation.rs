//! Roles, reports and the moderators' actions through the API (issue 15): who may do
//! what (403 for members and moderators where it is not theirs), one open report per
//! viewer per video, hiding a video takes it from the catalogue and its page for
//! everyone but its owner (who sees the reason), and a suspension ends every token and
//! refuses sign-in until it is lifted. Every action is in the audit trail with its actor.

use pinkflow::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app};
use crate::moderation_helpers::{Account, account, audit_rows, public_video};

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn post(app: &TestApp, path: &str, who: &Account, body: Value) -> reqwest::Response {
    call(
        app,
        reqwest::Method::POST,
        path,
        Some(&who.tokens.access),
        Some(body),
    )
    .await
}

async fn public_titles(app: &TestApp) -> Vec<String> {
    let body = json_body(
        call(
            app,
            reqwest::Method::GET,
            "/api/videos?scope=public",
            None,
            None,
        )
        .await,
    )
    .await;
    body["videos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn members_and_moderators_are_refused_what_is_not_theirs() {
    let app = spawn_app().await;
    let member = account(&app, "member", Role::Member).await;
    let moderator = account(&app, "moder", Role::Moderator).await;
    let admin = account(&app, "admin", Role::Admin).await;

    let r = call(
        &app,
        reqwest::Method::GET,
        "/api/moderation/reports",
        Some(&member.tokens.access),
        None,
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(json_body(r).await["error"], "Only moderators can do this.");
    let r = call(
        &app,
        reqwest::Method::GET,
        "/api/moderation/reports",
        Some(&moderator.tokens.access),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);

    // A moderator changing roles: 403, and nothing changes.
    let path = format!("/api/admin/users/{}/role", member.id);
    let r = call(
        &app,
        reqwest::Method::PUT,
        &path,
        Some(&moderator.tokens.access),
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(json_body(r).await["error"], "Only admins can do this.");
    // An admin can; a bad role is a 422 naming the field; one's own role is refused.
    let r = call(
        &app,
        reqwest::Method::PUT,
        &path,
        Some(&admin.tokens.access),
        Some(json!({"role": "root"})),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(json_body(r).await["fields"]["role"].is_string());
    let r = call(
        &app,
        reqwest::Method::PUT,
        &path,
        Some(&admin.tokens.access),
        Some(json!({"role": "moderator"})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["role"], "moderator");
    let own = format!("/api/admin/users/{}/role", admin.id);
    let r = call(
        &app,
        reqwest::Method::PUT,
        &own,
        Some(&admin.tokens.access),
        Some(json!({"role": "member"})),
    )
    .await;
    assert_eq!(r.status(), 403);

    // The promoted member is a moderator at once (no stale cached account).
    let r = call(
        &app,
        reqwest::Method::GET,
        "/api/moderation/reports",
        Some(&member.tokens.access),
        None,
    )
    .await;
    assert_eq!(r.status(), 200);

    // The audit trail says who changed whose role.
    let rows = audit_rows(&app, "user.role.changed", 3).await;
    let by_admin = rows
        .iter()
        .find(|r| r["actor_id"] == json!(admin.id))
        .expect("the admin's change is audited");
    assert_eq!(by_admin["user_id"], json!(member.id));
    assert_eq!(by_admin["from"], "member");
    assert_eq!(by_admin["to"], "moderator");
    assert!(
        rows.iter()
            .any(|r| r["via"] == "cli" && r["actor_id"].is_null())
    );
}

#[tokio::test]
async fn one_open_report_per_viewer_and_the_queue_groups_them() {
    let app = spawn_app().await;
    let owner = account(&app, "owner", Role::Member).await;
    let viewer = account(&app, "viewer", Role::Member).await;
    let other = account(&app, "other", Role::Member).await;
    let moderator = account(&app, "moder", Role::Moderator).await;
    let video = public_video(&app, owner.id, "Signed story").await;
    let path = format!("/api/videos/{video}/reports");

    let r = post(
        &app,
        &path,
        &viewer,
        json!({"reason": "wrong_language", "details": "This is Auslan"}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert!(
        json_body(r).await["message"]
            .as_str()
            .unwrap()
            .starts_with("Report received")
    );
    let r = post(&app, &path, &viewer, json!({"reason": "other"})).await;
    assert_eq!(r.status(), 409, "reporting twice");
    let r = post(&app, &path, &other, json!({"reason": "inaccurate"})).await;
    assert_eq!(r.status(), 201);
    let r = post(&app, &path, &owner, json!({"reason": "other"})).await;
    assert_eq!(r.status(), 403, "one's own video");
    let r = post(&app, &path, &other, json!({"reason": "spam"})).await;
    assert_eq!(r.status(), 422);
    let r = post(&app, &path, &other, json!({})).await;
    assert_eq!(r.status(), 400);
    let r = post(
        &app,
        "/api/videos/99999/reports",
        &other,
        json!({"reason": "other"}),
    )
    .await;
    assert_eq!(r.status(), 404);

    let q = json_body(
        call(
            &app,
            reqwest::Method::GET,
            "/api/moderation/reports",
            Some(&moderator.tokens.access),
            None,
        )
        .await,
    )
    .await;
    let videos = q["videos"].as_array().unwrap();
    assert_eq!(videos.len(), 1, "grouped by video: {q}");
    assert_eq!(videos[0]["owner"], "owner");
    let reasons: Vec<&str> = videos[0]["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["wrong_language", "inaccurate"]);
    assert_eq!(videos[0]["reports"][0]["details"], "This is Auslan");

    // Dismissed: the queue is empty, and the viewer may report again.
    let r = post(
        &app,
        &format!("/api/moderation/videos/{video}/dismiss"),
        &moderator,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let q = json_body(
        call(
            &app,
            reqwest::Method::GET,
            "/api/moderation/reports",
            Some(&moderator.tokens.access),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(q["videos"].as_array().unwrap().len(), 0);
    let r = post(&app, &path, &viewer, json!({"reason": "other"})).await;
    assert_eq!(r.status(), 201);
    let rows = audit_rows(&app, "moderation.action", 1).await;
    assert!(
        rows.iter()
            .any(|r| r["action"] == "dismiss" && r["actor_id"] == json!(moderator.id))
    );
    assert_eq!(audit_rows(&app, "video.reported", 3).await.len(), 3);
}

#[tokio::test]
async fn reports_are_rate_limited() {
    let app = spawn_app().await;
    let owner = account(&app, "owner", Role::Member).await;
    let viewer = account(&app, "viewer", Role::Member).await;
    for n in 0..pinkflow::moderation::REPORTS_PER_WINDOW {
        let video = public_video(&app, owner.id, &format!("Story {n}")).await;
        let r = post(
            &app,
            &format!("/api/videos/{video}/reports"),
            &viewer,
            json!({"reason": "other"}),
        )
        .await;
        assert_eq!(r.status(), 201);
    }
    let video = public_video(&app, owner.id, "One too many").await;
    let r = post(
        &app,
        &format!("/api/videos/{video}/reports"),
        &viewer,
        json!({"reason": "other"}),
    )
    .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_hidden_video_is_gone_for_everyone_but_its_owner_until_restored() {
    let app = spawn_app().await;
    let owner = account(&app, "owner", Role::Member).await;
    let viewer = account(&app, "viewer", Role::Member).await;
    let moderator = account(&app, "moder", Role::Moderator).await;
    let video = public_video(&app, owner.id, "Signed story").await;
    let page = format!("/api/videos/{video}");
    // Seen (and cached) first.
    assert_eq!(public_titles(&app).await, ["Signed story"]);
    assert_eq!(
        call(&app, reqwest::Method::GET, &page, None, None)
            .await
            .status(),
        200
    );

    let hide = format!("/api/moderation/videos/{video}/hide");
    let r = post(&app, &hide, &moderator, json!({})).await;
    assert_eq!(r.status(), 422, "a reason is required");
    let r = post(&app, &hide, &viewer, json!({"reason": "x"})).await;
    assert_eq!(r.status(), 403, "members cannot hide");
    let r = post(
        &app,
        &hide,
        &moderator,
        json!({"reason": "Not the sign language it says"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["hidden"], true);

    assert!(
        public_titles(&app).await.is_empty(),
        "gone from the catalogue"
    );
    assert_eq!(
        call(&app, reqwest::Method::GET, &page, None, None)
            .await
            .status(),
        404
    );
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            &page,
            Some(&viewer.tokens.access),
            None
        )
        .await
        .status(),
        404
    );
    // Moderators still see it (to judge and restore it).
    let seen = call(
        &app,
        reqwest::Method::GET,
        &page,
        Some(&moderator.tokens.access),
        None,
    )
    .await;
    assert_eq!(seen.status(), 200);
    assert_eq!(
        json_body(seen).await["hidden_reason"],
        "Not the sign language it says"
    );
    let mine = json_body(
        call(
            &app,
            reqwest::Method::GET,
            &page,
            Some(&owner.tokens.access),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(mine["hidden_reason"], "Not the sign language it says");

    let r = post(
        &app,
        &format!("/api/moderation/videos/{video}/restore"),
        &moderator,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(public_titles(&app).await, ["Signed story"]);
    let back = json_body(call(&app, reqwest::Method::GET, &page, None, None).await).await;
    assert!(back["hidden_reason"].is_null());
    let rows = audit_rows(&app, "moderation.action", 2).await;
    let hidden = rows.iter().find(|r| r["action"] == "hide").unwrap();
    assert_eq!(hidden["actor_id"], json!(moderator.id));
    assert_eq!(hidden["video_id"], json!(video));
    assert_eq!(hidden["user_id"], json!(owner.id));
    assert!(rows.iter().any(|r| r["action"] == "restore"));
}

#[tokio::test]
async fn a_suspended_account_loses_its_tokens_and_cannot_sign_in_until_lifted() {
    let app = spawn_app().await;
    let owner = account(&app, "owner", Role::Member).await;
    let moderator = account(&app, "moder", Role::Moderator).await;
    let admin = account(&app, "admin", Role::Admin).await;
    let video = public_video(&app, owner.id, "Signed story").await;
    assert_eq!(app.get_user(&owner.tokens.access).await.status(), 200);

    let suspend = format!("/api/moderation/users/{}/suspend", owner.id);
    let r = post(&app, &suspend, &moderator, json!({})).await;
    assert_eq!(r.status(), 422, "a reason is required");
    let r = post(
        &app,
        &format!("/api/moderation/users/{}/suspend", admin.id),
        &moderator,
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(r.status(), 403, "moderators do not suspend admins");
    let r = post(
        &app,
        &format!("/api/moderation/users/{}/suspend", moderator.id),
        &moderator,
        json!({"reason": "x"}),
    )
    .await;
    assert_eq!(r.status(), 403, "nor themselves");
    let r = post(
        &app,
        &suspend,
        &moderator,
        json!({"reason": "Spam uploads"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["suspended"], true);
    assert_eq!(body["suspended_reason"], "Spam uploads");

    // Every token stops working; refreshing fails; signing in is refused (403).
    assert_eq!(app.get_user(&owner.tokens.access).await.status(), 401);
    let r = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": owner.tokens.refresh}),
        )
        .await;
    assert_eq!(r.status(), 401);
    let r = app.login(&owner.email, "password123").await;
    assert_eq!(r.status(), 403);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("suspended")
    );
    // Its videos are hidden.
    assert!(public_titles(&app).await.is_empty());
    assert_eq!(
        call(
            &app,
            reqwest::Method::GET,
            &format!("/api/videos/{video}"),
            None,
            None
        )
        .await
        .status(),
        404
    );

    let r = post(
        &app,
        &format!("/api/moderation/users/{}/unsuspend", owner.id),
        &moderator,
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["suspended"], false);
    // Old tokens stay revoked; a new sign-in works; the videos are back.
    assert_eq!(app.get_user(&owner.tokens.access).await.status(), 401);
    assert_eq!(app.login(&owner.email, "password123").await.status(), 200);
    assert_eq!(public_titles(&app).await, ["Signed story"]);
    let rows = audit_rows(&app, "moderation.action", 2).await;
    assert!(rows.iter().any(|r| r["action"] == "suspend"
        && r["reason"] == "Spam uploads"
        && r["actor_id"] == json!(moderator.id)));
    assert!(rows.iter().any(|r| r["action"] == "unsuspend"));
}
