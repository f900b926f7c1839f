//! In-process cache of the read models every visitor shares: the watch page of a public,
//! ready video (as seen by anyone but its owner), the first pages of catalogue searches
//! as anyone signed out sees them, and the ratings
//! signed-in viewers gave those videos. Typed values behind `Arc`, so a hit costs
//! neither a database round trip nor a deserialization.
//!
//! Dropped on every change: the service forgets a video (and the searches) before it
//! publishes the event of an edit, a caption, an edition, a rating, a status change or
//! a deletion, so the next read on this instance is fresh; other instances forget on
//! the event when it reaches them through the bus ([`ReadCache::forget_event`]). A
//! rating drops only the searches ordered by rating (no card shows ratings). A read
//! that raced with a change is not served or stored (generation counters), and every
//! entry ends with the TTL (`CACHE_DEFAULT_TIMEOUT`; `0` turns this cache off).
//!
//! **One load per missed search.** Visitors who ask for the same search page while it
//! is being read wait for that one read instead of each running the search (the first
//! visitors after a change would otherwise all pay for it at once).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::events::Event;
use crate::video::service::SearchPage;
use crate::video::views::WatchData;

/// The search pages kept weigh at most this many bytes (about: see [`page_weight`]) …
const SEARCH_CAPACITY: u64 = 128 * 1024 * 1024;
/// … of which the pages ordered by rating take at most this many.
const RATED_CAPACITY: u64 = SEARCH_CAPACITY / 8;

/// Most watch pages kept.
const WATCH_CAPACITY: u64 = 10_000;

#[derive(Clone)]
pub struct ReadCache {
    inner: Option<Arc<Inner>>,
}

/// A watch page every non-owner sees alike, and whose it is (the owner sees more).
#[derive(Clone)]
pub struct SharedWatch {
    pub owner_id: i32,
    pub data: Arc<WatchData>,
}

struct Inner {
    watch: moka::sync::Cache<i32, SharedWatch>,
    /// A viewer's own rating of a shared video, by (video, viewer).
    ratings: moka::sync::Cache<(i32, i32), Option<String>>,
    /// Search pages as anyone signed out sees them, by preferred sign language and query
    /// string: those in an order ratings do not change …
    searches: Searches,
    /// … and those ordered by rating.
    rated: Searches,
    /// Bumped by every change: a value read before a change is not stored after it.
    generation: AtomicU64,
}

/// Kept search pages, each tagged with the generation it was read at.
struct Searches {
    pages: moka::future::Cache<String, Kept>,
    /// Bumped by every change these pages may show.
    generation: AtomicU64,
}

#[derive(Clone)]
struct Kept {
    generation: u64,
    page: Arc<SearchPage>,
}

impl Searches {
    fn new(ttl: Duration, capacity: u64) -> Self {
        Searches {
            pages: moka::future::Cache::builder()
                .max_capacity(capacity)
                .weigher(|key: &String, kept: &Kept| page_weight(key, &kept.page))
                .time_to_live(ttl)
                .build(),
            generation: AtomicU64::new(0),
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn forget(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.pages.invalidate_all();
    }

    /// The page kept under `key`, or `load()`'s; concurrent misses of one key share
    /// one load. A page read before a change is neither served nor kept after it.
    async fn get<E, F, Fut>(&self, key: String, load: F) -> Result<Arc<SearchPage>, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<SearchPage, E>>,
    {
        // Twice at most: a page read across a change is read again, once.
        for _ in 0..2 {
            let generation = self.generation();
            let mut failed = None;
            let kept = self
                .pages
                .optionally_get_with_by_ref(&key, async {
                    match load().await {
                        Ok(page) => Some(Kept {
                            generation,
                            page: Arc::new(page),
                        }),
                        Err(e) => {
                            failed = Some(e);
                            None
                        }
                    }
                })
                .await;
            if let Some(e) = failed {
                return Err(e);
            }
            match kept {
                Some(kept) if kept.generation == self.generation() => return Ok(kept.page),
                // Read before a change (here, or by the load this one waited for).
                Some(_) => self.pages.invalidate(&key).await,
                // The load this one waited for failed: try on its own.
                None => break,
            }
        }
        load().await.map(Arc::new)
    }
}

impl ReadCache {
    /// A cache whose entries live `ttl`; off when `ttl` is zero.
    pub fn new(ttl: Duration) -> Self {
        if ttl.is_zero() {
            return Self::off();
        }
        ReadCache {
            inner: Some(Arc::new(Inner {
                watch: moka::sync::Cache::builder()
                    .max_capacity(WATCH_CAPACITY)
                    .time_to_live(ttl)
                    .build(),
                ratings: moka::sync::Cache::builder()
                    .max_capacity(WATCH_CAPACITY * 10)
                    .time_to_live(ttl)
                    .build(),
                searches: Searches::new(ttl, SEARCH_CAPACITY - RATED_CAPACITY),
                rated: Searches::new(ttl, RATED_CAPACITY),
                generation: AtomicU64::new(0),
            })),
        }
    }

    /// Nothing is kept (the worker process, tools).
    pub fn off() -> Self {
        ReadCache { inner: None }
    }

    /// The current generation: read it before loading what [`ReadCache::keep_watch`]
    /// is given.
    pub fn generation(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |i| i.generation.load(Ordering::Acquire))
    }

    /// Video `id`'s shared watch page, if kept.
    pub fn peek_watch(&self, id: i32) -> Option<SharedWatch> {
        self.inner.as_ref()?.watch.get(&id)
    }

    /// Keep video `id`'s shared watch page, loaded at `generation`; nothing is kept when
    /// anything changed since.
    pub fn keep_watch(&self, id: i32, watch: SharedWatch, generation: u64) {
        if let Some(inner) = &self.inner
            && inner.generation.load(Ordering::Acquire) == generation
        {
            inner.watch.insert(id, watch);
        }
    }

    /// `viewer`'s rating of shared video `id`, if kept (`Some(None)`: kept, no rating).
    pub fn peek_rating(&self, id: i32, viewer: i32) -> Option<Option<String>> {
        self.inner.as_ref()?.ratings.get(&(id, viewer))
    }

    /// Keep `viewer`'s rating of shared video `id`, read at `generation`.
    pub fn keep_rating(&self, id: i32, viewer: i32, rating: Option<String>, generation: u64) {
        if let Some(inner) = &self.inner
            && inner.generation.load(Ordering::Acquire) == generation
        {
            inner.ratings.insert((id, viewer), rating);
        }
    }

    /// The search page kept under `key` (in the rating-ordered pages when `by_rating`),
    /// or `load()`'s; visitors missing the same page at once share one load.
    pub async fn search<E, F, Fut>(
        &self,
        key: String,
        by_rating: bool,
        load: F,
    ) -> Result<Arc<SearchPage>, E>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<SearchPage, E>>,
    {
        match &self.inner {
            None => load().await.map(Arc::new),
            Some(inner) if by_rating => inner.rated.get(key, load).await,
            Some(inner) => inner.searches.get(key, load).await,
        }
    }

    /// Forget video `id` and the searches (they may list the video).
    pub fn forget(&self, id: i32) {
        if let Some(inner) = &self.inner {
            self.forget_rated(id);
            inner.searches.forget();
        }
    }

    /// Forget what a rating of video `id` changes: its page, the ratings kept, and the
    /// searches ordered by rating.
    fn forget_rated(&self, id: i32) {
        if let Some(inner) = &self.inner {
            inner.generation.fetch_add(1, Ordering::AcqRel);
            inner.watch.invalidate(&id);
            // Ratings change rarely next to views: all of them go.
            inner.ratings.invalidate_all();
            inner.rated.forget();
        }
    }

    /// Forget what `event` changes (any video event). A change of editions changes
    /// the page of every video of the groups involved: every page is forgotten.
    pub fn forget_event(&self, event: &Event) {
        match event {
            Event::VideoUpdated { change, .. } if change == "editions" => self.forget_all(),
            Event::VideoRated { video_id, .. } => self.forget_rated(*video_id),
            _ => {
                if let Some(id) = video_of(event) {
                    self.forget(id);
                }
            }
        }
    }

    /// Forget everything.
    pub fn forget_all(&self) {
        if let Some(inner) = &self.inner {
            inner.generation.fetch_add(1, Ordering::AcqRel);
            inner.watch.invalidate_all();
            inner.ratings.invalidate_all();
            inner.searches.forget();
            inner.rated.forget();
        }
    }
}

/// The video an event is about, if it is a video event.
fn video_of(event: &Event) -> Option<i32> {
    match event {
        Event::VideoUploaded { video_id, .. }
        | Event::VideoProcessingStarted { video_id, .. }
        | Event::VideoProcessingCompleted { video_id, .. }
        | Event::VideoProcessingFailed { video_id, .. }
        | Event::VideoUpdated { video_id, .. }
        | Event::VideoDeleted { video_id, .. }
        | Event::VideoRated { video_id, .. } => Some(*video_id),
        _ => None,
    }
}

/// About how many bytes a kept search page holds: its key, and per result the text it
/// shows plus a fixed allowance for the rest of the card, and one rendering of the card
/// (most visitors share one layout; see [`crate::video::service::Renders`]).
fn page_weight(key: &str, page: &Arc<SearchPage>) -> u32 {
    let hits: usize = page
        .hits
        .iter()
        .map(|h| {
            let text = h.video.title.len()
                + h.video.description.len()
                + h.cue.as_ref().map_or(0, |c| {
                    c.start.len()
                        + c.track.len()
                        + c.text.iter().map(|(t, _)| t.len()).sum::<usize>()
                });
            // The data (strings and their copies in the view) …
            1_024 + 2 * text
            // … and its HTML.
            + 768 + text
        })
        .sum();
    u32::try_from(key.len() + hits).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
