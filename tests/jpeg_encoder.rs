//! The JPEG encoder we vendor writes upstream's bytes (see tests/common/jpeg_encoder_cases.rs),
//! and those bytes are the picture.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/jpeg_encoder_cases.rs"]
mod jpeg_encoder_cases;
#[path = "common/pictures.rs"]
mod pictures;
use image::ImageFormat::Jpeg;
use jpeg_encoder_cases::{cases, UPSTREAM};
use pictures::{assert_each_decodes, assert_upstreams, digests, psnr_against_kodim07};

#[test]
fn the_patched_jpeg_encoder_writes_upstreams_bytes() {
    assert_upstreams(&digests(&cases()), &UPSTREAM);
}

/// The bytes compared above are a picture: each decodes at its size, and the photo at q80 is
/// close to its source (PSNR over the RGB samples above 30 dB; q30 is further).
#[test]
fn the_encoded_files_decode_to_their_pictures() {
    let cases = cases();
    let q30 = psnr_against_kodim07(&cases, "kodim07 q30", Jpeg);
    let q80 = psnr_against_kodim07(&cases, "kodim07 q80 progressive", Jpeg);
    assert!(q80 > 30.0, "q80: {q80:.2} dB");
    assert!(q30 < q80, "q30 {q30:.2}, q80 {q80:.2} dB");
    assert_each_decodes(&cases, Jpeg);
}
