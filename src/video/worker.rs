//! Workers: claim video jobs from the database, process them with [`super::media`] on
//! blocking threads, renew the lease while they work, record the outcome and publish
//! events. Run in-process by `pinkflow serve` (embedded mode) or by `pinkflow worker`.
//!
//! A job that cannot be finished (the input is broken) fails at once with the reason;
//! other failures (disk, a panic, a dead worker whose lease expired) are retried until
//! `VIDEO_MAX_ATTEMPTS`. Stopping a worker cancels its running job and gives it back to
//! the queue without counting the attempt.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::media::{self, JobControl, MediaError, TranscodeOptions};
use super::service::VideoService;
use super::storage::{Area, Storage};
use crate::db::{DbError, now};
use crate::events::Event;
use crate::models::video as video_db;
use crate::models::video_job::{self, CompletedJob, FailOutcome};

/// How often progress is written at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

fn lease_end(from: NaiveDateTime, lease: Duration) -> NaiveDateTime {
    from + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(60))
}

/// The reason recorded when a job's workers kept dying.
pub fn exhausted_reason(max_attempts: i32) -> String {
    format!(
        "Processing stopped unexpectedly {max_attempts} times (the worker handling it stopped responding). \
         Please upload the video again; if it keeps happening, contact support."
    )
}

/// What one pass of a worker did.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// Nothing to do.
    Idle,
    Completed {
        video_id: i32,
    },
    Failed {
        video_id: i32,
        reason: String,
        will_retry: bool,
    },
    /// The job was handed back (shutdown) or taken over (lease lost).
    Abandoned {
        video_id: i32,
    },
}

/// One worker: claims and runs jobs one at a time.
#[derive(Clone)]
pub struct Worker {
    service: VideoService,
}

/// How long a job that met a full disk waits before it is tried again.
pub const DISK_FULL_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// What a job's failure says when the disk was full.
pub const DISK_FULL_REASON: &str =
    "The server's storage is full. Processing will be tried again when there is space.";

/// True when a failure's message says the disk (or file-system quota) was full.
fn disk_full(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("no space left on device")
        || r.contains("os error 28")
        || r.contains("enospc")
        || r.contains("disk quota exceeded")
}

impl Worker {
    pub fn new(service: VideoService) -> Self {
        Worker { service }
    }

    /// Fail jobs whose workers died on their last attempt, then claim and run one job.
    /// `stop` cancels the running job (it is then released, not counted).
    pub async fn run_once(&self, stop: &watch::Receiver<bool>) -> Result<JobOutcome, DbError> {
        let settings = self.service.settings().clone();
        let max = settings.max_attempts;
        let reason = exhausted_reason(max);
        let dead = self
            .service
            .db()
            .run(move |conn| video_job::fail_exhausted(conn, now(), max, &reason))
            .await?;
        for (video_id, owner_id) in dead {
            tracing::warn!(video_id, "video job failed: no attempts left");
            self.service.publish(Event::VideoProcessingFailed {
                video_id,
                owner_id,
                reason: exhausted_reason(max),
                will_retry: false,
            });
        }

        let token = uuid::Uuid::new_v4().to_string();
        let claim_token = token.clone();
        let lease = settings.worker.lease_duration;
        let claimed = self
            .service
            .db()
            .run(move |conn| {
                let at = now();
                match video_job::claim(conn, &claim_token, at, lease_end(at, lease), max)? {
                    Some(id) => video_db::find(conn, id),
                    None => Ok(None),
                }
            })
            .await?;
        let Some(video) = claimed else {
            return Ok(JobOutcome::Idle);
        };
        Ok(self.process(video, token, stop.clone()).await)
    }

    async fn process(
        &self,
        video: video_db::Video,
        token: String,
        mut stop: watch::Receiver<bool>,
    ) -> JobOutcome {
        let (video_id, owner_id) = (video.id, video.owner_id);
        let started = Instant::now();
        tracing::info!(
            video_id,
            attempt = video.attempts,
            "video processing started"
        );
        self.service.publish(Event::VideoProcessingStarted {
            video_id,
            owner_id,
            attempt: video.attempts,
        });
        let settings = self.service.settings().clone();
        // A stop that arrived between the claim and now cancels the job at once.
        let stopped = *stop.borrow_and_update();
        let cancel = Arc::new(AtomicBool::new(stopped));
        let shutting_down = Arc::new(AtomicBool::new(stopped));

        // Renew the lease while the job runs; a lost lease or a stop cancels the job.
        let renewer = {
            let (db, token, cancel, shutting_down) = (
                self.service.db().clone(),
                token.clone(),
                cancel.clone(),
                shutting_down.clone(),
            );
            let every = (settings.worker.lease_duration / 3).max(Duration::from_millis(200));
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await;
                loop {
                    tokio::select! {
                        _ = tick.tick() => {
                            let token = token.clone();
                            let lease = settings.worker.lease_duration;
                            let renewed = db
                                .run(move |conn| {
                                    video_job::renew(conn, video_id, &token, lease_end(now(), lease))
                                })
                                .await;
                            match renewed {
                                Ok(true) => {}
                                Ok(false) => {
                                    tracing::warn!(video_id, "lease lost; stopping this job");
                                    cancel.store(true, Ordering::Relaxed);
                                    break;
                                }
                                Err(e) => tracing::warn!(video_id, error = %e, "lease renewal failed"),
                            }
                        }
                        changed = stop.changed() => {
                            if changed.is_err() || *stop.borrow() {
                                shutting_down.store(true, Ordering::Relaxed);
                                cancel.store(true, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
            })
        };

        let output_key = Storage::key(Area::Processed, &token, "mp4");
        let poster_key = Storage::key(Area::Posters, &token, "jpg");
        let result = self
            .transcode(&video, &token, &output_key, &poster_key, cancel.clone())
            .await;
        renewer.abort();

        let storage = self.service.storage().clone();
        let discard = |storage: &Storage| {
            storage.remove(&output_key);
            storage.remove(&poster_key);
        };
        match result {
            Ok(report) => {
                let done = CompletedJob {
                    output_key: output_key.clone(),
                    poster_key: report.poster_written.then(|| poster_key.clone()),
                    duration_seconds: report.duration_seconds,
                    width: i32::try_from(report.width).unwrap_or(0),
                    height: i32::try_from(report.height).unwrap_or(0),
                    video_codec: report.video_codec,
                    audio_codec: report.audio_codec,
                    frame_rate: report.frame_rate,
                };
                let t = token.clone();
                let saved = self
                    .service
                    .db()
                    .run(move |conn| video_job::complete(conn, video_id, &t, &done, now()))
                    .await;
                match saved {
                    Ok(true) => {
                        tracing::info!(video_id, "video processing completed");
                        self.service.publish(Event::VideoProcessingCompleted {
                            video_id,
                            owner_id,
                            duration_seconds: report.duration_seconds,
                            processing_seconds: started.elapsed().as_secs_f64(),
                        });
                        JobOutcome::Completed { video_id }
                    }
                    Ok(false) => {
                        // Deleted meanwhile, or another worker owns it now.
                        discard(&storage);
                        JobOutcome::Abandoned { video_id }
                    }
                    Err(e) => {
                        discard(&storage);
                        self.record_failure(
                            video_id,
                            owner_id,
                            &token,
                            &format!("saving the result failed: {e}"),
                            false,
                        )
                        .await
                    }
                }
            }
            Err(MediaError::Cancelled) => {
                discard(&storage);
                if shutting_down.load(Ordering::Relaxed) {
                    let t = token.clone();
                    let released = self
                        .service
                        .db()
                        .run(move |conn| video_job::release(conn, video_id, &t, now()))
                        .await;
                    if let Err(e) = released {
                        tracing::warn!(video_id, error = %e, "could not hand the job back; it will be retried when its lease expires");
                    }
                    tracing::info!(video_id, "worker stopping: job handed back to the queue");
                }
                JobOutcome::Abandoned { video_id }
            }
            Err(e) => {
                discard(&storage);
                let permanent = e.is_permanent();
                self.record_failure(video_id, owner_id, &token, &e.to_string(), permanent)
                    .await
            }
        }
    }

    async fn transcode(
        &self,
        video: &video_db::Video,
        token: &str,
        output_key: &str,
        poster_key: &str,
        cancel: Arc<AtomicBool>,
    ) -> Result<media::TranscodeReport, MediaError> {
        let storage = self.service.storage();
        let path = |key: &str| {
            storage
                .path(key)
                .ok_or_else(|| MediaError::Internal(format!("bad storage key {key}")))
        };
        let input = path(&video.source_key)?;
        let output = path(output_key)?;
        let poster = path(poster_key)?;
        if !input.exists() {
            return Err(MediaError::Invalid(
                "The uploaded file is missing from storage; please upload the video again.".into(),
            ));
        }
        let options = TranscodeOptions {
            max_height: self.service.settings().media.max_height,
            x264_preset: self.service.settings().media.x264_preset.clone(),
        };
        let db = self.service.db().clone();
        let media = self.service.media().clone();
        let (video_id, token) = (video.id, token.to_owned());
        let joined = tokio::task::spawn_blocking(move || {
            let mut last_write = Instant::now() - PROGRESS_EVERY;
            let lease_cancel = cancel.clone();
            let mut progress = |pct: u8| {
                if last_write.elapsed() < PROGRESS_EVERY {
                    return;
                }
                last_write = Instant::now();
                // Already on a blocking thread: use a pooled connection directly.
                let written = db.get().and_then(|mut conn| {
                    video_job::set_progress(&mut conn, video_id, &token, i32::from(pct), now())
                });
                if let Ok(false) = written {
                    lease_cancel.store(true, Ordering::Relaxed);
                }
            };
            std::panic::catch_unwind(AssertUnwindSafe(|| {
                media.transcode(
                    &input,
                    &output,
                    &poster,
                    &options,
                    JobControl {
                        cancel: &cancel,
                        progress: &mut progress,
                    },
                )
            }))
        })
        .await;
        match joined {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                tracing::error!(video_id, panic = %what, "video processing panicked");
                Err(MediaError::Internal(
                    "Processing failed because of an internal error.".into(),
                ))
            }
            Err(e) => Err(MediaError::Internal(format!(
                "the processing task failed: {e}"
            ))),
        }
    }

    async fn record_failure(
        &self,
        video_id: i32,
        owner_id: i32,
        token: &str,
        reason: &str,
        permanent: bool,
    ) -> JobOutcome {
        if disk_full(reason) {
            return self.postpone(video_id, owner_id, token).await;
        }
        let max = self.service.settings().max_attempts;
        let (t, r) = (token.to_owned(), reason.to_owned());
        let outcome = self
            .service
            .db()
            .run(move |conn| video_job::fail_attempt(conn, video_id, &t, &r, permanent, max, now()))
            .await;
        match outcome {
            Ok(FailOutcome::LeaseLost) => JobOutcome::Abandoned { video_id },
            Ok(o) => {
                let will_retry = o == FailOutcome::Requeued;
                tracing::warn!(video_id, reason, will_retry, "video processing failed");
                self.service.publish(Event::VideoProcessingFailed {
                    video_id,
                    owner_id,
                    reason: reason.to_owned(),
                    will_retry,
                });
                if will_retry {
                    self.service.wake().notify_one();
                }
                JobOutcome::Failed {
                    video_id,
                    reason: reason.to_owned(),
                    will_retry,
                }
            }
            Err(e) => {
                tracing::error!(video_id, error = %e, "could not record a failed job; it will be retried when its lease expires");
                JobOutcome::Abandoned { video_id }
            }
        }
    }

    /// The disk was full: this attempt does not count, and the job is tried again after
    /// [`DISK_FULL_RETRY`] (never failed for good because of it).
    async fn postpone(&self, video_id: i32, owner_id: i32, token: &str) -> JobOutcome {
        let t = token.to_owned();
        let wait = chrono::TimeDelta::from_std(DISK_FULL_RETRY).unwrap_or_default();
        let postponed = self
            .service
            .db()
            .run(move |conn| {
                let at = now();
                video_job::postpone(conn, video_id, &t, DISK_FULL_REASON, at + wait, at)
            })
            .await;
        match postponed {
            Ok(true) => {
                tracing::warn!(
                    video_id,
                    "video processing met a full disk; it will be tried again"
                );
                self.service.publish(Event::VideoProcessingFailed {
                    video_id,
                    owner_id,
                    reason: DISK_FULL_REASON.to_owned(),
                    will_retry: true,
                });
                JobOutcome::Failed {
                    video_id,
                    reason: DISK_FULL_REASON.to_owned(),
                    will_retry: true,
                }
            }
            Ok(false) => JobOutcome::Abandoned { video_id },
            Err(e) => {
                tracing::error!(video_id, error = %e, "could not postpone a job; it will be retried when its lease expires");
                JobOutcome::Abandoned { video_id }
            }
        }
    }
}

/// Running worker loops; [`WorkerPool::shutdown`] stops them gracefully.
pub struct WorkerPool {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl WorkerPool {
    /// Start `concurrency` worker loops on the current runtime.
    pub fn start(service: VideoService, concurrency: usize) -> Self {
        let (stop, _) = watch::channel(false);
        let tasks = (0..concurrency.max(1))
            .map(|n| {
                let worker = Worker::new(service.clone());
                let rx = stop.subscribe();
                tokio::spawn(run_loop(worker, rx, n))
            })
            .collect();
        WorkerPool { stop, tasks }
    }

    /// Stop claiming, cancel running jobs (handing them back to the queue) and wait.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn run_loop(worker: Worker, mut stop: watch::Receiver<bool>, n: usize) {
    let poll = worker.service.settings().worker.poll_interval;
    let wake = worker.service.wake().clone();
    tracing::info!(worker = n, "video worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        let idle = match worker.run_once(&stop).await {
            Ok(JobOutcome::Idle) => true,
            Ok(_) => false,
            Err(e) => {
                tracing::warn!(worker = n, error = %e, "video worker could not reach the database");
                true
            }
        };
        if idle {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = wake.notified() => {}
                _ = stop.changed() => {}
            }
        }
    }
    tracing::info!(worker = n, "video worker stopped");
}
