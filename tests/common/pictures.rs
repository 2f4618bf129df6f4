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
