//! Signed-in sessions kept in memory between requests, so a signed-in page view does not
//! ask Redis or the database for its session every time.
//!
//! A session's state changes only at sign-in (a new key) and sign-out (deleted): flash
//! messages live in a cookie (see [`super::visitor`]) and the CSRF token is fixed for the
//! session's life. So a cached copy stays right until the session is deleted, which is
//! announced to every instance: the store deletes first, then publishes
//! `auth.principals.invalidated` and waits for every instance to confirm (as token
//! revocation does).
//!
//! An entry is served only while it carries the current [stamp](crate::auth::principals):
//! taken before the store is read, it changes with every invalidation applied here and
//! every reconnect of the Redis listener. Nothing is cached while caching is off
//! (`AUTH_CACHE_TTL=0`) or while this instance cannot hear the others. Entries live at
//! most a quarter of the idle timeout, so one never outlives the stored session's expiry.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::principals::{Principals, Stamp};
use crate::auth::service::REVOCATION_CONFIRM_WITHIN;
use crate::events::{Event, EventBus};

type State = HashMap<String, String>;

struct Entry {
    stamp: Stamp,
    state: State,
}

/// Session states by session key, under the principals' stamp.
#[derive(Clone)]
pub struct SessionCache {
    states: moka::sync::Cache<String, Arc<Entry>>,
    principals: Principals,
    events: EventBus,
}

impl SessionCache {
    /// Entries live at most `ttl`; `principals` and `events` give the stamp and carry
    /// the deletions.
    pub fn new(principals: Principals, events: EventBus, ttl: Duration) -> Self {
        SessionCache {
            states: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            principals,
            events,
        }
    }

    /// The stamp a store read made now would carry (`None`: do not cache it).
    pub fn stamp(&self) -> Option<Stamp> {
        self.principals.stamp(&self.events)
    }

    /// The cached state of `key`, if it was read under the current stamp.
    pub fn get(&self, key: &str) -> Option<State> {
        let stamp = self.stamp()?;
        self.states
            .get(key)
            .filter(|hit| hit.stamp == stamp)
            .map(|hit| hit.state.clone())
    }

    /// Remember `state`, read from the store under `stamp`. Only signed-in sessions
    /// are kept (anything else has no business being read again soon).
    pub fn insert(&self, key: &str, state: &State, stamp: Option<Stamp>) {
        if let Some(stamp) = stamp {
            self.states.insert(
                key.to_owned(),
                Arc::new(Entry {
                    stamp,
                    state: state.clone(),
                }),
            );
        }
    }

    /// Forget `key` here (its state was just written by this instance).
    pub fn forget(&self, key: &str) {
        self.states.invalidate(key);
    }

    /// After `key` was deleted from the store: forget it here and, before returning, on
    /// every instance that confirms within [`REVOCATION_CONFIRM_WITHIN`].
    pub async fn deleted(&self, key: &str) {
        self.states.invalidate(key);
        self.events
            .publish_confirmed(
                Event::PrincipalsInvalidated { user_id: None },
                REVOCATION_CONFIRM_WITHIN,
            )
            .await;
    }
}
