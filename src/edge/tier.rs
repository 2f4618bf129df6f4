//! The second tier: variants in the `VARIANTS` R2 bucket, one store for every data centre,
//! looked up after the edge cache missed and written beside it. An entry is what the edge
//! cache holds under the same name ([`crate::cache_key::tier_key`]), its metadata in R2's
//! custom metadata ([`Stored`], or a [`LargeSource`] mark), and its body R2's own stream,
//! which never enters Wasm memory. A tier failure never fails a request: it is logged and
//! the request goes on without the tier.

use std::collections::HashMap;

use worker::{console_error, Bucket, Data, Env, HttpMetadata, Object, Response};

use super::respond::headers;
use crate::cache_policy::{kept, LargeSource, Stored};
use crate::stats;

/// The binding of the tier's bucket, when the Worker has it.
pub const VARIANTS: &str = "VARIANTS";

/// The tier's bucket, if the Worker has one.
pub fn bucket(env: &Env) -> Option<Bucket> {
    env.bucket(VARIANTS).ok()
}

/// The answer stored under `key`, as a response with its stored headers and R2's body, and
/// its metadata; `None` when there is none, or it is past the time it is kept.
pub async fn lookup(bucket: &Bucket, key: &str, now: u64) -> Option<(Response, Stored)> {
    let object = get(bucket, key, now).await?;
    let metadata = metadata(&object);
    let stored = Stored::read(|name| metadata.get(name).cloned());
    let body = object.body()?.response_body().map_err(|e| console_error!("tier body: {e}")).ok()?;
    let response = Response::builder().with_headers(headers(&stored.headers())).body(body);
    Some((response, stored))
}

/// The too-large mark stored under `key`, if one is kept.
pub async fn recall_large(bucket: &Bucket, key: &str, now: u64) -> Option<LargeSource> {
    let object = get(bucket, key, now).await?;
    let metadata = metadata(&object);
    Some(LargeSource::read(|name| metadata.get(name).cloned()))
}

/// The object under `key`, if it is still kept at `now`.
async fn get(bucket: &Bucket, key: &str, now: u64) -> Option<Object> {
    let object = match bucket.get(key).execute().await {
        Ok(object) => object?,
        Err(e) => {
            console_error!("tier lookup failed: {e}");
            return None;
        }
    };
    let metadata = metadata(&object);
    kept(|name| metadata.get(name).cloned(), now).then_some(object)
}

fn metadata(object: &Object) -> HashMap<String, String> {
    object.custom_metadata().unwrap_or_default()
}

/// Writes `body` under `key` with `list` (the headers the edge cache stores it with) as its
/// metadata, and counts the outcome: whether it was stored.
pub async fn put(bucket: &Bucket, key: &str, body: Data, list: &[(&'static str, String)]) -> bool {
    let custom: HashMap<String, String> =
        list.iter().map(|(name, value)| (name.to_string(), value.clone())).collect();
    let content_type = custom.get("content-type").cloned();
    let put = bucket
        .put(key, body)
        .custom_metadata(custom)
        .http_metadata(HttpMetadata { content_type, ..HttpMetadata::default() });
    match put.execute().await {
        Ok(_) => {
            stats::record(|c| c.tier_puts += 1);
            true
        }
        Err(e) => {
            stats::record(|c| c.tier_put_failures += 1);
            console_error!("tier store failed: {e}");
            false
        }
    }
}

/// Whether a fresh answer is stored under `key` at `now` (its metadata read, not its body).
pub async fn is_fresh(bucket: &Bucket, key: &str, now: u64) -> bool {
    let object = match bucket.head(key).await {
        Ok(Some(object)) => object,
        Ok(None) => return false,
        Err(e) => {
            console_error!("tier lookup failed: {e}");
            return false;
        }
    };
    let metadata = metadata(&object);
    let lookup = |name: &str| metadata.get(name).cloned();
    kept(lookup, now) && Stored::read(lookup).is_fresh(now)
}

/// Deletes `key`; whether there was an entry. An R2 error counts as none (and is logged).
pub async fn delete(bucket: &Bucket, key: &str) -> bool {
    match bucket.head(key).await {
        Ok(Some(_)) => match bucket.delete(key).await {
            Ok(()) => true,
            Err(e) => {
                console_error!("tier delete failed: {e}");
                false
            }
        },
        Ok(None) => false,
        Err(e) => {
            console_error!("tier lookup before delete failed: {e}");
            false
        }
    }
}
