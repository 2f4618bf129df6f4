//! The lossy WebP encoder we vendor writes upstream's bytes (see tests/common/webp_cases.rs),
//! and those bytes are the picture.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/pictures.rs"]
mod pictures;
#[path = "common/webp_cases.rs"]
mod webp_cases;
use image::ImageFormat::WebP;
use pictures::{assert_each_decodes, assert_upstreams, digests, psnr_against_kodim07};
use webp_cases::{cases, UPSTREAM};

#[test]
fn the_patched_lossy_encoder_writes_upstreams_bytes() {
    assert_upstreams(&digests(&cases()), &UPSTREAM);
}

/// The bytes compared above are a picture: each decodes at its size, and the photo at q80 is
/// close to its source (PSNR over the RGB samples above 30 dB; q30 is further, q95 closer).
#[test]
fn the_encoded_files_decode_to_their_pictures() {
    let cases = cases();
    let psnr = |name| psnr_against_kodim07(&cases, name, WebP);
    let (q30, q80, q95) = (psnr("kodim07 q30"), psnr("kodim07 q80"), psnr("kodim07 q95"));
    assert!(q80 > 30.0, "q80: {q80:.2} dB");
    assert!(q30 < q80 && q80 < q95, "q30 {q30:.2}, q80 {q80:.2}, q95 {q95:.2} dB");
    assert_each_decodes(&cases, WebP);
}
