//! The database job queue: leases, retries, concurrent claims, failures.

use std::collections::HashSet;
use std::time::Duration;

use pinkflow::db::now;
use pinkflow::models::video as video_db;
use pinkflow::models::video_job;
use pinkflow::video::Worker;
use pinkflow::video::worker::JobOutcome;
use tokio::sync::watch;

use crate::helpers::{TestApp, spawn_app_with};
use crate::video_helpers::{clip, upload_clip, user_id};

/// An app without an embedded worker: the tests drive workers themselves.
async fn app_without_worker(max_attempts: &str) -> TestApp {
    let max = max_attempts.to_owned();
    spawn_app_with(move |s| {
        s.insert("WORKER_EMBEDDED".into(), "false".into());
        s.insert("VIDEO_MAX_ATTEMPTS".into(), max);
        s.insert("VIDEO_X264_PRESET".into(), "ultrafast".into());
    })
    .await
}

async fn queued_upload(app: &TestApp, token: &str) -> i32 {
    let path = clip(app, &format!("{}.mp4", uuid::Uuid::new_v4().simple()));
    let video = upload_clip(app, token, &path, "Queued").await;
    assert_eq!(video["status"], "queued");
    i32::try_from(video["id"].as_i64().unwrap()).unwrap()
}

/// Claim a job as a worker that then dies: the lease is never renewed.
async fn claim_and_die(app: &TestApp, lease: Duration) -> Option<i32> {
    app.state
        .db
        .run(move |conn| {
            let at = now();
            video_job::claim(
                conn,
                "dead-worker",
                at,
                at + chrono::Duration::from_std(lease).unwrap(),
                10,
            )
        })
        .await
        .unwrap()
}

async fn load(app: &TestApp, id: i32) -> video_db::Video {
    app.state
        .db
        .run(move |conn| video_db::find(conn, id))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_job_whose_worker_died_is_completed_after_its_lease_expires() {
    let app = app_without_worker("3").await;
    let token = app.signed_in_user("patient").await.access;
    let id = queued_upload(&app, &token).await;

    assert_eq!(claim_and_die(&app, Duration::from_secs(1)).await, Some(id));
    let held = load(&app, id).await;
    assert_eq!(held.status, "processing");
    assert_eq!(held.attempts, 1);

    let worker = Worker::new(app.state.videos.clone());
    let (_stop_tx, stop) = watch::channel(false);
    assert_eq!(
        worker.run_once(&stop).await.unwrap(),
        JobOutcome::Idle,
        "the lease still holds"
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        worker.run_once(&stop).await.unwrap(),
        JobOutcome::Completed { video_id: id }
    );
    let done = load(&app, id).await;
    assert_eq!(done.status, "ready");
    assert_eq!(done.attempts, 2);
    assert_eq!(done.progress, 100);
    assert!(done.lease_token.is_none() && done.lease_until.is_none());
    // The dead worker can no longer touch the row.
    let db = app.state.db.clone();
    let stale = db
        .run(move |conn| video_job::set_progress(conn, id, "dead-worker", 5, now()))
        .await
        .unwrap();
    assert!(!stale);
}

#[tokio::test]
async fn jobs_that_keep_losing_their_worker_fail_with_a_readable_reason() {
    let app = app_without_worker("1").await;
    let mut events = app.state.events.subscribe();
    let token = app.signed_in_user("unlucky").await.access;
    let id = queued_upload(&app, &token).await;
    assert_eq!(claim_and_die(&app, Duration::from_secs(1)).await, Some(id));
    tokio::time::sleep(Duration::from_millis(1300)).await;

    let worker = Worker::new(app.state.videos.clone());
    let (_stop_tx, stop) = watch::channel(false);
    assert_eq!(worker.run_once(&stop).await.unwrap(), JobOutcome::Idle);
    let failed = load(&app, id).await;
    assert_eq!(failed.status, "failed");
    let reason = failed.last_error.unwrap();
    assert!(reason.contains("stopped unexpectedly 1 times"), "{reason}");

    let mut saw_failed = false;
    while let Ok(e) = events.try_recv() {
        saw_failed |= e.name() == "video.processing.failed";
    }
    assert!(saw_failed);
}

#[tokio::test]
async fn concurrent_workers_never_claim_the_same_job() {
    let app = app_without_worker("3").await;
    let token = app.signed_in_user("busy").await.access;
    let owner = user_id(&app, &token).await;
    // Twelve queued jobs, inserted directly (no files needed to claim).
    let db = app.state.db.clone();
    let ids: Vec<i32> = db
        .run(move |conn| {
            let mut ids = Vec::new();
            for n in 0..12 {
                let at = now();
                let key = format!("originals/{n:032}.mp4");
                let v = video_db::insert(
                    conn,
                    &video_db::NewVideo {
                        owner_id: owner,
                        title: "job",
                        description: "",
                        sign_language: "ASL",
                        visibility: "private",
                        status: "uploaded",
                        progress: 0,
                        original_filename: "job.mp4",
                        source_key: &key,
                        source_size: 1,
                        duration_seconds: None,
                        width: None,
                        height: None,
                        video_codec: None,
                        audio_codec: None,
                        attempts: 0,
                        created_at: at,
                        updated_at: at,
                    },
                )?;
                video_job::enqueue(conn, v.id, at)?;
                ids.push(v.id);
            }
            Ok(ids)
        })
        .await
        .unwrap();

    // Eight claimers race on their own threads and connections.
    let handles: Vec<_> = (0..8)
        .map(|w| {
            let db = app.state.db.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let mut conn = db.get().unwrap();
                    let at = now();
                    let token = format!("worker-{w}");
                    match video_job::claim(
                        &mut conn,
                        &token,
                        at,
                        at + chrono::Duration::seconds(60),
                        3,
                    )
                    .unwrap()
                    {
                        Some(id) => mine.push(id),
                        None => break,
                    }
                }
                mine
            })
        })
        .collect();
    let claimed: Vec<i32> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let unique: HashSet<i32> = claimed.iter().copied().collect();
    assert_eq!(
        claimed.len(),
        unique.len(),
        "a job was claimed twice: {claimed:?}"
    );
    assert_eq!(unique, ids.into_iter().collect::<HashSet<_>>());
}

#[tokio::test]
async fn corrupt_input_fails_at_once_with_a_clear_reason() {
    let app = app_without_worker("3").await;
    let token = app.signed_in_user("corrupt").await.access;
    let id = queued_upload(&app, &token).await;
    // Damage the stored original after the upload probe: wipe the media data.
    let video = load(&app, id).await;
    let path = app.state.videos.storage().path(&video.source_key).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mdat = bytes.windows(4).position(|w| w == b"mdat").unwrap();
    let moov = bytes.windows(4).position(|w| w == b"moov").unwrap();
    let (from, to) = if mdat < moov {
        (mdat + 4, moov - 8)
    } else {
        (mdat + 4, bytes.len())
    };
    for b in &mut bytes[from..to] {
        *b = 0;
    }
    std::fs::write(&path, bytes).unwrap();

    let worker = Worker::new(app.state.videos.clone());
    let (_stop_tx, stop) = watch::channel(false);
    let outcome = worker.run_once(&stop).await.unwrap();
    let JobOutcome::Failed {
        video_id,
        reason,
        will_retry,
    } = outcome
    else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert_eq!(video_id, id);
    assert!(!will_retry, "broken input is not retried");
    assert!(reason.contains("damaged"), "{reason}");
    let failed = load(&app, id).await;
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.attempts, 1);
    assert!(
        app.state
            .videos
            .storage()
            .root()
            .join("processed")
            .read_dir()
            .unwrap()
            .next()
            .is_none()
    );

    // The owner may queue it again, with fresh attempts; only failed videos.
    let retry = || {
        app.client
            .post(app.url(&format!("/api/videos/{id}/retry")))
            .bearer_auth(&token)
            .send()
    };
    let r = retry().await.unwrap();
    assert_eq!(r.status(), 202);
    let body = crate::helpers::json_body(r).await;
    assert_eq!(body["status"], "queued");
    assert_eq!(body["attempts"], 0);
    assert!(body["error"].is_null());
    assert_eq!(retry().await.unwrap().status(), 409);
}

#[tokio::test]
async fn stopping_a_worker_hands_its_job_back_uncounted() {
    let app = app_without_worker("3").await;
    let token = app.signed_in_user("stopper").await.access;
    let id = queued_upload(&app, &token).await;
    let worker = Worker::new(app.state.videos.clone());
    let (stop_tx, stop) = watch::channel(false);
    // Stop before it starts: the job is cancelled at its first packet and released.
    stop_tx.send(true).unwrap();
    let mut stop_seen = stop.clone();
    stop_seen.mark_changed();
    let outcome = worker.run_once(&stop_seen).await.unwrap();
    assert_eq!(outcome, JobOutcome::Abandoned { video_id: id });
    let back = load(&app, id).await;
    assert_eq!(back.status, "queued");
    assert_eq!(back.attempts, 0);
}

#[tokio::test]
async fn old_orphaned_files_are_swept_and_referenced_ones_kept() {
    let app = app_without_worker("3").await;
    let token = app.signed_in_user("sweeper").await.access;
    let id = queued_upload(&app, &token).await;
    let video = load(&app, id).await;
    let storage = app.state.videos.storage();
    let original = storage.path(&video.source_key).unwrap();
    let orphan = storage.root().join("processed/0123456789abcdef.mp4");
    let fresh = storage.root().join("incoming/fedcba9876543210.mp4");
    std::fs::write(&orphan, b"left by a dead worker").unwrap();
    std::fs::write(&fresh, b"an upload arriving now").unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
    for path in [&orphan, &original] {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let removed = app
        .state
        .videos
        .sweep_orphans(Duration::from_secs(24 * 3600))
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(!orphan.exists());
    assert!(original.exists(), "referenced by a video");
    assert!(fresh.exists(), "too young to be an orphan");
}

#[tokio::test]
async fn progress_is_written_while_a_job_runs() {
    let app = app_without_worker("3").await;
    let token = app.signed_in_user("watcher").await.access;
    let path = crate::video_helpers::clip_with(
        &app,
        "longer.mp4",
        &pinkflow_media::ClipSpec {
            width: 640,
            height: 360,
            seconds: 8.0,
            ..Default::default()
        },
    );
    let video = upload_clip(&app, &token, &path, "Longer").await;
    let id = i32::try_from(video["id"].as_i64().unwrap()).unwrap();

    let worker = Worker::new(app.state.videos.clone());
    let (_stop_tx, stop) = watch::channel(false);
    let job = tokio::spawn(async move { worker.run_once(&stop).await });
    let mut seen = Vec::new();
    while !job.is_finished() {
        let v = load(&app, id).await;
        if v.status == "processing" {
            seen.push(v.progress);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        job.await.unwrap().unwrap(),
        JobOutcome::Completed { video_id: id }
    );
    assert!(
        seen.iter().any(|p| (1..100).contains(p)),
        "no progress between 1 and 99 seen: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(load(&app, id).await.progress, 100);
}
