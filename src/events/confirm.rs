//! Confirmed events and the state of the link to other instances.
//!
//! **Confirmed events.** [`EventBus::publish_confirmed`] delivers the event here (its
//! [`EventBus::on_delivery`] handlers run at once), then `PUBLISH`es it on the Redis
//! channel itself, with an acknowledgement id, and learns from Redis how many listeners
//! received it. Each listener (this instance's own included) runs its delivery handlers
//! and answers on the publisher's acknowledgement channel
//! (`<channel>:ack:<origin>`, which the publisher's listener also follows). The publisher
//! waits until as many acknowledgements as receivers have come back, or the time limit
//! passes. So when sign-out answers, every instance that Redis reached has already
//! dropped what it remembered about the token.
//!
//! **Link state.** With Redis, an instance hears other instances' events only while its
//! listener is subscribed. [`EventBus::link`] says whether it is, and counts every
//! connect and disconnect (the epoch): whatever was remembered under an older epoch may
//! have missed an event, so callers that cache (the principal cache) stop using it while
//! the link is down and drop it when the epoch changes. A bus without Redis is always
//! linked (there is nobody else to hear from).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_redis::redis::cmd;
use tokio::sync::Notify;

use super::{Event, EventBus};

/// The channel on which `origin` receives acknowledgements of its confirmed events.
pub fn ack_channel(channel: &str, origin: &str) -> String {
    format!("{channel}:ack:{origin}")
}

#[derive(Default)]
struct Waiter {
    acked: AtomicUsize,
    notify: Notify,
}

/// Open confirmations and the link state (part of the bus).
pub(super) struct Confirmations {
    waiting: Mutex<HashMap<String, Arc<Waiter>>>,
    /// `epoch << 1 | up`.
    link: AtomicU64,
}

impl Confirmations {
    /// `remote`: the bus talks to other instances through Redis (then the link starts
    /// down, until its listener has subscribed).
    pub(super) fn new(remote: bool) -> Self {
        Confirmations {
            waiting: Mutex::new(HashMap::new()),
            link: AtomicU64::new(u64::from(!remote)),
        }
    }

    fn remove(&self, id: &str) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.remove(id);
        }
    }
}

/// Whether the listener hears other instances, and how often that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub up: bool,
    pub epoch: u64,
}

/// How a confirmed event went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmed {
    /// Delivered here only: there is no Redis (no other instance to tell).
    Local,
    /// Every receiver acknowledged (`receivers` includes this instance's own listener).
    All { receivers: usize },
    /// The time limit passed with `acked` of `receivers` acknowledgements.
    Partial { acked: usize, receivers: usize },
    /// It could not be sent through Redis (down, or its breaker open).
    NotSent,
}

impl EventBus {
    /// The link to other instances (see the module documentation).
    pub fn link(&self) -> Link {
        let v = self.inner.confirm.link.load(Ordering::Acquire);
        Link {
            up: v & 1 == 1,
            epoch: v >> 1,
        }
    }

    /// Called by the listener when it has subscribed (`true`) or lost its subscription.
    pub(super) fn set_link(&self, up: bool) {
        let link = &self.inner.confirm.link;
        let mut current = link.load(Ordering::Acquire);
        loop {
            let next = (((current >> 1) + 1) << 1) | u64::from(up);
            match link.compare_exchange(current, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }

    /// Publish `event` and wait, at most `within`, until every instance that received it
    /// has run its delivery handlers. Never fails the caller: the outcome says how far
    /// it got (and is logged when not everyone answered).
    pub async fn publish_confirmed(&self, event: Event, within: Duration) -> Confirmed {
        tracing::info!(event = event.name(), details = ?event, "event (confirmed)");
        let envelope = self.envelope(event);
        self.run_handlers(&envelope.event);
        let Some((redis, channel)) = &self.inner.redis else {
            let _ = self.inner.sender.send(envelope);
            return Confirmed::Local;
        };
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut wire = match serde_json::to_value(&envelope) {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "event could not be serialised");
                return Confirmed::NotSent;
            }
        };
        wire["ack"] = serde_json::Value::String(id.clone());
        let name = envelope.event.name();
        let _ = self.inner.sender.send(envelope);
        let waiter = Arc::new(Waiter::default());
        if let Ok(mut waiting) = self.inner.confirm.waiting.lock() {
            waiting.insert(id.clone(), waiter.clone());
        }
        let sent: Result<i64, _> = redis
            .query(cmd("PUBLISH").arg(channel).arg(wire.to_string()))
            .await;
        let receivers = match sent {
            Ok(n) => usize::try_from(n).unwrap_or(0),
            Err(e) => {
                self.inner.confirm.remove(&id);
                tracing::warn!(error = %e, event = name, "confirmed event not sent to other instances");
                return Confirmed::NotSent;
            }
        };
        let deadline = tokio::time::Instant::now() + within;
        let outcome = loop {
            let acked = waiter.acked.load(Ordering::Acquire);
            if acked >= receivers {
                break Confirmed::All { receivers };
            }
            if tokio::time::timeout_at(deadline, waiter.notify.notified())
                .await
                .is_err()
            {
                let acked = waiter.acked.load(Ordering::Acquire);
                if acked >= receivers {
                    break Confirmed::All { receivers };
                }
                tracing::warn!(
                    event = name,
                    acked,
                    receivers,
                    "not every instance acknowledged a confirmed event in time"
                );
                break Confirmed::Partial { acked, receivers };
            }
        };
        self.inner.confirm.remove(&id);
        outcome
    }

    /// An acknowledgement arrived on our acknowledgement channel.
    pub(super) fn acknowledged(&self, id: &str) {
        let waiter = self
            .inner
            .confirm
            .waiting
            .lock()
            .ok()
            .and_then(|w| w.get(id).cloned());
        if let Some(waiter) = waiter {
            waiter.acked.fetch_add(1, Ordering::AcqRel);
            waiter.notify.notify_one();
        }
    }

    /// Tell `origin` that its event `id` was applied here (in the background).
    pub(super) fn send_ack(&self, origin: &str, id: String) {
        let Some((redis, channel)) = self.inner.redis.clone() else {
            return;
        };
        let to = ack_channel(&channel, origin);
        tokio::spawn(async move {
            let sent: Result<i64, _> = redis.query(cmd("PUBLISH").arg(&to).arg(&id)).await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not acknowledge a confirmed event");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Publish;

    #[tokio::test]
    async fn without_redis_a_confirmed_event_is_delivered_here_and_the_link_is_up() {
        let bus = EventBus::new(8);
        assert_eq!(bus.link(), Link { up: true, epoch: 0 });
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = seen.clone();
        bus.on_delivery(move |e| {
            if matches!(e, Event::PrincipalsInvalidated { .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let mut rx = bus.subscribe();
        let outcome = bus
            .publish_confirmed(
                Event::PrincipalsInvalidated { user_id: Some(1) },
                Duration::from_millis(50),
            )
            .await;
        assert_eq!(outcome, Confirmed::Local);
        assert_eq!(
            seen.load(Ordering::SeqCst),
            1,
            "handlers ran before it returned"
        );
        assert!(rx.try_recv().is_ok(), "subscribers see it too");
        bus.publish(Event::PrincipalsInvalidated { user_id: None });
        assert_eq!(
            seen.load(Ordering::SeqCst),
            2,
            "plain publishing runs them too"
        );
    }

    #[tokio::test]
    async fn the_link_counts_every_change() {
        let (redis, _) = crate::redis::unreachable_for_tests();
        let bus = EventBus::with_redis(8, redis, "unit:events".into());
        assert_eq!(
            bus.link(),
            Link {
                up: false,
                epoch: 0
            },
            "down until subscribed"
        );
        bus.set_link(true);
        assert_eq!(bus.link(), Link { up: true, epoch: 1 });
        bus.set_link(false);
        assert_eq!(
            bus.link(),
            Link {
                up: false,
                epoch: 2
            }
        );
        // Nothing listens on that port: the event cannot be sent, and the caller is told.
        let outcome = bus
            .publish_confirmed(
                Event::PrincipalsInvalidated { user_id: None },
                Duration::from_millis(50),
            )
            .await;
        assert_eq!(outcome, Confirmed::NotSent);
    }
}
