//! Passwords people manage themselves: registering signs in; changing the password
//! (current one required) ends every other browser session and API sign-in but keeps
//! this one, and mails a notice; a forgotten password is reset through a single-use,
//! 30-minute link whose request looks the same for known and unknown addresses.

use std::time::{Duration, Instant};

use pinkflow::models::mail as mail_db;
use serde_json::json;

use crate::helpers::{TestApp, csrf_from, json_body, location, spawn_app, spawn_app_with};
use crate::smtp::{link_in, read_messages, wait_for_messages};

fn outbox_settings(
    dir: &std::path::Path,
) -> impl FnOnce(&mut std::collections::HashMap<String, String>) {
    let dir = dir.display().to_string();
    move |s| {
        s.insert("MAIL_OUTBOX_DIR".into(), dir);
        s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
        s.insert("RATE_LIMIT_PASSWORD_RESET".into(), "10000/minute".into());
    }
}

/// A second browser of the same person.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn sign_in_with(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> u16 {
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&html).unwrap();
    client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn account_status(app: &TestApp, client: &reqwest::Client) -> u16 {
    client
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn mails_to(app: &TestApp, to: &str) -> Vec<mail_db::QueuedMail> {
    let to = to.to_owned();
    app.state
        .db
        .run(move |c| mail_db::for_recipient(c, &to))
        .await
        .unwrap()
}

async fn change_password(app: &TestApp, current: &str, new: &str) -> reqwest::Response {
    let token = app.csrf("/account/password").await;
    app.post_form(
        "/account/password",
        &[
            ("csrf_token", &token),
            ("current_password", current),
            ("new_password", new),
        ],
    )
    .await
}

#[tokio::test]
async fn registering_through_the_page_signs_in() {
    let app = spawn_app().await;
    let r = app.browser_register_signed_in("newcomer").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let html = app.get_html("/account").await;
    assert!(html.contains("newcomer@example.com"), "{html}");
    assert!(html.contains("You are signed in"));
    assert!(html.contains("href=\"/account/password\""));
    // The API keeps its contract: 201 with the user, no session.
    let r = app
        .register("api@example.com", "apiuser", "password123")
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(json_body(r).await["user"]["email"], "api@example.com");
}

#[tokio::test]
async fn changing_the_password_signs_out_everywhere_else_keeps_this_browser_and_mails_a_notice() {
    let outbox = tempfile::tempdir().unwrap();
    let app = spawn_app_with(outbox_settings(outbox.path())).await;
    app.browser_register_signed_in("changer").await;
    let other = browser();
    assert_eq!(
        sign_in_with(&app, &other, "changer@example.com", "password123").await,
        303
    );
    assert_eq!(account_status(&app, &other).await, 200);
    let api: serde_json::Value =
        json_body(app.login("changer@example.com", "password123").await).await;
    let access = api["access_token"].as_str().unwrap().to_owned();
    let refresh = api["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_user(&access).await.status(), 200);

    // Refusals change nothing.
    let r = change_password(&app, "wrong-password", "brand new pass").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your current password is wrong"), "{html}");
    assert!(html.contains("<title>Error:"), "{html}");
    assert!(
        html.contains("href=\"#current_password\""),
        "error summary links the field"
    );
    let r = change_password(&app, "password123", "short").await;
    assert_eq!(r.status(), 422);
    let r = change_password(&app, "", "").await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Enter your current password") && html.contains("Enter a new password"));
    assert_eq!(
        account_status(&app, &other).await,
        200,
        "nothing revoked yet"
    );

    let r = change_password(&app, "password123", "brand new pass").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Your password has been changed"),
        "this browser carries on: {html}"
    );
    assert_eq!(
        account_status(&app, &other).await,
        303,
        "the other browser is signed out"
    );
    assert_eq!(
        app.get_user(&access).await.status(),
        401,
        "API sign-ins are revoked"
    );
    let r = app
        .post_json("/api/auth/refresh", &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        app.login("changer@example.com", "password123")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login("changer@example.com", "brand new pass")
            .await
            .status(),
        200
    );

    let kinds: Vec<String> = mails_to(&app, "changer@example.com")
        .await
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert_eq!(kinds, ["verify_email", "password_changed"]);
    let files = wait_for_messages(outbox.path(), 2, Duration::from_secs(20)).await;
    assert!(
        files
            .iter()
            .any(|m| m.contains("Subject: Your password was changed")),
        "{files:?}"
    );
}

#[tokio::test]
async fn the_change_password_page_needs_a_session_and_a_csrf_token() {
    let app = spawn_app().await;
    let r = app.get("/account/password").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="));
    app.browser_register_signed_in("csrfcheck").await;
    let r = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "password123"),
                ("new_password", "brand new pass"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.login("csrfcheck@example.com", "password123")
            .await
            .status(),
        200
    );
}

async fn ask_for_reset(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
) -> (u16, String, Duration) {
    let html = client
        .get(app.url("/forgot-password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&html).unwrap();
    let started = Instant::now();
    let r = client
        .post(app.url("/forgot-password"))
        .form(&[("csrf_token", token.as_str()), ("email", email)])
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap(), took)
}

/// The link of the `n`-th reset mail in the outbox (other mail, such as the address
/// confirmation sent at registration, is skipped).
async fn reset_link(app: &TestApp, outbox: &std::path::Path, n: usize) -> String {
    let _ = app;
    let prefix = "https://pink.example/reset-password?token=";
    let started = Instant::now();
    loop {
        let links: Vec<String> = read_messages(outbox)
            .iter()
            .filter_map(|m| link_in(m, prefix))
            .collect();
        if links.len() >= n {
            assert_eq!(links.len(), n, "reset mails in the outbox");
            return links[n - 1].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no reset mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn path_of(link: &str) -> String {
    link.trim_start_matches("https://pink.example").to_owned()
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_with_the_mailed_link_and_every_sign_in_ends() {
    let outbox = tempfile::tempdir().unwrap();
    let app = spawn_app_with(outbox_settings(outbox.path())).await;
    app.browser_register("forgetful").await;
    let other = browser();
    assert_eq!(
        sign_in_with(&app, &other, "forgetful@example.com", "password123").await,
        303
    );
    let api: serde_json::Value =
        json_body(app.login("forgetful@example.com", "password123").await).await;
    let access = api["access_token"].as_str().unwrap().to_owned();

    let visitor = browser();
    let (status, html, _) = ask_for_reset(&app, &visitor, "Forgetful@Example.com").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Check your email") && html.contains("30 minutes"),
        "{html}"
    );
    let link = reset_link(&app, outbox.path(), 1).await;
    let token = link.rsplit('=').next().unwrap().to_owned();
    assert_eq!(token.len(), 64, "256 bits as hex");
    // Stored only as a hash.
    let stored: Vec<String> = {
        use diesel::prelude::*;
        use pinkflow::db::schema::account_tokens;
        app.state
            .db
            .run(|c| {
                Ok(account_tokens::table
                    .filter(account_tokens::purpose.eq("password_reset"))
                    .select(account_tokens::token_hash)
                    .load(c)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    // An altered token is refused.
    let mut altered = token.clone();
    let last = if altered.ends_with('0') { "1" } else { "0" };
    altered.replace_range(63.., last);
    let r = visitor
        .get(app.url(&format!("/reset-password?token={altered}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("This link does not work"));
    for junk in ["", "?token=", "?token=zz", "?token=%00%ff"] {
        let r = visitor
            .get(app.url(&format!("/reset-password{junk}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{junk}");
    }

    let html = visitor
        .get(app.url(&path_of(&link)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Choose a new password"), "{html}");
    let csrf = csrf_from(&html).unwrap();
    // Too short: refused, the link still works.
    let r = visitor
        .post(app.url("/reset-password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("new_password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = visitor
        .post(app.url("/reset-password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("new_password", "remembered now"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    assert_eq!(
        account_status(&app, &other).await,
        303,
        "browser sessions end"
    );
    assert_eq!(
        app.get_user(&access).await.status(),
        401,
        "API sign-ins end"
    );
    assert_eq!(
        app.login("forgetful@example.com", "remembered now")
            .await
            .status(),
        200
    );

    // Single use: the same link again is refused and changes nothing.
    let r = visitor.get(app.url(&path_of(&link))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let csrf = csrf_from(
        &visitor
            .get(app.url("/forgot-password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let r = visitor
        .post(app.url("/reset-password"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("token", token.as_str()),
            ("new_password", "someone else"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.login("forgetful@example.com", "remembered now")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let outbox = tempfile::tempdir().unwrap();
    let app = spawn_app_with(|s| {
        outbox_settings(outbox.path())(s);
        s.insert("PASSWORD_RESET_TTL".into(), "1s".into());
    })
    .await;
    app.browser_register("slowpoke").await;
    let visitor = browser();
    ask_for_reset(&app, &visitor, "slowpoke@example.com").await;
    let link = reset_link(&app, outbox.path(), 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = visitor.get(app.url(&path_of(&link))).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        app.login("slowpoke@example.com", "password123")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn asking_for_a_reset_looks_the_same_for_known_and_unknown_addresses() {
    let outbox = tempfile::tempdir().unwrap();
    let app = spawn_app_with(outbox_settings(outbox.path())).await;
    app.browser_register("known").await;
    let visitor = browser();
    // Warm up (the first bcrypt dummy hash, connections).
    ask_for_reset(&app, &visitor, "warm@example.com").await;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    let mut bodies = std::collections::HashSet::new();
    for i in 0..12 {
        // Each address within its own per-address limit.
        let (s1, b1, t1) = ask_for_reset(&app, &visitor, "known@example.com").await;
        let (s2, b2, t2) = ask_for_reset(&app, &visitor, &format!("nobody{i}@example.com")).await;
        assert_eq!((s1, s2), (200, 200));
        // The page is the same but for the CSRF-free parts: compare without tokens.
        bodies.insert(strip_tokens(&b1));
        bodies.insert(strip_tokens(&b2));
        known.push(t1);
        unknown.push(t2);
    }
    assert_eq!(bodies.len(), 1, "one body for known and unknown addresses");
    known.sort();
    unknown.sort();
    let (mk, mu) = (known[known.len() / 2], unknown[unknown.len() / 2]);
    let diff = mk.abs_diff(mu);
    assert!(
        diff < Duration::from_millis(25) || diff < mk.max(mu) / 3,
        "median times differ: known {mk:?}, unknown {mu:?}"
    );
    // Only the known address got mail, and only up to its per-address limit (3 an hour).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let files: Vec<String> = read_messages(outbox.path())
        .into_iter()
        .filter(|m| m.contains("reset-password?token="))
        .collect();
    assert_eq!(files.len(), 3, "per-address limit");
    assert!(files.iter().all(|m| m.contains("To: known@example.com")));
}

/// A page without its per-response secrets (CSRF tokens, nonces).
fn strip_tokens(html: &str) -> String {
    html.split('"')
        .filter(|part| {
            !(part.len() >= 32
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.=+/".contains(c)))
        })
        .collect::<Vec<_>>()
        .join("\"")
}

#[tokio::test]
async fn forgotten_password_requests_are_limited_per_client() {
    let app = spawn_app_with(|s| {
        s.insert("RATE_LIMIT_PASSWORD_RESET".into(), "2/hour".into());
    })
    .await;
    let visitor = browser();
    let mut statuses = Vec::new();
    for i in 0..4 {
        statuses.push(
            ask_for_reset(&app, &visitor, &format!("x{i}@example.com"))
                .await
                .0,
        );
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    // A malformed address is a form error, not a reset.
    let app = spawn_app().await;
    let (status, html, _) = ask_for_reset(&app, &browser(), "not-an-address").await;
    assert_eq!(status, 422);
    assert!(html.contains("error-summary"), "{html}");
}
