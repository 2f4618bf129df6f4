//! What each output format's bytes really are: `format=jpeg` writes a progressive JPEG (SOF2)
//! and `format=baseline-jpeg` a sequential one (SOF0), both decoding to the asked size.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use edge_image_proxy::negotiate::{FormatRequest, OutputFormat};
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::{transform, Encoded, Outcome};

const MAX_PIXELS: u64 = edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;

/// The flower photo of the corpus (2268×1512, JPEG q85 4:2:0), the benchmark's source.
fn flower() -> Vec<u8> {
    std::fs::read("../shared/corpus/photos/flower.png.im_q85_420.jpg").expect("the corpus flower")
}

fn encode(source: &[u8], width: u32, quality: Option<u8>, format: OutputFormat) -> Encoded {
    let options = TransformOptions { width: Some(width), quality, ..TransformOptions::default() };
    match transform(source, &options, FormatRequest::Exactly(format), MAX_PIXELS) {
        Ok(Outcome::Encoded(encoded)) => encoded,
        other => panic!("{format:?}: {other:?}"),
    }
}

/// The start-of-frame markers (`FFC0`..`FFC2`) in a JPEG's header segments.
fn frame_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2; // after SOI
    while let [0xFF, marker, high, low, ..] = jpeg[at..] {
        if marker == 0xDA {
            break; // start of scan: the header is over
        }
        if (0xC0..=0xC2).contains(&marker) {
            markers.push(marker);
        }
        at += 2 + usize::from(u16::from_be_bytes([high, low]));
    }
    markers
}

#[test]
fn jpeg_is_progressive_and_baseline_jpeg_sequential() {
    let flower = flower();
    let progressive = encode(&flower, 320, Some(80), OutputFormat::Jpeg);
    assert_eq!(frame_markers(&progressive.bytes), [0xC2], "SOF2");
    assert_eq!(progressive.report.encode, format!("jpeg q80 progressive, {} bytes", progressive.bytes.len()));
    let baseline = encode(&flower, 320, Some(80), OutputFormat::BaselineJpeg);
    assert_eq!(frame_markers(&baseline.bytes), [0xC0], "SOF0");
    assert_eq!(baseline.report.encode, format!("jpeg q80 baseline, {} bytes", baseline.bytes.len()));
    for jpeg in [&progressive, &baseline] {
        let decoded = image::load_from_memory(&jpeg.bytes).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (320, 213));
        assert_eq!(jpeg.format.mime(), "image/jpeg");
    }
}
