//! Two app instances on one PostgreSQL + Redis behave as one system (issue 5's combined
//! test): an event published on A reaches B's subscriber exactly once; a preference
//! change on A makes B render the new variant although B had cached the old one;
//! sign-out on A refuses the token and the browser session on B at once (B keeps
//! principals for a minute, so only the Redis invalidation can explain it); and the
//! sign-in throttle counts attempts across A and B.
//!
//! Runs on the PostgreSQL backend with `TEST_REDIS_URL` set (as in CI); skipped
//! otherwise, saying so.

use std::time::Duration;

use pinkflow::events::{Envelope, Event, Publish};
use serde_json::json;

use crate::helpers::{
    Backend, backend, drain, get_with_cookie, json_body, session_cookie, spawn_app_with,
    subscribe_when_fanned_out,
};

const SHARED: [&str; 6] = [
    "DATABASE_URL",
    "SECRET_KEY",
    "REFRESH_SECRET_KEY",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "AUTH_CACHE_TTL",
];

fn count(events: &[Envelope], name: &str) -> usize {
    events.iter().filter(|e| e.event.name() == name).count()
}

#[tokio::test]
async fn two_instances_on_postgres_and_redis_behave_as_one_system() {
    let (Backend::Postgres, Ok(redis_url)) = (backend(), std::env::var("TEST_REDIS_URL")) else {
        eprintln!("skipped: needs PINKFLOW_TEST_BACKEND=postgres and TEST_REDIS_URL");
        return;
    };
    // Our own Redis namespace and channel; principals kept a minute on each instance.
    let prefix = format!("pfcl{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), redis_url.clone());
        s.insert("CACHE_KEY_PREFIX".into(), prefix.clone());
        s.insert("AUTH_CACHE_TTL".into(), "60".into());
    })
    .await;
    let settings = a.settings.clone();
    let b = spawn_app_with(move |s| {
        for key in SHARED {
            if let Some(v) = settings.get(key) {
                s.insert(key.into(), v.clone());
            }
        }
    })
    .await;
    assert!(a.postgres_database().is_some() && b.postgres_database().is_some());
    assert_eq!(a.settings["DATABASE_URL"], b.settings["DATABASE_URL"]);
    let mut on_b = subscribe_when_fanned_out(&a, &b).await;

    // 1. An event published on A reaches B's subscriber exactly once.
    let probe = Event::ModuleError {
        module: "cluster-probe".into(),
        error: "test".into(),
    };
    a.state.events.publish(probe.clone());
    let seen = drain(&mut on_b, Duration::from_millis(500)).await;
    assert_eq!(seen.len(), 1, "exactly once on B: {seen:?}");
    assert_eq!(seen[0].event, probe);
    assert!(!seen[0].local && seen[0].origin == a.state.events.origin());

    // Someone signed in on A, in the browser and through the API; both work on B.
    let r = a.browser_register("roamer").await;
    assert_eq!(r.status(), 303);
    let r = a.browser_login("roamer@example.com", "password123").await;
    assert_eq!(r.status(), 303);
    let cookie = session_cookie(&r).expect("a session cookie");
    assert!(!cookie.starts_with("db-"), "the session lives in Redis");
    let tokens = a.signed_in_user("roamer-api").await;
    assert_eq!(b.get_user(&tokens.access).await.status(), 200, "token on B");
    assert_eq!(
        get_with_cookie(&b, "/account", &cookie).await.status(),
        200,
        "session on B"
    );

    // 2. A preference change on A: B had cached the default variant, and renders the
    //    new one at once.
    let home_b = || async {
        get_with_cookie(&b, "/", &cookie)
            .await
            .text()
            .await
            .unwrap()
    };
    let before = home_b().await;
    assert!(before.contains("data-density=\"3\"") && !before.contains("actions-stacked"));
    let hits = b
        .state
        .cache
        .stats()
        .get("home")
        .copied()
        .unwrap_or_default();
    assert_eq!(home_b().await, before, "served again");
    assert!(
        b.state
            .cache
            .stats()
            .get("home")
            .copied()
            .unwrap_or_default()
            .hits
            > hits.hits,
        "B's second render was a cache hit"
    );
    drain(&mut on_b, Duration::from_millis(100)).await;
    let r = a.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);
    let after = home_b().await;
    assert!(
        after.contains("data-density=\"1\"") && after.contains("actions-stacked"),
        "B renders the density-1 variant right after the change on A"
    );
    let seen = drain(&mut on_b, Duration::from_millis(300)).await;
    assert_eq!(count(&seen, "preferences.updated"), 1, "{seen:?}");

    // 3. Sign-out on A: B refuses the access token and the browser session at once,
    //    although B would otherwise keep the principal for 60 s.
    let r = a
        .client
        .post(a.url("/api/auth/logout"))
        .bearer_auth(&tokens.access)
        .json(&json!({"refresh_token": tokens.refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = b.get_user(&tokens.access).await;
    assert_eq!(r.status(), 401, "B refuses the revoked token at once");
    let r = b
        .post_json(
            "/api/auth/refresh",
            &json!({"refresh_token": tokens.refresh}),
        )
        .await;
    assert_eq!(r.status(), 401, "and its refresh token");
    let token = a.csrf("/account").await;
    let r = a.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    let r = get_with_cookie(&b, "/account", &cookie).await;
    assert_eq!(r.status(), 303, "B refuses the signed-out session");
    assert!(crate::helpers::location(&r).starts_with("/login"));
    let seen = drain(&mut on_b, Duration::from_millis(300)).await;
    assert_eq!(
        count(&seen, "user.logout"),
        2,
        "API and browser sign-outs, once each: {seen:?}"
    );

    // 4. The sign-in throttle counts failures made on A and on B together.
    a.register("target@example.com", "target", "password123")
        .await;
    for i in 0..5 {
        let app = if i % 2 == 0 { &a } else { &b };
        let r = app.login("target@example.com", "wrong-password").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    for app in [&b, &a] {
        let r = app.login("target@example.com", "password123").await;
        assert_eq!(r.status(), 429, "locked on both instances");
        let body = json_body(r).await;
        assert!(
            body["error"].as_str().unwrap().contains("15 minutes"),
            "{body}"
        );
    }
}
