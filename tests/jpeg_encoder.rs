//! The JPEG encoder we vendor writes upstream's bytes (see tests/common/jpeg_encoder_cases.rs),
//! and those bytes are the picture.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/jpeg_encoder_cases.rs"]
mod jpeg_encoder_cases;
#[path = "common/pictures.rs"]
mod pictures;
use jpeg_encoder_cases::{cases, UPSTREAM};
use pictures::{kodim07, psnr, sha256};

#[test]
fn the_patched_jpeg_encoder_writes_upstreams_bytes() {
    let got: Vec<(&str, String)> = cases().iter().map(|(name, bytes)| (*name, sha256(bytes))).collect();
    let expected: Vec<(&str, String)> = UPSTREAM.iter().map(|(n, d)| (*n, d.to_string())).collect();
    assert_eq!(got, expected);
}

/// The bytes compared above are a picture: each decodes at its size, and the photo at q80 is
/// close to its source (PSNR over the RGB samples above 30 dB; q30 is further).
#[test]
fn the_encoded_files_decode_to_their_pictures() {
    let photo = kodim07();
    let cases = cases();
    let psnr_of = |name: &str| {
        let (_, jpeg) = cases.iter().find(|(n, _)| *n == name).unwrap();
        let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg).unwrap().to_rgb8();
        assert_eq!(decoded.dimensions(), photo.dimensions());
        psnr(decoded.as_raw(), photo.as_raw())
    };
    let (q30, q80) = (psnr_of("kodim07 q30"), psnr_of("kodim07 q80 progressive"));
    assert!(q80 > 30.0, "q80: {q80:.2} dB");
    assert!(q30 < q80, "q30 {q30:.2}, q80 {q80:.2} dB");
    for (name, bytes) in &cases {
        let decoded = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(decoded.width() > 0 && decoded.height() > 0, "{name}");
    }
}
