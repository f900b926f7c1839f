use std::sync::Arc;

use crate::auth::AuthService;
use crate::config::Settings;
use crate::db::Db;

/// Everything handlers share. Cheap to clone (all fields are handles).
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub auth: AuthService,
    pub redis: Option<deadpool_redis::Pool>,
}
