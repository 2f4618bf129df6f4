//! The transform engine compiled for the Worker (wasm32 with `simd128`, so the SIMD resize
//! kernels the Worker uses) and run by `wasm-bindgen-test` in Node: the sizes and colours it
//! produces must match the source, and hostile input must come back as an error, not a trap.
#![cfg(target_arch = "wasm32")]
// A test fails loudly: the no-panic rules of the library do not apply here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use edge_image_proxy::format::OutputFormat;
use edge_image_proxy::negotiate::FormatRequest;
use edge_image_proxy::options::{Fit, TransformOptions};
use edge_image_proxy::transform::prepare;
use wasm_bindgen_test::wasm_bindgen_test;

#[path = "common/fixtures.rs"]
mod fixtures;
#[path = "common/formats.rs"]
mod formats;

#[path = "common/colour.rs"]
mod colour;
#[path = "common/engine.rs"]
mod engine;
use colour::mean_rgb;
use engine::decoded;

const MAX_PIXELS: u64 = edge_image_proxy::config::DEFAULT_MAX_SOURCE_PIXELS;

#[wasm_bindgen_test]
fn simd_resize_keeps_size_and_colour() {
    let source = include_bytes!("../../shared/corpus/photos/flower_cropped.jpg");
    let original = image::load_from_memory(source).expect("corpus photo decodes");
    let options = TransformOptions { width: Some(160), ..TransformOptions::default() };
    let small = decoded(source, &options, OutputFormat::Png);
    let want_height = (f64::from(original.height()) * 160.0 / f64::from(original.width())).round() as u32;
    assert_eq!((small.width(), small.height()), (160, want_height));
    // A broken kernel shifts or scrambles colours; a correct one keeps the average.
    for (a, b) in mean_rgb(&original.to_rgba8()).iter().zip(mean_rgb(&small.to_rgba8())) {
        assert!((a - b).abs() < 2.0, "mean colour {a} became {b}");
    }
}

#[wasm_bindgen_test]
fn cover_crop_and_alpha_in_wasm() {
    let disc = include_bytes!("../www/samples/disc.png");
    let options = TransformOptions {
        width: Some(90),
        height: Some(40),
        fit: Fit::Cover,
        ..TransformOptions::default()
    };
    let out = decoded(disc, &options, OutputFormat::Png).to_rgba8();
    assert_eq!(out.dimensions(), (90, 40));
    assert_eq!(out.get_pixel(0, 0)[3], 0, "the disc's corner stays transparent");
    assert_eq!(out.get_pixel(45, 20)[3], 255, "its centre stays opaque");
}

#[wasm_bindgen_test]
fn bombs_are_errors_not_traps() {
    let bomb = include_bytes!("../../shared/corpus/bombs/lottapixel.jpg");
    let options = TransformOptions { width: Some(10), ..TransformOptions::default() };
    let result = engine::run(bomb, &options, FormatRequest::Original);
    assert!(matches!(result, Err(ref e) if e.status() == 422), "{result:?}");
}

/// A 1600×1200 JPEG: a white frame around a 256×192 picture whose edges lie on 16-pixel
/// blocks.
fn framed_jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(1600, 1200, |x, y| {
        let inside = (672..928).contains(&x) && (512..704).contains(&y);
        image::Rgb(if inside { [200, 40, (x % 200) as u8] } else { [255, 255, 255] })
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95).encode_image(&image).unwrap();
    out
}
/// Animations drawn by the tests.
#[path = "common/animations.rs"]
mod animations;

/// Counts the bytes the allocator hands out, to check the memory estimates against.
#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

#[wasm_bindgen_test]
fn the_memory_estimate_bounds_what_is_allocated() {
    let photo: &[u8] = include_bytes!("../../shared/corpus/photos/flower.png.im_q85_420.jpg");
    let progressive: &[u8] = include_bytes!("../../shared/corpus/photos/flower.png.im_q85_420_progr.jpg");
    let disc: &[u8] = include_bytes!("../www/samples/disc.png");
    let board: &[u8] = include_bytes!("../www/samples/board.webp");
    let gif: &[u8] = include_bytes!("../www/samples/stripes.gif");
    let width = |w| TransformOptions { width: Some(w), ..TransformOptions::default() };
    let animation: &[u8] = include_bytes!("../../shared/corpus/gif/iss634.gif");
    let animated_webp: &[u8] = include_bytes!("../../shared/corpus/webp/anim.webp");
    let adjusted =
        TransformOptions::from_pairs([("saturation", "1.5"), ("gamma", "0.8"), ("w", "720")]).unwrap();
    let border = |w: &'static str| TransformOptions::from_pairs([("trim", "border"), ("w", w)]).unwrap();
    // A 256×192 picture in a 1600×1200 white frame: found on the 1/8 decode, then decoded
    // again at 1/2 for what the border leaves.
    let framed = framed_jpeg();
    let apng = animations::apng(300, 300, 20, 0, png::BitDepth::Eight);
    let apng_corpus: &[u8] = include_bytes!("../../shared/corpus/png-misc/basic_f20.png");
    let noise = animations::noise_apng(300, 300, 8);
    let large_noise = animations::noise_apng(600, 600, 2);
    let cut_gif = animations::gif(240, 200, 12);
    let cut_gif = &cut_gif[..cut_gif.len() - 200];
    // The formats read but never written: a 1200×900 BMP, an ICO whose largest entry is
    // 256×256, and a 1200×900 TIFF page before a larger one (only the first is read).
    let bmp = formats::bmp(1200, 900, [20, 160, 150]);
    let ico = formats::ico_of_pngs(&[(16, [240, 130, 20]), (256, [20, 160, 150])]);
    let tiff = formats::tiff(&[(1200, 900, [240, 130, 20]), (2000, 2000, [20, 160, 150])]);
    let exactly = FormatRequest::Exactly;
    let cases: [(&str, &[u8], TransformOptions, FormatRequest); 33] = [
        ("jpeg 1/8", photo, width(200), exactly(OutputFormat::Jpeg)),
        ("jpeg 1/2", photo, width(720), exactly(OutputFormat::Jpeg)),
        ("jpeg full", photo, width(1500), exactly(OutputFormat::Jpeg)),
        ("jpeg blur", photo, TransformOptions { blur: Some(3), ..width(1000) }, exactly(OutputFormat::Jpeg)),
        (
            "jpeg sharpen",
            photo,
            TransformOptions { sharpen: Some(30), ..width(1000) },
            exactly(OutputFormat::Jpeg),
        ),
        ("progressive 1/2", progressive, width(720), exactly(OutputFormat::Jpeg)),
        // In place: no more than the same resize without it.
        ("jpeg colour adjusted", photo, adjusted, exactly(OutputFormat::Jpeg)),
        ("png alpha", disc, width(300), exactly(OutputFormat::Png)),
        (
            "png pad",
            disc,
            TransformOptions { height: Some(200), fit: Fit::Pad, ..width(400) },
            exactly(OutputFormat::Png),
        ),
        ("webp", board, width(200), exactly(OutputFormat::Webp)),
        ("webp lossy photo", photo, width(720), exactly(OutputFormat::Webp)),
        ("webp lossy alpha", disc, width(600), exactly(OutputFormat::Webp)),
        ("gif", gif, width(100), exactly(OutputFormat::Png)),
        // The largest AVIF outputs there are: 360×240 and 316×316, just under AVIF_MAX_PIXELS.
        ("avif photo", photo, width(360), exactly(OutputFormat::Avif)),
        ("avif alpha", disc, width(316), exactly(OutputFormat::Avif)),
        // A small source on a large canvas: the JPEG encoder's own buffers dominate.
        (
            "jpeg pad large",
            gif,
            TransformOptions { height: Some(2000), fit: Fit::Pad, ..width(2000) },
            exactly(OutputFormat::Jpeg),
        ),
        (
            "jpeg re-encoded whole",
            photo,
            TransformOptions { quality: Some(80), ..TransformOptions::default() },
            exactly(OutputFormat::Jpeg),
        ),
        ("png border", disc, border("300"), exactly(OutputFormat::Png)),
        ("jpeg border decoded again", &framed, border("100"), exactly(OutputFormat::Jpeg)),
        ("jpeg border, whole", &framed, border("1000"), exactly(OutputFormat::Jpeg)),
        // 42 frames of 245×245, kept animated (GIF is never asked for: an animation stays one
        // when the format is left to the proxy).
        ("gif animated", animation, width(200), FormatRequest::Original),
        // The same as an animated WebP (1.7 million output pixels, near WebP's limit), and an
        // animated WebP source of 200×200 kept whole.
        ("gif animated as webp", animation, width(200), exactly(OutputFormat::Webp)),
        ("webp animated", animated_webp, width(199), exactly(OutputFormat::Webp)),
        // APNG kept as APNG (20 frames of 300×300 to 250×250, 1.25 million output pixels,
        // and the corpus's 20 frames of 100×100), and as an animated WebP.
        ("apng animated", &apng, width(250), FormatRequest::Original),
        ("apng corpus", apng_corpus, width(80), FormatRequest::Original),
        ("apng as webp", &apng, width(140), exactly(OutputFormat::Webp)),
        // Noise: every frame changes everywhere and barely compresses, so the APNG writer's
        // rectangle, compressed rows and output are as large as they get.
        ("apng noise", &noise, width(299), FormatRequest::Original),
        ("apng large noise", &large_noise, width(599), FormatRequest::Original),
        // A GIF cut short in its last frame: the frames before it.
        ("gif cut short", cut_gif, width(100), FormatRequest::Original),
        ("bmp", &bmp, width(600), FormatRequest::Original),
        ("ico", &ico, width(100), exactly(OutputFormat::Png)),
        ("tiff", &tiff, width(600), exactly(OutputFormat::Jpeg)),
        ("tiff whole", &tiff, width(1200), exactly(OutputFormat::Webp)),
    ];
    let mut over = Vec::new();
    for (name, bytes, options, request) in cases {
        let Ok(work) = prepare(bytes, &options, request, MAX_PIXELS) else {
            panic!("{name}: nothing to transform")
        };
        // What the run holds is the estimate plus whatever it asked for on the way (a border
        // trim planned again, a full-size decode after a scaled one failed): each is asked
        // before it is allocated.
        let mut estimate = work.memory_bytes();
        let peak = counting::peak_during(|| {
            work.run(|extra| {
                estimate += extra;
                true
            })
            .expect("transforms");
        });
        wasm_bindgen_test::console_log!("{name}: allocated {peak}, estimated {estimate}");
        if peak as u64 > estimate {
            over.push(format!("{name}: allocated {peak}, estimated {estimate}"));
        }
    }
    assert!(over.is_empty(), "the estimate is too low: {over:#?}");
}

#[wasm_bindgen_test]
fn a_png_declaring_a_gigapixel_is_too_many_pixels_and_described_in_wasm() {
    use edge_image_proxy::error::ProxyError;
    for side in [1u32 << 15, 1 << 16] {
        let png = fixtures::png_declaring(side);
        let options = TransformOptions { width: Some(100), ..TransformOptions::default() };
        let made = engine::run(&png, &options, FormatRequest::Original);
        let pixels = u64::from(side) * u64::from(side);
        assert!(
            matches!(made, Err(ProxyError::TooManyPixels { pixels: p, .. }) if p == pixels),
            "{side}: {made:?}"
        );
        let described =
            edge_image_proxy::transform::describe(&png, &TransformOptions::default()).expect("described");
        assert_eq!((described.original.width, described.original.height), (side, side));
    }
}

#[path = "common/jpeg_encoder_cases.rs"]
mod jpeg_encoder_cases;
#[path = "common/jpeg_idct_cases.rs"]
mod jpeg_idct_cases;
#[path = "common/pictures.rs"]
mod pictures;
#[path = "common/webp_cases.rs"]
mod webp_cases;
use pictures::{assert_upstreams, digests};

/// In Wasm the vendored WebP encoder's 4x4 transforms take their simd128 paths: the files must
/// still be upstream's, byte for byte (see tests/common/webp_cases.rs).
#[wasm_bindgen_test]
fn the_patched_lossy_webp_encoder_writes_upstreams_bytes_in_wasm() {
    assert_upstreams(&digests(&webp_cases::cases()), &webp_cases::UPSTREAM);
}

/// jpeg-decoder's 4×4 IDCT and H2V2 upsampling (decoding at 1/2 scale) run Wasm SIMD patches
/// here and must give the samples of upstream's scalar code, as tests/jpeg_idct.rs checks on
/// the host.
#[wasm_bindgen_test]
fn the_simd_half_scale_jpeg_decode_gives_upstreams_samples_in_wasm() {
    assert_upstreams(&jpeg_idct_cases::decoded_at_half_scale(), &jpeg_idct_cases::UPSTREAM);
}

/// In Wasm the vendored JPEG encoder's forward DCT and RGB to YCbCr conversion take their
/// simd128 paths: the files must still be upstream's, byte for byte (see
/// tests/common/jpeg_encoder_cases.rs).
#[wasm_bindgen_test]
fn the_patched_jpeg_encoder_writes_upstreams_bytes_in_wasm() {
    assert_upstreams(&digests(&jpeg_encoder_cases::cases()), &jpeg_encoder_cases::UPSTREAM);
}
