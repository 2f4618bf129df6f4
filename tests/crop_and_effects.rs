//! `gravity` (sides, focal points, auto), `background`, `blur`, `sharpen` and the colour
//! adjustments (`brightness`, `contrast`, `gamma`, `saturation`) on generated images whose
//! content says where each pixel came from.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/colour.rs"]
mod colour;
#[path = "common/engine.rs"]
mod engine;
#[path = "common/fixtures.rs"]
mod fixtures;

use colour::close;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::negotiate::FormatRequest;
use fixtures::{png, red_left_blue_right, BLUE, RED};
use image::{Rgba, RgbaImage};

/// Runs the engine with options written as in a URL: `"width=100,gravity=left"`.
fn render(source: &[u8], options: &str, format: OutputFormat) -> RgbaImage {
    let out = engine::encoded(source, &engine::options(options), FormatRequest::Exactly(format));
    match format {
        OutputFormat::Jpeg => from_jpeg(&out.bytes),
        _ => image::load_from_memory(&out.bytes).expect("decodes").to_rgba8(),
    }
}

/// Decodes with jpeg-decoder: zune-jpeg 0.5 (the `image` crate's) misreads the optimised
/// Huffman tables jpeg-encoder writes (see tests/shrink_on_load.rs).
fn from_jpeg(bytes: &[u8]) -> RgbaImage {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let rgb = decoder.decode().expect("decodes");
    let info = decoder.info().expect("header");
    let rgb = image::RgbImage::from_raw(info.width.into(), info.height.into(), rgb).expect("RGB");
    image::DynamicImage::ImageRgb8(rgb).to_rgba8()
}

#[test]
fn gravity_sides_keep_their_edge() {
    let source = red_left_blue_right();
    let left = render(&source, "width=100,height=100,fit=cover,gravity=left", OutputFormat::Png);
    assert_eq!(left.dimensions(), (100, 100));
    assert!(close(left.get_pixel(10, 50), RED, 2), "left keeps red: {:?}", left.get_pixel(10, 50));
    let right = render(&source, "width=100,height=100,fit=cover,g=right", OutputFormat::Png);
    assert!(close(right.get_pixel(90, 50), BLUE, 2), "right keeps blue: {:?}", right.get_pixel(90, 50));
    let centre = render(&source, "width=100,height=100,fit=cover", OutputFormat::Png);
    assert!(close(centre.get_pixel(50, 50), [128, 128, 128, 255], 2), "the default is the centre");
}

#[test]
fn a_focal_point_centres_the_crop_on_it() {
    let source = red_left_blue_right();
    // 0.125 of 400 is x = 50, the middle of the red quarter; the 200x200 crop cannot centre
    // there (it would start at -50) so it stops at the left edge.
    let near_left = render(&source, "width=200,height=200,fit=cover,gravity=0.125x0.5", OutputFormat::Png);
    assert!(close(near_left.get_pixel(0, 0), RED, 2));
    // 0.75 of 400 is x = 300: the crop spans 200..400, red nowhere, blue on its right half.
    let right = render(&source, "width=200,height=200,fit=cover,gravity=0.75x0.5", OutputFormat::Png);
    assert!(close(right.get_pixel(5, 100), [128, 128, 128, 255], 2), "{:?}", right.get_pixel(5, 100));
    assert!(close(right.get_pixel(150, 100), BLUE, 2));
}

#[test]
fn gravity_names_a_point_of_the_source_even_when_rotated() {
    let source = red_left_blue_right();
    // Rotated 90° clockwise the source's left edge becomes the top: a crop that keeps the
    // source's left keeps red at the top of the output.
    let out = render(&source, "width=100,height=100,fit=cover,gravity=left,rotate=90", OutputFormat::Png);
    assert!(close(out.get_pixel(50, 5), RED, 2), "{:?}", out.get_pixel(50, 5));
    assert!(!close(out.get_pixel(50, 95), RED, 30));
}

#[test]
fn gravity_auto_finds_the_detail() {
    // Flat grey with a fine checkerboard in the right quarter.
    let source = png(&RgbaImage::from_fn(400, 200, |x, y| {
        if x >= 300 && (x / 4 + y / 4) % 2 == 0 {
            Rgba([0, 0, 0, 255])
        } else {
            Rgba([200, 200, 200, 255])
        }
    }));
    let out = render(&source, "width=100,height=200,fit=cover,gravity=auto", OutputFormat::Png);
    let dark = out.pixels().filter(|p| p.0[0] < 100).count();
    assert!(dark > out.pixels().len() / 4, "the crop holds the checkerboard: {dark} dark pixels");
    let centred = render(&source, "width=100,height=200,fit=cover", OutputFormat::Png);
    assert_eq!(centred.pixels().filter(|p| p.0[0] < 100).count(), 0, "the centre has none");
}

#[test]
fn pad_uses_the_background_colour() {
    let source = red_left_blue_right();
    let padded = render(&source, "width=200,height=200,fit=pad,background=lime", OutputFormat::Png);
    assert_eq!(padded.dimensions(), (200, 200));
    assert_eq!(padded.get_pixel(100, 5).0, [0, 255, 0, 255], "padding above");
    assert!(close(padded.get_pixel(5, 100), RED, 2), "the image in the middle");
    let clear = render(&source, "width=200,height=200,fit=pad,background=rgb(0 0 0 / 0)", OutputFormat::Png);
    assert_eq!(clear.get_pixel(100, 5).0[3], 0, "a transparent background pads with transparency");
    let jpeg = render(&source, "width=200,height=200,fit=pad,background=#0f0", OutputFormat::Jpeg);
    assert!(close(jpeg.get_pixel(100, 5), [0, 255, 0, 255], 4), "{:?}", jpeg.get_pixel(100, 5));
}

#[test]
fn transparent_pixels_sit_on_the_background() {
    let source =
        png(&RgbaImage::from_fn(100, 100, |x, _| if x < 50 { Rgba([0, 0, 0, 0]) } else { Rgba(BLUE) }));
    let out = render(&source, "width=50,background=yellow", OutputFormat::Png);
    assert_eq!(out.get_pixel(5, 25).0, [255, 255, 0, 255]);
    assert!(close(out.get_pixel(45, 25), BLUE, 2));
    let jpeg = render(&source, "width=50,background=yellow", OutputFormat::Jpeg);
    assert!(close(jpeg.get_pixel(5, 25), [255, 255, 0, 255], 6), "{:?}", jpeg.get_pixel(5, 25));
    let plain = render(&source, "width=50", OutputFormat::Jpeg);
    assert!(close(plain.get_pixel(5, 25), [255, 255, 255, 255], 3), "JPEG flattens onto white by default");
}

/// Sum of absolute differences between horizontal neighbours: how sharp the picture is.
fn edge_energy(image: &RgbaImage) -> u64 {
    image
        .rows()
        .flat_map(|row| {
            let row: Vec<_> = row.collect();
            row.windows(2).map(|w| u64::from(w[0].0[0].abs_diff(w[1].0[0]))).collect::<Vec<_>>()
        })
        .sum()
}

#[test]
fn blur_softens_and_sharpen_steepens() {
    let stripes = png(&RgbaImage::from_fn(200, 100, |x, _| {
        if (x / 10) % 2 == 0 {
            Rgba([40, 40, 40, 255])
        } else {
            Rgba([210, 210, 210, 255])
        }
    }));
    let plain = edge_energy(&render(&stripes, "width=100", OutputFormat::Png));
    let blurred = edge_energy(&render(&stripes, "width=100,blur=8", OutputFormat::Png));
    let sharpened = edge_energy(&render(&stripes, "width=100,sharpen=3", OutputFormat::Png));
    assert!(blurred < plain / 2, "blur: {blurred} vs {plain}");
    assert!(sharpened > plain, "sharpen: {sharpened} vs {plain}");
    let very_blurred = edge_energy(&render(&stripes, "width=100,blur=40", OutputFormat::Png));
    assert!(very_blurred < blurred, "a larger radius blurs more: {very_blurred} vs {blurred}");
}

#[test]
fn colour_adjustments_change_the_output_pixels_as_cloudflare_describes() {
    // Not resized, so every pixel is the source's own before the adjustment: red at x = 50,
    // grey (128) at x = 200, blue at x = 350.
    let source = red_left_blue_right();
    let at = |options: &str, x: u32| render(&source, options, OutputFormat::Png).get_pixel(x, 50).0;
    assert_eq!(at("brightness=0.5", 50), [110, 15, 15, 255], "half as bright");
    assert_eq!(at("brightness=2", 200), [255, 255, 255, 255], "grey 128 doubled clips");
    // 0.5 × (v − 127.5) + 127.5: 173.75 and 78.75.
    assert_eq!(at("contrast=0.5", 50), [174, 79, 79, 255], "towards mid-grey");
    // (v / 255)^0.5 × 255: 236.9 and 87.5.
    assert_eq!(at("gamma=0.5", 50), [237, 87, 87, 255], "midtones lighter");
    assert_eq!(at("gamma=2", 200), [64, 64, 64, 255], "midtones darker");
    // The Rec. 709 luma grey: red's is 70.4, blue's 43.7.
    assert_eq!(at("saturation=0", 50), [70, 70, 70, 255], "greyscale");
    assert_eq!(at("saturation=0", 350), [44, 44, 44, 255]);
}

#[test]
fn colour_adjustments_leave_alpha_and_the_background_alone() {
    let source =
        png(&RgbaImage::from_fn(100, 100, |x, _| if x < 50 { Rgba([0, 0, 0, 0]) } else { Rgba(BLUE) }));
    let clear = render(&source, "brightness=0.5", OutputFormat::Png);
    assert_eq!(clear.get_pixel(5, 25).0[3], 0, "still transparent");
    assert_eq!(clear.get_pixel(95, 25).0, [15, 15, 110, 255]);
    let flattened = render(&source, "brightness=0.5,background=yellow", OutputFormat::Png);
    assert_eq!(flattened.get_pixel(5, 25).0, [255, 255, 0, 255], "the background is as asked");
}
