//! Events from other instances: the one Redis pub/sub listener, on the bus's channel
//! and on this instance's acknowledgement channel (see [`super::confirm`]), reconnecting
//! with back-off. Events published while this instance was disconnected are not
//! replayed: subscribers here act on what they see (the cache's shared versions live in
//! Redis anyway; audit rows are written by the publisher), and the bus's link state
//! tells caches that they may have missed something (the principal cache is dropped and
//! bypassed until the listener is subscribed again).

use std::time::Duration;

use deadpool_redis::redis;
use futures_util::StreamExt;
use secrecy::{ExposeSecret, SecretString};

use super::confirm::ack_channel;
use super::{Envelope, EventBus};

/// An event as sent on the channel: the envelope, plus an acknowledgement id when the
/// publisher waits for it.
#[derive(serde::Deserialize)]
struct AckRequest {
    #[serde(default)]
    ack: Option<String>,
}

/// Listen on `channel` until the task is aborted, delivering other instances' events and
/// acknowledging confirmed ones (after the bus's delivery handlers ran).
pub async fn listen(url: SecretString, channel: String, bus: EventBus) {
    let acks = ack_channel(&channel, bus.origin());
    let mut backoff = Duration::from_millis(200);
    loop {
        match subscribe(&url, &[&channel, &acks]).await {
            Ok(mut stream) => {
                bus.set_link(true);
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
                    if msg.get_channel_name() == acks {
                        bus.acknowledged(&payload);
                        continue;
                    }
                    match serde_json::from_str::<Envelope>(&payload) {
                        Ok(envelope) => {
                            let origin = envelope.origin.clone();
                            // Our own echo was applied when it was published.
                            bus.deliver_remote(envelope);
                            if let Ok(AckRequest { ack: Some(id) }) = serde_json::from_str(&payload)
                            {
                                bus.send_ack(&origin, id);
                            }
                        }
                        // A newer instance may publish kinds this one does not know.
                        Err(e) => tracing::warn!(error = %e, "unknown event message ignored"),
                    }
                }
                bus.set_link(false);
                tracing::warn!("event subscription ended; reconnecting");
            }
            Err(e) => tracing::debug!(error = %e, "event subscription failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}

async fn subscribe(
    url: &SecretString,
    channels: &[&str],
) -> anyhow::Result<redis::aio::PubSubStream> {
    let client = redis::Client::open(url.expose_secret())?;
    let mut pubsub = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub())
        .await
        .map_err(|_| anyhow::anyhow!("timed out connecting to Redis"))??;
    for channel in channels {
        pubsub.subscribe(*channel).await?;
    }
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
