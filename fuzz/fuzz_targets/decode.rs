//! Any bytes as an image: sniffing, header inspection and decoding with limits never panic,
//! and whatever is produced has the size the geometry promised.
#![no_main]

use edge_image_proxy::make::{make, Outcome};
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use libfuzzer_sys::fuzz_target;

/// Small, so that a fuzzer-made header cannot make one run allocate much.
const MAX_PIXELS: u64 = 4 * 1024 * 1024;

fuzz_target!(|data: &[u8]| {
    let options = TransformOptions { width: Some(64), ..TransformOptions::default() };
    if let Ok(Outcome::Encoded(out)) = make(data, &options, FormatRequest::Original, MAX_PIXELS) {
        assert!(out.width <= 64 && out.width > 0 && out.height > 0, "{}x{}", out.width, out.height);
    }
});
