//! Identical reads share one answer (single flight), and an answer stays good for a short
//! window so that the reads preparing a write look at one snapshot instead of asking the
//! platform again and again. A write calls [`Coalesce::invalidate`]: nothing kept before it
//! is served as fresh afterwards.
//!
//! Generic over the key's answer `V` (an HTTP body with its ETag, a decoded object) and the
//! fetch's error, so any adapter can use it: key it by what identifies a read (a URL, or a
//! call path and its body for a POST-only API).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// The kept answers of one adapter, at most `capacity` keys (the oldest key is forgotten
/// first).
pub struct Coalesce<V> {
    capacity: usize,
    /// How long an answer serves later callers by default.
    fresh_for: Duration,
    /// Bumped by every write; answers fetched under an older one are no longer fresh.
    generation: AtomicU64,
    slots: Mutex<Slots<V>>,
}

struct Kept<V> {
    value: V,
    confirmed: Instant,
    generation: u64,
}

type Slot<V> = Arc<tokio::sync::Mutex<Option<Kept<V>>>>;

struct Slots<V> {
    by_key: HashMap<String, Slot<V>>,
    /// Oldest first, for eviction.
    order: VecDeque<String>,
}

impl<V: Clone> Coalesce<V> {
    /// `fresh_for` zero shares only reads in flight: a caller gets an answer that arrived
    /// after it started waiting, never an older one.
    pub fn new(capacity: usize, fresh_for: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            fresh_for,
            generation: AtomicU64::new(0),
            slots: Mutex::new(Slots {
                by_key: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The answer for `key` within the default window; see [`Self::get_within`].
    pub async fn get<E, F, Fut>(&self, key: &str, fetch: F) -> Result<V, E>
    where
        F: FnOnce(Option<V>) -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        self.get_within(key, self.fresh_for, fetch).await
    }

    /// The answer for `key`: one confirmed no more than `max_age` before this call began
    /// (so an answer fetched while this caller queued always counts) and since the last
    /// write; else `fetch`'s, which is kept. One fetch per key at a time: identical callers
    /// queue behind it and take its answer. `fetch` gets the last answer kept, fresh or not,
    /// to revalidate it (an ETag). Failures are not kept.
    pub async fn get_within<E, F, Fut>(
        &self,
        key: &str,
        max_age: Duration,
        fetch: F,
    ) -> Result<V, E>
    where
        F: FnOnce(Option<V>) -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let since = Instant::now();
        let slot = self.slot(key);
        let mut kept = slot.lock().await;
        let generation = self.generation.load(Ordering::SeqCst);
        if let Some(found) = kept.as_ref()
            && found.generation == generation
            && since.saturating_duration_since(found.confirmed) <= max_age
        {
            return Ok(found.value.clone());
        }
        let previous = kept.as_ref().map(|k| k.value.clone());
        let value = fetch(previous).await?;
        *kept = Some(Kept {
            value: value.clone(),
            confirmed: Instant::now(),
            generation,
        });
        Ok(value)
    }

    /// A write happened: no answer kept so far is served as fresh again (each stays
    /// available to the next fetch of its key for revalidation).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn slot(&self, key: &str) -> Slot<V> {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.by_key.get(key) {
            return slot.clone();
        }
        let slot: Slot<V> = Arc::new(tokio::sync::Mutex::new(None));
        slots.by_key.insert(key.to_owned(), slot.clone());
        slots.order.push_back(key.to_owned());
        while slots.order.len() > self.capacity {
            if let Some(oldest) = slots.order.pop_front() {
                slots.by_key.remove(&oldest);
            }
        }
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    async fn fetch_counting(
        cache: &Coalesce<u32>,
        key: &str,
        max_age: Duration,
        fetches: &AtomicU32,
    ) -> u32 {
        cache
            .get_within(key, max_age, |_| async {
                Ok::<_, ()>(fetches.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn identical_reads_in_flight_share_one_fetch() {
        let cache = Coalesce::new(8, Duration::ZERO);
        let fetches = AtomicU32::new(0);
        let slow = |_| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok::<_, ()>(fetches.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let (a, b, c) = tokio::join!(
            cache.get("/a", slow),
            cache.get("/a", slow),
            cache.get("/a", slow)
        );
        assert_eq!((a, b, c), (Ok(1), Ok(1), Ok(1)));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        // Later, with no window, the next read asks again.
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(
            fetch_counting(&cache, "/a", Duration::ZERO, &fetches).await,
            2
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_serves_its_window_then_is_fetched_again() {
        let cache = Coalesce::new(8, Duration::from_secs(1));
        let fetches = AtomicU32::new(0);
        let window = Duration::from_secs(1);
        assert_eq!(fetch_counting(&cache, "k", window, &fetches).await, 1);
        tokio::time::advance(Duration::from_millis(900)).await;
        assert_eq!(fetch_counting(&cache, "k", window, &fetches).await, 1);
        assert_eq!(fetch_counting(&cache, "other", window, &fetches).await, 2);
        tokio::time::advance(Duration::from_millis(200)).await;
        assert_eq!(fetch_counting(&cache, "k", window, &fetches).await, 3);
        // A caller may ask for an answer no older than its own start.
        assert_eq!(
            fetch_counting(&cache, "k", Duration::ZERO, &fetches).await,
            3
        );
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(
            fetch_counting(&cache, "k", Duration::ZERO, &fetches).await,
            4
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_invalidates_what_was_kept_but_leaves_it_for_revalidation() {
        let cache = Coalesce::new(8, Duration::from_secs(60));
        let fetches = AtomicU32::new(0);
        assert_eq!(
            fetch_counting(&cache, "k", Duration::from_secs(60), &fetches).await,
            1
        );
        cache.invalidate();
        let seen = cache
            .get("k", |previous| async move {
                Ok::<_, ()>(previous.unwrap() + 10)
            })
            .await;
        assert_eq!(
            seen,
            Ok(11),
            "the fetch saw the answer kept before the write"
        );
        assert_eq!(
            fetch_counting(&cache, "k", Duration::from_secs(60), &fetches).await,
            11
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_not_kept_and_keys_are_bounded() {
        let cache = Coalesce::new(2, Duration::from_secs(60));
        let failed: Result<u32, &str> = cache.get("k", |_| async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let fetches = AtomicU32::new(0);
        let window = Duration::from_secs(60);
        assert_eq!(fetch_counting(&cache, "k", window, &fetches).await, 1);
        fetch_counting(&cache, "b", window, &fetches).await;
        fetch_counting(&cache, "c", window, &fetches).await;
        assert_eq!(
            fetch_counting(&cache, "k", window, &fetches).await,
            4,
            "the oldest key was forgotten"
        );
    }
}
