//! `rotate` and `flip` on a real picture: width and height name the rotated axes, and the
//! content ends up where the rotation puts it (the sample's sky is blue, its ground green).
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::options::{Fit, Flip, Rotation, TransformOptions};

#[path = "common/engine.rs"]
mod engine;

fn render(options: TransformOptions) -> image::RgbImage {
    let sample =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/landscape.jpg")).expect("sample");
    engine::decoded(&sample, &options, OutputFormat::Png).to_rgb8()
}

/// Mean (red, green, blue) of a column (`x = Some`) or a row (`y = Some`).
fn mean(image: &image::RgbImage, x: Option<u32>, y: Option<u32>) -> [f64; 3] {
    let pixels: Vec<_> = image
        .enumerate_pixels()
        .filter(|(px, py, _)| x.is_none_or(|x| *px == x) && y.is_none_or(|y| *py == y))
        .collect();
    let mut sum = [0.0; 3];
    for (_, _, p) in &pixels {
        for (s, c) in sum.iter_mut().zip(p.0) {
            *s += f64::from(c);
        }
    }
    sum.map(|s| s / pixels.len() as f64)
}

fn is_sky(rgb: [f64; 3]) -> bool {
    rgb[2] > rgb[1] + 20.0
}

#[test]
fn unrotated_sky_is_on_top() {
    let image = render(TransformOptions { width: Some(100), ..Default::default() });
    assert!(is_sky(mean(&image, None, Some(0))) && !is_sky(mean(&image, None, Some(image.height() - 1))));
}

#[test]
fn a_quarter_turn_puts_the_sky_on_the_right_and_swaps_the_axes() {
    let image =
        render(TransformOptions { width: Some(100), rotate: Rotation::Quarter, ..Default::default() });
    assert_eq!(image.dimensions(), (100, 150));
    assert!(is_sky(mean(&image, Some(99), None)), "sky on the right");
    assert!(!is_sky(mean(&image, Some(0), None)), "ground on the left");
    let left =
        render(TransformOptions { width: Some(100), rotate: Rotation::ThreeQuarters, ..Default::default() });
    assert!(is_sky(mean(&left, Some(0), None)) && !is_sky(mean(&left, Some(99), None)));
}

#[test]
fn cover_applies_to_the_rotated_image() {
    let options = TransformOptions {
        width: Some(60),
        height: Some(90),
        fit: Fit::Cover,
        rotate: Rotation::Quarter,
        ..Default::default()
    };
    assert_eq!(render(options).dimensions(), (60, 90));
    let padded = TransformOptions {
        width: Some(80),
        height: Some(80),
        fit: Fit::Pad,
        rotate: Rotation::Quarter,
        ..Default::default()
    };
    let image = render(padded);
    assert_eq!(image.dimensions(), (80, 80));
    assert_eq!(
        image.get_pixel(2, 40).0,
        [255, 255, 255],
        "white padding left and right of the upright picture"
    );
}

#[test]
fn flips_mirror() {
    let upside_down =
        render(TransformOptions { width: Some(100), flip: Flip::Vertical, ..Default::default() });
    assert!(is_sky(mean(&upside_down, None, Some(upside_down.height() - 1))));
    assert!(!is_sky(mean(&upside_down, None, Some(0))));
    let half = render(TransformOptions { width: Some(100), rotate: Rotation::Half, ..Default::default() });
    let both = render(TransformOptions { width: Some(100), flip: Flip::Both, ..Default::default() });
    assert_eq!(half, both, "a half turn is a flip both ways");
}
