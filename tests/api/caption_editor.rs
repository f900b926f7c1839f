//! The caption editor's API: a track's cues (read, replace with per-cue validation),
//! revisions (kept, pruned at 10, read, restored), the transcript and cue count after
//! each save, owner-only access, and the four track kinds.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app};
use crate::video_helpers::{clip, get_video, upload_clip};

pub const FILE: &str = "WEBVTT - Lesson one\nKind: captions\n\nNOTE checked by a Deaf reviewer\n\nSTYLE\n::cue { color: yellow }\n\nhello\n00:00:00.500 --> 00:00:01.500 line:90% align:start\n<v Sam>Hello!\n\n00:00:01.500 --> 00:00:02.000\n[music fades]\n";

pub fn caption_form(vtt: &str, language: &str, label: &str, kind: Option<&str>) -> Form {
    let form = Form::new()
        .text("language", language.to_owned())
        .text("label", label.to_owned())
        .part(
            "file",
            Part::bytes(vtt.as_bytes().to_vec()).file_name("captions.vtt"),
        );
    match kind {
        Some(kind) => form.text("kind", kind.to_owned()),
        None => form,
    }
}

pub async fn add_track(app: &TestApp, token: &str, video: i64, form: Form) -> reqwest::Response {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
        .post(app.url(&format!("/api/videos/{video}/captions")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A private video with one captions track from [`FILE`]: (video id, caption id).
pub async fn video_with_track(app: &TestApp, token: &str) -> (i64, i64) {
    let path = clip(app, "edit.mp4");
    let video = upload_clip(app, token, &path, "To caption").await["id"]
        .as_i64()
        .unwrap();
    let r = add_track(app, token, video, caption_form(FILE, "en", "English", None)).await;
    assert_eq!(r.status(), 201);
    (video, json_body(r).await["id"].as_i64().unwrap())
}

fn cues_path(video: i64, caption: i64) -> String {
    format!("/api/videos/{video}/captions/{caption}/cues")
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn vtt_of(app: &TestApp, token: &str, video: i64) -> String {
    let video = json_body(get_video(app, token, video).await).await;
    let url = video["captions"][0]["url"].as_str().unwrap().to_owned();
    get(app, token, &url).await.text().await.unwrap()
}

fn cue(start: &str, end: &str, text: &str) -> Value {
    json!({"start": start, "end": end, "text": text})
}

#[tokio::test]
async fn cues_are_read_and_replaced_keeping_the_header_settings_and_transcript_right() {
    let app = spawn_app().await;
    let token = app.signed_in_user("editor").await.access;
    let (video, caption) = video_with_track(&app, &token).await;
    let path = cues_path(video, caption);

    let r = get(&app, &token, &path).await;
    assert_eq!(r.status(), 200);
    let body = json_body(r).await;
    assert_eq!(body["caption"]["id"], caption);
    assert_eq!(body["cues"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["cues"][0],
        json!({"id": "hello", "start": "00:00:00.500", "end": "00:00:01.500",
            "settings": "line:90% align:start", "text": "<v Sam>Hello!"})
    );
    assert_eq!(body["warnings"], json!([]));
    let version = body["version"].as_str().unwrap().to_owned();

    // A typo fixed, a cue added out of order and overlapping: stored in time order.
    let mut cues = body["cues"].as_array().unwrap().clone();
    cues[1]["text"] = json!("[music stops]");
    cues.push(cue("1:00", "00:01:02,5", "<i>Goodbye</i> for now"));
    cues.push(cue("1.2", "1.8", "Overlapping"));
    let r = put(
        &app,
        &token,
        &path,
        &json!({"cues": cues, "version": version}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let saved = json_body(r).await;
    assert_eq!(saved["caption"]["cue_count"], 4);
    assert_ne!(saved["version"], json!(version));
    let starts: Vec<&str> = saved["cues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "00:00:00.500",
            "00:00:01.200",
            "00:00:01.500",
            "00:01:00.000"
        ]
    );
    assert_eq!(saved["cues"][3]["end"], "00:01:02.500");
    // 1.2-1.8 starts inside 0.5-1.5, and 1.5-2.0 inside 1.2-1.8.
    assert_eq!(saved["warnings"].as_array().unwrap().len(), 2, "{saved}");
    assert!(saved["warnings"][0].as_str().unwrap().contains("Cue 2"));
    assert!(saved["warnings"][1].as_str().unwrap().contains("Cue 3"));

    // The stored file keeps its header, blocks and settings.
    let vtt = vtt_of(&app, &token, video).await;
    assert!(vtt.starts_with("WEBVTT - Lesson one\nKind: captions\n\nNOTE checked by a Deaf reviewer\n\nSTYLE\n::cue { color: yellow }\n\nhello\n00:00:00.500 --> 00:00:01.500 line:90% align:start\n<v Sam>Hello!\n"), "{vtt}");
    assert!(vtt.contains("[music stops]"));

    // The transcript and the video's cue count follow.
    let r = get(&app, &token, &format!("/api/videos/{video}/transcript")).await;
    let lines = json_body(r).await["lines"].as_array().unwrap().clone();
    let texts: Vec<&str> = lines.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        ["Hello!", "Overlapping", "[music stops]", "Goodbye for now"]
    );
    let shown = json_body(get_video(&app, &token, video).await).await;
    assert_eq!(shown["captions"][0]["cue_count"], 4);

    // The old version is a revision, with who replaced it.
    let r = get(
        &app,
        &token,
        &format!("{}/revisions", path.trim_end_matches("/cues")),
    )
    .await;
    let list = json_body(r).await;
    assert_eq!(list["revisions"].as_array().unwrap().len(), 1);
    assert_eq!(list["revisions"][0]["cue_count"], 2);
    assert_eq!(list["revisions"][0]["replaced_by"], "editor");

    // The version read before that save is stale now: 409, nothing saved.
    let r = put(
        &app,
        &token,
        &path,
        &json!({"cues": [cue("0", "1", "x")], "version": version}),
    )
    .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        json_body(get(&app, &token, &path).await).await["cues"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn every_bad_input_is_refused_per_cue_and_nothing_is_stored() {
    let app = spawn_app().await;
    let token = app.signed_in_user("careful").await.access;
    let (video, caption) = video_with_track(&app, &token).await;
    let path = cues_path(video, caption);
    let before = vtt_of(&app, &token, video).await;

    let long = "x".repeat(1001);
    let r = put(
        &app,
        &token,
        &path,
        &json!({"cues": [
            cue("00:00:01.000", "00:00:02.000", "fine"),
            cue("00:00:05.000", "00:00:04.000", "end before start"),
            cue("soon", "00:00:06.000", "bad start"),
            cue("00:00:06.000", "00:00:61.000", "bad end"),
            cue("00:00:07.000", "00:00:08.000", "  \n "),
            cue("00:00:08.000", "00:00:09.000", &long),
            cue("00:00:09.000", "00:00:10.000", "a --> b"),
            {"start": 1, "end": "00:00:11.000", "text": "number"},
            {"end": "00:00:12.000", "text": "no start"},
            "not a cue",
            {"id": "two\nlines", "start": "13", "end": "14", "text": "bad id", "settings": "x --> y"},
        ]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    let fields = body["fields"].as_object().unwrap();
    // Type errors come first (nothing else is checked until the shape is right).
    for key in ["cues[7].start", "cues[8].start", "cues[9]"] {
        assert!(fields.contains_key(key), "{key}: {body}");
    }
    let r = put(
        &app,
        &token,
        &path,
        &json!({"cues": [
            cue("00:00:01.000", "00:00:02.000", "fine"),
            cue("00:00:05.000", "00:00:04.000", "end before start"),
            cue("soon", "00:00:06.000", "bad start"),
            cue("00:00:06.000", "00:00:61.000", "bad end"),
            cue("00:00:07.000", "00:00:08.000", "  \n "),
            cue("00:00:08.000", "00:00:09.000", &long),
            cue("00:00:09.000", "00:00:10.000", "a --> b"),
            {"id": "two\nlines", "start": "13", "end": "14", "text": "bad id", "settings": "x --> y"},
        ]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = json_body(r).await;
    let fields = body["fields"].as_object().unwrap();
    let expected = [
        ("cues[1].end", "The end time must be after the start time"),
        ("cues[2].start", "Enter the start time"),
        ("cues[3].end", "Enter the end time"),
        ("cues[4].text", "Enter the words of the cue"),
        ("cues[5].text", "1,000 characters or fewer"),
        ("cues[6].text", "must not contain -->"),
        ("cues[7].id", "one line"),
        ("cues[7].settings", "one line"),
    ];
    for (key, needle) in expected {
        let message = fields.get(key).and_then(Value::as_str).unwrap_or("");
        assert!(message.contains(needle), "{key}: {body}");
    }
    assert_eq!(fields.len(), expected.len(), "{body}");

    // The shape of the body.
    for (body, status) in [
        (json!({}), 400),
        (json!({"cues": "all"}), 422),
        (json!({"cues": []}), 422),
        (json!({"cues": [cue("0", "1", "x")], "version": 7}), 422),
        (json!([1, 2]), 400),
    ] {
        let r = put(&app, &token, &path, &body).await;
        assert_eq!(r.status(), status, "{body}");
        assert!(json_body(r).await["error"].is_string());
    }
    let too_many: Vec<Value> = (0..20_001)
        .map(|i| cue(&format!("{i}"), &format!("{i}.5"), "x"))
        .collect();
    let r = put(&app, &token, &path, &json!({"cues": too_many})).await;
    assert_eq!(r.status(), 422);
    assert!(
        json_body(r).await["fields"]["cues"]
            .as_str()
            .unwrap()
            .contains("20,000")
    );
    let r = app
        .client
        .put(app.url(&path))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"cues\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = app
        .client
        .put(app.url(&path))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = app
        .client
        .put(app.url(&path))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(vec![b' '; 5 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    // Nobody but the owner, and nothing that does not exist.
    let stranger = app.signed_in_user("stranger").await.access;
    let revisions = format!("/api/videos/{video}/captions/{caption}/revisions");
    for path in [
        path.clone(),
        revisions.clone(),
        format!("{revisions}/1"),
        format!("/api/videos/{video}/captions/999/cues"),
        format!("/api/videos/{video}/captions/abc/cues"),
        format!("/api/videos/999/captions/{caption}/cues"),
    ] {
        let who = if path.contains("999") || path.contains("abc") {
            &token
        } else {
            &stranger
        };
        let r = get(&app, who, &path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(json_body(r).await["error"].is_string());
    }
    let r = put(
        &app,
        &stranger,
        &path,
        &json!({"cues": [cue("0", "1", "x")]}),
    )
    .await;
    assert_eq!(r.status(), 404);
    let r = post(&app, &stranger, &format!("{revisions}/1/restore")).await;
    assert_eq!(r.status(), 404);
    let r = get(&app, &token, &format!("{revisions}/12345")).await;
    assert_eq!(r.status(), 404);
    assert_eq!(json_body(r).await["error"], "Revision not found");
    let r = post(&app, &token, &format!("{revisions}/12345/restore")).await;
    assert_eq!(r.status(), 404);
    let r = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // A track of another video is not this video's.
    let (other_video, other_caption) = video_with_track(&app, &token).await;
    assert_ne!(other_video, video);
    let r = get(&app, &token, &cues_path(video, other_caption)).await;
    assert_eq!(r.status(), 404);

    assert_eq!(vtt_of(&app, &token, video).await, before, "nothing stored");
    let list = json_body(get(&app, &token, &revisions).await).await;
    assert_eq!(list["revisions"], json!([]));
}

#[tokio::test]
async fn ten_revisions_are_kept_and_one_can_be_read_and_restored() {
    let app = spawn_app().await;
    let token = app.signed_in_user("reviser").await.access;
    let (video, caption) = video_with_track(&app, &token).await;
    let path = cues_path(video, caption);
    let revisions = format!("/api/videos/{video}/captions/{caption}/revisions");
    for n in 1..=12 {
        let text = format!("Version {n}");
        let r = put(
            &app,
            &token,
            &path,
            &json!({"cues": [cue("0", "2", &text)]}),
        )
        .await;
        assert_eq!(r.status(), 200, "save {n}");
    }
    let list = json_body(get(&app, &token, &revisions).await).await;
    let list = list["revisions"].as_array().unwrap().clone();
    assert_eq!(list.len(), 10, "pruned to 10");
    let ids: Vec<i64> = list.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    // The newest revision is the version before the last save ("Version 11"); the
    // oldest kept is "Version 2" (the original file and "Version 1" were pruned).
    let newest = json_body(get(&app, &token, &format!("{revisions}/{}", ids[0])).await).await;
    assert_eq!(newest["cues"][0]["text"], "Version 11");
    assert_eq!(newest["revision"]["cue_count"], 1);
    let oldest = json_body(get(&app, &token, &format!("{revisions}/{}", ids[9])).await).await;
    assert_eq!(oldest["cues"][0]["text"], "Version 2");

    let r = post(&app, &token, &format!("{revisions}/{}/restore", ids[9])).await;
    assert_eq!(r.status(), 200);
    let restored = json_body(r).await;
    assert_eq!(restored["cues"][0]["text"], "Version 2");
    let r = get(&app, &token, &format!("/api/videos/{video}/transcript")).await;
    assert_eq!(json_body(r).await["lines"][0]["text"], "Version 2");
    // Restoring is a revision too: "Version 12" is now the newest.
    let list = json_body(get(&app, &token, &revisions).await).await;
    let list = list["revisions"].as_array().unwrap().clone();
    assert_eq!(list.len(), 10);
    let newest_id = list[0]["id"].as_i64().unwrap();
    let newest = json_body(get(&app, &token, &format!("{revisions}/{newest_id}")).await).await;
    assert_eq!(newest["cues"][0]["text"], "Version 12");
    // The header of the original file came back through every version.
    assert!(
        vtt_of(&app, &token, video)
            .await
            .contains("STYLE\n::cue { color: yellow }")
    );
}

#[tokio::test]
async fn the_four_track_kinds_are_kept_apart_and_only_speech_makes_the_transcript() {
    let app = spawn_app().await;
    let token = app.signed_in_user("kinds").await.access;
    let path = clip(&app, "kinds.mp4");
    let video = upload_clip(&app, &token, &path, "Kinds").await["id"]
        .as_i64()
        .unwrap();
    let chapters = "WEBVTT\n\n00:00.000 --> 00:01.000\nPart one\n";
    for (kind, label, file) in [
        ("chapters", "Parts", chapters),
        (
            "descriptions",
            "Described",
            "WEBVTT\n\n00:00.000 --> 00:01.000\nA hand waves\n",
        ),
    ] {
        let r = add_track(
            &app,
            &token,
            video,
            caption_form(file, "en", label, Some(kind)),
        )
        .await;
        assert_eq!(r.status(), 201, "{kind}");
        assert_eq!(json_body(r).await["kind"], kind);
    }
    // Neither chapters nor descriptions make a transcript.
    let r = get(&app, &token, &format!("/api/videos/{video}/transcript")).await;
    assert_eq!(r.status(), 404);
    for (kind, label) in [("subtitles", "English subtitles"), ("captions", "English")] {
        let r = add_track(
            &app,
            &token,
            video,
            caption_form(FILE, "en", label, Some(kind)),
        )
        .await;
        assert_eq!(r.status(), 201, "{kind}");
    }
    let shown = json_body(get_video(&app, &token, video).await).await;
    let mut kinds: Vec<&str> = shown["captions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["captions", "chapters", "descriptions", "subtitles"]);
    let r = get(
        &app,
        &token,
        &format!("/api/videos/{video}/transcript?language=en"),
    )
    .await;
    let transcript = json_body(r).await;
    assert_eq!(transcript["caption"]["kind"], "captions");
    assert_eq!(transcript["lines"][0]["text"], "Hello!");
    // A chapters track is edited like any other and is served as it is.
    let chapter_id = shown["captions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "chapters")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = put(
        &app,
        &token,
        &cues_path(video, chapter_id),
        &json!({"cues": [cue("0", "1", "Part one"), cue("1", "2", "Part two")]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["caption"]["kind"], "chapters");
    // The same language and kind again replaces the track; an unknown kind is refused.
    let r = add_track(
        &app,
        &token,
        video,
        caption_form(chapters, "en", "Parts", Some("chapters")),
    )
    .await;
    assert_eq!(r.status(), 201);
    let r = add_track(
        &app,
        &token,
        video,
        caption_form(chapters, "en", "x", Some("karaoke")),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        json_body(r).await["fields"]["kind"]
            .as_str()
            .unwrap()
            .contains("chapters")
    );
    let shown = json_body(get_video(&app, &token, video).await).await;
    assert_eq!(shown["captions"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn notes_between_cues_survive_a_save_before_the_moment_they_annotate() {
    const NOTED: &str = "WEBVTT\n\n00:00:00.500 --> 00:00:01.000\nOne\n\nNOTE scene two: the kitchen\n\n00:00:01.500 --> 00:00:02.000\nTwo\n\nNOTE reviewed by Ana\n";
    let app = spawn_app().await;
    let token = app.signed_in_user("noter").await.access;
    let path = clip(&app, "notes.mp4");
    let video = upload_clip(&app, &token, &path, "Noted").await["id"]
        .as_i64()
        .unwrap();
    let r = add_track(
        &app,
        &token,
        video,
        caption_form(NOTED, "en", "English", None),
    )
    .await;
    assert_eq!(r.status(), 201);
    let caption = json_body(r).await["id"].as_i64().unwrap();

    // The first cue edited and a cue inserted before "Two": the note stays before "Two".
    let mut cues = json_body(get(&app, &token, &cues_path(video, caption)).await).await["cues"]
        .as_array()
        .unwrap()
        .clone();
    cues[0]["text"] = json!("One, fixed");
    cues.push(cue("00:00:01.100", "00:00:01.400", "Inserted"));
    let r = put(
        &app,
        &token,
        &cues_path(video, caption),
        &json!({"cues": cues}),
    )
    .await;
    assert_eq!(r.status(), 200);

    let vtt = vtt_of(&app, &token, video).await;
    let at = |needle: &str| {
        vtt.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from {vtt}"))
    };
    assert!(at("One, fixed") < at("Inserted"), "{vtt}");
    assert!(at("Inserted") < at("NOTE scene two: the kitchen"), "{vtt}");
    assert!(at("NOTE scene two: the kitchen") < at("\nTwo\n"), "{vtt}");
    assert!(at("\nTwo\n") < at("NOTE reviewed by Ana"), "{vtt}");
    // The notes are comments: the transcript does not show them.
    let r = get(&app, &token, &format!("/api/videos/{video}/transcript")).await;
    let lines = json_body(r).await["lines"].as_array().unwrap().clone();
    let texts: Vec<&str> = lines.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["One, fixed", "Inserted", "Two"]);
}
