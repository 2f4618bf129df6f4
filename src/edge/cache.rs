//! The edge cache (`caches.default`): lookups before fetching, stores after answering.
//! A cache failure never fails a request: it is logged and the request goes on without it.

use worker::{console_error, Cache, CacheDeletionOutcome, Context, Headers, Response};

use crate::budget::background;
use crate::stats;

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

/// Stores an image after the response has been sent (`wait_until`), as binary.
pub fn store(
    ctx: &Context,
    key_url: String,
    body: Vec<u8>,
    content_type: &str,
    etag: &str,
    ttl_seconds: u32,
) {
    let headers = Headers::new();
    let cache_control = format!("public, max-age={ttl_seconds}");
    let stored_at = ((super::now_ms() / 1000.0) as u64).to_string();
    for (name, value) in [
        ("content-type", content_type),
        ("etag", etag),
        ("cache-control", &cache_control),
        (STORED_AT, &stored_at),
    ] {
        let _ = headers.set(name, value);
    }
    let response = Response::builder().with_headers(headers).fixed(body);
    put_later(ctx, key_url, response);
}

/// Stores `response` after the answer has gone, unless too many stores are in flight
/// already (the skip is counted): a burst of misses must not pile up bodies in memory.
fn put_later(ctx: &Context, key_url: String, response: Response) {
    let Some(slot) = background::try_start() else { return };
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

/// The header of a stored entry that says when it was stored (Unix seconds), for `Age`.
const STORED_AT: &str = "x-stored-at";

/// When a stored entry was stored, in Unix seconds.
pub fn stored_at(entry: &Response) -> Option<u64> {
    header(entry, STORED_AT).and_then(|value| value.trim().parse().ok())
}

/// A header of a stored entry.
pub fn header(entry: &Response, name: &str) -> Option<String> {
    entry.headers().get(name).ok().flatten()
}

/// Remembers, for `ttl_seconds`, that the source behind `mark_url` is too large to transform.
pub fn remember_large(ctx: &Context, mark_url: String, ttl_seconds: u32) {
    let headers = Headers::new();
    let _ = headers.set("cache-control", &format!("public, max-age={ttl_seconds}"));
    let response = Response::builder().with_headers(headers).fixed(Vec::new());
    put_later(ctx, mark_url, response);
}
