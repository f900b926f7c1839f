//! The preference-aware cache: rendered fragments and read models under stable keys.
//!
//! - **Keys** ([`CacheKey`]) are built from readable parts, never from a per-process hash:
//!   the scope (shared, or one person's), the name of what is cached, the whole
//!   preference profile (density, contrast, motion, reading level, sign language) and
//!   every argument. The same inputs give the same key in every process, and any
//!   changed input gives another key. Shared content carries no user id, so people with
//!   the same profile share one entry.
//! - **Backends**: Redis (through [`crate::redis::Redis`] and its breaker) when
//!   `REDIS_URL` is set, moka in-process otherwise. While Redis fails, every lookup is a
//!   miss (the caller renders from the database) and nothing is written: never a 5xx.
//! - **Invalidation** bumps a version: each namespace (`pages`, `catalogue`, ...) and each
//!   person has a version number stored next to the entries, and it is part of every
//!   stored key. [`Cache::invalidate_user`] and [`Cache::invalidate_namespace`] increment
//!   it, so old entries are never read again and expire by TTL — one `INCR` instead of
//!   `SCAN` + `DEL`, and the same on every instance sharing the Redis. These are plain
//!   methods so event subscribers (`preferences.updated`, `video.processing.completed`)
//!   can call them.
//! - **TTL**: `CACHE_DEFAULT_TIMEOUT`; `0` turns the cache off (every lookup is a miss,
//!   nothing is stored: what a cold cache costs, e.g. for `make bench`).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool_redis::redis;

use crate::domain::Preferences;
use crate::redis::{Redis, RedisError};

/// Read a scope's version (KEYS[1]) and the entry stored under it: ARGV[1] .. version ..
/// ARGV[2] (the layout of [`CacheKey::storage_key`] after the prefix). `false` becomes a
/// nil reply (a Lua `nil` would end the array). Sent with `EVAL` (a few hundred bytes).
const LOOKUP: &str = "local v = redis.call('GET', KEYS[1]) or '0' \
    return {v, redis.call('GET', ARGV[1] .. v .. ARGV[2]) or false}";

/// Namespace of shared rendered pages (home page content, ...).
pub const PAGES: &str = "pages";
/// Namespace of the video catalogue and its page (dropped when a video changes).
pub const CATALOGUE: &str = "catalogue";

/// The home page's content (an item name: what a key's hits and misses are counted as).
pub const HOME: &str = "home";
/// Every item the application caches, by name: their hit and miss counters are exported
/// from the start (at 0). A new cached item gets its name here.
pub const ITEMS: &[&str] = &[HOME];

/// Who an entry belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Shared by everyone with the same profile, in a namespace that can be dropped whole.
    Shared(&'static str),
    /// One person's entries (dropped when their preferences change).
    User(i32),
}

/// A cache key: scope, name, preference profile and arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    scope: Scope,
    body: String,
}

/// The preference profile as a key segment, e.g.
/// `d3.r3.cnormal.m0.sASL.p100.white.black.75.sans.none.over.pip.bottom-right.medium.on`
/// (the player preferences, in [`crate::domain::player_prefs::PLAYER_FIELDS`] order; a
/// `.` inside a value would be escaped, so the fields cannot run into each other).
pub fn profile_segment(p: &Preferences) -> String {
    let j = p.to_json();
    let player: Vec<String> = p.player.fields().iter().map(|(_, v)| escape(v)).collect();
    format!(
        "d{}.r{}.c{}.m{}.s{}.p{}",
        j.visual_density,
        j.reading_level,
        escape(j.color_contrast),
        u8::from(j.motion_sensitivity),
        escape(j.preferred_sign_language),
        player.join("."),
    )
}

/// Percent-escape everything but `[A-Za-z0-9_-]`, so no value can fake a separator.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

impl CacheKey {
    /// Content shared by everyone with `profile`, in `namespace`.
    pub fn shared(
        namespace: &'static str,
        name: &str,
        profile: &Preferences,
        args: &[(&str, &str)],
    ) -> Self {
        Self::build(Scope::Shared(namespace), name, profile, args)
    }

    /// Content for one person (still keyed by their profile).
    pub fn user(user_id: i32, name: &str, profile: &Preferences, args: &[(&str, &str)]) -> Self {
        Self::build(Scope::User(user_id), name, profile, args)
    }

    fn build(scope: Scope, name: &str, profile: &Preferences, args: &[(&str, &str)]) -> Self {
        let mut body = format!("{}:{}", escape(name), profile_segment(profile));
        for (k, v) in args {
            let _ = write!(body, ":{}={}", escape(k), escape(v));
        }
        CacheKey { scope, body }
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The version counter this key's validity depends on.
    fn version_id(&self) -> String {
        match &self.scope {
            Scope::Shared(ns) => format!("ns:{}", escape(ns)),
            Scope::User(id) => format!("user:{id}"),
        }
    }

    /// The stored key at `version`, without the deployment prefix.
    pub fn storage_key(&self, version: u64) -> String {
        format!("{}:v{version}:{}", self.version_id(), self.body)
    }
}

impl std::fmt::Display for CacheKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.version_id(), self.body)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HitMiss {
    pub hits: u64,
    pub misses: u64,
}

/// How long an instance keeps an entry it read from Redis in its own memory (the near
/// cache): repeated reads on one instance then cost no round trip. Invalidations drop
/// the near cache at once on the instance that makes them and, through the event bus,
/// on every other; an instance that misses such an event (its Redis subscription was
/// down) serves a dropped entry for at most this long.
pub const NEAR_TTL: Duration = Duration::from_secs(2);
/// Most entries in the near cache.
const NEAR_CAPACITY: u64 = 2_000;

/// Entries read from Redis, kept briefly in process. `epoch` counts invalidations: an
/// entry read before one must not be kept after it (checked and inserted under the
/// lock, which invalidation also takes).
struct Near {
    entries: moka::sync::Cache<String, (u64, Arc<str>)>,
    epoch: Mutex<u64>,
}

impl Near {
    fn new(ttl: Duration) -> Self {
        Near {
            entries: moka::sync::Cache::builder()
                .max_capacity(NEAR_CAPACITY)
                .time_to_live(ttl.min(NEAR_TTL))
                .build(),
            epoch: Mutex::new(0),
        }
    }

    fn epoch(&self) -> u64 {
        *self.epoch.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep `value` unless an invalidation happened since `epoch` was read.
    fn keep(&self, key: String, epoch: u64, version: u64, value: &str) {
        let guard = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        if *guard == epoch {
            self.entries.insert(key, (version, Arc::from(value)));
        }
    }

    fn clear(&self) {
        let mut guard = self.epoch.lock().unwrap_or_else(|e| e.into_inner());
        *guard += 1;
        self.entries.invalidate_all();
    }
}

enum Backend {
    /// Caching turned off (`CACHE_DEFAULT_TIMEOUT=0`): every lookup misses.
    Off,
    Redis {
        redis: Redis,
        near: Near,
    },
    Memory {
        entries: moka::future::Cache<String, Arc<str>>,
        versions: Mutex<HashMap<String, u64>>,
    },
}

struct Inner {
    backend: Backend,
    prefix: String,
    ttl: Duration,
    /// Hits and misses by the name of what was looked up.
    stats: Mutex<BTreeMap<String, HitMiss>>,
    /// Invalidations that could not reach Redis, sent before its next read.
    pending: Mutex<std::collections::BTreeSet<String>>,
}

#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

impl Cache {
    /// Redis when given, moka otherwise; off when `ttl` is zero. `prefix` starts every
    /// Redis key (deployments sharing one Redis keep apart by it).
    pub fn new(redis: Option<Redis>, prefix: &str, ttl: Duration) -> Self {
        let backend = match redis {
            _ if ttl.is_zero() => Backend::Off,
            Some(redis) => Backend::Redis {
                redis,
                near: Near::new(ttl),
            },
            None => Backend::Memory {
                entries: moka::future::Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(ttl)
                    .build(),
                versions: Mutex::new(HashMap::new()),
            },
        };
        Cache {
            inner: Arc::new(Inner {
                backend,
                prefix: format!("{prefix}:cache:"),
                ttl,
                stats: Mutex::new(BTreeMap::new()),
                pending: Mutex::new(std::collections::BTreeSet::new()),
            }),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.inner.backend {
            Backend::Off => "off",
            Backend::Redis { .. } => "redis",
            Backend::Memory { .. } => "memory",
        }
    }

    fn count(&self, key: &CacheKey, hit: bool) {
        let name = key.body.split(':').next().unwrap_or("").to_owned();
        let mut stats = self.inner.stats.lock().unwrap_or_else(|e| e.into_inner());
        let entry = stats.entry(name).or_default();
        if hit {
            entry.hits += 1;
        } else {
            entry.misses += 1;
        }
    }

    /// Hits and misses so far, by name of what was cached.
    pub fn stats(&self) -> BTreeMap<String, HitMiss> {
        self.inner
            .stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn version_key(&self, id: &str) -> String {
        format!("{}version:{id}", self.inner.prefix)
    }

    /// The current version of `key`'s scope (None: Redis unavailable).
    async fn version(&self, key: &CacheKey) -> Option<u64> {
        let id = key.version_id();
        match &self.inner.backend {
            Backend::Off => None,
            Backend::Memory { versions, .. } => Some(
                *versions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&id)
                    .unwrap_or(&0),
            ),
            Backend::Redis { redis: r, .. } => {
                if !self.flush_pending(r).await {
                    return None;
                }
                let v: Result<Option<u64>, _> =
                    r.query(redis::cmd("GET").arg(self.version_key(&id))).await;
                v.map(Option::unwrap_or_default)
                    .inspect_err(|e| tracing::debug!(error = %e, "cache version unavailable"))
                    .ok()
            }
        }
    }

    /// The entry for `key`, or `None` (absent, expired, invalidated or Redis failing).
    pub async fn get(&self, key: &CacheKey) -> Option<String> {
        let found = self.lookup(key).await.and_then(|(_, v)| v);
        self.count(key, found.is_some());
        found
    }

    /// The scope's current version and the entry stored under it. With Redis this is one
    /// round trip: a script reads the version and then the entry.
    async fn lookup(&self, key: &CacheKey) -> Option<(u64, Option<String>)> {
        match &self.inner.backend {
            Backend::Off => None,
            Backend::Memory { entries, .. } => {
                let version = self.version(key).await?;
                let stored = format!("{}{}", self.inner.prefix, key.storage_key(version));
                Some((version, entries.get(&stored).await.map(|v| v.to_string())))
            }
            Backend::Redis { redis: r, near } => {
                let near_key = key.to_string();
                if let Some((version, value)) = near.entries.get(&near_key) {
                    return Some((version, Some(value.to_string())));
                }
                let epoch = near.epoch();
                if !self.flush_pending(r).await {
                    return None;
                }
                let id = key.version_id();
                let eval = redis::cmd("EVAL")
                    .arg(LOOKUP)
                    .arg(1)
                    .arg(self.version_key(&id))
                    .arg(format!("{}{id}:v", self.inner.prefix))
                    .arg(format!(":{}", key.body))
                    .to_owned();
                let found = r
                    .query::<(u64, Option<String>)>(&eval)
                    .await
                    .inspect_err(|e| tracing::debug!(error = %e, "cache read failed"))
                    .ok();
                if let Some((version, Some(value))) = &found {
                    near.keep(near_key, epoch, *version, value);
                }
                found
            }
        }
    }

    async fn store(&self, key: &CacheKey, version: u64, value: &str) {
        let stored = format!("{}{}", self.inner.prefix, key.storage_key(version));
        match &self.inner.backend {
            Backend::Off => {}
            Backend::Memory { entries, .. } => entries.insert(stored, Arc::from(value)).await,
            Backend::Redis { redis: r, .. } => {
                let secs = self.inner.ttl.as_secs().max(1);
                let set: Result<(), _> = r
                    .query(
                        redis::cmd("SET")
                            .arg(&stored)
                            .arg(value)
                            .arg("EX")
                            .arg(secs),
                    )
                    .await;
                if let Err(e) = set {
                    tracing::debug!(error = %e, "cache write failed");
                }
            }
        }
    }

    /// Store `value` under `key` (at the scope's current version).
    pub async fn set(&self, key: &CacheKey, value: &str) {
        if let Some(version) = self.version(key).await {
            self.store(key, version, value).await;
        }
    }

    /// The cached value, or `compute()`'s, stored for next time. Computation errors are
    /// returned and nothing is stored; cache failures only cost a miss.
    pub async fn get_or_insert_with<E, F, Fut>(
        &self,
        key: &CacheKey,
        compute: F,
    ) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, E>>,
    {
        let looked = self.lookup(key).await;
        if let Some((_, Some(value))) = looked {
            self.count(key, true);
            return Ok(value);
        }
        self.count(key, false);
        let value = compute().await?;
        // Stored at the version read before computing: an invalidation that happened
        // meanwhile makes this entry unreachable instead of stale.
        if let Some((version, None)) = looked {
            self.store(key, version, &value).await;
        }
        Ok(value)
    }

    async fn bump(&self, id: String) {
        match &self.inner.backend {
            Backend::Off => {}
            Backend::Memory { versions, .. } => {
                *versions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(id)
                    .or_insert(0) += 1;
            }
            Backend::Redis { redis: r, near } => {
                near.clear();
                let bumped: Result<u64, _> =
                    r.query(redis::cmd("INCR").arg(self.version_key(&id))).await;
                // Again once the version moved: a read that started before the INCR
                // landed may have kept the old entry after the first clear; its epoch
                // is older than this one, so nothing it read is kept from here on.
                near.clear();
                if let Err(e) = bumped {
                    // Sent before this instance next reads from Redis, so entries written
                    // before the outage are not served after it.
                    if matches!(e, RedisError::Open(_)) {
                        tracing::debug!(version = %id, "cache invalidation deferred: Redis breaker open");
                    } else {
                        tracing::warn!(error = %e, version = %id, "cache invalidation deferred until Redis answers");
                    }
                    self.pending().insert(id);
                }
            }
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, std::collections::BTreeSet<String>> {
        self.inner.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Send deferred invalidations; false when some could still not be sent (then this
    /// instance must not read from Redis: it could serve what it was asked to drop).
    async fn flush_pending(&self, r: &Redis) -> bool {
        let ids: Vec<String> = std::mem::take(&mut *self.pending()).into_iter().collect();
        if ids.is_empty() {
            return true;
        }
        let mut pipe = redis::pipe();
        for id in &ids {
            pipe.cmd("INCR").arg(self.version_key(id)).ignore();
        }
        match r.pipe::<()>(&pipe).await {
            Ok(()) => {
                tracing::info!(count = ids.len(), "deferred cache invalidations sent");
                true
            }
            Err(_) => {
                self.pending().extend(ids);
                false
            }
        }
    }

    /// Forget what this instance keeps of Redis in its own memory (another instance
    /// invalidated something: the shared versions are already bumped).
    pub fn forget_near(&self) {
        if let Backend::Redis { near, .. } = &self.inner.backend {
            near.clear();
        }
    }

    /// Drop everything cached for one person (their preferences changed).
    pub async fn invalidate_user(&self, user_id: i32) {
        self.bump(format!("user:{user_id}")).await;
    }

    /// Drop every shared entry of `namespace`.
    pub async fn invalidate_namespace(&self, namespace: &str) {
        self.bump(format!("ns:{}", escape(namespace))).await;
    }

    /// Drop the shared rendered pages (e.g. after a deployment changes copy).
    pub async fn invalidate_pages(&self) {
        self.invalidate_namespace(PAGES).await;
    }

    /// Drop the video catalogue and its page (a video became ready or changed).
    pub async fn invalidate_catalogue(&self) {
        self.invalidate_namespace(CATALOGUE).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Contrast, Density, ReadingLevel, SignLanguage};

    #[test]
    fn same_inputs_give_the_same_key_in_any_process() {
        let p = Preferences::default();
        let a = CacheKey::shared(PAGES, "home", &p, &[("signed_in", "false")]);
        let b = CacheKey::shared(
            PAGES,
            "home",
            &Preferences::default(),
            &[("signed_in", "false")],
        );
        assert_eq!(a, b);
        // Written out, not hashed: a literal that another process (or a restart) agrees on.
        assert_eq!(
            a.storage_key(0),
            "ns:pages:v0:home:d3.r3.cnormal.m0.sASL\
             .p100.white.black.75.sans.none.over.pip.bottom-right.medium.on:signed_in=false"
        );
        assert_eq!(
            CacheKey::user(7, "account", &p, &[]).storage_key(2),
            "user:7:v2:account:d3.r3.cnormal.m0.sASL\
             .p100.white.black.75.sans.none.over.pip.bottom-right.medium.on"
        );
    }

    #[test]
    fn every_argument_changes_the_key() {
        let base = Preferences::default();
        let key = |p: &Preferences, name: &str, args: &[(&str, &str)]| {
            CacheKey::shared(PAGES, name, p, args).storage_key(0)
        };
        let reference = key(&base, "home", &[("signed_in", "false")]);
        let variants = [
            Preferences {
                density: Density::new(1).unwrap(),
                ..base
            },
            Preferences {
                reading_level: ReadingLevel::new(1).unwrap(),
                ..base
            },
            Preferences {
                contrast: Contrast::High,
                ..base
            },
            Preferences {
                motion_sensitivity: true,
                ..base
            },
            Preferences {
                sign_language: SignLanguage::parse("BSL").unwrap(),
                ..base
            },
        ];
        // Each player preference too (a cached page must never show another viewer's
        // caption style or player layout).
        let mut player = Vec::new();
        for (field, value) in [
            ("caption_size", "300"),
            ("caption_color", "yellow"),
            ("caption_background", "blue"),
            ("caption_opacity", "100"),
            ("caption_font", "legible"),
            ("caption_edge", "outline"),
            ("caption_position", "below"),
            ("sign_layout", "side"),
            ("sign_corner", "top-left"),
            ("sign_size", "large"),
            ("keyboard_shortcuts", "off"),
        ] {
            let mut update = crate::domain::PlayerPrefsUpdate::default();
            let read = update.read(field, crate::domain::player_prefs::Raw::Form(value));
            assert_eq!(read, Some(Ok(())), "{field}");
            player.push(Preferences {
                player: base.player.apply(&update),
                ..base
            });
        }
        assert_eq!(
            player.len(),
            crate::domain::player_prefs::PLAYER_FIELDS.len()
        );
        let mut seen = std::collections::HashSet::from([reference.clone()]);
        for p in variants.iter().chain(&player) {
            assert!(
                seen.insert(key(p, "home", &[("signed_in", "false")])),
                "{p:?}"
            );
        }
        assert!(seen.insert(key(&base, "home", &[("signed_in", "true")])));
        assert!(seen.insert(key(&base, "other", &[("signed_in", "false")])));
        assert!(seen.insert(key(&base, "home", &[])));
        assert!(seen.insert(key(&base, "home", &[("signed_in", "false"), ("page", "2")])));
        assert!(seen.insert(
            CacheKey::shared(CATALOGUE, "home", &base, &[("signed_in", "false")]).storage_key(0)
        ));
        assert!(
            seen.insert(CacheKey::user(1, "home", &base, &[("signed_in", "false")]).storage_key(0))
        );
        assert!(seen.insert(key(&base, "home", &[("signed_in", "false")]).replace("v0", "v1")));
    }

    #[test]
    fn separators_in_values_cannot_collide() {
        let p = Preferences::default();
        let a = CacheKey::shared(PAGES, "x", &p, &[("a", "1:b=2")]);
        let b = CacheKey::shared(PAGES, "x", &p, &[("a", "1"), ("b", "2")]);
        assert_ne!(a.storage_key(0), b.storage_key(0));
    }

    #[tokio::test]
    async fn memory_backend_shares_entries_and_invalidates_by_version() {
        let cache = Cache::new(None, "t", Duration::from_secs(60));
        let p = Preferences::default();
        let key = CacheKey::shared(PAGES, "home", &p, &[]);
        let mut renders = 0;
        for _ in 0..3 {
            let v = cache
                .get_or_insert_with(&key, || {
                    renders += 1;
                    async { Ok::<_, ()>("html".to_owned()) }
                })
                .await
                .unwrap();
            assert_eq!(v, "html");
        }
        assert_eq!(renders, 1);
        assert_eq!(cache.stats()["home"], HitMiss { hits: 2, misses: 1 });
        cache.invalidate_pages().await;
        assert_eq!(cache.get(&key).await, None);
        cache.invalidate_catalogue().await; // other namespaces do not matter
        cache.set(&key, "new").await;
        assert_eq!(cache.get(&key).await.as_deref(), Some("new"));

        let mine = CacheKey::user(5, "account", &p, &[]);
        let theirs = CacheKey::user(6, "account", &p, &[]);
        cache.set(&mine, "a").await;
        cache.set(&theirs, "b").await;
        cache.invalidate_user(5).await;
        assert_eq!(cache.get(&mine).await, None);
        assert_eq!(cache.get(&theirs).await.as_deref(), Some("b"));
        assert_eq!(cache.get(&key).await.as_deref(), Some("new"));
    }

    #[tokio::test]
    async fn a_zero_ttl_turns_the_cache_off() {
        let cache = Cache::new(None, "t", Duration::ZERO);
        assert_eq!(cache.backend_name(), "off");
        let key = CacheKey::shared(PAGES, "home", &Preferences::default(), &[]);
        let mut renders = 0;
        for _ in 0..3 {
            cache
                .get_or_insert_with(&key, || {
                    renders += 1;
                    async { Ok::<_, ()>("html".to_owned()) }
                })
                .await
                .unwrap();
        }
        cache.set(&key, "html").await;
        assert_eq!(cache.get(&key).await, None);
        assert_eq!(renders, 3);
        assert_eq!(cache.stats()["home"], HitMiss { hits: 0, misses: 4 });
    }
}
