//! The candidates behind one function each, so the host report and the Wasm module run the
//! same code. The Wasm module exports `prepare(width)` and `encode(candidate, quality)` with
//! no imports at all: node instantiates it with an empty import object, which proves that
//! nothing needs JavaScript, and times each call.

use std::sync::Mutex;

/// The benchmark's source: the flower photo (2268×1512, JPEG q85 4:2:0).
pub const FLOWER: &[u8] = include_bytes!("../../../../shared/corpus/photos/flower.png.im_q85_420.jpg");

/// An 8-bit RGBA image.
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// The flower resized to `width` (Lanczos3), with its top-left quarter made fully transparent
/// when `alpha` (to check that alpha survives).
pub fn flower(width: u32, alpha: bool) -> Rgba {
    let decoded = image::load_from_memory(FLOWER).map(|i| i.to_rgba8()).unwrap_or_default();
    let height = (u64::from(width) * u64::from(decoded.height()) / u64::from(decoded.width().max(1))) as u32;
    let mut resized = image::imageops::resize(&decoded, width, height, image::imageops::FilterType::Lanczos3);
    if alpha {
        for (x, y, pixel) in resized.enumerate_pixels_mut() {
            if x < width / 4 && y < height / 4 {
                pixel.0[3] = 0;
            }
        }
    }
    Rgba { width, height, data: resized.into_raw() }
}

/// The candidates, by number (the Wasm export takes the number).
pub const CANDIDATES: [&str; 5] = [
    "jpeg-encoder (progressive JPEG)",
    "image-webp lossless",
    "vaam-image-webp",
    "webp-rust",
    "ravif speed 10",
];

/// Encodes `image` with candidate `which` at `quality`; `None` when it is not compiled in.
pub fn encode(which: usize, image: &Rgba, quality: u8) -> Option<Vec<u8>> {
    #[allow(unused_variables)]
    let opaque = image.data.iter().skip(3).step_by(4).all(|&a| a == 255);
    let mut out = Vec::new();
    match which {
        0 => {
            let rgb: Vec<u8> = image.data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
            encoder.set_progressive(true);
            encoder.set_optimized_huffman_tables(true);
            encoder
                .encode(&rgb, image.width as u16, image.height as u16, jpeg_encoder::ColorType::Rgb)
                .ok()?;
        }
        1 => {
            use image::ImageEncoder;
            image::codecs::webp::WebPEncoder::new_lossless(&mut out)
                .write_image(&image.data, image.width, image.height, image::ExtendedColorType::Rgba8)
                .ok()?;
        }
        #[cfg(feature = "vaam")]
        2 => {
            let mut encoder = vaam_webp::WebPEncoder::new(&mut out);
            let mut params = vaam_webp::EncoderParams::default();
            params.use_lossy = true;
            params.lossy_quality = quality;
            encoder.set_params(params);
            let (data, color) = if opaque {
                (
                    image.data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
                    vaam_webp::ColorType::Rgb8,
                )
            } else {
                (image.data.clone(), vaam_webp::ColorType::Rgba8)
            };
            encoder.encode(&data, image.width, image.height, color).ok()?;
        }
        #[cfg(feature = "webp-rust")]
        3 => {
            let config = webp_rust::LossyEncodingConfig { quality: f32::from(quality), ..Default::default() };
            let buffer = webp_rust::ImageBuffer {
                width: image.width as usize,
                height: image.height as usize,
                rgba: image.data.clone(),
            };
            out = webp_rust::encode_lossy_with_config(&buffer, &config, None).ok()?;
        }
        #[cfg(feature = "avif")]
        4 => {
            let pixels: Vec<ravif::RGBA8> =
                image.data.chunks_exact(4).map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3])).collect();
            let img = ravif::Img::new(pixels.as_slice(), image.width as usize, image.height as usize);
            let encoder = ravif::Encoder::new().with_quality(f32::from(quality)).with_speed(10);
            out = encoder.encode_rgba(img).ok()?.avif_file;
        }
        _ => return None,
    }
    Some(out)
}

#[allow(dead_code)]
static PREPARED: Mutex<Option<Rgba>> = Mutex::new(None);

/// Wasm: resizes the flower to `width` (with a transparent corner when `alpha` is 1), kept for `run`.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn prepare(width: u32, alpha: u32) -> u32 {
    let image = flower(width, alpha == 1);
    let height = image.height;
    if let Ok(mut prepared) = PREPARED.lock() {
        *prepared = Some(image);
    }
    height
}

/// Wasm: encodes the prepared image with candidate `which`; the output's length, or 0.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn run(which: u32, quality: u32) -> u32 {
    let Ok(prepared) = PREPARED.lock() else { return 0 };
    let Some(image) = prepared.as_ref() else { return 0 };
    encode(which as usize, image, quality as u8).map_or(0, |out| out.len() as u32)
}
