//! Caption import through the API and the page: the WPT corpus as browsers read it,
//! warnings for what was skipped, SubRip and SBV in every supported encoding, and every
//! bad input (too large → 413, too many or too long cues and broken files → 422, nothing
//! stored).

use std::path::Path;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{TestApp, json_body, spawn_app};
use crate::video_helpers::{clip, files_in, upload_clip};

fn form(bytes: Vec<u8>, filename: &str, language: &str) -> Form {
    Form::new()
        .text("language", language.to_owned())
        .text("label", format!("Track {language}"))
        .part("file", Part::bytes(bytes).file_name(filename.to_owned()))
}

async fn post(app: &TestApp, token: &str, id: i64, form: Form) -> reqwest::Response {
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

async fn video(app: &TestApp, name: &str) -> (String, i64) {
    let token = app.signed_in_user(name).await.access;
    let path = clip(app, &format!("{name}.mp4"));
    let id = upload_clip(app, &token, &path, "Imported").await["id"]
        .as_i64()
        .unwrap();
    (token, id)
}

async fn served(app: &TestApp, token: &str, caption: &Value) -> String {
    app.client
        .get(app.url(caption["url"].as_str().unwrap()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn transcript(app: &TestApp, token: &str, id: i64, language: &str) -> Value {
    let r = app
        .client
        .get(app.url(&format!("/api/videos/{id}/transcript?language={language}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    json_body(r).await
}

fn cues(n: usize, text: &str) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for i in 0..n {
        out.push_str(&format!(
            "{} --> {}\n{text} {i}\n\n",
            stamp(i as u64 * 1000),
            stamp(i as u64 * 1000 + 900)
        ));
    }
    out
}

fn stamp(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[tokio::test]
async fn the_wpt_corpus_is_accepted_where_browsers_find_cues() {
    let app = spawn_app().await;
    let (token, id) = video(&app, "corpus").await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/webvtt-wpt");
    let (mut accepted, mut refused) = (0, 0);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.ends_with(".vtt") || name.starts_with("support-") {
            continue;
        }
        let test = std::fs::read_to_string(path.with_extension("test")).unwrap();
        // Browsers find no cue in these two; every other file has cues.
        let none = test.contains("assert_equals(cues.length, 0)") || name == "stylesheets-none.vtt";
        let r = post(
            &app,
            &token,
            id,
            form(std::fs::read(&path).unwrap(), &name, "en"),
        )
        .await;
        let status = r.status();
        let body = json_body(r).await;
        if none {
            assert_eq!(status, 422, "{name}: {body}");
            assert!(body["error"].as_str().unwrap().contains("Line "), "{body}");
            refused += 1;
        } else {
            assert_eq!(status, 201, "{name}: {body}");
            assert!(body["cue_count"].as_i64().unwrap() > 0);
            assert!(body["warnings"].is_array());
            accepted += 1;
        }
    }
    assert_eq!((accepted, refused), (22, 2));
}

#[tokio::test]
async fn skipped_blocks_come_back_as_warnings_and_the_file_keeps_its_blocks() {
    let app = spawn_app().await;
    let (token, id) = video(&app, "warned").await;
    // The first file: CSS rules of a STYLE block separated by a blank line.
    let style = "WEBVTT\n\nSTYLE\n::cue { color: yellow; }\n\n::cue(b) { color: white; }\n\nNOTE by hand\n\n00:00:00.000 --> 00:00:02.000 align:start\n<v Sam>One <ruby>字<rt>ji</rt></ruby></v>\n\n00:00:02.000 --> 00:00:04.000\nTwo &amp; more\n";
    let r = post(&app, &token, id, form(style.into(), "style.vtt", "en")).await;
    assert_eq!(r.status(), 201);
    let caption = json_body(r).await;
    assert_eq!(caption["cue_count"], 2);
    assert_eq!(
        caption["warnings"],
        serde_json::json!(["Line 6: a block without a timing line was skipped"])
    );
    // Stored as sent: STYLE, NOTE, settings and markup kept.
    assert_eq!(served(&app, &token, &caption).await, style);
    let lines = transcript(&app, &token, id, "en").await;
    assert_eq!(lines["lines"][0]["speaker"], "Sam");
    assert_eq!(lines["lines"][0]["text"], "One 字");
    assert_eq!(lines["lines"][1]["text"], "Two & more");

    // The second file: stray "-->" lines the algorithm skips; 6 cues.
    let mut arrows = String::from("WEBVTT\n\n-->\n\n");
    for i in 0..6 {
        arrows.push_str(&format!(
            "00:00:0{i}.000 --> 00:00:0{}.000\ncue {i}\n-->\n\n",
            i + 1
        ));
    }
    let r = post(&app, &token, id, form(arrows.into(), "arrows.vtt", "fr")).await;
    assert_eq!(r.status(), 201);
    let caption = json_body(r).await;
    assert_eq!(caption["cue_count"], 6);
    let warnings = caption["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 7);
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .starts_with("Line 3: \"-->\" is not a valid cue timing line")
    );
}

#[tokio::test]
async fn subrip_and_sbv_are_converted_in_every_encoding() {
    let app = spawn_app().await;
    let (token, id) = video(&app, "importer").await;
    let srt = "1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>café</i> with Zoë\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n<font color=\"red\">Bye</font> & <3\r\n";
    let utf16 = |big: bool| -> Vec<u8> {
        let mut out = if big {
            vec![0xfe, 0xff]
        } else {
            vec![0xff, 0xfe]
        };
        for u in srt.encode_utf16() {
            out.extend_from_slice(&if big {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    };
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(srt.as_bytes());
    let windows_1252: Vec<u8> = srt
        .chars()
        .map(|c| match c {
            'é' => 0xe9,
            'ë' => 0xeb,
            c => c as u8,
        })
        .collect();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("en", srt.as_bytes().to_vec(), "subs.srt"),
        ("fr", bom, "subs.SRT"),
        ("de", utf16(false), "subs.srt"),
        ("es", utf16(true), "no-extension"),
        ("it", windows_1252, "subs.srt"),
    ];
    let expected = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\n<i>café</i> with Zoë\n\n2\n00:00:02.500 --> 00:00:04.000\nBye &amp; &lt;3\n\n";
    for (language, bytes, name) in cases {
        let r = post(&app, &token, id, form(bytes, name, language)).await;
        assert_eq!(r.status(), 201, "{language}");
        let caption = json_body(r).await;
        assert_eq!(caption["cue_count"], 2);
        let warnings = caption["warnings"].to_string();
        assert!(
            warnings.contains("SubRip (.srt) file was converted"),
            "{warnings}"
        );
        assert_eq!(served(&app, &token, &caption).await, expected, "{language}");
        let lines = transcript(&app, &token, id, language).await;
        assert_eq!(lines["lines"][0]["text"], "café with Zoë");
        assert_eq!(lines["lines"][1]["text"], "Bye & <3");
    }
    let sbv =
        "0:00:00.599,0:00:04.160\n>> Zoë: café[br]second line\n\n0:00:04.160,0:00:06.770\nend\n";
    let r = post(&app, &token, id, form(sbv.into(), "youtube.sbv", "pt")).await;
    assert_eq!(r.status(), 201);
    let caption = json_body(r).await;
    assert_eq!(caption["cue_count"], 2);
    assert_eq!(
        served(&app, &token, &caption).await,
        "WEBVTT\n\n00:00:00.599 --> 00:00:04.160\n&gt;&gt; Zoë: café\nsecond line\n\n00:00:04.160 --> 00:00:06.770\nend\n\n"
    );
    // A broken timing line in SubRip: the same "Line N" warning, the rest kept.
    let broken = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:02 --> 00:00:03,000\nbad\n";
    let r = post(&app, &token, id, form(broken.into(), "b.srt", "nl")).await;
    assert_eq!(r.status(), 201);
    let warnings = json_body(r).await["warnings"].to_string();
    assert!(
        warnings.contains("Line 6: \\\"00:00:02\\\" is not a valid start time"),
        "{warnings}"
    );
}

#[tokio::test]
async fn bad_caption_files_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let (token, id) = video(&app, "limits").await;
    let refused = |status: u16, needle: &'static str| {
        move |r: (reqwest::StatusCode, Value)| {
            assert_eq!(r.0, status, "{}", r.1);
            let message = r.1["error"].as_str().unwrap();
            assert!(message.contains(needle), "{message}");
            assert_eq!(r.1["fields"]["file"], r.1["error"]);
        }
    };
    let send = |bytes: Vec<u8>, name: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let r = post(app, token, id, form(bytes, name, "en")).await;
            (r.status(), json_body(r).await)
        }
    };
    let mut big = cues(1, "x").into_bytes();
    big.resize(2 * 1024 * 1024 + 1, b'a');
    refused(413, "larger than 2 MB")(send(big, "big.vtt").await);
    refused(422, "25000 cues; the most a track may have is 20000")(
        send(cues(25_000, "c").into_bytes(), "many.vtt").await,
    );
    refused(
        422,
        "Line 3: this cue has 2000 characters; the most a cue may have is 1000.",
    )(
        send(
            format!("WEBVTT\n\n00:00.000 --> 00:01.000\n{}", "a".repeat(2000)).into_bytes(),
            "long.vtt",
        )
        .await,
    );
    refused(422, "The caption file is not valid WebVTT. Line 1:")(
        send(b"1\n00:00:01.000 -> 00:00:02.000\nhi\n".to_vec(), "a.vtt").await,
    );
    refused(
        422,
        "not valid SubRip (.srt). Line 2: \"00:00:01\" is not a valid start time",
    )(send(b"1\n00:00:01 --> 00:00:02,000\nhi\n".to_vec(), "a.srt").await);
    refused(422, "not valid SBV (.sbv). Line 1:")(
        send(b"0:00:01.000 0:00:02.000\nhi\n".to_vec(), "a.sbv").await,
    );
    assert!(files_in(&app, "captions").is_empty());

    // Just under the limits: 1.9 MB, 20,000 cues, 1,000 characters.
    let mut large = cues(20_000, &"w".repeat(40));
    assert!(large.len() < 1_900_000, "{}", large.len());
    large.push_str("NOTE padding\n");
    while large.len() < 1_900_000 {
        large.push_str(&"p".repeat(999));
        large.push('\n');
    }
    let r = post(
        &app,
        &token,
        id,
        form(large.into_bytes(), "large.vtt", "en"),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(json_body(r).await["cue_count"], 20_000);
    let long = format!("WEBVTT\n\n00:00.000 --> 00:01.000\n{}", "é".repeat(1000));
    let r = post(&app, &token, id, form(long.into_bytes(), "long.vtt", "fr")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(files_in(&app, "captions").len(), 2);
}

#[tokio::test]
async fn the_page_form_shows_the_limit_error_and_the_warnings() {
    let app = spawn_app().await;
    app.browser_user("pager").await;
    let body: Value = app
        .login("pager@example.com", "password123")
        .await
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let path = clip(&app, "pager.mp4");
    let id = upload_clip(&app, &token, &path, "Paged").await["id"]
        .as_i64()
        .unwrap();
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(
        html.contains("accept=\".vtt,.srt,.sbv,text/vtt\""),
        "{html}"
    );
    assert!(html.contains("SubRip (.srt)"));
    let csrf = app.csrf(&format!("/videos/{id}")).await;
    let page_form =
        |bytes: Vec<u8>, name: &str| form(bytes, name, "en").text("csrf_token", csrf.clone());
    let mut big = cues(1, "x").into_bytes();
    big.resize(3 * 1024 * 1024, b'a');
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/captions?csrf_token={csrf}")))
        .multipart(page_form(big, "big.vtt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: "));
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("<a href=\"#caption-file\">The caption file is larger than 2 MB"));
    assert!(html.contains("<p id=\"caption-file-error\" class=\"error-message\">"));
    assert!(files_in(&app, "captions").is_empty());

    let srt = "1\n00:00:01,000 --> 00:00:02,000\ncafé\n\nnot a cue\n";
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/captions?csrf_token={csrf}")))
        .multipart(page_form(srt.into(), "subs.srt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(
        html.contains("The captions were added. Some parts of the file were skipped or changed: The SubRip (.srt) file was converted to WebVTT. Line 5: a block without a timing line was skipped."),
        "{html}"
    );

    // Many warnings: the notice (a cookie) lists the first ones and counts the rest.
    let mut noisy = String::from("WEBVTT\n\n00:00.000 --> 00:01.000\nkept\n\n");
    for i in 0..40 {
        noisy.push_str(&format!("stray block number {i} é\n\n"));
    }
    let r = app
        .client
        .post(app.url(&format!("/videos/{id}/captions?csrf_token={csrf}")))
        .multipart(page_form(noisy.into(), "noisy.vtt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = app.get_html(&format!("/videos/{id}")).await;
    assert!(html.contains("Line 6: a block without a timing line was skipped."));
    assert!(html.contains("32 more not shown."), "{html}");
}
