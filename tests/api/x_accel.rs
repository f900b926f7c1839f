//! `MEDIA_X_ACCEL_PREFIX`: off by default (the app sends the bytes itself, with ranges);
//! when set, media routes check access exactly as before and answer with
//! `X-Accel-Redirect: <prefix><storage key>` and no body, so nginx sends the file.

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_with};
use crate::video_helpers::{clip, publish, upload_clip, wait_for_outcome};

const PREFIX: &str = "/protected-media/";

async fn app(x_accel: bool) -> TestApp {
    spawn_app_with(|s: &mut HashMap<String, String>| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
        if x_accel {
            s.insert("MEDIA_X_ACCEL_PREFIX".into(), PREFIX.into());
        }
    })
    .await
}

async fn ready_video(app: &TestApp, token: &str) -> Value {
    let path = clip(app, "source.mp4");
    let created = upload_clip(app, token, &path, "Accel clip").await;
    let done = wait_for_outcome(app, token, created["id"].as_i64().unwrap()).await;
    assert_eq!(done["status"], "ready", "{done}");
    done
}

async fn get(app: &TestApp, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(url)).header("Range", "bytes=0-99");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// The stored file an `X-Accel-Redirect` target names, read from the upload folder the
/// way nginx's `internal` location (an alias of `VIDEO_UPLOAD_FOLDER`) would.
fn file_behind(app: &TestApp, target: &str) -> Vec<u8> {
    let key = target
        .strip_prefix(PREFIX)
        .expect("target under the prefix");
    assert!(!key.contains(".."), "{key}");
    std::fs::read(app.files.path().join("videos").join(key)).expect("the named file exists")
}

#[tokio::test]
async fn off_by_default_the_app_sends_the_bytes_with_ranges() {
    let app = app(false).await;
    let owner = app.signed_in_user("owner").await.access;
    let done = ready_video(&app, &owner).await;
    let r = get(&app, done["video_url"].as_str().unwrap(), Some(&owner)).await;
    assert_eq!(r.status(), 206);
    assert!(r.headers().get("x-accel-redirect").is_none());
    assert_eq!(r.bytes().await.unwrap().len(), 100);
}

#[tokio::test]
async fn with_a_prefix_access_is_checked_and_nginx_is_told_which_file_to_send() {
    let app = app(true).await;
    let owner = app.signed_in_user("owner").await.access;
    let other = app.signed_in_user("other").await.access;
    let done = ready_video(&app, &owner).await;
    let id = done["id"].as_i64().unwrap();
    let video_url = done["video_url"].as_str().unwrap().to_owned();
    let poster_url = done["poster_url"].as_str().unwrap().to_owned();

    // The owner: headers only; the target is the processed MP4 under the prefix.
    let r = get(&app, &video_url, Some(&owner)).await;
    assert_eq!(r.status(), 200, "the range is nginx's to answer");
    assert_eq!(r.headers()["content-type"], "video/mp4");
    assert_eq!(
        r.headers()["cache-control"],
        "private, max-age=0, must-revalidate"
    );
    let target = r.headers()["x-accel-redirect"].to_str().unwrap().to_owned();
    assert!(
        target.starts_with("/protected-media/processed/"),
        "{target}"
    );
    assert!(target.ends_with(".mp4"), "{target}");
    assert!(
        r.bytes().await.unwrap().is_empty(),
        "no body: nginx sends it"
    );
    let mp4 = file_behind(&app, &target);
    assert_eq!(&mp4[4..8], b"ftyp", "the target is the MP4 itself");

    // HEAD answers the same way.
    let r = app
        .client
        .head(app.url(&video_url))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-accel-redirect"], target.as_str());

    // The poster too.
    let r = get(&app, &poster_url, Some(&owner)).await;
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let poster = r.headers()["x-accel-redirect"].to_str().unwrap().to_owned();
    assert!(poster.starts_with("/protected-media/posters/"), "{poster}");
    assert_eq!(&file_behind(&app, &poster)[..2], &[0xFF, 0xD8], "a JPEG");

    // Who may not see it gets the app's own 404, and no redirect to follow.
    for token in [Some(other.as_str()), None] {
        for url in [&video_url, &poster_url] {
            let r = get(&app, url, token).await;
            assert_eq!(r.status(), 404, "{url} for {token:?}");
            assert!(r.headers().get("x-accel-redirect").is_none());
        }
    }

    // Public: anyone is redirected, and caches may keep it.
    publish(&app, &owner, id).await;
    let r = get(&app, &video_url, None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "public, max-age=3600");
    assert_eq!(r.headers()["x-accel-redirect"], target.as_str());

    // A file gone from the disk is the app's 404, not nginx's.
    std::fs::remove_file(
        app.files
            .path()
            .join("videos")
            .join(target.strip_prefix(PREFIX).unwrap()),
    )
    .unwrap();
    let r = get(&app, &video_url, None).await;
    assert_eq!(r.status(), 404);
    assert!(r.headers().get("x-accel-redirect").is_none());
}

#[tokio::test]
async fn caption_tracks_go_through_nginx_but_transcript_downloads_stay_attachments() {
    let app = app(true).await;
    let owner = app.signed_in_user("owner").await.access;
    let id = ready_video(&app, &owner).await["id"].as_i64().unwrap();
    let vtt = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n";
    let form = reqwest::multipart::Form::new()
        .text("language", "en-GB")
        .text("label", "English")
        .part(
            "file",
            reqwest::multipart::Part::bytes(vtt.as_bytes().to_vec()).file_name("c.vtt"),
        );
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/videos/{id}/captions")))
        .bearer_auth(&owner)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let caption = crate::helpers::json_body(r).await["id"].as_i64().unwrap();

    // The <track> file: headers only, nginx sends the stored WebVTT.
    let r = get(
        &app,
        &format!("/media/videos/{id}/captions/{caption}.vtt"),
        Some(&owner),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/vtt; charset=utf-8");
    let target = r.headers()["x-accel-redirect"].to_str().unwrap().to_owned();
    assert!(target.starts_with("/protected-media/captions/"), "{target}");
    assert!(r.bytes().await.unwrap().is_empty());
    let stored = String::from_utf8(file_behind(&app, &target)).unwrap();
    assert!(stored.contains("Hello"), "{stored}");

    // The transcript download: sent by the app, as an attachment.
    let r = app
        .client
        .get(app.url(&format!("/media/videos/{id}/transcripts/{caption}.vtt")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("x-accel-redirect").is_none());
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(r.text().await.unwrap().contains("Hello"));
}
