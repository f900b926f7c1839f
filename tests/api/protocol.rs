//! HTTP-level behaviour of the API: JSON errors for everything, limits, CORS.

use serde_json::json;

use crate::helpers::{json_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/api/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(json_body(r).await["error"], "Resource not found");
    let r = app
        .client
        .get(app.url("/api/auth/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(json_body(r).await["error"], "Method not allowed");
}

#[tokio::test]
async fn bodies_must_be_json_objects_of_at_most_1_mib() {
    let app = spawn_app().await;
    let url = app.url("/api/auth/register");
    // A body sent as JSON exactly as written, malformed or not.
    let post_raw = |body: &'static str| {
        app.client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let r = app.client.post(&url).body("email=a").send().await.unwrap();
    assert_eq!(r.status(), 415);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );

    let r = post_raw("{\"email\": ").await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .starts_with("Malformed JSON")
    );

    let r = post_raw("").await.unwrap();
    assert_eq!(r.status(), 400);

    for body in ["[]", "[1,2]", "null", "\"text\"", "42"] {
        let r = post_raw(body).await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert!(json_body(r).await["error"].is_string());
    }

    let big = json!({"email": "a@example.com", "username": "big", "password": "x".repeat(1 << 20)});
    let r = app.post_json("/api/auth/register", &big).await;
    assert_eq!(r.status(), 413);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("too large")
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.insert("RATE_LIMIT_LOGIN".into(), "3/minute".into());
    })
    .await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let r = app.login("x@example.com", "password123").await;
        statuses.push(r.status().as_u16());
        last = Some(r);
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    let r = last.unwrap();
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body = json_body(r).await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("Too many requests")
    );
    // Other endpoints have their own budget; health checks are never limited.
    assert_eq!(
        app.register("y@example.com", "yname", "password123")
            .await
            .status(),
        201
    );
    for _ in 0..20 {
        assert_eq!(
            app.client
                .get(app.url("/healthz"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

#[tokio::test]
async fn forwarded_for_counts_only_behind_a_trusted_proxy() {
    let app = spawn_app_with(|s| {
        s.insert("RATE_LIMIT_REGISTER".into(), "1/hour".into());
        s.insert("TRUSTED_PROXIES".into(), "127.0.0.1".into());
    })
    .await;
    let register = |ip: &'static str, n: u32| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/auth/register"))
                .header("x-forwarded-for", ip)
                .json(&json!({"email": format!("u{n}@example.com"), "username": format!("user{n}"), "password": "password123"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(register("203.0.113.1", 1).await, 201);
    assert_eq!(register("203.0.113.1", 2).await, 429);
    assert_eq!(
        register("203.0.113.2", 3).await,
        201,
        "another client behind the proxy"
    );

    // Without trusting the proxy, the header is ignored: all share the peer's budget.
    let app = spawn_app_with(|s| {
        s.insert("RATE_LIMIT_REGISTER".into(), "1/hour".into());
    })
    .await;
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for (i, ip) in ["203.0.113.1", "203.0.113.2"].iter().enumerate() {
            let r = app.client.post(app.url("/api/auth/register")).header("x-forwarded-for", *ip)
                .json(&json!({"email": format!("v{i}@example.com"), "username": format!("vuser{i}"), "password": "password123"}))
                .send().await.unwrap();
            v.push(r.status().as_u16());
        }
        v
    };
    assert_eq!(statuses, [201, 429]);
}

#[tokio::test]
async fn cors_is_off_by_default_and_on_for_listed_origins() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let app = spawn_app_with(|s| {
        s.insert("CORS_ALLOWED_ORIGINS".into(), "https://app.example".into());
    })
    .await;
    let r = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/auth/login"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let r = app
        .client
        .get(app.url("/healthz"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn nul_and_odd_characters_never_cause_a_server_error() {
    // PostgreSQL refuses NUL in text; nothing a client sends may turn into a 500.
    let app = spawn_app().await;
    let tokens = app.signed_in_user("nul_tester").await;
    let long = format!("{}@example.com", "a".repeat(100_000));
    let odd = [
        long.as_str(),
        "a\u{0}b@example.com",
        "\u{0}",
        "ann@exa\u{0}mple.com",
        "\u{fffd}\u{10ffff}",
    ];
    for s in odd {
        for (path, body) in [
            ("/api/auth/login", json!({"email": s, "password": s})),
            (
                "/api/auth/register",
                json!({"email": s, "username": s, "password": format!("{s}password")}),
            ),
            ("/api/auth/refresh", json!({"refresh_token": s})),
        ] {
            let r = app.post_json(path, &body).await;
            let shown: String = s.chars().take(40).collect();
            assert!(
                r.status().is_client_error(),
                "{path} {shown:?}: {}",
                r.status()
            );
        }
        let r = app
            .client
            .put(app.url("/api/auth/user/preferences"))
            .bearer_auth(&tokens.access)
            .json(&json!({"preferred_sign_language": s}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{:?}", &s[..s.len().min(40)]);
        let r = app
            .client
            .post(app.url("/api/auth/logout"))
            .bearer_auth(format!("{}{s}", tokens.access))
            .send()
            .await;
        if let Ok(r) = r {
            assert!(r.status().is_client_error(), "logout {}", s.len());
        }
    }
}
