//! CSRF: every state-changing browser request needs the session's token; the API does not.

use crate::helpers::{csrf_from, header, spawn_app};

#[tokio::test]
async fn posts_without_a_valid_token_get_an_explained_403() {
    let app = spawn_app().await;
    let token = app.csrf("/login").await;
    let mut wrong = token.clone();
    wrong.replace_range(0..1, if token.starts_with('0') { "1" } else { "0" });
    for fields in [
        vec![("email", "a@example.com"), ("password", "password123")],
        vec![
            ("csrf_token", ""),
            ("email", "a@example.com"),
            ("password", "x"),
        ],
        vec![
            ("csrf_token", wrong.as_str()),
            ("email", "a@example.com"),
            ("password", "x"),
        ],
    ] {
        let r = app.post_form("/login", &fields).await;
        assert_eq!(r.status(), 403, "{fields:?}");
        assert!(header(&r, "content-type").starts_with("text/html"));
        let html = r.text().await.unwrap();
        assert!(
            html.contains("<h1 class=\"heading-xl\">Your form could not be sent</h1>"),
            "{html}"
        );
        assert!(html.contains("Nothing was changed. Go back, reload the page and try again."));
        assert!(html.contains("class=\"skip-link\""), "in the layout");
    }
    for path in ["/register", "/preferences", "/logout"] {
        let r = app.post_form(path, &[("email", "x")]).await;
        assert_eq!(r.status(), 403, "{path}");
    }
    // With the right token it goes through (here: a validation error, not a 403).
    let r = app
        .post_form(
            "/login",
            &[("csrf_token", &token), ("email", ""), ("password", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn a_token_from_another_session_is_refused() {
    let app = spawn_app().await;
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let html = other
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let foreign = csrf_from(&html).unwrap();
    let _ = app.csrf("/login").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("csrf_token", &foreign),
                ("email", "a@example.com"),
                ("password", "x"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn htmx_sends_the_token_as_a_header() {
    let app = spawn_app().await;
    let token = app.csrf("/preferences").await;
    let r = app
        .client
        .post(app.url("/preferences"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", &token)
        .form(&[("visual_density", "4")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .client
        .post(app.url("/preferences"))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", "nope")
        .form(&[("visual_density", "4"), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        403,
        "a wrong header is not rescued by the field"
    );
    let html = r.text().await.unwrap();
    assert!(
        html.starts_with("<title>Your form could not be sent"),
        "fragment for htmx"
    );
    assert!(html.contains("hx-swap-oob=\"innerHTML\">Your form could not be sent</div>"));
}

#[tokio::test]
async fn bearer_api_calls_are_exempt() {
    let app = spawn_app().await;
    // Even with a browser session cookie in the jar, the JSON API needs no CSRF token.
    let _ = app.csrf("/login").await;
    let tokens = app.signed_in_user("apiuser").await;
    let r = app
        .client
        .put(app.url("/api/auth/user/preferences"))
        .bearer_auth(&tokens.access)
        .json(&serde_json::json!({"visual_density": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn multipart_posts_carry_the_token_in_the_query_string() {
    let app = spawn_app().await;
    let token = app.csrf("/preferences").await;
    let post = |query: String| {
        let form = reqwest::multipart::Form::new().text("visual_density", "4");
        app.client
            .post(app.url(&format!("/preferences{query}")))
            .multipart(form)
            .send()
    };
    let r = post(String::new()).await.unwrap();
    assert_eq!(r.status(), 403, "no token");
    let r = post(format!("?csrf_token={token}x")).await.unwrap();
    assert_eq!(r.status(), 403, "wrong token");
    // The token passes; the preferences handler itself only reads url-encoded forms.
    let r = post(format!("?csrf_token={token}")).await.unwrap();
    assert_ne!(r.status(), 403);
}
