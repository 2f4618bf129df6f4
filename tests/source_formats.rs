//! The formats read but never written: a BMP, an ICO (its largest entry, PNG or BMP) and a
//! TIFF (its first page) are told by their magic bytes, sized from their headers before any
//! pixel is decoded, decoded and resized to the asked size with their colours, written in
//! the negotiated format (never their own), and served as they are when nothing is asked.
//! Damaged ones are the usual problem answers.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use edge_image_proxy::error::ProxyError;
use edge_image_proxy::format::{OutputFormat, SourceFormat};
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::transform::{inspect, sniff};

#[path = "common/engine.rs"]
mod engine;
#[path = "common/formats.rs"]
mod formats;

const TEAL: [u8; 3] = [20, 160, 150];
const ORANGE: [u8; 3] = [240, 130, 20];
const PURPLE: [u8; 3] = [110, 40, 170];

/// Whether two colours are within a lossy encoder's error of each other.
fn near(actual: &[u8], expected: [u8; 3]) -> bool {
    actual.iter().zip(expected).all(|(&a, e)| a.abs_diff(e) <= 6)
}

/// The source resized to `width` as `format`: its decoded size and middle pixel.
fn resized(source: &[u8], width: u32, format: OutputFormat) -> ((u32, u32), [u8; 3]) {
    let image = engine::decoded(source, &engine::options(&format!("width={width}")), format).to_rgb8();
    let middle = image.get_pixel(image.width() / 2, image.height() / 2).0;
    (image.dimensions(), middle)
}

#[test]
fn a_bmp_is_read_resized_and_written_in_another_format() {
    let bmp = formats::bmp(300, 200, TEAL);
    assert_eq!(sniff(&bmp), Some(SourceFormat::Bmp));
    let info = inspect(&bmp).unwrap();
    assert_eq!((info.format, info.width, info.height, info.has_alpha), (SourceFormat::Bmp, 300, 200, false));
    let (size, colour) = resized(&bmp, 150, OutputFormat::Png);
    assert_eq!(size, (150, 100));
    assert_eq!(colour, TEAL, "PNG is lossless");
    let (size, colour) = resized(&bmp, 90, OutputFormat::Jpeg);
    assert_eq!(size, (90, 60));
    assert!(near(&colour, TEAL), "{colour:?}");
}

#[test]
fn an_ico_gives_its_largest_entry_png_or_bmp() {
    let ico = formats::ico_of_pngs(&[(16, ORANGE), (64, TEAL), (32, PURPLE)]);
    assert_eq!(sniff(&ico), Some(SourceFormat::Ico));
    let info = inspect(&ico).unwrap();
    assert_eq!((info.format, info.width, info.height, info.has_alpha), (SourceFormat::Ico, 64, 64, true));
    assert_eq!(resized(&ico, 48, OutputFormat::Png), ((48, 48), TEAL));
    let bmp_entry = formats::ico_of_bmp(40, PURPLE);
    let info = inspect(&bmp_entry).unwrap();
    assert_eq!((info.format, info.width, info.height), (SourceFormat::Ico, 40, 40));
    assert_eq!(resized(&bmp_entry, 20, OutputFormat::Png), ((20, 20), PURPLE));
}

#[test]
fn a_tiff_gives_its_first_page() {
    let tiff = formats::tiff(&[(120, 80, ORANGE), (400, 400, PURPLE)]);
    assert_eq!(sniff(&tiff), Some(SourceFormat::Tiff));
    let info = inspect(&tiff).unwrap();
    assert_eq!((info.format, info.width, info.height, info.has_alpha), (SourceFormat::Tiff, 120, 80, false));
    assert_eq!(resized(&tiff, 60, OutputFormat::Png), ((60, 40), ORANGE));
    let (size, colour) = resized(&tiff, 30, OutputFormat::Webp);
    assert_eq!(size, (30, 20));
    assert!(near(&colour, ORANGE), "{colour:?}");
}

#[test]
fn nothing_asked_is_the_source_itself_and_auto_is_never_the_source_format() {
    let sources = [
        (formats::bmp(64, 48, TEAL), SourceFormat::Bmp),
        (formats::ico_of_pngs(&[(16, ORANGE), (48, TEAL)]), SourceFormat::Ico),
        (formats::tiff(&[(64, 48, TEAL)]), SourceFormat::Tiff),
    ];
    for (source, format) in &sources {
        let untouched = engine::run(source, &engine::options(""), FormatRequest::Original);
        assert!(matches!(untouched, Ok(Outcome::Original(info)) if info.format == *format), "{format:?}");
        // Re-encoding is asked: the format left to the proxy gives PNG, never the source's own.
        let options = engine::options("width=32");
        let same_size = engine::encoded(source, &options, FormatRequest::Original);
        assert_eq!((same_size.format, same_size.width), (OutputFormat::Png, 32), "{format:?}");
        for (request, expected) in [
            (FormatRequest::AutoWebp, OutputFormat::Webp),
            (
                FormatRequest::AutoLegacy,
                if *format == SourceFormat::Ico { OutputFormat::Png } else { OutputFormat::Jpeg },
            ),
        ] {
            let auto = engine::encoded(source, &engine::options(""), request);
            assert_eq!(auto.format, expected, "{format:?} under {request:?}");
        }
    }
}

#[test]
fn damaged_and_oversized_sources_are_problems_not_pictures() {
    for source in
        [formats::bmp(300, 200, TEAL), formats::tiff(&[(300, 200, TEAL)]), formats::ico_of_bmp(64, TEAL)]
    {
        let format = sniff(&source);
        let cut = &source[..source.len() / 2];
        let made = engine::run(cut, &engine::options("width=50"), FormatRequest::Original);
        assert!(matches!(made, Err(ProxyError::UndecodableImage(_))), "{format:?} cut in half: {made:?}");
    }
    // A BMP header declaring 60000×60000 pixels is refused from its header.
    let mut bomb = formats::bmp(4, 4, TEAL);
    bomb[18..22].copy_from_slice(&60_000i32.to_le_bytes());
    bomb[22..26].copy_from_slice(&60_000i32.to_le_bytes());
    let made = engine::run(&bomb, &engine::options("width=50"), FormatRequest::Original);
    assert!(matches!(made, Err(ProxyError::TooManyPixels { .. })), "{made:?}");
    // A TIFF whose first directory lies beyond its end.
    let made = engine::run(b"II*\0\xff\xff\0\0", &engine::options("width=50"), FormatRequest::Original);
    assert!(matches!(made, Err(ProxyError::UndecodableImage(_))), "{made:?}");
}

#[test]
fn an_avif_is_its_own_answer_where_avif_may_be_answered_and_refused_otherwise() {
    let avif = engine::encoded(
        &formats::bmp(64, 48, TEAL),
        &engine::options(""),
        FormatRequest::Exactly(OutputFormat::Avif),
    )
    .bytes;
    assert_eq!(sniff(&avif), Some(SourceFormat::Avif));
    let info = inspect(&avif).unwrap();
    assert_eq!((info.format, info.width, info.height, info.has_alpha), (SourceFormat::Avif, 64, 48, false));
    for request in
        [FormatRequest::Original, FormatRequest::AutoAvif, FormatRequest::Exactly(OutputFormat::Avif)]
    {
        let made = engine::run(&avif, &engine::options("width=64"), request);
        assert!(matches!(made, Ok(Outcome::Original(_))), "{request:?}: {made:?}");
    }
    for (options, request) in [
        ("width=32", FormatRequest::Original),
        ("", FormatRequest::AutoWebp),
        ("", FormatRequest::Exactly(OutputFormat::Png)),
        ("blur=3", FormatRequest::AutoAvif),
    ] {
        let made = engine::run(&avif, &engine::options(options), request);
        assert!(
            matches!(&made, Err(ProxyError::NotTransformable(why)) if why.contains("AVIF")),
            "{options} {request:?}: {made:?}"
        );
    }
}

#[test]
fn an_svg_is_sanitised_and_never_rasterised() {
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><rect width="4" height="4"/></svg>"#;
    let made = engine::run(svg, &engine::options("width=100"), FormatRequest::AutoAvif);
    let Ok(Outcome::Sanitised(clean)) = made else { panic!("{made:?}") };
    let text = String::from_utf8(clean).unwrap();
    assert!(!text.contains("script") && !text.contains("onload") && text.contains("<rect"), "{text}");
    let made = engine::run(svg, &engine::options("rotate=90"), FormatRequest::Original);
    assert!(matches!(made, Err(ProxyError::NotTransformable(_))), "{made:?}");
}
