//! The database going away under a running server: clear 503s (JSON for /api, an
//! accessible page for browsers), never a bare 500, and recovery without a restart.
//! PostgreSQL only: the test refuses new connections to its own database.

use crate::helpers::{TestApp, spawn_app_with};

fn admin(app: &TestApp, sql: &str) {
    use diesel::{Connection, RunQueryDsl};
    let (admin_url, _) = app.postgres_database().unwrap();
    let mut conn = diesel::PgConnection::establish(&admin_url).unwrap();
    diesel::sql_query(sql).execute(&mut conn).unwrap();
}

#[tokio::test]
async fn database_outage_gives_503s_and_recovers_by_itself() {
    if crate::helpers::backend() != crate::helpers::Backend::Postgres {
        eprintln!("skipped: needs PINKFLOW_TEST_BACKEND=postgres");
        return;
    }
    let app = spawn_app_with(|s| {
        s.insert("AUTH_CACHE_TTL".into(), "0".into());
    })
    .await;
    let (_, name) = app.postgres_database().unwrap();
    app.browser_user("steady").await;
    let tokens = app.signed_in_user("apiuser").await;
    assert_eq!(app.get("/account").await.status(), 200);

    admin(
        &app,
        &format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"),
    );
    admin(
        &app,
        &format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"),
    );

    let r = app.get_user(&tokens.access).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert!(crate::helpers::json_body(r).await["error"].is_string());
    let r = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    // The signed-in browser (its session cookie) and a fresh visitor: pages answer,
    // or say the service is unavailable, in the layout.
    let visitor = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let requests = [
        (&app.client, "/"),
        (&app.client, "/account"),
        (&visitor, "/"),
        (&visitor, "/preferences"),
        (&visitor, "/login"),
        (&visitor, "/register"),
    ];
    for (client, path) in requests {
        let r = client.get(app.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        assert!(status < 500 || status == 503, "{path} answered {status}");
        if status == 503 {
            assert!(
                html.contains("<h1"),
                "{path}: the 503 is an accessible page"
            );
        }
    }
    let r = app.login("apiuser@example.com", "password123").await;
    assert_eq!(
        r.status(),
        503,
        "sign-in says try again later, not 'invalid credentials'"
    );

    admin(
        &app,
        &format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"),
    );
    let started = std::time::Instant::now();
    loop {
        let ok = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            == 200;
        if ok {
            break;
        }
        assert!(started.elapsed().as_secs() < 10, "no recovery after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(app.get_user(&tokens.access).await.status(), 200);
    assert_eq!(
        app.get("/account").await.status(),
        200,
        "the browser session survived"
    );
}
