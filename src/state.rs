use std::sync::Arc;

use crate::auth::AuthService;
use crate::config::Settings;
use crate::db::Db;
use crate::events::EventBus;
use crate::video::VideoService;

/// Everything handlers share. Cheap to clone (all fields are handles).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub auth: AuthService,
    pub redis: Option<deadpool_redis::Pool>,
    /// In-process domain events (`video.uploaded`, …).
    pub events: EventBus,
    /// Uploads, captions, editions, feedback and media of sign-language videos.
    pub videos: VideoService,
}
