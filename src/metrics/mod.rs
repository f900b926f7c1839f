//! Prometheus metrics for `GET /metrics`.
//!
//! Each application owns its recorder (no global recorder: tests start many apps in one
//! process), and records into it with [`metrics::with_local_recorder`]. Counters and
//! histograms are recorded as things happen; gauges that describe state (database pool,
//! circuit breakers, cache totals, how many people use each density and reading level,
//! active sessions) are computed when scraped.
//!
//! Hooks for the video and event branches are the `record_*` methods at the end; they
//! are plain methods so event subscribers can call them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use crate::models::feedback::RATINGS;
use crate::models::stats::UsageCounts;
use crate::resilience::{BreakerSnapshot, BreakerState};

pub const HTTP_REQUESTS: &str = "pinkflow_http_requests_total";
pub const HTTP_DURATION: &str = "pinkflow_http_request_duration_seconds";
pub const DB_CONNECTIONS: &str = "pinkflow_db_pool_connections";
pub const DB_IDLE: &str = "pinkflow_db_pool_idle_connections";
pub const DB_MAX: &str = "pinkflow_db_pool_max_connections";
pub const CACHE_HITS: &str = "pinkflow_cache_hits_total";
pub const CACHE_MISSES: &str = "pinkflow_cache_misses_total";
pub const BREAKER_STATE: &str = "pinkflow_circuit_breaker_state";
pub const BREAKER_OPENED: &str = "pinkflow_circuit_breaker_opened_total";
pub const BREAKER_FAILURES: &str = "pinkflow_circuit_breaker_consecutive_failures";
pub const SESSIONS_ACTIVE: &str = "pinkflow_sessions_active";
pub const USERS_BY_DENSITY: &str = "pinkflow_users_by_visual_density";
pub const USERS_BY_READING: &str = "pinkflow_users_by_reading_level";
pub const EVENTS: &str = "pinkflow_events_total";
pub const EVENTS_LAGGED: &str = "pinkflow_events_lagged_total";
pub const SUBSCRIBER_PANICS: &str = "pinkflow_event_subscriber_panics_total";
pub const VIDEO_LOAD: &str = "pinkflow_video_load_seconds";
pub const SIGN_FEEDBACK: &str = "pinkflow_sign_language_feedback_total";
pub const VIDEO_RATINGS: &str = "pinkflow_video_feedback_ratings";
pub const VIDEO_ACCURACY: &str = "pinkflow_video_sign_accuracy_ratio";
pub const LANGUAGE_ACCURACY: &str = "pinkflow_sign_language_accuracy_ratio";
pub const QUEUE_DEPTH: &str = "pinkflow_video_queue_depth";
pub const JOB_DURATION: &str = "pinkflow_video_job_duration_seconds";

/// Most videos given their own feedback series (the most-rated ones), so the number of
/// series stays bounded however many videos there are.
pub const FEEDBACK_VIDEOS_MAX: usize = 500;

/// How long the database usage counts are reused between scrapes.
pub const USAGE_TTL: Duration = Duration::from_secs(30);

const LATENCY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const MEDIA_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 300.0, 900.0,
];

#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
    usage: Arc<Mutex<Option<(Instant, UsageCounts)>>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), LATENCY_BUCKETS)
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(VIDEO_LOAD.into()), MEDIA_BUCKETS))
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(JOB_DURATION.into()), MEDIA_BUCKETS)
            })
            // The bucket lists are constants and not empty, so this only guards a future edit:
            // without buckets the histograms are exported as summaries, still usable.
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "histogram buckets refused; exporting summaries");
                PrometheusBuilder::new()
            });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let m = Metrics {
            recorder: Arc::new(recorder),
            handle,
            usage: Arc::new(Mutex::new(None)),
        };
        m.with(|| {
            describe_counter!(
                HTTP_REQUESTS,
                "HTTP requests by method, route pattern and status."
            );
            describe_histogram!(
                HTTP_DURATION,
                metrics::Unit::Seconds,
                "HTTP request latency by route pattern."
            );
            describe_gauge!(DB_CONNECTIONS, "Open database pool connections.");
            describe_gauge!(DB_IDLE, "Idle database pool connections.");
            describe_gauge!(DB_MAX, "Database pool size limit.");
            describe_counter!(CACHE_HITS, "Preference-aware cache hits by cached item.");
            describe_counter!(
                CACHE_MISSES,
                "Preference-aware cache misses by cached item."
            );
            describe_gauge!(
                BREAKER_STATE,
                "1 for the current state of each dependency's circuit breaker."
            );
            describe_counter!(BREAKER_OPENED, "Times each circuit breaker has opened.");
            describe_gauge!(
                BREAKER_FAILURES,
                "Consecutive failures counted by each circuit breaker."
            );
            describe_gauge!(
                SESSIONS_ACTIVE,
                "Unexpired browser sessions by store (database rows, Redis keys)."
            );
            describe_gauge!(USERS_BY_DENSITY, "Accounts using each visual density.");
            describe_gauge!(USERS_BY_READING, "Accounts using each reading level.");
            describe_counter!(
                EVENTS,
                "Domain events seen by this instance, by event name."
            );
            describe_counter!(
                EVENTS_LAGGED,
                "Events a slow subscriber skipped because it fell too far behind."
            );
            describe_counter!(
                SUBSCRIBER_PANICS,
                "Events whose subscriber panicked (the subscriber goes on)."
            );
            describe_histogram!(
                VIDEO_LOAD,
                metrics::Unit::Seconds,
                "Player time to first frame."
            );
            describe_counter!(
                SIGN_FEEDBACK,
                "Sign-language accuracy feedback by language and verdict."
            );
            describe_gauge!(
                VIDEO_RATINGS,
                "Viewers' current ratings of each video's signing (most-rated videos)."
            );
            describe_gauge!(
                VIDEO_ACCURACY,
                "Share of each video's ratings that say the signing is accurate."
            );
            describe_gauge!(
                LANGUAGE_ACCURACY,
                "Share of ratings that say the signing is accurate, per sign language."
            );
            describe_gauge!(QUEUE_DEPTH, "Video jobs waiting.");
            describe_histogram!(
                JOB_DURATION,
                metrics::Unit::Seconds,
                "Video job durations by outcome."
            );
        });
        m
    }

    /// Record into this application's recorder.
    pub fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&*self.recorder, f)
    }

    /// One finished HTTP request. `route` is the matched pattern (`/api/auth/user`,
    /// `/static/{file}`), or `unmatched`, never the raw path.
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let (method, route, status) = (method.to_owned(), route.to_owned(), status.to_string());
        self.with(|| {
            counter!(HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
                .increment(1);
            histogram!(HTTP_DURATION, "method" => method, "route" => route)
                .record(elapsed.as_secs_f64());
        });
    }

    pub fn set_db_pool(&self, connections: u32, idle: u32, max: u32) {
        self.with(|| {
            gauge!(DB_CONNECTIONS).set(f64::from(connections));
            gauge!(DB_IDLE).set(f64::from(idle));
            gauge!(DB_MAX).set(f64::from(max));
        });
    }

    /// Cache totals (the cache counts; these are exported as absolute counters).
    pub fn set_cache_totals(&self, name: &str, hits: u64, misses: u64) {
        let name = name.to_owned();
        self.with(|| {
            counter!(CACHE_HITS, "cache" => name.clone()).absolute(hits);
            counter!(CACHE_MISSES, "cache" => name).absolute(misses);
        });
    }

    pub fn set_breaker(&self, dependency: &'static str, s: BreakerSnapshot) {
        self.with(|| {
            for state in BreakerState::ALL {
                gauge!(BREAKER_STATE, "dependency" => dependency, "state" => state.as_str())
                    .set(if state == s.state { 1.0 } else { 0.0 });
            }
            counter!(BREAKER_OPENED, "dependency" => dependency).absolute(s.opened_total);
            gauge!(BREAKER_FAILURES, "dependency" => dependency)
                .set(f64::from(s.consecutive_failures));
        });
    }

    /// Usage counts from the database, if fresher than [`USAGE_TTL`].
    pub fn cached_usage(&self) -> Option<UsageCounts> {
        let guard = self.usage.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < USAGE_TTL)
            .map(|(_, u)| u.clone())
    }

    /// Keep fresh usage counts for [`USAGE_TTL`].
    pub fn remember_usage(&self, usage: &UsageCounts) {
        *self.usage.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), usage.clone()));
    }

    pub fn set_usage(&self, usage: &UsageCounts) {
        let count = |rows: &[(i32, i64)], level: i32| {
            rows.iter()
                .find(|(l, _)| *l == level)
                .map_or(0, |(_, n)| *n)
        };
        self.with(|| {
            for level in 1..=5 {
                let label = level.to_string();
                gauge!(USERS_BY_DENSITY, "level" => label.clone())
                    .set(count(&usage.by_density, level) as f64);
                gauge!(USERS_BY_READING, "level" => label)
                    .set(count(&usage.by_reading_level, level) as f64);
            }
            gauge!(SESSIONS_ACTIVE, "store" => "database").set(usage.database_sessions as f64);
            if let Some(n) = usage.redis_sessions {
                gauge!(SESSIONS_ACTIVE, "store" => "redis").set(n as f64);
            }
        });
        self.set_feedback(&usage.feedback);
    }

    /// Sign-language accuracy feedback from the database: each (most-rated) video's
    /// ratings and accurate share, and the accurate share per sign language.
    fn set_feedback(&self, rows: &[(i32, String, String, i64)]) {
        use std::collections::BTreeMap;
        let slot = |rating: &str| RATINGS.iter().position(|r| *r == rating);
        let mut per_video: BTreeMap<(i32, &str), [i64; 3]> = BTreeMap::new();
        let mut per_language: BTreeMap<&str, [i64; 3]> = BTreeMap::new();
        for (video, language, rating, n) in rows {
            let Some(i) = slot(rating) else { continue };
            per_video.entry((*video, language)).or_default()[i] += n;
            per_language.entry(language).or_default()[i] += n;
        }
        let ratio = |c: &[i64; 3]| {
            let total: i64 = c.iter().sum();
            if total == 0 {
                0.0
            } else {
                c[0] as f64 / total as f64
            }
        };
        let mut videos: Vec<_> = per_video.into_iter().collect();
        videos.sort_by_key(|(key, c)| (std::cmp::Reverse(c.iter().sum::<i64>()), key.0));
        videos.truncate(FEEDBACK_VIDEOS_MAX);
        self.with(|| {
            for ((video, language), counts) in &videos {
                let (video, language) = (video.to_string(), (*language).to_owned());
                for (rating, n) in RATINGS.iter().zip(counts) {
                    gauge!(VIDEO_RATINGS, "video_id" => video.clone(), "sign_language" => language.clone(), "rating" => *rating)
                        .set(*n as f64);
                }
                gauge!(VIDEO_ACCURACY, "video_id" => video, "sign_language" => language)
                    .set(ratio(counts));
            }
            for (language, counts) in &per_language {
                gauge!(LANGUAGE_ACCURACY, "sign_language" => (*language).to_owned())
                    .set(ratio(counts));
            }
        });
    }

    /// One domain event (`user.login`, `preferences.updated`, ...), for the event bus's
    /// metrics subscriber. Names come from the fixed event list, so labels stay bounded.
    pub fn record_event(&self, event: &'static str) {
        self.with(|| counter!(EVENTS, "event" => event).increment(1));
    }

    /// A subscriber fell behind and skipped `n` events.
    pub fn record_events_lagged(&self, subscriber: &'static str, n: u64) {
        self.with(|| counter!(EVENTS_LAGGED, "subscriber" => subscriber).increment(n));
    }

    /// A subscriber panicked while handling an event.
    pub fn record_subscriber_panic(&self, subscriber: &'static str) {
        self.with(|| counter!(SUBSCRIBER_PANICS, "subscriber" => subscriber).increment(1));
    }

    // Hooks for the video branch.

    /// The player's beacon: time to first frame, by sign language of the video shown.
    pub fn record_video_load(&self, sign_language: &str, seconds: f64) {
        let lang = sign_language.to_owned();
        self.with(|| histogram!(VIDEO_LOAD, "sign_language" => lang).record(seconds));
    }

    /// One piece of sign-language accuracy feedback (`accurate`, `helpful`, `inaccurate`).
    /// Ratio per language: accurate / sum over verdicts. (Per video would be unbounded
    /// cardinality; per-video ratios belong in the database.)
    pub fn record_sign_feedback(&self, sign_language: &str, verdict: &'static str) {
        let lang = sign_language.to_owned();
        self.with(|| {
            counter!(SIGN_FEEDBACK, "sign_language" => lang, "verdict" => verdict).increment(1);
        });
    }

    pub fn set_queue_depth(&self, jobs: u64) {
        self.with(|| gauge!(QUEUE_DEPTH).set(jobs as f64));
    }

    pub fn record_job(&self, outcome: &'static str, elapsed: Duration) {
        self.with(|| histogram!(JOB_DURATION, "outcome" => outcome).record(elapsed.as_secs_f64()));
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drain histogram buffers (call periodically).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_app_has_its_own_registry() {
        let a = Metrics::new();
        let b = Metrics::new();
        a.record_request("GET", "/", 200, Duration::from_millis(3));
        let text = a.render();
        assert!(
            text.contains(r#"pinkflow_http_requests_total{method="GET",route="/",status="200"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("pinkflow_http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(!b.render().contains("pinkflow_http_requests_total{"));
    }

    #[test]
    fn hooks_for_events_and_videos_record_series() {
        let m = Metrics::new();
        m.record_event("user.login");
        m.record_event("user.login");
        m.record_video_load("BSL", 0.8);
        m.record_sign_feedback("BSL", "accurate");
        m.set_queue_depth(3);
        m.record_job("completed", Duration::from_secs(12));
        let text = m.render();
        for line in [
            r#"pinkflow_events_total{event="user.login"} 2"#,
            r#"pinkflow_video_load_seconds_bucket{sign_language="BSL",le="1"} 1"#,
            r#"pinkflow_sign_language_feedback_total{sign_language="BSL",verdict="accurate"} 1"#,
            "pinkflow_video_queue_depth 3",
            r#"pinkflow_video_job_duration_seconds_count{outcome="completed"} 1"#,
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }

    #[test]
    fn feedback_ratios_per_video_and_sign_language() {
        let m = Metrics::new();
        let row = |video: i32, lang: &str, rating: &str, n: i64| {
            (video, lang.to_owned(), rating.to_owned(), n)
        };
        m.set_usage(&UsageCounts {
            feedback: vec![
                row(7, "BSL", "accurate", 3),
                row(7, "BSL", "inaccurate", 1),
                row(9, "BSL", "helpful", 4),
                row(11, "ASL", "accurate", 2),
                row(11, "ASL", "bogus", 5),
            ],
            ..UsageCounts::default()
        });
        let text = m.render();
        for line in [
            r#"pinkflow_video_sign_accuracy_ratio{video_id="7",sign_language="BSL"} 0.75"#,
            r#"pinkflow_video_sign_accuracy_ratio{video_id="9",sign_language="BSL"} 0"#,
            r#"pinkflow_video_sign_accuracy_ratio{video_id="11",sign_language="ASL"} 1"#,
            r#"pinkflow_video_feedback_ratings{video_id="7",sign_language="BSL",rating="inaccurate"} 1"#,
            r#"pinkflow_sign_language_accuracy_ratio{sign_language="BSL"} 0.375"#,
            r#"pinkflow_sign_language_accuracy_ratio{sign_language="ASL"} 1"#,
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        assert!(!text.contains("bogus"), "unknown ratings are ignored");
    }

    #[test]
    fn feedback_series_are_bounded_to_the_most_rated_videos() {
        let m = Metrics::new();
        let feedback = (0..FEEDBACK_VIDEOS_MAX as i32 + 10)
            .map(|v| (v, "BSL".to_owned(), "accurate".to_owned(), i64::from(v) + 1))
            .collect();
        m.set_usage(&UsageCounts {
            feedback,
            ..UsageCounts::default()
        });
        let text = m.render();
        let series = text
            .lines()
            .filter(|l| l.starts_with("pinkflow_video_sign_accuracy_ratio{"))
            .count();
        assert_eq!(series, FEEDBACK_VIDEOS_MAX);
        assert!(
            !text.contains(r#"video_id="0""#),
            "the least-rated video is left out"
        );
    }

    #[test]
    fn breaker_state_is_one_hot() {
        let m = Metrics::new();
        m.set_breaker(
            "redis",
            BreakerSnapshot {
                state: BreakerState::Open,
                consecutive_failures: 5,
                opened_total: 1,
            },
        );
        let text = m.render();
        assert!(
            text.contains(r#"pinkflow_circuit_breaker_state{dependency="redis",state="open"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"pinkflow_circuit_breaker_state{dependency="redis",state="closed"} 0"#)
        );
        assert!(text.contains(r#"pinkflow_circuit_breaker_opened_total{dependency="redis"} 1"#));
    }
}
