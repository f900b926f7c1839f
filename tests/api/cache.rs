//! The preference-aware cache: shared entries per profile, invalidation on preference
//! change (API and page).

use pinkflow::cache::{CacheKey, HitMiss};
use pinkflow::domain::Preferences;

use crate::helpers::{TestApp, json_body, spawn_app_with};

/// An app whose cache keys are its own (tests share one Redis, and user ids restart at 1
/// in every test database).
async fn spawn_app() -> TestApp {
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    spawn_app_with(|s| {
        s.insert("CACHE_KEY_PREFIX".into(), prefix);
    })
    .await
}

fn home_stats(app: &TestApp) -> HitMiss {
    app.state
        .cache
        .stats()
        .get("home")
        .copied()
        .unwrap_or_default()
}

async fn sign_out(app: &TestApp) {
    let token = app.csrf("/account").await;
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn people_with_the_same_profile_share_the_home_page_and_a_change_rerenders() {
    let app = spawn_app().await;
    app.browser_user("cachea").await;
    let a_home = app.get_html("/").await;
    let after_a = home_stats(&app);
    assert_eq!(after_a.hits + after_a.misses, 1, "one lookup");
    sign_out(&app).await;

    // Someone else, with the same (default + BSL) profile: served from A's entry.
    app.browser_user("cacheb").await;
    let b_home = app.get_html("/").await;
    let after_b = home_stats(&app);
    assert_eq!(after_b.hits, after_a.hits + 1, "B shares A's entry");
    assert_eq!(after_b.misses, after_a.misses);
    let main = |html: &str| {
        let start = html.find("<main").unwrap();
        html[start..html.find("</main>").unwrap()].to_owned()
    };
    assert_eq!(
        main(&a_home),
        main(&b_home),
        "same content for the same profile"
    );

    // B chooses density 1: the home page re-renders in the minimal layout.
    assert!(!b_home.contains("actions-stacked"));
    let r = app.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);
    let b_minimal = app.get_html("/").await;
    assert!(b_minimal.contains("actions-stacked"), "minimal variant");
}

#[tokio::test]
async fn a_preference_change_drops_that_persons_entries_through_api_and_page() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("cachec").await;
    let me = json_body(app.get_user(&tokens.access).await).await;
    let id = me["id"].as_i64().unwrap() as i32;
    let p = Preferences::default();
    let mine = CacheKey::user(id, "test-read-model", &p, &[]);
    let theirs = CacheKey::user(id + 1000, "test-read-model", &p, &[]);
    app.state.cache.set(&mine, "cached").await;
    app.state.cache.set(&theirs, "cached").await;
    assert_eq!(app.state.cache.get(&mine).await.as_deref(), Some("cached"));

    let r = app
        .client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(&tokens.access)
        .json(&serde_json::json!({"reading_level": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.state.cache.get(&mine).await,
        None,
        "API change dropped it"
    );
    assert_eq!(
        app.state.cache.get(&theirs).await.as_deref(),
        Some("cached")
    );

    // The same through the preferences page.
    app.browser_user("cached").await;
    let r = app.get_html("/account").await;
    assert!(r.contains("cached"));
    let id = pinkflow_user_id(&app, "cached@example.com").await;
    let key = CacheKey::user(id, "test-read-model", &p, &[]);
    app.state.cache.set(&key, "cached").await;
    let r = app.save_preferences(&[("color_contrast", "high")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.state.cache.get(&key).await,
        None,
        "page change dropped it"
    );
}

async fn pinkflow_user_id(app: &TestApp, email: &str) -> i32 {
    let email = email.to_owned();
    app.state
        .db
        .run(move |c| pinkflow::models::user::find_by_email(c, &email))
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Two instances on one database and one Redis (a test-owned `redis-server`, so this runs
/// on both backends): entries are shared, and an invalidation on A is seen by B.
#[tokio::test]
async fn two_instances_share_entries_and_invalidations_through_redis() {
    use crate::redis_outage::{free_port, start_redis};
    let port = free_port();
    let _redis = start_redis(port).await;
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{port}"));
        s.insert("CACHE_KEY_PREFIX".into(), prefix);
    })
    .await;
    let b_app = pinkflow::startup::Application::build(
        pinkflow::config::Settings::from_map(&a.settings).unwrap(),
    )
    .await
    .unwrap();
    let b = b_app.state().clone();
    let b_base = format!("http://127.0.0.1:{}", b_app.port());
    let b_url = |path: &str| format!("{b_base}{path}");
    tokio::spawn(b_app.run_until_stopped());
    assert_eq!(a.state.cache.backend_name(), "redis");
    // B hears A's events from here on (its listener connects in the background).
    let mut on_b = crate::helpers::hears_from(&a.state, &b).await;

    // A person's entry written by B is read by A; A's preference change drops it on B.
    let tokens = a.signed_in_user("twin").await;
    let id = json_body(a.get_user(&tokens.access).await).await["id"]
        .as_i64()
        .unwrap() as i32;
    let key = CacheKey::user(id, "test-read-model", &Preferences::default(), &[]);
    b.cache.set(&key, "from B").await;
    assert_eq!(a.state.cache.get(&key).await.as_deref(), Some("from B"));
    let r = a
        .client
        .put(a.url("/api/auth/user/preferences"))
        .bearer_auth(&tokens.access)
        .json(&serde_json::json!({"visual_density": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(b.cache.get(&key).await, None, "dropped on B too");

    // The home page rendered on A is served to B's visitors from the same entry.
    assert_eq!(a.get("/").await.status(), 200);
    let before = b.cache.stats().get("home").copied().unwrap_or_default();
    let anon = reqwest::Client::new();
    let r = anon.get(b_url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let after = b.cache.stats().get("home").copied().unwrap_or_default();
    assert_eq!(after.hits, before.hits + 1, "B hit A's entry");

    // A preference change on A: B renders the new variant (the session is in Redis, so
    // the same cookie works on both).
    a.browser_user("twinweb").await;
    let html = a
        .client
        .get(b_url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/account\"") && !html.contains("actions-stacked"));
    let r = a.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);
    // B keeps the signed-in account for a moment (AUTH_CACHE_TTL) until A's event says
    // it changed: wait for that event, as a second request through a balancer would.
    let heard = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Ok(e) = on_b.recv().await
                && matches!(
                    e.event,
                    pinkflow::events::Event::PrincipalsInvalidated { .. }
                )
            {
                break;
            }
        }
    })
    .await;
    assert!(heard.is_ok(), "B heard that the account changed");
    let html = a
        .client
        .get(b_url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("actions-stacked"),
        "B shows the minimal variant"
    );
}

/// With Redis, each instance keeps what it read for up to `NEAR_TTL` (2 s) in memory:
/// repeated reads cost no round trip, an invalidation event from another instance drops
/// the copy at once, and a change the instance never hears about is served for at most
/// `NEAR_TTL`.
#[tokio::test]
async fn the_near_cache_is_dropped_by_events_and_bounded_in_time() {
    use crate::redis_outage::{free_port, start_redis};
    use pinkflow::events::{Event, Publish};
    use std::time::{Duration, Instant};
    let port = free_port();
    let _redis = start_redis(port).await;
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{port}"));
        s.insert("CACHE_KEY_PREFIX".into(), prefix.clone());
    })
    .await;
    let b = crate::helpers::spawn_peer(&a, &[]).await;
    // B hears A's events from here on.
    let _on_b = crate::helpers::subscribe_when_fanned_out(&a, &b).await;
    let key = CacheKey::shared(
        pinkflow::cache::CATALOGUE,
        "near-test",
        &Preferences::default(),
        &[],
    );
    let bump_behind_bs_back = || {
        let ok = std::process::Command::new("redis-cli")
            .args(["-p", &port.to_string(), "INCR"])
            .arg(format!("{prefix}:cache:version:ns:catalogue"))
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "redis-cli INCR");
    };

    // B reads A's entry once from Redis, then from memory: a version bump B does not
    // hear about is not seen until the near copy expires.
    a.state.cache.set(&key, "v1").await;
    assert_eq!(b.state.cache.get(&key).await.as_deref(), Some("v1"));
    bump_behind_bs_back();
    assert_eq!(
        a.state.cache.get(&key).await,
        None,
        "A had no near copy: it reads the new version"
    );
    assert_eq!(
        b.state.cache.get(&key).await.as_deref(),
        Some("v1"),
        "B answers from its near copy"
    );
    tokio::time::sleep(pinkflow::cache::NEAR_TTL + Duration::from_millis(200)).await;
    assert_eq!(
        b.state.cache.get(&key).await,
        None,
        "at most NEAR_TTL stale"
    );

    // An invalidation event published on A drops B's near copy at once.
    a.state.cache.set(&key, "v2").await;
    assert_eq!(b.state.cache.get(&key).await.as_deref(), Some("v2"));
    a.state.events.publish(Event::VideoUpdated {
        video_id: 1,
        owner_id: 1,
        change: "details".into(),
    });
    let started = Instant::now();
    while b.state.cache.get(&key).await.is_some() {
        assert!(
            started.elapsed() < Duration::from_millis(800),
            "B still serves its near copy after the event"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
