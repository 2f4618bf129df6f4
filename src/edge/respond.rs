//! Building the responses the proxy sends: images, pass-through streams, cache hits, 304s and
//! problem documents.

use serde::Serialize;
use worker::web_sys::ReadableStream;
use worker::{Headers, Response};

use super::internal;
use crate::error::ProxyError;

/// Headers copied from the upstream onto a pass-through response; nothing else is.
const PASSTHROUGH_HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "etag",
    "last-modified",
    "cache-control",
    "expires",
];

/// Headers built from fixed names and values this crate made; `set` only fails on invalid
/// header names or values, which are logged rather than allowed to fail a response.
fn headers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Headers {
    let headers = Headers::new();
    for (name, value) in pairs {
        if let Err(e) = headers.set(name, value) {
            worker::console_error!("header {name}: {e}");
        }
    }
    headers
}

/// The `application/problem+json` answer for a failure.
pub fn problem(err: &ProxyError) -> Response {
    let h = headers([("content-type", "application/problem+json"), ("cache-control", "no-store")]);
    if let Some(seconds) = err.retry_after_seconds() {
        let _ = h.set("retry-after", &seconds.to_string());
    }
    Response::builder().with_status(err.status()).with_headers(h).fixed(err.problem_json().into_bytes())
}

/// `302 Found` to `location`, not to be stored: the next request may well succeed.
pub fn redirect(location: &str) -> Response {
    let h = headers([("location", location), ("cache-control", "no-store")]);
    Response::builder().with_status(302).with_headers(h).empty()
}

/// A JSON document, never cached.
pub fn json(value: &impl Serialize) -> Result<Response, ProxyError> {
    let body = serde_json::to_vec(value).map_err(internal)?;
    let h = headers([("content-type", "application/json"), ("cache-control", "no-store")]);
    Ok(Response::builder().with_headers(h).fixed(body))
}

/// The headers every image answer carries.
pub struct ImageHeaders<'a> {
    /// `Content-Type`.
    pub content_type: &'a str,
    /// Strong `ETag`, quoted.
    pub etag: &'a str,
    /// `Cache-Control` for the client and the edge cache.
    pub cache_control: String,
    /// `Age`: seconds since a stored answer was made (hits only).
    pub age: Option<u64>,
    /// `HIT`, `MISS` or `BYPASS`.
    pub x_cache: &'static str,
    /// Whether the answer depends on `Accept`.
    pub vary_accept: bool,
    /// `Server-Timing`.
    pub server_timing: String,
    /// `Content-Disposition`.
    pub disposition: String,
}

impl ImageHeaders<'_> {
    fn to_headers(&self) -> Headers {
        let mut pairs = vec![
            ("content-type", self.content_type),
            ("etag", self.etag),
            ("cache-control", self.cache_control.as_str()),
            ("x-cache", self.x_cache),
            ("server-timing", self.server_timing.as_str()),
            ("content-disposition", self.disposition.as_str()),
        ];
        if self.vary_accept {
            pairs.push(("vary", "Accept"));
        }
        let age = self.age.map(|seconds| seconds.to_string());
        if let Some(age) = age.as_deref() {
            pairs.push(("age", age));
        }
        headers(pairs)
    }
}

/// An image held in memory.
pub fn image(body: Vec<u8>, meta: &ImageHeaders) -> Response {
    Response::builder().with_headers(meta.to_headers()).fixed(body)
}

/// `304 Not Modified` for a matching `If-None-Match`: the headers a 200 would have had that
/// describe the cached copy (RFC 9110 §15.4.5), not those of a body (`Content-Type`,
/// `Content-Disposition`), which it has not.
pub fn not_modified(meta: &ImageHeaders) -> Response {
    let h = meta.to_headers();
    for name in ["content-type", "content-disposition"] {
        let _ = h.delete(name);
    }
    Response::builder().with_status(304).with_headers(h).empty()
}

/// A stored entry, answered with its own body stream and this request's headers.
pub fn cached(hit: &Response, meta: &ImageHeaders) -> Response {
    // A stored response's headers are immutable: build a new response around its body.
    Response::builder().with_headers(meta.to_headers()).body(hit.body().clone())
}

/// The upstream's body handed to the client as it is, with its status (200, or 206 for a
/// range): it never enters Wasm memory.
pub fn passthrough(upstream: Response, server_timing: &str) -> Response {
    let h = passthrough_headers(&upstream, server_timing);
    let body = upstream.body().clone();
    Response::builder().with_status(upstream.status_code()).with_headers(h).body(body)
}

/// A body read in part and then handed on (the spill case), with the upstream's headers
/// except `Content-Length`, which it did not declare.
pub fn passthrough_stream(upstream: &Response, body: ReadableStream, server_timing: &str) -> Response {
    let h = passthrough_headers(upstream, server_timing);
    let _ = h.delete("content-length");
    Response::builder().with_headers(h).stream(body)
}

/// The upstream's allowed headers, marked as not from our cache.
fn passthrough_headers(upstream: &Response, server_timing: &str) -> Headers {
    let h = copied_headers(upstream);
    let _ = h.set("x-cache", "BYPASS");
    let _ = h.set("server-timing", server_timing);
    h
}

fn copied_headers(upstream: &Response) -> Headers {
    let source = upstream.headers();
    let copied = Headers::new();
    for name in PASSTHROUGH_HEADERS {
        if let Ok(Some(value)) = source.get(name) {
            let _ = copied.set(name, &value);
        }
    }
    copied
}

/// The response's `Content-Type`, lower-cased.
pub fn content_type(response: &Response) -> Option<String> {
    response.headers().get("content-type").ok().flatten().map(|t| t.to_ascii_lowercase())
}

/// The same response with `extra` headers added (appended, so `Vary` keeps its values).
/// Responses from `fetch` and the cache have immutable headers, so a new one is built around
/// the same body.
pub fn with_headers(response: Response, extra: &[(&str, &str)]) -> Response {
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        let _ = headers.append(&name, &value);
    }
    for (name, value) in extra {
        let _ = headers.append(name, value);
    }
    Response::builder()
        .with_status(response.status_code())
        .with_headers(headers)
        .body(response.body().clone())
}

/// The answer to a CORS preflight (`OPTIONS`).
pub fn preflight(requested_headers: Option<&str>) -> Response {
    let mut pairs = vec![
        ("access-control-allow-methods", "GET, HEAD, POST, OPTIONS"),
        ("access-control-max-age", "86400"),
    ];
    if let Some(requested) = requested_headers {
        pairs.push(("access-control-allow-headers", requested));
    }
    Response::builder().with_status(204).with_headers(headers(pairs)).empty()
}
