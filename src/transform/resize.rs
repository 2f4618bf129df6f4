//! Applies a [`Geometry`] to decoded pixels with `fast_image_resize` (Lanczos3, alpha
//! premultiplied during the resize so that transparent edges do not halo).

use fast_image_resize::images::Image;
use fast_image_resize::{PixelType, ResizeOptions, Resizer};

use super::{Geometry, Pixels};
use crate::error::ProxyError;

/// Crops and resizes `pixels` as `geometry` says (padding is [`pad`]'s).
pub(super) fn apply(pixels: Pixels, geometry: &Geometry) -> Result<Pixels, ProxyError> {
    if geometry.keeps_pixels(pixels.dimensions()) {
        return Ok(pixels);
    }
    resize(pixels, geometry)
}

fn resize(pixels: Pixels, geometry: &Geometry) -> Result<Pixels, ProxyError> {
    let (src_width, src_height) = pixels.dimensions();
    let (pixel_type, has_alpha, data) = match pixels {
        Pixels::Rgb8 { data, .. } => (PixelType::U8x3, false, data),
        Pixels::Rgba8 { data, .. } => (PixelType::U8x4, true, data),
    };
    let internal = |e: &dyn std::fmt::Display| ProxyError::Internal(format!("resize: {e}"));
    let src = Image::from_vec_u8(src_width, src_height, data, pixel_type).map_err(|e| internal(&e))?;
    let (width, height) = geometry.resized;
    let mut dst = Image::new(width, height, pixel_type);
    let crop = geometry.crop;
    let options = ResizeOptions::new().crop(crop.left, crop.top, crop.width, crop.height);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| internal(&e))?;
    let data = dst.into_vec();
    Ok(if has_alpha { Pixels::Rgba8 { width, height, data } } else { Pixels::Rgb8 { width, height, data } })
}

/// Places the image on a white canvas of `geometry.canvas`, at `geometry.offset`.
pub(super) fn pad(image: &Pixels, geometry: &Geometry) -> Pixels {
    let (canvas_width, canvas_height) = geometry.canvas;
    let (x, y) = (geometry.offset.0 as usize, geometry.offset.1 as usize);
    let (width, rows, data, channels) = match image {
        Pixels::Rgb8 { width, height, data } => (*width as usize, *height as usize, data, 3),
        Pixels::Rgba8 { width, height, data } => (*width as usize, *height as usize, data, 4),
    };
    let stride = canvas_width as usize * channels;
    let mut canvas = vec![255u8; stride * canvas_height as usize];
    for (row, line) in data.chunks_exact(width * channels).take(rows).enumerate() {
        let start = (y + row) * stride + x * channels;
        if let Some(target) = canvas.get_mut(start..start + line.len()) {
            target.copy_from_slice(line);
        }
    }
    match image {
        Pixels::Rgb8 { .. } => Pixels::Rgb8 { width: canvas_width, height: canvas_height, data: canvas },
        Pixels::Rgba8 { .. } => Pixels::Rgba8 { width: canvas_width, height: canvas_height, data: canvas },
    }
}
