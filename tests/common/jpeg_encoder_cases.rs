//! The inputs and upstream's digests for tests/jpeg_encoder.rs and tests/wasm.rs: the JPEG
//! encoder we vendor (vendor/jpeg-encoder) is patched for speed only, and must write for every
//! input exactly the bytes upstream jpeg-encoder 0.7.1 writes, on the host and in Wasm (where
//! its forward DCT and RGB to YCbCr conversion take Wasm SIMD paths). `UPSTREAM` holds the
//! sha256 of what upstream's encoder (the crate as published, before any patch) wrote for
//! each case. The inputs reach every path the patches touch: photos and noise (coefficients
//! far from zero), RGB rows that are and are not a multiple of 16 pixels, 4:2:0 (quality
//! under 90) and 4:4:4, progressive and baseline as the proxy writes them (optimised Huffman
//! tables), and grey and RGBA (the SIMD DCT after the scalar conversion).
#![allow(dead_code)]

use crate::pictures::{kodim07, kodim17, noise};
use jpeg_encoder::ColorType::{Luma, Rgb, Rgba};

fn encode(
    data: &[u8],
    width: u16,
    height: u16,
    color: jpeg_encoder::ColorType,
    quality: u8,
    progressive: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_progressive(progressive);
    encoder.encode(data, width, height, color).unwrap();
    out
}

/// The cases: a name, the file the encoder we build with writes.
pub fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let photo = kodim07();
    let (w, h) = (768, 512);
    let odd = image::imageops::crop_imm(&kodim17(), 101, 57, 333, 211).to_image();
    let with_alpha = image::DynamicImage::ImageRgb8(odd.clone()).to_rgba8();
    let grey = image::DynamicImage::ImageRgb8(photo.clone()).to_luma8();
    vec![
        ("kodim07 q80 progressive", encode(photo.as_raw(), w, h, Rgb, 80, true)),
        ("kodim07 q80 baseline", encode(photo.as_raw(), w, h, Rgb, 80, false)),
        ("kodim07 q30", encode(photo.as_raw(), w, h, Rgb, 30, true)),
        ("kodim07 q95 4:4:4", encode(photo.as_raw(), w, h, Rgb, 95, true)),
        ("kodim17 333x211 q75", encode(odd.as_raw(), 333, 211, Rgb, 75, true)),
        ("kodim17 333x211 rgba q80", encode(with_alpha.as_raw(), 333, 211, Rgba, 80, true)),
        ("kodim07 grey q60", encode(grey.as_raw(), w, h, Luma, 60, false)),
        ("noise 203x121 q100", encode(&noise(203, 121, 3), 203, 121, Rgb, 100, true)),
        ("noise 203x121 q1", encode(&noise(203, 121, 3), 203, 121, Rgb, 1, false)),
        ("noise 7x5 q85", encode(&noise(7, 5, 3), 7, 5, Rgb, 85, true)),
    ]
}

/// sha256 of upstream jpeg-encoder 0.7.1's output for each case, in `cases`' order.
pub const UPSTREAM: [(&str, &str); 10] = [
    ("kodim07 q80 progressive", "e930adbf940f26bd9aae14b1aab5472477a0d2d2fe67d68adfd6a304e053c55b"),
    ("kodim07 q80 baseline", "b603923049b1815dd69d528206dfec63c5530fca625c4b58317f4f1a5436729c"),
    ("kodim07 q30", "e620f73bfd79464e1af969d814d37ee4e3b002a9e722fa9ffc6def4b87faaf46"),
    ("kodim07 q95 4:4:4", "a7f5a4743037f58472a651ca6b02e7e940b40a6c97001f8e8a69d2c92406fa56"),
    ("kodim17 333x211 q75", "951d2e617b1c36a97423dc043469e60d49b8804e2502b2dcbdd39a0a5ff43360"),
    ("kodim17 333x211 rgba q80", "ad49be6b65b24c50eef7f96443ac8ee19d95598198a6588057df6bf30e766c59"),
    ("kodim07 grey q60", "0c350bd7b8927f583be68e4d04e5e1582c293796420550ba2727d59802cc8229"),
    ("noise 203x121 q100", "ddf0cbe365d3c24af17253fc8eada64f97348dbffe4abfb403ee7cc398036e59"),
    ("noise 203x121 q1", "66816571c8fd9cce291c4f9b59858b4d833dadec8a69d968f918f4022f3a291b"),
    ("noise 7x5 q85", "737925d5ef7297c41d0ba66066e6810a4673afcc1affdaa406d16e8610288482"),
];
