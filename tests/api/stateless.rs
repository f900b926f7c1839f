//! No server state for people who are not signed in: cookieless requests of every page
//! leave no session row (database store) and no session key (Redis store, counted under
//! this test's own key prefix); a session starts at sign-in. Signed-out forms carry a
//! token bound to the browser's own CSRF cookie (signed double submit), and their flash
//! messages travel in a signed cookie.

use crate::helpers::{TestApp, csrf_from, header, session_cookie, spawn_app, spawn_app_with};
use crate::video_helpers::{clip, publish, upload_clip, wait_for_outcome};

/// Sessions in the database plus, with Redis, session keys under this app's prefix.
async fn stored_sessions(app: &TestApp) -> u64 {
    let rows = app
        .state
        .db
        .run(|c| {
            use diesel::prelude::*;
            use pinkflow::db::schema::sessions;
            Ok(sessions::table.count().get_result::<i64>(c)?)
        })
        .await
        .unwrap();
    let keys = match &app.state.redis {
        Some(redis) => pinkflow::web::session_store::count_redis_sessions(
            redis,
            &app.settings["CACHE_KEY_PREFIX"],
        )
        .await
        .expect("Redis sessions counted"),
        None => 0,
    };
    u64::try_from(rows).unwrap() + keys
}

/// A client without a cookie jar (every request is a stranger's).
fn stranger() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn set_cookie_value(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
}

/// A public, ready video (uploaded and published through the API).
async fn public_video(app: &TestApp) -> i64 {
    let tokens = app.signed_in_user("publisher").await;
    let path = clip(app, "public.mp4");
    let video = upload_clip(app, &tokens.access, &path, "Public clip").await;
    let id = video["id"].as_i64().unwrap();
    assert_eq!(
        wait_for_outcome(app, &tokens.access, id).await["status"],
        "ready"
    );
    publish(app, &tokens.access, id).await;
    id
}

#[tokio::test]
async fn cookieless_requests_of_every_page_leave_no_session_and_sign_in_creates_one() {
    let app = spawn_app_with(|s| {
        s.insert("WORKER_EMBEDDED".into(), "true".into());
        s.insert("WORKER_POLL_INTERVAL".into(), "1s".into());
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
    })
    .await;
    let id = public_video(&app).await;
    let pages = [
        "/".to_owned(),
        "/login".into(),
        "/login?next=/account".into(),
        "/register".into(),
        "/preferences".into(),
        "/preferences?all=1".into(),
        "/preferences?step=2".into(),
        "/catalogue".into(),
        "/developers".into(),
        format!("/videos/{id}"),
        format!("/videos/{id}/status"),
        "/videos/rows".into(),
        "/account".into(),
        "/videos".into(),
        "/videos/new".into(),
        "/no-such-page".into(),
    ];
    let before = stored_sessions(&app).await;
    let client = stranger();
    for path in &pages {
        for i in 0..50 {
            let mut get = client.get(app.url(path));
            if i % 2 == 1 {
                get = get.header("HX-Request", "true");
            }
            let r = get.send().await.unwrap();
            assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
            assert_eq!(session_cookie(&r), None, "{path} starts no session");
        }
    }
    // Signed-out posts too: a failed sign-in, saved preferences and a harmless sign-out;
    // a registration signs in, so it starts exactly one session (its message is a flash).
    let r = client.get(app.url("/login")).send().await.unwrap();
    let cookie = set_cookie_value(&r, "pinkflow_csrf").expect("a CSRF cookie for the form");
    let token = csrf_from(&r.text().await.unwrap()).unwrap();
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let mut fields = fields;
        fields.push(("csrf_token", token.clone()));
        client
            .post(app.url(path))
            .header("Cookie", format!("pinkflow_csrf={cookie}"))
            .form(&fields)
            .send()
    };
    let wrong = vec![
        ("email", "nobody@example.com".to_owned()),
        ("password", "wrong-password".to_owned()),
    ];
    assert_eq!(post("/login", wrong).await.unwrap().status(), 422);
    let prefs = vec![("visual_density", "4".to_owned())];
    assert_eq!(post("/preferences", prefs).await.unwrap().status(), 303);
    let account = vec![
        ("email", "stranger@example.com".to_owned()),
        ("username", "stranger".to_owned()),
        ("password", "password123".to_owned()),
    ];
    let r = post("/register", account).await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        set_cookie_value(&r, "pinkflow_flash").is_some(),
        "flash in a cookie"
    );
    let registered = session_cookie(&r).expect("registering signs in");
    assert_eq!(stored_sessions(&app).await, before + 1);
    let r = client
        .get(app.url("/account"))
        .header("Cookie", format!("pinkflow_session={registered}"))
        .send()
        .await
        .unwrap();
    let session_token = csrf_from(&r.text().await.unwrap()).unwrap();
    let r = client
        .post(app.url("/logout"))
        .header("Cookie", format!("pinkflow_session={registered}"))
        .form(&[("csrf_token", session_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(post("/logout", vec![]).await.unwrap().status(), 303);
    assert_eq!(
        stored_sessions(&app).await,
        before,
        "{} cookieless page views and signed-out posts stored nothing",
        pages.len() * 50
    );

    // Sign-in creates exactly one session; sign-out removes it.
    let r = post(
        "/login",
        vec![
            ("email", "stranger@example.com".to_owned()),
            ("password", "password123".to_owned()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let session = session_cookie(&r).expect("a session at sign-in");
    assert_eq!(stored_sessions(&app).await, before + 1);
    let r = client
        .get(app.url("/account"))
        .header("Cookie", format!("pinkflow_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = csrf_from(&r.text().await.unwrap()).unwrap();
    let r = client
        .post(app.url("/logout"))
        .header("Cookie", format!("pinkflow_session={session}"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(stored_sessions(&app).await, before);
}

#[tokio::test]
async fn signed_out_tokens_are_bound_to_the_browsers_own_cookie() {
    let app = spawn_app().await;
    let client = stranger();
    let visit = || async {
        let r = client.get(app.url("/login")).send().await.unwrap();
        let cookie = set_cookie_value(&r, "pinkflow_csrf").unwrap();
        let token = csrf_from(&r.text().await.unwrap()).unwrap();
        (cookie, token)
    };
    let (mine, my_token) = visit().await;
    let (theirs, their_token) = visit().await;
    assert_ne!(mine, theirs);
    assert_ne!(my_token, their_token);
    assert_ne!(my_token, mine, "the token is not the cookie itself");
    let post = |cookie: Option<String>, token: Option<String>| {
        let mut fields = vec![("email", String::new()), ("password", String::new())];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        let mut req = client.post(app.url("/login")).form(&fields);
        if let Some(c) = cookie {
            req = req.header("Cookie", format!("pinkflow_csrf={c}"));
        }
        req.send()
    };
    // Its own pair passes the check (and fails validation: 422).
    let r = post(Some(mine.clone()), Some(my_token.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let mut altered = my_token.clone();
    altered.replace_range(0..1, if my_token.starts_with('0') { "1" } else { "0" });
    let mut other_cookie = mine.clone();
    other_cookie.replace_range(0..1, if mine.starts_with('0') { "1" } else { "0" });
    for (what, cookie, token) in [
        (
            "another browser's token",
            Some(mine.clone()),
            Some(their_token.clone()),
        ),
        ("login CSRF: no cookie", None, Some(their_token.clone())),
        ("missing token", Some(mine.clone()), None),
        ("empty token", Some(mine.clone()), Some(String::new())),
        ("altered token", Some(mine.clone()), Some(altered)),
        (
            "another cookie value",
            Some(other_cookie),
            Some(my_token.clone()),
        ),
        (
            "the cookie as token",
            Some(mine.clone()),
            Some(mine.clone()),
        ),
        (
            "a malformed cookie",
            Some("x".repeat(64)),
            Some(my_token.clone()),
        ),
    ] {
        let r = post(cookie, token).await.unwrap();
        assert_eq!(r.status(), 403, "{what}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{what}"
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains("<h1 class=\"heading-xl\">Your form could not be sent</h1>"),
            "{what}: {html}"
        );
    }
}

#[tokio::test]
async fn a_signed_out_flash_is_a_signed_cookie_shown_once() {
    let app = spawn_app().await;
    let r = app.browser_register("flashy").await;
    assert_eq!(r.status(), 303);
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pinkflow_flash="))
        .expect("a flash cookie")
        .to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("Max-Age=120"),
        "{set}"
    );
    assert!(
        !set.contains("account"),
        "the message is not readable as is: {set}"
    );
    let r = app.get("/login").await;
    assert!(
        r.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap_or("").starts_with("pinkflow_flash=;")),
        "removed once shown"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"banner\""), "{html}");
    assert!(
        !app.get_html("/login").await.contains("id=\"banner\""),
        "once"
    );
    // An altered or foreign flash cookie shows nothing (and breaks nothing).
    let value = set
        .strip_prefix("pinkflow_flash=")
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    for forged in [
        value.replacen('0', "1", 1),
        "1.41.00".to_owned(),
        "%%%".to_owned(),
    ] {
        let r = stranger()
            .get(app.url("/login"))
            .header("Cookie", format!("pinkflow_flash={forged}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            !r.text().await.unwrap().contains("id=\"banner\""),
            "{forged}"
        );
    }
}

#[tokio::test]
async fn a_cached_page_carries_each_browsers_own_token() {
    let app = spawn_app().await;
    let a = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let b = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = |c: &reqwest::Client, path: &str| {
        let req = c.get(app.url(path));
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let token_a = csrf_from(&page(&a, "/login").await).unwrap();
    let token_b = csrf_from(&page(&b, "/login").await).unwrap();
    assert_ne!(token_a, token_b);
    // The home page's content is cached and shared by both (same profile); the token
    // around it is each browser's own, on the first render and on cache hits.
    for _ in 0..3 {
        let home_a = page(&a, "/").await;
        let home_b = page(&b, "/").await;
        assert!(home_a.contains(&format!("data-csrf-token=\"{token_a}\"")));
        assert!(home_b.contains(&format!("data-csrf-token=\"{token_b}\"")));
    }
    let hits = app
        .state
        .cache
        .stats()
        .get("home")
        .copied()
        .unwrap_or_default();
    assert!(hits.hits >= 4, "served from the cache: {hits:?}");
    // A stranger's view of the cached page has no token and sets no cookie.
    let r = stranger().get(app.url("/")).send().await.unwrap();
    assert_eq!(set_cookie_value(&r, "pinkflow_csrf"), None);
    assert!(r.text().await.unwrap().contains("data-csrf-token=\"\""));
}
