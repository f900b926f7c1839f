//! Every metric family PinkFlow exports, with its kind and help text: the one list
//! [`super::Metrics`] describes at start, and that `/metrics` always shows (a family
//! whose label values depend on traffic or data shows its `# HELP` and `# TYPE` lines
//! before its first series).

use metrics::Unit;

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

/// The Prometheus type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    /// The word on the family's `# TYPE` line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// One metric family.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub name: &'static str,
    pub kind: Kind,
    pub unit: Option<Unit>,
    /// The `# HELP` text.
    pub help: &'static str,
}

const fn family(name: &'static str, kind: Kind, help: &'static str) -> Family {
    Family {
        name,
        kind,
        unit: None,
        help,
    }
}

const fn seconds(name: &'static str, help: &'static str) -> Family {
    Family {
        name,
        kind: Kind::Histogram,
        unit: Some(Unit::Seconds),
        help,
    }
}

use Kind::{Counter, Gauge};

/// Every family, in the order of the sections of the exposition they belong to.
pub const FAMILIES: &[Family] = &[
    family(
        HTTP_REQUESTS,
        Counter,
        "HTTP requests by method, route pattern and status.",
    ),
    seconds(HTTP_DURATION, "HTTP request latency by route pattern."),
    family(DB_CONNECTIONS, Gauge, "Open database pool connections."),
    family(DB_IDLE, Gauge, "Idle database pool connections."),
    family(DB_MAX, Gauge, "Database pool size limit."),
    family(
        CACHE_HITS,
        Counter,
        "Preference-aware cache hits by cached item.",
    ),
    family(
        CACHE_MISSES,
        Counter,
        "Preference-aware cache misses by cached item.",
    ),
    family(
        BREAKER_STATE,
        Gauge,
        "1 for the current state of each dependency's circuit breaker.",
    ),
    family(
        BREAKER_OPENED,
        Counter,
        "Times each circuit breaker has opened.",
    ),
    family(
        BREAKER_FAILURES,
        Gauge,
        "Consecutive failures counted by each circuit breaker.",
    ),
    family(
        SESSIONS_ACTIVE,
        Gauge,
        "Unexpired browser sessions by store (database rows, Redis keys).",
    ),
    family(
        USERS_BY_DENSITY,
        Gauge,
        "Accounts using each visual density.",
    ),
    family(
        USERS_BY_READING,
        Gauge,
        "Accounts using each reading level.",
    ),
    family(
        EVENTS,
        Counter,
        "Domain events seen by this instance, by event name.",
    ),
    family(
        EVENTS_LAGGED,
        Counter,
        "Events a slow subscriber skipped because it fell too far behind.",
    ),
    family(
        SUBSCRIBER_PANICS,
        Counter,
        "Events whose subscriber panicked (the subscriber goes on).",
    ),
    seconds(VIDEO_LOAD, "Player time to first frame."),
    family(
        SIGN_FEEDBACK,
        Counter,
        "Sign-language accuracy feedback by language and verdict.",
    ),
    family(
        VIDEO_RATINGS,
        Gauge,
        "Viewers' current ratings of each video's signing (most-rated videos).",
    ),
    family(
        VIDEO_ACCURACY,
        Gauge,
        "Share of each video's ratings that say the signing is accurate.",
    ),
    family(
        LANGUAGE_ACCURACY,
        Gauge,
        "Share of ratings that say the signing is accurate, per sign language.",
    ),
    family(QUEUE_DEPTH, Gauge, "Video jobs waiting."),
    seconds(JOB_DURATION, "Video job durations by outcome."),
];
