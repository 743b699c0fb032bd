//! Remembered answers to operation requests, by idempotency key, so a retried request
//! returns the first answer instead of starting a second operation.

use crate::domain::EnvRef;
use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The first answer given to a key, replayed verbatim.
#[derive(Clone, Debug)]
pub struct StoredAnswer {
    /// What was asked (kind and canonical body): the same key with another request is refused.
    pub fingerprint: String,
    pub status: u16,
    pub content_type: &'static str,
    pub body: Bytes,
    pub location: Option<String>,
}

/// One key's slot: held (locked) while its first request runs, so a concurrent retry waits
/// for that answer instead of racing it.
pub type Slot = Arc<tokio::sync::Mutex<Option<StoredAnswer>>>;

pub struct IdempotencyStore {
    capacity: usize,
    inner: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    by_key: HashMap<(EnvRef, String), Slot>,
    /// Oldest first, for eviction.
    order: VecDeque<(EnvRef, String)>,
}

impl IdempotencyStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Slots::default()),
        }
    }

    /// The slot of `key` in `env`, made on first use. The oldest keys are forgotten past
    /// the capacity.
    pub fn slot(&self, env: &EnvRef, key: &str) -> Slot {
        let mut slots = self.inner.lock().expect("idempotency lock");
        let id = (env.clone(), key.to_owned());
        if let Some(slot) = slots.by_key.get(&id) {
            return slot.clone();
        }
        let slot = Slot::default();
        slots.by_key.insert(id.clone(), slot.clone());
        slots.order.push_back(id);
        while slots.order.len() > self.capacity {
            if let Some(oldest) = slots.order.pop_front() {
                slots.by_key.remove(&oldest);
            }
        }
        slot
    }
}

/// A key is 1 to 255 visible ASCII characters (a UUID is typical).
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_slot_and_envs_are_separate() {
        let store = IdempotencyStore::new(10);
        let prod = EnvRef::new("p", "production");
        let staging = EnvRef::new("p", "staging");
        assert!(Arc::ptr_eq(
            &store.slot(&prod, "k"),
            &store.slot(&prod, "k")
        ));
        assert!(!Arc::ptr_eq(
            &store.slot(&prod, "k"),
            &store.slot(&staging, "k")
        ));
    }

    #[test]
    fn oldest_keys_are_forgotten_past_capacity() {
        let store = IdempotencyStore::new(2);
        let env = EnvRef::new("p", "e");
        let first = store.slot(&env, "a");
        store.slot(&env, "b");
        store.slot(&env, "c");
        assert!(!Arc::ptr_eq(&first, &store.slot(&env, "a")));
    }

    #[test]
    fn keys_are_visible_ascii() {
        assert!(valid_key("7f1c2a9e-0b4d-4c1e-9a7e-3f2b1c0d9e8f"));
        assert!(!valid_key(""));
        assert!(!valid_key("has space"));
        assert!(!valid_key(&"k".repeat(256)));
    }
}
