//! Signed-in page views are served from memory: once a browser session and its account
//! have been read, further pages read neither again (0 database round trips for a page
//! that shows no data of its own), while a preference change, a sign-out and flash
//! messages still take effect at once.

use std::collections::HashMap;

use crate::helpers::{TestApp, get_with_cookie, location, session_cookie, spawn_app_with};

/// Database round trips of one signed-in GET of `path` (this client's cookies).
async fn round_trips(app: &TestApp, path: &str) -> u32 {
    app.state.db.query_log().start();
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    let log = app.state.db.query_log().take();
    log.iter().filter(|(p, _)| p == path).map(|(_, n)| *n).sum()
}

async fn app(auth_cache_ttl: &str) -> TestApp {
    let ttl = auth_cache_ttl.to_owned();
    spawn_app_with(move |s: &mut HashMap<String, String>| {
        s.insert("AUTH_CACHE_TTL".into(), ttl);
    })
    .await
}

#[tokio::test]
async fn a_hot_signed_in_page_reads_neither_the_session_nor_the_account() {
    let app = app("60s").await;
    assert_eq!(app.browser_register("hot").await.status(), 303);
    let login = app.browser_login("hot@example.com", "password123").await;
    let cookie = session_cookie(&login).expect("a session");
    round_trips(&app, "/account").await;
    for _ in 0..3 {
        assert_eq!(
            round_trips(&app, "/account").await,
            0,
            "session and account come from memory"
        );
    }

    // A preference change shows on the very next page, and the saved message reaches
    // it (flash messages live in a cookie: the session itself never changes).
    let r = app.save_preferences(&[("visual_density", "1")]).await;
    assert_eq!(r.status(), 303);
    let html = app.get_html(location(&r)).await;
    assert!(html.contains("data-density=\"1\""), "{html}");
    assert!(html.contains("Preferences saved"), "{html}");
    assert_eq!(round_trips(&app, "/account").await, 0, "cached again");

    // Sign-out ends the cached session at once for every copy of its cookie.
    assert_eq!(
        get_with_cookie(&app, "/account", &cookie).await.status(),
        200
    );
    assert_eq!(
        get_with_cookie(&app, "/account", &cookie).await.status(),
        200,
        "served from memory"
    );
    let token = app.csrf("/account").await;
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    let r = get_with_cookie(&app, "/account", &cookie).await;
    assert_eq!(r.status(), 303, "the signed-out session is refused");
    assert!(location(&r).starts_with("/login"));
}

#[tokio::test]
async fn with_the_principal_cache_off_every_page_reads_the_account() {
    let app = app("0").await;
    app.browser_user("cold").await;
    round_trips(&app, "/account").await;
    assert!(
        round_trips(&app, "/account").await >= 1,
        "AUTH_CACHE_TTL=0: the account is read on every request"
    );
}
