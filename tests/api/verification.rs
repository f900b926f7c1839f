//! Confirming the email address: a link is mailed at registration (API and page), the
//! account shows whether the address is confirmed, the link works once (after a button
//! press on the page), a new link retires the old one, and `REQUIRE_VERIFIED_EMAIL`
//! keeps unconfirmed accounts from uploading.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, csrf_from, json_body, location, spawn_app_with};
use crate::smtp::{link_in, wait_for_messages};

async fn app_with_outbox(dir: &std::path::Path, require: bool) -> TestApp {
    let dir = dir.display().to_string();
    spawn_app_with(move |s| {
        s.insert("MAIL_OUTBOX_DIR".into(), dir);
        s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
        s.insert("RATE_LIMIT_PASSWORD_RESET".into(), "10000/minute".into());
        if require {
            s.insert("REQUIRE_VERIFIED_EMAIL".into(), "true".into());
        }
    })
    .await
}

async fn nth_link(dir: &std::path::Path, n: usize) -> String {
    let files = wait_for_messages(dir, n, Duration::from_secs(20)).await;
    assert_eq!(files.len(), n);
    let link = link_in(&files[n - 1], "https://pink.example/verify-email?token=").unwrap();
    link.trim_start_matches("https://pink.example").to_owned()
}

#[tokio::test]
async fn the_link_mailed_at_registration_confirms_the_address_once() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app_with_outbox(outbox.path(), false).await;
    let tokens = app.signed_in_user("confirmer").await;
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email_verified"], false);
    let path = nth_link(outbox.path(), 1).await;
    let files = wait_for_messages(outbox.path(), 1, Duration::from_secs(1)).await;
    assert!(files[0].contains("Subject: Confirm your email address"));

    // Opening the link changes nothing until the button is pressed.
    let html = app.get_html(&path).await;
    assert!(html.contains("Confirm my email address"), "{html}");
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email_verified"], false);
    let csrf = csrf_from(&html).unwrap();
    let token = path.rsplit('=').next().unwrap().to_owned();
    let r = app
        .post_form("/verify-email", &[("csrf_token", &csrf), ("token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email_verified"], true);
    // Used up.
    assert_eq!(app.get(&path).await.status(), 400);
    let r = app
        .post_json("/api/auth/email/verify", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post_json("/api/auth/email/verify", &json!({"token": "x"}))
        .await;
    assert_eq!(r.status(), 404);
    let r = app.post_json("/api/auth/email/verify", &json!({})).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn the_account_page_shows_the_state_and_a_new_link_retires_the_old_one() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app_with_outbox(outbox.path(), false).await;
    app.browser_user("pagey").await;
    let first = nth_link(outbox.path(), 1).await;
    let html = app.get_html("/account").await;
    assert!(html.contains("not confirmed yet"), "{html}");
    let csrf = csrf_from(&html).unwrap();
    let r = app
        .post_form("/account/verify-email", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let second = nth_link(outbox.path(), 2).await;
    assert_ne!(first, second);
    assert_eq!(
        app.get(&first).await.status(),
        400,
        "the old link is retired"
    );
    let token = second.rsplit('=').next().unwrap().to_owned();
    let r = app
        .post_json("/api/auth/email/verify", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 200);
    let html = app.get_html("/account").await;
    assert!(html.contains("Your email address is confirmed."), "{html}");
}

#[tokio::test]
async fn uploads_wait_for_a_confirmed_address_when_the_setting_requires_it() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app_with_outbox(outbox.path(), true).await;
    let tokens = app.signed_in_user("uploader").await;
    let upload = || {
        let form = reqwest::multipart::Form::new().text("title", "Hello");
        app.client
            .post(app.url("/api/videos"))
            .bearer_auth(&tokens.access)
            .multipart(form)
            .send()
    };
    let r = upload().await.unwrap();
    assert_eq!(r.status(), 403);
    let body = json_body(r).await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Confirm your email address"),
        "{body}"
    );
    let r = app
        .client
        .post(app.url("/api/auth/email/verify/resend"))
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let path = nth_link(outbox.path(), 2).await;
    let token = path.rsplit('=').next().unwrap().to_owned();
    let r = app
        .post_json("/api/auth/email/verify", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 200);
    let r = upload().await.unwrap();
    assert_ne!(
        r.status(),
        403,
        "confirmed: the upload is judged on its content now"
    );
    assert!(r.status().is_client_error(), "{}", r.status());
}
