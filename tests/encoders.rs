//! What each output format's bytes really are: `format=jpeg` writes a progressive JPEG (SOF2)
//! and `format=baseline-jpeg` a sequential one (SOF0); `format=webp` a lossy WebP (`VP8 `
//! chunk) at the requested quality, far below lossless, with its alpha (`ALPH`) kept, or a
//! lossless one (`VP8L`) when that is smaller, as for flat graphics; `format=avif` an AV1
//! image of the asked size with its alpha, or WebP when the output is too large for AVIF.
//! Every output decodes to the asked size.
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![cfg(not(target_arch = "wasm32"))]

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::make::Outcome;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::TransformOptions;
use edge_image_proxy::transform::Encoded;

#[path = "common/engine.rs"]
mod engine;
#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/manifest.rs"]
mod manifest;
use fixtures::png;

/// The flower photo of the corpus (2268×1512, JPEG q85 4:2:0), the benchmark's source.
fn flower() -> Vec<u8> {
    manifest::corpus_file("photos/flower.png.im_q85_420.jpg")
}

fn encode(source: &[u8], width: u32, quality: Option<u8>, format: OutputFormat) -> Encoded {
    let options = TransformOptions { width: Some(width), quality, ..TransformOptions::default() };
    engine::encoded(source, &options, FormatRequest::Exactly(format))
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

/// The four-character codes of a WebP file's chunks, in order.
fn webp_chunks(webp: &[u8]) -> Vec<String> {
    assert_eq!((&webp[..4], &webp[8..12]), (&b"RIFF"[..], &b"WEBP"[..]), "a WebP file");
    let mut chunks = Vec::new();
    let mut at = 12;
    while let [a, b, c, d, s0, s1, s2, s3, ..] = webp[at..] {
        chunks.push(String::from_utf8_lossy(&[a, b, c, d]).into_owned());
        let size = u32::from_le_bytes([s0, s1, s2, s3]) as usize;
        at += 8 + size + size % 2;
    }
    assert_eq!(at, webp.len(), "chunks fill the file exactly");
    chunks
}

/// The flower at 640 px as a PNG with alpha: its top-left quarter fully transparent.
fn flower_with_transparent_corner() -> Vec<u8> {
    let flower = image::load_from_memory(&flower()).expect("decodes").thumbnail(640, 640).to_rgba8();
    let (width, height) = flower.dimensions();
    let mut image = flower;
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        if x < width / 4 && y < height / 4 {
            pixel.0[3] = 0;
        }
    }
    png(&image)
}

#[test]
fn webp_is_lossy_at_the_requested_quality_and_far_below_lossless() {
    let flower = flower();
    let webp = encode(&flower, 320, Some(80), OutputFormat::Webp);
    assert_eq!(webp_chunks(&webp.bytes), ["VP8 "], "simple lossy WebP");
    assert_eq!(webp.report.encode, format!("webp q80 lossy, {} bytes", webp.bytes.len()));
    let decoded = image::load_from_memory(&webp.bytes).expect("decodes");
    assert_eq!((decoded.width(), decoded.height()), (320, 213));
    // The same pixels losslessly: the PNG output is exact.
    let exact = image::load_from_memory(&encode(&flower, 320, None, OutputFormat::Png).bytes).expect("png");
    let mut lossless = Vec::new();
    exact
        .write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut lossless))
        .expect("lossless");
    assert!(
        webp.bytes.len() * 5 < lossless.len(),
        "q80 {} bytes, lossless {}",
        webp.bytes.len(),
        lossless.len()
    );
    // The quality is honoured.
    let low = encode(&flower, 320, Some(50), OutputFormat::Webp).bytes.len();
    let high = encode(&flower, 320, Some(95), OutputFormat::Webp).bytes.len();
    assert!(
        low < webp.bytes.len() && webp.bytes.len() < high,
        "q50 {low}, q80 {}, q95 {high}",
        webp.bytes.len()
    );
}

#[test]
fn lossy_webp_keeps_alpha() {
    let webp = encode(&flower_with_transparent_corner(), 320, Some(80), OutputFormat::Webp);
    assert_eq!(webp_chunks(&webp.bytes), ["VP8X", "ALPH", "VP8 "], "lossy with an alpha plane");
    let decoded = image::load_from_memory(&webp.bytes).expect("decodes").to_rgba8();
    let (width, height) = decoded.dimensions();
    assert_eq!((width, webp.height), (320, height));
    assert_eq!(decoded.get_pixel(0, 0)[3], 0, "the transparent corner stays transparent");
    assert_eq!(decoded.get_pixel(width - 1, height - 1)[3], 255, "the rest stays opaque");
}

#[test]
fn flat_graphics_stay_lossless_webp() {
    // A logo: a solid disc with hard edges on a transparent square, not resized.
    let logo = image::RgbaImage::from_fn(200, 200, |x, y| {
        let (dx, dy) = (f64::from(x) - 100.0, f64::from(y) - 100.0);
        if dx * dx + dy * dy < 80.0 * 80.0 {
            image::Rgba([200, 30, 60, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let webp = encode(&png(&logo), 200, Some(80), OutputFormat::Webp);
    assert_eq!(webp_chunks(&webp.bytes), ["VP8L"], "lossless");
    assert_eq!(webp.report.encode, format!("webp lossless, {} bytes", webp.bytes.len()));
    let decoded = image::load_from_memory(&webp.bytes).expect("decodes").to_rgba8();
    assert_eq!(decoded.get_pixel(0, 0)[3], 0, "the corner stays transparent");
    assert_eq!(decoded.get_pixel(50, 50)[3], 255, "the disc stays opaque");
}

#[test]
fn lossy_webp_encodes_odd_and_tiny_sizes_at_any_quality() {
    // Noise does not compress losslessly, so every size goes through the lossy encoder, at
    // the ends of the quality range too.
    let mut seed = 1u32;
    for (width, height, quality) in [(1, 1, 1), (1, 31, 100), (31, 1, 80), (17, 9, 1), (33, 65, 100)] {
        let noise = image::RgbaImage::from_fn(width, height, |_, _| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let [r, g, b, a] = seed.to_le_bytes();
            image::Rgba([r, g, b, a | 1])
        });
        let options = TransformOptions { quality: Some(quality), ..TransformOptions::default() };
        let Ok(Outcome::Encoded(webp)) =
            engine::run(&png(&noise), &options, FormatRequest::Exactly(OutputFormat::Webp))
        else {
            panic!("{width}x{height} encodes");
        };
        let decoded = image::load_from_memory(&webp.bytes).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (width, height));
    }
}

/// The AVIF container and AV1 header of an encoded file: its size, bit depth, and whether it
/// carries an alpha plane.
fn avif_summary(bytes: &[u8]) -> ((u32, u32), u8, bool) {
    let avif = avif_parse::read_avif(&mut &bytes[..]).expect("a valid AVIF container");
    let color = avif.primary_item_metadata().expect("an AV1 sequence header");
    ((color.max_frame_width.get(), color.max_frame_height.get()), color.bit_depth, avif.alpha_item.is_some())
}

#[test]
fn avif_holds_an_av1_image_of_the_asked_size_and_keeps_alpha() {
    let source = flower();
    let flower = encode(&source, 320, Some(80), OutputFormat::Avif);
    assert_eq!(flower.format, OutputFormat::Avif);
    assert_eq!(&flower.bytes[4..12], b"ftypavif");
    assert_eq!(avif_summary(&flower.bytes), ((320, 213), 8, false), "opaque: no alpha plane");
    assert_eq!(flower.report.encode, format!("avif q80 lossy, {} bytes", flower.bytes.len()));
    // Lossy: far below the raw pixels, and quality changes the size.
    let lower = encode(&source, 320, Some(40), OutputFormat::Avif);
    assert!(
        lower.bytes.len() * 3 / 2 < flower.bytes.len(),
        "{} vs {}",
        lower.bytes.len(),
        flower.bytes.len()
    );
    assert!(flower.bytes.len() < 320 * 213 * 3 / 8);

    let disc = std::fs::read("www/samples/disc.png").expect("the playground's disc");
    let disc = encode(&disc, 100, None, OutputFormat::Avif);
    assert_eq!(avif_summary(&disc.bytes), ((100, 100), 8, true), "the disc's transparency is kept");
}

#[test]
fn avif_above_the_pixel_limit_is_sent_as_webp() {
    use edge_image_proxy::negotiate::AVIF_MAX_PIXELS;
    let flower = flower();
    // 388×259 = 100,492 pixels: just over.
    let over = encode(&flower, 388, Some(80), OutputFormat::Avif);
    assert!(u64::from(over.width) * u64::from(over.height) > AVIF_MAX_PIXELS);
    assert_eq!(over.format, OutputFormat::Webp);
    assert_eq!(&over.bytes[8..12], b"WEBP");
    let under = encode(&flower, 387, Some(80), OutputFormat::Avif);
    assert!(u64::from(under.width) * u64::from(under.height) <= AVIF_MAX_PIXELS);
    assert_eq!(under.format, OutputFormat::Avif);
}
