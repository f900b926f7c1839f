//! WebVTT captions: upload, validation with line numbers, serving, transcripts.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{TestApp, json_body, spawn_app};
use crate::video_helpers::{clip, get_video, upload_clip};

const GOOD: &str =
    "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Sam>Hello!\n\n00:01.000 --> 00:02.000\n[music fades]\n";

fn caption_form(vtt: &str, language: &str, label: &str) -> Form {
    Form::new()
        .text("language", language.to_owned())
        .text("label", label.to_owned())
        .part(
            "file",
            Part::bytes(vtt.as_bytes().to_vec()).file_name("captions.vtt"),
        )
}

async fn post_captions(app: &TestApp, token: &str, id: i64, form: Form) -> reqwest::Response {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .post(app.url(&format!("/api/videos/{id}/captions")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn uploaded(app: &TestApp, token: &str) -> i64 {
    let path = clip(app, "c.mp4");
    upload_clip(app, token, &path, "Captioned").await["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn good_captions_are_stored_served_as_vtt_and_give_a_transcript() {
    let app = spawn_app().await;
    let token = app.signed_in_user("captioner").await.access;
    let id = uploaded(&app, &token).await;

    let r = post_captions(&app, &token, id, caption_form(GOOD, "EN-gb", "English")).await;
    assert_eq!(r.status(), 201);
    let caption = json_body(r).await;
    assert_eq!(caption["language"], "en-GB");
    assert_eq!(caption["label"], "English");
    assert_eq!(caption["kind"], "captions");
    assert_eq!(caption["cue_count"], 2);

    let video = json_body(get_video(&app, &token, id).await).await;
    assert_eq!(video["captions"][0]["id"], caption["id"]);

    let r = app
        .client
        .get(app.url(caption["url"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/vtt; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), GOOD);
    // Not for anonymous visitors of a private video.
    let r = app
        .client
        .get(app.url(caption["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let r = app
        .client
        .get(app.url(&format!("/api/videos/{id}/transcript?language=en")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let transcript = json_body(r).await;
    let lines = transcript["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["speaker"], "Sam");
    assert_eq!(lines[0]["text"], "Hello!");
    assert_eq!(lines[1]["start"], "00:00:01.000");
    assert_eq!(lines[1]["text"], "[music fades]");

    // The same language again replaces the track (and its file).
    let r = post_captions(
        &app,
        &token,
        id,
        caption_form(GOOD, "en-GB", "English (UK)"),
    )
    .await;
    assert_eq!(r.status(), 201);
    let video = json_body(get_video(&app, &token, id).await).await;
    assert_eq!(video["captions"].as_array().unwrap().len(), 1);
    assert_eq!(video["captions"][0]["label"], "English (UK)");
    assert_eq!(crate::video_helpers::files_in(&app, "captions").len(), 1);
}

#[tokio::test]
async fn malformed_captions_are_refused_with_the_line_number() {
    let app = spawn_app().await;
    let token = app.signed_in_user("typo").await.access;
    let id = uploaded(&app, &token).await;
    // A broken timing line: the cue is skipped, as browsers skip it, and named by line.
    let bad = "WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n\n00:01,000 --> 00:02.000\nOops\n";
    let r = post_captions(&app, &token, id, caption_form(bad, "en", "English")).await;
    assert_eq!(r.status(), 201);
    let body = json_body(r).await;
    assert_eq!(body["cue_count"], 1);
    let warning = body["warnings"][0].as_str().unwrap();
    assert!(warning.starts_with("Line 6"), "{warning}");
    assert!(warning.contains("start time"), "{warning}");
    // With no cue left the file is refused, naming the line.
    let bad = "WEBVTT\n\n00:01,000 --> 00:02.000\nOops\n";
    let r = post_captions(&app, &token, id, caption_form(bad, "fr", "French")).await;
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("Line 3"), "{message}");
    assert!(message.contains("start time"), "{message}");
    assert_eq!(crate::video_helpers::files_in(&app, "captions").len(), 1);

    let r = post_captions(&app, &token, id, caption_form("just text", "en", "English")).await;
    assert_eq!(r.status(), 422);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("Line 1")
    );

    let r = post_captions(&app, &token, id, Form::new().text("language", "english")).await;
    assert_eq!(r.status(), 422);
    let body: Value = json_body(r).await;
    for field in ["file", "language", "label"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }

    // Only the owner may add captions.
    let other = app.signed_in_user("stranger").await.access;
    let r = post_captions(&app, &other, id, caption_form(GOOD, "en", "English")).await;
    assert_eq!(r.status(), 404);
}
