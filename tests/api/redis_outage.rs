//! Redis stopped while serving: no request answers 5xx, the breaker opens (visible in
//! `/metrics` and `/readyz`), and everything recovers by itself once Redis is back.
//!
//! The test owns its `redis-server` (on a free port), so it runs on both backends.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::helpers::{TestApp, json_body, spawn_app_with};
use crate::metrics::scrape;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_redis(port: u16) -> Child {
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args(["--daemonize", "no", "--bind", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server is installed");
    let deadline = Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "redis-server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

/// Everything a visitor or API client might do; returns each (what, status).
async fn traffic(app: &TestApp, access: &str, round: usize) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for path in [
        "/",
        "/preferences",
        "/login",
        "/register",
        "/account",
        "/readyz",
        "/healthz",
    ] {
        out.push((format!("GET {path}"), app.get(path).await.status().as_u16()));
    }
    let r = app.get_user(access).await;
    out.push(("GET /api/auth/user".into(), r.status().as_u16()));
    let level = (round % 5 + 1).to_string();
    let r = app
        .client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(access)
        .json(&json!({"reading_level": level.parse::<u8>().unwrap()}))
        .send()
        .await
        .unwrap();
    out.push(("PUT /api/auth/user/preferences".into(), r.status().as_u16()));
    let r = app.login("outage-api@example.com", "wrong-password").await;
    out.push(("POST /api/auth/login (wrong)".into(), r.status().as_u16()));
    let r = app.save_preferences(&[("visual_density", &level)]).await;
    out.push(("POST /preferences".into(), r.status().as_u16()));
    out
}

fn assert_no_5xx(results: &[(String, u16)]) {
    let bad: Vec<_> = results.iter().filter(|(_, s)| *s >= 500).collect();
    assert!(bad.is_empty(), "5xx responses: {bad:?}");
}

async fn ready(app: &TestApp) -> (u16, Value) {
    let r = app.get("/readyz").await;
    let status = r.status().as_u16();
    (status, json_body(r).await)
}

#[tokio::test]
async fn redis_outage_gives_no_5xx_opens_the_breaker_and_recovers() {
    let port = free_port();
    let mut redis = start_redis(port).await;
    let app = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{port}"));
        s.insert("CIRCUIT_BREAKER_FAILURE_THRESHOLD".into(), "3".into());
        s.insert("CIRCUIT_BREAKER_RECOVERY_TIMEOUT".into(), "1s".into());
    })
    .await;
    let tokens = app.signed_in_user("outage-api").await;
    app.browser_user("outage-web").await;
    assert_eq!(
        app.get("/account").await.status(),
        200,
        "Redis session works"
    );
    let (status, body) = ready(&app).await;
    assert_eq!(
        (status, body["checks"]["redis"].as_str()),
        (200, Some("ok"))
    );
    assert_no_5xx(&traffic(&app, &tokens.access, 0).await);

    // Stop Redis.
    redis.kill().await.unwrap();
    let _ = redis.wait().await;
    let mut results = Vec::new();
    for round in 0..5 {
        results.extend(traffic(&app, &tokens.access, round).await);
    }
    // Registration, sign-in, refresh and sign-out through the API (all in the database).
    let r = app
        .register("outage-new@example.com", "outagenew", "password123")
        .await;
    assert_eq!(r.status(), 201);
    let body = json_body(app.login("outage-new@example.com", "password123").await).await;
    let r = app
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": body["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let fresh = json_body(r).await;
    let access = fresh["access_token"].as_str().unwrap();
    let r = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.get_user(access).await.status(),
        401,
        "revoked during the outage"
    );
    // Browser sign-out of a session started during the outage.
    let token = app.csrf("/preferences").await;
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    results.push(("POST /logout".into(), r.status().as_u16()));
    assert_no_5xx(&results);
    assert!(results.len() >= 50);
    // The API keeps authenticating against the database.
    assert!(
        results
            .iter()
            .filter(|(what, _)| what == "GET /api/auth/user")
            .all(|(_, s)| *s == 200),
        "{results:?}"
    );

    // The breaker opened: /readyz says degraded (200 by design), /metrics counts it.
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_ne!(body["checks"]["redis"], "ok");
    let m = scrape(&app).await;
    assert!(
        m[r#"pinkflow_circuit_breaker_opened_total{dependency="redis"}"#] >= 1.0,
        "{m:#?}"
    );
    assert_eq!(
        m[r#"pinkflow_circuit_breaker_state{dependency="redis",state="closed"}"#],
        0.0
    );

    // Signing in during the outage works: the session lives in the database meanwhile.
    let r = app
        .browser_login("outage-web@example.com", "password123")
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/account").await.status(), 200, "database session");

    // Redis comes back on the same port: everything recovers by itself.
    let _redis = start_redis(port).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = ready(&app).await;
        assert_eq!(status, 200);
        if body["checks"]["redis"] == "ok" && body["breakers"]["redis"] == "closed" {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_no_5xx(&traffic(&app, &tokens.access, 1).await);
    assert_eq!(
        app.get("/account").await.status(),
        200,
        "the database session lives on"
    );
    let m = scrape(&app).await;
    assert_eq!(
        m[r#"pinkflow_circuit_breaker_state{dependency="redis",state="closed"}"#],
        1.0
    );

    // The cache is Redis again: the second identical request is a hit.
    let before = app
        .state
        .cache
        .stats()
        .get("home")
        .copied()
        .unwrap_or_default();
    app.get("/").await;
    app.get("/").await;
    let after = app
        .state
        .cache
        .stats()
        .get("home")
        .copied()
        .unwrap_or_default();
    assert!(after.hits > before.hits, "{before:?} → {after:?}");
    // Sign-out and a fresh sign-in (a new session, in Redis again) still work.
    let token = app.csrf("/account").await;
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/account").await.status(), 303, "signed out");
    app.browser_user("outage-after").await;
    assert_eq!(app.get("/account").await.status(), 200);
}

fn signal(child: &Child, sig: &str) {
    let pid = child.id().expect("redis-server runs").to_string();
    let ok = std::process::Command::new("kill")
        .args([sig, &pid])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}

/// Redis hangs (SIGSTOP: connections stay open, commands never answer) and keeps its
/// data: commands time out, the breaker opens, nothing answers 5xx, and an invalidation
/// made meanwhile is delivered once Redis answers again, so no stale entry is served.
#[tokio::test]
async fn a_hanging_redis_times_out_and_deferred_invalidations_are_delivered() {
    let port = free_port();
    let redis = start_redis(port).await;
    let app = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{port}"));
        s.insert("CIRCUIT_BREAKER_FAILURE_THRESHOLD".into(), "2".into());
        s.insert("CIRCUIT_BREAKER_RECOVERY_TIMEOUT".into(), "1s".into());
    })
    .await;
    let tokens = app.signed_in_user("hang-api").await;
    let id = json_body(app.get_user(&tokens.access).await).await["id"]
        .as_i64()
        .unwrap() as i32;
    let key = pinkflow::cache::CacheKey::user(
        id,
        "test-read-model",
        &pinkflow::domain::Preferences::default(),
        &[],
    );
    app.state.cache.set(&key, "before").await;
    assert_eq!(app.state.cache.get(&key).await.as_deref(), Some("before"));

    signal(&redis, "-STOP");
    let started = Instant::now();
    let mut results = Vec::new();
    for round in 0..3 {
        results.extend(traffic(&app, &tokens.access, round).await);
    }
    assert_no_5xx(&results);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "timeouts are short and the open breaker fails fast ({:?})",
        started.elapsed()
    );
    assert!(
        app.state
            .redis
            .as_ref()
            .unwrap()
            .breaker()
            .snapshot()
            .opened_total
            >= 1
    );
    let (status, body) = ready(&app).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("degraded")),
        "{body}"
    );

    signal(&redis, "-CONT");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = ready(&app).await;
        if body["checks"]["redis"] == "ok" && body["breakers"]["redis"] == "closed" {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The preference changes made during the outage dropped the entry after all.
    assert_eq!(app.state.cache.get(&key).await, None);
    assert_no_5xx(&traffic(&app, &tokens.access, 4).await);
    drop(redis);
}

/// A second browser (its own cookie jar) on `app`, signed in through the pages.
async fn second_browser(app: &TestApp, name: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let email = format!("{name}@example.com");
    assert_eq!(
        app.register(&email, name, "password123").await.status(),
        201
    );
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::helpers::csrf_from(&html).unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", &email),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign in {name}");
    client
}

/// People whose Redis session cannot be read during an outage are signed out, and told
/// so: the page they reach says to sign in again, and a form they send is refused with
/// that explanation (not a puzzling "form expired"). Nothing answers 5xx; signing in
/// again works while Redis is still down.
#[tokio::test]
async fn a_session_lost_in_a_redis_outage_asks_to_sign_in_again() {
    let port = free_port();
    let mut redis = start_redis(port).await;
    let app = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{port}"));
        s.insert("CIRCUIT_BREAKER_FAILURE_THRESHOLD".into(), "3".into());
        s.insert("CIRCUIT_BREAKER_RECOVERY_TIMEOUT".into(), "60s".into());
    })
    .await;
    app.browser_user("lost-reader").await;
    assert_eq!(app.get("/account").await.status(), 200);
    let writer = second_browser(&app, "lost-writer").await;
    let html = writer
        .get(app.url("/preferences"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let old_token = crate::helpers::csrf_from(&html).unwrap();

    redis.kill().await.unwrap();
    let _ = redis.wait().await;
    // Sessions read before the outage are kept in memory only while this instance can
    // hear the others' invalidations: the moment its Redis listener drops, nothing is
    // served from memory and every session is read from Redis again.
    for _ in 0..100 {
        if !app.state.events.link().up {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        !app.state.events.link().up,
        "the listener noticed the outage"
    );

    // A page that needs the account: sent to sign in, with the reason.
    let r = app.get("/account").await;
    assert_eq!(r.status(), 303);
    let to = crate::helpers::location(&r).to_owned();
    assert!(to.starts_with("/login?next="), "{to}");
    let r = app.get(&to).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("so you have been signed out. If you were signed in, please sign in again."),
        "the sign-in page explains: {html}"
    );
    // Said once, not on every page after.
    assert!(!app.get_html("/").await.contains("please sign in again"));

    // A form sent with the lost session: refused, explained, nothing changed.
    let r = writer
        .post(app.url("/preferences"))
        .form(&[("csrf_token", old_token.as_str()), ("visual_density", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Please sign in again"), "{html}");
    assert!(html.contains("nothing was changed"), "{html}");
    assert!(!html.contains("Your form could not be sent"), "{html}");

    // Signing in again works during the outage (the session lives in the database).
    let r = app
        .browser_login("lost-reader@example.com", "password123")
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/account").await.status(), 200);
    // An ordinary expired form (no outage involved) still gets the usual explanation.
    let r = app
        .post_form(
            "/preferences",
            &[("csrf_token", "stale"), ("visual_density", "1")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Your form could not be sent")
    );
}
