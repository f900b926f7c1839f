//! The caption editor's pages without JavaScript: the track list and kind choice on the
//! watch page, the editor (save → 303, refused → 422 with the error summary, insert and
//! delete re-shown unsaved, shift), pagination of long tracks, revisions (list, view,
//! restore), owner-only access, and the shared watch page refreshed after a save.

use std::collections::HashMap;

use serde_json::json;

use crate::caption_editor::{add_track, caption_form, video_with_track};
use crate::helpers::{TestApp, json_body, location, spawn_app, spawn_app_with};
use crate::video_helpers::{publish, wait_for_outcome};

/// Register and sign in through the pages, and get an API token for the same account.
async fn owner(app: &TestApp, name: &str) -> String {
    app.browser_user(name).await;
    let r = app
        .login(&format!("{name}@example.com"), "password123")
        .await;
    json_body(r).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn editor(video: i64, caption: i64) -> String {
    format!("/videos/{video}/captions/{caption}/edit")
}

/// The value of the input `name` on a page (HTML entities of quotes and brackets undone).
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no {name}"));
    let tag_end = html[at..].find('>').unwrap() + at;
    let tag = &html[at..tag_end];
    let Some(v) = tag.find("value=\"") else {
        return String::new();
    };
    let value: String = tag[v + 7..].chars().take_while(|c| *c != '"').collect();
    value
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
}

/// The editor's form fields as the page has them (two rows), with `changes` applied.
fn fields(html: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: HashMap<String, String> = HashMap::new();
    for name in ["csrf_token", "version", "page", "original", "count"] {
        out.insert(name.into(), hidden(html, name));
    }
    let count: usize = out["count"].parse().unwrap();
    for i in 0..count {
        for part in ["id", "start", "end", "settings"] {
            let name = format!("cue-{i}-{part}");
            out.insert(name.clone(), hidden(html, &name));
        }
        let name = format!("cue-{i}-text");
        let open = format!("name=\"{name}\"");
        let at = html.find(&open).unwrap();
        let start = html[at..].find('>').unwrap() + at + 1;
        let end = html[start..].find("</textarea>").unwrap() + start;
        let text = html[start..end]
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#38;", "&");
        out.insert(name, text);
    }
    for (k, v) in changes {
        out.insert((*k).into(), (*v).into());
    }
    out.into_iter().collect()
}

async fn post(app: &TestApp, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_editor_works_without_javascript() {
    let app = spawn_app().await;
    let token = owner(&app, "pageeditor").await;
    let (video, caption) = video_with_track(&app, &token).await;

    // The watch page lists the track with its kind and a link to its editor, and the
    // caption form offers the four kinds.
    let html = app.get_html(&format!("/videos/{video}")).await;
    assert!(
        html.contains(&format!("href=\"{}\"", editor(video, caption))),
        "{html}"
    );
    assert!(html.contains("English (en) – Captions"));
    for kind in ["captions", "subtitles", "chapters", "descriptions"] {
        assert!(
            html.contains(&format!("<option value=\"{kind}\"")),
            "{kind}"
        );
    }

    let r = app.get(&editor(video, caption)).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Edit captions: English – PinkFlow</title>"));
    assert!(html.contains("id=\"cue-0-start\""));
    assert!(html.contains("value=\"00:00:00.500\""));
    assert!(html.contains("value=\"line:90% align:start\""));
    assert!(html.contains("&#60;v Sam&#62;Hello!</textarea>"));
    assert!(html.contains("data-set-time=\"cue-0-start\""), "JS buttons");
    assert!(html.contains("Cues 1 to 2 of 2"));
    // The first submit button (what Enter presses) saves.
    let form_at = html.find("id=\"cues-form\"").unwrap();
    let first_submit = html[form_at..].find("type=\"submit\"").unwrap() + form_at;
    assert!(html[first_submit..].starts_with("type=\"submit\" class=\"button\" id=\"save-top\""));

    // End before start: 422, the error summary links to the field, the answer is kept.
    let form = fields(
        &html,
        &[
            ("cue-1-end", "00:00:01.000"),
            ("cue-1-text", ""),
            ("action", "save"),
        ],
    );
    let r = post(&app, &editor(video, caption), &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Edit captions: English – PinkFlow</title>"));
    assert!(
        html.contains("href=\"#cue-1-end\">Cue 2: The end time must be after the start time</a>"),
        "{html}"
    );
    assert!(html.contains("href=\"#cue-1-text\">Cue 2: Enter the words of the cue</a>"));
    assert!(html.contains("id=\"cue-1-end-error\""));
    assert!(html.contains("aria-describedby=\"cue-1-time-hint cue-1-end-error\""));
    assert!(html.contains("value=\"00:00:01.000\""), "answer kept");

    // Insert after the first row: shown again, not saved, focus on the new row.
    let form = fields(
        &html,
        &[
            ("cue-1-end", "00:00:02.000"),
            ("cue-1-text", "[music fades]"),
            ("action", "insert:1"),
        ],
    );
    let r = post(&app, &editor(video, caption), &form).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(hidden(&html, "count"), "3");
    assert_eq!(hidden(&html, "original"), "2");
    assert!(html.contains("id=\"cue-1-start\" name=\"cue-1-start\" type=\"text\" inputmode=\"decimal\" spellcheck=\"false\" autocomplete=\"off\" value=\"00:00:01.500\""), "starts where the row before ends");
    assert!(html.contains("tabindex=\"0\" data-focus"));
    assert!(html.contains("not saved yet"));
    // Fill it in and delete the last row, then save: 303 back to the editor.
    let form = fields(
        &html,
        &[("cue-1-text", "A new cue"), ("action", "delete:2")],
    );
    let r = post(&app, &editor(video, caption), &form).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(hidden(&html, "count"), "2");
    // The last row went: focus goes to the Save button (still in the Tab order).
    assert!(
        html.contains(
            "id=\"save-bottom\" name=\"action\" value=\"save\" tabindex=\"0\" data-focus"
        )
    );
    let form = fields(&html, &[("action", "save")]);
    let r = post(&app, &editor(video, caption), &form).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{}?page=1", editor(video, caption)));
    let html = app.get_html(location(&r)).await;
    assert!(html.contains("The captions were saved."));
    assert!(html.contains("A new cue</textarea>"));
    assert!(!html.contains("[music fades]"));

    // Shift every timing: refused without a number, then 303.
    let form: Vec<(String, String)> = [
        ("csrf_token", hidden(&html, "csrf_token")),
        ("version", hidden(&html, "version")),
        ("page", "1".into()),
        ("ms", "soon".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let shift = format!("/videos/{video}/captions/{caption}/shift");
    let r = post(&app, &shift, &form).await;
    assert_eq!(r.status(), 422);
    let refused = r.text().await.unwrap();
    assert!(refused.contains("href=\"#shift-ms\">Enter a whole number of milliseconds"));
    let mut form = form;
    form[3].1 = "-600".into();
    let r = post(&app, &shift, &form).await;
    assert_eq!(r.status(), 422, "the first cue would start before 0");
    form[3].1 = "+250".into();
    let r = post(&app, &shift, &form).await;
    assert_eq!(r.status(), 303);
    let html = app.get_html(location(&r)).await;
    assert!(html.contains("Every timing was shifted."));
    assert!(html.contains("value=\"00:00:00.750\""));

    // Two saves made two revisions: listed, viewed, restored.
    let revisions = format!("/videos/{video}/captions/{caption}/revisions");
    let html = app.get_html(&revisions).await;
    assert_eq!(html.matches(&format!("href=\"{revisions}/")).count(), 2);
    assert!(html.contains("<td>pageeditor</td>"));
    let r = app.client.get(app.url(&revisions)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let list = json_body(
        app.client
            .get(app.url(&format!("/api/videos/{video}/captions/{caption}/revisions")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let oldest = list["revisions"][1]["id"].as_i64().unwrap();
    let html = app.get_html(&format!("{revisions}/{oldest}")).await;
    assert!(html.contains("[music fades]"), "the original file");
    assert!(html.contains("id=\"restore-form\""));
    let token_field = hidden(&html, "csrf_token");
    let r = app
        .post_form(
            &format!("{revisions}/{oldest}/restore"),
            &[("csrf_token", &token_field)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let html = app.get_html(location(&r)).await;
    assert!(html.contains("The earlier version was restored."));
    assert!(html.contains("[music fades]</textarea>"));
    assert_eq!(app.get(&format!("{revisions}/99999")).await.status(), 404);
}

#[tokio::test]
async fn only_the_owner_reaches_the_editor() {
    let app = spawn_app().await;
    let token = app.signed_in_user("trackowner").await.access;
    let (video, caption) = video_with_track(&app, &token).await;
    app.browser_user("nosy").await;
    let csrf = app.csrf("/account").await;
    for path in [
        editor(video, caption),
        format!("/videos/{video}/captions/{caption}/revisions"),
        format!("/videos/{video}/captions/{caption}/revisions/1"),
        format!("/videos/{video}/captions/abc/edit"),
    ] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    for path in [
        editor(video, caption),
        format!("/videos/{video}/captions/{caption}/shift"),
        format!("/videos/{video}/captions/{caption}/revisions/1/restore"),
    ] {
        let r = app
            .post_form(
                &path,
                &[("csrf_token", &csrf), ("action", "save"), ("ms", "100")],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn long_tracks_are_edited_a_page_at_a_time() {
    let app = spawn_app().await;
    let token = owner(&app, "longtrack").await;
    let (video, caption) = video_with_track(&app, &token).await;
    let cues: Vec<_> = (0..120)
        .map(|i| json!({"start": format!("{i}"), "end": format!("{i}.5"), "text": format!("Cue text {i}")}))
        .collect();
    let r = app
        .client
        .put(app.url(&format!("/api/videos/{video}/captions/{caption}/cues")))
        .bearer_auth(&token)
        .json(&json!({"cues": cues}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = app
        .get_html(&format!("{}?page=2", editor(video, caption)))
        .await;
    assert!(html.contains("Cues 51 to 100 of 120"));
    assert_eq!(hidden(&html, "count"), "50");
    assert!(html.contains("Cue text 50</textarea>") && !html.contains("Cue text 49</textarea>"));
    assert!(html.contains("rel=\"prev\"") && html.contains("rel=\"next\""));
    // Saving page 2 changes only its cues.
    let form = fields(
        &html,
        &[("cue-0-text", "Changed on page two"), ("action", "save")],
    );
    let r = post(&app, &editor(video, caption), &form).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).ends_with("?page=2"));
    let body = json_body(
        app.client
            .get(app.url(&format!("/api/videos/{video}/captions/{caption}/cues")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let cues = body["cues"].as_array().unwrap();
    assert_eq!(cues.len(), 120);
    assert_eq!(cues[49]["text"], "Cue text 49");
    assert_eq!(cues[50]["text"], "Changed on page two");
    assert_eq!(cues[51]["text"], "Cue text 51");
    let html = app
        .get_html(&format!("{}?page=99", editor(video, caption)))
        .await;
    assert!(
        html.contains("Cues 101 to 120 of 120"),
        "past the end: the last page"
    );
}

#[tokio::test]
async fn the_shared_watch_page_shows_a_saved_edit_at_once() {
    let app = spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
    })
    .await;
    let token = app.signed_in_user("publisher").await.access;
    let (video, caption) = video_with_track(&app, &token).await;
    let chapters = "WEBVTT\n\n00:00.000 --> 00:01.000\nPart one\n";
    let r = add_track(
        &app,
        &token,
        video,
        caption_form(chapters, "en", "Parts", Some("chapters")),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(
        wait_for_outcome(&app, &token, video).await["status"],
        "ready"
    );
    publish(&app, &token, video).await;
    // A stranger's view, now in the read cache.
    let page = format!("/videos/{video}");
    let html = app.get_html(&page).await;
    assert!(html.contains("Hello!"));
    assert!(html.contains("<track kind=\"chapters\""));
    // Chapters are navigation (the player's chapter list), never the transcript.
    let transcript = html
        .split("<section class=\"transcript\" id=\"transcript\"")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("the transcript section");
    assert!(
        !transcript.contains("Part one"),
        "chapters are not the transcript: {transcript}"
    );
    let chapters_nav = html
        .split("<nav class=\"chapters\"")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .expect("the chapter list");
    assert!(chapters_nav.contains("Part one"), "{chapters_nav}");
    assert!(
        html.contains("English (Captions)"),
        "the transcript's track and kind"
    );
    let r = app
        .client
        .put(app.url(&format!("/api/videos/{video}/captions/{caption}/cues")))
        .bearer_auth(&token)
        .json(&json!({"cues": [{"start": "0", "end": "1", "text": "Fixed typo"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = app.get_html(&page).await;
    assert!(html.contains("Fixed typo"), "cache dropped");
    assert!(!html.contains("Hello!"));
}
