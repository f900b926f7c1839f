//! The browser pages: layout and landmarks, page vs fragment, redirects, validation,
//! escaping, error pages and static assets.

use crate::helpers::{header, location, spawn_app};

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn every_page_has_the_accessible_layout() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/register", "/preferences", "/developers"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "vary"), "HX-Request", "{path}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{path}"
        );
        let csp = header(&r, "content-security-policy").to_owned();
        assert!(csp.contains("default-src 'self'") && !csp.contains("unsafe-inline"));
        let html = r.text().await.unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{path}");
        let body = &html[html.find("<body>").unwrap()..];
        // The skip link is the first focusable element.
        let first_link = body.find("<a ").unwrap();
        assert!(body[first_link..].starts_with("<a href=\"#main-content\" class=\"skip-link\""));
        for landmark in ["<header", "<nav", "<main id=\"main-content\"", "<footer"] {
            assert_eq!(count(&html, landmark), 1, "{path} {landmark}");
        }
        assert!(
            html.contains("<main id=\"main-content\" class=\"container main\" tabindex=\"-1\">")
        );
        assert_eq!(count(&html, "<h1"), 1, "{path} has one h1");
        assert!(
            html.contains("<div id=\"status\" class=\"visually-hidden\" role=\"status\"></div>")
        );
        assert!(
            html.contains("<div id=\"alerts\" class=\"visually-hidden\" role=\"alert\"></div>")
        );
        // No inline script, style or event handlers.
        assert!(
            !html.contains("<script>") && !html.contains("style=") && !html.contains(" onclick")
        );
        assert!(
            html.contains("\"allowEval\":false")
                && html.contains("\"includeIndicatorStyles\":false")
                && html.contains("\"historyRestoreAsHxRequest\":false")
                && html.contains("\"historyCacheSize\":0")
        );
    }
}

#[tokio::test]
async fn htmx_requests_get_a_fragment_and_history_restores_a_full_page() {
    let app = spawn_app().await;
    let r = app.get_hx("/login").await;
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "vary"), "HX-Request");
    let html = r.text().await.unwrap();
    assert!(
        html.starts_with("<title>Sign in – PinkFlow</title>"),
        "{html}"
    );
    assert!(!html.contains("<html ") && !html.contains("<head>"));
    assert!(html.contains("<main id=\"main-content\""));
    assert!(
        !html.contains("id=\"status\" class"),
        "live regions stay in the page"
    );

    let r = app
        .client
        .get(app.url("/login"))
        .header("HX-Request", "true")
        .header("HX-History-Restore-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&r, "vary"), "HX-Request");
    assert!(r.text().await.unwrap().starts_with("<!DOCTYPE html>"));
}

#[tokio::test]
async fn static_assets_have_versioned_urls_and_long_caching() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    let mut found = 0;
    for (marker, kind) in [
        ("href=\"/static/site.", "text/css"),
        ("src=\"/static/htmx.", "javascript"),
        ("src=\"/static/a11y.", "javascript"),
    ] {
        let start =
            html.find(marker).unwrap_or_else(|| panic!("{marker}")) + marker.find('/').unwrap();
        let url: String = html[start..].chars().take_while(|c| *c != '"').collect();
        let r = app.get(&url).await;
        assert_eq!(r.status(), 200, "{url}");
        assert!(header(&r, "cache-control").contains("immutable"), "{url}");
        assert!(header(&r, "cache-control").contains("max-age=31536000"));
        assert!(header(&r, "content-type").contains(kind), "{url}");
        assert!(!r.bytes().await.unwrap().is_empty());
        found += 1;
    }
    assert_eq!(found, 3);
    let r = app.get("/static/site.000000000000.css").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn unknown_pages_get_an_html_404_in_the_layout_but_the_api_stays_json() {
    let app = spawn_app().await;
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Page not found – PinkFlow</title>"));
    assert!(html.contains("<h1 class=\"heading-xl\">Page not found</h1>"));
    assert!(html.contains("class=\"skip-link\""));

    let r = app.get_hx("/no/such/page").await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<title>Page not found"));
    assert!(html.contains("<div id=\"alerts\" hx-swap-oob=\"innerHTML\">Page not found</div>"));

    let r = app.get("/api/no/such/thing").await;
    assert_eq!(r.status(), 404);
    assert!(header(&r, "content-type").starts_with("application/json"));
}

#[tokio::test]
async fn wrong_methods_get_an_html_405_with_allow() {
    let app = spawn_app().await;
    let r = app
        .client
        .delete(app.url("/account"))
        .header("X-CSRF-Token", "irrelevant")
        .send()
        .await
        .unwrap();
    // Without a session the CSRF check answers first.
    assert_eq!(r.status(), 403);
    let r = app.client.put(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let token = app.csrf("/login").await;
    let r = app
        .client
        .put(app.url("/login"))
        .header("X-CSRF-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(header(&r, "content-type").starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("That cannot be done here"));
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_back() {
    let app = spawn_app().await;
    let r = app.get("/account").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Faccount");
    assert_eq!(header(&r, "vary"), "HX-Request");

    // The preferences page works signed out.
    assert_eq!(app.get("/preferences").await.status(), 200);

    app.browser_register("comeback").await;
    let html = app.get_html("/login?next=%2Faccount%3Ftab%3D1").await;
    assert!(html.contains("name=\"next\" value=\"/account?tab=1\""));
    let token = crate::helpers::csrf_from(&html).unwrap();
    let r = app
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "comeback@example.com"),
                ("password", "password123"),
                ("next", "/account?tab=1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account?tab=1");
    // Signed in, /login sends you on.
    let r = app.get("/login").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = spawn_app().await;
    app.browser_register("local").await;
    for next in [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "account",
    ] {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .unwrap();
        let html = client
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = crate::helpers::csrf_from(&html).unwrap();
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", "local@example.com"),
                ("password", "password123"),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(location(&r), "/account", "{next:?}");
    }
}

#[tokio::test]
async fn register_sign_in_account_and_sign_out() {
    let app = spawn_app().await;
    // Registering signs in: straight to the account, nothing typed twice.
    let r = app.browser_register_signed_in("journey").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let html = app.get_html("/account").await;
    assert!(
        html.contains("Your account has been created. You are signed in."),
        "flash shown once"
    );
    assert!(html.contains("journey@example.com"), "signed in");
    assert!(
        !app.get_html("/account")
            .await
            .contains("Your account has been created")
    );
    app.browser_logout().await;

    let r = app
        .browser_login("journey@example.com", "password123")
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let html = app.get_html("/account").await;
    assert!(html.contains("<title>Your account – PinkFlow</title>"));
    assert!(html.contains("journey@example.com") && html.contains("BSL – British Sign Language"));
    assert!(
        html.contains("action=\"/logout\""),
        "sign-out button in the header"
    );

    let token = crate::helpers::csrf_from(&html).unwrap();
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");
    assert_eq!(app.get("/account").await.status(), 303);
}

#[tokio::test]
async fn htmx_posts_swap_in_place_instead_of_redirecting() {
    let app = spawn_app().await;
    app.browser_register("hxuser").await;
    let token = app.csrf("/login").await;
    let r = app
        .post_form_hx(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "hxuser@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let hx_location: serde_json::Value = serde_json::from_str(header(&r, "hx-location")).unwrap();
    assert_eq!(hx_location["path"], "/account");
    assert_eq!(hx_location["target"], "#page");
    let r = app.get_hx("/account").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().starts_with("<title>Your account"));
}

#[tokio::test]
async fn validation_errors_follow_the_govuk_pattern_and_keep_input() {
    let app = spawn_app().await;
    let token = app.csrf("/register").await;
    let r = app
        .post_form(
            "/register",
            &[
                ("csrf_token", &token),
                ("email", "not-an-email"),
                ("username", "ok_name"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(header(&r, "vary"), "HX-Request");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<title>Error: Create an account – PinkFlow</title>"),
        "{html}"
    );
    let summary = html.find("class=\"error-summary\"").unwrap();
    assert!(summary < html.find("<h1").unwrap(), "summary at the top");
    assert!(html[summary..].contains("<div role=\"alert\">"));
    assert!(html.contains("There is a problem"));
    assert!(html.contains(
        "<a href=\"#email\">Enter an email address in the correct format, like name@example.com</a>"
    ));
    assert!(html.contains("<a href=\"#password\">Password must be at least 8 characters</a>"));
    assert!(html.contains("<p id=\"email-error\" class=\"error-message\"><span class=\"visually-hidden\">Error:</span> Enter an email address in the correct format"));
    assert!(html.contains("aria-describedby=\"email-hint email-error\" aria-invalid=\"true\""));
    assert!(html.contains("value=\"not-an-email\""), "input kept");
    assert!(html.contains("value=\"ok_name\""), "input kept");
    assert!(!html.contains("username-error"));
    assert!(html.contains("novalidate"));

    // The same through htmx: a 422 fragment that htmx is configured to swap.
    let r = app
        .post_form_hx(
            "/register",
            &[
                ("csrf_token", &token),
                ("email", ""),
                ("username", ""),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<title>Error: Create an account"));
    assert!(html.contains("Enter your email address") && html.contains("Enter a username"));
}

#[tokio::test]
async fn taken_email_and_username_are_reported_on_their_fields() {
    let app = spawn_app().await;
    app.browser_register("taken").await;
    let token = app.csrf("/register").await;
    let r = app
        .post_form(
            "/register",
            &[
                ("csrf_token", &token),
                ("email", "taken@example.com"),
                ("username", "other"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<a href=\"#email\">Email already registered</a>")
    );
    let r = app
        .post_form(
            "/register",
            &[
                ("csrf_token", &token),
                ("email", "new@example.com"),
                ("username", "TAKEN"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<a href=\"#username\">Username already taken</a>")
    );
}

#[tokio::test]
async fn user_input_is_escaped_when_echoed() {
    let app = spawn_app().await;
    let evil = "\"><script>alert(1)</script>";
    let token = app.csrf("/register").await;
    for (path, fields) in [
        (
            "/register",
            vec![
                ("csrf_token", token.as_str()),
                ("email", evil),
                ("username", evil),
                ("password", "password123"),
            ],
        ),
        (
            "/login",
            vec![
                ("csrf_token", token.as_str()),
                ("email", evil),
                ("password", "x"),
            ],
        ),
    ] {
        let r = app.post_form(path, &fields).await;
        assert_eq!(r.status(), 422, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("<script>alert(1)</script>"),
            "{path}: {html}"
        );
        assert!(
            html.contains("&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;")
                || html.contains("&quot;&gt;&lt;script&gt;"),
            "{path}: escaped value kept"
        );
    }
}

#[tokio::test]
async fn sign_in_failure_is_identical_for_unknown_email_and_wrong_password() {
    let app = spawn_app().await;
    app.browser_register("known").await;
    let token = app.csrf("/login").await;
    let attempt = |email: &'static str, password: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let r = app
                .post_form(
                    "/login",
                    &[
                        ("csrf_token", &token),
                        ("email", email),
                        ("password", password),
                    ],
                )
                .await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s1, wrong_password) = attempt("known@example.com", "wrong-password").await;
    let (s2, unknown_email) = attempt("nobody@example.com", "wrong-password").await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (422, 422));
    assert!(wrong_password.contains("Invalid credentials"));
    assert_eq!(
        wrong_password.replace("known@example.com", "EMAIL"),
        unknown_email.replace("nobody@example.com", "EMAIL")
    );
    let (s, html) = attempt("", "").await;
    assert_eq!(s.as_u16(), 422);
    assert!(html.contains("Enter your email address") && html.contains("Enter your password"));
}

#[tokio::test]
async fn browser_sign_in_is_rate_limited_with_an_html_page() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.insert("RATE_LIMIT_LOGIN".into(), "2/minute".into());
    })
    .await;
    let token = app.csrf("/login").await;
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            app.post_form(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", "a@example.com"),
                    ("password", "x"),
                ],
            )
            .await,
        );
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let wait: u64 = header(&r, "retry-after").parse().unwrap();
    assert!(wait >= 1);
    let html = r.text().await.unwrap();
    assert!(html.contains("Too many attempts"));
    assert!(html.contains(&format!("You can try again in {wait} second")));
    // Viewing the page is not limited.
    assert_eq!(app.get("/login").await.status(), 200);
    // The API shares the limit and answers in JSON.
    let r = app.login("a@example.com", "x").await;
    assert_eq!(r.status(), 429);
    assert!(header(&r, "content-type").starts_with("application/json"));
}

#[tokio::test]
async fn an_internal_failure_is_an_html_500_that_reveals_nothing() {
    let app = spawn_app().await;
    app.browser_user("broken").await;
    // Break the database under the running app.
    app.state
        .db
        .run(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("ALTER TABLE users RENAME TO users_gone").execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let r = app.get("/account").await;
    assert_eq!(r.status(), 500);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains("Sorry, there is a problem with PinkFlow"));
    assert!(html.contains("class=\"skip-link\""), "in the layout");
    assert!(!html.contains("users") && !html.contains("SQL") && !html.contains("relation"));
}

#[tokio::test]
async fn signed_in_visitors_skip_the_sign_in_pages_and_signed_out_logout_is_harmless() {
    let app = spawn_app().await;
    let token = app.csrf("/login").await;
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/");

    app.browser_user("already").await;
    for path in ["/register", "/login"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(location(&r), "/account", "{path}");
    }
    let home = app.get_html("/").await;
    assert!(home.contains("href=\"/account\"") && home.contains("action=\"/logout\""));
    assert!(!home.contains("href=\"/register\""));
}

#[tokio::test]
async fn bad_input_is_never_a_server_error() {
    let app = spawn_app().await;
    let token = app.csrf("/login").await;
    let post_raw = |content_type: &'static str, body: Vec<u8>| {
        app.client
            .post(app.url("/login"))
            .header("Content-Type", content_type)
            .header("X-CSRF-Token", token.as_str())
            .body(body)
            .send()
    };
    for (content_type, body, expected) in [
        (
            "application/x-www-form-urlencoded",
            b"email=%ZZ&password=%".to_vec(),
            422,
        ),
        (
            "application/x-www-form-urlencoded",
            vec![0xff, 0xfe, b'=', 0xff],
            422,
        ),
        ("application/json", b"{\"email\":\"a\"}".to_vec(), 415),
        (
            "application/x-www-form-urlencoded",
            vec![b'a'; 100 * 1024],
            413,
        ),
    ] {
        let r = post_raw(content_type, body).await.unwrap();
        let status = r.status().as_u16();
        assert!(status < 500, "{content_type}: {status}");
        assert_eq!(status, expected, "{content_type}");
        assert!(header(&r, "content-type").starts_with("text/html"));
    }
    // Garbage cookies are ignored.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/account"))
        .header("Cookie", "pinkflow_session=garbage; pinkflow_prefs=%%%")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "treated as signed out");
    // Unknown query parameters and odd paths are fine.
    assert_eq!(app.get("/login?next=%00").await.status(), 200);
    assert_eq!(app.get("/%2e%2e/%2e%2e/etc/passwd").await.status(), 404);
}
