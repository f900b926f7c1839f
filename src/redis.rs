//! The one Redis handle: the shared pool, the Redis circuit breaker and a short timeout
//! on every command. Every Redis caller goes through it (or, like the session store,
//! consults and feeds the same breaker), so there is exactly one place that decides
//! "Redis is down"; while it is, callers use their in-process or database fallback.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use deadpool_redis::redis::{self, FromRedisValue};
use secrecy::{ExposeSecret, SecretString};

use crate::resilience::{BreakerOpen, CircuitBreaker};

/// Longest a single command (including getting a connection) may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(750);

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error(transparent)]
    Open(#[from] BreakerOpen),
    #[error("Redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("Redis: {0}")]
    Failed(String),
}

#[derive(Clone)]
pub struct Redis {
    pool: deadpool_redis::Pool,
    breaker: Arc<CircuitBreaker>,
    timeout: Duration,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("breaker", &self.breaker)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// A pool for `url` (no connection is made yet) behind `breaker`.
    pub fn connect(url: &SecretString, breaker: Arc<CircuitBreaker>) -> anyhow::Result<Self> {
        let pool = deadpool_redis::Config::from_url(url.expose_secret())
            .builder()
            .context("REDIS_URL")?
            .max_size(32)
            .wait_timeout(Some(Duration::from_secs(2)))
            .create_timeout(Some(Duration::from_secs(2)))
            .recycle_timeout(Some(Duration::from_secs(2)))
            .runtime(deadpool_redis::Runtime::Tokio1)
            .build()
            .context("REDIS_URL")?;
        Ok(Redis {
            pool,
            breaker,
            timeout: COMMAND_TIMEOUT,
        })
    }

    /// The pool, for libraries that need one (the session store); such callers must
    /// consult and feed [`Redis::breaker`] themselves.
    pub fn pool(&self) -> &deadpool_redis::Pool {
        &self.pool
    }

    pub fn breaker(&self) -> &Arc<CircuitBreaker> {
        &self.breaker
    }

    /// Run one command (or a pipeline, through [`Redis::pipe`]) under the breaker.
    pub async fn query<T: FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, RedisError> {
        self.guarded(async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            cmd.query_async(&mut conn).await.map_err(|e| e.to_string())
        })
        .await
    }

    pub async fn pipe<T: FromRedisValue>(&self, pipe: &redis::Pipeline) -> Result<T, RedisError> {
        self.guarded(async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            pipe.query_async(&mut conn).await.map_err(|e| e.to_string())
        })
        .await
    }

    async fn guarded<T>(
        &self,
        fut: impl Future<Output = Result<T, String>>,
    ) -> Result<T, RedisError> {
        let permit = self.breaker.try_acquire()?;
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(v)) => {
                permit.success();
                Ok(v)
            }
            Ok(Err(e)) => {
                permit.failure();
                Err(RedisError::Failed(e))
            }
            Err(_) => {
                permit.failure();
                Err(RedisError::Timeout(self.timeout))
            }
        }
    }

    /// `PING`, for readiness.
    pub async fn ping(&self) -> Result<(), RedisError> {
        let _: String = self.query(&redis::cmd("PING")).await?;
        Ok(())
    }
}

/// For unit tests: a client of a Redis that is not there (a port nothing listens on), so
/// every command fails at once; its breaker opens after two failures.
#[cfg(test)]
pub(crate) fn unreachable_for_tests() -> (Redis, Arc<CircuitBreaker>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(1);
    let url = SecretString::from(format!("redis://127.0.0.1:{port}"));
    let breaker = Arc::new(CircuitBreaker::new(
        "redis",
        2,
        std::time::Duration::from_secs(60),
    ));
    let redis = match Redis::connect(&url, breaker.clone()) {
        Ok(redis) => redis,
        Err(e) => panic!("a pool for an unreachable Redis is still built: {e}"),
    };
    (redis, breaker)
}
