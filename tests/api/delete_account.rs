//! Deleting an account: the password confirms it; the videos (and their files),
//! captions, ratings, sessions, tokens and queued mail go at once; the audit trail keeps
//! `user.deleted` without the address; the address can register again.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{TestApp, csrf_from, json_body, location, spawn_app};
use crate::video_helpers::{all_stored_files, clip, upload_clip, user_id};

async fn delete_api(app: &TestApp, access: &str, body: serde_json::Value) -> reqwest::Response {
    app.client
        .delete(app.url("/api/auth/user"))
        .bearer_auth(access)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, user: i32) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use pinkflow::db::schema::{mail_outbox, refresh_tokens, videos};
    app.state
        .db
        .run(move |c| {
            Ok((
                videos::table
                    .filter(videos::owner_id.eq(user))
                    .count()
                    .get_result(c)?,
                refresh_tokens::table
                    .filter(refresh_tokens::user_id.eq(user))
                    .count()
                    .get_result(c)?,
                mail_outbox::table
                    .filter(mail_outbox::user_id.eq(Some(user)))
                    .count()
                    .get_result(c)?,
            ))
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_through_the_api_removes_everything_and_frees_the_address() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("leaver").await;
    let id = user_id(&app, &tokens.access).await;
    let path = clip(&app, "leaver.mp4");
    // Queued is enough (PostgreSQL runs no worker in-process): its original is stored.
    upload_clip(&app, &tokens.access, &path, "Goodbye").await;
    assert!(!all_stored_files(&app).is_empty());
    let (videos, tokens_before, mails) = count(&app, id).await;
    assert_eq!((videos, mails), (1, 1));
    assert!(tokens_before >= 1);

    // Refusals change nothing.
    let r = delete_api(&app, &tokens.access, json!({"password": "not-my-password"})).await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        json_body(r).await["fields"]["password"],
        "Your password is wrong"
    );
    assert_eq!(
        delete_api(&app, &tokens.access, json!({})).await.status(),
        400
    );
    assert_eq!(
        delete_api(&app, &tokens.access, json!({"password": 7}))
            .await
            .status(),
        422
    );
    assert_eq!(count(&app, id).await.0, 1);

    let r = delete_api(&app, &tokens.access, json!({"password": "password123"})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["message"], "Account deleted");
    assert_eq!(count(&app, id).await, (0, 0, 0));
    assert!(all_stored_files(&app).is_empty(), "files removed");
    assert_eq!(app.get_user(&tokens.access).await.status(), 401);
    assert_eq!(
        app.login("leaver@example.com", "password123")
            .await
            .status(),
        401
    );

    // The audit trail keeps the event, without the address.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = {
        use diesel::prelude::*;
        use pinkflow::db::schema::audit_log;
        let mut found = Vec::new();
        for _ in 0..40 {
            found = app
                .state
                .db
                .run(move |c| {
                    Ok(audit_log::table
                        .filter(audit_log::event.eq("user.deleted"))
                        .select((audit_log::user_id, audit_log::details))
                        .load::<(Option<i32>, String)>(c)?)
                })
                .await
                .unwrap();
            if !found.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        found
    };
    assert_eq!(rows.len(), 1, "user.deleted is audited");
    assert!(!rows[0].1.contains("leaver"), "{}", rows[0].1);

    // The address can register again.
    assert_eq!(
        app.register("leaver@example.com", "leaver", "password123")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn deleting_through_the_page_needs_the_password_and_signs_out() {
    let app = spawn_app().await;
    app.browser_user("pageleaver").await;
    let html = app.get_html("/account").await;
    assert!(html.contains("href=\"/account/delete\""));
    let html = app.get_html("/account/delete").await;
    assert!(html.contains("cannot be undone"), "{html}");
    let token = csrf_from(&html).unwrap();
    let r = app
        .post_form(
            "/account/delete",
            &[("csrf_token", &token), ("password", "wrong-one")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your password is wrong") && html.contains("error-summary"));
    let r = app
        .post_form(
            "/account/delete",
            &[("csrf_token", &token), ("password", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            "/account/delete",
            &[("csrf_token", &token), ("password", "password123")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    assert!(
        app.get_html("/")
            .await
            .contains("Your account has been deleted.")
    );
    assert_eq!(app.get("/account").await.status(), 303, "signed out");
    assert_eq!(
        app.login("pageleaver@example.com", "password123")
            .await
            .status(),
        401
    );
    // Without a session the page is not there to use.
    let r = app.get("/account/delete").await;
    assert_eq!(r.status(), 303);
}
