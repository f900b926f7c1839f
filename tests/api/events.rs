//! The event bus: each product event is published where it happens, subscribers (audit,
//! metrics) see it, and with Redis an event reaches every instance's subscribers once.

use std::time::{Duration, Instant};

use pinkflow::events::{Envelope, Event, Publish, Via};
use pinkflow::models::audit::{self as audit_db, AuditEntry};
use serde_json::json;

use crate::helpers::{TestApp, drain, spawn_app, spawn_app_with};

fn names(events: &[Envelope]) -> Vec<&'static str> {
    events.iter().map(|e| e.event.name()).collect()
}

/// The events other than `auth.principals.invalidated` (published with every revocation
/// and account change so instances drop cached principals), and how many of those came.
fn apart_from_invalidations(events: Vec<Envelope>) -> (Vec<Envelope>, usize) {
    let (invalidations, rest): (Vec<_>, Vec<_>) = events
        .into_iter()
        .partition(|e| matches!(e.event, Event::PrincipalsInvalidated { .. }));
    (rest, invalidations.len())
}

async fn user_id(app: &TestApp, email: &str) -> i32 {
    let email = email.to_owned();
    app.state
        .db
        .run(move |c| pinkflow::models::user::find_by_email(c, &email))
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Audit rows of one account, oldest first, once `expected` of them are there.
async fn audit_rows(app: &TestApp, user: i32, expected: usize) -> Vec<AuditEntry> {
    let started = Instant::now();
    loop {
        let mut rows: Vec<AuditEntry> = app
            .state
            .db
            .run(move |c| audit_db::recent(c, Some(user), 100))
            .await
            .unwrap()
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        if rows.len() >= expected || started.elapsed() > Duration::from_secs(3) {
            rows.reverse();
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn api_registration_sign_in_preferences_and_sign_out_publish_their_events() {
    let app = spawn_app().await;
    let mut rx = app.state.events.subscribe();
    let tokens = app.signed_in_user("eventful").await;
    let id = user_id(&app, "eventful@example.com").await;
    let put = |body: serde_json::Value| {
        app.client
            .put(app.url("/api/auth/user/preferences"))
            .bearer_auth(&tokens.access)
            .json(&body)
            .send()
    };
    assert_eq!(
        put(json!({"visual_density": 1})).await.unwrap().status(),
        200
    );
    // Same density again, another preference changed: no visual_density.changed.
    let r = put(json!({"visual_density": 1, "reading_level": 2}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .post(app.url("/api/auth/logout"))
        .bearer_auth(&tokens.access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (events, invalidations) =
        apart_from_invalidations(drain(&mut rx, Duration::from_millis(300)).await);
    assert_eq!(invalidations, 3, "two preference saves and the sign-out");
    assert_eq!(
        names(&events),
        [
            "user.created",
            "user.login",
            "preferences.updated",
            "user.updated",
            "visual_density.changed",
            "preferences.updated",
            "user.updated",
            "user.logout",
        ]
    );
    let ev: Vec<&Event> = events.iter().map(|e| &e.event).collect();
    assert_eq!(
        ev[0],
        &Event::UserCreated {
            user_id: id,
            via: Via::Api
        }
    );
    assert_eq!(
        ev[1],
        &Event::UserLogin {
            user_id: id,
            via: Via::Api
        }
    );
    assert_eq!(
        ev[2],
        &Event::PreferencesUpdated {
            user_id: id,
            changed: vec!["visual_density".into()],
            via: Via::Api
        }
    );
    assert_eq!(
        ev[4],
        &Event::VisualDensityChanged {
            user_id: id,
            from: 3,
            to: 1,
            via: Via::Api
        }
    );
    assert_eq!(
        ev[5],
        &Event::PreferencesUpdated {
            user_id: id,
            changed: vec!["reading_level".into()],
            via: Via::Api
        }
    );
    assert_eq!(
        ev[7],
        &Event::UserLogout {
            user_id: id,
            via: Via::Api
        }
    );
    assert!(
        events
            .iter()
            .all(|e| e.local && e.origin == app.state.events.origin())
    );

    // The metrics subscriber counted them.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let text = app.state.metrics.render();
    for line in [
        r#"pinkflow_events_total{event="user.login"} 1"#,
        r#"pinkflow_events_total{event="preferences.updated"} 2"#,
        r#"pinkflow_events_total{event="visual_density.changed"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }

    // The audit trail has sign-in, both preference saves, the density change and
    // sign-out, with no secrets.
    let rows = audit_rows(&app, id, 6).await;
    let audited: Vec<&str> = rows.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(
        audited,
        [
            "user.created",
            "user.login",
            "preferences.updated",
            "visual_density.changed",
            "preferences.updated",
            "user.logout",
        ]
    );
    assert_eq!(rows[3].details, r#"{"from":3,"to":1,"via":"api"}"#);
    for row in &rows {
        assert!(!row.details.contains("password") && !row.details.contains(&tokens.access));
        assert_eq!(row.origin, app.state.events.origin());
    }
}

#[tokio::test]
async fn browser_sign_in_preferences_and_sign_out_publish_and_are_audited() {
    let app = spawn_app().await;
    let mut rx = app.state.events.subscribe();
    app.browser_user("webby").await;
    let id = user_id(&app, "webby@example.com").await;
    let r = app.save_preferences(&[("color_contrast", "high")]).await;
    assert_eq!(r.status(), 303);
    let token = app.csrf("/account").await;
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    // Signed out: another sign-out publishes nothing.
    let token = app.csrf("/login").await;
    app.post_form("/logout", &[("csrf_token", &token)]).await;

    let (events, invalidations) =
        apart_from_invalidations(drain(&mut rx, Duration::from_millis(300)).await);
    assert_eq!(
        invalidations, 2,
        "the preference save, and the sign-out (cached browser sessions are dropped everywhere); \
         the second sign-out had no session to delete"
    );
    assert_eq!(
        names(&events),
        [
            "user.created",
            "user.login",
            "preferences.updated",
            "user.updated",
            "user.logout",
        ]
    );
    assert_eq!(
        events[2].event,
        Event::PreferencesUpdated {
            user_id: id,
            changed: vec!["color_contrast".into()],
            via: Via::Browser
        }
    );
    assert_eq!(
        events[4].event,
        Event::UserLogout {
            user_id: id,
            via: Via::Browser
        }
    );

    let rows = audit_rows(&app, id, 4).await;
    let audited: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.event.as_str(), r.details.as_str()))
        .collect();
    assert_eq!(
        audited,
        [
            ("user.created", r#"{"via":"browser"}"#),
            ("user.login", r#"{"via":"browser"}"#),
            (
                "preferences.updated",
                r#"{"changed":["color_contrast"],"via":"browser"}"#
            ),
            ("user.logout", r#"{"via":"browser"}"#),
        ]
    );
}

#[tokio::test]
async fn a_failed_sign_in_publishes_nothing() {
    let app = spawn_app().await;
    app.register("quiet@example.com", "quiet", "password123")
        .await;
    let mut rx = app.state.events.subscribe();
    assert_eq!(
        app.login("quiet@example.com", "wrong-password")
            .await
            .status(),
        401
    );
    assert!(drain(&mut rx, Duration::from_millis(200)).await.is_empty());
}

/// Settings B needs to be another instance of A's deployment.
const SHARED: [&str; 5] = [
    "DATABASE_URL",
    "SECRET_KEY",
    "REFRESH_SECRET_KEY",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
];

#[tokio::test]
async fn with_redis_an_event_reaches_every_instance_once_and_is_audited_once() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipped: set TEST_REDIS_URL to run the multi-instance event test");
        return;
    };
    // A channel of our own, so concurrent tests' events stay out.
    let prefix = format!("pfev{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), redis_url.clone());
        s.insert("CACHE_KEY_PREFIX".into(), prefix.clone());
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
    let mut on_a = a.state.events.subscribe();
    let mut on_b = crate::helpers::subscribe_when_fanned_out(&a, &b).await;
    while on_a.try_recv().is_ok() {}

    // An event published on A reaches B's subscriber exactly once, as A's.
    let probe = Event::ModuleError {
        module: "probe".into(),
        error: "test".into(),
    };
    a.state.events.publish(probe.clone());
    let seen_b = drain(&mut on_b, Duration::from_millis(500)).await;
    assert_eq!(seen_b.len(), 1, "exactly once on B: {seen_b:?}");
    assert_eq!(seen_b[0].event, probe);
    assert!(!seen_b[0].local);
    assert_eq!(seen_b[0].origin, a.state.events.origin());
    let seen_a = drain(&mut on_a, Duration::from_millis(100)).await;
    assert_eq!(seen_a.len(), 1, "exactly once on A too (its echo ignored)");
    assert!(seen_a[0].local);

    // A preference change on A: B's subscribers hear it once, B renders the new
    // variant, and the audit trail has one row, not one per instance.
    a.browser_user("fanned").await;
    let id = user_id(&a, "fanned@example.com").await;
    let html = a
        .client
        .get(b.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/account\"") && !html.contains("actions-stacked"));
    drain(&mut on_b, Duration::from_millis(200)).await;
    let r = a.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);
    let (seen_b, invalidations) =
        apart_from_invalidations(drain(&mut on_b, Duration::from_millis(500)).await);
    assert_eq!(invalidations, 1, "B is told to drop its cached principals");
    assert_eq!(
        names(&seen_b),
        [
            "preferences.updated",
            "user.updated",
            "visual_density.changed"
        ]
    );
    assert!(
        seen_b
            .iter()
            .all(|e| !e.local && e.event.user_id() == Some(id))
    );
    let html = a
        .client
        .get(b.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("actions-stacked"),
        "B renders the minimal variant"
    );

    let rows = audit_rows(&a, id, 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rows_later = audit_rows(&b, id, 4).await;
    let count = |rows: &[AuditEntry], name: &str| rows.iter().filter(|r| r.event == name).count();
    assert_eq!(count(&rows, "preferences.updated"), 1, "{rows:?}");
    assert_eq!(count(&rows_later, "preferences.updated"), 1, "written once");
    assert_eq!(count(&rows_later, "visual_density.changed"), 1);
    assert_eq!(count(&rows_later, "user.login"), 1);

    // B counted the events it saw from A.
    let text = b.state.metrics.render();
    assert!(
        text.contains(r#"pinkflow_events_total{event="visual_density.changed"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn video_uploads_changes_and_deletions_publish_and_drop_the_catalogue() {
    use crate::video_helpers::{clip, upload_clip};
    use pinkflow::cache::{CATALOGUE, CacheKey};
    use pinkflow::domain::Preferences;

    let app = spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "false".into());
    })
    .await;
    let token = app.signed_in_user("filmer").await.access;
    let owner = user_id(&app, "filmer@example.com").await;
    let mut rx = app.state.events.subscribe();
    let path = clip(&app, "e.mp4");
    let video = upload_clip(&app, &token, &path, "Events").await;
    let id = i32::try_from(video["id"].as_i64().unwrap()).unwrap();

    // The metrics subscriber read the queue depth after the upload.
    let started = Instant::now();
    while !app
        .state
        .metrics
        .render()
        .contains("pinkflow_video_queue_depth 1")
    {
        assert!(started.elapsed() < Duration::from_secs(2), "queue depth 1");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let key = CacheKey::shared(CATALOGUE, "test-catalogue", &Preferences::default(), &[]);
    let cached = |app: &TestApp| {
        let (cache, key) = (app.state.cache.clone(), key.clone());
        async move { cache.get(&key).await }
    };
    app.state.cache.set(&key, "list").await;
    assert_eq!(cached(&app).await.as_deref(), Some("list"));
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&token)
        .json(&json!({"title": "Renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let started = Instant::now();
    while cached(&app).await.is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "catalogue dropped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.state.cache.set(&key, "list").await;
    assert_eq!(cached(&app).await.as_deref(), Some("list"));
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let started = Instant::now();
    while cached(&app).await.is_some() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "catalogue dropped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let started = Instant::now();
    while !app
        .state
        .metrics
        .render()
        .contains("pinkflow_video_queue_depth 0")
    {
        assert!(started.elapsed() < Duration::from_secs(2), "queue depth 0");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let events: Vec<Event> = drain(&mut rx, Duration::from_millis(300))
        .await
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        [
            Event::VideoUploaded {
                video_id: id,
                owner_id: owner
            },
            Event::VideoUpdated {
                video_id: id,
                owner_id: owner,
                change: "details".into()
            },
            Event::VideoDeleted {
                video_id: id,
                owner_id: owner
            },
        ]
    );
}

#[tokio::test]
async fn with_redis_a_module_grant_from_the_cli_reaches_servers_and_is_audited_once() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        eprintln!("skipped: set TEST_REDIS_URL to run the CLI-to-server event test");
        return;
    };
    let a = spawn_app_with(|s| {
        s.insert("REDIS_URL".into(), redis_url.clone());
    })
    .await;
    a.signed_in_user("granted").await;
    let id = user_id(&a, "granted@example.com").await;
    let mut on_a = a.state.events.subscribe();
    // Wait until A's listener is subscribed (a probe through Redis from "elsewhere").
    let started = Instant::now();
    let url = secrecy::SecretString::from(redis_url.clone());
    let channel = pinkflow::events::channel(&a.settings["CACHE_KEY_PREFIX"]);
    let probe = Envelope {
        origin: "probe".into(),
        at: pinkflow::db::now(),
        event: Event::UserDeleted { user_id: -1 },
        local: false,
    };
    loop {
        pinkflow::events::fanout::publish_once(&url, &channel, &probe)
            .await
            .unwrap();
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(200), on_a.recv()).await {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "A never heard");
    }
    drain(&mut on_a, Duration::from_millis(200)).await;

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pinkflow"))
        .args(["user", "grant", "granted@example.com", "reports"])
        .current_dir(a.files.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &a.settings["DATABASE_URL"])
        .env("REDIS_URL", &redis_url)
        .env("CACHE_KEY_PREFIX", &a.settings["CACHE_KEY_PREFIX"])
        .env("VIDEO_UPLOAD_FOLDER", &a.settings["VIDEO_UPLOAD_FOLDER"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (seen, invalidations) =
        apart_from_invalidations(drain(&mut on_a, Duration::from_millis(500)).await);
    assert_eq!(invalidations, 1, "the servers drop their cached principals");
    assert_eq!(names(&seen), ["module.loaded", "user.updated"], "{seen:?}");
    assert_eq!(
        seen[0].event,
        Event::ModuleLoaded {
            user_id: id,
            module: "reports".into(),
            via: Via::Cli
        }
    );
    assert!(!seen[0].local && seen[0].origin.starts_with("cli-"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rows = audit_rows(&a, id, 3).await;
    let loaded: Vec<&AuditEntry> = rows.iter().filter(|r| r.event == "module.loaded").collect();
    assert_eq!(loaded.len(), 1, "written once, by the CLI: {rows:?}");
    assert_eq!(loaded[0].details, r#"{"module":"reports","via":"cli"}"#);
}

/// Under a burst of audited events (a sign-in storm), the audit trail keeps every row:
/// its subscriber only queues, and a writer stores the queue in batches.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_audited_events_loses_no_audit_row() {
    let app = spawn_app().await;
    app.signed_in_user("burst").await;
    let id = user_id(&app, "burst@example.com").await;
    // The registration's and the sign-in's own rows are written by the same queue: wait
    // for both before counting (under load, reading at once could see only one).
    let before = audit_rows(&app, id, 2).await.len();
    const BURST: usize = 3000;
    for i in 0..BURST {
        app.state.events.publish(Event::UserLogin {
            user_id: id,
            via: Via::Api,
        });
        if i % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let started = Instant::now();
    loop {
        let n: i64 = app
            .state
            .db
            .run(move |c| {
                use diesel::prelude::*;
                use pinkflow::db::schema::audit_log;
                Ok(audit_log::table
                    .filter(audit_log::user_id.eq(id))
                    .count()
                    .get_result(c)?)
            })
            .await
            .unwrap();
        if n as usize == before + BURST {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{n} of {} audit rows after 60 s",
            before + BURST
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The lag counters start at 0 (exported from the start) and stay there.
    let text = app.state.metrics.render();
    for subscriber in ["audit", "audit-writer"] {
        let series = format!(r#"pinkflow_events_lagged_total{{subscriber="{subscriber}"}}"#);
        let lagged: Vec<&str> = text.lines().filter(|l| l.starts_with(&series)).collect();
        assert_eq!(lagged, [format!("{series} 0")], "{text}");
    }
}
