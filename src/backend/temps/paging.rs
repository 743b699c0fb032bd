//! Temps pages by number (`page` from 1, `per_page`); a `page` or `per_page` of 0 or less
//! makes the v0.0.1 server drop the connection (its handler panics), so no request is ever
//! built with one. The console's opaque cursor carries the page and the oldest id already
//! shown, so a deployment created between two pages (which shifts the numbering) is not
//! shown twice.

use super::api::MAX_PAGE;
use crate::backend::BackendError;

/// A page as sent: both numbers are at least 1 by construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageQuery {
    page: u32,
    per_page: u32,
}

impl PageQuery {
    /// `page` below 1 becomes 1; `per_page` is held within 1..=[`MAX_PAGE`].
    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, MAX_PAGE),
        }
    }

    pub fn page(self) -> u32 {
        self.page
    }

    pub fn per_page(self) -> u32 {
        self.per_page
    }

    /// Whether a later page holds more of `total`.
    pub fn has_more(self, total: i64) -> bool {
        i64::from(self.page) * i64::from(self.per_page) < total
    }

    pub fn next(self) -> Self {
        Self::new(self.page.saturating_add(1), self.per_page)
    }
}

/// Where a listing continues.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub scope: String,
    pub page: PageQuery,
    /// Items at or above this id were shown already (newest first, ids grow).
    pub below: Option<i32>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let below = self.below.map(|b| b.to_string()).unwrap_or_default();
        format!(
            "{}|{}|{}|{below}",
            self.scope,
            self.page.page(),
            self.page.per_page()
        )
    }

    /// A cursor of this listing (`scope`), or why it is not one.
    pub fn decode(scope: &str, text: &str) -> Result<Self, BackendError> {
        let bad = || {
            BackendError::invalid(format!(
                "cursor `{text}` does not continue this listing ({scope})"
            ))
        };
        let mut parts = text.rsplitn(4, '|');
        let below = parts.next().ok_or_else(bad)?;
        let per_page = parts.next().ok_or_else(bad)?;
        let page = parts.next().ok_or_else(bad)?;
        let owner = parts.next().ok_or_else(bad)?;
        if owner != scope {
            return Err(bad());
        }
        let page: u32 = page.parse().map_err(|_| bad())?;
        let per_page: u32 = per_page.parse().map_err(|_| bad())?;
        if page == 0 || per_page == 0 {
            return Err(bad());
        }
        let below = match below {
            "" => None,
            b => Some(b.parse().map_err(|_| bad())?),
        };
        Ok(Self {
            scope: scope.to_owned(),
            page: PageQuery::new(page, per_page),
            below,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_page_is_ever_zero_or_unbounded() {
        let q = PageQuery::new(0, 0);
        assert_eq!((q.page(), q.per_page()), (1, 1));
        assert_eq!(PageQuery::new(3, 10_000).per_page(), MAX_PAGE);
        assert!(PageQuery::new(1, 2).has_more(5));
        assert!(!PageQuery::new(3, 2).has_more(5));
        assert!(!PageQuery::new(1, 10).has_more(0));
    }

    #[test]
    fn cursors_round_trip_and_belong_to_one_listing() {
        let cursor = Cursor {
            scope: "deployments:shop|production".into(),
            page: PageQuery::new(2, 25),
            below: Some(41),
        };
        let text = cursor.encode();
        assert_eq!(
            Cursor::decode("deployments:shop|production", &text),
            Ok(cursor)
        );
        assert!(Cursor::decode("deployments:other|production", &text).is_err());
        assert!(Cursor::decode("projects", "projects|0|10|").is_err());
        assert!(Cursor::decode("projects", "nonsense").is_err());
    }
}
