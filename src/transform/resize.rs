//! Applies a [`Geometry`] to decoded pixels with `fast_image_resize` (Lanczos3, alpha
//! premultiplied during the resize so that transparent edges do not halo).

use fast_image_resize::images::{CroppedImage, Image};
use fast_image_resize::{PixelType, ResizeOptions, Resizer};

use super::geometry::{CropBox, Geometry};
use super::Pixels;
use crate::error::ProxyError;
use crate::options::Rgba;

/// Crops and resizes `pixels` as `geometry` says (padding is [`pad`]'s). Only `region` (what
/// `trim` leaves, all of it without a trim) is read: the filter's reach past the crop's edges
/// stops at it, so trimmed pixels never bleed into the output.
pub(super) fn apply(pixels: Pixels, geometry: &Geometry, region: CropBox) -> Result<Pixels, ProxyError> {
    if geometry.keeps_pixels(pixels.dimensions()) {
        return Ok(pixels);
    }
    resize(pixels, geometry, region)
}

fn resize(pixels: Pixels, geometry: &Geometry, region: CropBox) -> Result<Pixels, ProxyError> {
    let (src_width, src_height) = pixels.dimensions();
    let (pixel_type, has_alpha, data) = match pixels {
        Pixels::Rgb8 { data, .. } => (PixelType::U8x3, false, data),
        Pixels::Rgba8 { data, .. } => (PixelType::U8x4, true, data),
    };
    let internal = |e: &dyn std::fmt::Display| ProxyError::Internal(format!("resize: {e}"));
    let src = Image::from_vec_u8(src_width, src_height, data, pixel_type).map_err(|e| internal(&e))?;
    let (width, height) = geometry.resized;
    let mut dst = Image::new(width, height, pixel_type);
    // Whole pixels inside the region (a region shrunk on load may end mid-pixel).
    let (left, top) = (region.left.ceil(), region.top.ceil());
    let right = (region.left + region.width).floor().clamp(left + 1.0, f64::from(src_width));
    let bottom = (region.top + region.height).floor().clamp(top + 1.0, f64::from(src_height));
    // Within the image: the region is a part of it, and at least one pixel.
    let view = CroppedImage::new(&src, left as u32, top as u32, (right - left) as u32, (bottom - top) as u32)
        .map_err(|e| internal(&e))?;
    // The crop, moved into the view's coordinates and kept inside it.
    let crop = geometry.crop;
    let (crop_left, crop_top) = ((crop.left - left).max(0.0), (crop.top - top).max(0.0));
    let options = ResizeOptions::new().crop(
        crop_left,
        crop_top,
        crop.width.min(right - left - crop_left),
        crop.height.min(bottom - top - crop_top),
    );
    Resizer::new().resize(&view, &mut dst, &options).map_err(|e| internal(&e))?;
    let data = dst.into_vec();
    Ok(if has_alpha { Pixels::Rgba8 { width, height, data } } else { Pixels::Rgb8 { width, height, data } })
}

/// Places the image on a canvas of `geometry.canvas` filled with `background`, at
/// `geometry.offset`. A translucent background gives the canvas an alpha channel.
pub(super) fn pad(image: Pixels, geometry: &Geometry, background: Rgba) -> Pixels {
    let Rgba([r, g, b, a]) = background;
    let image = match image {
        Pixels::Rgb8 { width, height, data } if a < 255 => {
            let data = data
                .chunks_exact(3)
                .flat_map(|p| match *p {
                    [r, g, b] => [r, g, b, 255],
                    _ => [0, 0, 0, 0],
                })
                .collect();
            Pixels::Rgba8 { width, height, data }
        }
        other => other,
    };
    let (canvas_width, canvas_height) = geometry.canvas;
    let (x, y) = (geometry.offset.0 as usize, geometry.offset.1 as usize);
    let (width, rows, data, fill) = match &image {
        Pixels::Rgb8 { width, height, data } => (*width as usize, *height as usize, data, vec![r, g, b]),
        Pixels::Rgba8 { width, height, data } => (*width as usize, *height as usize, data, vec![r, g, b, a]),
    };
    let channels = fill.len();
    let stride = canvas_width as usize * channels;
    let mut canvas: Vec<u8> = fill.iter().copied().cycle().take(stride * canvas_height as usize).collect();
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
