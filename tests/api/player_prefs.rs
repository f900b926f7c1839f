//! Caption appearance and player preferences: the JSON API (each field, bad values, the
//! contrast rule), the `<html>` attributes, and the cache keeping profiles apart.

use serde_json::{Value, json};

use crate::helpers::{TestApp, json_body, spawn_app};

async fn put_prefs(app: &TestApp, access: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(access)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The value of `attr` on the page's `<html>` element.
pub fn html_attr(html: &str, attr: &str) -> String {
    let tag = &html[html.find("<html").unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    let needle = format!(" {attr}=\"");
    let start = tag
        .find(&needle)
        .unwrap_or_else(|| panic!("{attr} missing on {tag}"))
        + needle.len();
    tag[start..start + tag[start..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn every_player_preference_is_in_the_api_with_its_default() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("pdefaults").await;
    let user = json_body(app.get_user(&tokens.access).await).await;
    let p = &user["accessibility_preferences"];
    let expected = json!({
        "caption_size": 100, "caption_color": "white", "caption_background": "black",
        "caption_opacity": 75, "caption_font": "sans", "caption_edge": "none",
        "caption_position": "over", "sign_layout": "pip", "sign_corner": "bottom-right",
        "sign_size": "medium", "keyboard_shortcuts": true
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&p[key], value, "{key}");
    }
    assert_eq!(p["visual_density"], 3, "the five are still there");
}

#[tokio::test]
async fn each_player_preference_updates_and_persists() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("peach").await;
    for (key, value) in [
        ("caption_size", json!(300)),
        ("caption_size", json!(75)),
        ("caption_color", json!("yellow")),
        ("caption_background", json!("blue")),
        ("caption_opacity", json!(100)),
        ("caption_font", json!("legible")),
        ("caption_font", json!("mono")),
        ("caption_edge", json!("outline")),
        ("caption_edge", json!("depressed")),
        ("caption_position", json!("below")),
        ("sign_layout", json!("side")),
        ("sign_corner", json!("top-left")),
        ("sign_size", json!("large")),
        ("keyboard_shortcuts", json!(false)),
    ] {
        let r = put_prefs(&app, &tokens.access, &json!({ key: value.clone() })).await;
        assert_eq!(r.status(), 200, "{key}={value}");
        assert_eq!(
            json_body(r).await["accessibility_preferences"][key],
            value,
            "{key}"
        );
        let user = json_body(app.get_user(&tokens.access).await).await;
        assert_eq!(
            user["accessibility_preferences"][key], value,
            "{key} stored"
        );
    }
    let user = json_body(app.get_user(&tokens.access).await).await;
    let p = &user["accessibility_preferences"];
    assert_eq!(
        (
            &p["caption_color"],
            &p["caption_background"],
            &p["caption_opacity"]
        ),
        (&json!("yellow"), &json!("blue"), &json!(100)),
        "earlier changes kept"
    );
}

#[tokio::test]
async fn bad_player_values_are_422_field_errors_and_change_nothing() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("pbad").await;
    for (key, bad) in [
        ("caption_size", json!(110)),
        ("caption_size", json!("150")),
        ("caption_size", json!(150.5)),
        ("caption_size", json!(-100)),
        ("caption_color", json!("purple")),
        ("caption_color", json!(null)),
        ("caption_background", json!("red")),
        ("caption_opacity", json!(101)),
        ("caption_opacity", json!(33)),
        ("caption_font", json!("comic-sans")),
        ("caption_edge", json!("glow")),
        ("caption_position", json!("above")),
        ("sign_layout", json!("grid")),
        ("sign_corner", json!("centre")),
        ("sign_size", json!("huge")),
        ("keyboard_shortcuts", json!("off")),
        ("keyboard_shortcuts", json!(1)),
    ] {
        let r = put_prefs(
            &app,
            &tokens.access,
            &json!({ key: bad.clone(), "visual_density": 1 }),
        )
        .await;
        assert_eq!(r.status(), 422, "{key}={bad}");
        let err = json_body(r).await;
        let message = err["fields"][key].as_str().unwrap_or_default();
        assert!(message.contains("must be"), "{key}={bad}: {err}");
        assert!(err["fields"].get("visual_density").is_none());
    }
    let user = json_body(app.get_user(&tokens.access).await).await;
    let p = &user["accessibility_preferences"];
    assert_eq!(p["visual_density"], 3, "nothing applied");
    assert_eq!(p["caption_size"], 100);
    let r = put_prefs(&app, &tokens.access, &json!({"caption_colour": "white"})).await;
    let err = json_body(r).await;
    assert!(
        err["fields"]["caption_colour"]
            .as_str()
            .unwrap()
            .contains("caption_color"),
        "the unknown-key message lists the new fields: {err}"
    );
}

#[tokio::test]
async fn low_contrast_caption_styles_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let tokens = app.signed_in_user("pcontrast").await;
    // Magenta on the default 75 % black: 3.3:1 over a light picture.
    let r = put_prefs(&app, &tokens.access, &json!({"caption_color": "magenta"})).await;
    assert_eq!(r.status(), 422);
    let err = json_body(r).await;
    let m = err["fields"]["caption_color"].as_str().unwrap();
    assert!(m.contains("3.3:1 over a light picture"), "{m}");
    assert!(m.contains("at least 4.5:1"), "{m}");
    // No background at all, no outline: refused on the first field sent.
    let r = put_prefs(&app, &tokens.access, &json!({"caption_opacity": 0})).await;
    assert_eq!(r.status(), 422);
    assert!(json_body(r).await["fields"]["caption_opacity"].is_string());
    // ... but with an outline edge it is fine (the outline is the letters' background).
    let r = put_prefs(
        &app,
        &tokens.access,
        &json!({"caption_opacity": 0, "caption_edge": "outline"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // Magenta with a black outline is 6.7:1: fine, until high contrast is turned on.
    let r = put_prefs(&app, &tokens.access, &json!({"caption_color": "magenta"})).await;
    assert_eq!(r.status(), 200);
    let r = put_prefs(&app, &tokens.access, &json!({"color_contrast": "high"})).await;
    assert_eq!(r.status(), 422);
    let err = json_body(r).await;
    let m = err["fields"]["color_contrast"].as_str().unwrap();
    assert!(m.contains("at least 7:1 with high contrast on"), "{m}");
    let user = json_body(app.get_user(&tokens.access).await).await;
    assert_eq!(
        user["accessibility_preferences"]["color_contrast"],
        "normal"
    );
    // Both at once: high contrast with yellow text is fine.
    let r = put_prefs(
        &app,
        &tokens.access,
        &json!({"color_contrast": "high", "caption_color": "yellow"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    // A layout change never trips over the caption style.
    let r = put_prefs(&app, &tokens.access, &json!({"sign_size": "small"})).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn the_html_element_always_carries_the_player_attributes() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    for (attr, value) in [
        ("data-caption-size", "100"),
        ("data-caption-color", "white"),
        ("data-caption-bg", "black"),
        ("data-caption-opacity", "75"),
        ("data-caption-font", "sans"),
        ("data-caption-edge", "none"),
        ("data-caption-position", "over"),
        ("data-sign-layout", "pip"),
        ("data-sign-corner", "bottom-right"),
        ("data-sign-size", "medium"),
        ("data-shortcuts", "on"),
    ] {
        assert_eq!(html_attr(&html, attr), value, "{attr}");
    }
    // The caption stylesheet is linked and served; so is the bundled font.
    let start = html.find("/static/captions.").unwrap();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    let css = app.get(href).await;
    assert_eq!(css.status(), 200);
    let css = css.text().await.unwrap();
    assert!(css.contains("video::cue") && css.contains(".captions-display .caption-cue"));
    let font = app
        .get("/static/atkinson-hyperlegible-5.3.0-latin-400.woff2")
        .await;
    assert_eq!(font.status(), 200);
    assert_eq!(
        font.headers()["content-type"].to_str().unwrap(),
        "font/woff2"
    );
    // Signed in, the account's values; an htmx fragment carries them on #page-meta.
    let tokens = app.signed_in_user("pattrs").await;
    let r = put_prefs(
        &app,
        &tokens.access,
        &json!({"caption_size": 200, "sign_corner": "top-left", "keyboard_shortcuts": false}),
    )
    .await;
    assert_eq!(r.status(), 200);
    app.browser_login("pattrs@example.com", "password123").await;
    let html = app.get_html("/").await;
    assert_eq!(html_attr(&html, "data-caption-size"), "200");
    assert_eq!(html_attr(&html, "data-sign-corner"), "top-left");
    assert_eq!(html_attr(&html, "data-shortcuts"), "off");
    let fragment = app.get_hx("/").await.text().await.unwrap();
    let meta = &fragment[fragment.find("id=\"page-meta\"").unwrap()..];
    assert!(meta.contains("data-caption-size=\"200\""), "{meta}");
    assert!(!html.contains(" style=\""), "no inline styles");
}

#[tokio::test]
async fn cached_pages_are_never_shared_across_caption_styles() {
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());
    let app = crate::helpers::spawn_app_with(|s| {
        s.insert("CACHE_KEY_PREFIX".into(), prefix);
    })
    .await;
    let stats = |app: &TestApp| {
        app.state
            .cache
            .stats()
            .get("home")
            .copied()
            .unwrap_or_default()
    };
    app.browser_user("pcachea").await;
    let r = app.save_preferences(&[("caption_color", "yellow")]).await;
    assert_eq!(r.status(), 303);
    let a_home = app.get_html("/").await;
    assert_eq!(html_attr(&a_home, "data-caption-color"), "yellow");
    let after_a = stats(&app);
    let token = app.csrf("/account").await;
    app.post_form("/logout", &[("csrf_token", &token)]).await;

    // B has A's profile except the caption colour: a miss, not A's entry. (Signing out
    // kept A's choices in this browser's cookie, and registering carries them over, so B
    // picks white.)
    app.browser_user("pcacheb").await;
    let r = app.save_preferences(&[("caption_color", "white")]).await;
    assert_eq!(r.status(), 303);
    let b_home = app.get_html("/").await;
    assert_eq!(html_attr(&b_home, "data-caption-color"), "white");
    let after_b = stats(&app);
    assert_eq!(
        after_b.misses,
        after_a.misses + 1,
        "B's profile is another key"
    );
    assert_eq!(after_b.hits, after_a.hits);
    // B picks yellow too: now B shares A's entry.
    let r = app.save_preferences(&[("caption_color", "yellow")]).await;
    assert_eq!(r.status(), 303);
    let b_yellow = app.get_html("/").await;
    assert_eq!(html_attr(&b_yellow, "data-caption-color"), "yellow");
    assert_eq!(
        stats(&app).hits,
        after_b.hits + 1,
        "same profile, shared entry"
    );
}
