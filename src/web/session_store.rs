//! Where browser sessions live: Redis when `REDIS_URL` is set, otherwise the database.
//! Both are server-side, so deleting a session ends it for every copy of its cookie.
//!
//! With Redis, the database is the fallback: while the Redis circuit breaker (shared with
//! every other Redis caller, see [`crate::redis`]) is open, new sessions go to the
//! database, so the site keeps working. Keys of
//! database sessions start with `db-`, so each key is only ever looked up where it lives,
//! and a Redis session that cannot be deleted (sign-out during an outage) fails loudly
//! rather than staying valid.

use std::collections::HashMap;
use std::sync::Arc;

use actix_session::storage::{
    LoadError, RedisSessionStore, SaveError, SessionKey, SessionStore, UpdateError,
    generate_session_key,
};
use actix_web::cookie::time::Duration;
use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::session_cache::SessionCache;
use crate::auth::principals::Principals;
use crate::db::{Db, now};
use crate::events::EventBus;
use crate::models::session as rows;
use crate::redis::{COMMAND_TIMEOUT, Redis};
use crate::resilience::{CircuitBreaker, Permit};

type State = HashMap<String, String>;

tokio::task_local! {
    /// Set while a request runs when its session cookie named a session the store could
    /// not read (Redis or the database unreachable): the visitor is treated as signed
    /// out, and pages say so (see [`session_lost`]).
    static LOST: std::cell::Cell<bool>;
}

/// Middleware, outside the session middleware: gives each request its "session lost"
/// flag.
pub async fn track_lost_sessions(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    LOST.scope(std::cell::Cell::new(false), next.call(req))
        .await
}

/// True when this request's session could not be read because its store was out of
/// reach (not when it had simply expired).
pub fn session_lost() -> bool {
    LOST.try_with(std::cell::Cell::get).unwrap_or(false)
}

fn mark_lost() {
    let _ = LOST.try_with(|lost| lost.set(true));
}

const DB_KEY_PREFIX: &str = "db-";
/// Where Redis sessions live: `{CACHE_KEY_PREFIX}:session:{key}` (`pinkflow:session:`
/// by default), so instances sharing a Redis under other prefixes keep apart.
pub fn redis_key_prefix(prefix: &str) -> String {
    format!("{prefix}:session:")
}
/// Most `SCAN` steps spent counting Redis sessions (about 1000 keys each).
const COUNT_MAX_STEPS: usize = 200;

/// How many sessions Redis holds under `prefix` (the `CACHE_KEY_PREFIX`; Redis expires
/// them itself, so every key is live). Counted with `SCAN` through the breaker; `None`
/// when Redis fails or holds too many keys to count cheaply (more than about 200 000).
pub async fn count_redis_sessions(redis: &Redis, prefix: &str) -> Option<u64> {
    let pattern = format!("{}*", redis_key_prefix(prefix));
    let (mut cursor, mut count) = (0u64, 0u64);
    for _ in 0..COUNT_MAX_STEPS {
        let (next, keys): (u64, Vec<String>) = redis
            .query(
                deadpool_redis::redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000),
            )
            .await
            .ok()?;
        count += keys.len() as u64;
        if next == 0 {
            return Some(count);
        }
        cursor = next;
    }
    None
}

/// The store chosen at start-up.
#[derive(Clone)]
pub struct AppSessionStore {
    store: Store,
    /// Sessions whose expiry this instance pushed back less than [`EXTEND_EVERY`] ago: a
    /// signed-in visitor's every request reads the session, but its idle expiry is written
    /// at most once per interval (it is then up to that much earlier than "idle timeout
    /// after the last request").
    extended: moka::sync::Cache<String, ()>,
    /// Signed-in sessions read recently (see [`super::session_cache`]); `None` until
    /// [`AppSessionStore::with_cache`].
    cache: Option<SessionCache>,
}

#[derive(Clone)]
enum Store {
    Redis(RedisWithFallback),
    Database(DbSessionStore),
}

/// Longest time between two writes of one session's idle expiry (at most a quarter of
/// the idle timeout).
pub const EXTEND_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

impl AppSessionStore {
    /// The Redis store sharing the application's pool (keys under `prefix`, the
    /// `CACHE_KEY_PREFIX`), or the database store. `idle_timeout` is
    /// `SESSION_IDLE_TIMEOUT`.
    pub async fn new(
        db: &Db,
        redis: Option<&Redis>,
        idle_timeout: std::time::Duration,
        prefix: &str,
    ) -> anyhow::Result<Self> {
        let database = DbSessionStore::new(db.clone());
        let key_prefix = redis_key_prefix(prefix);
        let store = match redis {
            Some(redis) => Store::Redis(RedisWithFallback {
                redis: RedisSessionStore::builder_pooled(redis.pool().clone())
                    .cache_keygen(move |key| format!("{key_prefix}{key}"))
                    .build()
                    .await?,
                db: database,
                breaker: redis.breaker().clone(),
            }),
            None => Store::Database(database),
        };
        let extended = moka::sync::Cache::builder()
            .time_to_live(EXTEND_EVERY.min(idle_timeout / 4))
            .max_capacity(1_000_000)
            .build();
        Ok(Self {
            store,
            extended,
            cache: None,
        })
    }

    /// Keep signed-in sessions in memory between requests, served under `principals`'
    /// stamp and dropped everywhere on deletion (announced on `events`). Entries live
    /// at most `ttl` (callers keep it within a quarter of the idle timeout).
    pub fn with_cache(
        mut self,
        principals: Principals,
        events: EventBus,
        ttl: std::time::Duration,
    ) -> Self {
        if !ttl.is_zero() {
            self.cache = Some(SessionCache::new(principals, events, ttl));
        }
        self
    }

    pub fn name(&self) -> &'static str {
        match &self.store {
            Store::Redis(_) => "redis",
            Store::Database(_) => "database",
        }
    }

    /// Delete expired database sessions (Redis expires its own keys).
    pub async fn purge_expired(&self) -> anyhow::Result<usize> {
        let db = match &self.store {
            Store::Redis(s) => &s.db,
            Store::Database(s) => s,
        };
        Ok(db.db.run(rows::delete_expired).await?)
    }
}

impl SessionStore for AppSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        if let Some(state) = self.cache.as_ref().and_then(|c| c.get(key.as_ref())) {
            return Ok(Some(state));
        }
        // Taken before the store is read: a deletion announced meanwhile makes this
        // read's entry stale, so it is never served.
        let stamp = self.cache.as_ref().and_then(SessionCache::stamp);
        let loaded = match &self.store {
            Store::Redis(s) => s.load(key).await,
            Store::Database(s) => s.load(key).await,
        };
        if let (Some(cache), Ok(Some(state))) = (&self.cache, &loaded)
            && super::session::is_signed_in_state(state)
        {
            cache.insert(key.as_ref(), state, stamp);
        }
        match loaded {
            // A store that cannot be reached (the database is down) must not turn every
            // page into a bare 500: the visitor is treated as signed out, and whatever the
            // page needs from the database answers with the accessible 503 page instead.
            Err(LoadError::Other(e)) => {
                tracing::warn!(error = %e, "session store unavailable; treating the visitor as signed out");
                mark_lost();
                Ok(None)
            }
            other => other,
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let saved = match &self.store {
            Store::Redis(s) => s.save(state, ttl).await,
            Store::Database(s) => s.save(state, ttl).await,
        };
        if let Ok(key) = &saved {
            self.extended.insert(key.as_ref().to_owned(), ());
        }
        match saved {
            // Nowhere to store a new session (the database is down, and Redis too when
            // configured): serve the page anyway under a key that leads nowhere, so the
            // visitor gets the page (or its 503) instead of a bare 500; a form posted with
            // it is refused by the CSRF check with an explanation.
            Err(SaveError::Other(e)) => {
                tracing::warn!(error = %e, "session store unavailable; the new session is not kept");
                Ok(generate_session_key())
            }
            other => other,
        }
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let unchanged = SessionKey::try_from(key.as_ref().to_owned())
            .map_err(|e| UpdateError::Other(e.into()))?;
        if let Some(cache) = &self.cache {
            cache.forget(key.as_ref());
        }
        let updated = match &self.store {
            Store::Redis(s) => s.update(key, state, ttl).await,
            Store::Database(s) => s.update(key, state, ttl).await,
        };
        if let Ok(key) = &updated {
            self.extended.insert(key.as_ref().to_owned(), ());
        }
        match updated {
            Err(UpdateError::Other(e)) => {
                tracing::warn!(error = %e, "session store unavailable; a session change is not kept");
                Ok(unchanged)
            }
            other => other,
        }
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        if self.extended.contains_key(key.as_ref()) {
            return Ok(());
        }
        let extended = match &self.store {
            Store::Redis(s) => s.update_ttl(key, ttl).await,
            Store::Database(s) => s.update_ttl(key, ttl).await,
        };
        if extended.is_ok() {
            self.extended.insert(key.as_ref().to_owned(), ());
        }
        // Failing to extend an idle timeout must not fail the request it rides on.
        if let Err(e) = extended {
            tracing::warn!(error = %e, "could not extend a session's expiry");
        }
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        self.extended.invalidate(key.as_ref());
        let deleted = match &self.store {
            Store::Redis(s) => s.delete(key).await,
            Store::Database(s) => s.delete(key).await,
        };
        // Deleted first, announced second: an instance that reads the session after the
        // announcement finds it gone, one that read it before drops its copy.
        if let Some(cache) = &self.cache {
            cache.deleted(key.as_ref()).await;
        }
        deleted
    }
}

/// Redis first, the database while Redis is failing.
#[derive(Clone)]
pub struct RedisWithFallback {
    redis: RedisSessionStore,
    db: DbSessionStore,
    /// The Redis breaker: consulted before, and told about, every Redis call.
    breaker: Arc<CircuitBreaker>,
}

fn is_db_key(key: &SessionKey) -> bool {
    key.as_ref().starts_with(DB_KEY_PREFIX)
}

/// Run a Redis session operation with a time limit; `Err(())` when it timed out.
async fn timed<T>(fut: impl Future<Output = T>) -> Result<T, ()> {
    tokio::time::timeout(COMMAND_TIMEOUT, fut)
        .await
        .map_err(|_| ())
}

impl RedisWithFallback {
    fn redis_failed(&self, permit: Option<Permit<'_>>, what: &str, error: &dyn std::fmt::Display) {
        if let Some(p) = permit {
            p.failure();
        }
        tracing::warn!(error = %error, operation = what, "Redis session store failed; using the database");
    }

    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        if is_db_key(key) {
            return self.db.load(key).await;
        }
        let Ok(permit) = self.breaker.try_acquire() else {
            // The session is out of reach: the visitor starts a new one (signed out).
            mark_lost();
            return Ok(None);
        };
        match timed(self.redis.load(key)).await {
            Err(()) => {
                self.redis_failed(Some(permit), "load", &"timed out");
                mark_lost();
                Ok(None)
            }
            Ok(Err(LoadError::Other(e))) => {
                self.redis_failed(Some(permit), "load", &e);
                mark_lost();
                Ok(None)
            }
            Ok(other) => {
                permit.success();
                other
            }
        }
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        if let Ok(permit) = self.breaker.try_acquire() {
            match timed(self.redis.save(state.clone(), ttl)).await {
                Err(()) => self.redis_failed(Some(permit), "save", &"timed out"),
                Ok(Err(SaveError::Other(e))) => self.redis_failed(Some(permit), "save", &e),
                Ok(other) => {
                    permit.success();
                    return other;
                }
            }
        }
        self.db.save(state, ttl).await
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        if is_db_key(&key) {
            return self.db.update(key, state, ttl).await;
        }
        if let Ok(permit) = self.breaker.try_acquire() {
            match timed(self.redis.update(key, state.clone(), ttl)).await {
                Err(()) => self.redis_failed(Some(permit), "update", &"timed out"),
                Ok(Err(UpdateError::Other(e))) => self.redis_failed(Some(permit), "update", &e),
                Ok(other) => {
                    permit.success();
                    return other;
                }
            }
        }
        // Continue the session in the database under a new key.
        self.db.save(state, ttl).await.map_err(|e| match e {
            SaveError::Serialization(e) => UpdateError::Serialization(e),
            SaveError::Other(e) => UpdateError::Other(e),
        })
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        if is_db_key(key) {
            return self.db.update_ttl(key, ttl).await;
        }
        if let Ok(permit) = self.breaker.try_acquire() {
            match timed(self.redis.update_ttl(key, ttl)).await {
                Err(()) => self.redis_failed(Some(permit), "update_ttl", &"timed out"),
                Ok(Err(e)) => self.redis_failed(Some(permit), "update_ttl", &e),
                Ok(Ok(())) => permit.success(),
            }
        }
        Ok(())
    }

    /// Deleting a Redis session is always attempted, even while the breaker is open, and
    /// its failure is an error: a session that could not be destroyed must not look
    /// destroyed.
    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        if is_db_key(key) {
            return self.db.delete(key).await;
        }
        let permit = self.breaker.try_acquire().ok();
        match timed(self.redis.delete(key)).await {
            Ok(Ok(())) => {
                if let Some(p) = permit {
                    p.success();
                }
                Ok(())
            }
            Ok(Err(e)) => {
                self.redis_failed(permit, "delete", &e);
                Err(e)
            }
            Err(()) => {
                self.redis_failed(permit, "delete", &"timed out");
                Err(anyhow::anyhow!("deleting the session in Redis timed out"))
            }
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
        let key: SessionKey = format!("{DB_KEY_PREFIX}{}", String::from(generate_session_key()))
            .try_into()
            .map_err(|e| SaveError::Other(anyhow::anyhow!("{e}")))?;
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
