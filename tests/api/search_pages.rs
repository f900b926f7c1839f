//! The catalogue's search page (issue 14): the GET form without JavaScript, marked
//! words (escaped first), the transcript cue linking to the video at its time, badges
//! in text, the no-results page, the error summary for bad values, the htmx results
//! fragment with its announcement, density 1 and 5, and keyset page links.

use crate::helpers::{TestApp, spawn_app};
use crate::search::{seed_caption, seed_videos, video};
use crate::video_helpers::user_id;

async fn owner(app: &TestApp) -> i32 {
    let token = app.signed_in_user("owner").await.access;
    user_id(app, &token).await
}

/// 25 videos, "Clip 00" (oldest) to "Clip 24".
async fn seed_clips(app: &TestApp) {
    let me = owner(app).await;
    let list = (0..25)
        .map(|i| video(me, &format!("Clip {i:02}"), "ASL", i))
        .collect();
    seed_videos(app, list).await;
}

/// `url` as htmx asks for the results alone.
async fn hx_results(app: &TestApp, url: &str) -> reqwest::Response {
    app.client
        .get(app.url(url))
        .header("HX-Request", "true")
        .header("HX-Target", "results")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn results_mark_words_escape_text_and_link_cues_to_their_time() {
    let app = spawn_app().await;
    let me = owner(&app).await;
    let mut tricky = video(me, "<script>alert(1)</script> Soup & bread", "BSL", 1);
    tricky.description = "A \"soup\" for <b>winter</b>".into();
    let ids = seed_videos(&app, vec![tricky, video(me, "Other", "ASL", 2)]).await;
    seed_caption(
        &app,
        ids[1],
        "en",
        &[(1.0, "Hello"), (83.5, "Stir the <i>soup</i> slowly")],
    )
    .await;
    let html = app.get_html("/catalogue?q=soup").await;
    assert!(
        html.contains("id=\"results-heading\" tabindex=\"-1\">2 videos</h2>"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "titles are escaped");
    assert!(html.contains(
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark class=\"search-match\">Soup</mark> &amp; bread"
    ));
    assert!(html.contains(
        "A &quot;<mark class=\"search-match\">soup</mark>&quot; for &lt;b&gt;winter&lt;/b&gt;"
    ));
    // The cue's line, marked, with a link that opens the video at that cue.
    assert!(
        html.contains(&format!("href=\"/videos/{}?t=83.5\"", ids[1])),
        "{html}"
    );
    assert!(
        html.contains(
            "Stir the &lt;i&gt;<mark class=\"search-match\">soup</mark>&lt;/i&gt; slowly"
        )
    );
    assert!(html.contains("play from 1:23"));
    // Badges in text on every card.
    assert!(html.contains("<li>Captions: en</li>"), "{html}");
    assert!(html.contains("<li>Transcript</li>"));
    assert!(html.contains("<li>Signed: BSL</li>") && html.contains("<li>Signed: ASL</li>"));
    // The form keeps what was asked, and works as a plain GET form.
    assert!(html.contains("method=\"get\" action=\"/catalogue\""));
    assert!(html.contains("name=\"q\" type=\"search\" value=\"soup\""));
}

#[tokio::test]
async fn the_watch_page_starts_at_the_time_a_result_links_to() {
    let app = spawn_app().await;
    let me = owner(&app).await;
    let ids = seed_videos(&app, vec![video(me, "Timed", "ASL", 1)]).await;
    let id = ids[0];
    app.state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use pinkflow::db::schema::videos;
            diesel::update(videos::table.find(id))
                .set(videos::output_key.eq(Some("videos/seed.mp4")))
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let html = app.get_html(&format!("/videos/{id}?t=83.5")).await;
    assert!(
        html.contains("video.mp4#t=83.5\" type=\"video/mp4\""),
        "{html}"
    );
    for bad in ["abc", "-1", "1e9", "NaN"] {
        let html = app.get_html(&format!("/videos/{id}?t={bad}")).await;
        assert!(!html.contains("#t="), "{bad}");
    }
}

#[tokio::test]
async fn no_results_suggest_removing_each_filter() {
    let app = spawn_app().await;
    let me = owner(&app).await;
    seed_videos(&app, vec![video(me, "Zebra facts", "ASL", 1)]).await;
    let html = app
        .get_html("/catalogue?q=zebra&sign_language=BSL&signed=1")
        .await;
    assert!(html.contains("No videos match"), "{html}");
    assert!(html.contains(">0 videos</h2>"));
    assert!(
        html.contains("href=\"/catalogue?q=zebra&#38;signed=1\">Remove “Sign languages: BSL”</a>"),
        "{html}"
    );
    assert!(html.contains("href=\"/catalogue?q=zebra&#38;sign_language=BSL\">Remove “Signed in another sign language”</a>"));
    assert!(html.contains(
        "href=\"/catalogue?sign_language=BSL&#38;signed=1\">Search without the words “zebra”</a>"
    ));
    assert!(html.contains("href=\"/catalogue\">Show every video</a>"));
    // The suggestion works.
    let html = app.get_html("/catalogue?q=zebra&signed=0").await;
    assert!(html.contains(">1 video</h2>"));
}

#[tokio::test]
async fn bad_values_show_the_error_summary() {
    let app = spawn_app().await;
    let r = app
        .get("/catalogue?length=long&sort=best&after=garbage&q=ok")
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Error:"), "{html}");
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("href=\"#filter-length\">Choose a length from the list</a>"));
    assert!(html.contains("href=\"#filter-sort\">Choose relevance, newest or rating</a>"));
    assert!(html.contains("href=\"#search-submit\">This page link is not valid."));
    assert!(html.contains("id=\"filter-length-error\""));
    assert!(html.contains("value=\"ok\""), "what could be read is kept");
}

#[tokio::test]
async fn htmx_gets_the_results_alone_with_the_count_announced() {
    let app = spawn_app().await;
    let me = owner(&app).await;
    seed_videos(
        &app,
        vec![
            video(me, "Bread one", "ASL", 1),
            video(me, "Bread two", "BSL", 2),
        ],
    )
    .await;
    let r = hx_results(&app, "/catalogue?q=bread").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.starts_with("<div id=\"results\""), "{html}");
    assert!(
        !html.contains("catalogue-filter"),
        "the form (and focus in it) is left alone"
    );
    assert!(
        html.contains("<div id=\"status\" hx-swap-oob=\"innerHTML\">2 videos found</div>"),
        "{html}"
    );
    // The form asks for exactly that, debounced, and pushes the shareable URL.
    let page = app.get_html("/catalogue").await;
    assert!(page.contains("hx-target=\"#results\""));
    assert!(page.contains("delay:500ms"));
    assert!(page.contains("hx-push-url=\"true\""));
}

#[tokio::test]
async fn density_one_and_five_keep_their_layouts_and_pages_link_by_cursor() {
    let app = spawn_app().await;
    seed_clips(&app).await;
    let html = app.get_html("/catalogue?sort=newest").await;
    assert!(html.contains("data-layout=\"cards\""));
    assert_eq!(html.matches("class=\"card\"").count(), 20);
    let start = html.find("id=\"page-next\"").expect("a next link");
    let href = &html[start..];
    let href = &href[href.find("href=\"").unwrap() + 6..];
    let href = href[..href.find('"').unwrap()].replace("&#38;", "&");
    assert!(href.starts_with("/catalogue?sort=newest&after="), "{href}");
    assert!(html.contains(">Next 20 videos</a>"));
    let second = app.get_html(&href).await;
    assert_eq!(second.matches("class=\"card\"").count(), 5);
    assert!(second.contains("Clip 24") && !second.contains("Clip 19<"));
    assert!(second.contains("id=\"page-prev\""));
    assert!(!second.contains("id=\"page-next\""));

    assert_eq!(
        app.save_preferences(&[("visual_density", "5")])
            .await
            .status(),
        303
    );
    let html = app.get_html("/catalogue?q=clip").await;
    assert!(html.contains("data-layout=\"table\""), "density 5: a table");
    assert!(html.contains("<mark class=\"search-match\">Clip</mark> 00"));
    assert_eq!(
        app.save_preferences(&[("visual_density", "1")])
            .await
            .status(),
        303
    );
    let html = app.get_html("/catalogue").await;
    assert!(
        html.contains("data-layout=\"single\""),
        "density 1: one card at a time"
    );
}

#[tokio::test]
async fn one_shared_page_is_shown_in_each_visitors_layout_and_reading_level() {
    let app = spawn_app().await;
    seed_clips(&app).await;
    // The same searches (one shared page each in the read cache) at each setting, twice
    // over: every visitor gets their own layout and copy, never another visitor's.
    let url = "/catalogue?q=clip&sort=newest";
    let none = "/catalogue?q=nothingmatchesthis";
    for _ in 0..2 {
        for (density, reading, layout, heading) in [
            ("3", "3", "cards", "No videos match"),
            ("5", "3", "table", "No videos match"),
            ("1", "3", "single", "No videos match"),
            ("3", "1", "cards", "No videos found"),
        ] {
            let prefs = [("visual_density", density), ("reading_level", reading)];
            assert_eq!(app.save_preferences(&prefs).await.status(), 303);
            for html in [
                app.get_html(url).await,
                hx_results(&app, url).await.text().await.unwrap(),
            ] {
                for other in ["cards", "table", "single"] {
                    let shown = html.contains(&format!("data-layout=\"{other}\""));
                    assert_eq!(shown, other == layout, "density {density}: {other}");
                }
            }
            for html in [
                app.get_html(none).await,
                hx_results(&app, none).await.text().await.unwrap(),
            ] {
                assert!(html.contains(heading), "reading level {reading}: {heading}");
            }
        }
    }
}
