//! In-process cache of the read models every visitor shares: the watch page of a public,
//! ready video (as seen by anyone but its owner), the first pages of catalogue searches
//! as anyone signed out sees them, and the ratings
//! signed-in viewers gave those videos. Typed values behind `Arc`, so a hit costs
//! neither a database round trip nor a deserialization.
//!
//! Dropped on every change: the service forgets a video (and the searches) before it
//! publishes the event of an edit, a caption, an edition, a rating, a status change or
//! a deletion, so the next read on this instance is fresh; other instances forget on
//! the event when it reaches them through the bus ([`ReadCache::forget_event`]). A read
//! that raced with a change is not stored (a generation counter), and every entry ends
//! with the TTL (`CACHE_DEFAULT_TIMEOUT`; `0` turns this cache off).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::events::Event;
use crate::video::service::SearchPage;
use crate::video::views::WatchData;

/// The search pages kept weigh at most this many bytes (about: see [`page_weight`]).
const SEARCH_CAPACITY: u64 = 64 * 1024 * 1024;

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
    /// First pages of searches as anyone signed out sees them, by preferred sign
    /// language and query string.
    searches: moka::sync::Cache<String, Arc<SearchPage>>,
    /// Bumped by every change: a value read before a change is not stored after it.
    generation: AtomicU64,
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
                searches: moka::sync::Cache::builder()
                    .max_capacity(SEARCH_CAPACITY)
                    .weigher(|key: &String, page: &Arc<SearchPage>| page_weight(key, page))
                    .time_to_live(ttl)
                    .build(),
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

    /// The search page kept under `key`, or `load()`'s.
    pub async fn search<E, F, Fut>(&self, key: String, load: F) -> Result<Arc<SearchPage>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<SearchPage, E>>,
    {
        let Some(inner) = &self.inner else {
            return load().await.map(Arc::new);
        };
        if let Some(found) = inner.searches.get(&key) {
            return Ok(found);
        }
        let generation = self.generation();
        let value = Arc::new(load().await?);
        if self.generation() == generation {
            inner.searches.insert(key, value.clone());
        }
        Ok(value)
    }

    /// Forget video `id` and the searches (they may list the video).
    pub fn forget(&self, id: i32) {
        if let Some(inner) = &self.inner {
            inner.generation.fetch_add(1, Ordering::AcqRel);
            inner.watch.invalidate(&id);
            // Ratings change rarely next to views: all of them go.
            inner.ratings.invalidate_all();
            inner.searches.invalidate_all();
        }
    }

    /// Forget what `event` changes (any video event). A change of editions changes
    /// the page of every video of the groups involved: every page is forgotten.
    pub fn forget_event(&self, event: &Event) {
        match event {
            Event::VideoUpdated { change, .. } if change == "editions" => self.forget_all(),
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
            inner.searches.invalidate_all();
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
/// shows plus a fixed allowance for the rest of the card.
fn page_weight(key: &str, page: &Arc<SearchPage>) -> u32 {
    let hits: usize = page
        .hits
        .iter()
        .map(|h| {
            1_024
                + 2 * (h.video.title.len() + h.video.description.len())
                + h.cue.as_ref().map_or(0, |c| {
                    c.start.len()
                        + c.track.len()
                        + c.text.iter().map(|(t, _)| t.len()).sum::<usize>()
                })
        })
        .sum();
    u32::try_from(key.len() + hits).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::views::VideoView;

    fn data(title: &str) -> WatchData {
        WatchData {
            video: VideoView {
                id: 1,
                title: title.into(),
                description: String::new(),
                sign_language: "BSL".into(),
                visibility: crate::domain::Visibility::Public,
                status: crate::domain::VideoStatus::Ready,
                progress: 100,
                original_filename: "a.mp4".into(),
                alternatives: Default::default(),
                size_bytes: 1,
                duration_seconds: None,
                width: None,
                height: None,
                video_codec: None,
                audio_codec: None,
                frame_rate: None,
                hidden_reason: None,
                video_url: None,
                poster_url: None,
                captions: Vec::new(),
                editions: Vec::new(),
                attempts: 1,
                error: None,
                is_owner: false,
                created_at: String::new(),
                updated_at: String::new(),
            },
            transcripts: Vec::new(),
            counts: Default::default(),
        }
    }

    /// What a watch read gives: the kept value, else `fresh` (kept if nothing changed).
    fn title(cache: &ReadCache, fresh: &str) -> String {
        if let Some(found) = cache.peek_watch(1) {
            return found.data.video.title.clone();
        }
        let generation = cache.generation();
        let watch = SharedWatch {
            owner_id: 9,
            data: Arc::new(data(fresh)),
        };
        cache.keep_watch(1, watch, generation);
        fresh.to_owned()
    }

    #[test]
    fn a_kept_value_is_served_until_its_video_changes() {
        let cache = ReadCache::new(Duration::from_secs(60));
        assert_eq!(title(&cache, "one"), "one");
        assert_eq!(title(&cache, "two"), "one", "served from the cache");
        cache.forget_event(&Event::VideoUpdated {
            video_id: 1,
            owner_id: 1,
            change: "details".into(),
        });
        assert_eq!(title(&cache, "three"), "three");
        cache.forget_event(&Event::VideoUpdated {
            video_id: 2,
            owner_id: 1,
            change: "details".into(),
        });
        assert_eq!(title(&cache, "four"), "three", "another video changed");
        cache.forget_event(&Event::VideoUpdated {
            video_id: 2,
            owner_id: 1,
            change: "editions".into(),
        });
        assert_eq!(title(&cache, "five"), "five", "editions change every page");
    }

    #[test]
    fn a_read_that_raced_with_a_change_is_not_kept() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let generation = cache.generation();
        cache.forget(1);
        let watch = SharedWatch {
            owner_id: 9,
            data: Arc::new(data("old")),
        };
        cache.keep_watch(1, watch, generation);
        assert_eq!(title(&cache, "new"), "new");
    }

    #[test]
    fn a_search_page_weighs_about_what_it_holds() {
        let hit = |title: &str| crate::video::service::Hit {
            video: data(title).video,
            owner_id: 1,
            title: vec![(title.to_owned(), false)],
            description: Vec::new(),
            cue: None,
        };
        let page = |n: usize, title: &str| {
            Arc::new(SearchPage {
                hits: (0..n).map(|_| hit(title)).collect(),
                count: n as i64,
                estimated: false,
                next: None,
                prev: None,
            })
        };
        let empty = page_weight("k", &page(0, ""));
        let small = page_weight("k", &page(20, "x"));
        let large = page_weight("k", &page(20, &"x".repeat(500)));
        assert!(empty < 64 && small >= 20 * 1_024 && large >= small + 20 * 900);
        assert!(
            SEARCH_CAPACITY / u64::from(large) >= 1_000,
            "a thousand full pages fit"
        );
    }

    #[tokio::test]
    async fn a_search_page_is_kept_until_a_video_changes() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let list = |key: &'static str, count: i64| {
            let cache = cache.clone();
            async move {
                cache
                    .search(key.to_owned(), || async move {
                        Ok::<_, ()>(SearchPage {
                            hits: Vec::new(),
                            count,
                            estimated: false,
                            next: None,
                            prev: None,
                        })
                    })
                    .await
                    .unwrap()
                    .count
            }
        };
        assert_eq!(list("q=cook", 1).await, 1);
        assert_eq!(list("q=cook", 2).await, 1, "kept");
        assert_eq!(list("q=eggs", 3).await, 3, "another search");
        cache.forget(5);
        assert_eq!(list("q=cook", 4).await, 4, "a change drops every search");
    }

    #[test]
    fn a_rating_is_kept_until_its_video_changes() {
        let cache = ReadCache::new(Duration::from_secs(60));
        let generation = cache.generation();
        cache.keep_rating(1, 7, Some("helpful".into()), generation);
        assert_eq!(cache.peek_rating(1, 7), Some(Some("helpful".into())));
        assert_eq!(cache.peek_rating(1, 8), None);
        cache.forget_event(&Event::VideoRated {
            video_id: 1,
            user_id: 7,
            sign_language: "BSL".into(),
            rating: "accurate".into(),
            previous: Some("helpful".into()),
        });
        assert_eq!(cache.peek_rating(1, 7), None);
        // Read before a change: not kept.
        cache.keep_rating(1, 7, Some("helpful".into()), generation);
        assert_eq!(cache.peek_rating(1, 7), None);
    }

    #[test]
    fn nothing_is_kept_when_off() {
        let off = ReadCache::new(Duration::ZERO);
        assert_eq!(title(&off, "one"), "one");
        assert_eq!(title(&off, "two"), "two");
    }
}
