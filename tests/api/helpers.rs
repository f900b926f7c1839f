//! zero2prod-style harness: every test gets the real application on a free port with
//! a fresh database of its own.
//!
//! Backend: `PINKFLOW_TEST_BACKEND=sqlite` (default) uses a temporary SQLite file;
//! `PINKFLOW_TEST_BACKEND=postgres` creates a new database on `TEST_POSTGRES_URL`
//! (dropped afterwards) and, when `TEST_REDIS_URL` is set, uses that Redis too.

#![allow(dead_code)]

use std::collections::HashMap;

use pinkflow::config::Settings;
use pinkflow::startup::Application;
use pinkflow::state::AppState;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("PINKFLOW_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// A database that exists for one test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    fn create(dir: &tempfile::TempDir) -> (TestDb, String) {
        match backend() {
            Backend::Sqlite => {
                let db_dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", db_dir.path().join("test.db").display());
                let _ = dir;
                (TestDb::Sqlite(db_dir), url)
            }
            Backend::Postgres => {
                use diesel::{Connection, RunQueryDsl};
                let admin_url = std::env::var("TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
                let name = format!("pinkflow_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin_url)
                    .expect("connect to TEST_POSTGRES_URL");
                diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b);
                let url = format!("{base}/{name}");
                (TestDb::Postgres { admin_url, name }, url)
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop from a plain thread: this may run inside the async runtime.
            let _ = std::thread::spawn(move || {
                use diesel::{Connection, RunQueryDsl};
                if let Ok(mut conn) = diesel::PgConnection::establish(&admin_url) {
                    let _ = diesel::sql_query(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    ))
                    .execute(&mut conn);
                }
            })
            .join();
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// A client with a cookie store that does not follow redirects.
    pub client: reqwest::Client,
    pub state: AppState,
    pub settings: HashMap<String, String>,
    pub files: tempfile::TempDir,
    _db: TestDb,
}

/// The settings every test starts from: generous rate limits, cheap bcrypt.
pub fn base_settings(files: &tempfile::TempDir, database_url: String) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = [
        ("APP_ENV", "testing"),
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("WORKERS", "1"),
        ("BCRYPT_COST", "4"),
        (
            "SECRET_KEY",
            "test-access-secret-0123456789abcdef0123456789",
        ),
        (
            "REFRESH_SECRET_KEY",
            "test-refresh-secret-0123456789abcdef012345678",
        ),
        ("RATE_LIMIT_REGISTER", "10000/minute"),
        ("RATE_LIMIT_LOGIN", "10000/minute"),
        ("RATE_LIMIT_REFRESH", "10000/minute"),
        ("RATE_LIMIT_API", "10000/minute"),
        ("RATE_LIMIT_PASSWORD_RESET", "10000/minute"),
        ("DATABASE_POOL_SIZE", "4"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    map.insert("DATABASE_URL".into(), database_url);
    // Tests share one Redis: a prefix of its own keeps each app's cache keys and event
    // channel apart (a second instance of the same app copies it).
    map.insert(
        "CACHE_KEY_PREFIX".into(),
        format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
    );
    // The helper cargo built for this test run (not next to the test executable).
    map.insert(
        "MEDIA_BIN".into(),
        env!("CARGO_BIN_EXE_pinkflow-media").into(),
    );
    map.insert(
        "VIDEO_UPLOAD_FOLDER".into(),
        files.path().join("videos").display().to_string(),
    );
    if backend() == Backend::Postgres
        && let Ok(redis) = std::env::var("TEST_REDIS_URL")
    {
        map.insert("REDIS_URL".into(), redis);
    }
    map
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Start the app after letting the test change its settings.
pub async fn spawn_app_with(configure: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        pinkflow::telemetry::init(pinkflow::config::LogFormat::Pretty);
    }
    let files = tempfile::tempdir().expect("temp dir");
    let (db, url) = TestDb::create(&files);
    let mut map = base_settings(&files, url);
    configure(&mut map);
    let settings = Settings::from_map(&map).expect("valid test settings");
    let app = Application::build(settings).await.expect("app builds");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        state,
        settings: map,
        files,
        _db: db,
    }
}

/// A second instance of `app`'s system: the same database, secrets, Redis and cache
/// namespace, and the same values for `also` (other settings stay per instance).
pub async fn spawn_peer(app: &TestApp, also: &[&str]) -> TestApp {
    let settings = app.settings.clone();
    let keys: Vec<String> = [
        "DATABASE_URL",
        "SECRET_KEY",
        "REFRESH_SECRET_KEY",
        "REDIS_URL",
        "CACHE_KEY_PREFIX",
    ]
    .iter()
    .chain(also)
    .map(|k| k.to_string())
    .collect();
    spawn_app_with(move |s| {
        for key in keys {
            if let Some(v) = settings.get(&key) {
                s.insert(key, v.clone());
            }
        }
    })
    .await
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

impl TestApp {
    /// For PostgreSQL runs: (admin URL, database name) of this test's database.
    pub fn postgres_database(&self) -> Option<(String, String)> {
        match &self._db {
            TestDb::Postgres { admin_url, name } => Some((admin_url.clone(), name.clone())),
            TestDb::Sqlite(_) => None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn register(&self, email: &str, username: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/auth/register",
            &json!({"email": email, "username": username, "password": password}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_json(
            "/api/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// Register and sign in a fresh user; returns its tokens.
    pub async fn signed_in_user(&self, name: &str) -> Tokens {
        let email = format!("{name}@example.com");
        let r = self.register(&email, name, "password123").await;
        assert_eq!(r.status(), 201, "register {name}");
        let body: Value = self
            .login(&email, "password123")
            .await
            .json()
            .await
            .unwrap();
        Tokens {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn get_user(&self, access: &str) -> reqwest::Response {
        self.client
            .get(self.url("/api/auth/user"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
    }
}

/// Read a JSON body, failing with the raw text when it is not JSON.
pub async fn json_body(r: reqwest::Response) -> Value {
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

// ---- Browser pages ----

/// The value of `csrf_token` in the first form (or `#page-meta`) of a page.
pub fn csrf_from(html: &str) -> Option<String> {
    for marker in ["name=\"csrf_token\" value=\"", "data-csrf-token=\""] {
        if let Some(start) = html.find(marker) {
            let rest = &html[start + marker.len()..];
            let token: String = rest.chars().take_while(|c| *c != '"').collect();
            if !token.is_empty() {
                return Some(token);
            }
        }
    }
    None
}

/// The value of the session cookie set by a response, if any.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("pinkflow_session="))
        .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET with `HX-Request: true` (what htmx sends).
    pub async fn get_hx(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("HX-Request", "true")
            .send()
            .await
            .unwrap()
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The CSRF token of the form on `path` (this client's session).
    pub async fn csrf(&self, path: &str) -> String {
        let html = self.get_html(path).await;
        csrf_from(&html).unwrap_or_else(|| panic!("no CSRF token on {path}"))
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form_hx(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("HX-Request", "true")
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Register through the page with `password123`, then sign out again (registering
    /// signs in), so tests can sign in as they choose. Returns the registration's answer.
    pub async fn browser_register(&self, name: &str) -> reqwest::Response {
        let r = self.browser_register_signed_in(name).await;
        if r.status() == 303 {
            self.browser_logout().await;
        }
        r
    }

    /// Sign this client out through the page (when signed in), leaving any flash
    /// message waiting (the password page shows none).
    pub async fn browser_logout(&self) {
        let html = self.get_html("/account/password").await;
        if let Some(token) = csrf_from(&html) {
            self.post_form("/logout", &[("csrf_token", &token)]).await;
        }
    }

    /// Register through the page with `password123` (which signs this client in).
    pub async fn browser_register_signed_in(&self, name: &str) -> reqwest::Response {
        let token = self.csrf("/register").await;
        let email = format!("{name}@example.com");
        self.post_form(
            "/register",
            &[
                ("csrf_token", &token),
                ("email", &email),
                ("username", name),
                ("password", "password123"),
                ("preferred_sign_language", "BSL"),
            ],
        )
        .await
    }

    /// Sign in through the page; returns the response (303 on success).
    pub async fn browser_login(&self, email: &str, password: &str) -> reqwest::Response {
        let token = self.csrf("/login").await;
        self.post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
            ],
        )
        .await
    }

    /// Register and sign in through the pages.
    /// (Registering signs in.)
    pub async fn browser_user(&self, name: &str) {
        let r = self.browser_register_signed_in(name).await;
        assert_eq!(r.status(), 303, "register {name}");
    }

    /// Save preferences through the page (this client's session or cookie).
    pub async fn save_preferences(&self, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf("/preferences").await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form("/preferences", &all).await
    }
}

pub fn location(r: &reqwest::Response) -> &str {
    r.headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

pub fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A client without a cookie jar that sends exactly this session cookie.
pub async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("Cookie", format!("pinkflow_session={cookie}"))
        .send()
        .await
        .unwrap()
}

/// Subscribe to `b`'s events once `b` hears what `a` publishes (its Redis listener is
/// up): probe events are published on `a` until one arrives, then drained.
pub async fn subscribe_when_fanned_out(
    a: &TestApp,
    b: &TestApp,
) -> tokio::sync::broadcast::Receiver<pinkflow::events::Envelope> {
    hears_from(&a.state, &b.state).await
}

/// The same for two instances' states (one may be built outside [`spawn_app`]).
pub async fn hears_from(
    a: &AppState,
    b: &AppState,
) -> tokio::sync::broadcast::Receiver<pinkflow::events::Envelope> {
    use pinkflow::events::{Event, Publish};
    use std::time::{Duration, Instant};
    let mut on_b = b.events.subscribe();
    let started = Instant::now();
    loop {
        a.events.publish(Event::UserDeleted { user_id: -1 });
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_millis(200), on_b.recv()).await {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "B never heard from A"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    while on_b.try_recv().is_ok() {}
    on_b
}

/// Every event `rx` receives until none arrives for `wait`.
pub async fn drain(
    rx: &mut tokio::sync::broadcast::Receiver<pinkflow::events::Envelope>,
    wait: std::time::Duration,
) -> Vec<pinkflow::events::Envelope> {
    let mut out = Vec::new();
    while let Ok(Ok(e)) = tokio::time::timeout(wait, rx.recv()).await {
        out.push(e);
    }
    out
}
