//! Quotas and a full disk (issue 15, items 5 and 6): an upload over the account's
//! storage quota is refused before its body is read when Content-Length says so, and
//! mid-stream otherwise, with 413 and nothing kept; the day's uploads are limited; free
//! space under VIDEO_MIN_FREE_MB answers 503 and /readyz says so; and on a real, small
//! file system that fills up, an upload answers 507 and leaves no partial file (the
//! tmpfs test needs root, as in CI, and says why it skips otherwise).

use std::time::Duration;

use pinkflow::domain::Role;
use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, json_body, spawn_app_with};
use crate::moderation_helpers::{account, public_video};
use crate::video_helpers::{all_stored_files, upload};

/// A multipart upload of `bytes` junk bytes; `declared`: with a Content-Length.
fn junk_form(bytes: usize, declared: bool) -> Form {
    let data = vec![7u8; bytes];
    let part = if declared {
        Part::bytes(data)
    } else {
        // A stream part has no length of its own: the request goes chunked.
        Part::stream(data)
    };
    Form::new()
        .text("title", "Big one")
        .text("sign_language", "BSL")
        .text("visibility", "private")
        .part(
            "file",
            part.file_name("big.mp4").mime_str("video/mp4").unwrap(),
        )
}

async fn video_count(app: &TestApp) -> i64 {
    app.state
        .db
        .run(|c| {
            use diesel::prelude::*;
            use pinkflow::db::schema::videos;
            Ok(videos::table.count().get_result::<i64>(c)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn over_quota_uploads_are_refused_early_or_mid_stream_and_nothing_is_kept() {
    let app = spawn_app_with(|s| {
        s.insert("VIDEO_QUOTA_MB".into(), "1".into());
    })
    .await;
    let owner = account(&app, "owner", Role::Member).await;
    let before = video_count(&app).await;

    // Declared: refused from the Content-Length alone, before any body is sent.
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST /api/videos HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 50000000\r\n\r\n",
        owner.tokens.access
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("does not fit in your storage"), "{answer}");

    // Undeclared (chunked): refused once the file passes what is left.
    let r = upload(
        &app,
        &owner.tokens.access,
        junk_form(2 * 1024 * 1024, false),
    )
    .await;
    assert_eq!(r.status(), 413);
    let body = json_body(r).await;
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("you have used 0 KB of 1 MB"),
        "{body}"
    );
    // Declared through a normal client too.
    let r = upload(&app, &owner.tokens.access, junk_form(2 * 1024 * 1024, true)).await;
    assert_eq!(r.status(), 413);
    assert!(all_stored_files(&app).is_empty(), "nothing kept");
    assert_eq!(video_count(&app).await, before);

    // A full quota refuses any upload at once; an admin's override lifts it.
    public_video(&app, owner.id, "Stored").await;
    let id = owner.id;
    app.state
        .db
        .run(move |c| {
            use diesel::prelude::*;
            use pinkflow::db::schema::videos;
            diesel::update(videos::table.filter(videos::owner_id.eq(id)))
                .set(videos::source_size.eq(1024 * 1024))
                .execute(c)?;
            Ok(())
        })
        .await
        .unwrap();
    let r = upload(&app, &owner.tokens.access, junk_form(1000, true)).await;
    assert_eq!(r.status(), 413);
    // An admin's override gives room again (and the cached account is dropped).
    let admin = account(&app, "admin", Role::Admin).await;
    let actor = app
        .state
        .db
        .run(move |c| pinkflow::models::user::find(c, admin.id))
        .await
        .unwrap()
        .unwrap();
    crate::moderation_helpers::moderation(&app)
        .set_quota(&actor, id, Some(3), None, pinkflow::events::Via::Api)
        .await
        .unwrap();
    let r = upload(&app, &owner.tokens.access, junk_form(3 * 1024 * 1024, true)).await;
    assert_eq!(r.status(), 413, "2 MB left of 3 MB");
    let r = upload(&app, &owner.tokens.access, junk_form(1000, true)).await;
    assert_eq!(
        r.status(),
        422,
        "fits: now it is the file that is refused (not a video)"
    );
    assert!(
        all_stored_files(&app)
            .iter()
            .all(|f| !f.to_string_lossy().contains("incoming"))
    );
}

#[tokio::test]
async fn uploads_per_day_are_limited() {
    let app = spawn_app_with(|s| {
        s.insert("VIDEO_UPLOADS_PER_DAY".into(), "1".into());
    })
    .await;
    let owner = account(&app, "owner", Role::Member).await;
    public_video(&app, owner.id, "Today's").await;
    let r = upload(&app, &owner.tokens.access, junk_form(1000, true)).await;
    assert_eq!(r.status(), 429);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("Try again tomorrow")
    );
    // The upload page says what is used and left.
    let b = crate::moderation_helpers::Browser::new(&app);
    assert_eq!(b.login(&owner.email).await.status(), 303);
    let (_, html) = b.html("/videos/new").await;
    assert!(html.contains("You have used 1 KB of 2 GB"), "{html}");
    assert!(
        html.contains("Uploads you can still make today: 0"),
        "{html}"
    );
}

#[tokio::test]
async fn low_free_space_pauses_uploads_and_readyz_says_so() {
    let app = spawn_app_with(|s| {
        // More than any disk has: always low.
        s.insert("VIDEO_MIN_FREE_MB".into(), "100000000".into());
    })
    .await;
    let owner = account(&app, "owner", Role::Member).await;
    let r = upload(&app, &owner.tokens.access, junk_form(1000, true)).await;
    assert_eq!(r.status(), 503);
    assert!(
        json_body(r).await["error"]
            .as_str()
            .unwrap()
            .contains("low on storage space")
    );
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 200, "everything else still serves");
    let body = json_body(r).await;
    assert_eq!(body["checks"]["disk"], "low", "{body}");
    assert_eq!(body["status"], "degraded");
    assert!(all_stored_files(&app).is_empty());
}

/// Mount a tmpfs of `size` at a new directory; `None` (with the reason printed) when
/// this is not root or the mount fails.
fn small_filesystem(size: &str) -> Option<(tempfile::TempDir, Unmount)> {
    if unsafe_geteuid() != 0 {
        eprintln!("skipped: mounting a small tmpfs needs root (CI runs as root)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir.path())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let path = dir.path().to_owned();
            Some((dir, Unmount(path)))
        }
        Ok(o) => {
            eprintln!(
                "skipped: mount failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: cannot run mount: {e}");
            None
        }
    }
}

fn unsafe_geteuid() -> u32 {
    // The owner of /proc/self is this process's effective user.
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[tokio::test]
async fn a_full_disk_answers_507_and_keeps_no_partial_file() {
    let Some((dir, _unmount)) = small_filesystem("8m") else {
        return;
    };
    let folder = dir.path().join("videos");
    let setting = folder.display().to_string();
    let app = spawn_app_with(move |s| {
        s.insert("VIDEO_UPLOAD_FOLDER".into(), setting);
    })
    .await;
    let owner = account(&app, "owner", Role::Member).await;
    for declared in [false, true] {
        let r = upload(
            &app,
            &owner.tokens.access,
            junk_form(12 * 1024 * 1024, declared),
        )
        .await;
        assert_eq!(r.status(), 507, "declared length: {declared}");
        let body = json_body(r).await;
        assert!(
            body["error"].as_str().unwrap().contains("storage is full"),
            "{body}"
        );
        let left: Vec<_> = walk(&folder);
        assert!(left.is_empty(), "no partial file: {left:?}");
    }
    assert_eq!(video_count(&app).await, 0);
    // The space is free again. The kernel gives a removed file's blocks back when its
    // last handle closes, which on a loaded machine can trail the 507 by a moment
    // (seen once on the CI dry run): wait for that, within a bound.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let free = pinkflow::moderation::disk::free_bytes(&folder).unwrap();
        if free >= 7 * 1024 * 1024 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the refused uploads' space was not given back: {free} bytes free"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A small upload now gets as far as the probe.
    let r = upload(&app, &owner.tokens.access, junk_form(1000, true)).await;
    assert_eq!(r.status(), 422);
    // The browser's upload page says the same in its error summary.
    let b = crate::moderation_helpers::Browser::new(&app);
    assert_eq!(b.login(&owner.email).await.status(), 303);
    let (_, html) = b.html("/videos/new").await;
    let token = crate::helpers::csrf_from(&html).unwrap();
    // The CSRF field comes before the file, as the page's form sends it.
    let form = Form::new()
        .text("csrf_token", token.clone())
        .text("title", "Big one")
        .text("sign_language", "BSL")
        .text("visibility", "private")
        .part(
            "file",
            Part::stream(vec![7u8; 12 * 1024 * 1024])
                .file_name("big.mp4")
                .mime_str("video/mp4")
                .unwrap(),
        );
    let r = b
        .client
        .post(app.url(&format!("/videos?csrf_token={token}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 507);
    let html = r.text().await.unwrap();
    assert!(html.contains("error-summary") && html.contains("storage is full"));
    assert!(walk(&folder).is_empty());
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                found.extend(walk(&p));
            } else {
                found.push(p);
            }
        }
    }
    found
}

/// Processing on a disk that fills up: the attempt fails and the job waits to be tried
/// again, with its attempts unspent, instead of failing for good.
#[tokio::test]
async fn processing_that_meets_a_full_disk_is_tried_again_later_not_failed() {
    let Some((dir, _unmount)) = small_filesystem("8m") else {
        return;
    };
    let folder = dir.path().join("videos");
    let setting = folder.display().to_string();
    let app = spawn_app_with(move |s| {
        s.insert("VIDEO_UPLOAD_FOLDER".into(), setting);
        s.insert("WORKER_EMBEDDED".into(), "false".into());
        s.insert("VIDEO_MAX_ATTEMPTS".into(), "1".into());
    })
    .await;
    let owner = account(&app, "owner", Role::Member).await;
    let clip = crate::video_helpers::clip(&app, "clip.mp4");
    let video = crate::video_helpers::upload_clip(&app, &owner.tokens.access, &clip, "Full").await;
    let id = i32::try_from(video["id"].as_i64().unwrap()).unwrap();
    // Fill what is left of the file system.
    let filler = folder.join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.flush();
    }
    let pool = pinkflow::video::WorkerPool::start(app.state.videos.clone(), 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let row = loop {
        let row = app
            .state
            .db
            .run(move |c| pinkflow::models::video::get(c, id))
            .await
            .unwrap();
        if row.last_error.is_some() || row.status.is_ready() || row.status.as_str() == "failed" {
            break row;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no outcome: {:?}",
            row.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    pool.shutdown().await;
    assert_ne!(
        row.status.as_str(),
        "failed",
        "not failed for good: {:?}",
        row.last_error
    );
    assert_eq!(
        row.status.as_str(),
        "processing",
        "waiting to be tried again"
    );
    assert_eq!(
        row.attempts, 0,
        "the attempt does not count (VIDEO_MAX_ATTEMPTS=1)"
    );
    assert!(row.lease_token.is_none() && row.lease_until.is_some_and(|t| t > pinkflow::db::now()));
    assert!(row.last_error.unwrap().contains("storage is full"));
    std::fs::remove_file(&filler).unwrap();
}
