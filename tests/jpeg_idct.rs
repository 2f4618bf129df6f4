//! jpeg-decoder decoding at 1/2 scale (its 4×4 IDCT and H2V2 upsampling) gives upstream's
//! samples: the cases and digests are in tests/common/jpeg_idct_cases.rs, and tests/wasm.rs runs
//! the same check where the Wasm SIMD paths are compiled in.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/jpeg_idct_cases.rs"]
mod jpeg_idct_cases;
#[path = "common/pictures.rs"]
mod pictures;
use jpeg_idct_cases::{decoded_at_half_scale, UPSTREAM};

#[test]
fn decoding_at_half_scale_gives_upstreams_samples() {
    pictures::assert_upstreams(&decoded_at_half_scale(), &UPSTREAM);
}
