//! The memory a transformation will take is known from the header, before decoding: small
//! for a thumbnail of a huge JPEG (shrink-on-load), large for a full-size decode. That it
//! bounds what the engine really allocates is checked in Wasm (`tests/wasm.rs`), where the
//! decoders run single-threaded as they do in the Worker.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;
use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::{prepare, Work};

#[path = "common/fixtures.rs"]
mod fixtures;
use fixtures::synthetic_jpeg;

const MIB: u64 = 1024 * 1024;

fn work<'a>(bytes: &'a [u8], options: &'a TransformOptions) -> Work<'a> {
    match prepare(bytes, options, FormatRequest::Exactly(OutputFormat::Jpeg), DEFAULT_MAX_SOURCE_PIXELS) {
        Ok(work) => work,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_thumbnail_of_a_24_megapixel_jpeg_needs_little() {
    let jpeg = synthetic_jpeg(6000, 4000);
    let thumb = TransformOptions { width: Some(320), ..TransformOptions::default() };
    let small = work(&jpeg, &thumb).memory_bytes();
    // Decoded at 1/8: 750x500 RGB is 1.1 MB, with the decoder's working buffers.
    assert!(small < 4 * MIB, "{small}");
    let large = TransformOptions { width: Some(3000), ..TransformOptions::default() };
    // Decoded at 1/2: 3000x2000 RGB is 18 MB, with the decoder's working buffers; encoding
    // 6 Mpx of JPEG holds more (13 bytes a pixel with the canvas), and still fits the budget.
    let half = work(&jpeg, &large).memory_bytes();
    assert!(half > 18_000_000 && half < edge_image_proxy::config::DEFAULT_BUFFER_BUDGET_BYTES, "{half}");
    // At full size it would not fit the default budget: 24 Mpx RGB is 72 MB decoded.
    let full = TransformOptions { quality: Some(80), ..TransformOptions::default() };
    let whole = prepare(&jpeg, &full, FormatRequest::Exactly(OutputFormat::Jpeg), 30_000_000);
    let Ok(whole) = whole else { panic!("{whole:?}") };
    assert!(whole.memory_bytes() > edge_image_proxy::config::DEFAULT_BUFFER_BUDGET_BYTES);
}

#[test]
fn alpha_effects_and_padding_cost_more() {
    let png = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/disc.png")).expect("sample");
    let plain = TransformOptions { width: Some(400), ..TransformOptions::default() };
    let blurred = TransformOptions { blur: Some(4), ..plain };
    let base = work(&png, &plain).memory_bytes();
    // 800x800 RGBA decoded (2.56 MB) and premultiplied for the resize (2.56 MB more).
    assert!(base >= 800 * 800 * 4 * 2, "{base}");
    assert!(base < 10 * MIB, "{base}");
    let opaque = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/www/samples/landscape.jpg")).unwrap();
    let full_size = TransformOptions { quality: Some(50), ..TransformOptions::default() };
    let blurred_full = TransformOptions { blur: Some(4), ..full_size };
    assert!(
        work(&opaque, &blurred_full).memory_bytes() > work(&opaque, &full_size).memory_bytes(),
        "blurring holds more copies"
    );
    assert!(work(&png, &blurred).memory_bytes() >= base);
}
