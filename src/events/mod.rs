//! Domain events: the original platform's list, typed, and a bus that delivers them to
//! in-process subscribers and (with Redis) to every other instance.
//!
//! - [`Event`] is the whole list (`user.login`, `preferences.updated`, `video.uploaded`
//!   ...), each with its payload (ids and choices, never secrets). It serialises with its
//!   dotted [`Event::name`] as the `event` tag, so the JSON on the wire is stable.
//! - [`EventBus::publish`] never blocks and never fails the caller: it hands the event to
//!   a tokio broadcast channel (every subscriber has its own bounded view of it, so a
//!   slow subscriber only loses events for itself, counted) and, with Redis, to a
//!   bounded queue that one forwarder task sends with `PUBLISH` through the Redis
//!   circuit breaker (dropped and counted when full or while Redis is down).
//! - **Fan-out**: each instance has an `origin` id. Its own events go to its own
//!   subscribers directly (so they work without Redis and while it is down) and to the
//!   Redis channel; the listener ([`fanout::listen`]) delivers events from other origins
//!   and ignores its own echoes. So every instance's subscribers see each event once.
//!   [`Envelope::local`] tells subscribers whether this instance published it: the audit
//!   trail only writes local events, so each event is written once, not once per
//!   instance.
//! - [`EventBus::spawn_subscriber`] runs a handler on its own task; a panic is caught,
//!   logged and counted, and the subscriber goes on with the next event.
//! - [`EventBus::on_delivery`] handlers run synchronously as each event is delivered
//!   (published here or arriving from Redis), and [`EventBus::publish_confirmed`] waits
//!   until every instance that received an event has run them (see [`confirm`]): what
//!   revocation uses, so a revoked token is refused everywhere once sign-out answers.

pub mod confirm;
pub mod fanout;
pub mod subscribers;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::metrics::Metrics;
use crate::redis::Redis;

/// Where an action came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// The JSON API (Bearer tokens).
    Api,
    /// The web pages (browser session).
    Browser,
    /// The `pinkflow` command line (an operator).
    Cli,
}

/// Something that happened, named as in the original platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum Event {
    /// An account was registered.
    #[serde(rename = "user.created")]
    UserCreated { user_id: i32, via: Via },
    /// Stored account data changed (`fields` names the columns, never their values).
    #[serde(rename = "user.updated")]
    UserUpdated {
        user_id: i32,
        fields: Vec<String>,
        via: Via,
    },
    /// An account was deleted. PinkFlow has no account deletion yet: never published.
    #[serde(rename = "user.deleted")]
    UserDeleted { user_id: i32 },
    #[serde(rename = "user.login")]
    UserLogin { user_id: i32, via: Via },
    #[serde(rename = "user.logout")]
    UserLogout { user_id: i32, via: Via },
    #[serde(rename = "video.uploaded")]
    VideoUploaded { video_id: i32, owner_id: i32 },
    #[serde(rename = "video.processing.started")]
    VideoProcessingStarted {
        video_id: i32,
        owner_id: i32,
        attempt: i32,
    },
    #[serde(rename = "video.processing.completed")]
    VideoProcessingCompleted {
        video_id: i32,
        owner_id: i32,
        duration_seconds: f64,
        /// How long the job took (claim to saved result).
        #[serde(default)]
        processing_seconds: f64,
    },
    #[serde(rename = "video.processing.failed")]
    VideoProcessingFailed {
        video_id: i32,
        owner_id: i32,
        reason: String,
        /// True when the job went back to the queue for another attempt.
        will_retry: bool,
    },
    /// A stored video changed in a way lists and pages show (not in the original's list:
    /// added so the catalogue is dropped when a video changes). `change` is one of
    /// `details`, `captions`, `editions`.
    #[serde(rename = "video.updated")]
    VideoUpdated {
        video_id: i32,
        owner_id: i32,
        change: String,
    },
    /// A video was deleted by its owner (not in the original's list).
    #[serde(rename = "video.deleted")]
    VideoDeleted { video_id: i32, owner_id: i32 },
    /// A viewer rated the signing of a video (not in the original's list: it feeds the
    /// sign-language accuracy feedback metric). `rating` is `accurate`, `helpful` or
    /// `inaccurate`; `previous` is the viewer's earlier rating, if this replaced one.
    #[serde(rename = "video.rated")]
    VideoRated {
        video_id: i32,
        user_id: i32,
        sign_language: String,
        rating: String,
        previous: Option<String>,
    },
    /// A person's preferences were saved; `changed` names the preferences that differ.
    #[serde(rename = "preferences.updated")]
    PreferencesUpdated {
        user_id: i32,
        changed: Vec<String>,
        via: Via,
    },
    /// Published with `preferences.updated` only when the density actually changed.
    #[serde(rename = "visual_density.changed")]
    VisualDensityChanged {
        user_id: i32,
        from: u8,
        to: u8,
        via: Via,
    },
    /// A module was granted to an account (`pinkflow user grant`): from then on it is
    /// loaded for that person.
    #[serde(rename = "module.loaded")]
    ModuleLoaded {
        user_id: i32,
        module: String,
        via: Via,
    },
    /// A module was taken away from an account (`pinkflow user revoke`).
    #[serde(rename = "module.unloaded")]
    ModuleUnloaded {
        user_id: i32,
        module: String,
        via: Via,
    },
    /// A module could not be loaded. PinkFlow's modules are compiled in and granted per
    /// account, so nothing loads at run time that could fail: never published.
    #[serde(rename = "module.error")]
    ModuleError { module: String, error: String },
    /// What instances remember about signed-in principals (checked access tokens and
    /// their accounts) must be dropped: a token or family was revoked, or an account
    /// changed (not in the original's list). `user_id` is the account concerned, when
    /// one is.
    #[serde(rename = "auth.principals.invalidated")]
    PrincipalsInvalidated { user_id: Option<i32> },
    /// An account's role changed (not in the original's list). `actor_id` is the admin
    /// who changed it (`None`: an operator, with `pinkflow user role`).
    #[serde(rename = "user.role.changed")]
    RoleChanged {
        user_id: i32,
        from: String,
        to: String,
        actor_id: Option<i32>,
        via: Via,
    },
    /// A viewer reported a video to the moderators (not in the original's list).
    #[serde(rename = "video.reported")]
    VideoReported {
        video_id: i32,
        owner_id: i32,
        reporter_id: i32,
        reason: String,
    },
    /// A moderator or admin acted (not in the original's list): `action` is one of
    /// `dismiss`, `hide`, `restore`, `suspend`, `unsuspend`, `modules`, `quota`;
    /// `user_id` is the account acted on (a video's owner), `actor_id` who acted.
    #[serde(rename = "moderation.action")]
    ModerationAction {
        action: String,
        user_id: i32,
        actor_id: Option<i32>,
        video_id: Option<i32>,
        reason: Option<String>,
        via: Via,
    },
}

impl Event {
    /// Every event name, in the original's order.
    pub const NAMES: [&'static str; 21] = [
        "user.created",
        "user.updated",
        "user.deleted",
        "user.login",
        "user.logout",
        "video.uploaded",
        "video.processing.started",
        "video.processing.completed",
        "video.processing.failed",
        "video.updated",
        "video.deleted",
        "video.rated",
        "preferences.updated",
        "visual_density.changed",
        "module.loaded",
        "module.unloaded",
        "module.error",
        "auth.principals.invalidated",
        "user.role.changed",
        "video.reported",
        "moderation.action",
    ];

    /// The dotted name (`video.processing.started`), also the serialised `event` tag.
    pub fn name(&self) -> &'static str {
        match self {
            Event::UserCreated { .. } => "user.created",
            Event::UserUpdated { .. } => "user.updated",
            Event::UserDeleted { .. } => "user.deleted",
            Event::UserLogin { .. } => "user.login",
            Event::UserLogout { .. } => "user.logout",
            Event::VideoUploaded { .. } => "video.uploaded",
            Event::VideoProcessingStarted { .. } => "video.processing.started",
            Event::VideoProcessingCompleted { .. } => "video.processing.completed",
            Event::VideoProcessingFailed { .. } => "video.processing.failed",
            Event::VideoUpdated { .. } => "video.updated",
            Event::VideoDeleted { .. } => "video.deleted",
            Event::VideoRated { .. } => "video.rated",
            Event::PreferencesUpdated { .. } => "preferences.updated",
            Event::VisualDensityChanged { .. } => "visual_density.changed",
            Event::ModuleLoaded { .. } => "module.loaded",
            Event::ModuleUnloaded { .. } => "module.unloaded",
            Event::ModuleError { .. } => "module.error",
            Event::PrincipalsInvalidated { .. } => "auth.principals.invalidated",
            Event::RoleChanged { .. } => "user.role.changed",
            Event::VideoReported { .. } => "video.reported",
            Event::ModerationAction { .. } => "moderation.action",
        }
    }

    /// The account the event is about, if any.
    pub fn user_id(&self) -> Option<i32> {
        match self {
            Event::UserCreated { user_id, .. }
            | Event::UserUpdated { user_id, .. }
            | Event::UserDeleted { user_id }
            | Event::UserLogin { user_id, .. }
            | Event::UserLogout { user_id, .. }
            | Event::PreferencesUpdated { user_id, .. }
            | Event::VisualDensityChanged { user_id, .. }
            | Event::ModuleLoaded { user_id, .. }
            | Event::ModuleUnloaded { user_id, .. }
            | Event::VideoRated { user_id, .. }
            | Event::RoleChanged { user_id, .. }
            | Event::ModerationAction { user_id, .. } => Some(*user_id),
            Event::VideoUploaded { owner_id, .. }
            | Event::VideoProcessingStarted { owner_id, .. }
            | Event::VideoProcessingCompleted { owner_id, .. }
            | Event::VideoProcessingFailed { owner_id, .. }
            | Event::VideoUpdated { owner_id, .. }
            | Event::VideoDeleted { owner_id, .. }
            | Event::VideoReported { owner_id, .. } => Some(*owner_id),
            Event::PrincipalsInvalidated { user_id } => *user_id,
            Event::ModuleError { .. } => None,
        }
    }
}

/// An event as delivered: who published it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The publishing process's id (random per process).
    pub origin: String,
    /// When it was published (UTC).
    pub at: chrono::NaiveDateTime,
    pub event: Event,
    /// True when this process published it (not serialised: set on delivery).
    #[serde(skip)]
    pub local: bool,
}

impl std::ops::Deref for Envelope {
    type Target = Event;
    fn deref(&self) -> &Event {
        &self.event
    }
}

/// Anything events can be published to.
pub trait Publish: Send + Sync {
    /// Publish without blocking; never fails the caller.
    fn publish(&self, event: Event);
}

/// How many events wait for the Redis forwarder before new ones are dropped.
const REMOTE_QUEUE: usize = 1024;

/// A handler run synchronously on delivery (see [`EventBus::on_delivery`]).
type DeliveryHandler = Box<dyn Fn(&Event) + Send + Sync>;

struct Inner {
    origin: String,
    sender: broadcast::Sender<Envelope>,
    remote: Option<mpsc::Sender<String>>,
    remote_dropped: AtomicU64,
    /// Redis and the channel, for confirmed events and acknowledgements.
    redis: Option<(Redis, String)>,
    handlers: RwLock<Vec<DeliveryHandler>>,
    confirm: confirm::Confirmations,
}

/// The bus: cheap to clone, many subscribers.
#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("origin", &self.inner.origin)
            .field("redis", &self.inner.remote.is_some())
            .finish()
    }
}

/// The Redis channel events travel on, namespaced like the cache keys.
pub fn channel(prefix: &str) -> String {
    format!("{prefix}:events")
}

impl EventBus {
    /// An in-process bus; each subscriber may fall up to `capacity` events behind.
    pub fn new(capacity: usize) -> Self {
        Self::build(capacity, None)
    }

    /// A bus that also publishes to `channel` on Redis (through its breaker). Must be
    /// called inside a tokio runtime (it starts the forwarder task).
    pub fn with_redis(capacity: usize, redis: Redis, channel: String) -> Self {
        let (tx, rx) = mpsc::channel(REMOTE_QUEUE);
        tokio::spawn(forward(rx, redis.clone(), channel.clone()));
        Self::build(capacity, Some((tx, redis, channel)))
    }

    fn build(capacity: usize, remote: Option<(mpsc::Sender<String>, Redis, String)>) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        let linked = remote.is_some();
        let (remote, redis) = match remote {
            Some((tx, redis, channel)) => (Some(tx), Some((redis, channel))),
            None => (None, None),
        };
        EventBus {
            inner: Arc::new(Inner {
                origin: uuid::Uuid::new_v4().simple().to_string(),
                sender,
                remote,
                remote_dropped: AtomicU64::new(0),
                redis,
                handlers: RwLock::new(Vec::new()),
                confirm: confirm::Confirmations::new(linked),
            }),
        }
    }

    /// Run `handler` synchronously for every event as it is delivered here (published
    /// by this instance, or arriving from another), before subscribers see it. For
    /// cheap, non-blocking work that must be done before an instance acknowledges a
    /// confirmed event (dropping cached principals); anything else is a subscriber.
    pub fn on_delivery(&self, handler: impl Fn(&Event) + Send + Sync + 'static) {
        if let Ok(mut handlers) = self.inner.handlers.write() {
            handlers.push(Box::new(handler));
        }
    }

    fn run_handlers(&self, event: &Event) {
        if let Ok(handlers) = self.inner.handlers.read() {
            for handler in handlers.iter() {
                handler(event);
            }
        }
    }

    fn envelope(&self, event: Event) -> Envelope {
        Envelope {
            origin: self.inner.origin.clone(),
            at: crate::db::now(),
            event,
            local: true,
        }
    }

    /// This process's origin id.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// Receive every event delivered from now on (local and from other instances).
    pub fn subscribe(&self) -> broadcast::Receiver<Envelope> {
        self.inner.sender.subscribe()
    }

    /// Events that could not be handed to the Redis forwarder (queue full).
    pub fn remote_dropped(&self) -> u64 {
        self.inner.remote_dropped.load(Ordering::Relaxed)
    }

    /// Deliver an event that arrived from Redis; echoes of our own are ignored.
    /// Returns true when it was delivered.
    pub fn deliver_remote(&self, mut envelope: Envelope) -> bool {
        if envelope.origin == self.inner.origin {
            return false;
        }
        envelope.local = false;
        self.run_handlers(&envelope.event);
        let _ = self.inner.sender.send(envelope);
        true
    }

    /// Run `handler` for every event on its own task. The handler may be slow (it only
    /// falls behind itself: skipped events are logged and counted) or panic (logged,
    /// counted, and the next event is handled as usual); the publisher never waits.
    pub fn spawn_subscriber<F, Fut>(
        &self,
        name: &'static str,
        metrics: Option<Metrics>,
        handler: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: Fn(Envelope) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut rx = self.subscribe();
        if let Some(m) = &metrics {
            m.register_subscriber(name);
        }
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(envelope) => {
                        let event = envelope.event.name();
                        let run = AssertUnwindSafe(async { handler(envelope).await });
                        if run.catch_unwind().await.is_err() {
                            tracing::error!(
                                subscriber = name,
                                event,
                                "event subscriber panicked; it goes on with the next event"
                            );
                            if let Some(m) = &metrics {
                                m.record_subscriber_panic(name);
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(subscriber = name, skipped = n, "event subscriber lagged");
                        if let Some(m) = &metrics {
                            m.record_events_lagged(name, n);
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        })
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
        let envelope = self.envelope(event);
        self.run_handlers(&envelope.event);
        if let Some(remote) = &self.inner.remote {
            match serde_json::to_string(&envelope) {
                Ok(json) => {
                    if remote.try_send(json).is_err() {
                        self.inner.remote_dropped.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(
                            event = envelope.event.name(),
                            "event not sent to other instances: the Redis queue is full"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "event could not be serialised"),
            }
        }
        // An error only means nobody is listening right now.
        let _ = self.inner.sender.send(envelope);
    }
}

/// Send queued events to Redis in order, one `PUBLISH` each, through the breaker.
async fn forward(mut rx: mpsc::Receiver<String>, redis: Redis, channel: String) {
    use deadpool_redis::redis::cmd;
    while let Some(json) = rx.recv().await {
        let sent: Result<i64, _> = redis.query(cmd("PUBLISH").arg(&channel).arg(&json)).await;
        match sent {
            Ok(_) => {}
            Err(crate::redis::RedisError::Open(_)) => {
                tracing::debug!("event not sent to other instances: Redis breaker open")
            }
            Err(e) => tracing::warn!(error = %e, "event not sent to other instances"),
        }
    }
}

#[cfg(test)]
mod tests;
