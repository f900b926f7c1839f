//! [`AppState`]: what every handler shares (settings, database, services, cache, events,
//! metrics), built once by [`crate::startup`].

use std::sync::Arc;

use crate::auth::AuthService;
use crate::auth::account::AccountService;
use crate::cache::Cache;
use crate::config::Settings;
use crate::db::Db;
use crate::events::EventBus;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use crate::redis::Redis;
use crate::video::VideoService;

/// Everything handlers share. Cheap to clone (all fields are handles).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub auth: AuthService,
    /// Redis behind its circuit breaker, when `REDIS_URL` is set.
    pub redis: Option<Redis>,
    /// The preference-aware cache (Redis, or in-process without it).
    pub cache: Cache,
    pub metrics: Metrics,
    /// In-process domain events (`video.uploaded`, …).
    pub events: EventBus,
    /// Uploads, captions, editions, feedback and media of sign-language videos.
    pub videos: VideoService,
    /// Queues mail (delivered by the sender loop, `crate::mail::sender`).
    pub mail: Mailer,
    /// Password changes and resets, address confirmation (over `auth` and `mail`).
    pub accounts: AccountService,
}
