//! Where you are signed in (issue 13, item 6): the page and the API list browser
//! sessions and API sign-ins (refresh families) with the device in words, the network
//! prefix (never the address), signed in and last seen, this browser marked; signing out
//! one ends it at once on every instance (a browser session on its next request, a
//! family with all its tokens); "sign out everywhere else" keeps only the asking one.
//! (The registry under password change and reset, and "last seen": `sign_ins_registry`.)

use serde_json::{Value, json};

use crate::helpers::{
    TestApp, csrf_from, json_body, location, spawn_app_with, spawn_peer, subscribe_when_fanned_out,
};

pub(crate) const FIREFOX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
pub(crate) const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

pub(crate) async fn app() -> TestApp {
    spawn_app_with(|s| {
        s.insert("PUBLIC_URL".into(), "https://pink.example".into());
        s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
    })
    .await
}

/// Another browser (its own cookies) with a User-Agent.
pub(crate) fn browser(ua: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .user_agent(ua)
        .build()
        .unwrap()
}

pub(crate) async fn sign_in(app: &TestApp, client: &reqwest::Client, email: &str) {
    let html = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_from(&html).unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", "password123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "signed in on {}", app.address);
}

pub(crate) async fn status(app: &TestApp, client: &reqwest::Client, path: &str) -> u16 {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// An API sign-in from a client with this User-Agent; returns its tokens.
pub(crate) async fn api_sign_in(app: &TestApp, email: &str, ua: &str) -> (String, String) {
    let body = json_body(
        browser(ua)
            .post(app.url("/api/auth/login"))
            .json(&json!({"email": email, "password": "password123"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn api_list(app: &TestApp, access: &str) -> Vec<Value> {
    let r = app
        .client
        .get(app.url("/api/auth/sessions"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    json_body(r).await["sign_ins"].as_array().unwrap().clone()
}

pub(crate) async fn refresh_status(app: &TestApp, refresh: &str) -> u16 {
    app.post_json("/api/auth/refresh", &json!({"refresh_token": refresh}))
        .await
        .status()
        .as_u16()
}

/// The ids of the sign-out buttons on the list page.
pub(crate) fn sign_out_ids(html: &str) -> Vec<String> {
    html.match_indices("action=\"/account/sessions/")
        .map(|(i, m)| {
            html[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .filter(|id| id.len() == 32)
        .collect()
}

/// The id of the sign-in whose device is `device` (from the API list).
fn id_of(list: &[Value], device: &str) -> String {
    list.iter()
        .find(|s| s["device"] == device)
        .unwrap_or_else(|| panic!("{device} in {list:?}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_page_and_the_api_list_every_sign_in_with_device_network_and_times() {
    let app = app().await;
    app.browser_user("lister").await;
    let firefox = browser(FIREFOX);
    sign_in(&app, &firefox, "lister@example.com").await;
    let (access, _) = api_sign_in(&app, "lister@example.com", CHROME).await;

    let html = app.get_html("/account").await;
    assert!(html.contains("href=\"/account/sessions\""), "{html}");
    let html = app.get_html("/account/sessions").await;
    assert!(html.contains("<h1 class=\"heading-xl\">Where you are signed in</h1>"));
    assert!(html.contains("Firefox on Linux"), "{html}");
    assert!(html.contains("Chrome on Windows"), "{html}");
    assert!(html.contains("App (API sign-in)"), "{html}");
    assert_eq!(html.matches("This browser").count(), 1, "{html}");
    assert!(html.contains("<dd>127.0.0.0/24</dd>"), "{html}");
    assert!(
        !html.contains("127.0.0.1"),
        "never the full address: {html}"
    );
    // Two others can be signed out; this browser is not offered a button of its own.
    assert_eq!(sign_out_ids(&html).len(), 2, "{html}");
    assert!(html.contains("id=\"sign-out-others\""));

    let list = api_list(&app, &access).await;
    assert_eq!(list.len(), 3, "{list:?}");
    let api = list.iter().find(|s| s["kind"] == "api").unwrap();
    assert_eq!(api["device"], "Chrome on Windows");
    assert_eq!(api["place"], "127.0.0.0/24");
    assert_eq!(api["current"], true);
    assert!(api["signed_in_at"].as_str().unwrap().ends_with('Z'));
    assert!(api["last_seen_at"].as_str().unwrap().ends_with('Z'));
    let browsers: Vec<&Value> = list.iter().filter(|s| s["kind"] == "browser").collect();
    assert_eq!(browsers.len(), 2);
    assert!(browsers.iter().all(|s| s["current"] == false));
    assert!(browsers.iter().any(|s| s["device"] == "Firefox on Linux"));
    // Signed out, the page is not there; without a token neither is the list.
    let r = app
        .client
        .get(app.url("/api/auth/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        status(&app, &browser(FIREFOX), "/account/sessions").await,
        303
    );
}

#[tokio::test]
async fn signing_out_one_browser_ends_it_at_once_on_every_instance() {
    // Accounts stay cached a minute: only the sign-out's invalidation can end the
    // session sooner. With Redis (PostgreSQL runs) a second instance shares the system
    // and must see it at once too; without Redis instances cannot share a cache, so
    // the second is this one.
    let app = spawn_app_with(|s| {
        s.insert("AUTH_CACHE_TTL".into(), "60".into());
    })
    .await;
    let second = if app.settings.contains_key("REDIS_URL") {
        let peer = spawn_peer(&app, &["AUTH_CACHE_TTL"]).await;
        subscribe_when_fanned_out(&app, &peer).await;
        Some(peer)
    } else {
        None
    };
    let peer = second.as_ref().unwrap_or(&app);
    app.browser_user("oneout").await;
    let firefox = browser(FIREFOX);
    sign_in(peer, &firefox, "oneout@example.com").await;
    assert_eq!(status(peer, &firefox, "/account").await, 200);
    assert_eq!(status(&app, &firefox, "/account").await, 200);

    let html = app.get_html("/account/sessions").await;
    let ids = sign_out_ids(&html);
    assert_eq!(ids.len(), 1, "{html}");
    let csrf = csrf_from(&html).unwrap();
    let path = format!("/account/sessions/{}/sign-out", ids[0]);
    let r = app.post_form(&path, &[("csrf_token", &csrf)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account/sessions");
    let html = app.get_html("/account/sessions").await;
    assert!(html.contains("Signed out: Firefox on Linux."), "{html}");
    assert!(
        html.contains("You are not signed in anywhere else."),
        "{html}"
    );
    // At once, on the other instance (whose cached account had the session) and here.
    assert_eq!(status(peer, &firefox, "/account").await, 303);
    assert_eq!(status(&app, &firefox, "/account").await, 303);
    assert_eq!(status(&app, &app.client, "/account").await, 200);

    // Again: it has ended already (an error summary, 404).
    let r = app.post_form(&path, &[("csrf_token", &csrf)]).await;
    assert_eq!(r.status(), 404);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"error-summary\""), "{html}");
    assert!(html.contains("That sign-in has ended already"), "{html}");
    assert!(html.contains("href=\"#sign-ins\""));
    assert!(html.contains("id=\"sign-ins\""));
    let r = app
        .post_form(
            "/account/sessions/not-an-id/sign-out",
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 404);
    // Without the CSRF token nothing happens.
    sign_in(&app, &firefox, "oneout@example.com").await;
    let id = sign_out_ids(&app.get_html("/account/sessions").await)
        .pop()
        .unwrap();
    let r = app
        .post_form(&format!("/account/sessions/{id}/sign-out"), &[])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(status(&app, &firefox, "/account").await, 200);
    // Someone else cannot end it either.
    let stranger = browser(CHROME);
    let html = stranger
        .get(app.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&html).unwrap();
    let r = stranger
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "stranger@example.com"),
            ("username", "stranger"),
            ("password", "password123"),
            ("preferred_sign_language", "BSL"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let html = stranger
        .get(app.url("/account/sessions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_from(&html).unwrap();
    let r = stranger
        .post(app.url(&format!("/account/sessions/{id}/sign-out")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(status(&app, &firefox, "/account").await, 200);
}

#[tokio::test]
async fn sign_out_everywhere_else_keeps_this_browser_and_ends_browsers_and_api_sign_ins() {
    let app = app().await;
    app.browser_user("others").await;
    let firefox = browser(FIREFOX);
    sign_in(&app, &firefox, "others@example.com").await;
    let (access, refresh) = api_sign_in(&app, "others@example.com", CHROME).await;
    let html = app.get_html("/account/sessions").await;
    let csrf = csrf_from(&html).unwrap();
    // htmx gets the redirect as HX-Location (the boosted form), and it lands on the list.
    let r = app
        .post_form_hx(
            "/account/sessions/sign-out-others",
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["hx-location"]
            .to_str()
            .unwrap()
            .contains("/account/sessions")
    );
    let r = app.get_hx("/account/sessions").await;
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<div id=\"status\" hx-swap-oob=\"innerHTML\">You were signed out everywhere else. This browser stays signed in.</div>"),
        "{html}"
    );
    assert!(
        html.contains("You are not signed in anywhere else."),
        "{html}"
    );
    assert_eq!(status(&app, &app.client, "/account").await, 200);
    assert_eq!(status(&app, &firefox, "/account").await, 303);
    assert_eq!(app.get_user(&access).await.status(), 401);
    assert_eq!(refresh_status(&app, &refresh).await, 401);
}

#[tokio::test]
async fn the_api_ends_one_family_with_all_its_tokens_or_everything_else() {
    let app = app().await;
    app.browser_user("apiout").await;
    let (a, a_refresh) = api_sign_in(&app, "apiout@example.com", CHROME).await;
    let (b, b_refresh) = api_sign_in(&app, "apiout@example.com", "curl/8.5.0").await;
    let list = api_list(&app, &a).await;
    assert_eq!(list.len(), 3);
    let b_id = id_of(&list, "curl");
    let delete = |token: String, id: String| {
        let app = &app;
        async move {
            app.client
                .delete(app.url(&format!("/api/auth/sessions/{id}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(delete(a.clone(), b_id.clone()).await, 204);
    assert_eq!(
        app.get_user(&b).await.status(),
        401,
        "the family's access token"
    );
    assert_eq!(refresh_status(&app, &b_refresh).await, 401);
    assert_eq!(app.get_user(&a).await.status(), 200);
    assert_eq!(delete(a.clone(), b_id).await, 404);
    assert_eq!(delete(a.clone(), "zz".into()).await, 404);
    let r = app
        .client
        .delete(app.url("/api/auth/sessions/0123456789abcdef0123456789abcdef"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(api_list(&app, &a).await.len(), 2);

    // A refresh rotates within the family: still one sign-in, still current.
    let body = json_body(
        app.post_json("/api/auth/refresh", &json!({"refresh_token": a_refresh}))
            .await,
    )
    .await;
    let a2 = body["access_token"].as_str().unwrap().to_owned();
    let list = api_list(&app, &a2).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);

    let r = app
        .client
        .post(app.url("/api/auth/sessions/sign-out-others"))
        .bearer_auth(&a2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(json_body(r).await["signed_out"], 1);
    assert_eq!(
        status(&app, &app.client, "/account").await,
        303,
        "the browser"
    );
    let list = api_list(&app, &a2).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["current"], true);
    // Ending the current one is signing out.
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(delete(a2.clone(), id).await, 204);
    assert_eq!(app.get_user(&a2).await.status(), 401);
}
