//! Changing the email address (issue 13, item 3): the current password is required, a
//! single-use link goes to the new address, the change happens only when it is followed
//! (the new address then counts as confirmed) and the old address gets a notice.
//! Refusals: wrong password, not an address, an address another account has (as
//! registration says), reused, expired or altered links, and an address someone else
//! took meanwhile. Pages and API.

use diesel::prelude::*;
use pinkflow::models::mail as mail_db;
use serde_json::json;

use crate::helpers::{TestApp, csrf_from, json_body, location, spawn_app_with};
use crate::smtp::{link_in, read_messages};

const LINK: &str = "https://pink.example/confirm-email?token=";

/// An app whose mail is written to `outbox` as .eml files.
async fn app(outbox: &tempfile::TempDir) -> TestApp {
    let dir = outbox.path().display().to_string();
    spawn_app_with(move |s| {
        s.insert("MAIL_OUTBOX_DIR".into(), dir);
        s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
        s.insert("RATE_LIMIT_PASSWORD_RESET".into(), "10000/minute".into());
        s.insert("RATE_LIMIT_LOGIN".into(), "10000/minute".into());
    })
    .await
}

async fn mails_to(app: &TestApp, to: &str) -> Vec<mail_db::QueuedMail> {
    let to = to.to_owned();
    app.state
        .db
        .run(move |c| mail_db::for_recipient(c, &to))
        .await
        .unwrap()
}

/// The .eml files written so far for `to` whose subject is `subject`, oldest first
/// (waiting up to 20 s for at least one).
async fn messages_to(outbox: &tempfile::TempDir, to: &str, subject: &str) -> Vec<String> {
    for _ in 0..200 {
        let found: Vec<String> = read_messages(outbox.path())
            .into_iter()
            .filter(|m| {
                m.lines().any(|l| l == format!("To: {to}"))
                    && m.contains(&format!("Subject: {subject}"))
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Vec::new()
}

/// The token of the last change link mailed to `to`.
async fn token_mailed_to(outbox: &tempfile::TempDir, to: &str) -> String {
    let found = messages_to(outbox, to, "Confirm your new email address").await;
    let last = found
        .last()
        .unwrap_or_else(|| panic!("no change link mailed to {to}"));
    link_in(last, LINK)
        .unwrap()
        .trim_start_matches(LINK)
        .to_owned()
}

async fn ask_on_page(app: &TestApp, new_email: &str, password: &str) -> reqwest::Response {
    let token = app.csrf("/account/email").await;
    app.post_form(
        "/account/email",
        &[
            ("csrf_token", &token),
            ("new_email", new_email),
            ("current_password", password),
        ],
    )
    .await
}

async fn ask_api(app: &TestApp, access: &str, body: serde_json::Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/email"))
        .bearer_auth(access)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_mails_a_link_to_the_new_address_and_changes_it_only_when_followed() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(&outbox).await;
    app.browser_user("mover").await;
    let html = app.get_html("/account").await;
    assert!(html.contains("href=\"/account/email\""), "{html}");
    let html = app.get_html("/account/email").await;
    assert!(html.contains("Your email address now is mover@example.com."));
    assert!(html.contains("<label class=\"label\" for=\"new_email\">New email address</label>"));

    let r = ask_on_page(&app, "moved@example.com", "password123").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Check the new inbox"), "{html}");
    assert!(
        html.contains("We sent a link to moved@example.com."),
        "{html}"
    );
    // Nothing changed yet.
    assert!(app.get_html("/account").await.contains("mover@example.com"));
    let token = token_mailed_to(&outbox, "moved@example.com").await;
    assert_eq!(token.len(), 64);
    let mails = mails_to(&app, "moved@example.com").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].kind, "email_change");
    assert_eq!(mails[0].subject, "Confirm your new email address");

    // Opening the link shows a button and changes nothing.
    let page = format!("/confirm-email?token={token}");
    let html = app.get_html(&page).await;
    assert!(
        html.contains("email address will be moved@example.com."),
        "{html}"
    );
    assert!(app.get_html("/account").await.contains("mover@example.com"));
    let csrf = csrf_from(&html).unwrap();
    let r = app
        .post_form(
            "/confirm-email",
            &[("csrf_token", &csrf), ("token", &token)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Your email address is now moved@example.com."),
        "{html}"
    );
    assert!(html.contains("<dd>moved@example.com</dd>"), "{html}");
    assert!(html.contains("Your email address is confirmed."), "{html}");

    // The old address was told, and where the account went.
    let old = mails_to(&app, "mover@example.com").await;
    assert!(old.iter().any(|m| m.kind == "email_changed"), "{old:?}");
    let notice = messages_to(
        &outbox,
        "mover@example.com",
        "Your email address was changed",
    )
    .await;
    assert_eq!(notice.len(), 1);
    assert!(
        notice[0].contains("Your PinkFlow account now uses moved@example.com."),
        "{}",
        notice[0]
    );

    // The link is used up; an altered one never worked.
    assert_eq!(app.get(&page).await.status(), 400);
    let r = app
        .post_form(
            "/confirm-email",
            &[("csrf_token", &csrf), ("token", &token)],
        )
        .await;
    assert_eq!(r.status(), 400);
    let mut altered = token.clone();
    altered.replace_range(0..1, if token.starts_with('0') { "1" } else { "0" });
    assert_eq!(
        app.get(&format!("/confirm-email?token={altered}"))
            .await
            .status(),
        400
    );
    // Signing in takes the new address, not the old one.
    app.browser_logout().await;
    assert_eq!(
        app.browser_login("mover@example.com", "password123")
            .await
            .status(),
        422
    );
    assert_eq!(
        app.browser_login("moved@example.com", "password123")
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn the_page_refuses_a_wrong_password_a_bad_address_its_own_and_a_taken_one() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(&outbox).await;
    app.register("taken@example.com", "taker", "password123")
        .await;
    app.browser_user("refused").await;
    let cases = [
        (
            "new@example.com",
            "wrong-password",
            "Your current password is wrong",
            "current_password",
        ),
        ("not an address", "password123", "", "new_email"),
        (
            "",
            "password123",
            "Enter your new email address",
            "new_email",
        ),
        (
            "refused@example.com",
            "password123",
            "This is already your email address",
            "new_email",
        ),
        (
            "TAKEN@example.com",
            "password123",
            "Email already registered",
            "new_email",
        ),
    ];
    for (email, password, message, field) in cases {
        let r = ask_on_page(&app, email, password).await;
        assert_eq!(r.status(), 422, "{email} / {password}");
        let html = r.text().await.unwrap();
        assert!(html.contains("class=\"error-summary\""), "{html}");
        assert!(html.contains(&format!("href=\"#{field}\"")), "{html}");
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{html}");
        assert!(html.contains(message), "{message}: {html}");
    }
    assert!(mails_to(&app, "new@example.com").await.is_empty());
    // Without the CSRF token: refused before anything is looked at.
    let r = app
        .post_form(
            "/account/email",
            &[
                ("new_email", "x@example.com"),
                ("current_password", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Signed out: the form is not there.
    app.browser_logout().await;
    assert_eq!(app.get("/account/email").await.status(), 303);
}

#[tokio::test]
async fn the_api_changes_the_address_through_the_link_and_refuses_as_documented() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(&outbox).await;
    app.register("someone@example.com", "someone", "password123")
        .await;
    let tokens = app.signed_in_user("apimover").await;
    let r = ask_api(
        &app,
        &tokens.access,
        json!({"new_email": "api.moved@example.com", "current_password": "nope-nope"}),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        json_body(r).await["fields"]["current_password"],
        "Your current password is wrong"
    );
    let r = ask_api(
        &app,
        &tokens.access,
        json!({"new_email": "nope", "current_password": "password123"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(json_body(r).await["fields"]["new_email"].is_string());
    let r = ask_api(&app, &tokens.access, json!({"new_email": "a@example.com"})).await;
    assert_eq!(r.status(), 400);
    let r = ask_api(
        &app,
        &tokens.access,
        json!({"new_email": "someone@example.com", "current_password": "password123"}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(json_body(r).await["error"], "Email already registered");
    let r = app
        .post_json(
            "/api/auth/email",
            &json!({"new_email": "x@example.com", "current_password": "password123"}),
        )
        .await;
    assert_eq!(r.status(), 401);

    let r = ask_api(
        &app,
        &tokens.access,
        json!({"new_email": "Api.Moved@example.com", "current_password": "password123"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email"], "apimover@example.com");
    let token = token_mailed_to(&outbox, "api.moved@example.com").await;
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["message"], "Email address changed");
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email"], "api.moved@example.com");
    assert_eq!(user["email_verified"], true);
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 404, "used up");
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": "abc"}))
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        app.login("api.moved@example.com", "password123")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login("apimover@example.com", "password123")
            .await
            .status(),
        401
    );
    // The old address can register again.
    assert_eq!(
        app.register("apimover@example.com", "newcomer", "password123")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn an_expired_link_and_a_newer_request_leave_the_address_alone() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(&outbox).await;
    let tokens = app.signed_in_user("slow").await;
    let ask = |email: &'static str| {
        ask_api(
            &app,
            &tokens.access,
            json!({"new_email": email, "current_password": "password123"}),
        )
    };
    assert_eq!(ask("first@example.com").await.status(), 202);
    let first = token_mailed_to(&outbox, "first@example.com").await;
    assert_eq!(ask("second@example.com").await.status(), 202);
    let second = token_mailed_to(&outbox, "second@example.com").await;
    // A newer request retires the older link.
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": first}))
        .await;
    assert_eq!(r.status(), 404);
    // Expire the newer one.
    app.state
        .db
        .run(|c| {
            use pinkflow::db::schema::account_tokens::dsl::*;
            let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
            diesel::update(account_tokens.filter(purpose.eq("email_change")))
                .set(expires_at.eq(past))
                .execute(c)
                .map_err(pinkflow::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/confirm-email?token={second}"))
            .await
            .status(),
        400
    );
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": second}))
        .await;
    assert_eq!(r.status(), 404);
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email"], "slow@example.com");
}

#[tokio::test]
async fn an_address_someone_else_took_meanwhile_is_refused_when_the_link_is_followed() {
    let outbox = tempfile::tempdir().unwrap();
    let app = app(&outbox).await;
    let tokens = app.signed_in_user("late").await;
    let r = ask_api(
        &app,
        &tokens.access,
        json!({"new_email": "contested@example.com", "current_password": "password123"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let token = token_mailed_to(&outbox, "contested@example.com").await;
    assert_eq!(
        app.register("contested@example.com", "quicker", "password123")
            .await
            .status(),
        201
    );
    // The page says so (409) and changes nothing; the link is used up.
    let html = app.get_html(&format!("/confirm-email?token={token}")).await;
    let csrf = csrf_from(&html).unwrap();
    let r = app
        .post_form(
            "/confirm-email",
            &[("csrf_token", &csrf), ("token", &token)],
        )
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your email address did not change"), "{html}");
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(user["email"], "late@example.com");
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 404);
    // Through the API the same refusal is a 409.
    let r = ask_api(
        &app,
        &tokens.access,
        json!({"new_email": "free@example.com", "current_password": "password123"}),
    )
    .await;
    assert_eq!(r.status(), 202);
    let token = token_mailed_to(&outbox, "free@example.com").await;
    assert_eq!(
        app.register("free@example.com", "quickest", "password123")
            .await
            .status(),
        201
    );
    let r = app
        .post_json("/api/auth/email/confirm", &json!({"token": token}))
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(json_body(r).await["error"], "Email already registered");
}
