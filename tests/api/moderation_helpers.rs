//! Helpers for the moderation tests: accounts with roles, ready public videos inserted
//! directly (no processing needed), and reading the audit trail.

use pinkflow::db::now;
use pinkflow::domain::Role;
use pinkflow::events::Via;
use pinkflow::models::video as video_db;

use crate::helpers::{TestApp, Tokens};
use crate::video_helpers::user_id;

/// A signed-in account (API tokens) and its id.
pub struct Account {
    pub id: i32,
    pub tokens: Tokens,
    pub email: String,
}

/// Register `name` and give it `role` the way `pinkflow user role` does.
pub async fn account(app: &TestApp, name: &str, role: Role) -> Account {
    let tokens = app.signed_in_user(name).await;
    let id = user_id(app, &tokens.access).await;
    if role != Role::Member {
        let user = app
            .state
            .db
            .run(move |c| pinkflow::models::user::find(c, id))
            .await
            .unwrap()
            .unwrap();
        pinkflow::moderation::change_role(
            &app.state.db,
            &app.state.events,
            &user,
            role,
            None,
            Via::Cli,
        )
        .await
        .unwrap();
    }
    Account {
        id,
        tokens,
        email: format!("{name}@example.com"),
    }
}

/// A public, ready video of `owner` (no files: enough for pages, lists and reports).
pub async fn public_video(app: &TestApp, owner: i32, title: &str) -> i32 {
    let title = title.to_owned();
    let video = app
        .state
        .db
        .run(move |conn| {
            let at = now();
            let key = format!("originals/{}.mp4", uuid::Uuid::new_v4().simple());
            video_db::insert(
                conn,
                &video_db::NewVideo {
                    owner_id: owner,
                    title: &title,
                    description: "A signed story",
                    sign_language: "BSL",
                    visibility: "public",
                    status: "ready",
                    progress: 100,
                    original_filename: "story.mp4",
                    source_key: &key,
                    source_size: 1000,
                    duration_seconds: Some(2.0),
                    width: Some(320),
                    height: Some(240),
                    video_codec: Some("h264"),
                    audio_codec: None,
                    attempts: 1,
                    created_at: at,
                    updated_at: at,
                },
            )
        })
        .await
        .unwrap();
    video.id
}

/// The audit rows of `event`, once there are at least `count` (the writer is
/// asynchronous: waits up to 5 s).
pub async fn audit_rows(app: &TestApp, event: &str, count: usize) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let rows = app
            .state
            .db
            .run(|c| pinkflow::models::audit::recent(c, None, 500))
            .await
            .unwrap();
        let found: Vec<serde_json::Value> = rows
            .iter()
            .filter(|(e, _)| e.event == event)
            .map(|(e, _)| {
                let mut v: serde_json::Value = serde_json::from_str(&e.details).unwrap();
                v["user_id"] = serde_json::json!(e.user_id);
                v
            })
            .collect();
        if found.len() >= count || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A browser of its own (cookie jar, no redirects followed) on `app`.
pub struct Browser {
    pub client: reqwest::Client,
    base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    pub async fn html(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Post a form from `page` (its CSRF token is added).
    pub async fn post(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let (_, html) = self.html(page).await;
        let token =
            crate::helpers::csrf_from(&html).unwrap_or_else(|| panic!("no CSRF token on {page}"));
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Sign in through the page; the status (303 on success).
    pub async fn login(&self, email: &str) -> reqwest::Response {
        self.post(
            "/login",
            "/login",
            &[("email", email), ("password", "password123")],
        )
        .await
    }
}

/// The moderation service of `app`.
pub fn moderation(app: &TestApp) -> pinkflow::moderation::ModerationService {
    pinkflow::moderation::ModerationService::new(
        app.state.db.clone(),
        app.state.videos.clone(),
        app.state.events.clone(),
    )
}
