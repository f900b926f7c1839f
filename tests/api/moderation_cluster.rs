//! Two instances agree at once (issue 15, item 7): after a moderator hides a video on
//! A, B stops showing it (its cached watch page and catalogue are dropped) within a
//! second; restoring brings it back on B as fast; suspending on A refuses the account's
//! token and browser session on B before the answer (B would otherwise keep both for
//! a minute).
//!
//! Runs on the PostgreSQL backend with `TEST_REDIS_URL` set (as in CI); skipped
//! otherwise, saying so.

use std::time::{Duration, Instant};

use pinkflow::domain::Role;
use serde_json::json;

use crate::helpers::{
    Backend, TestApp, backend, json_body, spawn_app_with, spawn_peer, subscribe_when_fanned_out,
};
use crate::moderation_helpers::{Browser, account, public_video};

/// Poll `check` on B until it holds; fails after 1 s. Returns how long it took.
async fn within_a_second<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{what}: not within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn status(app: &TestApp, path: &str) -> u16 {
    reqwest::get(app.url(path)).await.unwrap().status().as_u16()
}

async fn catalogue_lists(app: &TestApp, title: &str) -> bool {
    let body = json_body(
        reqwest::get(app.url("/api/videos?scope=public"))
            .await
            .unwrap(),
    )
    .await;
    body["videos"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["title"] == title)
}

#[tokio::test]
async fn hiding_restoring_and_suspending_reach_every_instance_within_a_second() {
    let (Backend::Postgres, Ok(redis_url)) = (backend(), std::env::var("TEST_REDIS_URL")) else {
        eprintln!("skipped: needs PINKFLOW_TEST_BACKEND=postgres and TEST_REDIS_URL");
        return;
    };
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), redis_url.clone());
        s.insert("AUTH_CACHE_TTL".into(), "60".into());
        s.insert("CACHE_DEFAULT_TIMEOUT".into(), "300".into());
    })
    .await;
    let b = spawn_peer(&a, &["AUTH_CACHE_TTL", "CACHE_DEFAULT_TIMEOUT"]).await;
    let _on_b = subscribe_when_fanned_out(&a, &b).await;

    let owner = account(&a, "owner", Role::Member).await;
    let moderator = account(&a, "moder", Role::Moderator).await;
    let video = public_video(&a, owner.id, "Signed story").await;
    let watch_api = format!("/api/videos/{video}");
    let watch_page = format!("/videos/{video}");

    // B reads (and caches) the page, the API view and the catalogue, twice.
    for _ in 0..2 {
        assert_eq!(status(&b, &watch_page).await, 200);
        assert_eq!(status(&b, &watch_api).await, 200);
        assert!(catalogue_lists(&b, "Signed story").await);
    }
    // The owner, signed in on B in the browser and with a token checked there.
    let owner_b = Browser::new(&b);
    assert_eq!(owner_b.login(&owner.email).await.status(), 303);
    assert_eq!(owner_b.get("/account").await.status(), 200);
    assert_eq!(b.get_user(&owner.tokens.access).await.status(), 200);

    let post = |path: String, body: serde_json::Value| {
        let (client, url, token) = (
            a.client.clone(),
            a.url(&path),
            moderator.tokens.access.clone(),
        );
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    // Hidden on A: gone on B within a second, cached pages included.
    let r = post(
        format!("/api/moderation/videos/{video}/hide"),
        json!({"reason": "Wrong language"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    within_a_second("the watch page on B", || async {
        status(&b, &watch_page).await == 404
    })
    .await;
    within_a_second("the API view on B", || async {
        status(&b, &watch_api).await == 404
    })
    .await;
    within_a_second("the catalogue on B", || async {
        !catalogue_lists(&b, "Signed story").await
    })
    .await;

    // Restored on A: back on B within a second.
    let r = post(format!("/api/moderation/videos/{video}/restore"), json!({})).await;
    assert_eq!(r.status(), 200);
    within_a_second("the restored page on B", || async {
        status(&b, &watch_page).await == 200
    })
    .await;
    within_a_second("the restored catalogue on B", || async {
        catalogue_lists(&b, "Signed story").await
    })
    .await;

    // Suspended on A: B refuses the token and the session as soon as A answers.
    let r = post(
        format!("/api/moderation/users/{}/suspend", owner.id),
        json!({"reason": "Spam"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        b.get_user(&owner.tokens.access).await.status(),
        401,
        "B refuses the token at once"
    );
    assert_eq!(
        owner_b.get("/account").await.status(),
        303,
        "B ends the session at once"
    );
    within_a_second("the suspended owner's video on B", || async {
        status(&b, &watch_page).await == 404
    })
    .await;
}
