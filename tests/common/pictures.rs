//! Inputs shared by the tests that compare a patched codec with upstream's digests
//! (tests/common/webp_cases.rs, jpeg_encoder_cases.rs, jpeg_idct_cases.rs), and how they are
//! compared: sha256 digests and PSNR.
#![allow(dead_code)]

use sha2::{Digest, Sha256};

/// kodim07 of the corpus (768×512), as 8-bit RGB.
pub fn kodim07() -> image::RgbImage {
    image::load_from_memory(include_bytes!("../../../shared/corpus/photos/kodim07.png")).unwrap().to_rgb8()
}

/// kodim17 of the corpus (512×768), as 8-bit RGB.
pub fn kodim17() -> image::RgbImage {
    image::load_from_memory(include_bytes!("../../../shared/corpus/photos/kodim17.png")).unwrap().to_rgb8()
}

/// Deterministic noise (xorshift), `channels` bytes a pixel: the worst case for an encoder,
/// with coefficients far from zero in every block.
pub fn noise(width: u32, height: u32, channels: u32) -> Vec<u8> {
    let mut state = 0x9E37_79B9_u32;
    (0..width * height * channels)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state >> 24) as u8
        })
        .collect()
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// PSNR in dB of `decoded` against `original`, over their samples.
pub fn psnr(decoded: &[u8], original: &[u8]) -> f64 {
    assert_eq!(decoded.len(), original.len());
    let squared: f64 =
        decoded.iter().zip(original).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum();
    10.0 * (255.0_f64.powi(2) / (squared / decoded.len() as f64)).log10()
}

/// Each case's name and the sha256 of its bytes.
pub fn digests(cases: &[(&'static str, Vec<u8>)]) -> Vec<(&'static str, String)> {
    cases.iter().map(|(name, bytes)| (*name, sha256(bytes))).collect()
}

/// `got`, the names and digests of the cases, is `upstream`'s list, in the same order.
pub fn assert_upstreams(got: &[(&str, String)], upstream: &[(&str, &str)]) {
    let expected: Vec<(&str, String)> =
        upstream.iter().map(|(name, digest)| (*name, digest.to_string())).collect();
    assert_eq!(got, expected.as_slice());
}

/// PSNR of the case `name` (a file in `format`) decoded, against kodim07.
pub fn psnr_against_kodim07(cases: &[(&str, Vec<u8>)], name: &str, format: image::ImageFormat) -> f64 {
    let photo = kodim07();
    let (_, bytes) = cases.iter().find(|(n, _)| *n == name).unwrap();
    let decoded = image::load_from_memory_with_format(bytes, format).unwrap().to_rgb8();
    assert_eq!(decoded.dimensions(), photo.dimensions());
    psnr(decoded.as_raw(), photo.as_raw())
}

/// Every case, a file in `format`, decodes to a picture of some size.
pub fn assert_each_decodes(cases: &[(&str, Vec<u8>)], format: image::ImageFormat) {
    for (name, bytes) in cases {
        let decoded =
            image::load_from_memory_with_format(bytes, format).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(decoded.width() > 0 && decoded.height() > 0, "{name}");
    }
}
