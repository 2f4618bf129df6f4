//! ICC profiles: a wide-gamut profile (Display P3, Adobe RGB) in a JPEG, PNG or WebP source is
//! copied unchanged into JPEG, PNG and WebP output; sRGB, non-RGB and oversized profiles are
//! left out; and AVIF, which cannot carry a profile, gives way to WebP for such a source.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use std::io::Cursor;

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::{FormatChoice, TransformOptions};
use edge_image_proxy::transform::profile::MAX_PROFILE_BYTES;
use edge_image_proxy::transform::Encoded;
use image::{ImageDecoder, ImageEncoder, ImageFormat, ImageReader, RgbImage};

#[path = "common/engine.rs"]
mod engine;
#[path = "common/icc.rs"]
mod icc;
#[path = "common/manifest.rs"]
mod manifest;
use icc::{profile, Version};
use manifest::corpus_file;

/// A gradient, so that every encoder has something to encode.
fn picture() -> RgbImage {
    RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 128]))
}

fn jpeg_with(profile: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder.add_icc_profile(profile).expect("fits in APP2 segments");
    encoder.encode(picture().as_raw(), 64, 48, jpeg_encoder::ColorType::Rgb).expect("encodes");
    out
}

/// The picture, encoded by `encoder` with `profile` embedded.
fn tagged(mut encoder: impl ImageEncoder, profile: &[u8]) {
    encoder.set_icc_profile(profile.to_vec()).expect("the format carries profiles");
    encoder.write_image(picture().as_raw(), 64, 48, image::ExtendedColorType::Rgb8).expect("encodes");
}

fn png_with(profile: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    tagged(image::codecs::png::PngEncoder::new(&mut out), profile);
    out
}

fn webp_with(profile: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    tagged(image::codecs::webp::WebPEncoder::new_lossless(&mut out), profile);
    out
}

fn transformed(source: &[u8], format: FormatRequest) -> Encoded {
    let options = TransformOptions { width: Some(32), ..TransformOptions::default() };
    engine::encoded(source, &options, format)
}

/// The profile an encoded file carries, read back by the `image` crate's decoder.
fn carried(encoded: &Encoded) -> Option<Vec<u8>> {
    let format = match encoded.format {
        OutputFormat::Jpeg | OutputFormat::BaselineJpeg => ImageFormat::Jpeg,
        OutputFormat::Png => ImageFormat::Png,
        OutputFormat::Webp => ImageFormat::WebP,
        OutputFormat::Avif | OutputFormat::Gif => return None,
    };
    let mut decoder =
        ImageReader::with_format(Cursor::new(&encoded.bytes), format).into_decoder().expect("decodes");
    decoder.icc_profile().expect("readable")
}

const OUTPUTS: [OutputFormat; 4] =
    [OutputFormat::Jpeg, OutputFormat::BaselineJpeg, OutputFormat::Png, OutputFormat::Webp];

#[test]
fn a_wide_gamut_profile_is_copied_into_every_output_that_can_carry_it() {
    for version in [Version::V2, Version::V4] {
        let p3 = profile(b"RGB ", version, "Display P3");
        for (kind, source) in [("jpeg", jpeg_with(&p3)), ("png", png_with(&p3)), ("webp", webp_with(&p3))] {
            for format in OUTPUTS {
                let out = transformed(&source, FormatRequest::Exactly(format));
                assert_eq!(carried(&out).as_ref(), Some(&p3), "{kind} source to {format:?}");
                assert!(out.report.encode.ends_with(&format!("ICC profile kept ({} bytes)", p3.len())));
            }
        }
    }
}

#[test]
fn a_lossy_webp_carries_the_profile_too() {
    // A photo-like source, so that lossy WebP is the smaller and is what is sent.
    let photo = corpus_file("photos/flower.png.im_q85_420.jpg");
    let pixels = image::load_from_memory(&photo).expect("decodes").to_rgb8();
    let adobe = profile(b"RGB ", Version::V2, "Adobe RGB (1998)");
    let mut source = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut source, 90);
    encoder.add_icc_profile(&adobe).expect("fits");
    let (w, h) = (pixels.width() as u16, pixels.height() as u16);
    encoder.encode(pixels.as_raw(), w, h, jpeg_encoder::ColorType::Rgb).expect("encodes");
    let options = TransformOptions { width: Some(320), ..TransformOptions::default() };
    let Ok(Outcome::Encoded(out)) =
        engine::run(&source, &options, FormatRequest::Exactly(OutputFormat::Webp))
    else {
        panic!("transforms")
    };
    assert!(out.report.encode.starts_with("webp q85 lossy"), "{}", out.report.encode);
    assert_eq!(carried(&out), Some(adobe));
}

#[test]
fn srgb_non_rgb_and_oversized_profiles_are_left_out() {
    let mut huge = profile(b"RGB ", Version::V2, "Display P3");
    huge.resize(MAX_PROFILE_BYTES + 1, 0);
    let left_out = [
        ("sRGB v2", profile(b"RGB ", Version::V2, "sRGB IEC61966-2.1")),
        ("sRGB v4", profile(b"RGB ", Version::V4, "sRGB built-in")),
        ("CMYK", profile(b"CMYK", Version::V2, "U.S. Web Coated (SWOP) v2")),
        ("grey", profile(b"GRAY", Version::V2, "Dot Gain 20%")),
        ("over the limit", huge),
    ];
    for (name, profile) in left_out {
        let out = transformed(&jpeg_with(&profile), FormatRequest::Exactly(OutputFormat::Jpeg));
        assert_eq!(carried(&out), None, "{name}");
        assert!(!out.report.encode.contains("ICC"), "{name}");
    }
    // The corpus's profiled files: sRGB ones, and a 400 KB print profile.
    for file in ["jpeg/jpg-srgb-icc.jpg", "jpeg/icc_profile_big.jpg", "png-misc/F-exif-chunk-early.png"] {
        let source = corpus_file(file);
        let options = TransformOptions { width: Some(1), ..TransformOptions::default() };
        let Ok(Outcome::Encoded(out)) =
            engine::run(&source, &options, FormatRequest::Exactly(OutputFormat::Png))
        else {
            panic!("{file}")
        };
        assert_eq!(carried(&out), None, "{file}");
    }
}

#[test]
fn avif_gives_way_to_webp_for_a_profiled_source() {
    let chrome = "image/avif,image/webp,*/*";
    let p3 = jpeg_with(&profile(b"RGB ", Version::V2, "Display P3"));
    let plain = jpeg_with(&profile(b"RGB ", Version::V2, "sRGB IEC61966-2.1"));
    for choice in [FormatChoice::Avif, FormatChoice::Auto] {
        let options = TransformOptions { width: Some(32), format: choice, ..TransformOptions::default() };
        let request = FormatRequest::new(&options, Some(chrome));
        assert_eq!(transformed(&p3, request).format, OutputFormat::Webp, "{choice:?}");
        assert_eq!(transformed(&plain, request).format, OutputFormat::Avif, "{choice:?}");
    }
}
