//! `rotate` and `flip` on a real picture: width and height name the rotated axes, and the
//! content ends up where the rotation puts it (the sample's sky is blue, its ground green);
//! and on a generated image whose every pixel differs, the exact place of each pixel for
//! every `flip` × `rotate` pair, mirrored first and turned after, as Cloudflare does.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::{Fit, Flip, Rotation, TransformOptions};

#[path = "common/engine.rs"]
mod engine;

const FLIPS: [Flip; 4] = [Flip::None, Flip::Horizontal, Flip::Vertical, Flip::Both];
const ROTATIONS: [Rotation; 4] = [Rotation::None, Rotation::Quarter, Rotation::Half, Rotation::ThreeQuarters];

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

/// A 3×2 PNG whose pixel at (x, y) is `label(x, y)`: no two alike, so every placement shows.
fn labelled() -> Vec<u8> {
    let image = image::RgbImage::from_fn(3, 2, |x, y| image::Rgb(label(x, y)));
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("encodes");
    png
}

fn label(x: u32, y: u32) -> [u8; 3] {
    [(x * 100) as u8, (y * 200) as u8, 50]
}

/// The source pixel that `flip`, then `rotate` (clockwise), puts at (u, v) of the output, for a
/// `width` × `height` source: Cloudflare's documented order, written out by hand.
fn source_of(u: u32, v: u32, (width, height): (u32, u32), flip: Flip, rotate: Rotation) -> (u32, u32) {
    // Undo the turn: where (u, v) was in the mirrored image.
    let (x, y) = match rotate {
        Rotation::None => (u, v),
        Rotation::Quarter => (v, height - 1 - u),
        Rotation::Half => (width - 1 - u, height - 1 - v),
        Rotation::ThreeQuarters => (width - 1 - v, u),
    };
    // Undo the mirror.
    let x = if matches!(flip, Flip::Horizontal | Flip::Both) { width - 1 - x } else { x };
    let y = if matches!(flip, Flip::Vertical | Flip::Both) { height - 1 - y } else { y };
    (x, y)
}

#[test]
fn every_flip_and_rotation_puts_each_pixel_where_cloudflare_does() {
    let source = labelled();
    for flip in FLIPS {
        for rotate in ROTATIONS {
            let options = TransformOptions { flip, rotate, ..Default::default() };
            let out = match engine::run(&source, &options, FormatRequest::Exactly(OutputFormat::Png)) {
                Ok(Outcome::Encoded(out)) => image::load_from_memory(&out.bytes).expect("decodes").to_rgb8(),
                Ok(Outcome::Original(_)) => image::load_from_memory(&source).expect("decodes").to_rgb8(),
                Ok(Outcome::Sanitised(_)) => panic!("{flip:?} {rotate:?}: an SVG"),
                Err(err) => panic!("{flip:?} {rotate:?}: {err:?}"),
            };
            let want = if rotate.swaps_axes() { (2, 3) } else { (3, 2) };
            assert_eq!(out.dimensions(), want, "{flip:?} {rotate:?}");
            for (u, v, pixel) in out.enumerate_pixels() {
                let (x, y) = source_of(u, v, (3, 2), flip, rotate);
                assert_eq!(pixel.0, label(x, y), "{flip:?} then {rotate:?}: output ({u}, {v})");
            }
        }
    }
}

#[test]
fn flip_h_then_rotate_90_is_the_mirror_image_turned_clockwise() {
    // The source, by labels:   a b c      mirrored:  c b a     turned clockwise:  f c
    //                          d e f                 f e d                        e b
    //                                                                             d a
    let options =
        TransformOptions { flip: Flip::Horizontal, rotate: Rotation::Quarter, ..Default::default() };
    let out = match engine::run(&labelled(), &options, FormatRequest::Exactly(OutputFormat::Png)) {
        Ok(Outcome::Encoded(out)) => image::load_from_memory(&out.bytes).expect("decodes").to_rgb8(),
        other => panic!("{other:?}"),
    };
    let rows: Vec<Vec<[u8; 3]>> = (0..3).map(|v| (0..2).map(|u| out.get_pixel(u, v).0).collect()).collect();
    let (a, b, c, d, e, f) = (label(0, 0), label(1, 0), label(2, 0), label(0, 1), label(1, 1), label(2, 1));
    assert_eq!(rows, vec![vec![f, c], vec![e, b], vec![d, a]]);
}
