//! The edge cache (`caches.default`): lookups before fetching, stores after answering.
//! A cache failure never fails a request: it is logged and the request goes on without it.

use worker::{console_error, Cache, CacheDeletionOutcome, Context, Headers, Response};

use super::upstream::Conditions;
use crate::budget::background;
use crate::cache_policy::LargeSource;
use crate::etag::Validators;
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

/// What is kept with a stored image besides its bytes, in its headers.
#[derive(Debug, Clone)]
pub struct Stored {
    /// `Content-Type` of the image.
    pub content_type: String,
    /// Its strong `ETag`.
    pub etag: String,
    /// Seconds it is fresh for, and the `max-age` clients are told.
    pub ttl: u32,
    /// When it was stored (or last revalidated), in Unix seconds.
    pub stored_at: u64,
    /// The source's validators, to ask the origin once the image is stale.
    pub validators: Validators,
}

/// Header names of the metadata; `x-` names are the proxy's own.
const TTL: &str = "x-fresh-seconds";
const STORED_AT: &str = "x-stored-at";
const SOURCE_ETAG: &str = "x-source-etag";
const SOURCE_LAST_MODIFIED: &str = "x-source-last-modified";

impl Stored {
    /// The metadata of an image stored now.
    pub fn new(content_type: &str, etag: &str, ttl: u32, validators: Validators) -> Stored {
        Stored {
            content_type: content_type.to_string(),
            etag: etag.to_string(),
            ttl,
            stored_at: (super::now_ms() / 1000.0) as u64,
            validators,
        }
    }

    /// The metadata of a stored entry (an entry stored before `x-fresh-seconds` existed
    /// reads as fresh for no time, and so is revalidated or fetched again).
    pub fn read(entry: &Response) -> Stored {
        let number = |name: &str| header(entry, name).and_then(|v| v.trim().parse::<u64>().ok());
        Stored {
            content_type: header(entry, "content-type").unwrap_or_default(),
            etag: header(entry, "etag").unwrap_or_default(),
            ttl: number(TTL).and_then(|ttl| u32::try_from(ttl).ok()).unwrap_or(0),
            stored_at: number(STORED_AT).unwrap_or(0),
            validators: Validators {
                etag: header(entry, SOURCE_ETAG),
                last_modified: header(entry, SOURCE_LAST_MODIFIED),
            },
        }
    }

    /// Whether it is still fresh at `now` (Unix seconds).
    pub fn is_fresh(&self, now: u64) -> bool {
        now < self.stored_at.saturating_add(u64::from(self.ttl))
    }

    /// The conditional request headers that revalidate it; `None` when the source had no
    /// validators, and a stale entry can only be fetched again.
    pub fn conditions(&self) -> Option<Conditions> {
        let conditions = self.validators.conditions();
        (!conditions.is_empty()).then_some(conditions)
    }

    /// The headers it is stored with. The Cache API keeps it for twice its freshness (at
    /// least a minute longer): fresh, then stale but worth revalidating.
    fn headers(&self) -> Headers {
        let kept = u64::from(self.ttl).saturating_mul(2).max(u64::from(self.ttl) + 60);
        let cache_control = format!("public, max-age={kept}");
        let (ttl, stored_at) = (self.ttl.to_string(), self.stored_at.to_string());
        let headers = Headers::new();
        let pairs = [
            ("content-type", Some(self.content_type.as_str())),
            ("etag", Some(self.etag.as_str())),
            ("cache-control", Some(cache_control.as_str())),
            (TTL, Some(ttl.as_str())),
            (STORED_AT, Some(stored_at.as_str())),
            (SOURCE_ETAG, self.validators.etag.as_deref()),
            (SOURCE_LAST_MODIFIED, self.validators.last_modified.as_deref()),
        ];
        for (name, value) in pairs {
            if let Some(value) = value {
                let _ = headers.set(name, value);
            }
        }
        headers
    }
}

/// Stores an image after the response has been sent (`wait_until`), as binary.
pub fn store(ctx: &Context, key_url: String, body: Vec<u8>, stored: &Stored) {
    let response = Response::builder().with_headers(stored.headers()).fixed(body);
    put_later(ctx, key_url, response);
}

/// Stores a stale entry (its metadata read as `stored`) again as fresh from `now`, after the
/// origin said its source is unchanged, and returns its new metadata. The entry can still be
/// answered with: the store takes a copy of its body.
pub fn refresh(ctx: &Context, key_url: &str, entry: &mut Response, stored: Stored, now: u64) -> Stored {
    let stored = Stored { stored_at: now, ..stored };
    match entry.cloned() {
        Ok(copy) => {
            let again = Response::builder().with_headers(stored.headers()).body(copy.body().clone());
            put_later(ctx, key_url.to_string(), again);
        }
        Err(e) => console_error!("cannot copy a revalidated entry to store it again: {e}"),
    }
    stored
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

/// A header of a stored entry.
pub fn header(entry: &Response, name: &str) -> Option<String> {
    entry.headers().get(name).ok().flatten()
}

/// Remembers, for `ttl_seconds`, that the source behind `mark_url` is too large to transform.
pub fn remember_large(ctx: &Context, mark_url: String, mark: &LargeSource, ttl_seconds: u32) {
    let headers = Headers::new();
    let _ = headers.set("cache-control", &format!("public, max-age={ttl_seconds}"));
    for (name, value) in mark.headers() {
        let _ = headers.set(name, &value);
    }
    let response = Response::builder().with_headers(headers).fixed(Vec::new());
    put_later(ctx, mark_url, response);
}

/// What an earlier request remembered about the source behind `mark_url`, if anything.
pub async fn recall_large(mark_url: &str) -> Option<LargeSource> {
    let entry = lookup(mark_url).await?;
    Some(LargeSource::read(|name| header(&entry, name)))
}
