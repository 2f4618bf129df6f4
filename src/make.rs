//! Making an image from a source held whole, in one call and without the memory budget: the
//! same header reading, decision and transform the edge runs (there with the budget's
//! reservation between deciding and decoding). Host tests, the fuzzer and the benchmarks'
//! in-process runs call it.

use crate::error::ProxyError;
use crate::negotiate::FormatRequest;
use crate::options::TransformOptions;
use crate::plan::nothing_to_do;
use crate::transform::{prepare, Completeness, Encoded, ImageInfo};

/// What making an image produced.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing to do: the source's own bytes are the answer.
    Original(ImageInfo),
    /// A new image.
    Encoded(Encoded),
}

impl Outcome {
    /// Whether the picture is whole (the source's own bytes always are: they are passed on as
    /// they came); `answer::fresh` stores only a whole one.
    pub fn completeness(&self) -> Completeness {
        match self {
            Outcome::Original(_) => Completeness::Whole,
            Outcome::Encoded(encoded) => encoded.completeness,
        }
    }
}

/// Reads the header, decides whether anything needs doing and, when it does, transforms,
/// with no limit beyond `max_pixels`.
pub fn make(
    bytes: &[u8],
    options: &TransformOptions,
    format: FormatRequest,
    max_pixels: u64,
) -> Result<Outcome, ProxyError> {
    let work = prepare(bytes, options, format, max_pixels)?;
    if nothing_to_do(options, work.info(), work.keeps_format(), work.canvas()) {
        return Ok(Outcome::Original(*work.info()));
    }
    work.run(|_| true).map(Outcome::Encoded)
}
