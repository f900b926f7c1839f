//! The `pinkflow` binary itself: configuration errors, `migrate`, and what `serve` logs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and tool code: a failed unwrap is a failed run, with its message"
)]

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pinkflow");
const GOOD_A: &str = "0123456789abcdef0123456789abcdef-access";
const GOOD_B: &str = "0123456789abcdef0123456789abcdef-refresh";

/// A command with a clean environment (no `.env` in the temp working directory).
fn pinkflow(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}/pf.db", dir.display()))
        .env("VIDEO_UPLOAD_FOLDER", dir.join("videos"))
        .env("BCRYPT_COST", "10");
    cmd
}

#[test]
fn serve_and_worker_stop_with_one_line_without_the_media_helper() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["serve", "worker"] {
        let out = pinkflow(dir.path())
            .env("MEDIA_BIN", dir.path().join("no-such-helper"))
            .arg(command)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(
            lines[0].starts_with(
                "pinkflow: configuration error: MEDIA_BIN: cannot run the media helper"
            ),
            "{stderr}"
        );
        assert!(lines[0].contains("no-such-helper"), "{stderr}");
    }
    // Commands that do not touch videos do not need it.
    let out = pinkflow(dir.path())
        .env("MEDIA_BIN", dir.path().join("no-such-helper"))
        .arg("migrate")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn production_refuses_weak_or_default_secrets_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "SECRET_KEY"),
        (
            &[("SECRET_KEY", "too-short"), ("REFRESH_SECRET_KEY", GOOD_B)],
            "SECRET_KEY",
        ),
        (
            &[("SECRET_KEY", GOOD_A), ("REFRESH_SECRET_KEY", GOOD_A)],
            "REFRESH_SECRET_KEY",
        ),
        (
            &[
                ("SECRET_KEY", "dev-secret-key-change-in-production"),
                ("REFRESH_SECRET_KEY", GOOD_B),
            ],
            "SECRET_KEY",
        ),
    ];
    for (env, variable) in cases {
        let mut cmd = pinkflow(dir.path());
        cmd.env("APP_ENV", "production").arg("migrate");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {stderr}");
        assert!(lines[0].contains(&format!("{variable}:")), "{stderr}");
        for (_, v) in env {
            assert!(
                !stderr.contains(v),
                "the secret itself is never printed: {stderr}"
            );
        }
    }
}

#[test]
fn a_bad_value_names_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = pinkflow(dir.path())
        .env("PORT", "http")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PORT:"));
}

#[test]
fn migrate_applies_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let first = pinkflow(dir.path()).arg("migrate").output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let stdout = String::from_utf8_lossy(&first.stdout);
    let applied = stdout.lines().filter(|l| l.starts_with("applied ")).count();
    let expected = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert_eq!(
        applied,
        expected,
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    let second = pinkflow(dir.path()).arg("migrate").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&second.stdout).trim(),
        "database is up to date"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn serve_logs_requests_but_never_passwords_tokens_or_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = pinkflow(dir.path())
        .env("PORT", port.to_string())
        .env("SECRET_KEY", GOOD_A)
        .env("REFRESH_SECRET_KEY", GOOD_B)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let password = "Sup3r-Secret-Passw0rd";
    let r = client
        .post(format!("{base}/api/auth/register"))
        .json(&serde_json::json!({"email": "log@example.com", "username": "logger", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let login: serde_json::Value = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({"email": "log@example.com", "password": password}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = login["access_token"].as_str().unwrap().to_owned();
    let refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let r = client
        .get(format!("{base}/api/auth/user?token={access}"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();

    // SIGTERM: a graceful stop, then read everything it wrote.
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let mut logs = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "graceful exit on SIGTERM: {status:?}\n{logs}"
    );

    assert!(
        logs.contains(&request_id),
        "each request is logged with its id"
    );
    assert!(logs.contains("/api/auth/user"));
    for secret in [password, &access, &refresh, GOOD_A, GOOD_B] {
        assert!(!logs.contains(secret), "leaked {secret:.12}… into the logs");
    }
}

/// A migrated SQLite database in a fresh folder with one account, ann@example.com.
async fn migrated_with_ann() -> (tempfile::TempDir, pinkflow::db::Db, pinkflow::models::User) {
    let dir = tempfile::tempdir().unwrap();
    let out = pinkflow(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    let url =
        pinkflow::config::DatabaseUrl::parse(&format!("sqlite://{}/pf.db", dir.path().display()))
            .unwrap();
    let db = pinkflow::db::Db::connect(&url, 1).unwrap();
    let user = db
        .run(|c| {
            let at = pinkflow::db::now();
            pinkflow::models::user::insert(
                c,
                &pinkflow::models::NewUser {
                    email: "ann@example.com",
                    username: "ann",
                    password_hash: "not-a-real-hash",
                    preferred_sign_language: "BSL",
                    authorized_modules: "[]",
                    created_at: at,
                    updated_at: at,
                },
            )
        })
        .await
        .unwrap();
    (dir, db, user)
}

/// `pinkflow user grant/revoke` are audited and published; `pinkflow audit` prints the
/// trail readably, newest first, per account and limited.
#[tokio::test]
async fn audit_shows_sign_ins_and_module_changes_readably() {
    use pinkflow::events::{Envelope, Event, Via};
    let (dir, db, user) = migrated_with_ann().await;
    // A sign-in as the server's audit subscriber writes it.
    let envelope = Envelope {
        origin: "server-a".into(),
        at: pinkflow::db::now() - chrono::Duration::seconds(5),
        event: Event::UserLogin {
            user_id: user.id,
            via: Via::Browser,
        },
        local: true,
    };
    pinkflow::events::subscribers::write_audit(&db, &envelope).await;

    let run = |args: &[&str]| {
        let out = pinkflow(dir.path()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = run(&["user", "grant", "ann@example.com", "video"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = run(&["user", "revoke", "ann@example.com", "video"]);
    assert_eq!(code, Some(0), "{err}");
    // Nothing changed: nothing audited.
    let (code, _, _) = run(&["user", "revoke", "ann@example.com", "video"]);
    assert_eq!(code, Some(0));

    let (code, out, err) = run(&["audit"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].contains("module.unloaded"), "newest first: {out}");
    assert!(lines[1].contains("module.loaded"), "{out}");
    assert!(lines[2].contains("user.login"), "{out}");
    let who = format!("ann@example.com (#{})", user.id);
    assert!(lines.iter().all(|l| l.contains(&who)), "{out}");
    assert!(
        lines[1].contains(r#"{"module":"video","via":"cli"}"#),
        "{out}"
    );
    assert!(lines[2].contains(r#"{"via":"browser"}"#), "{out}");
    assert!(lines[0].contains(" UTC "), "{out}");
    assert!(!out.contains("not-a-real-hash"));

    let (_, out, _) = run(&["audit", "--limit", "1"]);
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("module.unloaded"));
    let (_, out, _) = run(&["audit", "--user", "ANN@example.com", "--limit", "10"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    let (code, _, err) = run(&["audit", "--user", "nobody@example.com"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("no account has the email nobody@example.com"),
        "{err}"
    );
}

/// `pinkflow user role EMAIL ROLE` makes the first admin: stored, audited (no actor: an
/// operator), and a bad role or unknown email stops with one line.
#[tokio::test]
async fn user_role_makes_the_first_admin() {
    let (dir, db, user) = migrated_with_ann().await;
    assert_eq!(user.role, "member");
    let run = |args: &[&str]| {
        let out = pinkflow(dir.path()).args(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["user", "role", "ANN@example.com", "admin"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("ann@example.com is now admin (was member)"),
        "{out}"
    );
    let id = user.id;
    let stored = db
        .run(move |c| pinkflow::models::user::find(c, id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.role, "admin");
    let (code, out, _) = run(&["user", "role", "ann@example.com", "admin"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("already admin"));
    let (code, _, err) = run(&["user", "role", "ann@example.com", "root"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("is not a role"), "{err}");
    let (code, _, err) = run(&["user", "role", "nobody@example.com", "admin"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no account has the email"), "{err}");
    let (code, out, _) = run(&["audit", "--user", "ann@example.com"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("user.role.changed"), "{out}");
    assert!(
        out.contains(r#""actor_id":null"#) && out.contains(r#""to":"admin""#),
        "{out}"
    );
}
