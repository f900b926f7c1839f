//! Where browser sessions live: Redis when `REDIS_URL` is set, otherwise the database.
//! Both are server-side, so deleting a session ends it for every copy of its cookie.

use std::collections::HashMap;

use actix_session::storage::{
    LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore, UpdateError,
    generate_session_key,
};
use actix_web::cookie::time::Duration;
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::db::{Db, now};
use crate::models::session as rows;

type State = HashMap<String, String>;

/// The store chosen at start-up.
#[derive(Clone)]
pub enum AppSessionStore {
    Redis(RedisSessionStore),
    Database(DbSessionStore),
}

impl AppSessionStore {
    /// The Redis store sharing the application's pool, or the database store.
    pub async fn new(db: &Db, redis: Option<&deadpool_redis::Pool>) -> anyhow::Result<Self> {
        Ok(match redis {
            Some(pool) => AppSessionStore::Redis(
                RedisSessionStore::builder_pooled(pool.clone())
                    .cache_keygen(|key| format!("pinkflow:session:{key}"))
                    .build()
                    .await?,
            ),
            None => AppSessionStore::Database(DbSessionStore { db: db.clone() }),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            AppSessionStore::Redis(_) => "redis",
            AppSessionStore::Database(_) => "database",
        }
    }

    /// Delete expired sessions (Redis expires its own keys).
    pub async fn purge_expired(&self) -> anyhow::Result<usize> {
        match self {
            AppSessionStore::Redis(_) => Ok(0),
            AppSessionStore::Database(store) => Ok(store.db.run(rows::delete_expired).await?),
        }
    }
}

impl SessionStore for AppSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        match self {
            AppSessionStore::Redis(s) => s.load(key).await,
            AppSessionStore::Database(s) => s.load(key).await,
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        match self {
            AppSessionStore::Redis(s) => s.save(state, ttl).await,
            AppSessionStore::Database(s) => s.save(state, ttl).await,
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        match self {
            AppSessionStore::Redis(s) => s.update(key, state, ttl).await,
            AppSessionStore::Database(s) => s.update(key, state, ttl).await,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        match self {
            AppSessionStore::Redis(s) => s.update_ttl(key, ttl).await,
            AppSessionStore::Database(s) => s.update_ttl(key, ttl).await,
        }
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        match self {
            AppSessionStore::Redis(s) => s.delete(key).await,
            AppSessionStore::Database(s) => s.delete(key).await,
        }
    }
}

/// Sessions in the `sessions` table.
#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }
}

/// The row id for a session key: its SHA-256, hex.
fn row_id(key: &SessionKey) -> String {
    Sha256::digest(key.as_ref().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn expiry(ttl: &Duration) -> NaiveDateTime {
    let secs = ttl.whole_seconds().clamp(1, 10 * 365 * 86_400);
    now() + chrono::Duration::seconds(secs)
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let id = row_id(key);
        let raw = self
            .db
            .run(move |c| rows::load(c, &id))
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        match raw {
            None => Ok(None),
            Some(raw) => serde_json::from_str(&raw)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = generate_session_key();
        let (id, expires) = (row_id(&key), expiry(ttl));
        self.db
            .run(move |c| rows::insert(c, &id, &body, expires))
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let body =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let (id, expires) = (row_id(&key), expiry(ttl));
        let updated = self
            .db
            .run(move |c| rows::update(c, &id, &body, expires))
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated {
            return Ok(key);
        }
        // The session expired (or was deleted) meanwhile: never revive the old key.
        self.save(state, ttl).await.map_err(|e| match e {
            SaveError::Serialization(e) => UpdateError::Serialization(e),
            SaveError::Other(e) => UpdateError::Other(e),
        })
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let (id, expires) = (row_id(key), expiry(ttl));
        Ok(self.db.run(move |c| rows::touch(c, &id, expires)).await?)
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let id = row_id(key);
        Ok(self.db.run(move |c| rows::delete(c, &id)).await?)
    }
}
