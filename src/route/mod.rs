//! Which handler a request path goes to, and for image requests the source and options.
//!
//! - `/cdn-cgi/image/<options>/<source>` and `/image?url=<source>&<options>`: an image;
//!   both forms are parsed into one [`ImageRequest`] (`image_request.rs`), whose [`Source`]
//!   is parsed and spelled canonically in `source.rs`.
//! - `/debug/memory-stats`: the isolate's counters.
//! - `/reference.json`: every option and error, for `www/reference.html`.
//! - `/purge`: delete stored answers.
//! - `/warm`: make variants ahead, on a queue.
//! - `/debug/panic`: a panic on purpose, in builds with the `panic-route` feature only.
//! - anything else: a static file from `www/`.

mod draw;
mod image_request;
mod source;

pub use draw::{drawn, with_drawn, Draw, Watermark};
pub use image_request::{ImageRequest, Signed};
pub use source::Source;

use crate::error::ProxyError;

/// What a request path asks for.
// An image request dwarfs the other routes, but a Route is made once per request and taken
// apart at once: boxing it would add an allocation and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Transform (or pass through) an image.
    Image(ImageRequest),
    /// The isolate's counters as JSON.
    MemoryStats,
    /// The URL reference as JSON ([`crate::reference`]).
    Reference,
    /// Delete stored answers (`POST`, see [`crate::purge`]).
    Purge,
    /// Queue variants to make ahead (`POST`, see [`crate::warm`]).
    Warm,
    /// A file from the static assets.
    Static,
    /// Panics on purpose (only in builds with the `panic-route` feature, for the e2e test
    /// that proves the Worker recovers from a panic).
    #[cfg(feature = "panic-route")]
    Panic,
}

const CDN_CGI_PREFIX: &str = "/cdn-cgi/image/";

/// Routes a request by its path and raw query string (without the `?`).
pub fn route(path: &str, query: Option<&str>) -> Result<Route, ProxyError> {
    if let Some(rest) = path.strip_prefix(CDN_CGI_PREFIX) {
        return image_request::cdn_cgi(rest, query).map(Route::Image);
    }
    match path {
        "/image" => image_request::query_form(query.unwrap_or("")).map(Route::Image),
        "/debug/memory-stats" => Ok(Route::MemoryStats),
        "/reference.json" => Ok(Route::Reference),
        "/purge" => Ok(Route::Purge),
        "/warm" => Ok(Route::Warm),
        #[cfg(feature = "panic-route")]
        "/debug/panic" => Ok(Route::Panic),
        _ => Ok(Route::Static),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_paths() {
        assert_eq!(route("/debug/memory-stats", None), Ok(Route::MemoryStats));
        assert_eq!(route("/reference.json", None), Ok(Route::Reference));
        assert_eq!(route("/purge", None), Ok(Route::Purge));
        assert_eq!(route("/warm", None), Ok(Route::Warm));
        assert_eq!(route("/", None), Ok(Route::Static));
        assert_eq!(route("/samples/cat.jpg", None), Ok(Route::Static));
    }
}
