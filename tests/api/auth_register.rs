//! `POST /api/auth/register`: strict validation, field messages and unique accounts.

use serde_json::json;

use crate::helpers::{json_body, spawn_app};

#[tokio::test]
async fn register_with_bsl_returns_201_and_the_user() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "NewUser@Example.com", "username": "newuser",
                    "password": "password123", "preferred_sign_language": "BSL"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let body = json_body(r).await;
    assert_eq!(body["message"], "User registered successfully");
    assert_eq!(
        body["user"]["email"], "newuser@example.com",
        "stored lower-case"
    );
    assert_eq!(body["user"]["username"], "newuser");
    assert!(body["user"]["id"].is_i64());
    assert!(body["user"].get("password_hash").is_none());

    let tokens = app.login("newuser@example.com", "password123").await;
    let body = json_body(tokens).await;
    assert_eq!(
        body["user"]["accessibility_preferences"]["preferred_sign_language"],
        "BSL"
    );
}

#[tokio::test]
async fn duplicate_email_and_username_are_409_case_insensitively() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("test@example.com", "regular", "password123")
            .await
            .status(),
        201
    );

    let r = app
        .register("TEST@example.com", "different", "password123")
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(json_body(r).await["error"], "Email already registered");

    let r = app
        .register("other@example.com", "Regular", "password123")
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(json_body(r).await["error"], "Username already taken");
}

#[tokio::test]
async fn concurrent_duplicate_registrations_create_one_account() {
    let app = spawn_app().await;
    let attempts = (0..6).map(|i| {
        let app = &app;
        async move {
            app.register("race@example.com", &format!("racer{i}"), "password123")
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| s.as_u16() == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| s.as_u16() == 201 || s.as_u16() == 409),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn missing_fields_are_400_with_the_field_names() {
    let app = spawn_app().await;
    let r = app
        .post_json("/api/auth/register", &json!({"email": "a@example.com"}))
        .await;
    assert_eq!(r.status(), 400);
    let body = json_body(r).await;
    assert_eq!(body["error"], "Missing required fields");
    assert!(body["fields"]["username"].is_string());
    assert!(body["fields"]["password"].is_string());
    assert!(body["fields"].get("email").is_none());
}

#[tokio::test]
async fn invalid_values_are_422_and_create_nothing() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"email": "not-an-email", "username": "ann", "password": "password123"}),
            "email",
        ),
        (
            json!({"email": "a@example.com", "username": "a", "password": "password123"}),
            "username",
        ),
        (
            json!({"email": "a@example.com", "username": "bad name!", "password": "password123"}),
            "username",
        ),
        (
            json!({"email": "a@example.com", "username": "ann", "password": "short"}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ann", "password": ""}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ann", "password": "x".repeat(73)}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ann", "password": 12345678}),
            "password",
        ),
        (
            json!({"email": "a@example.com", "username": "ann", "password": "password123",
                "preferred_sign_language": "Klingon"}),
            "preferred_sign_language",
        ),
        (
            json!({"email": "\"><script>alert(1)</script>", "username": "ann", "password": "password123"}),
            "email",
        ),
    ];
    for (body, field) in cases {
        let r = app.post_json("/api/auth/register", &body).await;
        assert_eq!(r.status(), 422, "{body}");
        let err = json_body(r).await;
        assert!(err["fields"][field].is_string(), "{body} -> {err}");
    }
    let r = app
        .post_json(
            "/api/auth/register",
            &json!({"email": "a@example.com", "username": "ann",
            "password": "password123", "preferred_sign_language": "Nope"}),
        )
        .await;
    let err = json_body(r).await;
    let msg = err["fields"]["preferred_sign_language"].as_str().unwrap();
    assert!(
        msg.contains("ASL") && msg.contains("BSL"),
        "the message lists the choices: {msg}"
    );
    // None of those created an account.
    assert_eq!(
        app.register("a@example.com", "ann", "password123")
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_72_byte_password_works_and_73_is_refused_not_truncated() {
    let app = spawn_app().await;
    let pw72 = "p".repeat(72);
    assert_eq!(
        app.register("long@example.com", "longpw", &pw72)
            .await
            .status(),
        201
    );
    assert_eq!(app.login("long@example.com", &pw72).await.status(), 200);
    // Same first 72 bytes plus one more: bcrypt would truncate and accept; we must not.
    let pw73 = format!("{pw72}x");
    assert_eq!(app.login("long@example.com", &pw73).await.status(), 401);
}
