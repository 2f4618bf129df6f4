//! The transform engine against every image in `../shared/corpus/MANIFEST.tsv`: valid images
//! come out at the requested size and decodable; corrupt, bomb and unsupported files are
//! refused with a 4xx error, without panicking and without allocating for their claims.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use image::GenericImageView;

#[path = "common/engine.rs"]
mod engine;
#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/manifest.rs"]
mod manifest;
use manifest::{corpus_file, listed, manifest, ACCEPTED_HOSTILE, PARTIAL_VALID, REFUSED_VALID};

const MAX_PIXELS: u64 = edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;

fn run(bytes: &[u8], width: u32, format: FormatRequest) -> Result<Outcome, ProxyError> {
    let options = TransformOptions { width: Some(width), ..TransformOptions::default() };
    engine::run(bytes, &options, format)
}

#[test]
fn every_valid_image_transforms_to_the_requested_size() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in manifest().iter().filter(|e| e.expected == "ok") {
        let bytes = corpus_file(&entry.path);
        let want = entry.scaled_to_width(32).expect("valid files have their size in the manifest");
        let format = FormatRequest::Exactly(OutputFormat::Png);
        match run(&bytes, 32, format) {
            Ok(Outcome::Encoded(out)) => {
                let decoded = image::load_from_memory(&out.bytes).expect("our output decodes");
                if decoded.dimensions() != want || (out.width, out.height) != want {
                    failures.push(format!("{}: {:?} (want {want:?})", entry.path, decoded.dimensions()));
                }
                // A valid file is decoded whole: reported partial, it would never be cached.
                if out.completeness.is_whole() == listed(PARTIAL_VALID, &entry.path) {
                    failures.push(format!("{}: reported {:?}", entry.path, out.completeness));
                }
            }
            Ok(Outcome::Original(info)) => {
                if (info.width, info.height) != want {
                    failures
                        .push(format!("{}: served unchanged at {}x{}", entry.path, info.width, info.height));
                }
            }
            Ok(Outcome::Sanitised(_)) => failures.push(format!("{}: taken for an SVG", entry.path)),
            Err(err) if listed(REFUSED_VALID, &entry.path) && (400..500).contains(&err.status()) => {}
            Err(err) => failures.push(format!("{}: {err}", entry.path)),
        }
        // Served untouched is not transformed: a 1-pixel animation needs no change at width 32.
        if listed(REFUSED_VALID, &entry.path)
            && matches!(run(&bytes, 32, FormatRequest::Original), Ok(Outcome::Encoded(_)))
        {
            failures.push(format!("{}: now transforms; take it off REFUSED_VALID", entry.path));
        }
        checked += 1;
    }
    assert!(checked > 300, "only {checked} valid images found");
    assert!(failures.is_empty(), "{} of {checked} failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_hostile_file_is_refused_with_a_4xx() {
    let mut failures = Vec::new();
    for entry in manifest().iter().filter(|e| e.is_hostile()) {
        let bytes = corpus_file(&entry.path);
        match run(&bytes, 32, FormatRequest::Exactly(OutputFormat::Jpeg)) {
            Err(err) if (400..500).contains(&err.status()) && !listed(ACCEPTED_HOSTILE, &entry.path) => {}
            Err(err) if (400..500).contains(&err.status()) => {
                failures.push(format!("{}: now refused ({err}); take it off ACCEPTED_HOSTILE", entry.path));
            }
            Err(err) => failures.push(format!("{} ({}): {err}", entry.path, entry.expected)),
            Ok(Outcome::Encoded(out)) if listed(ACCEPTED_HOSTILE, &entry.path) => {
                assert!(u64::from(out.width) * u64::from(out.height) <= MAX_PIXELS);
            }
            Ok(Outcome::Original(_)) if listed(ACCEPTED_HOSTILE, &entry.path) => {}
            Ok(_) => failures.push(format!("{} ({}): produced an image", entry.path, entry.expected)),
        }
    }
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
}

/// Mean absolute difference per channel between two images of the same size.
fn difference(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f64 / a.as_raw().len() as f64
}

#[test]
fn every_exif_orientation_comes_out_upright() {
    // The set holds one picture stored in all 8 orientations, each tagged so that a viewer
    // applying the tag shows it upright; _0 has no tag and _1 is tagged "as stored".
    for shape in ["Landscape", "Portrait"] {
        let render = |n: u32| {
            let bytes = corpus_file(&format!("jpeg-exif-orientation/{shape}_{n}.jpg"));
            match run(&bytes, 60, FormatRequest::Exactly(OutputFormat::Png)) {
                Ok(Outcome::Encoded(out)) => image::load_from_memory(&out.bytes).expect("decodes").to_rgb8(),
                other => panic!("{shape}_{n}: {other:?}"),
            }
        };
        let upright = render(1);
        let flipped = image::imageops::flip_horizontal(&upright);
        for n in 2..=8 {
            let image = render(n);
            let diff = difference(&upright, &image);
            assert!(diff < 6.0, "{shape}_{n} differs from {shape}_1 by {diff:.1} per channel");
            // The check can tell orientations apart: a mirrored picture is far off.
            assert!(difference(&flipped, &image) > diff * 2.0, "{shape}_{n}");
        }
    }
}

/// A CMYK or YCCK JPEG's colours by an independent path: jpeg-decoder's CMYK (ink amounts,
/// 0 for none: it undoes Adobe's inversion and the YCCK transform) through the plain
/// conversion R = (255 − C)(255 − K)/255, as browsers without a CMYK profile show them.
fn cmyk_reference(bytes: &[u8]) -> image::RgbImage {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let cmyk = decoder.decode().expect("jpeg-decoder reads it");
    let info = decoder.info().expect("a header");
    assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::CMYK32);
    let ink = |v: u8, k: u8| ((255 - u32::from(v)) * (255 - u32::from(k)) / 255) as u8;
    let rgb =
        cmyk.chunks_exact(4).flat_map(|p| [ink(p[0], p[3]), ink(p[1], p[3]), ink(p[2], p[3])]).collect();
    image::RgbImage::from_raw(u32::from(info.width), u32::from(info.height), rgb).expect("whole pixels")
}

#[test]
fn cmyk_and_ycck_jpegs_keep_their_colours() {
    for file in [
        "jpeg/jpg-cmyk-1.jpg",
        "jpeg/jpg-cmyk-2.jpg",
        "jpeg/pil_sample_cmyk.jpg",
        "jpeg/flower_small.cmyk.jpg",
    ] {
        let bytes = corpus_file(file);
        let reference = cmyk_reference(&bytes);
        // Full size, so that only the colour conversion can differ.
        let width = reference.width();
        let ours = match run(&bytes, width, FormatRequest::Exactly(OutputFormat::Png)) {
            Ok(Outcome::Encoded(out)) => image::load_from_memory(&out.bytes).expect("decodes").to_rgb8(),
            other => panic!("{file}: {other:?}"),
        };
        let diff = difference(&reference, &ours);
        assert!(diff < 3.0, "{file}: {diff:.2} per channel from the reference");
        // The check can tell an inverted picture (YCCK's classic bug) from a right one.
        let mut inverted = ours.clone();
        image::imageops::invert(&mut inverted);
        assert!(difference(&reference, &inverted) > 20.0, "{file}: the reference is too flat to tell");
    }
}

#[test]
fn a_cut_off_png_too_large_for_a_decoder_is_what_its_header_declares() {
    use edge_image_proxy::transform::{describe, inspect};
    for side in [1u32 << 15, 23_000, 1 << 20] {
        let png = fixtures::png_declaring(side);
        let info = inspect(&png).expect("the header is readable");
        assert_eq!(
            (info.width, info.height, info.has_alpha, info.decoded_bytes_per_pixel),
            (side, side, true, 4)
        );
        let pixels = u64::from(side) * u64::from(side);
        assert!(
            matches!(run(&png, 100, FormatRequest::Original), Err(ProxyError::TooManyPixels { pixels: p, .. }) if p == pixels)
        );
        let described = describe(&png, &TransformOptions::default()).expect("described from its header");
        assert_eq!((described.original.width, described.original.height), (side, side));
    }
    // Small enough for a decoder: its verdict stands, and a PNG with no pixels is damaged.
    assert!(matches!(inspect(&fixtures::png_declaring(3)), Err(ProxyError::UndecodableImage(_))));
}
