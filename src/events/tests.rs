//! Unit tests of the event bus: delivery, serialisation, echoes, back-pressure.

use super::*;
use std::time::Duration;

fn login(user_id: i32) -> Event {
    Event::UserLogin {
        user_id,
        via: Via::Api,
    }
}

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
    let got = rx.recv().await.unwrap();
    assert_eq!(got.event, event);
    assert!(got.local);
    assert_eq!(got.origin, bus.origin());
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

fn samples() -> Vec<Event> {
    vec![
        Event::UserCreated {
            user_id: 1,
            via: Via::Browser,
        },
        Event::UserUpdated {
            user_id: 1,
            fields: vec!["authorized_modules".into()],
            via: Via::Cli,
        },
        Event::UserDeleted { user_id: 1 },
        login(1),
        Event::UserLogout {
            user_id: 1,
            via: Via::Browser,
        },
        Event::VideoUploaded {
            video_id: 2,
            owner_id: 1,
        },
        Event::VideoProcessingStarted {
            video_id: 2,
            owner_id: 1,
            attempt: 1,
        },
        Event::VideoProcessingCompleted {
            video_id: 2,
            owner_id: 1,
            duration_seconds: 1.5,
            processing_seconds: 0.25,
        },
        Event::VideoProcessingFailed {
            video_id: 2,
            owner_id: 1,
            reason: "bad".into(),
            will_retry: false,
        },
        Event::VideoUpdated {
            video_id: 2,
            owner_id: 1,
            change: "details".into(),
        },
        Event::VideoDeleted {
            video_id: 2,
            owner_id: 1,
        },
        Event::VideoRated {
            video_id: 2,
            user_id: 3,
            sign_language: "BSL".into(),
            rating: "accurate".into(),
            previous: None,
        },
        Event::PreferencesUpdated {
            user_id: 1,
            changed: vec!["visual_density".into()],
            via: Via::Api,
        },
        Event::VisualDensityChanged {
            user_id: 1,
            from: 3,
            to: 1,
            via: Via::Api,
        },
        Event::ModuleLoaded {
            user_id: 1,
            module: "video".into(),
            via: Via::Cli,
        },
        Event::ModuleUnloaded {
            user_id: 1,
            module: "video".into(),
            via: Via::Cli,
        },
        Event::ModuleError {
            module: "video".into(),
            error: "x".into(),
        },
        Event::PrincipalsInvalidated { user_id: Some(1) },
        Event::RoleChanged {
            user_id: 1,
            from: "member".into(),
            to: "admin".into(),
            actor_id: None,
            via: Via::Cli,
        },
        Event::VideoReported {
            video_id: 2,
            owner_id: 1,
            reporter_id: 3,
            reason: "other".into(),
        },
        Event::ModerationAction {
            action: "hide".into(),
            user_id: 1,
            actor_id: Some(4),
            video_id: Some(2),
            reason: Some("spam".into()),
            via: Via::Browser,
        },
    ]
}

#[test]
fn every_event_round_trips_through_json_under_its_dotted_name() {
    let events = samples();
    let names: Vec<&str> = events.iter().map(Event::name).collect();
    assert_eq!(names, Event::NAMES, "one sample per event, in order");
    let original = Event::NAMES
        .iter()
        .filter(|n| {
            ![
                "video.updated",
                "video.deleted",
                "video.rated",
                "auth.principals.invalidated",
                "user.role.changed",
                "video.reported",
                "moderation.action",
            ]
            .contains(n)
        })
        .count();
    assert_eq!(original, 14, "the original's fourteen, plus seven");
    for event in events {
        let envelope = Envelope {
            origin: "o".into(),
            at: crate::db::now(),
            event,
            local: true,
        };
        let json = serde_json::to_value(&envelope).unwrap();
        assert_eq!(json["event"]["event"], envelope.event.name());
        let back: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(back.event, envelope.event);
        assert!(!back.local, "locality is never taken from the wire");
    }
}

#[test]
fn own_echoes_are_ignored_and_others_delivered_as_remote() {
    let bus = EventBus::new(8);
    let mut rx = bus.subscribe();
    let mine = Envelope {
        origin: bus.origin().to_owned(),
        at: crate::db::now(),
        event: login(1),
        local: false,
    };
    assert!(!bus.deliver_remote(mine.clone()));
    let theirs = Envelope {
        origin: "elsewhere".into(),
        local: true,
        ..mine
    };
    assert!(bus.deliver_remote(theirs));
    let got = rx.try_recv().unwrap();
    assert_eq!(got.origin, "elsewhere");
    assert!(!got.local);
    assert!(rx.try_recv().is_err(), "exactly once");
}

#[tokio::test]
async fn with_redis_unreachable_publishing_neither_blocks_nor_loses_local_delivery() {
    // Nothing listens on this port: every PUBLISH fails, then the breaker opens.
    let (redis, breaker) = crate::redis::unreachable_for_tests();
    let bus = EventBus::with_redis(4096, redis, channel("unit"));
    let mut rx = bus.subscribe();
    let started = std::time::Instant::now();
    for i in 0..3000 {
        bus.publish(login(i));
    }
    assert!(started.elapsed() < Duration::from_millis(500));
    let mut delivered = 0;
    while rx.try_recv().is_ok() {
        delivered += 1;
    }
    assert_eq!(delivered, 3000, "local subscribers get everything");
    assert!(bus.remote_dropped() > 0, "the Redis queue is bounded");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        breaker.snapshot().state,
        crate::resilience::BreakerState::Open,
        "failures went through the breaker"
    );
}

#[tokio::test]
async fn a_slow_or_panicking_subscriber_stalls_nobody_and_order_is_kept() {
    let bus = EventBus::new(16);
    let metrics = Metrics::new();
    // Takes far longer per event than the publisher takes for all of them.
    bus.spawn_subscriber("slow", Some(metrics.clone()), |_| async {
        tokio::time::sleep(Duration::from_millis(100)).await
    });
    // Panics on every other event.
    bus.spawn_subscriber("panicky", Some(metrics.clone()), |e| async move {
        if e.user_id().unwrap_or(0) % 2 == 0 {
            panic!("subscriber bug");
        }
    });
    let (tx, mut seen) = mpsc::unbounded_channel();
    bus.spawn_subscriber("ordered", None, move |e| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(e.user_id().unwrap());
        }
    });
    tokio::task::yield_now().await;
    let started = std::time::Instant::now();
    for i in 0..100 {
        bus.publish(login(i));
    }
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "publishing never waits for subscribers"
    );
    let mut got = Vec::new();
    while got.len() < 16 {
        match tokio::time::timeout(Duration::from_secs(2), seen.recv()).await {
            Ok(Some(id)) => got.push(id),
            _ => break,
        }
    }
    // The ordered subscriber may lag (capacity 16) but never reorders.
    assert!(!got.is_empty());
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    // Later events still arrive after the panics, whatever the slow subscriber does.
    bus.publish(login(1001));
    let last = loop {
        match tokio::time::timeout(Duration::from_secs(2), seen.recv()).await {
            Ok(Some(1001)) => break true,
            Ok(Some(_)) => continue,
            _ => break false,
        }
    };
    assert!(last, "the ordered subscriber kept going");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let text = metrics.render();
    assert!(
        text.contains(r#"pinkflow_event_subscriber_panics_total{subscriber="panicky"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#"pinkflow_events_lagged_total{subscriber="slow"}"#),
        "{text}"
    );
}
