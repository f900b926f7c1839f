//! The renderer: each preference changes what is rendered, for signed-in people (their
//! account) and signed-out visitors (the preferences cookie).

use crate::helpers::{TestApp, csrf_from, header, location, spawn_app};

/// The opening `<html ...>` tag of a page.
async fn html_tag(app: &TestApp, path: &str) -> String {
    let html = app.get_html(path).await;
    let start = html.find("<html").unwrap();
    html[start..start + html[start..].find('>').unwrap() + 1].to_owned()
}

#[tokio::test]
async fn each_preference_value_reaches_the_html_element() {
    let app = spawn_app().await;
    app.browser_user("attrs").await;
    for n in ["1", "2", "3", "4", "5"] {
        let r = app
            .save_preferences(&[("visual_density", n), ("reading_level", n)])
            .await;
        assert_eq!(r.status(), 303);
        let tag = html_tag(&app, "/account").await;
        assert!(tag.contains(&format!("data-density=\"{n}\"")), "{tag}");
        assert!(
            tag.contains(&format!("data-reading-level=\"{n}\"")),
            "{tag}"
        );
    }
    for (contrast, motion) in [("high", "true"), ("normal", "false")] {
        app.save_preferences(&[("color_contrast", contrast), ("motion_sensitivity", motion)])
            .await;
        let tag = html_tag(&app, "/").await;
        assert!(
            tag.contains(&format!("data-contrast=\"{contrast}\"")),
            "{tag}"
        );
        assert!(tag.contains(&format!("data-motion=\"{motion}\"")), "{tag}");
        assert!(tag.contains("lang=\"en\""));
    }
    app.save_preferences(&[("preferred_sign_language", "Auslan")])
        .await;
    assert!(
        html_tag(&app, "/")
            .await
            .contains("data-sign-language=\"Auslan\"")
    );
}

#[tokio::test]
async fn without_a_choice_the_device_settings_apply() {
    let app = spawn_app().await;
    let tag = html_tag(&app, "/").await;
    assert!(tag.contains("data-density=\"3\"") && tag.contains("data-reading-level=\"3\""));
    assert!(
        !tag.contains("data-contrast") && !tag.contains("data-motion"),
        "{tag}"
    );
    // A new account has made no choice yet either.
    app.browser_user("fresh").await;
    let tag = html_tag(&app, "/account").await;
    assert!(
        !tag.contains("data-contrast") && !tag.contains("data-motion"),
        "{tag}"
    );
    app.save_preferences(&[("motion_sensitivity", "false")])
        .await;
    let tag = html_tag(&app, "/account").await;
    assert!(
        tag.contains("data-motion=\"false\"") && tag.contains("data-contrast=\"normal\""),
        "{tag}"
    );
}

#[tokio::test]
async fn density_one_and_five_change_the_structure() {
    let app = spawn_app().await;
    app.browser_user("layout").await;
    app.save_preferences(&[("visual_density", "1")]).await;
    let minimal = app.get_html("/account").await;
    assert!(minimal.contains("class=\"plain-list big-list\""));
    assert!(!minimal.contains("<table"));
    assert!(
        !minimal.contains("layout@example.com"),
        "one thing at a time: fewer details"
    );
    let prefs = app.get_html("/preferences").await;
    assert!(prefs.contains("prefs-layout-single"));

    app.save_preferences(&[("visual_density", "5")]).await;
    let compact = app.get_html("/account").await;
    assert_eq!(compact.matches("<table class=\"table\">").count(), 2);
    assert!(compact.contains("layout@example.com"));
    assert!(
        app.get_html("/preferences")
            .await
            .contains("prefs-layout-compact")
    );

    app.save_preferences(&[("visual_density", "3")]).await;
    let standard = app.get_html("/account").await;
    assert!(standard.contains("class=\"summary-list\"") && !standard.contains("<table"));
}

#[tokio::test]
async fn reading_level_changes_the_copy() {
    let app = spawn_app().await;
    let standard = app.get_html("/preferences").await;
    assert!(standard.contains("<h1 class=\"heading-xl\">Preferences</h1>"));
    assert!(standard.contains("How much appears on the screen at once."));

    app.save_preferences(&[("reading_level", "1")]).await;
    let plain = app.get_html("/preferences").await;
    assert!(
        plain.contains("<h1 class=\"heading-xl\">Your settings</h1>"),
        "plain heading"
    );
    assert!(plain.contains("Less is bigger and calmer."), "plain hint");
    assert!(plain.contains("<title>Your settings – PinkFlow</title>"));
    // Level 2 falls back to the plain copy.
    app.save_preferences(&[("reading_level", "2")]).await;
    assert!(
        app.get_html("/")
            .await
            .contains("<h1 class=\"heading-xl\">Welcome</h1>")
    );

    // Plain-language error messages.
    let token = app.csrf("/register").await;
    let r = app
        .post_form(
            "/register",
            &[
                ("csrf_token", &token),
                ("email", "a@example.com"),
                ("username", "abc"),
                ("password", "short"),
            ],
        )
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Your password is too short. Use 8 or more.")
    );

    // Levels 4-5 add detail.
    app.save_preferences(&[("reading_level", "5")]).await;
    let detailed = app.get_html("/").await;
    assert!(detailed.contains("class=\"body detail\""));
    assert!(!standard.contains("class=\"body detail\""));
}

#[tokio::test]
async fn signed_out_choices_are_kept_in_a_cookie() {
    let app = spawn_app().await;
    let r = app
        .save_preferences(&[
            ("visual_density", "1"),
            ("reading_level", "1"),
            ("color_contrast", "high"),
            ("motion_sensitivity", "true"),
            ("preferred_sign_language", "DGS"),
        ])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/preferences");
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pinkflow_prefs="))
        .expect("preferences cookie")
        .to_owned();
    assert!(
        set.contains("SameSite=Lax") && set.contains("Max-Age="),
        "{set}"
    );
    let html = app.get_html("/preferences").await;
    assert!(
        html.contains("Preferences saved"),
        "flash banner after the redirect"
    );
    let tag = html_tag(&app, "/").await;
    for attr in [
        "data-density=\"1\"",
        "data-reading-level=\"1\"",
        "data-contrast=\"high\"",
        "data-motion=\"true\"",
        "data-sign-language=\"DGS\"",
    ] {
        assert!(tag.contains(attr), "{attr} in {tag}");
    }
    // A tampered cookie is ignored, never an error.
    let r = reqwest::Client::new()
        .get(app.url("/"))
        .header(
            "Cookie",
            "pinkflow_prefs=visual_density%3D99%26x%3D%3Cscript%3E",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("data-density=\"3\""));
}

#[tokio::test]
async fn saving_with_htmx_rerenders_in_the_new_variant_and_announces() {
    let app = spawn_app().await;
    app.browser_user("hxprefs").await;
    let token = app.csrf("/preferences").await;
    let r = app
        .post_form_hx(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("visual_density", "5"),
                ("reading_level", "1"),
                ("color_contrast", "high"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "vary"), "HX-Request");
    let html = r.text().await.unwrap();
    assert!(
        html.starts_with("<title>Your settings – PinkFlow</title>"),
        "{html}"
    );
    assert!(html.contains("<div id=\"status\" hx-swap-oob=\"innerHTML\">Preferences saved</div>"));
    assert!(html.contains("class=\"banner\""));
    assert!(html.contains("prefs-layout-compact"));
    assert!(html.contains(
        "id=\"page-meta\" hidden data-density=\"5\" data-reading-level=\"1\" data-contrast=\"high\""
    ));
    assert!(html.contains(
        "id=\"visual_density-5\" name=\"visual_density\" type=\"radio\" value=\"5\" checked"
    ));
    // Stored on the account, as the API sees it.
    let html = app.get_html("/account").await;
    assert!(html.contains("data-density=\"5\""));
}

#[tokio::test]
async fn the_preferences_form_is_accessible_and_validated_like_the_api() {
    let app = spawn_app().await;
    let html = app.get_html("/preferences").await;
    // The five preferences, then the Captions (five radio groups, two selects) and Player
    // (four radio groups) sections (tests/api/player_pages.rs).
    assert_eq!(html.matches("<fieldset").count(), 5 + 5 + 4);
    assert_eq!(html.matches("<legend class=\"legend\">").count(), 5 + 5 + 4);
    for name in [
        "visual_density",
        "reading_level",
        "color_contrast",
        "motion_sensitivity",
        "preferred_sign_language",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
        assert!(
            html.contains(&format!("aria-describedby=\"{name}-hint\"")),
            "{name}"
        );
    }
    for value in [
        "value=\"true\"",
        "value=\"false\"",
        "value=\"normal\"",
        "value=\"high\"",
        "value=\"ASL\"",
    ] {
        assert!(html.contains(value), "{value}");
    }
    assert!(
        html.contains("Minimal: one thing at a time"),
        "each value is described"
    );
    assert!(html.contains("id=\"preview\""), "live preview");

    let token = crate::helpers::csrf_from(&html).unwrap();
    let r = app
        .post_form(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("visual_density", "9"),
                ("color_contrast", "purple"),
                ("reading_level", "2"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error: Preferences – PinkFlow</title>"));
    assert!(html.contains(
        "<a href=\"#visual_density-1\">Visual density must be a whole number from 1 to 5</a>"
    ));
    assert!(html.contains("<a href=\"#color_contrast-normal\">"));
    assert!(html.contains("aria-describedby=\"visual_density-hint visual_density-error\""));
    assert!(
        html.contains("value=\"2\" checked"),
        "the valid choice is kept"
    );
    // Nothing was saved.
    assert!(app.get_html("/").await.contains("data-reading-level=\"3\""));
}

#[tokio::test]
async fn choices_made_before_registering_carry_over_to_the_account() {
    let app = spawn_app().await;
    app.save_preferences(&[("visual_density", "5"), ("color_contrast", "high")])
        .await;
    app.browser_user("carried").await;
    let tag = html_tag(&app, "/account").await;
    assert!(
        tag.contains("data-density=\"5\"") && tag.contains("data-contrast=\"high\""),
        "{tag}"
    );
    // Stored on the account, not just read from the cookie.
    let r = app.login("carried@example.com", "password123").await;
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["user"]["accessibility_preferences"]["visual_density"],
        5
    );
    assert_eq!(
        body["user"]["accessibility_preferences"]["preferred_sign_language"],
        "BSL"
    );
}

async fn sign_out(app: &TestApp) -> reqwest::Response {
    let html = app.get_html("/account").await;
    let token = crate::helpers::csrf_from(&html).unwrap();
    app.post_form("/logout", &[("csrf_token", &token)]).await
}

#[tokio::test]
async fn signing_out_keeps_chosen_preferences_on_the_device() {
    let app = spawn_app().await;
    app.browser_user("keeper").await;
    // Never chose anything: no cookie, the device decides.
    let r = sign_out(&app).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .all(|v| !v.to_str().unwrap_or("").starts_with("pinkflow_prefs"))
    );
    assert!(!html_tag(&app, "/").await.contains("data-contrast"));

    app.browser_login("keeper@example.com", "password123").await;
    app.save_preferences(&[("color_contrast", "high")]).await;
    sign_out(&app).await;
    let tag = html_tag(&app, "/").await;
    assert!(tag.contains("data-contrast=\"high\""), "{tag}");
}

/// Density 1 asks one question per screen: "Question N of 5", one fieldset, "Save and
/// continue", a way back, then the answers with a "Change" link each; every question
/// is still on one page with `?all=1`. Works with plain posts (303) and with htmx.
#[tokio::test]
async fn density_one_asks_one_question_per_screen() {
    let app = spawn_app().await;
    app.browser_user("stepper").await;
    let r = app.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);

    let html = app.get_html("/preferences").await;
    assert!(html.contains("Question 1 of 5"), "{html}");
    assert_eq!(html.matches("<fieldset").count(), 1);
    assert!(html.contains("name=\"visual_density\""));
    assert!(html.contains("name=\"step\" value=\"1\""));
    assert!(html.contains("Save and continue"));
    assert!(
        !html.contains("id=\"preview\""),
        "one thing at a time: no preview"
    );
    assert!(
        !html.contains("id=\"previous-question\""),
        "nothing before question 1"
    );
    assert!(html.contains("href=\"/preferences?all=1\""));
    let token = csrf_from(&html).unwrap();

    // Plain posts walk through the questions.
    let r = app
        .post_form(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("step", "1"),
                ("visual_density", "1"),
            ],
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/preferences?step=2")
    );
    let html = app.get_html("/preferences?step=2").await;
    assert!(html.contains("Question 2 of 5") && html.contains("name=\"reading_level\""));
    assert!(html.contains("Preferences saved"), "the save is confirmed");
    assert!(html.contains("href=\"/preferences?step=1\""), "a way back");
    assert_eq!(html.matches("<fieldset").count(), 1);

    // An invalid answer stays on its question with the error summary.
    let r = app
        .post_form(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("step", "2"),
                ("reading_level", "9"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("Question 2 of 5") && html.contains("error-summary"));
    assert_eq!(html.matches("<fieldset").count(), 1);

    // With htmx the next question is swapped in, announced and pushed to the history.
    let r = app
        .post_form_hx(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("step", "3"),
                ("color_contrast", "high"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "hx-push-url"), "/preferences?step=4");
    let html = r.text().await.unwrap();
    assert!(html.contains("Question 4 of 5") && html.contains("name=\"motion_sensitivity\""));
    assert!(
        html.contains("Preferences saved. Question 4 of 5"),
        "announced: {html}"
    );

    // After the last question: the answers, each with a "Change" link.
    let r = app
        .post_form(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("step", "5"),
                ("preferred_sign_language", "BSL"),
            ],
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/preferences?step=done")
    );
    let html = app.get_html("/preferences?step=done").await;
    assert!(html.contains("Your answers"));
    assert_eq!(html.matches("<dt class=\"summary-key\">").count(), 5);
    for n in 1..=5 {
        assert!(
            html.contains(&format!("href=\"/preferences?step={n}\"")),
            "change {n}"
        );
    }
    assert!(
        html.contains("<dd class=\"summary-value\">BSL – British Sign Language</dd>"),
        "the answer given: {html}"
    );
    assert_eq!(html.matches("<fieldset").count(), 0);

    // Every question at once, on request; saving it stays there.
    let html = app.get_html("/preferences?all=1").await;
    // The five questions plus the Captions and Player sections' radio groups.
    assert_eq!(html.matches("<fieldset").count(), 5 + 5 + 4);
    assert!(html.contains("name=\"all\" value=\"1\""));
    let r = app
        .post_form(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("all", "1"),
                ("visual_density", "1"),
            ],
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/preferences?all=1")
    );
    // An invalid value sent from the whole page comes back on the whole page.
    let r = app
        .post_form(
            "/preferences",
            &[("csrf_token", &token), ("all", "1"), ("reading_level", "9")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("<fieldset").count(), 5 + 5 + 4, "{html}");
    assert!(html.contains("error-summary") && !html.contains("Question 1 of 5"));

    // Odd step values fall back to the first question, never an error.
    for q in ["?step=abc", "?step=99", "?step=0", "?step="] {
        let r = app.get(&format!("/preferences{q}")).await;
        assert_eq!(r.status(), 200, "{q}");
        assert!(r.text().await.unwrap().contains("Question 1 of 5"), "{q}");
    }

    // Leaving density 1 on its question ends the walk-through: the whole page again.
    let r = app
        .post_form(
            "/preferences",
            &[
                ("csrf_token", &token),
                ("step", "1"),
                ("visual_density", "3"),
            ],
        )
        .await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/preferences"));
    let html = app.get_html("/preferences").await;
    assert_eq!(html.matches("<fieldset").count(), 5 + 5 + 4);
    assert!(!html.contains("Question 1 of 5"));
}
