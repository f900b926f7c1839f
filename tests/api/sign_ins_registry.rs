//! The sign-in registry behind "where you are signed in": a password change and a reset
//! clear it (but for the browser asking, after a change), and "last seen" is written at
//! most once a minute per session, by whichever instance sees it first.

use std::time::Duration;

use diesel::prelude::*;

use crate::helpers::{TestApp, csrf_from, json_body, spawn_app_with, spawn_peer};
use crate::sign_ins::{CHROME, FIREFOX, api_sign_in, app, browser, sign_in, sign_out_ids, status};
use crate::smtp::{link_in, read_messages};

#[tokio::test]
async fn password_change_and_reset_clear_the_other_sign_ins_from_the_list() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().display().to_string();
    let app = spawn_app_with(move |s| {
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
        s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
        s.insert("MAIL_OUTBOX_DIR".into(), dir);
    })
    .await;
    app.browser_user("clearer").await;
    let firefox = browser(FIREFOX);
    sign_in(&app, &firefox, "clearer@example.com").await;
    api_sign_in(&app, "clearer@example.com", CHROME).await;
    assert_eq!(
        sign_out_ids(&app.get_html("/account/sessions").await).len(),
        2
    );
    let csrf = app.csrf("/account/password").await;
    let r = app
        .post_form(
            "/account/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", "password123"),
                ("new_password", "password456"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = app.get_html("/account/sessions").await;
    assert!(
        html.contains("You are not signed in anywhere else."),
        "{html}"
    );
    assert_eq!(html.matches("This browser").count(), 1);
    assert_eq!(status(&app, &firefox, "/account").await, 303);

    // A reset ends every sign-in, this browser's too, and the list starts afresh.
    let csrf = app.csrf("/forgot-password").await;
    app.post_form(
        "/forgot-password",
        &[("csrf_token", &csrf), ("email", "clearer@example.com")],
    )
    .await;
    let link = wait_for_reset_link(&outbox).await;
    let html = app.get_html(&link).await;
    let csrf = csrf_from(&html).unwrap();
    let token = link.rsplit('=').next().unwrap().to_owned();
    let r = app
        .post_form(
            "/reset-password",
            &[
                ("csrf_token", &csrf),
                ("token", &token),
                ("new_password", "password789"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let user_id = app
        .state
        .db
        .run(|c| pinkflow::models::user::find_by_email(c, "clearer@example.com"))
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(rows_of(&app, user_id).await.len(), 0);
}

/// The reset link in the outbox (the mails there: confirmation, password changed, reset).
async fn wait_for_reset_link(outbox: &tempfile::TempDir) -> String {
    const PREFIX: &str = "https://pink.example/reset-password?token=";
    for _ in 0..200 {
        if let Some(link) = read_messages(outbox.path())
            .iter()
            .find_map(|m| link_in(m, PREFIX))
        {
            return link.trim_start_matches("https://pink.example").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no reset link mailed");
}

async fn rows_of(app: &TestApp, account: i32) -> Vec<pinkflow::models::sign_in::SignIn> {
    app.state
        .db
        .run(move |c| {
            use pinkflow::db::schema::sign_ins::dsl::*;
            sign_ins
                .filter(user_id.eq(account))
                .select(pinkflow::models::sign_in::SignIn::as_select())
                .load(c)
                .map_err(pinkflow::db::DbError::from)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn last_seen_is_written_at_most_once_a_minute_per_session() {
    let app = app().await;
    let peer = spawn_peer(&app, &["PUBLIC_URL"]).await;
    app.browser_user("seen").await;
    assert_eq!(status(&app, &app.client, "/account").await, 200);
    let account = json_body(app.login("seen@example.com", "password123").await).await["user"]["id"]
        .as_i64()
        .unwrap() as i32;
    let browser_row = |rows: Vec<pinkflow::models::sign_in::SignIn>| {
        rows.into_iter().find(|r| r.kind == "browser").unwrap()
    };
    // Seen a few minutes ago, as far as the database knows.
    let long_ago = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - 300, 0)
        .unwrap()
        .naive_utc();
    app.state
        .db
        .run(move |c| {
            use pinkflow::db::schema::sign_ins::dsl::*;
            diesel::update(sign_ins.filter(user_id.eq(account)))
                .set(last_seen_at.eq(long_ago))
                .execute(c)
                .map_err(pinkflow::db::DbError::from)
        })
        .await
        .unwrap();
    // This instance wrote "last seen" at sign-in less than a minute ago: more requests
    // here write nothing.
    for _ in 0..5 {
        assert_eq!(status(&app, &app.client, "/account").await, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        browser_row(rows_of(&app, account).await).last_seen_at,
        long_ago
    );
    // The other instance has not written it within the minute: its first request does.
    assert_eq!(status(&peer, &app.client, "/account").await, 200);
    let mut seen = long_ago;
    for _ in 0..50 {
        seen = browser_row(rows_of(&app, account).await).last_seen_at;
        if seen != long_ago {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        seen > long_ago + chrono::Duration::minutes(4),
        "{seen} {long_ago}"
    );
    // And then not again for a minute, there either.
    for _ in 0..3 {
        assert_eq!(status(&peer, &app.client, "/account").await, 200);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(browser_row(rows_of(&app, account).await).last_seen_at, seen);
}

#[tokio::test]
async fn deleting_the_account_takes_its_sign_ins_with_it() {
    let app = app().await;
    app.browser_user("leaver").await;
    let firefox = browser(FIREFOX);
    sign_in(&app, &firefox, "leaver@example.com").await;
    let (access, _) = api_sign_in(&app, "leaver@example.com", CHROME).await;
    let account = json_body(app.get_user(&access).await).await["id"]
        .as_i64()
        .unwrap() as i32;
    assert_eq!(rows_of(&app, account).await.len(), 3);
    let r = app
        .client
        .delete(app.url("/api/auth/user"))
        .bearer_auth(&access)
        .json(&serde_json::json!({"password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(rows_of(&app, account).await.is_empty());
    assert_eq!(status(&app, &firefox, "/account").await, 303);
    assert_eq!(status(&app, &app.client, "/account").await, 303);
}
