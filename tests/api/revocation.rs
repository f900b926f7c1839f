//! Revocation with no window. Two instances on one PostgreSQL + Redis, each keeping
//! checked tokens a minute (`AUTH_CACHE_TTL=60`): once sign-out (or a refresh-reuse
//! revocation) on A has answered, B refuses the token on the very next request — A waits
//! until every instance has acknowledged dropping its cached principals. And an instance
//! that cannot hear the others (its Redis subscription is down) trusts nothing it
//! cached: it asks the database until it is subscribed again.
//!
//! The two-instance test runs on the PostgreSQL backend with `TEST_REDIS_URL` set (as in
//! CI) and is skipped otherwise, saying so; the subscription test starts its own Redis.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{
    Backend, TestApp, Tokens, backend, json_body, spawn_app_with, subscribe_when_fanned_out,
};
use crate::redis_outage::{free_port, start_redis};

/// A and B sharing database, secrets, Redis and namespace, both listening.
async fn pair() -> Option<(TestApp, TestApp)> {
    let (Backend::Postgres, Ok(redis_url)) = (backend(), std::env::var("TEST_REDIS_URL")) else {
        eprintln!("skipped: needs PINKFLOW_TEST_BACKEND=postgres and TEST_REDIS_URL");
        return None;
    };
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), redis_url.clone());
        s.insert("AUTH_CACHE_TTL".into(), "60".into());
    })
    .await;
    let b = crate::helpers::spawn_peer(&a, &["AUTH_CACHE_TTL"]).await;
    subscribe_when_fanned_out(&a, &b).await;
    subscribe_when_fanned_out(&b, &a).await;
    Some((a, b))
}

async fn logout(app: &TestApp, tokens: &Tokens) -> u16 {
    app.client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&tokens.access)
        .json(&json!({"refresh_token": tokens.refresh}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/auth/refresh", &json!({"refresh_token": token}))
        .await
}

const ROUNDS: usize = 40;

#[tokio::test]
async fn after_sign_out_on_one_instance_no_other_accepts_the_token() {
    let Some((a, b)) = pair().await else { return };
    let mut accepted = Vec::new();
    for round in 0..ROUNDS {
        let tokens = a.signed_in_user(&format!("roam{round}")).await;
        for _ in 0..2 {
            // The second one is served from B's principal cache.
            assert_eq!(
                b.get_user(&tokens.access).await.status(),
                200,
                "round {round}"
            );
        }
        assert_eq!(logout(&a, &tokens).await, 200);
        let status = b.get_user(&tokens.access).await.status();
        if status != 401 {
            accepted.push((round, status.as_u16()));
        }
    }
    assert!(
        accepted.is_empty(),
        "B accepted a token A had already signed out: {accepted:?} of {ROUNDS}"
    );
}

#[tokio::test]
async fn after_refresh_reuse_on_one_instance_no_other_accepts_the_family() {
    let Some((a, b)) = pair().await else { return };
    let mut accepted = Vec::new();
    for round in 0..ROUNDS {
        let first = a.signed_in_user(&format!("reuse{round}")).await;
        let r = refresh(&a, &first.refresh).await;
        assert_eq!(r.status(), 200, "round {round}");
        let body: Value = json_body(r).await;
        let second = body["access_token"].as_str().unwrap().to_owned();
        for token in [&first.access, &second, &first.access, &second] {
            assert_eq!(b.get_user(token).await.status(), 200, "round {round}");
        }
        // The used refresh token again: reuse, so the whole family is revoked.
        assert_eq!(refresh(&a, &first.refresh).await.status(), 401);
        for token in [&first.access, &second] {
            let status = b.get_user(token).await.status();
            if status != 401 {
                accepted.push((round, status.as_u16()));
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "B accepted tokens of a family A had already revoked: {accepted:?}"
    );
}

async fn wait_for_link(app: &TestApp, up: bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while app.state.events.link().up != up {
        assert!(
            Instant::now() < deadline,
            "the event link never became up={up}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn without_its_subscription_an_instance_trusts_no_cached_principal() {
    let port = free_port();
    let mut redis = start_redis(port).await;
    let app = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), format!("redis://127.0.0.1:{port}"));
        s.insert("AUTH_CACHE_TTL".into(), "60".into());
    })
    .await;
    wait_for_link(&app, true).await;
    let tokens = app.signed_in_user("unheard").await;
    assert_eq!(app.get_user(&tokens.access).await.status(), 200);
    // Revoked behind this instance's back (as by another instance whose message it
    // cannot hear): while subscribed it still serves its cached principal ...
    let claims = app
        .state
        .auth
        .keys()
        .decode(&tokens.access, pinkflow::auth::tokens::TokenType::Access)
        .unwrap();
    app.state
        .db
        .run(move |c| {
            pinkflow::models::token::revoke_family(c, &claims.fam)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        app.get_user(&tokens.access).await.status(),
        200,
        "served from the principal cache"
    );
    // ... but once the subscription is gone it asks the database every time.
    redis.kill().await.unwrap();
    let _ = redis.wait().await;
    wait_for_link(&app, false).await;
    assert_eq!(app.get_user(&tokens.access).await.status(), 401);
    let other = app.signed_in_user("while-down").await;
    for _ in 0..3 {
        assert_eq!(app.get_user(&other.access).await.status(), 200);
    }
    // Subscribed again: what was cached before the gap is never served again.
    let _redis = start_redis(port).await;
    wait_for_link(&app, true).await;
    assert_eq!(app.get_user(&tokens.access).await.status(), 401);
    assert_eq!(app.get_user(&other.access).await.status(), 200);
}

/// With the principal cache off, every request reads revocation from the database; under
/// load on PostgreSQL those reads are coalesced into batches. Each of many concurrent
/// requests still gets its own token's answer: its own account, or 401 once revoked.
#[tokio::test]
async fn uncached_checks_under_load_answer_each_token_for_itself() {
    let app = spawn_app_with(|s| {
        s.insert("AUTH_CACHE_TTL".into(), "0".into());
    })
    .await;
    let mut tokens = Vec::new();
    for i in 0..6 {
        let name = format!("load{i}");
        let live = app.signed_in_user(&name).await;
        let gone = {
            let r = app
                .login(&format!("{name}@example.com"), "password123")
                .await;
            let body = json_body(r).await;
            Tokens {
                access: body["access_token"].as_str().unwrap().to_owned(),
                refresh: body["refresh_token"].as_str().unwrap().to_owned(),
            }
        };
        assert_eq!(logout(&app, &gone).await, 200);
        tokens.push((name.clone(), live.access, true));
        tokens.push((name, gone.access, false));
    }
    let before = app.state.auth.token_check_stats();
    let requests = (0..240).map(|n| {
        let (name, token, live) = tokens[n % tokens.len()].clone();
        let app = &app;
        async move {
            let r = app.get_user(&token).await;
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (name, live, status, body)
        }
    });
    for (name, live, status, body) in futures_util::future::join_all(requests).await {
        if live {
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(body["username"], name.as_str(), "{body}");
        } else {
            assert_eq!(status, 401, "{name}'s revoked token: {body}");
        }
    }
    if let (Some((checks0, batches0)), Some((checks1, batches1))) =
        (before, app.state.auth.token_check_stats())
    {
        let (checks, batches) = (checks1 - checks0, batches1 - batches0);
        assert_eq!(checks, 240, "every request was checked in the database");
        assert!(
            batches < checks,
            "concurrent checks shared batches: {checks} checks in {batches} batches"
        );
    }
}
