//! The engine (`edge_image_proxy::make::make`) called as the Worker calls it, under its default
//! pixel limit, for host tests that look at what comes out: options written as in a URL, the
//! image made, and that image decoded.

// Each test binary that includes this file uses a different part of it.
#![allow(dead_code)]

use edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;
use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::{make, Outcome};
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::Encoded;

/// Options written as in a URL, `"width=100,gravity=left"`; `""` is the defaults.
pub fn options(text: &str) -> TransformOptions {
    let pairs = text.split(',').filter(|p| !p.is_empty()).map(|p| p.split_once('=').expect("name=value"));
    TransformOptions::from_pairs(pairs).expect("valid options")
}

/// What the engine makes of `source`.
pub fn run(source: &[u8], options: &TransformOptions, format: FormatRequest) -> Result<Outcome, ProxyError> {
    make(source, options, format, DEFAULT_MAX_SOURCE_PIXELS)
}

/// The new image made of `source`; panics on an error, or on the source served untouched.
pub fn encoded(source: &[u8], options: &TransformOptions, format: FormatRequest) -> Encoded {
    match run(source, options, format) {
        Ok(Outcome::Encoded(out)) => out,
        other => panic!("{options:?} to {format:?}: {other:?}"),
    }
}

/// The new image made of `source` in `format`, decoded.
pub fn decoded(source: &[u8], options: &TransformOptions, format: OutputFormat) -> image::DynamicImage {
    let out = encoded(source, options, FormatRequest::Exactly(format));
    image::load_from_memory(&out.bytes).expect("our output decodes")
}
