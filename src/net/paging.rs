//! The bounds on reading a list page by page, for the engine's pager and for the loops an
//! adapter runs itself (Kubernetes' `continue`, Unkey's apps, Fly's releases): a platform
//! that pages forever, or hands back a cursor it already gave, is stopped with a message
//! naming it, never followed until the memory or the deadline runs out.

use crate::backend::BackendError;
use std::collections::HashSet;

/// The most items read from one list.
pub const MAX_ITEMS: usize = 100_000;
/// The most pages read from one list.
pub const MAX_PAGES: usize = 1_000;

/// A cursor's hash, the same in every run: a platform's cursors may be long, and a
/// thousand of them must not be kept whole.
pub fn fingerprint(cursor: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    cursor.hash(&mut hasher);
    hasher.finish()
}

/// Watches an adapter's own paging loop: told of each page read, it says whether the next
/// cursor may be followed.
pub struct PageGuard {
    /// The platform in words (`Fly.io`).
    platform: &'static str,
    /// The list (`the releases of shop-web`).
    what: String,
    pages: usize,
    items: usize,
    seen: HashSet<u64>,
}

impl PageGuard {
    pub fn new(platform: &'static str, what: impl Into<String>) -> Self {
        Self {
            platform,
            what: what.into(),
            pages: 0,
            items: 0,
            seen: HashSet::new(),
        }
    }

    /// A page of `items` was read and names `next`: `Ok` when it may be followed, an
    /// error past [`MAX_PAGES`] or [`MAX_ITEMS`] or on a cursor already followed.
    pub fn follow(&mut self, items: usize, next: &str) -> Result<(), BackendError> {
        self.pages += 1;
        self.items += items;
        let why = if self.pages >= MAX_PAGES || self.items >= MAX_ITEMS {
            format!("kept paging past the bound ({MAX_ITEMS} items or {MAX_PAGES} pages)")
        } else if !self.seen.insert(fingerprint(next)) {
            "handed back a page cursor it had already given".to_owned()
        } else {
            return Ok(());
        };
        Err(BackendError::Decode {
            message: format!(
                "stopped reading {} after {} items in {} pages: {} {why}; the rest was not read",
                self.what, self.items, self.pages, self.platform
            ),
            excerpt: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_cursors_are_followed_up_to_the_page_bound() {
        let mut guard = PageGuard::new("Fly.io", "the releases of shop-web");
        for n in 1..MAX_PAGES {
            guard.follow(0, &format!("c{n}")).unwrap();
        }
        let said = guard.follow(0, "one more").unwrap_err().to_string();
        assert!(
            said.contains("the releases of shop-web after 0 items in 1000 pages")
                && said.contains("Fly.io kept paging past the bound"),
            "{said}"
        );
    }

    #[test]
    fn the_item_bound_stops_big_pages_sooner() {
        let mut guard = PageGuard::new("Unkey", "the apps");
        guard.follow(MAX_ITEMS / 2, "a").unwrap();
        let said = guard.follow(MAX_ITEMS / 2, "b").unwrap_err().to_string();
        assert!(said.contains("100000 items in 2 pages"), "{said}");
    }

    #[test]
    fn a_cursor_seen_before_is_a_loop_even_two_pages_apart() {
        let mut guard = PageGuard::new("the Kubernetes API server", "the ReplicaSets");
        guard.follow(1, "a").unwrap();
        guard.follow(1, "b").unwrap();
        let said = guard.follow(1, "a").unwrap_err().to_string();
        assert!(
            said.contains("handed back a page cursor it had already given"),
            "{said}"
        );
    }
}
