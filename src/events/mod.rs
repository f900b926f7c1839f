//! In-process domain events.
//!
//! A typed [`Event`] enum and an [`EventBus`] built on a tokio broadcast channel:
//! publishing never blocks and never fails the caller (with no subscriber, or a slow
//! one that lags, events are simply dropped for it). A later issue can add more event
//! kinds, or a publisher that forwards to Redis, behind the [`Publish`] trait.

use serde::Serialize;
use tokio::sync::broadcast;

/// Something that happened, named as in the original platform (`video.uploaded`…).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    VideoUploaded {
        video_id: i32,
        owner_id: i32,
    },
    VideoProcessingStarted {
        video_id: i32,
        owner_id: i32,
        attempt: i32,
    },
    VideoProcessingCompleted {
        video_id: i32,
        owner_id: i32,
        duration_seconds: f64,
    },
    VideoProcessingFailed {
        video_id: i32,
        owner_id: i32,
        reason: String,
        /// True when the job went back to the queue for another attempt.
        will_retry: bool,
    },
}

impl Event {
    /// The dotted name (`video.processing.started`).
    pub fn name(&self) -> &'static str {
        match self {
            Event::VideoUploaded { .. } => "video.uploaded",
            Event::VideoProcessingStarted { .. } => "video.processing.started",
            Event::VideoProcessingCompleted { .. } => "video.processing.completed",
            Event::VideoProcessingFailed { .. } => "video.processing.failed",
        }
    }
}

/// Anything events can be published to.
pub trait Publish: Send + Sync {
    /// Publish without blocking; never fails the caller.
    fn publish(&self, event: Event);
}

/// The in-process bus: cheap to clone, many subscribers.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
}

impl EventBus {
    /// A bus that keeps up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        EventBus { sender }
    }

    /// Receive every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus::new(1024)
    }
}

impl Publish for EventBus {
    fn publish(&self, event: Event) {
        tracing::info!(event = event.name(), details = ?event, "event");
        // An error only means nobody is listening right now.
        let _ = self.sender.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_receive_events_and_publishing_without_them_is_fine() {
        let bus = EventBus::new(4);
        bus.publish(Event::VideoUploaded {
            video_id: 1,
            owner_id: 2,
        });
        let mut rx = bus.subscribe();
        let event = Event::VideoProcessingStarted {
            video_id: 1,
            owner_id: 2,
            attempt: 1,
        };
        bus.publish(event.clone());
        assert_eq!(rx.recv().await.unwrap(), event);
        assert_eq!(event.name(), "video.processing.started");
        // A subscriber that falls behind loses old events; the publisher never waits.
        for i in 0..10 {
            bus.publish(Event::VideoUploaded {
                video_id: i,
                owner_id: 2,
            });
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
    }

    #[test]
    fn events_serialise_with_their_kind() {
        let json = serde_json::to_value(Event::VideoProcessingFailed {
            video_id: 3,
            owner_id: 4,
            reason: "bad".into(),
            will_retry: false,
        })
        .unwrap();
        assert_eq!(json["event"], "video_processing_failed");
        assert_eq!(json["reason"], "bad");
    }
}
