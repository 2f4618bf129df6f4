//! Everything between decoding and encoding, for a still image and for each frame of an
//! animation alike: [`aim`] puts the planned crop onto the pixels as decoded (and onto the
//! busiest part of the image for `gravity=auto`), then [`shape`] crops and resizes, flips
//! and rotates, blurs, sharpens, adjusts the colours, fills the background and pads.

use super::decode::ImageInfo;
use super::geometry::{CropBox, Geometry};
use super::{adjust, effects, focus, orient, resize, Pixels};
use crate::error::ProxyError;
use crate::options::{Gravity, Rgba, TransformOptions};

/// The crop and region in the pixels as decoded (a JPEG shrunk on load is smaller than its
/// header says), moved onto the busiest part of the image for `gravity=auto`.
pub(super) fn aim(
    pixels: &Pixels,
    info: &ImageInfo,
    options: &TransformOptions,
    source_plan: Geometry,
    region: CropBox,
) -> (Geometry, CropBox) {
    let decoded = pixels.dimensions();
    let original = (info.width, info.height);
    let mut source_plan = source_plan.for_loaded_source(original, decoded);
    let region = region.for_loaded_source(original, decoded);
    if options.gravity == Gravity::Auto && !source_plan.keeps_pixels(decoded) {
        // The busiest window of the whole image, as a point of the trimmed region; a
        // window outside the region is pulled to its nearest edge.
        let (fx, fy) = focus::busiest_point(pixels, (source_plan.crop.width, source_plan.crop.height));
        let within = |at: f64, length: u32, start: f64, size: f64| (at * f64::from(length) - start) / size;
        let focus = (
            within(fx, decoded.0, region.left, region.width),
            within(fy, decoded.1, region.top, region.height),
        );
        source_plan = source_plan.focused_on(region, focus);
    }
    (source_plan, region)
}

/// Crop and resize, flip and rotate, blur, sharpen, colour adjustments, background and pad: `plan` is the
/// geometry in the requested axes (for the pad), `source_plan` and `region` as [`aim`]
/// returned them.
pub(super) fn shape(
    pixels: Pixels,
    options: &TransformOptions,
    plan: &Geometry,
    source_plan: &Geometry,
    region: CropBox,
) -> Result<Pixels, ProxyError> {
    let pixels = resize::apply(pixels, source_plan, region)?;
    let pixels = orient::flip_and_rotate(pixels, options.flip, options.rotate)?;
    let pixels = match options.blur {
        Some(radius) => effects::blur(pixels, radius),
        None => pixels,
    };
    let pixels = match options.sharpen {
        Some(tenths) => effects::sharpen(pixels, tenths),
        None => pixels,
    };
    let mut pixels = pixels;
    adjust::adjust(&mut pixels, options);
    let pixels = match options.background {
        Some(background) => effects::onto_background(pixels, background),
        None => pixels,
    };
    let background = options.background.unwrap_or(Rgba::WHITE);
    Ok(if plan.canvas == plan.resized { pixels } else { resize::pad(pixels, plan, background) })
}
