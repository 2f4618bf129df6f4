//! The edge cache (`caches.default`): lookups before fetching, and the store step after
//! answering, where every write happens. A cache failure never fails a request: it is logged
//! and the request goes on without it.

use worker::{console_error, Cache, CacheDeletionOutcome, Context, Response};

use super::respond::{header, headers};
use crate::budget::background;
use crate::cache_policy::{LargeSource, Stored};
use crate::stats;

/// Something an answer leaves to be stored once it has gone.
pub enum Store {
    /// An answer just made, with its metadata.
    Made { key_url: String, body: Vec<u8>, stored: Stored },
    /// A stale entry the origin said is unchanged, stored again as fresh: a copy of its
    /// response (whose body the answer streams) and its new metadata.
    Refreshed { key_url: String, copy: Response, stored: Stored },
    /// The mark saying a source is too large to transform, kept for `ttl` seconds.
    LargeMark { mark_url: String, mark: LargeSource, ttl: u32 },
}

/// The store step: writes `store` after the answer has gone (`wait_until`), unless too many
/// stores are in flight already (the skip is counted): a burst of misses must not pile up
/// bodies in memory.
pub fn store(ctx: &Context, store: Option<Store>) {
    let Some(store) = store else { return };
    let Some(slot) = background::try_start() else { return };
    let (key_url, response) = match store {
        Store::Made { key_url, body, stored } => {
            (key_url, Response::builder().with_headers(headers(&stored.headers())).fixed(body))
        }
        Store::Refreshed { key_url, copy, stored } => {
            (key_url, Response::builder().with_headers(headers(&stored.headers())).body(copy.body().clone()))
        }
        Store::LargeMark { mark_url, mark, ttl } => {
            (mark_url, Response::builder().with_headers(headers(&mark.headers(ttl))).fixed(Vec::new()))
        }
    };
    ctx.wait_until(async move {
        put(key_url, response).await;
        drop(slot);
    });
}

/// Stores `response` under `key_url` and counts the outcome.
async fn put(key_url: String, response: Response) {
    match Cache::default().put(key_url.as_str(), response).await {
        Ok(()) => stats::record(|c| c.cache_puts += 1),
        Err(e) => {
            stats::record(|c| c.cache_put_failures += 1);
            console_error!("cache store failed: {e}");
        }
    }
}

/// Looks up an entry; `None` on a miss or a cache error.
pub async fn lookup(key_url: &str) -> Option<Response> {
    match Cache::default().get(key_url, false).await {
        Ok(found) => found,
        Err(e) => {
            console_error!("cache lookup failed: {e}");
            None
        }
    }
}

/// What an earlier request remembered about the source behind `mark_url`, if anything.
pub async fn recall_large(mark_url: &str) -> Option<LargeSource> {
    let entry = lookup(mark_url).await?;
    Some(LargeSource::read(|name| header(&entry, name)))
}

/// Deletes an entry; whether there was one. A cache error counts as none (and is logged).
pub async fn delete(key_url: &str) -> bool {
    match Cache::default().delete(key_url, false).await {
        Ok(outcome) => matches!(outcome, CacheDeletionOutcome::Success),
        Err(e) => {
            console_error!("cache delete failed: {e}");
            false
        }
    }
}
