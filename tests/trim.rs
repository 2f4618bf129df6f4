//! `trim` in every spelling Cloudflare takes, on generated images with known borders: sides in
//! pixels and in fractions of the image, the `trim.top`/`trim.left`/`trim.width`/`trim.height`
//! window, and `trim=border` (with its colour, tolerance and keep) on a PNG, on a JPEG shrunk
//! on load (found on the shrunk decode, and decoded again when the border leaves too little),
//! and on every frame of an animated GIF.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::{make, Outcome};
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::Encoded;
use image::{Rgba, RgbaImage};

const WHITE: [u8; 4] = [255, 255, 255, 255];
const RED: [u8; 4] = [200, 30, 40, 255];

fn options(text: &str) -> TransformOptions {
    TransformOptions::from_pairs(text.split(',').map(|pair| pair.split_once('=').expect("name=value")))
        .expect("valid options")
}

fn run(source: &[u8], text: &str, format: FormatRequest) -> Encoded {
    match make(source, &options(text), format, 16_000_000) {
        Ok(Outcome::Encoded(out)) => out,
        other => panic!("{text}: {other:?}"),
    }
}

/// The output as RGBA, written as PNG so that every pixel is exact.
fn render(source: &[u8], text: &str) -> RgbaImage {
    let out = run(source, text, FormatRequest::Exactly(OutputFormat::Png));
    image::load_from_memory(&out.bytes).expect("decodes").to_rgba8()
}

fn png(image: &RgbaImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).expect("encode the fixture");
    out.into_inner()
}

/// A `width` × `height` image of `border` colour around a rectangle from (left, top) to
/// (right, bottom), exclusive, filled by `inside(x, y)`.
fn framed(
    (width, height): (u32, u32),
    (left, top, right, bottom): (u32, u32, u32, u32),
    border: [u8; 4],
    inside: impl Fn(u32, u32) -> [u8; 4],
) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        if (left..right).contains(&x) && (top..bottom).contains(&y) {
            Rgba(inside(x, y))
        } else {
            Rgba(border)
        }
    })
}

/// A JPEG at quality 95 of `framed`'s picture: a white frame around a red-to-blue ramp.
fn framed_jpeg(size: (u32, u32), inside: (u32, u32, u32, u32)) -> Vec<u8> {
    let image = framed(size, inside, WHITE, |x, _| [200, 40, (x % 200) as u8, 255]);
    let rgb = image::DynamicImage::ImageRgba8(image).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95).encode_image(&rgb).expect("encodes");
    out
}

fn is_white(pixel: &Rgba<u8>) -> bool {
    pixel.0[..3].iter().all(|c| *c > 235)
}

#[test]
fn sides_take_pixels_and_fractions_of_the_image() {
    let source = png(&framed((400, 200), (100, 50, 300, 150), WHITE, |_, _| RED));
    let by_pixels = render(&source, "trim=50;100;50;100");
    let by_fractions = render(&source, "trim=0.25;0.25;0.25;0.25");
    assert_eq!(by_pixels.dimensions(), (200, 100));
    assert_eq!(by_pixels, by_fractions, "a quarter of 400 is 100 and of 200 is 50");
    assert!(by_pixels.pixels().all(|p| p.0 == RED), "exactly the red rectangle is left");
    let mixed = render(&source, "trim=50;0;0.25;100");
    assert_eq!(mixed.dimensions(), (300, 100));
}

#[test]
fn the_window_keeps_width_and_height_from_its_corner() {
    let source = png(&framed((400, 200), (100, 50, 300, 150), WHITE, |_, _| RED));
    let window = render(&source, "trim.left=100,trim.top=50,trim.width=200,trim.height=100");
    assert_eq!(window.dimensions(), (200, 100));
    assert!(window.pixels().all(|p| p.0 == RED));
    assert_eq!(render(&source, "trim.top=50,trim.left=100").dimensions(), (300, 150), "corner alone");
    let fraction = render(&source, "trim.left=0.25,trim.width=0.5");
    assert_eq!(fraction.dimensions(), (200, 200));
    assert_eq!(render(&source, "trim.left=300,trim.width=500").dimensions(), (100, 200), "stops at the edge");
}

#[test]
fn a_border_is_found_and_cut_off_with_its_colour_tolerance_and_keep() {
    let source = png(&framed((400, 300), (40, 30, 340, 250), WHITE, |_, _| RED));
    let trimmed = run(&source, "trim=border", FormatRequest::Exactly(OutputFormat::Png));
    assert_eq!((trimmed.width, trimmed.height), (300, 220));
    assert_eq!(trimmed.report.decode, "png 400x300, border 30;60;50;40 trimmed");
    let pixels = image::load_from_memory(&trimmed.bytes).unwrap().to_rgba8();
    assert!(pixels.pixels().all(|p| p.0 == RED), "no white left, no red lost");
    let kept = render(&source, "trim=border,trim.border.keep=5");
    assert_eq!(kept.dimensions(), (310, 230));
    assert_eq!(kept.get_pixel(0, 0).0, WHITE);
    assert_eq!(kept.get_pixel(5, 5).0, RED);
    // Only black is border when named: the white frame stays.
    assert_eq!(render(&source, "trim.border.color=black").dimensions(), (400, 300));
    // A near-white frame is border within the default tolerance, not for an exact match.
    let near = png(&framed((100, 100), (10, 10, 90, 90), [250, 250, 250, 255], |_, _| RED));
    assert_eq!(render(&near, "trim.border.color=white").dimensions(), (80, 80));
    let exact = render(&near, "trim.border.color=white,trim.border.tolerance=255,width=100");
    assert_eq!(exact.dimensions(), (100, 100));
}

#[test]
fn an_image_that_is_all_border_is_left_whole() {
    let source = png(&RgbaImage::from_pixel(50, 40, Rgba(WHITE)));
    assert_eq!(render(&source, "trim=border").dimensions(), (50, 40));
}

#[test]
fn resizing_applies_to_what_the_border_leaves() {
    let source = png(&framed((400, 300), (40, 30, 340, 250), WHITE, |_, _| RED));
    let out = render(&source, "trim=border,width=150");
    assert_eq!(out.dimensions(), (150, 110), "the trimmed 300x220, halved");
    assert!(out.pixels().all(|p| p.0 == RED));
}

/// The border a report says was trimmed: top, right, bottom, left.
fn border_in(report: &str) -> [u32; 4] {
    let sides =
        report.split(", border ").nth(1).and_then(|rest| rest.strip_suffix(" trimmed")).expect(report);
    let sides: Vec<u32> = sides.split(';').map(|side| side.parse().expect(report)).collect();
    sides.try_into().expect(report)
}

/// Asserts that a border found on a JPEG is the frame drawn, to within the 16 source pixels
/// one 4:2:0 block of chroma (or a decoded pixel at 1/8) smears, and never cuts into the
/// picture.
fn assert_close_inside(found: [u32; 4], drawn: [u32; 4]) {
    for (found, drawn) in found.into_iter().zip(drawn) {
        assert!(found <= drawn && found + 16 >= drawn, "found {found} for a border of {drawn}");
    }
}

#[test]
fn a_jpeg_is_still_shrunk_on_load_and_the_border_found_on_the_shrunk_pixels() {
    // 1600×1200 with a 160-pixel white frame: 1280×880 of picture. A 100-pixel-wide output
    // allows 1/8 either way, so the border is found on the 200×150 decode.
    let jpeg = framed_jpeg((1600, 1200), (160, 160, 1440, 1040));
    let out = run(&jpeg, "trim=border,width=100", FormatRequest::Exactly(OutputFormat::Png));
    assert!(out.report.decode.starts_with("jpeg 1/8 scale -> 200x150, border "), "{}", out.report.decode);
    let [top, right, bottom, left] = border_in(&out.report.decode);
    assert_close_inside([top, right, bottom, left], [160; 4]);
    let (width, height) = (1600 - left - right, 1200 - top - bottom);
    let want_height = (f64::from(height) * 100.0 / f64::from(width)).round() as u32;
    assert_eq!((out.width, out.height), (100, want_height));
    let pixels = image::load_from_memory(&out.bytes).unwrap().to_rgba8();
    assert!(!is_white(pixels.get_pixel(50, want_height / 2)), "the picture");
}

#[test]
fn a_border_that_leaves_too_little_for_the_shrink_is_decoded_again_at_a_larger_scale() {
    // A 256×192 picture in a 1600×1200 frame (edges on 16-pixel blocks): 100 wide from 1600
    // would allow 1/8, but from the 256 pixels left only 1/2, so the source is decoded again
    // at 1/2 and the border found again on that decode.
    let jpeg = framed_jpeg((1600, 1200), (672, 512, 928, 704));
    let out = run(&jpeg, "trim=border,width=100", FormatRequest::Exactly(OutputFormat::Png));
    assert!(out.report.decode.starts_with("jpeg 1/2 scale -> 800x600, border "), "{}", out.report.decode);
    assert_close_inside(border_in(&out.report.decode), [512, 672, 496, 672]);
    assert_eq!(out.width, 100);
    let pixels = image::load_from_memory(&out.bytes).unwrap().to_rgba8();
    assert!(!is_white(pixels.get_pixel(50, out.height / 2)), "the picture");
}

#[test]
fn every_frame_of_an_animation_loses_the_border_found_on_the_first() {
    // Two frames of 60×40 with a 10-pixel white frame, red then blue inside.
    let frame = |colour: [u8; 4]| {
        let image = framed((60, 40), (10, 10, 50, 30), WHITE, move |_, _| colour);
        image::Frame::from_parts(image, 0, 0, image::Delay::from_numer_denom_ms(100, 1))
    };
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        encoder.set_repeat(image::codecs::gif::Repeat::Infinite).unwrap();
        encoder.encode_frames([frame(RED), frame([30, 40, 200, 255])]).unwrap();
    }
    let out = run(&gif, "trim=border", FormatRequest::Original);
    assert_eq!(out.format, OutputFormat::Gif);
    assert_eq!((out.width, out.height), (40, 20));
    assert_eq!(out.report.decode, "gif 60x40, 2 frames, border 10;10;10;10 trimmed");
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&out.bytes)).unwrap();
    let frames: Vec<RgbaImage> =
        image::AnimationDecoder::into_frames(decoder).map(|f| f.unwrap().into_buffer()).collect();
    assert_eq!(frames.len(), 2);
    for (frame, colour) in frames.iter().zip([RED, [30, 40, 200, 255]]) {
        assert_eq!(frame.dimensions(), (40, 20));
        // The GIF palette may move a colour a step or two.
        let near = |p: &Rgba<u8>| p.0.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 4);
        assert!(frame.pixels().all(near), "every pixel is the picture's");
    }
}

#[test]
fn a_border_trim_is_always_work_to_do() {
    // Nothing to cut off, but the pixels had to be read to know: the image is re-encoded.
    let source = png(&RgbaImage::from_fn(20, 10, |x, y| Rgba([((x * 12 + y * 25) % 256) as u8, 0, 0, 255])));
    let out = run(&source, "trim=border", FormatRequest::Original);
    assert_eq!((out.width, out.height), (20, 10));
}
