//! `fit=squeeze`, `trim`, `metadata`, `anim`, `compression` and `format=json` do what they say
//! on real bytes: output dimensions, where each output pixel came from, the EXIF segment of
//! JPEG output, the format chosen, frame counts read from containers, and a distinct cache key
//! and signature for each.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "common/colour.rs"]
mod colour;
#[path = "common/engine.rs"]
mod engine;
#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/manifest.rs"]
mod manifest;

use colour::close;
use edge_image_proxy::cache_key::CacheKey;
use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::route::{route, Route};
use edge_image_proxy::security::{payload, DEFAULT_CPU_BUDGET_MS};
use edge_image_proxy::transform::{describe, Encoded};
use engine::options;
use fixtures::{png, red_left_blue_right, BLUE, GREY, RED};
use image::{Rgba, RgbaImage};
use manifest::corpus_file;

const CHROME: &str = "image/avif,image/webp,image/apng,*/*;q=0.8";

/// The new image made of `source` with options written as in a URL, or the engine's error.
fn encode(source: &[u8], text: &str, format: FormatRequest) -> Result<Encoded, ProxyError> {
    match engine::run(source, &options(text), format)? {
        Outcome::Encoded(out) => Ok(out),
        Outcome::Original(info) => panic!("{text}: served untouched ({info:?})"),
        Outcome::Sanitised(_) => panic!("{text}: an SVG"),
    }
}

fn png_out(source: &[u8], text: &str) -> RgbaImage {
    engine::decoded(source, &options(text), OutputFormat::Png).to_rgba8()
}

#[test]
fn squeeze_stretches_the_whole_source_into_the_box() {
    let out = png_out(&red_left_blue_right(), "width=100,height=100,fit=squeeze");
    assert_eq!(out.dimensions(), (100, 100));
    // Nothing is cropped: the quarters stay quarters, only narrower.
    assert!(close(out.get_pixel(5, 50), RED, 2), "{:?}", out.get_pixel(5, 50));
    assert!(close(out.get_pixel(50, 50), GREY, 2));
    assert!(close(out.get_pixel(95, 50), BLUE, 2));
    let tall = png_out(&red_left_blue_right(), "width=40,height=300,fit=squeeze");
    assert_eq!(tall.dimensions(), (40, 300), "enlarges one axis, shrinks the other");
    let one = png_out(&red_left_blue_right(), "width=800,fit=squeeze");
    assert_eq!(one.dimensions(), (800, 400), "one dimension: contain");
}

#[test]
fn trim_cuts_the_source_before_fitting() {
    let source = red_left_blue_right();
    let grey = png_out(&source, "trim=0;100;0;100");
    assert_eq!(grey.dimensions(), (200, 200));
    assert!(grey.pixels().all(|p| close(p, GREY, 0)), "no red nor blue survives the trim");
    let resized = png_out(&source, "trim=0;100;0;100,width=50");
    assert_eq!(resized.dimensions(), (50, 50));
    assert!(resized.pixels().all(|p| close(p, GREY, 2)));
    // Cover of a 300x200 remainder into 100x100 with gravity=left keeps the trim's edge.
    let left = png_out(&source, "trim=10;0;10;50,width=100,height=100,fit=cover,gravity=left");
    assert_eq!(left.dimensions(), (100, 100));
    assert!(close(left.get_pixel(2, 50), RED, 2), "the red left of the trim: {:?}", left.get_pixel(2, 50));
    let right = png_out(&source, "trim=0;0;0;150,width=100,height=100,fit=cover,gravity=left");
    assert!(close(right.get_pixel(2, 50), GREY, 2), "gravity moves inside the trimmed region only");
}

#[test]
fn trim_comes_before_rotate() {
    // The red quarter trimmed, then turned: the left edge becomes the top, now grey.
    let turned = png_out(&red_left_blue_right(), "trim=0;0;0;100,rotate=90");
    assert_eq!(turned.dimensions(), (200, 300));
    assert!(close(turned.get_pixel(100, 2), GREY, 0), "{:?}", turned.get_pixel(100, 2));
    assert!(close(turned.get_pixel(100, 297), BLUE, 0));
}

#[test]
fn trim_keeps_shrink_on_load_and_its_coordinates() {
    // The synthetic photo's red channel ramps from 0 at the left to 255 at the right.
    let jpeg = fixtures::synthetic_jpeg(2400, 1600);
    let out = encode(&jpeg, "trim=0;1200;0;0,width=150", FormatRequest::Exactly(OutputFormat::Png)).unwrap();
    assert!(out.report.decode.contains("scale"), "still shrunk on load: {}", out.report.decode);
    assert_eq!((out.width, out.height), (150, 200));
    let image = image::load_from_memory(&out.bytes).unwrap().to_rgb8();
    let red_at_right = image.get_pixel(149, 100)[0];
    assert!((115..=140).contains(&red_at_right), "the right half is gone: red {red_at_right}");
}

#[test]
fn a_trim_that_leaves_nothing_is_a_bad_request() {
    for trim in ["0;200;0;200", "100;0;100;0", "0;0;0;4000"] {
        let err =
            encode(&red_left_blue_right(), &format!("trim={trim}"), FormatRequest::Original).unwrap_err();
        assert_eq!(err.status(), 400, "{trim}: {err}");
    }
    for bad in ["1;2;3", "a;b;c;d", "-1;0;0;0", "1;2;3;4;5"] {
        assert!(TransformOptions::from_pairs([("trim", bad)]).is_err(), "{bad}");
    }
    assert_eq!(options("trim=0;0;0;0"), TransformOptions::default(), "trimming nothing is the default");
}

/// A JPEG whose EXIF (big-endian, as cameras write it) holds Make, Orientation 6 (turn 90
/// degrees clockwise to display), Artist and Copyright; stored 80x40.
fn camera_jpeg() -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08\0\x04".to_vec();
    let values_at = 8 + 2 + 4 * 12 + 4;
    tiff.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 8]); // Make, 8 ASCII bytes
    tiff.extend_from_slice(&(values_at as u32).to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation 6
    tiff.extend_from_slice(&[0x01, 0x3B, 0, 2, 0, 0, 0, 4]); // Artist, inline
    tiff.extend_from_slice(b"Ann\0");
    tiff.extend_from_slice(&[0x82, 0x98, 0, 2, 0, 0, 0, 16]); // Copyright
    tiff.extend_from_slice(&(values_at as u32 + 8).to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"CamCorp\0");
    tiff.extend_from_slice(b"(c) 2026 Jane D\0");
    let pixels = image::RgbImage::from_fn(80, 40, |x, _| {
        if x < 40 {
            image::Rgb([200, 0, 0])
        } else {
            image::Rgb([0, 0, 200])
        }
    });
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder.add_app_segment(1, [&b"Exif\0\0"[..], &tiff].concat()).unwrap();
    encoder.encode(pixels.as_raw(), 80, 40, jpeg_encoder::ColorType::Rgb).unwrap();
    out
}

/// The payload of the output's EXIF `APP1` segment, found by walking the JPEG's markers.
fn exif_of(jpeg: &[u8]) -> Option<Vec<u8>> {
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        let payload = &jpeg[at + 4..at + 2 + length];
        if jpeg[at + 1] == 0xE1 && payload.starts_with(b"Exif\0\0") {
            return Some(payload.to_vec());
        }
        at += 2 + length;
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn metadata_copyright_keeps_only_the_copyright_and_artist() {
    let jpeg = camera_jpeg();
    for spelling in ["width=20", "width=20,metadata=copyright"] {
        let out = encode(&jpeg, spelling, FormatRequest::Original).unwrap();
        assert_eq!((out.width, out.height), (20, 40), "orientation applied");
        let exif = exif_of(&out.bytes).expect("an EXIF segment");
        assert!(contains(&exif, b"(c) 2026 Jane D"), "{spelling}");
        assert!(contains(&exif, b"Ann"), "{spelling}");
        assert!(!contains(&exif, b"CamCorp"), "nothing else is kept");
        assert!(
            !contains(&exif, &[0x12, 0x01]) && !contains(&exif, &[0x01, 0x12]),
            "no orientation to apply twice"
        );
    }
}

#[test]
fn metadata_none_writes_no_exif() {
    let out = encode(&camera_jpeg(), "width=20,metadata=none", FormatRequest::Original).unwrap();
    assert_eq!(exif_of(&out.bytes), None);
    assert!(!contains(&out.bytes, b"(c) 2026 Jane D"));
    let untouched = engine::run(&camera_jpeg(), &options("metadata=none"), FormatRequest::Original);
    assert!(matches!(untouched, Ok(Outcome::Encoded(_))), "none is never the source's own bytes");
}

#[test]
fn metadata_keep_copies_the_exif_with_orientation_one() {
    let out = encode(&camera_jpeg(), "width=20,metadata=keep", FormatRequest::Original).unwrap();
    let exif = exif_of(&out.bytes).expect("an EXIF segment");
    assert!(contains(&exif, b"CamCorp") && contains(&exif, b"(c) 2026 Jane D"));
    assert!(
        contains(&exif, &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 1]),
        "Orientation is 1 in the source's byte order"
    );
    // A viewer applying the copied EXIF shows the pixels as they are: still portrait.
    let decoded = image::load_from_memory(&out.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (20, 40));
}

#[test]
fn only_jpeg_output_carries_metadata() {
    let out =
        encode(&camera_jpeg(), "width=20,metadata=keep", FormatRequest::Exactly(OutputFormat::Png)).unwrap();
    assert!(!contains(&out.bytes, b"CamCorp") && !contains(&out.bytes, b"eXIf"));
}

#[test]
fn an_explicit_still_format_gives_the_first_frame_whatever_anim_says() {
    let gif = corpus_file("gif/anim-gr.gif");
    let first = encode(&gif, "width=50,anim=false", FormatRequest::Exactly(OutputFormat::Png)).unwrap();
    let default = encode(&gif, "width=50", FormatRequest::Exactly(OutputFormat::Png)).unwrap();
    assert_eq!((first.width, first.height), (50, 25));
    assert_eq!(first.format, OutputFormat::Png);
    assert_eq!(first.bytes, default.bytes, "format=png names a still format: the first frame");
    assert!(TransformOptions::from_pairs([("anim", "yes")]).is_err());
}

#[test]
fn fast_compression_encodes_jpeg_or_png_whatever_accept_lists() {
    let fast = |source: &[u8]| {
        let options = options("format=auto,compression=fast,width=50");
        match engine::run(source, &options, FormatRequest::new(&options, Some(CHROME))) {
            Ok(Outcome::Encoded(out)) => out.format,
            other => panic!("{other:?}"),
        }
    };
    let translucent = png(&RgbaImage::from_pixel(100, 100, Rgba([0, 0, 0, 100])));
    assert_eq!(fast(&translucent), OutputFormat::Png, "not WebP, though Accept lists it");
    assert_eq!(fast(&corpus_file("jpeg-exif-orientation/Landscape_1.jpg")), OutputFormat::Jpeg);
}

#[test]
fn json_describes_the_header_and_counts_frames() {
    for (file, frames) in [
        ("gif/iss634.gif", 42),
        ("gif/gifplayer-muybridge.gif", 380),
        ("gif/2x2.gif", 1),
        ("webp/anim.webp", 6),
        ("webp/random_lossy.webp", 4),
        ("jpeg-exif-orientation/Landscape_1.jpg", 1),
    ] {
        let bytes = corpus_file(file);
        let description = describe(&bytes, &options("format=json")).unwrap();
        assert_eq!(description.frames, Some(frames), "{file}");
        assert_eq!(description.bytes, bytes.len() as u64);
        assert_eq!(description.original.file_size, bytes.len() as u64);
    }
    let turned = corpus_file("jpeg-exif-orientation/Portrait_6.jpg");
    let json = serde_json::to_value(describe(&turned, &options("format=json,width=300")).unwrap()).unwrap();
    assert_eq!(json["orientation"], 6);
    assert_eq!(json["format"], "jpeg");
    assert_eq!(json["original"]["format"], "image/jpeg");
    let (w, h) = (json["original"]["width"].as_u64().unwrap(), json["original"]["height"].as_u64().unwrap());
    assert!(h > w, "displayed as a portrait");
    assert_eq!(json["width"], 300, "the output these options make");
    assert_eq!(json["height"], (300 * h + w / 2) / w);
}

#[test]
fn json_never_decodes_pixels() {
    // 4.1 Gpixel declared: describing it allocates nothing for its pixels.
    let bomb = corpus_file("bombs/lottapixel.jpg");
    let description = describe(&bomb, &options("format=json")).unwrap();
    assert_eq!((description.original.width, description.original.height), (64250, 64250));
}

#[test]
fn every_new_option_changes_the_cache_key_and_the_signature() {
    let key = |path: &str| {
        let Ok(Route::Image(image)) = route(path, None) else { panic!("{path}") };
        let format = FormatRequest::new(&image.options, Some(CHROME));
        (
            CacheKey::new(&image.source, &image.options, "", format, DEFAULT_CPU_BUDGET_MS).path(),
            payload(&image.options, &image.draws, None, &image.source),
        )
    };
    let base = key("/cdn-cgi/image/w=100,f=auto/a.jpg");
    let variants = [
        "/cdn-cgi/image/w=100,f=auto,fit=squeeze/a.jpg",
        "/cdn-cgi/image/w=100,f=auto,trim=1;0;0;0/a.jpg",
        "/cdn-cgi/image/w=100,f=auto,metadata=none/a.jpg",
        "/cdn-cgi/image/w=100,f=auto,metadata=keep/a.jpg",
        "/cdn-cgi/image/w=100,f=auto,anim=false/a.jpg",
        "/cdn-cgi/image/w=100,f=auto,compression=fast/a.jpg",
        "/cdn-cgi/image/w=100,f=auto,onerror=redirect/a.jpg",
        "/cdn-cgi/image/w=100,f=json/a.jpg",
    ];
    let mut seen = vec![base.clone()];
    for path in variants {
        let this = key(path);
        assert!(seen.iter().all(|other| other.0 != this.0 && other.1 != this.1), "{path}");
        seen.push(this);
    }
    // Defaults are left out, and both URL forms agree.
    assert_eq!(key("/cdn-cgi/image/w=100,f=auto,metadata=copyright,anim=true,trim=0;0;0;0/a.jpg"), base);
    let Ok(Route::Image(query)) =
        route("/image", Some("url=/a.jpg&w=100&f=auto&trim=1;2;3;4&onerror=redirect"))
    else {
        panic!()
    };
    assert_eq!(query.options.canonical(), "width=100,format=auto,trim=1;2;3;4,onerror=redirect");
}
