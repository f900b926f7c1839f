//! Per-account sign-in throttle, shared by every instance through the database.

use crate::helpers::{json_body, spawn_app_with};

#[tokio::test]
async fn five_failures_lock_the_account_with_a_clear_wait_across_instances() {
    let a = spawn_app_with(|_| {}).await;
    let b = crate::helpers::spawn_peer(&a, &[]).await;
    a.register("target@example.com", "target", "password123")
        .await;
    // Failures alternate between the two instances: the count is shared.
    for i in 0..5 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(
            app.login("target@example.com", "wrong-password")
                .await
                .status(),
            401,
            "attempt {i}"
        );
    }
    for app in [&a, &b] {
        // Even the right password waits now.
        let r = app.login("target@example.com", "password123").await;
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((840..=900).contains(&retry), "{retry}");
        let body = json_body(r).await;
        let msg = body["error"].as_str().unwrap();
        assert!(
            msg.contains("Too many failed sign-in attempts") && msg.contains("15 minutes"),
            "{msg}"
        );
    }
    // Another account is unaffected.
    a.register("other@example.com", "other", "password123")
        .await;
    assert_eq!(
        b.login("other@example.com", "password123").await.status(),
        200
    );
}

#[tokio::test]
async fn unknown_accounts_are_throttled_the_same_way() {
    let app = spawn_app_with(|s| {
        s.insert("LOGIN_THROTTLE_ATTEMPTS".into(), "2".into());
    })
    .await;
    for _ in 0..2 {
        assert_eq!(
            app.login("ghost@example.com", "whatever1").await.status(),
            401
        );
    }
    assert_eq!(
        app.login("ghost@example.com", "whatever1").await.status(),
        429
    );
    assert_eq!(
        app.login("GHOST@example.com", "whatever1").await.status(),
        429,
        "normalised"
    );
}

#[tokio::test]
async fn success_resets_the_count_and_the_window_expires() {
    let app = spawn_app_with(|s| {
        s.insert("LOGIN_THROTTLE_ATTEMPTS".into(), "2".into());
        s.insert("LOGIN_THROTTLE_WINDOW".into(), "2s".into());
    })
    .await;
    app.register("reset@example.com", "resetter", "password123")
        .await;
    assert_eq!(
        app.login("reset@example.com", "nope-nope").await.status(),
        401
    );
    assert_eq!(
        app.login("reset@example.com", "password123").await.status(),
        200
    );
    // The earlier failure was forgotten: two more are needed to lock.
    assert_eq!(
        app.login("reset@example.com", "nope-nope").await.status(),
        401
    );
    assert_eq!(
        app.login("reset@example.com", "nope-nope").await.status(),
        401
    );
    assert_eq!(
        app.login("reset@example.com", "password123").await.status(),
        429
    );
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    assert_eq!(
        app.login("reset@example.com", "password123").await.status(),
        200,
        "window over"
    );
}

#[tokio::test]
async fn the_sign_in_page_explains_the_wait_accessibly() {
    let app = spawn_app_with(|s| {
        s.insert("LOGIN_THROTTLE_ATTEMPTS".into(), "1".into());
    })
    .await;
    app.register("page@example.com", "pageuser", "password123")
        .await;
    let token = app.csrf("/login").await;
    let attempt = || {
        app.client
            .post(app.url("/login"))
            .form(&[
                ("email", "page@example.com"),
                ("password", "wrong-password"),
                ("csrf_token", &token),
            ])
            .send()
    };
    assert_eq!(attempt().await.unwrap().status(), 422);
    let r = attempt().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: "), "error title");
    assert!(html.contains("Too many failed sign-in attempts"), "{html}");
    assert!(html.contains("15 minutes"));
}
