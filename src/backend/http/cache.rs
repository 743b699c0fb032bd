//! Conditional GETs and one request in flight per URL.
//!
//! Each URL has a slot holding its last good answer and ETag behind an async mutex. The
//! caller holding the lock asks the server (with `If-None-Match`); callers that queued
//! behind it reuse the answer it got instead of asking again.

use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// The last answer to a URL that decoded.
#[derive(Clone, Debug)]
pub struct Cached {
    pub etag: Option<String>,
    pub body: Bytes,
    /// When it was last confirmed by the server (a 200 or a 304).
    pub confirmed: Instant,
}

pub type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

pub struct GetCache {
    capacity: usize,
    inner: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    by_url: HashMap<String, Slot>,
    /// Oldest first, for eviction.
    order: VecDeque<String>,
}

impl GetCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Slots::default()),
        }
    }

    pub fn slot(&self, url: &str) -> Slot {
        let mut slots = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = slots.by_url.get(url) {
            return slot.clone();
        }
        let slot = Slot::default();
        slots.by_url.insert(url.to_owned(), slot.clone());
        slots.order.push_back(url.to_owned());
        while slots.order.len() > self.capacity {
            if let Some(oldest) = slots.order.pop_front() {
                slots.by_url.remove(&oldest);
            }
        }
        slot
    }
}

/// Whether an answer confirmed at or after `since` can serve a caller that started waiting
/// at `since` (someone else asked the server while it queued).
pub fn fresh_for(cached: &Option<Cached>, since: Instant) -> Option<&Cached> {
    cached.as_ref().filter(|c| c.confirmed >= since)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_slot_per_url_bounded() {
        let cache = GetCache::new(2);
        let a = cache.slot("/a");
        assert!(Arc::ptr_eq(&a, &cache.slot("/a")));
        cache.slot("/b");
        cache.slot("/c");
        assert!(
            !Arc::ptr_eq(&a, &cache.slot("/a")),
            "the oldest URL was forgotten"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn only_answers_confirmed_after_the_wait_began_are_shared() {
        let before = Instant::now();
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        let cached = Some(Cached {
            etag: None,
            body: Bytes::from_static(b"{}"),
            confirmed: Instant::now(),
        });
        assert!(fresh_for(&cached, before).is_some());
        tokio::time::advance(std::time::Duration::from_secs(1)).await;
        assert!(fresh_for(&cached, Instant::now()).is_none());
    }
}
