//! Events from other instances: a Redis pub/sub listener on the bus's channel that
//! reconnects with back-off (like [`crate::auth::fanout`]). Events published while this
//! instance was disconnected are not replayed: subscribers here act on what they see
//! (the cache's shared versions live in Redis anyway; audit rows are written by the
//! publisher).

use std::time::Duration;

use deadpool_redis::redis;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};

use super::{Envelope, EventBus};

/// Listen on `channel` until the task is aborted, delivering other instances' events.
pub async fn listen(url: SecretString, channel: String, bus: EventBus) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match subscribe(&url, &channel).await {
            Ok(mut stream) => {
                backoff = Duration::from_millis(200);
                tracing::debug!(channel, "listening for events from other instances");
                while let Some(msg) = stream.next().await {
                    let payload: String = match msg.get_payload() {
                        Ok(p) => p,
                        Err(e) => {
                            tracing::warn!(error = %e, "unreadable event message");
                            continue;
                        }
                    };
                    match serde_json::from_str::<Envelope>(&payload) {
                        Ok(envelope) => {
                            bus.deliver_remote(envelope);
                        }
                        // A newer instance may publish kinds this one does not know.
                        Err(e) => tracing::warn!(error = %e, "unknown event message ignored"),
                    }
                }
                tracing::warn!("event subscription ended; reconnecting");
            }
            Err(e) => tracing::debug!(error = %e, "event subscription failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn subscribe(url: &SecretString, channel: &str) -> anyhow::Result<redis::aio::PubSubStream> {
    let client = redis::Client::open(url.expose_secret())?;
    let mut pubsub = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
        .await
        .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
    pubsub.subscribe(channel).await?;
    Ok(pubsub.into_on_message())
}

/// Publish one event and wait for it (for the CLI, which runs no bus).
pub async fn publish_once(
    url: &SecretString,
    channel: &str,
    envelope: &Envelope,
) -> anyhow::Result<()> {
    let client = redis::Client::open(url.expose_secret())?;
    let mut conn = tokio::time::timeout(
        Duration::from_secs(2),
        client.get_multiplexed_async_connection(),
    )
    .await
    .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
    let _: i64 = redis::cmd("PUBLISH")
        .arg(channel)
        .arg(serde_json::to_string(envelope)?)
        .query_async(&mut conn)
        .await?;
    Ok(())
}
