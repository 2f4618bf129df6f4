//! Making an image from a source held whole, in one call and without the memory budget: the
//! same header reading, decision and transform the edge runs (there with the budget's
//! reservation between deciding and decoding). Host tests, the fuzzer and the benchmarks'
//! in-process runs call it.

use crate::error::ProxyError;
use crate::format::SourceFormat;
use crate::negotiate::FormatRequest;
use crate::options::TransformOptions;
use crate::plan::untouched;
use crate::transform::{prepare, sniff, svg, Completeness, Encoded, ImageInfo};

/// What making an image produced.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing to do: the source's own bytes are the answer.
    Original(ImageInfo),
    /// A new image.
    Encoded(Encoded),
    /// An SVG source, sanitised.
    Sanitised(Vec<u8>),
}

impl Outcome {
    /// Whether the picture is whole (the source's own bytes always are: they are passed on as
    /// they came, and so is a sanitised SVG's drawing); `answer::fresh` stores only a whole one.
    pub fn completeness(&self) -> Completeness {
        match self {
            Outcome::Original(_) | Outcome::Sanitised(_) => Completeness::Whole,
            Outcome::Encoded(encoded) => encoded.completeness,
        }
    }
}

/// Reads the header, decides whether anything needs doing and, when it does, transforms,
/// with no limit beyond `max_pixels`. An SVG is sanitised instead ([`svg::sanitised`]),
/// never decoded.
pub fn make(
    bytes: &[u8],
    options: &TransformOptions,
    format: FormatRequest,
    max_pixels: u64,
) -> Result<Outcome, ProxyError> {
    if sniff(bytes) == Some(SourceFormat::Svg) {
        return svg::sanitised(bytes, options, format).map(Outcome::Sanitised);
    }
    let work = prepare(bytes, options, format, max_pixels)?;
    if untouched(options, &work)? {
        return Ok(Outcome::Original(*work.info()));
    }
    work.run(|_| true).map(Outcome::Encoded)
}
