//! The read cache: what is kept, for how long, what a change drops, and one load per
//! missed search page.

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
            renders: Default::default(),
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
        (SEARCH_CAPACITY - RATED_CAPACITY) / u64::from(large) >= 1_000,
        "a thousand full pages fit"
    );
}

/// The count of the page `cache` gives for `key`, loading one counting `count` if
/// none is kept.
async fn list(cache: &ReadCache, key: &str, by_rating: bool, count: i64) -> i64 {
    cache
        .search(key.to_owned(), by_rating, || async move {
            Ok::<_, ()>(page_of(count))
        })
        .await
        .unwrap()
        .count
}

#[tokio::test]
async fn a_search_page_is_kept_until_a_video_changes() {
    let cache = ReadCache::new(Duration::from_secs(60));
    assert_eq!(list(&cache, "q=cook", false, 1).await, 1);
    assert_eq!(list(&cache, "q=cook", false, 2).await, 1, "kept");
    assert_eq!(list(&cache, "q=eggs", false, 3).await, 3, "another search");
    cache.forget(5);
    assert_eq!(
        list(&cache, "q=cook", false, 4).await,
        4,
        "a change drops every search"
    );
}

fn page_of(count: i64) -> SearchPage {
    SearchPage {
        renders: Default::default(),
        hits: Vec::new(),
        count,
        estimated: false,
        next: None,
        prev: None,
    }
}

#[tokio::test]
async fn visitors_missing_the_same_search_at_once_share_one_load() {
    use std::sync::atomic::AtomicUsize;
    let cache = ReadCache::new(Duration::from_secs(60));
    let loads = Arc::new(AtomicUsize::new(0));
    let visit = |key: &'static str| {
        let (cache, loads) = (cache.clone(), loads.clone());
        tokio::spawn(async move {
            cache
                .search(key.to_owned(), false, || {
                    let loads = loads.clone();
                    async move {
                        let n = loads.fetch_add(1, Ordering::SeqCst) as i64;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(page_of(n))
                    }
                })
                .await
                .unwrap()
                .count
        })
    };
    let visits: Vec<_> = (0..16).map(|_| visit("q=cook")).collect();
    let other = visit("q=eggs");
    for v in visits {
        assert_eq!(v.await.unwrap(), 0, "every visitor got the one load");
    }
    other.await.unwrap();
    assert_eq!(loads.load(Ordering::SeqCst), 2, "one load per search");
}

#[tokio::test]
async fn a_search_read_across_a_change_is_read_again() {
    let cache = ReadCache::new(Duration::from_secs(60));
    let slow = {
        let cache = cache.clone();
        tokio::spawn(async move {
            let first = std::sync::atomic::AtomicBool::new(true);
            cache
                .search("q=cook".into(), false, || {
                    let before = first.swap(false, Ordering::SeqCst);
                    async move {
                        if before {
                            tokio::time::sleep(Duration::from_millis(80)).await;
                            Ok::<_, ()>(page_of(1))
                        } else {
                            Ok(page_of(2))
                        }
                    }
                })
                .await
                .unwrap()
                .count
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    cache.forget(5);
    assert_eq!(
        slow.await.unwrap(),
        2,
        "the page read before the change is not served"
    );
    let again = cache
        .search("q=cook".into(), false, || async { Ok::<_, ()>(page_of(3)) })
        .await
        .unwrap();
    assert_eq!(again.count, 2, "the fresh read is kept");
}

#[tokio::test]
async fn a_failed_search_is_not_kept() {
    let cache = ReadCache::new(Duration::from_secs(60));
    let failed = cache
        .search("q=cook".into(), false, || async {
            Err::<SearchPage, _>("down")
        })
        .await;
    assert_eq!(failed.err(), Some("down"));
    let next = cache
        .search("q=cook".into(), false, || async {
            Ok::<_, &str>(page_of(7))
        })
        .await
        .unwrap();
    assert_eq!(next.count, 7);
}

#[tokio::test]
async fn a_rating_drops_only_the_searches_ordered_by_rating() {
    let cache = ReadCache::new(Duration::from_secs(60));
    assert_eq!(list(&cache, "q=cook", false, 1).await, 1);
    assert_eq!(list(&cache, "q=cook&sort=rating", true, 1).await, 1);
    cache.forget_event(&Event::VideoRated {
        video_id: 1,
        user_id: 7,
        sign_language: "BSL".into(),
        rating: "accurate".into(),
        previous: None,
    });
    assert_eq!(
        list(&cache, "q=cook", false, 2).await,
        1,
        "no card shows ratings"
    );
    assert_eq!(
        list(&cache, "q=cook&sort=rating", true, 2).await,
        2,
        "re-ordered"
    );
    cache.forget_event(&Event::VideoDeleted {
        video_id: 1,
        owner_id: 1,
    });
    assert_eq!(
        list(&cache, "q=cook", false, 3).await,
        3,
        "a deletion drops them all"
    );
    assert_eq!(list(&cache, "q=cook&sort=rating", true, 3).await, 3);
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
