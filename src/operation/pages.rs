//! Reading a whole list page by page, with a bound: a platform that pages forever (or hands
//! back a cursor it already gave) is stopped with a clear message, never followed until the
//! memory runs out.

use crate::backend::{Backend, BackendError, Page, PageRequest};
use crate::domain::{Deployment, EnvRef, Project};
use std::collections::HashSet;
use std::future::Future;

pub use crate::net::paging::{MAX_ITEMS, MAX_PAGES};

/// Items asked for per page when a whole list is needed.
pub const PAGE_SIZE: usize = 200;
/// The most items asked for in one page (the HTTP contract's largest `limit`).
pub const MAX_PAGE_SIZE: usize = 500;
/// The most platform text kept from one list, in bytes ([`Weigh`]): with each answer
/// limited to 16 MiB, a thousand pages could otherwise hold gigabytes. An ordinary
/// deployment weighs a few hundred bytes, so 100,000 of them fit inside. Strings are kept
/// whole (`--json` gives the platform's exact text back), so the bound is on the list.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// The bytes of platform text an item holds, roughly: what the list bound counts.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for Deployment {
    /// Its own strings. The lists shared between deployments (regions, components,
    /// configuration) are shared `Arc`s, held once however many deployments name them;
    /// counting them per deployment would stop an ordinary long list.
    fn weight(&self) -> usize {
        let commit = self.commit.as_ref().map_or(0, |c| {
            c.sha.len() + c.subject.len() + c.branch.as_ref().map_or(0, String::len)
        });
        self.id.as_str().len()
            + self.label.len()
            + self.artifact.image.len()
            + self.artifact.digest.as_ref().map_or(0, String::len)
            + commit
            + self.author.as_ref().map_or(0, |a| a.len())
            + self.migrations.iter().map(String::len).sum::<usize>()
    }
}

impl Weigh for Project {
    fn weight(&self) -> usize {
        self.id.as_str().len()
            + self.name.len()
            + self.components.iter().map(String::len).sum::<usize>()
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PagingError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The items read so far hold more platform text than a list may.
    #[error(
        "stopped reading {what} after {items} items in {pages} pages: {platform} sent more \
         than {} MiB of text for them; the rest was not read",
        MAX_BYTES / (1024 * 1024)
    )]
    TooLarge {
        platform: &'static str,
        what: &'static str,
        items: usize,
        pages: usize,
    },
    /// The platform kept handing out pages past the bound.
    #[error(
        "stopped reading {what} after {items} items in {pages} pages: {platform} kept paging \
         past the bound ({MAX_ITEMS} items or {MAX_PAGES} pages); the rest was not read"
    )]
    Unbounded {
        platform: &'static str,
        what: &'static str,
        items: usize,
        pages: usize,
    },
    /// A cursor came back that was already followed: the next page would repeat the list.
    #[error(
        "stopped reading {what} after {pages} pages: {platform} handed back a page cursor it \
         had already given; the rest was not read"
    )]
    Loop {
        platform: &'static str,
        what: &'static str,
        pages: usize,
    },
}

/// For a caller that reports only the platform's errors: a list that does not end is an
/// answer that cannot be used, like one that does not decode.
impl From<PagingError> for BackendError {
    fn from(error: PagingError) -> Self {
        match error {
            PagingError::Backend(error) => error,
            other => BackendError::Decode {
                message: other.to_string(),
                excerpt: None,
            },
        }
    }
}

/// A list read one page at a time, within the bounds: only the page in hand is held, so
/// a listing of any length streams in bounded memory.
pub struct Pager<F> {
    /// The platform in words, for the bounds' messages.
    platform: &'static str,
    what: &'static str,
    fetch: F,
    request: PageRequest,
    /// The cursors already followed, by their hash: a platform's cursors may be long, and
    /// a thousand of them must not be kept whole.
    seen: HashSet<u64>,
    pages: usize,
    items: usize,
    /// The cursor of the page after the last one read; `None` at the end.
    cursor: Option<String>,
}

impl<T, F, Fut> Pager<F>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, BackendError>>,
{
    /// Pages of `page_size` items (the platform may send fewer) from the first; `platform`
    /// names it in the bounds' messages.
    pub fn new(platform: &'static str, what: &'static str, page_size: usize, fetch: F) -> Self {
        Self {
            platform,
            what,
            fetch,
            request: PageRequest::first(page_size.clamp(1, MAX_PAGE_SIZE)),
            seen: HashSet::new(),
            pages: 0,
            items: 0,
            cursor: None,
        }
    }

    /// The next page's items; `None` after the last page. Past the bounds, or on a cursor
    /// handed out twice, an error instead of another request.
    pub async fn next(&mut self) -> Result<Option<Vec<T>>, PagingError> {
        if self.pages > 0 {
            let Some(cursor) = self.cursor.take() else {
                return Ok(None);
            };
            if self.items >= MAX_ITEMS || self.pages >= MAX_PAGES {
                return Err(PagingError::Unbounded {
                    platform: self.platform,
                    what: self.what,
                    items: self.items,
                    pages: self.pages,
                });
            }
            if !self.seen.insert(crate::net::paging::fingerprint(&cursor)) {
                return Err(PagingError::Loop {
                    platform: self.platform,
                    what: self.what,
                    pages: self.pages,
                });
            }
            self.request.cursor = Some(cursor);
        }
        let page = (self.fetch)(self.request.clone()).await?;
        self.pages += 1;
        self.items += page.items.len();
        self.cursor = page.next;
        Ok(Some(page.items))
    }

    /// Whether the last page read was the list's last.
    pub fn finished(&self) -> bool {
        self.pages > 0 && self.cursor.is_none()
    }

    /// The pages read so far.
    pub fn pages(&self) -> usize {
        self.pages
    }
}

/// Up to `limit` items (at most [`MAX_ITEMS`], holding at most [`MAX_BYTES`] of text),
/// following `next` from the first page.
pub async fn collect<T: Weigh, F, Fut>(
    platform: &'static str,
    what: &'static str,
    limit: usize,
    fetch: F,
) -> Result<Vec<T>, PagingError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, BackendError>>,
{
    collect_in_pages(platform, what, limit.min(PAGE_SIZE), limit, fetch).await
}

/// [`collect`], asking for `page_size` items a page.
pub async fn collect_in_pages<T: Weigh, F, Fut>(
    platform: &'static str,
    what: &'static str,
    page_size: usize,
    limit: usize,
    fetch: F,
) -> Result<Vec<T>, PagingError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, BackendError>>,
{
    let mut pager = Pager::new(platform, what, page_size, fetch);
    let mut all = Vec::new();
    let mut bytes = 0;
    while let Some(items) = pager.next().await? {
        bytes += items.iter().map(Weigh::weight).sum::<usize>();
        all.extend(items);
        if bytes > MAX_BYTES {
            return Err(PagingError::TooLarge {
                platform,
                what,
                items: all.len(),
                pages: pager.pages(),
            });
        }
        if all.len() >= limit {
            all.truncate(limit);
            break;
        }
    }
    Ok(all)
}

/// Every project of the backend.
pub async fn projects(backend: &dyn Backend) -> Result<Vec<Project>, PagingError> {
    collect(backend.platform(), "projects", MAX_ITEMS, |page| {
        backend.list_projects(page)
    })
    .await
}

/// The environment's deployments, newest first, up to `limit`.
pub async fn deployments(
    backend: &dyn Backend,
    env: &EnvRef,
    limit: usize,
) -> Result<Vec<Deployment>, PagingError> {
    collect(backend.platform(), "deployments", limit, |page| {
        backend.list_deployments(env, page)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weigh for u8 {
        fn weight(&self) -> usize {
            1
        }
    }

    impl Weigh for u32 {
        fn weight(&self) -> usize {
            4
        }
    }

    /// An item holding this many bytes of text.
    #[derive(Debug)]
    struct Blob(usize);

    impl Weigh for Blob {
        fn weight(&self) -> usize {
            self.0
        }
    }

    #[tokio::test]
    async fn a_list_that_holds_too_much_text_is_stopped_at_the_byte_bound() {
        // Pages of 8 items of 1 MiB of text each: the ninth passes 64 MiB.
        let error = collect("Fly.io", "deployments", MAX_ITEMS, |r| async move {
            let n: usize = r.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
            Ok(Page {
                items: (0..8).map(|_| Blob(1024 * 1024)).collect(),
                next: Some((n + 1).to_string()),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(
            error,
            PagingError::TooLarge {
                platform: "Fly.io",
                what: "deployments",
                items: 72,
                pages: 9,
            }
        );
        assert!(
            error
                .to_string()
                .contains("Fly.io sent more than 64 MiB of text"),
            "{error}"
        );
    }

    /// Pages of what was asked for, and always one more.
    fn endless(request: PageRequest) -> Result<Page<u32>, BackendError> {
        let n: u64 = request.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
        Ok(Page {
            items: vec![1; request.limit.unwrap_or(10)],
            next: Some((n + 1).to_string()),
        })
    }

    #[tokio::test]
    async fn a_platform_that_pages_forever_is_stopped_at_the_bound() {
        let error = collect("Vercel", "deployments", usize::MAX, |r| async move {
            endless(r)
        })
        .await
        .unwrap_err();
        assert_eq!(
            error,
            PagingError::Unbounded {
                platform: "Vercel",
                what: "deployments",
                items: MAX_ITEMS,
                pages: MAX_ITEMS / PAGE_SIZE,
            }
        );
        assert!(
            error
                .to_string()
                .contains("Vercel kept paging past the bound"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn tiny_pages_are_stopped_by_the_page_bound() {
        let error = collect("Vercel", "projects", usize::MAX, |r| async move {
            Ok(Page {
                items: vec![0u8],
                next: Some(format!("{}x", r.cursor.unwrap_or_default())),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(
            error,
            PagingError::Unbounded {
                platform: "Vercel",
                what: "projects",
                items: MAX_PAGES,
                pages: MAX_PAGES,
            }
        );
    }

    #[tokio::test]
    async fn a_repeated_cursor_is_a_loop() {
        let error = collect("Vercel", "projects", usize::MAX, |_| async {
            Ok(Page {
                items: vec![1u8],
                next: Some("same".to_owned()),
            })
        })
        .await
        .unwrap_err();
        assert_eq!(
            error,
            PagingError::Loop {
                platform: "Vercel",
                what: "projects",
                pages: 2,
            }
        );
        assert!(
            error
                .to_string()
                .contains("Vercel handed back a page cursor"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_limit_stops_early_and_the_last_page_ends_the_list() {
        let got = collect("Vercel", "deployments", 120, |r| async move { endless(r) })
            .await
            .unwrap();
        assert_eq!(got.len(), 120);
        let mut pages = 0;
        let got = collect("Vercel", "deployments", usize::MAX, |r| {
            pages += 1;
            let last = r.cursor.as_deref() == Some("2");
            async move {
                Ok(Page {
                    items: vec![7u8; 3],
                    next: (!last).then(|| if r.cursor.is_none() { "1" } else { "2" }.to_owned()),
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(got.len(), 9);
        assert_eq!(pages, 3);
    }
}
