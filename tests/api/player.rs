//! The player's server side (issue 11): the frame rate read when a video is processed
//! (stored, in the API and on the player), and each caption track's transcript to
//! download as .txt or .vtt, for those who may see the video only.

use pinkflow_media::ClipSpec;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, json_body, spawn_app_with};
use crate::video_helpers::{clip_with, publish, upload_clip, wait_for_outcome};

const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Sam>Hello &amp; welcome\n\n00:01.000 --> 00:02.000\nThe weather\n";

async fn add_captions(app: &TestApp, token: &str, id: i64, language: &str) -> i64 {
    let form = Form::new()
        .text("language", language.to_owned())
        .text("label", "English")
        .part(
            "file",
            Part::bytes(VTT.as_bytes().to_vec()).file_name("c.vtt"),
        );
    let r = reqwest::Client::new()
        .post(app.url(&format!("/api/videos/{id}/captions")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    json_body(r).await["id"].as_i64().unwrap()
}

/// An app with its worker in-process (PostgreSQL does not embed one by default).
async fn app_with_worker() -> TestApp {
    spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
    })
    .await
}

/// A processed clip of `fps` frames per second.
async fn processed(app: &TestApp, token: &str, fps: i32) -> i64 {
    let spec = ClipSpec {
        fps,
        ..ClipSpec::default()
    };
    let path = clip_with(app, &format!("fps{fps}.mp4"), &spec);
    let id = upload_clip(app, token, &path, "Frames").await["id"]
        .as_i64()
        .unwrap();
    let done = wait_for_outcome(app, token, id).await;
    assert_eq!(done["status"], "ready", "{done}");
    id
}

async fn get(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_frame_rate_is_read_when_processed_stored_and_shown_to_the_player() {
    let app = app_with_worker().await;
    let token = app.signed_in_user("frames").await.access;
    let id = processed(&app, &token, 30).await;

    let video = json_body(
        get(
            &app.client,
            &app,
            &format!("/api/videos/{id}"),
            Some(&token),
        )
        .await,
    )
    .await;
    let fps = video["frame_rate"].as_f64().unwrap();
    assert!((fps - 30.0).abs() < 0.01, "frame rate {fps}");
    publish(&app, &token, id).await;
    let stranger = reqwest::Client::new();
    let html = get(&stranger, &app, &format!("/videos/{id}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(" data-frame-rate=\"30\""),
        "the player knows the frame rate"
    );
    let row = app
        .state
        .videos
        .get_viewable(i32::try_from(id).unwrap(), None)
        .await
        .unwrap();
    assert!(
        (row.frame_rate.unwrap() - 30.0).abs() < 0.01,
        "videos.frame_rate"
    );
}

#[tokio::test]
async fn transcripts_download_as_text_and_webvtt_only_for_those_who_may_see_the_video() {
    let app = app_with_worker().await;
    let token = app.signed_in_user("transcripts").await.access;
    let other = app.signed_in_user("stranger").await.access;
    let id = processed(&app, &token, 25).await;
    let caption = add_captions(&app, &token, id, "en-GB").await;
    let txt = format!("/media/videos/{id}/transcripts/{caption}.txt");
    let vtt = format!("/media/videos/{id}/transcripts/{caption}.vtt");
    let fresh = reqwest::Client::new();

    let r = get(&fresh, &app, &txt, Some(&token)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"transcript-{id}-en-GB.txt\"").as_str()
    );
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(
        r.text().await.unwrap(),
        "Frames\nEnglish\n\n[00:00:00.000] Sam: Hello & welcome\n[00:00:01.000] The weather\n"
    );

    let r = get(&fresh, &app, &vtt, Some(&token)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/vtt; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"transcript-{id}-en-GB.vtt\"").as_str()
    );
    assert_eq!(r.text().await.unwrap(), VTT);

    // A private video's transcripts are nobody else's business.
    for path in [&txt, &vtt] {
        for who in [Some(other.as_str()), None] {
            let r = get(&fresh, &app, path, who).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path} for {who:?}");
        }
    }
    // Unknown tracks, other extensions and nonsense are 404, never 500.
    for path in [
        format!("/media/videos/{id}/transcripts/{}.txt", caption + 100),
        format!("/media/videos/{id}/transcripts/{caption}.srt"),
        format!("/media/videos/{id}/transcripts/x.vtt"),
        format!("/media/videos/{}/transcripts/{caption}.txt", id + 100),
        "/media/videos/0/transcripts/-1.vtt".to_owned(),
    ] {
        let r = get(&fresh, &app, &path, Some(&token)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }

    publish(&app, &token, id).await;
    let r = get(&fresh, &app, &txt, None).await;
    assert_eq!(r.status(), 200, "public: anyone may download");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    let r = get(&fresh, &app, &vtt, Some(&other)).await;
    assert_eq!(r.status(), 200);

    // The watch page links both downloads.
    let html = get(&fresh, &app, &format!("/videos/{id}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("href=\"{txt}\" download")), "{html}");
    assert!(html.contains(&format!("href=\"{vtt}\" download")));
}

/// The sign-video layout form shows the viewer's stored choice without JavaScript: a
/// signed-out visitor who saved "side by side, top left, large" sees those checked and
/// selected on the next watch page.
#[tokio::test]
async fn the_layout_form_shows_the_stored_choice_without_javascript() {
    let app = app_with_worker().await;
    let token = app.signed_in_user("layouts").await.access;
    let main = processed(&app, &token, 25).await;
    let edition = processed(&app, &token, 25).await;
    app.client
        .patch(app.url(&format!("/api/videos/{edition}")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"sign_language": "ASL"}))
        .send()
        .await
        .unwrap();
    for id in [main, edition] {
        publish(&app, &token, id).await;
    }
    let r = app
        .client
        .post(app.url(&format!("/api/videos/{main}/editions")))
        .bearer_auth(&token)
        .json(&serde_json::json!({"video_id": edition}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let visitor = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = format!("/videos/{main}");
    let html = get(&visitor, &app, &page, None).await.text().await.unwrap();
    assert!(
        html.contains(r#"value="pip" checked>"#)
            && html.contains(r#"value="bottom-right" selected>"#),
        "the defaults are shown chosen: {html}"
    );
    let csrf = crate::helpers::csrf_from(&html).unwrap();
    let r = visitor
        .post(app.url("/preferences/player"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("sign_layout", "side"),
            ("sign_corner", "top-left"),
            ("sign_size", "large"),
            ("next", page.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = get(&visitor, &app, &page, None).await.text().await.unwrap();
    assert!(html.contains(r#"value="side" checked>"#), "{html}");
    assert!(!html.contains(r#"value="pip" checked>"#));
    assert!(html.contains(r#"value="top-left" selected>"#));
    assert!(html.contains(r#"value="large" selected>"#));
}
