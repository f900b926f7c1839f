//! Access and refresh tokens: the current user, rotation, reuse detection and sign-out.

use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app};

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/auth/refresh", &json!({"refresh_token": token}))
        .await
}

async fn logout(app: &TestApp, access: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(access);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn user_endpoint_needs_a_valid_access_token() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("deafuser").await;
    let r = app.get_user(&tokens.access).await;
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["email"], "deafuser@example.com");
    assert_eq!(
        body["accessibility_preferences"]["preferred_sign_language"],
        "ASL"
    );
    assert_eq!(body["authorized_modules"], json!(["video"]));

    let r = app
        .client
        .get(app.url("/api/auth/user"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(json_body(r).await["error"], "Token is missing");

    for bad in ["garbage", &tokens.refresh, &format!("{}x", tokens.access)] {
        let r = app.get_user(bad).await;
        assert_eq!(r.status(), 401, "{bad}");
        assert_eq!(json_body(r).await["error"], "Token is invalid or expired");
    }
    let r = app
        .client
        .get(app.url("/api/auth/user"))
        .header("Authorization", format!("Basic {}", tokens.access))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn tokens_signed_with_another_key_or_algorithm_are_refused() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
    let app = spawn_app().await;
    let tokens = app.signed_in_user("forger").await;
    let user = json_body(app.get_user(&tokens.access).await).await;
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": user["id"].to_string(), "user_id": user["id"], "type": "access",
        "jti": "forged", "fam": "forged", "iat": now, "exp": now + 600});
    let wrong_key = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"dev-secret-key-change-in-production").unwrap(),
    )
    .unwrap();
    assert_eq!(app.get_user(&wrong_key).await.status(), 401);
    let secret = app.settings["SECRET_KEY"].as_bytes();
    let other_alg = encode(
        &Header::new(Algorithm::HS384),
        &claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap();
    assert_eq!(app.get_user(&other_alg).await.status(), 401);
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": user["id"].to_string(), "user_id": user["id"], "type": "access",
                "jti": "old", "fam": "old", "iat": now - 2000, "exp": now - 1000}),
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap();
    assert_eq!(app.get_user(&expired).await.status(), 401);
    // Control: the same key and algorithm with fresh claims is accepted.
    let good = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret).unwrap(),
    )
    .unwrap();
    assert_eq!(app.get_user(&good).await.status(), 200);
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.signed_in_user("rotator").await;

    let r = refresh(&app, &first.refresh).await;
    assert_eq!(r.status(), 200);
    let second = json_body(r).await;
    assert_eq!(second["expires_in"], 900);
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    let second_access = second["access_token"].as_str().unwrap().to_owned();
    assert_ne!(
        second_refresh, first.refresh,
        "a new refresh token every time"
    );
    assert_eq!(app.get_user(&second_access).await.status(), 200);

    // Replaying the used token: 401, and the whole family is dead.
    let r = refresh(&app, &first.refresh).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        json_body(r).await["error"],
        "Invalid or expired refresh token"
    );
    assert_eq!(
        refresh(&app, &second_refresh).await.status(),
        401,
        "family revoked"
    );
    assert_eq!(
        app.get_user(&second_access).await.status(),
        401,
        "its access tokens too"
    );
    assert_eq!(app.get_user(&first.access).await.status(), 401);

    // Another sign-in is a separate family and still works.
    let other = json_body(app.login("rotator@example.com", "password123").await).await;
    assert_eq!(
        app.get_user(other["access_token"].as_str().unwrap())
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn refresh_refuses_access_tokens_garbage_and_missing_fields() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("refresher").await;
    assert_eq!(refresh(&app, &tokens.access).await.status(), 401);
    assert_eq!(refresh(&app, "garbage").await.status(), 401);
    let r = app.post_json("/api/auth/refresh", &json!({})).await;
    assert_eq!(r.status(), 400);
    assert_eq!(json_body(r).await["error"], "Missing refresh token");
}

#[tokio::test]
async fn logout_revokes_access_and_refresh_and_a_second_logout_is_401() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("leaver").await;
    let r = logout(
        &app,
        &tokens.access,
        Some(json!({"refresh_token": tokens.refresh})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["message"], "Logged out successfully");
    assert_eq!(app.get_user(&tokens.access).await.status(), 401);
    assert_eq!(refresh(&app, &tokens.refresh).await.status(), 401);
    let again = logout(
        &app,
        &tokens.access,
        Some(json!({"refresh_token": tokens.refresh})),
    )
    .await;
    assert_eq!(again.status(), 401);
    assert!(json_body(again).await["error"].is_string());
}

#[tokio::test]
async fn logout_without_body_works_and_a_bad_body_revokes_nothing() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("quiet").await;
    // Not JSON: refused, and the token still works afterwards (the original revoked first).
    let r = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&tokens.access)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(app.get_user(&tokens.access).await.status(), 200);
    // Malformed JSON: 400, still nothing revoked.
    let r = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&tokens.access)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.get_user(&tokens.access).await.status(), 200);

    let r = logout(&app, &tokens.access, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get_user(&tokens.access).await.status(), 401);
    // Signing out ends the session's family: its refresh token is dead too.
    assert_eq!(refresh(&app, &tokens.refresh).await.status(), 401);
}

#[tokio::test]
async fn logout_cannot_revoke_someone_elses_refresh_token() {
    let app = spawn_app().await;
    let alice = app.signed_in_user("alice").await;
    let bob = app.signed_in_user("bob").await;
    let r = logout(
        &app,
        &alice.access,
        Some(json!({"refresh_token": bob.refresh})),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        refresh(&app, &bob.refresh).await.status(),
        200,
        "bob's session is untouched"
    );
}

#[tokio::test]
async fn revocation_is_seen_by_another_instance_on_the_same_database() {
    // Each instance may serve a token it has just checked from memory for AUTH_CACHE_TTL;
    // the instance that revokes forgets at once, the others within that bound.
    let a = crate::helpers::spawn_app_with(|s| {
        s.insert("AUTH_CACHE_TTL".into(), "1".into());
    })
    .await;
    // A second instance on the first one's database and secrets.
    let b = crate::helpers::spawn_peer(&a, &["AUTH_CACHE_TTL"]).await;
    let tokens = a.signed_in_user("roamer").await;
    assert_eq!(b.get_user(&tokens.access).await.status(), 200);
    assert_eq!(a.get_user(&tokens.access).await.status(), 200);
    assert_eq!(logout(&a, &tokens.access, None).await.status(), 200);
    assert_eq!(
        a.get_user(&tokens.access).await.status(),
        401,
        "at once where revoked"
    );
    assert_eq!(
        refresh(&b, &tokens.refresh).await.status(),
        401,
        "refresh checks the database"
    );
    let started = std::time::Instant::now();
    while b.get_user(&tokens.access).await.status() != 401 {
        assert!(
            started.elapsed().as_secs_f64() < 3.0,
            "B still accepts the token after 3 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn with_the_principal_cache_off_revocation_is_immediate_everywhere() {
    let a = crate::helpers::spawn_app_with(|s| {
        s.insert("AUTH_CACHE_TTL".into(), "0".into());
    })
    .await;
    let b = crate::helpers::spawn_peer(&a, &["AUTH_CACHE_TTL"]).await;
    let tokens = a.signed_in_user("strictroamer").await;
    assert_eq!(b.get_user(&tokens.access).await.status(), 200);
    assert_eq!(logout(&a, &tokens.access, None).await.status(), 200);
    assert_eq!(b.get_user(&tokens.access).await.status(), 401);
}

#[tokio::test]
async fn expired_token_rows_are_purged_and_expired_tokens_refused() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.insert("ACCESS_TOKEN_TTL".into(), "1".into());
        s.insert("REFRESH_TOKEN_TTL".into(), "2".into());
    })
    .await;
    let tokens = app.signed_in_user("purger").await;
    assert_eq!(logout(&app, &tokens.access, None).await.status(), 200);
    assert_eq!(
        app.state.auth.purge_expired().await.unwrap(),
        0,
        "nothing expired yet"
    );
    // Past both expiries (plus the 5 s leeway for clock skew).
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    assert_eq!(refresh(&app, &tokens.refresh).await.status(), 401);
    // One refresh row and one revoked access token row.
    assert_eq!(app.state.auth.purge_expired().await.unwrap(), 2);
    assert_eq!(app.state.auth.purge_expired().await.unwrap(), 0);
}

#[tokio::test]
async fn with_redis_other_instances_forget_revoked_tokens_at_once() {
    let Ok(redis) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipped: TEST_REDIS_URL is not set");
        return;
    };
    // A long cache TTL: only the pub/sub invalidation can make B refuse the token quickly.
    let a = crate::helpers::spawn_app_with(|s| {
        s.insert("AUTH_CACHE_TTL".into(), "60".into());
        s.insert("REDIS_URL".into(), redis.clone());
    })
    .await;
    let b = crate::helpers::spawn_peer(&a, &["AUTH_CACHE_TTL"]).await;
    // Let B's subscription come up.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let tokens = a.signed_in_user("fanout").await;
    assert_eq!(
        b.get_user(&tokens.access).await.status(),
        200,
        "now cached on B"
    );
    assert_eq!(logout(&a, &tokens.access, None).await.status(), 200);
    let started = std::time::Instant::now();
    while b.get_user(&tokens.access).await.status() != 401 {
        assert!(
            started.elapsed().as_secs_f64() < 2.0,
            "B still accepts a revoked token"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
