//! Encoders: JPEG (`jpeg-encoder`, optimised Huffman tables, progressive unless baseline is
//! asked for), PNG (`image`), and WebP: lossy (`vaam-image-webp`, with a lossless alpha
//! plane), or lossless (`image`) when that is smaller.
//!
//! `vaam-image-webp` is the only pure-Rust lossy WebP encoder on crates.io that builds for
//! wasm32-unknown-unknown with this toolchain and licence (MIT or Apache-2.0) and whose output
//! decodes correctly; libwebp needs a C library for Wasm that a Worker does not have. The
//! comparison is in bench/encoders/README.md.
//!
//! AVIF is ravif's (rav1e), at its fastest speed: it is the only AV1 encoder in Rust, and at
//! about 2.5 µs a pixel in Wasm it is kept to small outputs (`negotiate::AVIF_MAX_PIXELS`).

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};
use rgb::FromSlice;

use super::Pixels;
use crate::error::ProxyError;
use crate::format::OutputFormat;

/// An encoded image.
#[derive(Debug)]
pub(super) struct Output {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Whether they are lossless: PNG always, WebP when that was the smaller, JPEG never.
    pub lossless: bool,
}

impl Output {
    /// `jpeg q85 progressive, 9120 bytes`, `webp q80 lossy, 13352 bytes`, `png lossless, 91134 bytes`.
    pub(super) fn describe(&self, format: OutputFormat, quality: u8) -> String {
        let bytes = self.bytes.len();
        match format {
            OutputFormat::Jpeg => format!("jpeg q{quality} progressive, {bytes} bytes"),
            OutputFormat::BaselineJpeg => format!("jpeg q{quality} baseline, {bytes} bytes"),
            other if self.lossless => format!("{} lossless, {bytes} bytes", other.name()),
            other => format!("{} q{quality} lossy, {bytes} bytes", other.name()),
        }
    }
}

/// Encodes `pixels` as `format`; `quality` (1..=100) applies to JPEG, lossy WebP and AVIF,
/// `exif` (an `APP1` payload) to JPEG, and `profile` (an ICC profile) to every format but
/// AVIF, which negotiation never picks for a profile (ravif cannot write one).
pub(super) fn encode(
    pixels: &Pixels,
    format: OutputFormat,
    quality: u8,
    exif: Option<Vec<u8>>,
    profile: Option<&[u8]>,
) -> Result<Output, ProxyError> {
    let jpeg = |scans| Ok(Output { bytes: jpeg(pixels, quality, scans, exif, profile)?, lossless: false });
    match format {
        OutputFormat::Jpeg => jpeg(Scans::Progressive),
        OutputFormat::BaselineJpeg => jpeg(Scans::Baseline),
        OutputFormat::Png => {
            let mut out = Vec::new();
            let mut encoder =
                PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
            with_profile(&mut encoder, profile)?;
            write(encoder, pixels)?;
            Ok(Output { bytes: out, lossless: true })
        }
        OutputFormat::Webp => webp(pixels, quality, profile),
        OutputFormat::Avif => Ok(Output { bytes: avif(pixels, quality)?, lossless: false }),
        // Negotiation picks GIF for animations only, which `animated_gif` writes; a still one is
        // a one-frame GIF, quantised to 256 colours.
        OutputFormat::Gif => {
            let mut out = Vec::new();
            write(image::codecs::gif::GifEncoder::new_with_speed(&mut out, 10), pixels)?;
            Ok(Output { bytes: out, lossless: false })
        }
    }
}

/// AVIF at `quality` (its colour and alpha alike), 8-bit, at rav1e's fastest speed. ravif
/// leaves out the alpha plane when every pixel is opaque.
fn avif(pixels: &Pixels, quality: u8) -> Result<Vec<u8>, ProxyError> {
    // Both settings are in the ranges ravif asserts (quality 1..=100, speed 1..=10).
    let encoder = ravif::Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_alpha_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(10)
        .with_bit_depth(ravif::BitDepth::Eight)
        .with_num_threads(Some(1));
    let failed = |e: ravif::Error| ProxyError::Internal(format!("encode avif: {e}"));
    let (width, height) = pixels.dimensions();
    let (width, height) = (width as usize, height as usize);
    // `Pixels` holds whole pixels, so the views cover every byte.
    let encoded = match pixels {
        Pixels::Rgb8 { data, .. } => encoder.encode_rgb(ravif::Img::new(data.as_rgb(), width, height)),
        Pixels::Rgba8 { data, .. } => encoder.encode_rgba(ravif::Img::new(data.as_rgba(), width, height)),
    };
    let encoded = encoded.map_err(failed)?;
    Ok(encoded.avif_file)
}

/// WebP: lossy at `quality` with a lossless alpha plane, unless lossless is smaller. Photos
/// take 15 to 20 bits a pixel losslessly and 1 to 3 lossily at q80 (the flower at 320 px:
/// 145,722 bytes lossless, 13,352 at q80); flat graphics, logos and icons can be smaller
/// losslessly, and then lossless is better on both counts: exact and smaller. Trying it
/// costs little, the lossless encoder being 20 to 100 times faster than the lossy one.
pub(super) fn webp(pixels: &Pixels, quality: u8, profile: Option<&[u8]>) -> Result<Output, ProxyError> {
    let mut lossless = Vec::new();
    let mut encoder = WebPEncoder::new_lossless(&mut lossless);
    with_profile(&mut encoder, profile)?;
    write(encoder, pixels)?;
    let (width, height) = pixels.dimensions();
    let (data, color) = match pixels {
        Pixels::Rgb8 { data, .. } => (data, vaam_webp::ColorType::Rgb8),
        Pixels::Rgba8 { data, .. } => (data, vaam_webp::ColorType::Rgba8),
    };
    let out = lossy_webp(data, width, height, color, quality, profile)?;
    if lossless.len() <= out.len() {
        return Ok(Output { bytes: lossless, lossless: true });
    }
    Ok(Output { bytes: out, lossless: false })
}

/// The lossy WebP encoder as every WebP answer runs it: `vaam-image-webp` at `quality`, with
/// its default settings otherwise. Public so that tests/webp_encoder.rs and tests/wasm.rs
/// check the vendored encoder's bytes against upstream's through this very call, settings
/// included.
///
/// # Errors
/// `ProxyError::Internal` when the encoder fails (it panics instead only when `data` is not
/// `width` × `height` pixels of `color`, which the callers guarantee).
pub fn lossy_webp(
    data: &[u8],
    width: u32,
    height: u32,
    color: vaam_webp::ColorType,
    quality: u8,
    profile: Option<&[u8]>,
) -> Result<Vec<u8>, ProxyError> {
    let mut out = Vec::new();
    let mut encoder = vaam_webp::WebPEncoder::new(&mut out);
    let mut params = vaam_webp::EncoderParams::default();
    params.use_lossy = true;
    params.lossy_quality = quality;
    encoder.set_params(params);
    if let Some(profile) = profile {
        encoder.set_icc_profile(profile.to_vec());
    }
    encoder
        .encode(data, width, height, color)
        .map_err(|e| ProxyError::Internal(format!("encode lossy webp: {e}")))?;
    Ok(out)
}

/// Gives an `image` encoder the profile to write, if any.
fn with_profile(encoder: &mut impl ImageEncoder, profile: Option<&[u8]>) -> Result<(), ProxyError> {
    match profile {
        Some(profile) => encoder
            .set_icc_profile(profile.to_vec())
            .map_err(|e| ProxyError::Internal(format!("icc profile: {e}"))),
        None => Ok(()),
    }
}

fn write(encoder: impl ImageEncoder, pixels: &Pixels) -> Result<(), ProxyError> {
    let (data, width, height, color) = match pixels {
        Pixels::Rgb8 { width, height, data } => (data, width, height, ExtendedColorType::Rgb8),
        Pixels::Rgba8 { width, height, data } => (data, width, height, ExtendedColorType::Rgba8),
    };
    encoder
        .write_image(data, *width, *height, color)
        .map_err(|e| ProxyError::Internal(format!("encode: {e}")))
}

/// How a JPEG's data is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scans {
    /// One sequential scan (SOF0).
    Baseline,
    /// Several scans of increasing detail (SOF2). jpeg-encoder keeps every block for its
    /// optimised Huffman tables either way, so progressive costs no more memory.
    Progressive,
}

fn jpeg(
    pixels: &Pixels,
    quality: u8,
    scans: Scans,
    exif: Option<Vec<u8>>,
    profile: Option<&[u8]>,
) -> Result<Vec<u8>, ProxyError> {
    let (width, height) = pixels.dimensions();
    let (Ok(w), Ok(h)) = (u16::try_from(width), u16::try_from(height)) else {
        return Err(ProxyError::UndecodableImage(format!("{width}x{height} is too large for JPEG")));
    };
    // JPEG has no alpha: composite onto white, as browsers show transparent areas on a page.
    let flattened;
    let rgb = match pixels {
        Pixels::Rgb8 { data, .. } => data,
        Pixels::Rgba8 { data, .. } => {
            flattened = flatten_on_white(data);
            &flattened
        }
    };
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_progressive(scans == Scans::Progressive);
    if let Some(exif) = exif {
        encoder.add_app_segment(1, exif).map_err(|e| ProxyError::Internal(format!("exif segment: {e}")))?;
    }
    if let Some(profile) = profile {
        encoder.add_icc_profile(profile).map_err(|e| ProxyError::Internal(format!("icc profile: {e}")))?;
    }
    encoder
        .encode(rgb, w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| ProxyError::Internal(format!("encode jpeg: {e}")))?;
    Ok(out)
}

fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .flat_map(|pixel| match *pixel {
            [r, g, b, a] => {
                let alpha = u16::from(a);
                // At most (255·255 + 255·255 + 127) / 255 = 510, and in fact ≤ 255: a convex mix.
                let blend = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
                [blend(r), blend(g), blend(b)]
            }
            // chunks_exact(4) yields only 4-byte chunks.
            _ => [255, 255, 255],
        })
        .collect()
}

/// A written animation file.
pub(super) struct Written {
    /// The file.
    pub bytes: Vec<u8>,
    /// Its canvas.
    pub size: (u32, u32),
    /// Frames written: fewer than read when a frame repeats the one before, whose duration
    /// then grows.
    pub frames_written: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_pixels_become_white_in_jpeg() {
        assert_eq!(flatten_on_white(&[10, 20, 30, 0, 10, 20, 30, 255]), vec![255, 255, 255, 10, 20, 30]);
        assert_eq!(flatten_on_white(&[0, 0, 0, 128]), vec![127, 127, 127]);
    }
}
