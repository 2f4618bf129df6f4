//! The inputs and upstream's digests for tests/jpeg_idct.rs and tests/wasm.rs: jpeg-decoder
//! (vendor/jpeg-decoder) decodes at 1/2 scale through a 4×4 IDCT and upsamples 4:2:0 chroma
//! (H2V2), which on wasm32 take Wasm SIMD paths (`edge-image-proxy patch`es in its
//! src/idct.rs and src/upsampler.rs) and must give the samples upstream's scalar code gives,
//! for every input. `UPSTREAM` holds the sha256 of what the scalar code decoded for each case
//! (on the host, where neither SIMD path exists). The samples are compared before colour
//! conversion (the components only interleaved), whose Wasm SIMD kernel is upstream's own and
//! rounds differently from its scalar one. The inputs: a photo in 4:2:0, 4:4:4, greyscale and
//! progressive, CMYK, with restart intervals, a greyscale file whose DC predictor overflows
//! (the wrapping arithmetic), and noise at quality 100 (coefficients far from zero, samples
//! clamped at both ends).
#![allow(dead_code)]

use crate::pictures::{noise, sha256};
use jpeg_decoder::{ColorTransform, Decoder, PixelFormat};

const CORPUS_FILES: [(&str, &[u8]); 7] = [
    ("flower 4:2:0", include_bytes!("../../../shared/corpus/photos/flower.png.im_q85_420.jpg")),
    ("flower 4:4:4", include_bytes!("../../../shared/corpus/photos/flower.png.im_q85_444.jpg")),
    ("flower grey", include_bytes!("../../../shared/corpus/photos/flower.png.im_q85_gray.jpg")),
    ("flower progressive", include_bytes!("../../../shared/corpus/photos/flower.png.im_q85_420_progr.jpg")),
    ("flower cmyk", include_bytes!("../../../shared/corpus/jpeg/flower_small.cmyk.jpg")),
    (
        "dc predictor overflow",
        include_bytes!("../../../shared/corpus/jpeg-corrupt/dc-predictor-overflow.jpg"),
    ),
    ("bicycles restarts", include_bytes!("../../../shared/corpus/jpeg/bicycles_restarts.jpg")),
];

/// RGB noise encoded at quality 100 by the `image` crate's own JPEG encoder (not the
/// jpeg-encoder we also patch, so these cases depend on the decoder only).
fn noise_q100() -> Vec<u8> {
    let (width, height) = (203, 121);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 100)
        .encode(&noise(width, height, 3), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// Each case decoded at 1/2 scale (the 4×4 IDCT) before colour conversion: a name and the
/// digest of the samples.
pub fn decoded_at_half_scale() -> Vec<(&'static str, String)> {
    let noise = noise_q100();
    let cases = CORPUS_FILES.iter().copied().chain([("noise q100", noise.as_slice())]);
    cases
        .map(|(name, bytes)| {
            let mut decoder = Decoder::new(bytes);
            decoder.read_info().unwrap();
            let info = decoder.info().unwrap();
            let scaled = decoder.scale(info.width.div_ceil(2), info.height.div_ceil(2)).unwrap();
            assert_eq!(scaled, (info.width.div_ceil(2), info.height.div_ceil(2)), "{name}: not the 4x4 IDCT");
            // The components as decoded: "RGB" and "CMYK" only interleave (CMYK inverts),
            // where "YCbCr" would convert (upstream's `ColorTransform::None` panics on colour).
            match info.pixel_format {
                PixelFormat::RGB24 => decoder.set_color_transform(ColorTransform::RGB),
                PixelFormat::CMYK32 => decoder.set_color_transform(ColorTransform::CMYK),
                _ => {}
            }
            let samples = decoder.decode().unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, sha256(&samples))
        })
        .collect()
}

/// sha256 of the samples upstream jpeg-decoder 0.3.2's scalar 4×4 IDCT gave for each case.
pub const UPSTREAM: [(&str, &str); 8] = [
    ("flower 4:2:0", "6acd824a4f88b016afba30ca3a8049bf17a6e2be9fbf2920781ef3490673d64a"),
    ("flower 4:4:4", "b2262d4344228baf0f157c7694f48084409025d51f17794ee8b123a2a34f0adc"),
    ("flower grey", "c2a0de14f3712ed89e47132223907d7722d43a7eadf868bbc75b0c76259f6f2a"),
    ("flower progressive", "6acd824a4f88b016afba30ca3a8049bf17a6e2be9fbf2920781ef3490673d64a"),
    ("flower cmyk", "86dd9ddca8f6e6830819bcbdced60b5b67a0ab86149d78f2598b8cb4f79be3e3"),
    ("dc predictor overflow", "42a9efdbe3b17844bc32a914538ebba18c53069bce0c6509f33e52ff4cff313e"),
    ("bicycles restarts", "54a1c2cb43e3c63ca41c4a7f011c19f77ee5181e0ee40ad47b57448e899a91e5"),
    ("noise q100", "2e60594466f8d987e4877254a8779de97a397566871368e8350426048d3aafd3"),
];
