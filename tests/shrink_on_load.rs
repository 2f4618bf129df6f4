//! Shrink-on-load: a JPEG far larger than its output is decoded at 1/2, 1/4 or 1/8 scale, so
//! a photo above `MAX_SOURCE_PIXELS` still makes a thumbnail, and the result looks like a
//! full decode followed by the same resize.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::{Fit, TransformOptions};
use edge_image_proxy::transform::{geometry, inspect, shrink_on_load, Shrink};

#[path = "common/engine.rs"]
mod engine;
#[path = "common/fixtures.rs"]
mod fixtures;
use fixtures::synthetic_jpeg;

fn to_png(bytes: &[u8], options: TransformOptions) -> image::RgbImage {
    engine::decoded(bytes, &options, OutputFormat::Png).to_rgb8()
}

#[test]
fn the_scale_is_the_largest_that_keeps_enough_pixels() {
    let jpeg = synthetic_jpeg(1600, 1200);
    let info = inspect(&jpeg).expect("header");
    let shrink =
        |w: u32| shrink_on_load(&jpeg, &info, &geometry((1600, 1200), Some(w), None, Fit::ScaleDown));
    assert_eq!(shrink(200), Shrink::Jpeg(8));
    assert_eq!(shrink(201), Shrink::Jpeg(4));
    assert_eq!(shrink(400), Shrink::Jpeg(4));
    assert_eq!(shrink(800), Shrink::Jpeg(2));
    assert_eq!(shrink(801), Shrink::Jpeg(1));
    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/disc.png")).expect("sample");
    let png_info = inspect(&png).expect("header");
    assert_eq!(
        shrink_on_load(&png, &png_info, &geometry((800, 800), Some(50), None, Fit::ScaleDown)),
        Shrink::None
    );
}

#[test]
fn a_24_megapixel_jpeg_becomes_a_thumbnail_under_a_16_megapixel_limit() {
    let jpeg = synthetic_jpeg(6000, 4000);
    let options = TransformOptions { width: Some(320), ..TransformOptions::default() };
    let thumb = to_png(&jpeg, options);
    assert_eq!(thumb.dimensions(), (320, 213));
    // The same photo at full size would not fit: the limit is real.
    let full = TransformOptions { width: Some(5000), ..TransformOptions::default() };
    assert!(engine::run(&jpeg, &full, FormatRequest::Original).is_err());
}

#[test]
fn shrunk_output_matches_a_full_decode_and_resize() {
    let jpeg = synthetic_jpeg(2400, 1600);
    let options =
        TransformOptions { width: Some(300), height: Some(300), fit: Fit::Cover, ..Default::default() };
    let ours = to_png(&jpeg, options);
    let reference = image::load_from_memory(&jpeg).expect("decodes").to_rgb8();
    let reference = image::imageops::crop_imm(&reference, 400, 0, 1600, 1600).to_image();
    let reference = image::imageops::resize(&reference, 300, 300, image::imageops::FilterType::Lanczos3);
    assert_eq!(ours.dimensions(), reference.dimensions());
    let diff: u64 =
        ours.as_raw().iter().zip(reference.as_raw()).map(|(a, b)| u64::from(a.abs_diff(*b))).sum();
    let mean = diff as f64 / ours.as_raw().len() as f64;
    assert!(mean < 3.0, "mean difference {mean:.2} per channel");
}

#[test]
fn jpegs_with_optimised_huffman_tables_keep_their_colours() {
    // jpeg-encoder writes optimised tables that zune-jpeg 0.5 misdecodes; the engine must not.
    let source = image::RgbImage::from_fn(120, 80, |x, y| image::Rgb([(x * 2) as u8, 150, (y * 3) as u8]));
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
    encoder.set_optimized_huffman_tables(true);
    encoder.encode(source.as_raw(), 120, 80, jpeg_encoder::ColorType::Rgb).expect("encode the fixture");
    let options = TransformOptions { width: Some(119), ..TransformOptions::default() };
    let out = to_png(&jpeg, options);
    let pixel = out.get_pixel(60, 40);
    assert!(pixel[1].abs_diff(150) <= 4 && pixel[0].abs_diff(120) <= 6, "{pixel:?}");
}

#[test]
fn the_report_tells_what_each_stage_did() {
    let jpeg = synthetic_jpeg(1600, 1200);
    let options = TransformOptions { width: Some(320), quality: Some(70), ..TransformOptions::default() };
    let out = engine::encoded(&jpeg, &options, FormatRequest::Original);
    assert_eq!(out.report.decode, "jpeg 1/4 scale -> 400x300");
    assert_eq!(out.report.resize, "400x300 -> 320x240 lanczos3");
    assert_eq!(out.report.encode, format!("jpeg q70 progressive, {} bytes", out.bytes.len()));
    assert_eq!(
        out.report.server_timing(),
        format!(
            "decode;desc=\"jpeg 1/4 scale -> 400x300\", resize;desc=\"400x300 -> 320x240 lanczos3\", \
             encode;desc=\"jpeg q70 progressive, {} bytes\"",
            out.bytes.len()
        )
    );
}
