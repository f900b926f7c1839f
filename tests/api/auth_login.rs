//! `POST /api/auth/login`: tokens for the right credentials, the same answer for every
//! wrong one.

use std::time::Instant;

use serde_json::json;

use crate::helpers::{json_body, spawn_app};

#[tokio::test]
async fn login_returns_tokens_user_and_preferences() {
    let app = spawn_app().await;
    app.register("test@example.com", "regularuser", "testpassword")
        .await;
    let r = app.login("Test@Example.com", "testpassword").await;
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert!(body["access_token"].as_str().unwrap().len() > 20);
    assert!(body["refresh_token"].as_str().unwrap().len() > 20);
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["user"]["email"], "test@example.com");
    let prefs = &body["user"]["accessibility_preferences"];
    assert_eq!(prefs["visual_density"], 3);
    assert_eq!(prefs["reading_level"], 3);
    assert_eq!(prefs["motion_sensitivity"], false);
    assert_eq!(prefs["color_contrast"], "normal");
    assert_eq!(prefs["preferred_sign_language"], "ASL");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_fail_identically() {
    let app = spawn_app().await;
    app.register("known@example.com", "known", "testpassword")
        .await;

    let unknown = app.login("nonexistent@example.com", "wrongpassword").await;
    let wrong = app.login("known@example.com", "wrongpassword").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.status(), 401);
    let (a, b) = (json_body(unknown).await, json_body(wrong).await);
    assert_eq!(a, b);
    assert_eq!(a, json!({"error": "Invalid credentials"}));
}

#[tokio::test]
async fn unknown_email_costs_a_bcrypt_verification_too() {
    // Cost 10 makes a verification take tens of milliseconds: an unknown email answered
    // without one would return many times faster than a wrong password.
    let app = crate::helpers::spawn_app_with(|s| {
        s.insert("BCRYPT_COST".into(), "10".into());
    })
    .await;
    app.register("known@example.com", "known", "testpassword")
        .await;
    app.login("warmup@example.com", "x").await; // creates the dummy hash
    let mut unknown = Vec::new();
    let mut wrong = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        assert_eq!(
            app.login("nobody@example.com", "wrongpassword")
                .await
                .status(),
            401
        );
        unknown.push(t.elapsed());
        let t = Instant::now();
        assert_eq!(
            app.login("known@example.com", "wrongpassword")
                .await
                .status(),
            401
        );
        wrong.push(t.elapsed());
    }
    let (u, w) = (unknown.iter().min().unwrap(), wrong.iter().min().unwrap());
    assert!(
        u.as_secs_f64() > w.as_secs_f64() * 0.5,
        "unknown {u:?} vs wrong {w:?}"
    );
}

#[tokio::test]
async fn login_sets_last_login() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("lastlogin").await;
    let body = json_body(app.get_user(&tokens.access).await).await;
    let last = body["last_login"].as_str().expect("last_login is set");
    assert!(last.ends_with('Z'), "{last}");
}

#[tokio::test]
async fn login_without_fields_is_400() {
    let app = spawn_app().await;
    for body in [
        json!({}),
        json!({"email": "a@example.com"}),
        json!({"password": "x"}),
        json!({"email": "", "password": ""}),
        json!({"email": 1, "password": 2}),
    ] {
        let r = app.post_json("/api/auth/login", &body).await;
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(json_body(r).await["error"], "Missing email or password");
    }
}
