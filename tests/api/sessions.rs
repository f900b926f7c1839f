//! Browser sessions: server-side, renewed at sign-in, destroyed at sign-out, with idle
//! and absolute timeouts.

use std::time::Duration;

use crate::helpers::{
    csrf_from, get_with_cookie, location, session_cookie, spawn_app, spawn_app_with,
};

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_not_secure_outside_production() {
    let app = spawn_app().await;
    let r = app.get("/login").await;
    assert_eq!(
        set_cookie(&r, "pinkflow_session"),
        None,
        "no session before sign-in"
    );
    let csrf = set_cookie(&r, "pinkflow_csrf").expect("the form's CSRF cookie");
    assert!(csrf.contains("HttpOnly"), "{csrf}");
    assert!(csrf.contains("SameSite=Lax"), "{csrf}");
    assert!(!csrf.contains("Secure"), "{csrf}");
    assert!(csrf.contains("Path=/"), "{csrf}");
    app.browser_register("cookie").await;
    let r = app.browser_login("cookie@example.com", "password123").await;
    assert_eq!(r.status(), 303);
    let set = set_cookie(&r, "pinkflow_session").expect("a session starts at sign-in");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(!set.contains("Secure"), "{set}");
    assert!(set.contains("Path=/"), "{set}");
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let app = spawn_app().await;
    app.browser_register("renew").await;
    let r = app.get("/login").await;
    assert_eq!(session_cookie(&r), None, "no session before sign-in");
    let html = r.text().await.unwrap();
    let token = csrf_from(&html).unwrap();
    let r = app
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "renew@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let before = session_cookie(&r).expect("a session cookie at sign-in");
    // The CSRF token is new at sign-in, and the signed-out one no longer passes.
    let signed_in = csrf_from(&app.get_html("/account").await).unwrap();
    assert_ne!(signed_in, token);
    let r = app
        .post_form(
            "/preferences",
            &[("csrf_token", &token), ("visual_density", "4")],
        )
        .await;
    assert_eq!(
        r.status(),
        403,
        "the signed-out token is refused once signed in"
    );
    // Signing in again (here: the same account) starts another session id.
    let r = app
        .post_form(
            "/login",
            &[
                ("csrf_token", &signed_in),
                ("email", "renew@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let after = session_cookie(&r).expect("a new session cookie at sign-in");
    assert_ne!(before, after);
    // The earlier session id does not carry the signed-in state.
    let r = get_with_cookie(&app, "/account", &before).await;
    assert_eq!(r.status(), 303);
    let r = get_with_cookie(&app, "/account", &after).await;
    assert_eq!(r.status(), 200);
    // The CSRF token is new as well.
    let html = app.get_html("/account").await;
    assert_ne!(csrf_from(&html).unwrap(), signed_in);
}

#[tokio::test]
async fn sign_out_destroys_the_session_so_a_copied_cookie_stops_working() {
    let app = spawn_app().await;
    app.browser_register("copycat").await;
    let r = app
        .browser_login("copycat@example.com", "password123")
        .await;
    let copied = session_cookie(&r).expect("session cookie");
    assert_eq!(
        get_with_cookie(&app, "/account", &copied).await.status(),
        200
    );

    let token = csrf_from(&app.get_html("/account").await).unwrap();
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap_or("").starts_with("pinkflow_session=;")),
        "the session cookie is removed"
    );

    let r = get_with_cookie(&app, "/account", &copied).await;
    assert_eq!(r.status(), 303, "the copied cookie is refused");
    assert!(location(&r).starts_with("/login"));
    // And it cannot post either.
    let r = reqwest::Client::new()
        .post(app.url("/preferences"))
        .header("Cookie", format!("pinkflow_session={copied}"))
        .header("X-CSRF-Token", &token)
        .form(&[("visual_density", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = spawn_app_with(|s| {
        s.insert("SESSION_IDLE_TIMEOUT".into(), "1s".into());
    })
    .await;
    app.browser_register("idle").await;
    let r = app.browser_login("idle@example.com", "password123").await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.get("/account").await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    assert_eq!(app.get("/account").await.status(), 303);
}

#[tokio::test]
async fn an_active_session_still_ends_at_the_absolute_timeout() {
    let app = spawn_app_with(|s| {
        s.insert("SESSION_IDLE_TIMEOUT".into(), "3s".into());
        s.insert("SESSION_ABSOLUTE_TIMEOUT".into(), "3s".into());
    })
    .await;
    app.browser_register("absolute").await;
    app.browser_login("absolute@example.com", "password123")
        .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.get("/account").await.status().as_u16());
        tokio::time::sleep(Duration::from_millis(1_000)).await;
    }
    assert_eq!(statuses[0], 200);
    assert_eq!(*statuses.last().unwrap(), 303, "{statuses:?}");
}

#[tokio::test]
async fn database_sessions_are_stored_by_hash_and_cleaned_up() {
    let app = spawn_app().await;
    if app.state.redis.is_some() {
        return; // Redis keeps its own sessions.
    }
    app.browser_register("stored").await;
    let r = app.browser_login("stored@example.com", "password123").await;
    let cookie = session_cookie(&r).unwrap();
    let ids: Vec<String> = app
        .state
        .db
        .run(|c| {
            use diesel::prelude::*;
            use pinkflow::db::schema::sessions;
            Ok(sessions::table.select(sessions::id).load::<String>(c)?)
        })
        .await
        .unwrap();
    assert!(!ids.is_empty());
    assert!(
        ids.iter()
            .all(|id| id.len() == 64 && !cookie.contains(id.as_str()))
    );
}

#[tokio::test]
async fn when_redis_is_down_sessions_fall_back_to_the_database() {
    // Nothing listens on port 1: every Redis call fails at once.
    let app = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), "redis://127.0.0.1:1".into());
    })
    .await;
    app.browser_register("degraded").await;
    let r = app
        .browser_login("degraded@example.com", "password123")
        .await;
    assert_eq!(r.status(), 303);
    let copied = session_cookie(&r).unwrap();
    let html = app.get_html("/account").await;
    assert!(html.contains("degraded@example.com"));
    let token = csrf_from(&html).unwrap();
    assert_eq!(
        app.post_form("/logout", &[("csrf_token", &token)])
            .await
            .status(),
        303
    );
    assert_eq!(
        get_with_cookie(&app, "/account", &copied).await.status(),
        303
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_in_production() {
    let app = spawn_app_with(|s| {
        s.insert("APP_ENV".into(), "production".into());
        s.insert("BCRYPT_COST".into(), "10".into());
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
    })
    .await;
    let r = app.get("/login").await;
    assert!(r.headers().contains_key("strict-transport-security"));
    assert_eq!(set_cookie(&r, "pinkflow_session"), None);
    let csrf = set_cookie(&r, "__Host-pinkflow_csrf").expect("a __Host- CSRF cookie");
    assert!(
        csrf.contains("Secure") && csrf.contains("HttpOnly") && csrf.contains("Path=/"),
        "{csrf}"
    );
    assert!(!csrf.to_ascii_lowercase().contains("domain="), "{csrf}");
    let value = csrf
        .strip_prefix("__Host-pinkflow_csrf=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let token = csrf_from(&r.text().await.unwrap()).unwrap();
    assert_eq!(
        app.register("prod@example.com", "prod", "password123")
            .await
            .status(),
        201
    );
    // Over plain HTTP the client would not send a Secure cookie back: send it by hand.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/login"))
        .header("Cookie", format!("__Host-pinkflow_csrf={value}"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "prod@example.com"),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = set_cookie(&r, "pinkflow_session").unwrap();
    assert!(set.contains("Secure") && set.contains("HttpOnly"), "{set}");
}

#[tokio::test]
async fn expired_database_sessions_are_purged() {
    let app = spawn_app_with(|s| {
        s.insert("SESSION_IDLE_TIMEOUT".into(), "1s".into());
        s.remove("REDIS_URL");
    })
    .await;
    app.browser_user("purged").await;
    let count = || async {
        app.state
            .db
            .run(|c| {
                use diesel::prelude::*;
                use pinkflow::db::schema::sessions;
                Ok(sessions::table.count().get_result::<i64>(c)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1);
    let store = pinkflow::web::session_store::AppSessionStore::new(
        &app.state.db,
        None,
        Duration::from_secs(2),
        "unused",
    )
    .await
    .unwrap();
    assert_eq!(store.purge_expired().await.unwrap(), 0, "not expired yet");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_eq!(store.purge_expired().await.unwrap(), 1);
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn a_signed_in_visitors_requests_do_not_each_write_the_session() {
    let app = spawn_app().await;
    if app.state.redis.is_some() {
        return; // The same throttle covers Redis; the rows are what can be read here.
    }
    app.browser_user("quiet").await;
    let expiries = || async {
        app.state
            .db
            .run(|c| {
                use diesel::prelude::*;
                use pinkflow::db::schema::sessions;
                Ok(sessions::table
                    .select(sessions::expires_at)
                    .load::<chrono::NaiveDateTime>(c)?)
            })
            .await
            .unwrap()
    };
    // The first page after sign-in changes the session (it shows and drops the flash).
    assert_eq!(app.get("/account").await.status(), 200);
    let after_sign_in = expiries().await;
    assert_eq!(after_sign_in.len(), 1);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for _ in 0..5 {
        assert_eq!(app.get("/account").await.status(), 200);
    }
    assert_eq!(
        expiries().await,
        after_sign_in,
        "the idle expiry is written at most once per interval, not on every request"
    );
}
