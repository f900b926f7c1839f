//! Helpers for the video tests: synthetic clips, uploads and waiting for the worker.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pinkflow_media::{ClipSpec, write_test_clip};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{TestApp, json_body};

/// A 2 s 320x240 H.264/AAC clip (test pattern after 0.4 s of black, 440 Hz tone).
pub fn clip(app: &TestApp, name: &str) -> PathBuf {
    clip_with(app, name, &ClipSpec::default())
}

pub fn clip_with(app: &TestApp, name: &str, spec: &ClipSpec) -> PathBuf {
    let path = app.files.path().join(name);
    write_test_clip(&path, spec).expect("test clip");
    path
}

pub fn upload_form(bytes: Vec<u8>, filename: &str, title: &str) -> Form {
    Form::new()
        .text("title", title.to_owned())
        .text("description", "A test clip")
        .text("sign_language", "BSL")
        .text("visibility", "private")
        .part(
            "file",
            Part::bytes(bytes)
                .file_name(filename.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        )
}

/// POST a multipart upload on a fresh connection: a pooled one may be closed by the
/// server's keep-alive timeout while a slow test prepares its clip, and a multipart
/// body cannot be retried.
pub async fn upload(app: &TestApp, token: &str, form: Form) -> reqwest::Response {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .post(app.url("/api/videos"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("upload request")
}

/// Make the owner's video public through the API; asserts 200.
pub async fn publish(app: &TestApp, token: &str, id: i64) {
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(token)
        .json(&serde_json::json!({"visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "make video {id} public");
}

/// Upload `path` as `filename`; asserts 202 and returns the video JSON.
pub async fn upload_clip(app: &TestApp, token: &str, path: &Path, title: &str) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let r = upload(app, token, upload_form(bytes, "my clip.mp4", title)).await;
    assert_eq!(r.status(), 202, "upload accepted");
    json_body(r).await
}

pub async fn get_video(app: &TestApp, token: &str, id: i64) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Poll until the video is `ready` or `failed` (60 s at most).
pub async fn wait_for_outcome(app: &TestApp, token: &str, id: i64) -> Value {
    let start = Instant::now();
    loop {
        let body = json_body(get_video(app, token, id).await).await;
        let status = body["status"].as_str().unwrap_or_default().to_owned();
        if status == "ready" || status == "failed" {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "video {id} still {status} after 60 s: {body}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// Files under the storage area `area` (`incoming`, `originals`, …).
pub fn files_in(app: &TestApp, area: &str) -> Vec<PathBuf> {
    let dir = app.files.path().join("videos").join(area);
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Every stored file of every area.
pub fn all_stored_files(app: &TestApp) -> Vec<PathBuf> {
    ["incoming", "originals", "processed", "posters", "captions"]
        .iter()
        .flat_map(|a| files_in(app, a))
        .collect()
}

/// The user id behind an access token.
pub async fn user_id(app: &TestApp, token: &str) -> i32 {
    let body = json_body(app.get_user(token).await).await;
    let id = body["user"]["id"]
        .as_i64()
        .or_else(|| body["id"].as_i64())
        .unwrap_or_else(|| panic!("no user id in {body}"));
    i32::try_from(id).unwrap()
}
