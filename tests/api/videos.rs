//! Video upload → processing → viewing, end to end through the HTTP API with the
//! embedded worker; refusals; access rules; ranges; deletion; editions; feedback.

use std::collections::HashMap;
use std::time::Duration;

use pinkflow::events::Event;
use pinkflow_media as media;
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app_with};
use crate::video_helpers::{
    all_stored_files, clip, get_video, upload, upload_clip, upload_form, user_id, wait_for_outcome,
};

/// An app whose embedded worker runs on both backends.
async fn app_with_worker() -> TestApp {
    spawn_app_with(|s: &mut HashMap<String, String>| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
    })
    .await
}

async fn ready_video(app: &TestApp, token: &str, title: &str) -> Value {
    let path = clip(app, &format!("{}.mp4", uuid::Uuid::new_v4().simple()));
    let created = upload_clip(app, token, &path, title).await;
    let id = created["id"].as_i64().unwrap();
    let done = wait_for_outcome(app, token, id).await;
    assert_eq!(done["status"], "ready", "{done}");
    done
}

#[tokio::test]
async fn an_upload_is_processed_to_a_ready_h264_video_with_a_poster() {
    let app = app_with_worker().await;
    let mut events = app.state.events.subscribe();
    let token = app.signed_in_user("signer").await.access;
    let path = clip(&app, "source.mp4");

    let created = upload_clip(&app, &token, &path, "Hello in BSL").await;
    assert_eq!(created["title"], "Hello in BSL");
    assert_eq!(created["sign_language"], "BSL");
    assert_eq!(created["original_filename"], "my clip.mp4");
    assert!(
        ["queued", "processing", "ready"].contains(&created["status"].as_str().unwrap()),
        "{created}"
    );
    assert!(
        created["video_url"].is_null(),
        "no media before it is ready"
    );
    let id = created["id"].as_i64().unwrap();

    let done = wait_for_outcome(&app, &token, id).await;
    assert_eq!(done["status"], "ready", "{done}");
    assert_eq!(done["progress"], 100);
    assert_eq!(done["width"], 320);
    assert_eq!(done["height"], 240);
    assert_eq!(done["video_codec"], "h264");
    assert_eq!(done["audio_codec"], "aac");
    assert!(done["error"].is_null());
    assert_eq!(done["captions"], json!([]));
    let duration = done["duration_seconds"].as_f64().unwrap();
    assert!((duration - 2.0).abs() < 0.2, "duration {duration}");

    // The processed MP4 decodes and lasts two seconds.
    let video_url = done["video_url"].as_str().unwrap();
    let r = app
        .client
        .get(app.url(video_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "video/mp4");
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    let mp4 = app.files.path().join("downloaded.mp4");
    std::fs::write(&mp4, r.bytes().await.unwrap()).unwrap();
    let check = media::inspect(&mp4).unwrap();
    assert_eq!(check.video_codec, "h264");
    assert_eq!(check.audio_codec.as_deref(), Some("aac"));
    assert!(check.video_frames >= 45, "{check:?}");
    assert!(
        (check.duration_seconds.unwrap() - 2.0).abs() < 0.2,
        "{check:?}"
    );

    // The poster is a JPEG of a picture, not of the black lead-in.
    let r = app
        .client
        .get(app.url(done["poster_url"].as_str().unwrap()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let jpeg = r.bytes().await.unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    let poster = app.files.path().join("poster.jpg");
    std::fs::write(&poster, &jpeg).unwrap();
    let image = media::inspect(&poster).unwrap();
    assert_eq!((image.width, image.height), (320, 240));
    assert!(image.first_frame_mean_luma > 40.0, "{image:?}");

    // Events were published where they happened.
    let mut names = Vec::new();
    while let Ok(Ok(e)) = tokio::time::timeout(Duration::from_millis(500), events.recv()).await {
        if matches!(
            e.event,
            Event::VideoUploaded { video_id, .. }
                | Event::VideoProcessingStarted { video_id, .. }
                | Event::VideoProcessingCompleted { video_id, .. } if i64::from(video_id) == id
        ) {
            names.push(e.name());
        }
    }
    assert_eq!(
        names,
        [
            "video.uploaded",
            "video.processing.started",
            "video.processing.completed"
        ]
    );

    // Listed among the caller's own videos.
    let r = app
        .client
        .get(app.url("/api/videos"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let list = json_body(r).await;
    assert_eq!(list["videos"].as_array().unwrap().len(), 1);
    assert_eq!(list["videos"][0]["id"], id);
}

#[tokio::test]
async fn a_renamed_text_file_is_refused_and_nothing_is_left_behind() {
    let app = app_with_worker().await;
    let token = app.signed_in_user("texter").await.access;
    let text = b"This is a shopping list, not a video.\n".repeat(200);
    let r = upload(&app, &token, upload_form(text, "holiday.mp4", "Holiday")).await;
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("not a video"), "{message}");
    assert_eq!(body["fields"]["file"], message);
    assert!(
        all_stored_files(&app).is_empty(),
        "{:?}",
        all_stored_files(&app)
    );

    let r = upload(
        &app,
        &token,
        upload_form(b"x".to_vec(), "notes.txt", "Notes"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    assert!(
        body["fields"]["file"].as_str().unwrap().contains(".mp4"),
        "{body}"
    );
    assert!(all_stored_files(&app).is_empty());

    let r = app
        .client
        .get(app.url("/api/videos"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(r).await["videos"], json!([]));
}

#[tokio::test]
async fn an_oversized_upload_is_413_and_nothing_is_left_behind() {
    let app = spawn_app_with(|s| {
        s.insert("VIDEO_MAX_SIZE_MB".into(), "1".into());
    })
    .await;
    let token = app.signed_in_user("bigfile").await.access;
    // Far over the limit: refused from the declared length, before reading.
    let r = upload(
        &app,
        &token,
        upload_form(vec![0u8; 3 * 1024 * 1024], "big.mp4", "Big"),
    )
    .await;
    assert_eq!(r.status(), 413);
    let message = json_body(r).await["error"].as_str().unwrap().to_owned();
    assert!(message.contains("1 MB"), "{message}");
    // Just over the limit: refused while streaming, the partial file deleted.
    let r = upload(
        &app,
        &token,
        upload_form(vec![0u8; 1024 * 1024 + 100 * 1024], "big.mp4", "Big"),
    )
    .await;
    assert_eq!(r.status(), 413);
    assert!(
        all_stored_files(&app).is_empty(),
        "{:?}",
        all_stored_files(&app)
    );
}

#[tokio::test]
async fn uploading_needs_the_video_module() {
    // The grant below bypasses the services (as the CLI in another process does), so the
    // principal cache is off: a running server would see it within AUTH_CACHE_TTL.
    let app = spawn_app_with(|s| {
        s.insert("DEFAULT_MODULES".into(), "profile".into());
        s.insert("AUTH_CACHE_TTL".into(), "0".into());
    })
    .await;
    let token = app.signed_in_user("nomodule").await.access;
    let path = clip(&app, "c.mp4");
    let bytes = std::fs::read(&path).unwrap();
    let r = upload(&app, &token, upload_form(bytes.clone(), "c.mp4", "Clip")).await;
    assert_eq!(r.status(), 403);
    let message = json_body(r).await["error"].as_str().unwrap().to_owned();
    assert!(message.contains("video module"), "{message}");
    assert!(all_stored_files(&app).is_empty());

    // Granting the module (as `pinkflow user grant` does) lets the upload through.
    let id = user_id(&app, &token).await;
    let db = app.state.db.clone();
    db.run(move |conn| {
        pinkflow::models::user::set_modules(conn, id, &["profile".into(), "video".into()])
    })
    .await
    .unwrap();
    let r = upload(&app, &token, upload_form(bytes, "c.mp4", "Clip")).await;
    assert_eq!(r.status(), 202);
}

#[tokio::test]
async fn missing_fields_are_named() {
    let app = spawn_app_with(|_| {}).await;
    let token = app.signed_in_user("forgetful").await.access;
    let form = reqwest::multipart::Form::new()
        .text("sign_language", "Klingon")
        .text("visibility", "secret");
    let r = upload(&app, &token, form).await;
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    for field in ["file", "title", "sign_language", "visibility"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    let r = app
        .client
        .post(app.url("/api/videos"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(json_body(r).await["error"].is_string());
}

#[tokio::test]
async fn ranges_access_rules_and_delete() {
    let app = app_with_worker().await;
    let owner = app.signed_in_user("owner").await.access;
    let other = app.signed_in_user("other").await.access;
    let done = ready_video(&app, &owner, "Private clip").await;
    let id = done["id"].as_i64().unwrap();
    let video_url = app.url(done["video_url"].as_str().unwrap());

    // Range request: 206 with exactly the bytes asked for.
    let full = app
        .client
        .get(&video_url)
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let r = app
        .client
        .get(&video_url)
        .bearer_auth(&owner)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", full.len()).as_str()
    );
    assert_eq!(r.bytes().await.unwrap(), full.slice(100..200));

    // HEAD tells the size without the bytes.
    let r = app
        .client
        .head(&video_url)
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-length"],
        full.len().to_string().as_str()
    );
    assert!(r.bytes().await.unwrap().is_empty());

    // Private: others and anonymous visitors see nothing.
    assert_eq!(get_video(&app, &other, id).await.status(), 404);
    let anon = app.client.get(&video_url).send().await.unwrap();
    assert_eq!(anon.status(), 404);
    let r = app
        .client
        .get(&video_url)
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Public: anyone may watch.
    let r = app
        .client
        .patch(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&owner)
        .json(&json!({"visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["visibility"], "public");
    let anon = app.client.get(&video_url).send().await.unwrap();
    assert_eq!(anon.status(), 200);
    assert_eq!(anon.headers()["cache-control"], "public, max-age=3600");
    let r = app
        .client
        .get(app.url("/api/videos?scope=public"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(json_body(r).await["videos"][0]["id"], id);

    // Delete removes the row and every file.
    assert!(!all_stored_files(&app).is_empty());
    let r = app
        .client
        .delete(app.url(&format!("/api/videos/{id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(get_video(&app, &owner, id).await.status(), 404);
    assert!(
        all_stored_files(&app).is_empty(),
        "{:?}",
        all_stored_files(&app)
    );
    let anon = app.client.get(&video_url).send().await.unwrap();
    assert_eq!(anon.status(), 404);
}

#[tokio::test]
async fn signed_editions_link_across_sign_languages_and_feedback_is_one_per_viewer() {
    let app = app_with_worker().await;
    let owner = app.signed_in_user("editor").await.access;
    let viewer = app.signed_in_user("viewer").await.access;
    let bsl = ready_video(&app, &owner, "Welcome (BSL)").await;
    let asl_clip = clip(&app, "asl.mp4");
    let bytes = std::fs::read(&asl_clip).unwrap();
    let form = upload_form(bytes, "asl.mp4", "Welcome (ASL)").text("sign_language", "ASL");
    let r = upload(&app, &owner, form).await;
    // Two sign_language fields: the last one wins.
    assert_eq!(r.status(), 202);
    let asl = json_body(r).await;
    assert_eq!(asl["sign_language"], "ASL");
    let (bsl_id, asl_id) = (bsl["id"].as_i64().unwrap(), asl["id"].as_i64().unwrap());
    wait_for_outcome(&app, &owner, asl_id).await;

    let link = |id: i64, other: i64| {
        app.client
            .post(app.url(&format!("/api/videos/{id}/editions")))
            .bearer_auth(&owner)
            .json(&json!({ "video_id": other }))
            .send()
    };
    let r = link(bsl_id, asl_id).await.unwrap();
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["editions"][0]["id"], asl_id);
    assert_eq!(body["editions"][0]["sign_language"], "ASL");

    // A second BSL edition cannot join the group.
    let another = ready_video(&app, &owner, "Welcome again (BSL)").await;
    let r = link(another["id"].as_i64().unwrap(), asl_id).await.unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(link(bsl_id, bsl_id).await.unwrap().status(), 422);

    // Feedback: only on videos the viewer can see; one rating per viewer.
    let rate = |token: &str, rating: &str| {
        app.client
            .put(app.url(&format!("/api/videos/{bsl_id}/feedback")))
            .bearer_auth(token)
            .json(&json!({ "rating": rating }))
            .send()
    };
    assert_eq!(rate(&viewer, "accurate").await.unwrap().status(), 404);
    app.client
        .patch(app.url(&format!("/api/videos/{bsl_id}")))
        .bearer_auth(&owner)
        .json(&json!({"visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rate(&viewer, "accurate").await.unwrap().status(), 200);
    let r = rate(&viewer, "helpful").await.unwrap();
    let body = json_body(r).await;
    assert_eq!(body["counts"]["helpful"], 1);
    assert_eq!(body["counts"]["accurate"], 0);
    assert_eq!(body["mine"], "helpful");
    let r = rate(&viewer, "wonderful").await.unwrap();
    assert_eq!(r.status(), 422);

    // The private ASL edition is not shown to the viewer.
    let r = get_video(&app, &viewer, bsl_id).await;
    assert_eq!(json_body(r).await["editions"], json!([]));
}

/// What the HTML upload form will do: a guard sees the CSRF field before the file.
#[actix_web::test]
async fn a_guarded_upload_is_refused_before_the_file_is_stored() {
    use actix_web::{App, HttpRequest, HttpResponse, test, web};
    use pinkflow::error::ApiError;
    use pinkflow::models::User;
    use pinkflow::routes::video_forms::read_video_upload_guarded;
    use pinkflow::video::VideoError;

    async fn handler(
        state: web::Data<pinkflow::state::AppState>,
        user: web::Data<User>,
        req: HttpRequest,
        payload: actix_multipart::Multipart,
    ) -> Result<HttpResponse, ApiError> {
        let video = read_video_upload_guarded(&req, payload, &state.videos, &user, |extra| {
            if extra.get("csrf_token").map(String::as_str) == Some("good") {
                Ok(())
            } else {
                Err(VideoError::Forbidden("The form has expired".into()))
            }
        })
        .await?;
        Ok(HttpResponse::Accepted().json(serde_json::json!({ "id": video.id })))
    }

    let app = spawn_app_with(|_| {}).await;
    let token = app.signed_in_user("pageuser").await.access;
    let id = user_id(&app, &token).await;
    let db = app.state.db.clone();
    let user = db
        .run(move |conn| pinkflow::models::user::find(conn, id))
        .await
        .unwrap()
        .unwrap();
    let service = test::init_service(
        App::new()
            .app_data(web::Data::new(app.state.clone()))
            .app_data(web::Data::new(user))
            .route("/upload", web::post().to(handler)),
    )
    .await;
    let clip_bytes = std::fs::read(clip(&app, "page.mp4")).unwrap();
    let body = |csrf: &str| {
        let mut b = Vec::new();
        for (name, value) in [("csrf_token", csrf), ("title", "From the page")] {
            b.extend_from_slice(
                format!(
                    "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        b.extend_from_slice(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"page.mp4\"\r\nContent-Type: video/mp4\r\n\r\n",
        );
        b.extend_from_slice(&clip_bytes);
        b.extend_from_slice(b"\r\n--XyZ--\r\n");
        b
    };
    let request = |csrf: &str| {
        test::TestRequest::post()
            .uri("/upload")
            .insert_header(("content-type", "multipart/form-data; boundary=XyZ"))
            .set_payload(body(csrf))
            .to_request()
    };
    let refused = test::call_service(&service, request("forged")).await;
    assert_eq!(refused.status(), 403);
    assert!(all_stored_files(&app).is_empty());
    let accepted = test::call_service(&service, request("good")).await;
    assert_eq!(accepted.status(), 202);
}

#[tokio::test]
async fn broken_multipart_bodies_are_400_or_422_never_500() {
    let app = spawn_app_with(|_| {}).await;
    let token = app.signed_in_user("fuzzer").await.access;
    let post = |content_type: &'static str, body: &'static [u8]| {
        app.client
            .post(app.url("/api/videos"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (content_type, body) in [
        ("multipart/form-data; boundary=X", &b"garbage"[..]),
        ("multipart/form-data", &b"--X\r\n"[..]),
        (
            "multipart/form-data; boundary=X",
            &b"--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n\r\nabc"
                [..],
        ),
    ] {
        let r = post(content_type, body).await.unwrap();
        assert_eq!(r.status(), 400, "{content_type} {body:?}");
        assert!(json_body(r).await["error"].is_string());
    }
    // A file part without a file name (no file chosen) and non-UTF-8 text.
    let r = post(
        "multipart/form-data; boundary=X",
        b"--X\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\xff\xfe\r\n--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--X--\r\n",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    assert!(body["fields"]["title"].is_string(), "{body}");
    assert!(all_stored_files(&app).is_empty());
    // Ids that are not numbers are simply not found.
    let r = app
        .client
        .get(app.url("/api/videos/abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = app
        .client
        .get(app.url("/media/videos/99999999999/video.mp4"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}
