//! Encoders: JPEG (`jpeg-encoder`, optimised Huffman tables, progressive unless baseline is
//! asked for), PNG and lossless WebP (`image`).

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder};

use super::Pixels;
use crate::error::ProxyError;
use crate::negotiate::OutputFormat;

/// Encodes `pixels` as `format`; `quality` (1..=100) applies to JPEG.
pub(super) fn encode(pixels: &Pixels, format: OutputFormat, quality: u8) -> Result<Vec<u8>, ProxyError> {
    match format {
        OutputFormat::Jpeg => jpeg(pixels, quality, Scans::Progressive),
        OutputFormat::BaselineJpeg => jpeg(pixels, quality, Scans::Baseline),
        OutputFormat::Png => {
            let mut out = Vec::new();
            let encoder = PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
            write(encoder, pixels)?;
            Ok(out)
        }
        OutputFormat::Webp => {
            let mut out = Vec::new();
            write(WebPEncoder::new_lossless(&mut out), pixels)?;
            Ok(out)
        }
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

fn jpeg(pixels: &Pixels, quality: u8, scans: Scans) -> Result<Vec<u8>, ProxyError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_pixels_become_white_in_jpeg() {
        assert_eq!(flatten_on_white(&[10, 20, 30, 0, 10, 20, 30, 255]), vec![255, 255, 255, 10, 20, 30]);
        assert_eq!(flatten_on_white(&[0, 0, 0, 128]), vec![127, 127, 127]);
    }
}
