//! Responses from the header lists [`crate::answer`] builds: this module only wraps them, with
//! a body held in memory, streamed, taken from a stored entry, or none.

use serde::Serialize;
use worker::web_sys::ReadableStream;
use worker::{Headers, Response, ResponseBody};

use super::internal;
use crate::answer::{self, ImageHeaders};
use crate::error::ProxyError;

/// The runtime's headers for a list the proxy built. `set` fails only on invalid names or
/// values, which are logged rather than allowed to fail a response.
pub fn headers(list: &[(&'static str, String)]) -> Headers {
    let headers = Headers::new();
    for (name, value) in list {
        if let Err(e) = headers.set(name, value) {
            worker::console_error!("header {name}: {e}");
        }
    }
    headers
}

/// A response of `status` with `list` and `body`.
fn with(status: u16, list: &answer::Headers, body: ResponseBody) -> Response {
    Response::builder().with_status(status).with_headers(headers(list)).body(body)
}

/// The `application/problem+json` answer for a failure.
pub fn problem(err: &ProxyError) -> Response {
    let (status, list, body) = answer::problem(err);
    with(status, &list, ResponseBody::Body(body))
}

/// `302 Found` to `location`.
pub fn redirect(location: &str) -> Response {
    with(302, &answer::redirect(location), ResponseBody::Empty)
}

/// A JSON document of the proxy's own.
pub fn json(value: &impl Serialize) -> Result<Response, ProxyError> {
    let body = serde_json::to_vec(value).map_err(internal)?;
    Ok(with(200, &answer::json(), ResponseBody::Body(body)))
}

/// The answer to a CORS preflight.
pub fn preflight(requested_headers: Option<&str>) -> Response {
    with(204, &answer::preflight(requested_headers), ResponseBody::Empty)
}

/// An image held in memory.
pub fn image(body: Vec<u8>, meta: &ImageHeaders) -> Response {
    with(200, &meta.full(), ResponseBody::Body(body))
}

/// A stored entry, answered with its own body stream and this request's headers (a stored
/// response's headers cannot be changed, so a new response is built around its body).
pub fn cached(entry: &Response, meta: &ImageHeaders) -> Response {
    with(200, &meta.full(), entry.body().clone())
}

/// `304 Not Modified`.
pub fn not_modified(list: &answer::Headers) -> Response {
    with(304, list, ResponseBody::Empty)
}

/// The upstream's body handed to the client as it is, with its status (200, or 206 for a
/// range): it never enters Wasm memory.
pub fn passthrough(upstream: Response, list: &answer::Headers) -> Response {
    with(upstream.status_code(), list, upstream.body().clone())
}

/// A body read in part and then handed on whole (a spill).
pub fn respilled(body: ReadableStream, list: &answer::Headers) -> Response {
    with(200, list, ResponseBody::Stream(body))
}

/// A header of a response.
pub fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).ok().flatten()
}

/// The same response with `extra` headers added (appended, so `Vary` keeps its values).
/// Responses from `fetch` and the cache have immutable headers, so a new one is built around
/// the same body.
pub fn with_headers(response: Response, extra: &answer::Headers) -> Response {
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
