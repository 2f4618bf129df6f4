//! The edge cache (`caches.default`): lookups before fetching, and the store step after
//! answering, where every write happens, to the edge cache and, when the Worker has one, to
//! the R2 tier beside it ([`super::tier`]). A cache failure never fails a request: it is
//! logged and the request goes on without it.

use worker::{console_error, Cache, CacheDeletionOutcome, Data, Response, ResponseBody};

use super::respond::{header, headers};
use super::{now_s, tier, Cx};
use crate::budget::background;
use crate::cache_policy::{LargeSource, Stored};
use crate::stats;

/// Something an answer leaves to be stored once it has gone.
pub enum Store {
    /// An answer just made, with its metadata: stored in both layers.
    Made { key_url: String, tier_key: String, body: Vec<u8>, stored: Stored },
    /// A stale entry of either layer that the origin said is unchanged, stored again as fresh
    /// in both: a copy of its response (whose body the answer streams) and its new metadata.
    Refreshed { key_url: String, tier_key: String, copy: Response, stored: Stored },
    /// An entry the tier answered, copied into this data centre's edge cache (a copy of R2's
    /// body): the next request here does not ask R2 again.
    Promoted { key_url: String, copy: Response, stored: Stored },
    /// The mark saying a source is too large to transform, kept for `ttl` seconds in both.
    LargeMark { mark_url: String, tier_key: String, mark: LargeSource, ttl: u32 },
    /// An overlay's bytes as fetched (`super::overlay`), kept for `ttl` seconds in the edge
    /// cache only: refetching one is cheap, and each data centre needs it once.
    Overlay { key_url: String, body: Vec<u8>, ttl: u32 },
}

/// The store step: writes `store` after the answer has gone (`wait_until`), unless too many
/// stores are in flight already (the skip is counted): a burst of misses must not pile up
/// bodies in memory. One store is one place in that bound, whichever layers it writes.
pub fn store(cx: &Cx<'_>, store: Option<Store>) {
    let Some(store) = store else { return };
    let Some(slot) = background::try_start() else { return };
    let (key_url, tier_key, list, body) = match store {
        Store::Made { key_url, tier_key, body, stored } => {
            (key_url, Some(tier_key), stored.headers(), ResponseBody::Body(body))
        }
        Store::Refreshed { key_url, tier_key, copy, stored } => {
            (key_url, Some(tier_key), stored.headers(), copy.body().clone())
        }
        Store::Promoted { key_url, copy, stored } => (key_url, None, stored.headers(), copy.body().clone()),
        Store::LargeMark { mark_url, tier_key, mark, ttl } => {
            (mark_url, Some(tier_key), mark.headers(ttl, now_s()), ResponseBody::Empty)
        }
        Store::Overlay { key_url, body, ttl } => {
            let list = vec![("cache-control", format!("public, max-age={ttl}"))];
            (key_url, None, list, ResponseBody::Body(body))
        }
    };
    let mut response = Response::builder().with_headers(headers(&list)).body(body);
    // The tier gets its own copy of the body, made in JavaScript (a body held in Wasm moves
    // there once, for both).
    let tier = tier_key.zip(tier::bucket(cx.env)).and_then(|(key, bucket)| match response.cloned() {
        Ok(copy) => Some((bucket, key, copy)),
        Err(e) => {
            console_error!("cannot copy an answer for the tier: {e}");
            None
        }
    });
    // The tier first: an entry this data centre's cache holds is then in every data
    // centre's reach already.
    cx.ctx.wait_until(async move {
        if let Some((bucket, key, copy)) = tier {
            // A failure is counted and logged there; the edge cache is written regardless.
            tier::put(&bucket, &key, data(&copy), &list).await;
        }
        put(key_url, response).await;
        drop(slot);
    });
}

/// A response's body as R2 takes it.
fn data(response: &Response) -> Data {
    match response.body() {
        ResponseBody::Stream(stream) => Data::ReadableStream(stream.clone()),
        ResponseBody::Body(bytes) => Data::Bytes(bytes.clone()),
        ResponseBody::Empty => Data::Empty,
    }
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
