//! The video pages: my videos (live status), the upload form, the video page (player,
//! captions, transcript, feedback, owner controls), the catalogue, and media for the
//! signed-in browser session.

use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};

use std::collections::HashMap;

use crate::helpers::{TestApp, csrf_from, header, location, spawn_app_with};
use crate::video_helpers::{clip, user_id};

const GOOD_VTT: &str = "WEBVTT\n\n00:00.000 --> 00:01.000\n<v Sam>Hello there!\n\n00:01.000 --> 00:02.000\n[door slams]\n";

/// An app whose embedded worker runs on both backends (PostgreSQL has it off by default).
async fn app_with_worker(configure: impl FnOnce(&mut HashMap<String, String>)) -> TestApp {
    spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
        configure(s);
    })
    .await
}

/// A second browser (its own cookies) on the same app.
struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    async fn sign_up(&self, name: &str) {
        let html = self.get("/register").await.text().await.unwrap();
        let token = csrf_from(&html).unwrap();
        let email = format!("{name}@example.com");
        let r = self
            .client
            .post(format!("{}/register", self.base))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", &email),
                ("username", name),
                ("password", "password123"),
                ("preferred_sign_language", "ASL"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        // Registering signed in; sign out to sign in as before.
        let html = self.get("/account/password").await.text().await.unwrap();
        let token = csrf_from(&html).unwrap();
        self.client
            .post(format!("{}/logout", self.base))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .unwrap();
        let html = self.get("/login").await.text().await.unwrap();
        let token = csrf_from(&html).unwrap();
        let r = self
            .client
            .post(format!("{}/login", self.base))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", &email),
                ("password", "password123"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
}

fn video_form(
    token: &str,
    title: &str,
    sign_language: &str,
    file: Option<(Vec<u8>, &str)>,
) -> Form {
    let mut form = Form::new()
        .text("csrf_token", token.to_owned())
        .text("title", title.to_owned())
        .text("description", "Signed hello")
        .text("sign_language", sign_language.to_owned())
        .text("visibility", "private");
    if let Some((bytes, name)) = file {
        form = form.part(
            "file",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        );
    }
    form
}

/// POST the upload form as a browser does (token in the query string and the body).
async fn post_upload(app: &TestApp, token: &str, form: Form) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/videos?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Upload a clip through the page; returns the new video's id.
async fn upload_via_page(app: &TestApp, title: &str, sign_language: &str) -> i32 {
    let bytes = std::fs::read(clip(app, &format!("{title}.mp4"))).unwrap();
    let token = app.csrf("/videos/new").await;
    let r = post_upload(
        app,
        &token,
        video_form(&token, title, sign_language, Some((bytes, "clip.mp4"))),
    )
    .await;
    assert_eq!(r.status(), 303, "upload accepted");
    let to = location(&r).to_owned();
    to.strip_prefix("/videos/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("redirected to {to}"))
}

/// Poll the status fragment as htmx does until the job has ended; returns the fragment.
async fn wait_until_done(app: &TestApp, id: i32) -> String {
    let start = Instant::now();
    loop {
        let html = app
            .get_hx(&format!("/videos/{id}/status?seen=queued"))
            .await
            .text()
            .await
            .unwrap();
        if html.contains("status-ready") || html.contains("status-failed") {
            return html;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "still pending: {html}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn caption_form(vtt: &str, language: &str, label: &str, token: &str) -> Form {
    Form::new()
        .text("csrf_token", token.to_owned())
        .text("language", language.to_owned())
        .text("label", label.to_owned())
        .part(
            "file",
            Part::bytes(vtt.as_bytes().to_vec()).file_name("captions.vtt"),
        )
}

#[tokio::test]
async fn video_pages_need_sign_in_and_catalogue_does_not() {
    let app = app_with_worker(|_| {}).await;
    for path in ["/videos", "/videos/new"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(location(&r).starts_with("/login?next="), "{path}");
    }
    let r = app.get("/catalogue").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"/catalogue\" aria-current=\"page\""));
    assert!(
        !html.contains("href=\"/videos/new\""),
        "no upload link signed out"
    );
    assert_eq!(app.get("/videos/abc").await.status(), 404);
    assert_eq!(app.get("/videos/999").await.status(), 404);
}

#[tokio::test]
async fn strangers_are_sent_to_sign_in_from_every_screen_that_needs_an_account() {
    let app = crate::helpers::spawn_app().await;
    for (path, back) in [
        ("/videos?sort=new", "%2Fvideos%3Fsort%3Dnew"),
        ("/videos/new", "%2Fvideos%2Fnew"),
        (
            "/videos/rows?seen=1:queued",
            "%2Fvideos%2Frows%3Fseen%3D1%3Aqueued",
        ),
        ("/videos/1/edit", "%2Fvideos%2F1%2Fedit"),
        ("/videos/1/delete", "%2Fvideos%2F1%2Fdelete"),
        ("/account", "%2Faccount"),
    ] {
        let to = format!("/login?next={back}");
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(location(&r), to, "{path}");
        assert_eq!(header(&r, "vary"), "HX-Request", "{path}");
        assert_eq!(header(&r, "cache-control"), "no-store", "{path}");
        // htmx is sent on in place.
        let r = app.get_hx(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            header(&r, "hx-location"),
            format!("{{\"path\":\"{to}\",\"target\":\"#page\"}}"),
            "{path}"
        );
        assert_eq!(location(&r), "", "{path}");
    }
    let token = app.csrf("/login").await;
    for action in ["retry", "edit", "delete", "feedback"] {
        let path = format!("/videos/1/{action}");
        let r = app
            .post_form(&path, &[("csrf_token", &token), ("rating", "helpful")])
            .await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(
            location(&r),
            format!("/login?next=%2Fvideos%2F1%2F{action}")
        );
    }
    let r = app
        .client
        .post(app.url(&format!("/videos/1/captions?csrf_token={token}")))
        .multipart(Form::new().text("csrf_token", token.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next=%2Fvideos%2F1%2Fcaptions"));
    // A form that cannot be read still gets its own error page, signed in or not.
    let r = app
        .client
        .post(app.url("/videos/1/retry"))
        .header("X-CSRF-Token", &token)
        .header("Content-Type", "text/plain")
        .body("next=video")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert!(header(&r, "content-type").starts_with("text/html"));
}

#[tokio::test]
async fn my_videos_and_upload_form_render_for_a_signed_in_user() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("uploader").await;
    let html = app.get_html("/videos").await;
    assert!(html.contains("<h1 class=\"heading-xl\">My videos</h1>"));
    assert!(html.contains("href=\"/videos\" aria-current=\"page\""));
    assert!(html.contains("href=\"/videos/new\""), "upload in the nav");
    assert!(html.contains("You have not uploaded any videos yet."));
    assert!(!html.contains("hx-trigger"), "nothing pending, no polling");

    let r = app.get("/videos/new").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(html.contains("action=\"/videos?csrf_token="));
    // The hidden CSRF field comes before the file input.
    let hidden = html.find("name=\"csrf_token\"").unwrap();
    let file = html.find("type=\"file\"").unwrap();
    assert!(hidden < file);
    assert!(html.contains("accept=\".mp4,.mov,.webm,.avi,.mkv"));
    assert!(html.contains("500 MB"), "size limit in the hint");
    // The user's sign language (BSL) is preselected.
    assert!(html.contains("<option value=\"BSL\" selected>"));
    assert!(html.contains("<progress id=\"upload-progress\" max=\"100\" value=\"0\">"));
    assert!(html.contains("id=\"upload-progress-group\""));
    assert!(html.contains(
        "id=\"visibility-private\" name=\"visibility\" type=\"radio\" value=\"private\" checked"
    ));

    // htmx gets the fragment.
    let r = app.get_hx("/videos/new").await;
    let fragment = r.text().await.unwrap();
    assert!(!fragment.contains("<!DOCTYPE html>") && fragment.starts_with("<title>"));
}

#[tokio::test]
async fn a_user_without_the_video_module_is_told_why() {
    let app = app_with_worker(|s| {
        s.insert("DEFAULT_MODULES".into(), "forum".into());
    })
    .await;
    app.browser_user("nomodule").await;
    let r = app.get("/videos/new").await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"upload-refused\""));
    assert!(html.contains("does not have the video module"));
    assert!(!html.contains("type=\"file\""));
}

#[tokio::test]
async fn upload_errors_show_the_error_summary_and_keep_answers() {
    let app = app_with_worker(|s| {
        s.insert("VIDEO_MAX_SIZE_MB".into(), "1".into());
    })
    .await;
    app.browser_user("errors").await;
    let token = app.csrf("/videos/new").await;

    // Missing title and file.
    let r = post_upload(&app, &token, video_form(&token, "", "ASL", None)).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Upload a video – PinkFlow</title>"));
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("<a href=\"#title\">Enter a title for the video</a>"));
    assert!(html.contains("<a href=\"#file\">Choose a video file to upload</a>"));
    assert!(html.contains("aria-describedby=\"title-error\" aria-invalid=\"true\""));
    assert!(
        html.contains("<option value=\"ASL\" selected>"),
        "answer kept"
    );

    // A text file renamed .mp4.
    let r = post_upload(
        &app,
        &token,
        video_form(
            &token,
            "Not a video",
            "BSL",
            Some((b"hello, I am text".repeat(100), "fake.mp4")),
        ),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("<a href=\"#file\">"));
    assert!(html.contains("value=\"Not a video\""), "title kept");

    // Larger than the limit (1 MB).
    let r = post_upload(
        &app,
        &token,
        video_form(
            &token,
            "Too big",
            "BSL",
            Some((vec![0u8; 2 * 1024 * 1024], "big.mp4")),
        ),
    )
    .await;
    assert_eq!(r.status(), 413);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("larger than the limit of 1 MB"));

    // Nothing was stored.
    let stored = crate::video_helpers::all_stored_files(&app);
    assert!(stored.is_empty(), "{stored:?}");
}

#[tokio::test]
async fn an_htmx_upload_is_sent_on_to_the_video_page() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("hxuploader").await;
    let bytes = std::fs::read(clip(&app, "hx.mp4")).unwrap();
    let token = app.csrf("/videos/new").await;
    let r = app
        .client
        .post(app.url("/videos"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .multipart(video_form(
            &token,
            "Via htmx",
            "BSL",
            Some((bytes, "hx.mp4")),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let target = header(&r, "hx-location").to_owned();
    assert!(target.contains("\"path\":\"/videos/") && target.contains("\"target\":\"#page\""));
    // A refused htmx upload comes back as the form with the summary, to be swapped in.
    let r = app
        .client
        .post(app.url("/videos"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .multipart(video_form(&token, "", "BSL", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let fragment = r.text().await.unwrap();
    assert!(fragment.starts_with("<title>Error: Upload a video – PinkFlow</title>"));
    assert!(fragment.contains("id=\"error-summary\""));
}

#[tokio::test]
async fn upload_without_a_csrf_token_is_refused() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("csrfless").await;
    let token = app.csrf("/videos/new").await;
    // No token in the query string: the middleware refuses.
    let r = app
        .client
        .post(app.url("/videos"))
        .multipart(video_form(&token, "x", "BSL", None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Query token right but the form's hidden field wrong: the guard refuses.
    let r = post_upload(
        &app,
        &token,
        video_form("wrong", "x", "BSL", Some((vec![1, 2, 3], "a.mp4"))),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(crate::video_helpers::all_stored_files(&app).is_empty());
    // Forms without a token.
    for path in ["/videos/1/delete", "/videos/1/retry", "/videos/1/feedback"] {
        let r = app.post_form(path, &[("rating", "helpful")]).await;
        assert_eq!(r.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn upload_through_the_page_plays_with_captions_transcript_and_feedback() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("owner").await;
    let id = upload_via_page(&app, "Hello", "BSL").await;

    // While processing: my videos polls and offers a refresh link.
    let list = app.get_html("/videos").await;
    assert!(list.contains(&format!("href=\"/videos/{id}\"")));
    if !list.contains("status-ready") {
        assert!(list.contains("hx-trigger=\"every 2s\""));
        assert!(list.contains("hx-get=\"/videos/rows?seen="));
        assert!(list.contains("id=\"videos-refresh\""));
        assert!(list.contains(&format!("<progress id=\"progress-{id}\" max=\"100\"")));
    }

    let done = wait_until_done(&app, id).await;
    assert!(done.contains("status-ready"), "{done}");
    // The poll stops: no trigger once ready, and the change is announced once.
    assert!(!done.contains("hx-trigger"));
    assert!(
        done.contains("<div id=\"status\" hx-swap-oob=\"innerHTML\">Hello: Ready to watch.</div>")
    );
    let again = app
        .get_hx(&format!("/videos/{id}/status?seen=ready"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !again.contains("hx-swap-oob"),
        "no announcement without a change"
    );
    let rows = app
        .get_hx(&format!("/videos/rows?seen={id}:processing"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!rows.contains("hx-trigger"));
    assert!(rows.contains("hx-swap-oob=\"innerHTML\">Hello: Ready to watch.</div>"));
    let rows = app
        .get_hx(&format!("/videos/rows?seen={id}:ready"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!rows.contains("hx-swap-oob"));
    // Without htmx the fragment URLs send people to the page.
    assert_eq!(app.get("/videos/rows").await.status(), 303);

    // The page flashes the upload message after the redirect once; then the player.
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(
        html.contains("<video id=\"player\" class=\"player-video\" controls preload=\"metadata\"")
    );
    assert!(!html.contains("autoplay"));
    assert!(html.contains(&format!("poster=\"/media/videos/{id}/poster.jpg\"")));
    assert!(html.contains(&format!(
        "<source src=\"/media/videos/{id}/video.mp4\" type=\"video/mp4\">"
    )));
    assert!(html.contains("This video has no captions yet"));
    assert!(html.contains("id=\"feedback-form\""));
    assert!(html.contains("id=\"captions-form\""));
    assert!(html.contains(&format!("href=\"/videos/{id}/delete\"")));

    // A malformed caption file: the parser's line message in the error summary.
    let token = app.csrf(&format!("/videos/{id}")).await;
    let bad = "WEBVTT\n\n00:00.000 -> 00:01.000\nBroken\n";
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/captions?csrf_token={token}")))
        .multipart(caption_form(bad, "en", "English", &token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("<a href=\"#caption-file\">The caption file is not valid WebVTT. Line 4: expected a cue timing line"));
    assert!(html.contains("<p id=\"caption-file-error\" class=\"error-message\">"));
    assert!(html.contains("id=\"caption-language\" name=\"language\" type=\"text\" spellcheck=\"false\" value=\"en\""), "answers kept");

    // Good captions: the track is the default, the transcript is on the page.
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/captions?csrf_token={token}")))
        .multipart(caption_form(GOOD_VTT, "en", "English", &token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/videos/{id}"));
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/captions?csrf_token={token}")))
        .multipart(caption_form(GOOD_VTT, "fr", "Français", &token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = app
        .client
        .get(app.url(&format!("/videos/{id}")))
        .header("Accept-Language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("The captions were added."));
    assert_eq!(html.matches("<track kind=\"captions\"").count(), 2);
    assert_eq!(html.matches(" default>").count(), 1);
    assert!(html.contains("srclang=\"en\" label=\"English\" default>"));
    assert!(html.contains("srclang=\"fr\" label=\"Français\">"));
    let player_end = html.find("</video>").unwrap();
    let transcript = html.find("id=\"transcript\"").unwrap();
    assert!(transcript > player_end, "transcript right below the player");
    assert!(html.contains("<strong>Sam:</strong> Hello there!"));
    assert!(html.contains("[door slams]"));

    // Feedback with htmx: the form comes back in place, announced.
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/feedback")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[("rating", "helpful")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fragment = r.text().await.unwrap();
    assert!(fragment.starts_with("<section id=\"feedback\""));
    assert!(fragment.contains(
        "id=\"rating-helpful\" name=\"rating\" type=\"radio\" value=\"helpful\" checked"
    ));
    assert!(
        fragment
            .contains("<div id=\"status\" hx-swap-oob=\"innerHTML\">Your rating was saved.</div>")
    );
    // Without JavaScript: post, redirect, get.
    let r = app
        .post_form(
            &format!("/videos/{id}/feedback"),
            &[("csrf_token", &token), ("rating", "accurate")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/videos/{id}#feedback"));
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(html.contains(
        "id=\"rating-accurate\" name=\"rating\" type=\"radio\" value=\"accurate\" checked"
    ));
    assert!(
        html.contains("<li data-rating=\"accurate\">Accurate – the signing is correct: 1</li>")
    );
    assert!(html.contains("<li data-rating=\"helpful\">Helpful – easy to follow: 0</li>"));

    // No rating chosen: without JavaScript the page again with the error summary (422);
    // with htmx the form in place and the problem in the alert region.
    let r = app
        .post_form(&format!("/videos/{id}/feedback"), &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Hello – PinkFlow</title>"));
    assert!(html.contains("<a href=\"#rating-accurate\">Choose how good the signing is</a>"));
    assert!(html.contains("aria-describedby=\"feedback-hint feedback-error\""));
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/feedback")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[("rating", "")])
        .send()
        .await
        .unwrap();
    let fragment = r.text().await.unwrap();
    assert!(fragment.contains("id=\"feedback-error\""));
    assert!(fragment.contains(
        "<div id=\"alerts\" hx-swap-oob=\"innerHTML\">Choose how good the signing is</div>"
    ));

    // Media with the session cookie: the owner gets the private video (ranges too).
    let r = app.get(&format!("/media/videos/{id}/video.mp4")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "video/mp4");
    let r = app
        .client
        .get(app.url(&format!("/media/videos/{id}/video.mp4")))
        .header("Range", "bytes=0-99")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap().len(), 100);
    assert_eq!(
        app.get(&format!("/media/videos/{id}/poster.jpg"))
            .await
            .status(),
        200
    );

    // Someone else: 404 for the page, the media and the owner's actions.
    let other = Browser::new(&app);
    other.sign_up("stranger").await;
    assert_eq!(other.get(&format!("/videos/{id}")).await.status(), 404);
    assert_eq!(
        other
            .get(&format!("/media/videos/{id}/video.mp4"))
            .await
            .status(),
        404
    );
    assert_eq!(
        other
            .get(&format!("/media/videos/{id}/poster.jpg"))
            .await
            .status(),
        404
    );
    assert_eq!(
        other.get(&format!("/videos/{id}/delete")).await.status(),
        404
    );
    // Signed out: 404 too.
    let anonymous = Browser::new(&app);
    assert_eq!(
        anonymous
            .get(&format!("/media/videos/{id}/video.mp4"))
            .await
            .status(),
        404
    );

    // Delete: a confirmation page, then POST with CSRF, then the list.
    let r = app.get(&format!("/videos/{id}/delete")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Delete this video?") && html.contains("id=\"delete-confirm\""));
    let token = csrf_from(&html).unwrap();
    let r = app
        .post_form(&format!("/videos/{id}/delete"), &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/videos");
    let html = app.get_html("/videos").await;
    assert!(html.contains("The video was deleted."));
    assert_eq!(app.get(&format!("/videos/{id}")).await.status(), 404);
}

#[tokio::test]
async fn a_signed_edition_in_the_viewers_language_gets_a_watch_in_link() {
    let app = app_with_worker(|_| {}).await;
    // browser_user prefers BSL.
    app.browser_user("signer").await;
    let asl = upload_via_page(&app, "Hello ASL", "ASL").await;
    let bsl = upload_via_page(&app, "Hello BSL", "BSL").await;
    let html = app.get_html(&format!("/videos/{asl}")).await;
    assert!(!html.contains("id=\"watch-in\""), "no edition linked yet");

    let tokens = app.login("signer@example.com", "password123").await;
    let access = crate::helpers::json_body(tokens).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner = user_id(&app, &access).await;
    app.state
        .videos
        .link_edition(asl, bsl, owner)
        .await
        .expect("linked");

    let html = app.get_html(&format!("/videos/{asl}")).await;
    assert!(html.contains(&format!(
        "<a class=\"button button-large\" id=\"watch-in\" href=\"/videos/{bsl}\">Watch in British Sign Language</a>"
    )));
    // The BSL edition itself needs no link to BSL.
    let html = app.get_html(&format!("/videos/{bsl}")).await;
    assert!(!html.contains("id=\"watch-in\""));
    // The control comes before the player or status, right under the heading.
    let html = app.get_html(&format!("/videos/{asl}")).await;
    let watch = html.find("id=\"watch-in\"").unwrap();
    let status = html
        .find("id=\"video-status\"")
        .or_else(|| html.find("id=\"player\""))
        .unwrap();
    assert!(watch < status);
}

#[tokio::test]
async fn catalogue_lists_public_videos_with_a_layout_per_density() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("publisher").await;
    let asl = upload_via_page(&app, "ASL story", "ASL").await;
    let bsl = upload_via_page(&app, "BSL story", "BSL").await;
    let private = upload_via_page(&app, "Secret", "BSL").await;
    // Make two of them public through the edit page.
    for id in [asl, bsl] {
        let html = app.get_html(&format!("/videos/{id}/edit")).await;
        let token = csrf_from(&html).unwrap();
        let title = if id == asl { "ASL story" } else { "BSL story" };
        let lang = if id == asl { "ASL" } else { "BSL" };
        let r = app
            .post_form(
                &format!("/videos/{id}/edit"),
                &[
                    ("csrf_token", &token),
                    ("title", title),
                    ("description", ""),
                    ("sign_language", lang),
                    ("visibility", "public"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    // Edit errors show the summary.
    let token = app.csrf(&format!("/videos/{asl}/edit")).await;
    let r = app
        .post_form(
            &format!("/videos/{asl}/edit"),
            &[
                ("csrf_token", &token),
                ("title", ""),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("<a href=\"#title\">"));

    // Public listing needs processing to be done.
    for id in [asl, bsl] {
        wait_until_done(&app, id).await;
    }

    // Default density (3): cards, BSL (the viewer's language) first.
    let html = app.get_html("/catalogue").await;
    assert!(html.contains("data-layout=\"cards\""));
    let b = html.find("BSL story").unwrap();
    let a = html.find("ASL story").unwrap();
    assert!(b < a, "viewer's sign language first");
    assert!(!html.contains("Secret"), "private video not listed");
    let _ = private;

    // Filter with a plain GET form.
    let html = app.get_html("/catalogue?sign_language=ASL").await;
    assert!(html.contains("ASL story") && !html.contains("BSL story"));
    assert!(html.contains("value=\"ASL\" checked>"));
    assert!(html.contains("method=\"get\" action=\"/catalogue\""));

    // A public, ready video plays for anyone, signed out too (page and media).
    let anonymous = Browser::new(&app);
    let r = anonymous.get(&format!("/videos/{asl}")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<video id=\"player\""));
    assert!(html.contains("Sign in to rate the signing"));
    assert!(!html.contains("id=\"captions-form\""), "no owner controls");
    assert_eq!(
        anonymous
            .get(&format!("/media/videos/{asl}/video.mp4"))
            .await
            .status(),
        200
    );

    // Density 1: one per row; density 5: a table.
    let r = app.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);
    let html = app.get_html("/catalogue").await;
    assert!(html.contains("data-layout=\"single\""));
    assert!(!html.contains("<table"));
    let r = app.save_preferences(&[("visual_density", "5")]).await;
    assert_eq!(r.status(), 303);
    let html = app.get_html("/catalogue").await;
    assert!(html.contains("<table class=\"table catalogue-table\" data-layout=\"table\">"));
    assert!(html.contains("<th scope=\"col\">Title</th>"));
    assert!(html.contains(&format!("<a href=\"/videos/{asl}\">ASL story</a>")));
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn video_pages_have_the_accessible_layout_and_htmx_fragments() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("layout").await;
    let id = upload_via_page(&app, "Layout", "BSL").await;
    // Straight after the upload the page shows the processing status (the worker may
    // already be done on a fast machine).
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(html.contains("Your video was uploaded. It is being processed now."));
    if !html.contains("status-ready") {
        assert!(html.contains(&format!("hx-get=\"/videos/{id}/status?seen=")));
        assert!(html.contains("hx-trigger=\"every 2s\""));
        assert!(!html.contains("<video"));
    }
    for path in [
        "/videos".to_owned(),
        "/videos/new".to_owned(),
        format!("/videos/{id}"),
        format!("/videos/{id}/edit"),
        format!("/videos/{id}/delete"),
        "/catalogue".to_owned(),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "vary"), "HX-Request", "{path}");
        let html = r.text().await.unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        assert_eq!(count(&html, "<h1"), 1, "{path} has one h1");
        for landmark in ["<header", "<nav", "<main id=\"main-content\"", "<footer"] {
            assert_eq!(count(&html, landmark), 1, "{path} {landmark}");
        }
        assert!(
            !html.contains("<script>") && !html.contains("style=") && !html.contains(" onclick"),
            "{path}"
        );
        assert!(!html.contains("autoplay"), "{path}");
        // Nav: my videos, upload and catalogue for a signed-in person.
        for link in [
            "href=\"/videos\"",
            "href=\"/videos/new\"",
            "href=\"/catalogue\"",
        ] {
            assert!(html.contains(link), "{path} {link}");
        }
        let r = app.get_hx(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        let fragment = r.text().await.unwrap();
        assert!(fragment.starts_with("<title>"), "{path}");
        assert!(!fragment.contains("<!DOCTYPE html>"), "{path}");
        assert_eq!(count(&fragment, "<h1"), 1, "{path}");
    }
    // The status fragment without htmx goes to the page.
    let r = app.get(&format!("/videos/{id}/status")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/videos/{id}"));
}

#[tokio::test]
async fn a_failed_video_shows_why_and_can_be_tried_again() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("failing").await;
    let id = upload_via_page(&app, "Broken", "BSL").await;
    wait_until_done(&app, id).await;
    app.state
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use pinkflow::db::schema::videos;
            diesel::update(videos::table.find(id))
                .set((
                    videos::status.eq("failed"),
                    videos::last_error.eq(Some("The file has no picture")),
                ))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();

    let html = app.get_html("/videos").await;
    assert!(html.contains("Processing failed"));
    assert!(html.contains("The file has no picture"));
    assert!(html.contains(&format!("action=\"/videos/{id}/retry\"")));
    assert!(!html.contains("hx-trigger"), "nothing pending");

    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(html.contains("The file has no picture"));
    assert!(html.contains("<input type=\"hidden\" name=\"next\" value=\"video\">"));
    assert!(!html.contains("<video"));
    let token = csrf_from(&html).unwrap();
    let r = app
        .post_form(
            &format!("/videos/{id}/retry"),
            &[("csrf_token", &token), ("next", "video")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/videos/{id}"));
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(html.contains("The video is queued for processing again."));
    let done = wait_until_done(&app, id).await;
    assert!(done.contains("status-ready"));
    // Retrying a ready video is a conflict.
    let r = app
        .post_form(&format!("/videos/{id}/retry"), &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn the_players_beacon_and_ratings_feed_the_accessibility_metrics() {
    let app = app_with_worker(|_| {}).await;
    app.browser_user("beacon").await;
    let id = upload_via_page(&app, "Beacon video", "BSL").await;
    assert!(wait_until_done(&app, id).await.contains("status-ready"));
    let page = format!("/videos/{id}");
    let html = app.get_html(&page).await;
    assert!(
        html.contains(&format!("data-load-beacon=\"/videos/{id}/load-time\"")),
        "the player names its beacon"
    );
    let token = csrf_from(&html).unwrap();
    let beacon = format!("/videos/{id}/load-time");

    // Time to first frame: 0.85 s and 3 s, by the video's sign language.
    for ms in ["850", "3000"] {
        let r = app
            .post_form(&beacon, &[("csrf_token", &token), ("ms", ms)])
            .await;
        assert_eq!(r.status(), 204, "beacon {ms}");
    }
    // Bad values are refused with the error page, and counted nowhere.
    for ms in ["", "abc", "-5", "1.5", "600001", "99999999999"] {
        let r = app
            .post_form(&beacon, &[("csrf_token", &token), ("ms", ms)])
            .await;
        assert_eq!(r.status(), 422, "beacon {ms:?}");
        assert!(header(&r, "content-type").starts_with("text/html"));
    }
    let r = app.post_form(&beacon, &[("ms", "100")]).await;
    assert_eq!(r.status(), 403, "the beacon needs the CSRF token");
    let r = app
        .post_form(
            "/videos/999999/load-time",
            &[("csrf_token", &token), ("ms", "100")],
        )
        .await;
    assert_eq!(r.status(), 404, "no such video");
    // Someone else cannot report on a private video they cannot watch.
    let stranger = Browser::new(&app);
    stranger.sign_up("stranger").await;
    let html = stranger.get("/catalogue").await.text().await.unwrap();
    let theirs = csrf_from(&html).unwrap();
    let r = stranger
        .client
        .post(format!("{}{beacon}", stranger.base))
        .form(&[("csrf_token", theirs.as_str()), ("ms", "100")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "a stranger's beacon on a private video");

    // Ratings: accurate, then changed to inaccurate, then the same again (no change).
    let feedback = format!("/videos/{id}/feedback");
    for rating in ["accurate", "inaccurate", "inaccurate"] {
        let r = app
            .post_form(&feedback, &[("csrf_token", &token), ("rating", rating)])
            .await;
        assert_eq!(r.status(), 303, "rating {rating}");
    }

    let text = app.get_html("/metrics").await;
    let m = crate::metrics::parse_prometheus(&text);
    let get = |series: &str| {
        m.get(series)
            .copied()
            .unwrap_or_else(|| panic!("{series} missing from\n{text}"))
    };
    assert_eq!(
        get(r#"pinkflow_video_load_seconds_count{sign_language="BSL"}"#),
        2.0
    );
    assert!((get(r#"pinkflow_video_load_seconds_sum{sign_language="BSL"}"#) - 3.85).abs() < 1e-9);
    assert_eq!(
        get(r#"pinkflow_video_load_seconds_bucket{sign_language="BSL",le="1"}"#),
        1.0
    );
    assert_eq!(
        get(r#"pinkflow_sign_language_feedback_total{sign_language="BSL",verdict="accurate"}"#),
        1.0
    );
    assert_eq!(
        get(r#"pinkflow_sign_language_feedback_total{sign_language="BSL",verdict="inaccurate"}"#),
        1.0,
        "the repeated rating is not counted again"
    );
    assert_eq!(get(r#"pinkflow_events_total{event="video.rated"}"#), 2.0);
    // The current ratings, from the database: one viewer, now saying inaccurate.
    let video = format!(r#"video_id="{id}",sign_language="BSL""#);
    assert_eq!(
        get(&format!(
            r#"pinkflow_video_feedback_ratings{{{video},rating="inaccurate"}}"#
        )),
        1.0
    );
    assert_eq!(
        get(&format!(
            r#"pinkflow_video_feedback_ratings{{{video},rating="accurate"}}"#
        )),
        0.0
    );
    assert_eq!(
        get(&format!("pinkflow_video_sign_accuracy_ratio{{{video}}}")),
        0.0
    );
    assert_eq!(
        get(r#"pinkflow_sign_language_accuracy_ratio{sign_language="BSL"}"#),
        0.0
    );
}
