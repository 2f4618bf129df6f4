//! R2 sources: an object of the `SOURCE_BUCKET` binding read as an origin's answer, so that
//! [`super::upstream`] takes it as any other (its body behind the same guard, its headers
//! through the same rules). What the read asks and what the answer says come from
//! [`crate::bucket`]; this module only carries them out.

use worker::{Bucket, Conditional, Env, Object, Range, Response, ResponseBody};

use super::internal;
use super::respond::headers;
use crate::bucket::{self, ByteRange, Found, Read};
use crate::error::ProxyError;

/// The binding relative sources are read from, when the Worker has it.
pub const SOURCE_BUCKET: &str = "SOURCE_BUCKET";

/// Whether the Worker has a binding named `name` of an R2 bucket.
pub fn has(env: &Env, name: &str) -> bool {
    env.bucket(name).is_ok()
}

/// Reads `key` from `SOURCE_BUCKET` with the request headers `conditions` would have sent an
/// origin, answered as that origin would: `404` for a missing key, `304`, `206` or `200`.
/// The body is R2's own stream: it never enters Wasm memory.
pub async fn read_source(
    env: &Env,
    key: &str,
    conditions: &[(&'static str, String)],
) -> Result<Response, ProxyError> {
    let bucket: Bucket = env.bucket(SOURCE_BUCKET).map_err(internal)?;
    let read = Read::new(conditions);
    let mut get = bucket.get(key);
    if let Some(range) = read.range {
        get = get.range(r2_range(range));
    }
    if let Some(etag) = &read.etag_does_not_match {
        get = get.only_if(Conditional { etag_does_not_match: Some(etag.clone()), ..Conditional::default() });
    }
    let found = get.execute().await.map_err(|e| bucket::read_failed(&e.to_string()))?;
    let Some(object) = found else {
        return Ok(Response::builder().with_status(404).empty());
    };
    let (status, list) = bucket::answer(&found_of(&object), &read);
    let body = match object.body() {
        Some(body) => body.response_body().map_err(internal)?,
        None => ResponseBody::Empty,
    };
    Ok(Response::builder().with_status(status).with_headers(headers(&list)).body(body))
}

/// What R2 found, in the terms of [`crate::bucket`].
fn found_of(object: &Object) -> Found {
    let metadata = object.http_metadata();
    Found {
        size: object.size(),
        http_etag: object.http_etag(),
        uploaded: js_sys::Date::new(&(object.uploaded().as_millis() as f64).into()).to_utc_string().into(),
        content_type: metadata.content_type,
        cache_control: metadata.cache_control,
        has_body: object.body().is_some(),
    }
}

fn r2_range(range: ByteRange) -> Range {
    match range {
        ByteRange::Span { offset, length } => Range::OffsetWithLength { offset, length },
        ByteRange::From { offset } => Range::OffsetToEnd { offset },
        ByteRange::Suffix { length } => Range::Suffix { suffix: length },
    }
}
