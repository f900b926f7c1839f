//! The "Captions" and "Player" sections of /preferences without JavaScript (303 / 422
//! with the error summary), the signed-out cookie, and `POST /preferences/player` as the
//! contract with the player says.

use crate::helpers::{TestApp, header, location, spawn_app};
use crate::player_prefs::html_attr;

async fn post_player(
    app: &TestApp,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.csrf("/preferences").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    let mut req = app.client.post(app.url("/preferences/player")).form(&all);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn the_page_has_captions_and_player_sections_with_a_preview() {
    let app = spawn_app().await;
    let html = app.get_html("/preferences").await;
    for needle in [
        "id=\"captions-heading\"",
        "id=\"player-heading\"",
        "<select class=\"select select-short\" id=\"caption_size\" name=\"caption_size\"",
        "<option value=\"100\" selected>100% (normal)</option>",
        "id=\"caption_color-white\" name=\"caption_color\" type=\"radio\" value=\"white\" checked",
        "id=\"caption_font-legible\"",
        "id=\"sign_corner-bottom-right\" name=\"sign_corner\" type=\"radio\" value=\"bottom-right\" checked",
        "id=\"keyboard_shortcuts-on\"",
        "<legend class=\"legend\">Caption edge</legend>",
        "id=\"caption-preview\"",
        "class=\"captions-display\" aria-hidden=\"true\"><span class=\"caption-cue\">",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    let preview = &html[html.find("id=\"caption-preview\"").unwrap()..];
    let preview = &preview[..preview.find('>').unwrap()];
    assert!(
        preview.contains("data-caption-color=\"white\""),
        "{preview}"
    );
    assert!(!html.contains(" style=\""), "no inline styles");
}

#[tokio::test]
async fn saving_signed_out_keeps_the_choices_in_the_cookie() {
    let app = spawn_app().await;
    let r = app
        .save_preferences(&[
            ("caption_size", "250"),
            ("caption_color", "yellow"),
            ("caption_background", "blue"),
            ("caption_opacity", "100"),
            ("caption_font", "legible"),
            ("caption_edge", "shadow"),
            ("caption_position", "below"),
            ("sign_layout", "side"),
            ("sign_corner", "top-right"),
            ("sign_size", "small"),
            ("keyboard_shortcuts", "off"),
        ])
        .await;
    assert_eq!(r.status(), 303);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pinkflow_prefs="))
        .unwrap()
        .to_owned();
    assert!(cookie.contains("caption_color=yellow"), "{cookie}");
    let html = app.get_html("/catalogue").await;
    for (attr, value) in [
        ("data-caption-size", "250"),
        ("data-caption-color", "yellow"),
        ("data-caption-bg", "blue"),
        ("data-caption-opacity", "100"),
        ("data-caption-font", "legible"),
        ("data-caption-edge", "shadow"),
        ("data-caption-position", "below"),
        ("data-sign-layout", "side"),
        ("data-sign-corner", "top-right"),
        ("data-sign-size", "small"),
        ("data-shortcuts", "off"),
    ] {
        assert_eq!(html_attr(&html, attr), value, "{attr}");
    }
    let page = app.get_html("/preferences").await;
    assert!(page.contains("value=\"yellow\" checked"));
    assert!(page.contains("<option value=\"250\" selected>"));

    // Registering carries the cookie's choices into the new account.
    let r = app.browser_register("pcookie").await;
    assert_eq!(r.status(), 303);
    app.browser_login("pcookie@example.com", "password123")
        .await;
    let html = app.get_html("/").await;
    assert_eq!(html_attr(&html, "data-caption-font"), "legible");
    assert_eq!(html_attr(&html, "data-sign-corner"), "top-right");
}

#[tokio::test]
async fn low_contrast_and_bad_values_show_the_error_summary() {
    let app = spawn_app().await;
    app.browser_user("ppage").await;
    let r = app.save_preferences(&[("caption_color", "magenta")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Preferences"), "title");
    assert!(html.contains("id=\"error-summary\""));
    assert!(
        html.contains("href=\"#caption_color-white\""),
        "summary links the field"
    );
    assert!(html.contains("id=\"caption_color-error\""));
    assert!(
        html.contains(
            "contrast of 3.3 to 1 over a light picture. Captions need at least 4.5 to 1."
        ),
        "says why"
    );
    assert!(
        html.contains("value=\"magenta\" checked"),
        "the person's answer is kept"
    );
    let html = app.get_html("/").await;
    assert_eq!(html_attr(&html, "data-caption-color"), "white", "not saved");

    // 7:1 with high contrast on: white on 75 % blue is 6.1:1.
    let r = app
        .save_preferences(&[
            ("color_contrast", "high"),
            ("caption_color", "white"),
            ("caption_background", "blue"),
        ])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("at least 7 to 1 when high contrast is on"),
        "7:1"
    );

    let r = app
        .save_preferences(&[("caption_size", "110"), ("sign_corner", "middle")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#caption_size\""));
    assert!(html.contains("href=\"#sign_corner-top-left\""));
    assert!(html.contains("aria-describedby=\"caption_size-hint caption_size-error\""));

    // A good set saves (303), and the page shows it.
    let r = app
        .save_preferences(&[
            ("caption_color", "black"),
            ("caption_background", "yellow"),
            ("caption_opacity", "100"),
            ("caption_edge", "outline"),
        ])
        .await;
    assert_eq!(r.status(), 303);
    let html = app.get_html("/").await;
    assert_eq!(html_attr(&html, "data-caption-color"), "black");
    assert_eq!(html_attr(&html, "data-caption-edge"), "outline");
}

#[tokio::test]
async fn plain_reading_levels_get_the_plain_refusal() {
    let app = spawn_app().await;
    let r = app.save_preferences(&[("reading_level", "1")]).await;
    assert_eq!(r.status(), 303);
    let r = app.save_preferences(&[("caption_opacity", "0")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("These caption colours are too hard to read"),
        "plain words"
    );
}

#[tokio::test]
async fn the_player_form_saves_the_layout_as_the_contract_says() {
    let app = spawn_app().await;
    // Signed out, no JavaScript: 303 to a local `next`, flash, cookie.
    let r = post_player(
        &app,
        &[("sign_layout", "side"), ("next", "/developers")],
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/developers");
    assert!(header(&r, "set-cookie").contains("pinkflow_prefs="));
    let html = app.get_html("/developers").await;
    assert_eq!(html_attr(&html, "data-sign-layout"), "side");
    assert!(html.contains("Player layout saved"), "flash");

    // htmx: 204 No Content, still the cookie.
    let r = post_player(
        &app,
        &[("sign_corner", "top-left")],
        &[("HX-Request", "true")],
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(header(&r, "set-cookie").contains("sign_corner=top-left"));
    let html = app.get_html("/").await;
    assert_eq!(html_attr(&html, "data-sign-corner"), "top-left");
    assert_eq!(
        html_attr(&html, "data-sign-layout"),
        "side",
        "earlier choice kept"
    );

    // Somewhere else is not followed.
    let r = post_player(
        &app,
        &[("sign_size", "large"), ("next", "//evil.example")],
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/preferences");

    // Signed in, JSON: 204, stored with the account.
    app.browser_user("pplayer").await;
    let r = post_player(
        &app,
        &[("sign_size", "small"), ("sign_layout", "pip")],
        &[("Accept", "application/json")],
    )
    .await;
    assert_eq!(r.status(), 204);
    assert!(
        header(&r, "set-cookie").is_empty() || !header(&r, "set-cookie").contains("pinkflow_prefs")
    );
    let html = app.get_html("/").await;
    assert_eq!(html_attr(&html, "data-sign-size"), "small");
    assert_eq!(html_attr(&html, "data-sign-layout"), "pip");

    // Bad values: JSON gets an ErrorBody, a browser the preferences page with errors.
    let r = post_player(
        &app,
        &[("sign_corner", "middle")],
        &[("Accept", "application/json")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let err: serde_json::Value = r.json().await.unwrap();
    assert!(
        err["fields"]["sign_corner"]
            .as_str()
            .unwrap()
            .contains("top-left"),
        "{err}"
    );
    let r = post_player(&app, &[("sign_size", "huge")], &[]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<title>Error: Preferences") && html.contains("href=\"#sign_size-small\"")
    );
    let html = app.get_html("/").await;
    assert_eq!(
        html_attr(&html, "data-sign-size"),
        "small",
        "nothing changed"
    );

    // Without the CSRF token: refused.
    let r = app
        .client
        .post(app.url("/preferences/player"))
        .form(&[("sign_size", "large")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
