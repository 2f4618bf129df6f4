//! The inputs and upstream's digests for tests/webp_encoder.rs and tests/wasm.rs: the lossy WebP
//! encoder we vendor (vendor/vaam-image-webp) is patched for speed only, and must write for
//! every input exactly the bytes upstream vaam-image-webp 0.1.0 writes, on the host and in Wasm
//! (where its transforms take Wasm SIMD paths). `UPSTREAM` holds the sha256 of what upstream's
//! encoder (the crate as published, before any patch) wrote for each case. The inputs reach
//! every path the patches touch: photos and noise (every token category up to DCT_CAT6, every
//! prediction mode), flat areas (skipped macroblocks), sizes that are not multiples of 16,
//! qualities from 1 to 100, RGB, RGBA and grey, and saturated edges.
#![allow(dead_code)]

use crate::pictures::{kodim07, kodim17, noise};

/// Encodes through the call every WebP answer makes, so that upstream's digests check the
/// settings as well as the encoder.
fn encode(data: &[u8], width: u32, height: u32, color: vaam_webp::ColorType, quality: u8) -> Vec<u8> {
    edge_image_proxy::transform::lossy_webp(data, width, height, color, quality, None).unwrap()
}

/// Black and blue strokes on paper of 250 to 255: saturated edges and a near-white texture,
/// whose reconstructions in the mode search overshoot 0 and 255, so that their clamping
/// decides modes.
fn strokes(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let ink = (x / 3 + y / 5) % 7 == 0 || (x * y) % 11 == 0 || (x + 2 * y) % 13 < 2;
            let paper = 255 - ((x * 7 + y * 13) % 6) as u8;
            let v = if ink { 0u8 } else { paper };
            out.extend_from_slice(&[v, v, if ink { 40 } else { paper }]);
        }
    }
    out
}

/// The cases: a name, the file the encoder we build with writes.
pub fn cases() -> Vec<(&'static str, Vec<u8>)> {
    use vaam_webp::ColorType::{Rgb8, Rgba8, L8};
    let photo = kodim07();
    let (w, h) = photo.dimensions();
    let odd = image::imageops::crop_imm(&kodim17(), 101, 57, 333, 211).to_image();
    let mut with_alpha = image::DynamicImage::ImageRgb8(odd.clone()).to_rgba8();
    for (x, y, pixel) in with_alpha.enumerate_pixels_mut() {
        pixel[3] = ((x * 255 / 333) ^ (y & 0x1F)) as u8;
    }
    let grey = image::DynamicImage::ImageRgb8(photo.clone()).to_luma8();
    let flat = vec![0x80_u8; 48 * 48 * 3];
    vec![
        ("kodim07 q80", encode(photo.as_raw(), w, h, Rgb8, 80)),
        ("kodim07 q30", encode(photo.as_raw(), w, h, Rgb8, 30)),
        ("kodim07 q95", encode(photo.as_raw(), w, h, Rgb8, 95)),
        ("kodim17 333x211 q75", encode(odd.as_raw(), 333, 211, Rgb8, 75)),
        ("kodim17 333x211 rgba q80", encode(with_alpha.as_raw(), 333, 211, Rgba8, 80)),
        ("kodim07 grey q60", encode(grey.as_raw(), w, h, L8, 60)),
        ("noise 67x45 q100", encode(&noise(67, 45, 3), 67, 45, Rgb8, 100)),
        ("noise 67x45 q1", encode(&noise(67, 45, 3), 67, 45, Rgb8, 1)),
        ("noise 40x24 rgba q90", encode(&noise(40, 24, 4), 40, 24, Rgba8, 90)),
        ("flat 48x48 q80", encode(&flat, 48, 48, Rgb8, 80)),
        ("strokes 96x64 q90", encode(&strokes(96, 64), 96, 64, Rgb8, 90)),
        ("strokes 96x64 q50", encode(&strokes(96, 64), 96, 64, Rgb8, 50)),
    ]
}

/// sha256 of upstream vaam-image-webp 0.1.0's output for each case, in `cases`' order.
pub const UPSTREAM: [(&str, &str); 12] = [
    ("kodim07 q80", "bb5f4bca28f71a6bc5a4971178499e3b623af8e654705e126f8ddb03491ddf23"),
    ("kodim07 q30", "9c5ee296053fae18e59fa9e49a17faac71186c7ae0674b5188a8ac02b25289ed"),
    ("kodim07 q95", "98ac81129f1e42fc420abed9938d29933fa092eea2c7078293b95931e732c14d"),
    ("kodim17 333x211 q75", "292bfb738cc64e2e12620bdd2095d73798b2acd9340654efab1d87c6ca959b28"),
    ("kodim17 333x211 rgba q80", "2e80b68d81ffb10101c2963153c5d2c4642f67d32075e163fa024e9c2adb7bec"),
    ("kodim07 grey q60", "3f913953cdde6b078f597d78ce236407925de5eacccd84ceb408587ff08191f4"),
    ("noise 67x45 q100", "59c412ff694ba5c340a937ff80c5ec071f510d26f311fb7cde7f3d7f6c1427de"),
    ("noise 67x45 q1", "640478eb3b699f0df9d7ff3b05cd117b3c500c4c045d099f5c2d380b2289726d"),
    ("noise 40x24 rgba q90", "24634905a2a2afa43d48a7024458ec366b58f8b750048655c116a6048d19bff4"),
    ("flat 48x48 q80", "ffc81278b3417c44a51e279a895554416c31f37b66342366befef777a5b13675"),
    ("strokes 96x64 q90", "2f8f1d8307a1a8d3d87b02d628fd39efe8d674d429a480633f16993f770f01a3"),
    ("strokes 96x64 q50", "502840f46f36c71ab15182118988657dfb4eff3f4815e3d8569f91b6c61caa30"),
];
