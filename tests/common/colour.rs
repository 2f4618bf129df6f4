//! Colour comparisons for tests that check where pixels came from: one pixel against an
//! expected colour, and a picture's mean colour.

// Each test binary that includes this file uses a different part of it.
#![allow(dead_code)]

use image::{Rgba, RgbaImage};

/// Whether every channel of `actual` is within `tolerance` of `expected`.
pub fn close(actual: &Rgba<u8>, expected: [u8; 4], tolerance: u8) -> bool {
    actual.0.iter().zip(expected).all(|(a, e)| a.abs_diff(e) <= tolerance)
}

/// The mean (red, green, blue) of a picture, alpha left aside.
pub fn mean_rgb(image: &RgbaImage) -> [f64; 3] {
    let mut sum = [0.0; 3];
    for pixel in image.pixels() {
        for c in 0..3 {
            sum[c] += f64::from(pixel[c]);
        }
    }
    sum.map(|s| s / image.pixels().len() as f64)
}
