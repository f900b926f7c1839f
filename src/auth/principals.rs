//! The principal cache: recently authenticated access tokens (`jti` → user) and the
//! accounts behind browser sessions (user id → user), so hot paths skip the database.
//!
//! An entry lives at most `AUTH_CACHE_TTL`, and is served only while it carries the
//! current stamp: the number of `auth.principals.invalidated` events this instance has
//! applied (any revocation or account change, here or on another instance) and the
//! event bus's link epoch (every connect and disconnect of the Redis listener). The
//! stamp is taken *before* the database is asked, so a lookup that races an invalidation
//! stores an entry that is never served. While the listener is down (this instance may
//! miss invalidations) nothing is cached or served at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::events::{Event, EventBus};
use crate::models::User;

/// When a cached principal was looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    invalidations: u64,
    link_epoch: u64,
}

struct Cached {
    stamp: Stamp,
    user: User,
}

/// The cache (absent when `AUTH_CACHE_TTL` is 0) and its invalidation count.
#[derive(Clone)]
pub struct Principals {
    cache: Option<moka::sync::Cache<String, Arc<Cached>>>,
    invalidations: Arc<AtomicU64>,
}

impl Principals {
    pub fn new(ttl: Duration) -> Self {
        Principals {
            cache: (!ttl.is_zero()).then(|| {
                moka::sync::Cache::builder()
                    .max_capacity(100_000)
                    .time_to_live(ttl)
                    .build()
            }),
            invalidations: Arc::default(),
        }
    }

    /// Drop everything whenever `auth.principals.invalidated` is delivered on `events`
    /// (published here, or arriving from another instance: before it is acknowledged).
    pub fn follow(&self, events: &EventBus) {
        let this = self.clone();
        events.on_delivery(move |event| {
            if let Event::PrincipalsInvalidated { .. } = event {
                this.invalidations.fetch_add(1, Ordering::AcqRel);
                if let Some(cache) = &this.cache {
                    cache.invalidate_all();
                }
            }
        });
    }

    /// The stamp a lookup made now carries; `None` while nothing may be cached (caching
    /// is off, or the bus cannot hear other instances).
    pub fn stamp(&self, events: &EventBus) -> Option<Stamp> {
        self.cache.as_ref()?;
        let link = events.link();
        link.up.then(|| Stamp {
            invalidations: self.invalidations.load(Ordering::Acquire),
            link_epoch: link.epoch,
        })
    }

    /// The cached user for `jti`, if it was looked up under `stamp`.
    pub fn get(&self, jti: &str, stamp: Option<Stamp>) -> Option<User> {
        let (cache, stamp) = (self.cache.as_ref()?, stamp?);
        cache
            .get(jti)
            .filter(|hit| hit.stamp == stamp)
            .map(|hit| hit.user.clone())
    }

    /// Remember `user` for `jti`, looked up under `stamp`.
    pub fn insert(&self, jti: String, user: &User, stamp: Option<Stamp>) {
        if let (Some(cache), Some(stamp)) = (&self.cache, stamp) {
            cache.insert(
                jti,
                Arc::new(Cached {
                    stamp,
                    user: user.clone(),
                }),
            );
        }
    }

    /// The cached account `user_id` (looked up for a browser session) under `stamp`.
    pub fn get_user(&self, user_id: i32, stamp: Option<Stamp>) -> Option<User> {
        self.get(&user_key(user_id), stamp)
    }

    /// Remember the account behind a browser session, looked up under `stamp`.
    pub fn insert_user(&self, user: &User, stamp: Option<Stamp>) {
        self.insert(user_key(user.id), user, stamp);
    }
}

/// Keys of accounts cannot collide with token ids (UUIDs, no colon).
fn user_key(user_id: i32) -> String {
    format!("user:{user_id}")
}
