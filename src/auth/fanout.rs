//! Cross-instance invalidation of the principal cache through Redis pub/sub: an instance
//! that revokes a token or changes an account publishes on [`CHANNEL`], and every
//! instance (itself included) forgets its cached principals. Without Redis, or while it
//! is unreachable, `AUTH_CACHE_TTL` still bounds how long another instance may lag.

use std::time::Duration;

use deadpool_redis::redis;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};

use super::AuthService;
use crate::redis::{Redis, RedisError};

pub const CHANNEL: &str = "pinkflow:auth:invalidate";

/// Publish an invalidation, in the background: callers never wait on Redis. Goes through
/// the Redis circuit breaker: while Redis is down nothing is sent, and other instances
/// rely on `AUTH_CACHE_TTL` (their listener also clears the cache when it reconnects).
pub fn publish(redis: &Redis) {
    let redis = redis.clone();
    tokio::spawn(async move {
        let sent: Result<i64, _> = redis
            .query(redis::cmd("PUBLISH").arg(CHANNEL).arg("all"))
            .await;
        match sent {
            Ok(_) => {}
            // The breaker already logged the outage once.
            Err(RedisError::Open(_)) => {
                tracing::debug!("cache invalidation not published: Redis breaker open")
            }
            Err(e) => tracing::warn!(error = %e, "could not publish a cache invalidation"),
        }
    });
}

/// Publish one invalidation and wait for it (for the CLI, which has no pool).
pub async fn publish_once(url: &SecretString) -> anyhow::Result<()> {
    let client = redis::Client::open(url.expose_secret())?;
    let mut conn = tokio::time::timeout(
        Duration::from_secs(2),
        client.get_multiplexed_async_connection(),
    )
    .await
    .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
    let _: i64 = redis::cmd("PUBLISH")
        .arg(CHANNEL)
        .arg("all")
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// Listen for invalidations until the task is aborted, reconnecting with back-off.
/// After every (re)connection the cache is cleared, since messages may have been missed.
pub async fn listen(url: SecretString, auth: AuthService) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match subscribe(&url).await {
            Ok(mut stream) => {
                auth.forget_principals();
                backoff = Duration::from_millis(200);
                while stream.next().await.is_some() {
                    auth.forget_principals();
                }
                tracing::warn!("auth invalidation subscription ended; reconnecting");
            }
            Err(e) => tracing::debug!(error = %e, "auth invalidation subscription failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn subscribe(url: &SecretString) -> anyhow::Result<redis::aio::PubSubStream> {
    let client = redis::Client::open(url.expose_secret())?;
    let mut pubsub = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
        .await
        .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
    pubsub.subscribe(CHANNEL).await?;
    Ok(pubsub.into_on_message())
}
