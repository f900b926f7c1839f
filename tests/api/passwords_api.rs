//! The password endpoints of the JSON API: change (current password required; other
//! sign-ins end, this one carries on), forgotten (202 alike for any address) and reset
//! (single use), with their JSON refusals.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, json_body, spawn_app_with};
use crate::smtp::{link_in, wait_for_messages};

async fn app_with_outbox(dir: &std::path::Path) -> TestApp {
    let dir = dir.display().to_string();
    spawn_app_with(move |s| {
        s.insert("MAIL_OUTBOX_DIR".into(), dir);
        s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
        s.insert("RATE_LIMIT_PASSWORD_RESET".into(), "10000/minute".into());
    })
    .await
}

async fn post_bearer(
    app: &TestApp,
    path: &str,
    access: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(access)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn changing_the_password_keeps_this_sign_in_and_ends_the_others() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app_with_outbox(outbox.path()).await;
    let this = app.signed_in_user("apichanger").await;
    let other = json_body(app.login("apichanger@example.com", "password123").await).await;
    let other_access = other["access_token"].as_str().unwrap().to_owned();

    let r = post_bearer(
        &app,
        "/api/auth/password",
        &this.access,
        &json!({"current_password": "nope-nope", "new_password": "brand new pass"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    let body = json_body(r).await;
    assert_eq!(
        body["fields"]["current_password"],
        "Your current password is wrong"
    );
    let r = post_bearer(
        &app,
        "/api/auth/password",
        &this.access,
        &json!({"current_password": "password123", "new_password": "short"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(json_body(r).await["fields"]["new_password"].is_string());
    let r = post_bearer(
        &app,
        "/api/auth/password",
        &this.access,
        &json!({"current_password": "password123"}),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = post_bearer(
        &app,
        "/api/auth/password",
        &this.access,
        &json!({"current_password": 5, "new_password": []}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post_bearer(
        &app,
        "/api/auth/password",
        &this.access,
        &json!(["not an object"]),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = app
        .post_json(
            "/api/auth/password",
            &json!({"current_password": "password123", "new_password": "brand new pass"}),
        )
        .await;
    assert_eq!(r.status(), 401, "needs a bearer token");
    assert_eq!(
        app.get_user(&other_access).await.status(),
        200,
        "nothing changed yet"
    );

    let r = post_bearer(
        &app,
        "/api/auth/password",
        &this.access,
        &json!({"current_password": "password123", "new_password": "brand new pass"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["message"], "Password changed");
    assert_eq!(
        app.get_user(&this.access).await.status(),
        200,
        "this sign-in carries on"
    );
    let r = app
        .post_json("/api/auth/refresh", &json!({"refresh_token": this.refresh}))
        .await;
    assert_eq!(r.status(), 200, "and can still refresh");
    assert_eq!(
        app.get_user(&other_access).await.status(),
        401,
        "the other sign-in ends"
    );
    assert_eq!(
        app.login("apichanger@example.com", "brand new pass")
            .await
            .status(),
        200
    );
    let files = wait_for_messages(outbox.path(), 2, Duration::from_secs(20)).await;
    assert!(
        files
            .iter()
            .any(|m| m.contains("Your password was changed"))
    );
}

#[tokio::test]
async fn a_reset_through_the_api_answers_alike_uses_the_link_once_and_ends_every_sign_in() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app_with_outbox(outbox.path()).await;
    let tokens = app.signed_in_user("apireset").await;

    let known = app
        .post_json(
            "/api/auth/password/forgot",
            &json!({"email": "apireset@example.com"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/api/auth/password/forgot",
            &json!({"email": "ghost@example.com"}),
        )
        .await;
    assert_eq!(
        (known.status().as_u16(), unknown.status().as_u16()),
        (202, 202)
    );
    assert_eq!(json_body(known).await, json_body(unknown).await);
    let r = app
        .post_json(
            "/api/auth/password/forgot",
            &json!({"email": "not an address"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app.post_json("/api/auth/password/forgot", &json!({})).await;
    assert_eq!(r.status(), 400);

    // The confirmation mailed at registration, then the one reset link: only the
    // known address gets one.
    wait_for_messages(outbox.path(), 2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let files: Vec<String> = crate::smtp::read_messages(outbox.path())
        .into_iter()
        .filter(|m| m.contains("reset-password?token="))
        .collect();
    assert_eq!(files.len(), 1, "only the known address gets mail");
    let link = link_in(&files[0], "https://pink.example/reset-password?token=").unwrap();
    let token = link.rsplit('=').next().unwrap().to_owned();

    let r = app
        .post_json(
            "/api/auth/password/reset",
            &json!({"token": "0".repeat(64), "new_password": "brand new pass"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("link does not work")
    );
    let r = app
        .post_json(
            "/api/auth/password/reset",
            &json!({"token": "short", "new_password": "brand new pass"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post_json(
            "/api/auth/password/reset",
            &json!({"token": token, "new_password": "short"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_json(
            "/api/auth/password/reset",
            &json!({"token": token, "new_password": "brand new pass"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get_user(&tokens.access).await.status(),
        401,
        "every sign-in ends"
    );
    let r = app
        .post_json(
            "/api/auth/password/reset",
            &json!({"token": token, "new_password": "another one!"}),
        )
        .await;
    assert_eq!(r.status(), 404, "single use");
    assert_eq!(
        app.login("apireset@example.com", "brand new pass")
            .await
            .status(),
        200
    );
}
