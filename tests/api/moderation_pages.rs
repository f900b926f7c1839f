//! The moderation journey through the pages, JavaScript off (issue 15): a member on the
//! moderator's page gets the 403 page; a viewer reports a video (and cannot report it
//! twice); the moderator sees it in the queue, hides it with a reason (required); the
//! owner sees "Hidden by moderators" and the reason while others get 404; restoring
//! shows it again; a suspended owner is signed out and cannot sign in again.

use pinkflow::domain::Role;

use crate::helpers::{location, spawn_app};
use crate::moderation_helpers::{Browser, account, public_video};

#[tokio::test]
async fn report_queue_hide_owner_sees_the_reason_restore_and_suspend() {
    let app = spawn_app().await;
    let owner = account(&app, "owner", Role::Member).await;
    let viewer_account = account(&app, "viewer", Role::Member).await;
    let moderator_account = account(&app, "moder", Role::Moderator).await;
    let video = public_video(&app, owner.id, "Signed story").await;
    let watch = format!("/videos/{video}");
    let report = format!("/videos/{video}/report");

    let (owner_b, viewer, moderator) = (Browser::new(&app), Browser::new(&app), Browser::new(&app));
    for (b, who) in [
        (&owner_b, &owner),
        (&viewer, &viewer_account),
        (&moderator, &moderator_account),
    ] {
        assert_eq!(b.login(&who.email).await.status(), 303);
    }

    // A member on the moderator's page: the 403 page.
    let (status, html) = viewer.html("/moderation").await;
    assert_eq!(status, 403);
    assert!(html.contains("<h1"), "an HTML page: {html}");
    assert!(!html.contains("Reported videos"));
    let (status, _) = Browser::new(&app).html("/moderation").await;
    assert_eq!(status, 303, "signed out: sign in first");
    let (_, html) = moderator.html("/").await;
    assert!(
        html.contains(r#"href="/moderation""#),
        "moderators get the link"
    );

    // The viewer reports: no reason first, then a reason; then again.
    let (_, html) = viewer.html(&watch).await;
    assert!(html.contains(r#"id="report-link""#));
    let (_, html) = owner_b.html(&watch).await;
    assert!(
        !html.contains(r#"id="report-link""#),
        "not on one's own video"
    );
    let r = viewer
        .post(&report, &report, &[("details", "Auslan, not BSL")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("error-summary") && html.contains("Choose why you are reporting this video")
    );
    assert!(html.contains("Auslan, not BSL"), "the answer is kept");
    let r = viewer
        .post(
            &report,
            &report,
            &[("reason", "wrong_language"), ("details", "Auslan, not BSL")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), watch);
    let (_, html) = viewer.html(&watch).await;
    assert!(html.contains("Report received"), "the reporter is told");
    let r = viewer.post(&report, &report, &[("reason", "other")]).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("already reported this video")
    );

    // The queue shows the video, its owner and the reasons.
    let (status, html) = moderator.html("/moderation").await;
    assert_eq!(status, 200);
    assert!(html.contains("Signed story") && html.contains("owner"));
    assert!(html.contains("Wrong sign language label") && html.contains("Auslan, not BSL"));

    // Hiding needs a reason.
    let hide = format!("/moderation/videos/{video}/hide");
    let r = moderator
        .post("/moderation", &hide, &[("reason", "  ")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!(r##"href="#hide-reason-{video}""##)),
        "{html}"
    );
    let r = moderator
        .post("/moderation", &hide, &[("reason", "The signing is Auslan")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = moderator.html("/moderation").await;
    assert!(html.contains("Video hidden"));
    assert!(html.contains(&format!(r#"id="restore-{video}""#)));

    // The owner sees why; others get 404; the catalogue no longer lists it.
    let (status, html) = owner_b.html(&watch).await;
    assert_eq!(status, 200);
    assert!(html.contains("Hidden by moderators") && html.contains("The signing is Auslan"));
    assert_eq!(viewer.html(&watch).await.0, 404);
    let (status, html) = moderator.html(&watch).await;
    assert_eq!(status, 200, "moderators still see it");
    assert!(html.contains("The signing is Auslan"));
    assert_eq!(Browser::new(&app).html(&watch).await.0, 404);
    assert!(!viewer.html("/catalogue").await.1.contains("Signed story"));

    // Restored.
    let restore = format!("/moderation/videos/{video}/restore");
    assert_eq!(
        moderator.post("/moderation", &restore, &[]).await.status(),
        303
    );
    let (status, html) = viewer.html(&watch).await;
    assert_eq!(status, 200);
    assert!(!html.contains("Hidden by moderators"));
    assert!(viewer.html("/catalogue").await.1.contains("Signed story"));

    // Suspended from the page: the owner's session ends, and sign-in is refused.
    let r = viewer.post(&report, &report, &[("reason", "other")]).await;
    assert_eq!(r.status(), 303);
    let suspend = format!("/moderation/users/{}/suspend", owner.id);
    let r = moderator
        .post("/moderation", &suspend, &[("reason", "Repeated spam")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(owner_b.get("/account").await.status(), 303, "signed out");
    let r = owner_b.login(&owner.email).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("suspended"));
    let (_, html) = moderator.html("/moderation").await;
    assert!(html.contains("Repeated spam"));
    let lift = format!("/moderation/users/{}/unsuspend", owner.id);
    assert_eq!(
        moderator.post("/moderation", &lift, &[]).await.status(),
        303
    );
    assert_eq!(owner_b.login(&owner.email).await.status(), 303);
    assert_eq!(owner_b.get("/account").await.status(), 200);
}

#[tokio::test]
async fn admins_find_accounts_change_them_and_read_the_filtered_audit_trail() {
    let app = spawn_app().await;
    let ann = account(&app, "ann", Role::Member).await;
    let moderator_account = account(&app, "moder", Role::Moderator).await;
    let admin_account = account(&app, "boss", Role::Admin).await;
    let (moderator, admin) = (Browser::new(&app), Browser::new(&app));
    assert_eq!(
        moderator.login(&moderator_account.email).await.status(),
        303
    );
    assert_eq!(admin.login(&admin_account.email).await.status(), 303);

    // Moderators may not use the admin pages.
    assert_eq!(moderator.html("/admin/users").await.0, 403);
    assert_eq!(moderator.html("/admin/audit").await.0, 403);
    let page = format!("/admin/users/{}", ann.id);
    let r = moderator
        .post("/moderation", &format!("{page}/role"), &[("role", "admin")])
        .await;
    assert_eq!(r.status(), 403, "a moderator changing roles");

    // Find, then change the role, the video module and the quota.
    let (status, html) = admin.html("/admin/users?q=AN").await;
    assert_eq!(status, 200);
    assert!(html.contains("ann@example.com") && !html.contains("boss@example.com"));
    let (_, html) = admin.html(&page).await;
    assert!(
        html.contains("0 KB of 2 GB"),
        "usage against the default quota: {html}"
    );
    let r = admin
        .post(&page, &format!("{page}/role"), &[("role", "moderator")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = admin.html(&page).await;
    assert!(html.contains("Role saved.") && html.contains(r#"<dd id="user-role">moderator</dd>"#));
    let r = admin
        .post(&page, &format!("{page}/modules"), &[("video", "no")])
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post(
            &page,
            &format!("{page}/quota"),
            &[("quota_mb", "lots"), ("uploads_per_day", "5")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains(r##"href="#quota_mb""##));
    let r = admin
        .post(
            &page,
            &format!("{page}/quota"),
            &[("quota_mb", "100"), ("uploads_per_day", "5")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = admin.html(&page).await;
    assert!(html.contains("0 KB of 100 MB"), "{html}");
    let user = app
        .state
        .db
        .run(move |c| pinkflow::models::user::find(c, ann.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "moderator");
    assert!(!user.has_module("video"));
    assert_eq!(
        (user.video_quota_mb, user.uploads_per_day),
        (Some(100), Some(5))
    );

    // The audit trail, filtered by account and action, names the admin.
    crate::moderation_helpers::audit_rows(&app, "moderation.action", 2).await;
    let (status, html) = admin
        .html("/admin/audit?user=ann%40example.com&action=user.role.changed&from=2000-01-01&to=2999-12-31")
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("user.role.changed"));
    assert!(
        html.contains(&format!("#{}", admin_account.id)),
        "the actor: {html}"
    );
    assert!(
        !html.contains("<td>moderation.action</td>"),
        "filtered by action"
    );
    let (status, html) = admin.html("/admin/audit?from=yesterday").await;
    assert_eq!(status, 422);
    assert!(html.contains(r##"href="#from""##));
    let (_, html) = admin.html("/admin/audit?action=moderation.action").await;
    assert!(html.contains("quota_mb: 100"));
    assert_eq!(admin.html("/admin/audit?action=nonsense").await.0, 400);
}

/// The queue follows the moderator's density: at 1 one reported video at a time (acting
/// on it brings the next; "Show every reported video" lists them all, and an error shows
/// them all so it is next to its field); at 5 the hidden videos and suspended accounts
/// are tables with a header row.
#[tokio::test]
async fn the_queue_is_one_video_at_a_time_at_density_1_and_tables_at_density_5() {
    let app = spawn_app().await;
    let owner = account(&app, "owner", Role::Member).await;
    let viewer_account = account(&app, "viewer", Role::Member).await;
    let moderator_account = account(&app, "moder", Role::Moderator).await;
    let first = public_video(&app, owner.id, "First story").await;
    let second = public_video(&app, owner.id, "Second story").await;
    let (viewer, moderator) = (Browser::new(&app), Browser::new(&app));
    assert_eq!(viewer.login(&viewer_account.email).await.status(), 303);
    assert_eq!(
        moderator.login(&moderator_account.email).await.status(),
        303
    );
    for video in [first, second] {
        let report = format!("/videos/{video}/report");
        let r = viewer.post(&report, &report, &[("reason", "other")]).await;
        assert_eq!(r.status(), 303);
    }
    let density = |d: &'static str| {
        let moderator = &moderator;
        async move {
            let r = moderator
                .post("/preferences", "/preferences", &[("visual_density", d)])
                .await;
            assert_eq!(r.status(), 303, "density {d}");
        }
    };

    // Density 1: the first video only, and how many wait after it.
    density("1").await;
    let (status, html) = moderator.html("/moderation").await;
    assert_eq!(status, 200);
    let shown = |html: &str, video: i32| html.contains(&format!(r#"id="queue-{video}""#));
    assert_eq!(
        (shown(&html, first), shown(&html, second)),
        (true, false),
        "{html}"
    );
    assert!(html.contains(r#"id="queue-waiting""#) && html.contains("<strong>1</strong>"));
    assert!(html.contains(r#"href="/moderation?all=1""#));
    let (_, all) = moderator.html("/moderation?all=1").await;
    assert!(shown(&all, first) && shown(&all, second));
    assert!(!all.contains(r#"id="queue-waiting""#));
    // An error on the second video's field: every video is shown, with the summary.
    let hide = format!("/moderation/videos/{second}/hide");
    let r = moderator
        .post("/moderation", &hide, &[("reason", "")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(shown(&html, second) && html.contains(&format!(r##"href="#hide-reason-{second}""##)));
    // Acting on the first brings the second; nothing waits after it.
    let dismiss = format!("/moderation/videos/{first}/dismiss");
    assert_eq!(
        moderator.post("/moderation", &dismiss, &[]).await.status(),
        303
    );
    let (_, html) = moderator.html("/moderation").await;
    assert_eq!((shown(&html, first), shown(&html, second)), (false, true));
    assert!(!html.contains(r#"id="queue-waiting""#));

    // Density 5: the hidden videos and the suspended accounts are tables.
    let r = moderator
        .post("/moderation", &hide, &[("reason", "Not signed")])
        .await;
    assert_eq!(r.status(), 303);
    let suspend = format!("/moderation/users/{}/suspend", owner.id);
    let r = moderator
        .post("/moderation", &suspend, &[("reason", "Spam")])
        .await;
    assert_eq!(r.status(), 303);
    density("5").await;
    let (_, html) = moderator.html("/moderation").await;
    for table in ["hidden-table", "suspended-table"] {
        assert!(
            html.contains(&format!(r#"<table class="table" id="{table}""#)),
            "{html}"
        );
    }
    assert!(html.contains(r#"<th scope="col">Reason</th>"#));
    assert!(html.contains(r#"<th scope="row">Second story</th>"#) && html.contains("Not signed"));
    assert!(html.contains(&format!(r#"id="restore-{second}""#)));
    assert!(html.contains(&format!(r#"id="unsuspend-{}""#, owner.id)));
    assert!(!html.contains(r#"id="hidden-list""#) && !html.contains(r#"id="suspended-list""#));
    // Density 3 keeps the lists.
    density("3").await;
    let (_, html) = moderator.html("/moderation").await;
    assert!(html.contains(r#"id="hidden-list""#) && html.contains(r#"id="suspended-list""#));
}
