//! jpeg-decoder's 4×4 IDCT (decoding at 1/2 scale) gives upstream's samples: the cases and
//! digests are in tests/common/jpeg_idct_cases.rs, and tests/wasm.rs runs the same check where
//! the Wasm SIMD path is compiled in.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/jpeg_idct_cases.rs"]
mod jpeg_idct_cases;
#[path = "common/pictures.rs"]
mod pictures;
use jpeg_idct_cases::{decoded_at_half_scale, UPSTREAM};

#[test]
fn decoding_at_half_scale_gives_upstreams_samples() {
    let got: Vec<(&str, String)> = decoded_at_half_scale();
    let expected: Vec<(&str, String)> = UPSTREAM.iter().map(|(n, d)| (*n, d.to_string())).collect();
    assert_eq!(got, expected);
}
