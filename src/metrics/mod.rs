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
//!
//! Every family is in [`FAMILIES`] with its help text. A new recorder describes them all
//! and starts at 0 every series whose labels are known in advance (cache items, event
//! names, sign languages, levels, verdicts...), so a fresh instance's `/metrics` already
//! shows what dashboards and `absent()` alerts look for; [`Metrics::render`] adds the
//! `# HELP`/`# TYPE` lines of the families whose labels come from traffic (routes,
//! videos) until their first series.

mod families;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use metrics::{KeyName, Recorder, counter, gauge, histogram};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

pub use families::*;

use crate::domain::SIGN_LANGUAGES;
use crate::events::Event;
use crate::models::feedback::RATINGS;
use crate::models::stats::UsageCounts;
use crate::resilience::{BreakerSnapshot, BreakerState};

/// Most videos given their own feedback series (the most-rated ones), so the number of
/// series stays bounded however many videos there are.
pub const FEEDBACK_VIDEOS_MAX: usize = 500;

/// Outcomes a video job's duration is recorded under.
pub const JOB_OUTCOMES: &[&str] = &["completed"];

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
        m.describe();
        m.start_known_series();
        m
    }

    /// Give every family of [`FAMILIES`] its help text.
    fn describe(&self) {
        for f in FAMILIES {
            let (name, help) = (KeyName::from_const_str(f.name), f.help.into());
            match f.kind {
                Kind::Counter => self.recorder.describe_counter(name, f.unit, help),
                Kind::Gauge => self.recorder.describe_gauge(name, f.unit, help),
                Kind::Histogram => self.recorder.describe_histogram(name, f.unit, help),
            }
        }
    }

    /// Start at 0 every series whose label values are known before any traffic. (The
    /// circuit breaker's series come with the first scrape, when Redis is configured.)
    fn start_known_series(&self) {
        self.with(|| {
            for name in [DB_CONNECTIONS, DB_IDLE, DB_MAX, QUEUE_DEPTH] {
                gauge!(name).set(0.0);
            }
            for item in crate::cache::ITEMS {
                counter!(CACHE_HITS, "cache" => *item).absolute(0);
                counter!(CACHE_MISSES, "cache" => *item).absolute(0);
            }
            gauge!(SESSIONS_ACTIVE, "store" => "database").set(0.0);
            for level in 1..=5 {
                let level = level.to_string();
                gauge!(USERS_BY_DENSITY, "level" => level.clone()).set(0.0);
                gauge!(USERS_BY_READING, "level" => level).set(0.0);
            }
            for event in Event::NAMES {
                counter!(EVENTS, "event" => event).absolute(0);
            }
            for (code, _, _) in SIGN_LANGUAGES {
                let _ = histogram!(VIDEO_LOAD, "sign_language" => *code);
                for verdict in RATINGS {
                    counter!(SIGN_FEEDBACK, "sign_language" => *code, "verdict" => verdict)
                        .absolute(0);
                }
                gauge!(LANGUAGE_ACCURACY, "sign_language" => *code).set(0.0);
            }
            for outcome in JOB_OUTCOMES {
                let _ = histogram!(JOB_DURATION, "outcome" => *outcome);
            }
        });
    }

    /// Start a subscriber's lag and panic counters at 0 (the bus calls this as it
    /// spawns one).
    pub fn register_subscriber(&self, subscriber: &'static str) {
        self.register_lag(subscriber);
        self.with(|| counter!(SUBSCRIBER_PANICS, "subscriber" => subscriber).absolute(0));
    }

    /// Start the lag counter of `subscriber` (a subscriber, or a queue behind one) at 0.
    pub fn register_lag(&self, subscriber: &'static str) {
        self.with(|| counter!(EVENTS_LAGGED, "subscriber" => subscriber).absolute(0));
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

    /// The Prometheus text exposition: every family of [`FAMILIES`], those without a
    /// series yet as their `# HELP` and `# TYPE` lines.
    pub fn render(&self) -> String {
        let mut text = self.handle.render();
        for f in FAMILIES {
            if !text.contains(&format!("# TYPE {} ", f.name)) {
                let help = f.help.replace('\\', "\\\\").replace('\n', "\\n");
                let _ = write!(
                    text,
                    "# HELP {name} {help}\n# TYPE {name} {kind}\n\n",
                    name = f.name,
                    kind = f.kind.as_str()
                );
            }
        }
        text
    }

    /// Drain histogram buffers (call periodically).
    pub fn upkeep(&self) {
        self.handle.run_upkeep();
    }
}

#[cfg(test)]
mod tests;
